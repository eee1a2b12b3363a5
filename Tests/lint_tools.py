"""Where the repository and its lint tools are, and checkov as the template tests run it.

A module of its own (not `conftest`, whose name every test folder's conftest shares); importable
from every test folder because `Tests/conftest.py` puts `Tests/` on the import path.
"""
import json
import pathlib
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent


def tool(name):
    """A tool from the project's tool venv (made by `make deps`), else from PATH, else None."""
    venv = ROOT / ".build" / "tools-venv" / "bin" / name
    return str(venv) if venv.exists() else shutil.which(name)


def run_checkov(path, framework):
    """checkov on a file (CloudFormation) or a folder (Terraform): its (results, summary)."""
    checkov = tool("checkov")
    assert checkov, "checkov is not installed: run `make deps` (it installs into .build/tools-venv)"
    target = ["-d", str(path)] if pathlib.Path(path).is_dir() else ["-f", str(path)]
    result = subprocess.run([checkov, *target, "--framework", framework, "--skip-download", "-o", "json"],
                            capture_output=True, text=True)
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    return report["results"], report["summary"]


def checkov_per_file(paths, framework):
    """checkov once over several files (one process: its start-up is most of a run), results per file.

    Returns {path: {"failed": [(check_id, resource)], "passed": n}}. The files are scanned by name
    from one folder of copies, so each result's file_path names its file.
    """
    import tempfile

    checkov = tool("checkov")
    assert checkov, "checkov is not installed: run `make venv` (it installs into .build/tools-venv)"
    with tempfile.TemporaryDirectory(prefix="checkov-") as folder:
        names = {}
        for index, path in enumerate(paths):
            name = f"t{index}-{pathlib.Path(path).name}"
            shutil.copyfile(path, pathlib.Path(folder) / name)
            names[name] = path
        result = subprocess.run([checkov, "-d", folder, "--framework", framework, "--skip-download", "-o", "json"],
                                capture_output=True, text=True)
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    per_file = {path: {"failed": [], "passed": 0} for path in paths}
    for kind, key in (("failed_checks", "failed"), ("passed_checks", "passed")):
        for check in report["results"][kind]:
            path = names[pathlib.Path(check["file_path"]).name]
            if key == "failed":
                per_file[path]["failed"].append((check["check_id"], check["resource"]))
            else:
                per_file[path]["passed"] += 1
    return per_file
