"""Shared pytest fixtures: where the slmstack binary is."""
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def slmstack_bin():
    """The release binary `make test` builds first (or $SLMSTACK_BIN)."""
    path = pathlib.Path(os.environ.get("SLMSTACK_BIN", ROOT / ".build" / "release" / "slmstack"))
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make build` (make test does) or set SLMSTACK_BIN")
    return str(path)
