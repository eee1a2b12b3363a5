"""Shared pytest fixtures: where the slmstack binary is, and one fork server for the local AWS."""
import importlib.util
import os
import pathlib
import sys

import pytest

try:
    import botocore.loaders
    import botocore.session
except ImportError:  # the tests that need boto3 say so themselves
    botocore = None


def _share_botocore_data() -> None:
    """Every boto3 session the tests make (hundreds: one per client in places) reads botocore's service
    models through one loader, which caches what it has read, instead of each session decoding the same
    JSON files again (most of the tests' own CPU in the local AWS suites). The files are read-only data."""
    loaders: dict[object, object] = {}
    create = botocore.loaders.create_loader

    def shared_loader(search_path_string=None):
        if search_path_string not in loaders:
            loaders[search_path_string] = create(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = shared_loader


if botocore is not None:
    _share_botocore_data()

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
