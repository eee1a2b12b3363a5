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
