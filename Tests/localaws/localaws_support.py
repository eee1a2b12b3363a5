"""Support for the local AWS tests: servers started through the project's own launcher.

`localaws` is one session-wide server with every fix. `started(disable=...)` starts a throwaway
server (for "without the fix" checks) and always stops it, even when the test fails.
"""
from __future__ import annotations

import contextlib
import json
import re
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "localaws"
sys.path.insert(0, str(TOOLS))

import localaws as launcher  # noqa: E402
import verify  # noqa: E402

NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=60)


class LocalAws:
    """A running local AWS: its env file, values and boto3 clients."""

    def __init__(self, env_file: Path) -> None:
        self.env_file = env_file
        self.env = launcher.read_env_file(env_file)
        self.endpoint = self.env["AWS_ENDPOINT_URL"]
        self.pid = int(self.env["LOCALAWS_PID"])

    def session(self, secret: str | None = None) -> boto3.Session:
        return boto3.Session(aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
                             aws_secret_access_key=secret or self.env["AWS_SECRET_ACCESS_KEY"],
                             region_name=self.env["AWS_REGION"])

    def client(self, service: str, secret: str | None = None) -> Any:
        return self.session(secret).client(service, endpoint_url=self.endpoint, config=NO_RETRY)

    def verify_session(self) -> boto3.Session:
        """A session for verify.py (it builds its own clients; the endpoint comes from the env)."""
        return _EndpointSession(self)

    def deploy(self, name: str, template: dict[str, Any] | str, **kwargs: Any) -> dict[str, Any]:
        body = template if isinstance(template, str) else json.dumps(template)
        cfn = self.client("cloudformation")
        cfn.create_stack(StackName=name, TemplateBody=body, Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
                         **kwargs)
        return cfn.describe_stacks(StackName=name)["Stacks"][0]


class _EndpointSession(boto3.Session):
    def __init__(self, la: LocalAws) -> None:
        super().__init__(aws_access_key_id=la.env["AWS_ACCESS_KEY_ID"],
                         aws_secret_access_key=la.env["AWS_SECRET_ACCESS_KEY"], region_name=la.env["AWS_REGION"])
        self._endpoint = la.endpoint

    def client(self, service_name: str, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("endpoint_url", self._endpoint)
        kwargs.setdefault("config", NO_RETRY)
        return super().client(service_name, **kwargs)


@contextlib.contextmanager
def started(tmp_dir: Path, disable: str = "") -> Iterator[LocalAws]:
    """Start a local AWS with `LOCALAWS_DISABLE=disable`; always stopped afterwards."""
    env_file = tmp_dir / f"la-{disable or 'all'}-{uuid.uuid4().hex[:6]}.env"
    launcher.start(env_file, disable=disable)
    try:
        yield LocalAws(env_file)
    finally:
        launcher.stop(env_file)


class ServerPool:
    """Servers with one fix disabled each, started together (in parallel) on first use, stopped at the end."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.futures: dict[str, Any] = {}
        self.pool = ThreadPoolExecutor(max_workers=4)

    def _start(self, name: str) -> LocalAws:
        env_file = self.tmp_dir / f"without-{name}.env"
        launcher.start(env_file, disable=name)
        return LocalAws(env_file)

    def prestart(self, names: list[str]) -> None:
        for name in names:
            if name not in self.futures:
                self.futures[name] = self.pool.submit(self._start, name)

    def get(self, name: str) -> LocalAws:
        self.prestart([name])
        return self.futures[name].result(timeout=180)

    def close(self) -> None:
        stops = []
        for fut in self.futures.values():
            try:
                la = fut.result(timeout=180)
            except Exception:  # noqa: BLE001 - a failed start already cleaned up after itself
                continue
            stops.append(self.pool.submit(launcher.stop, la.env_file))
        for s in stops:
            s.result(timeout=60)
        self.pool.shutdown(wait=True)


@pytest.fixture(scope="session")
def localaws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAws]:
    with started(tmp_path_factory.mktemp("localaws")) as la:
        yield la


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    import patches

    pool = ServerPool(tmp_path_factory.mktemp("without"))
    pool.known = set(patches.FIXES)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def without(server_pool: ServerPool, request: pytest.FixtureRequest):
    """`with without("fix_name") as la:` a server with that one fix disabled (shared per session).

    The first use in a test file starts, side by side, a server for every fix that file names in a
    `without("...")` call: only the servers this worker's files need (one per fix and session would
    be 48 servers in each pytest worker)."""
    names = re.findall(r'without\("(\w+)"\)', Path(str(request.fspath)).read_text())
    server_pool.prestart([n for n in names if n in getattr(server_pool, "known", set(names))])

    @contextlib.contextmanager
    def make(fix_name: str) -> Iterator[LocalAws]:
        yield server_pool.get(fix_name)
    return make


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"
