"""tools/venv: the Python tools live in venvs under .build/, made again only when a requirements file changes,
and a Python without its venv module (Debian without python3-venv) stops make with one line naming the package."""
import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "venv"


def run(args, **env):
    return subprocess.run([str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          env=dict(os.environ, **env), timeout=120)


def test_a_python_without_venv_stops_with_one_line_naming_python3_venv(tmp_path):
    fake = tmp_path / "python3"
    # Debian's python3 without python3-venv: `import ensurepip` fails, and nothing must be installed.
    fake.write_text("#!/bin/sh\ncase \"$*\" in *ensurepip*) exit 1 ;; esac\necho \"unexpected: $*\" >&2; exit 9\n")
    fake.chmod(0o755)
    requirements = tmp_path / "req.txt"
    requirements.write_text("pytest==9.0.3\n")
    result = run([tmp_path / "venv", requirements], PYTHON=str(fake))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"make: {fake} has no venv module: install python3-venv (apt-get install python3-venv) and run make again"]
    assert not (tmp_path / "venv").exists()


def test_a_missing_python_is_named(tmp_path):
    result = run([tmp_path / "venv", tmp_path / "req.txt"], PYTHON=str(tmp_path / "no-such-python"))
    assert result.returncode == 2 and "is not installed" in result.stderr


def test_the_environment_is_kept_until_its_requirements_change(tmp_path):
    venv, requirements = tmp_path / "venv", tmp_path / "req.txt"
    requirements.write_text("# no packages: nothing to download\n")
    made = run([venv, requirements])
    assert made.returncode == 0, made.stderr
    assert "creating" in made.stderr and (venv / "bin" / "python").exists()
    marker = venv / "marker"
    marker.write_text("kept")
    again = run([venv, requirements])
    assert again.returncode == 0 and again.stderr == "" and marker.exists(), "unchanged requirements: nothing is redone"
    requirements.write_text("# changed\n")
    changed = run([venv, requirements])
    assert changed.returncode == 0 and "creating" in changed.stderr and not marker.exists(), "a changed file remakes it"
    assert (venv / ".requirements").read_text() == "# changed\n"


def test_nothing_goes_into_the_system_python():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install" not in makefile and "--user" not in makefile
    assert "tools/venv $(TEST_VENV) tools/requirements-test.txt" in makefile
