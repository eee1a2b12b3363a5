"""Shared pytest fixtures: where the slmstack binary is, and one fork server for the local AWS."""
import importlib.util
import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def localaws_fork_server():
    """Every local AWS this session (or a worker of it) starts is forked from one parent that imported
    moto once (tools/localaws/forkserver.py), instead of importing it again in each of dozens of
    servers. LOCALAWS_NO_FORK_SERVER=1 starts each as its own process, as users' `make local-up` does."""
    if os.environ.get("LOCALAWS_NO_FORK_SERVER") == "1" or importlib.util.find_spec("moto") is None:
        yield None
        return
    sys.path.insert(0, str(ROOT / "tools" / "localaws"))
    import forkserver

    with forkserver.running() as path:
        yield path


@pytest.fixture(scope="session")
def slmstack_bin():
    """The release binary `make test` builds first (or $SLMSTACK_BIN)."""
    path = pathlib.Path(os.environ.get("SLMSTACK_BIN", ROOT / ".build" / "release" / "slmstack"))
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make build` (make test does) or set SLMSTACK_BIN")
    return str(path)
