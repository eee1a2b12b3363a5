"""Shared pytest fixtures: where the repository, the slmstack binary and the tool venv are."""
import os
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def tool(name):
    """A tool from the project's tool venv (made by `make deps`), else from PATH, else None."""
    venv = ROOT / ".build" / "tools-venv" / "bin" / name
    if venv.exists():
        return str(venv)
    return shutil.which(name)


@pytest.fixture(scope="session")
def slmstack_bin():
    """The release binary `make test` builds first (or $SLMSTACK_BIN)."""
    path = pathlib.Path(os.environ.get("SLMSTACK_BIN", ROOT / ".build" / "release" / "slmstack"))
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make build` (make test does) or set SLMSTACK_BIN")
    return str(path)
