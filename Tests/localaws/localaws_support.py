"""Support for the local AWS tests: servers started through the project's own launcher.

`localaws` is one session-wide server with every fix. `started(disable=...)` starts a throwaway
server (for "without the fix" checks) and always stops it, even when the test fails.
"""
from __future__ import annotations

import contextlib
import json
import sys
import uuid
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
def started(tmp_dir: Path, disable: str = "", monkeypatch: pytest.MonkeyPatch | None = None) -> Iterator[LocalAws]:
    """Start a local AWS with `LOCALAWS_DISABLE=disable`; always stopped afterwards."""
    env_file = tmp_dir / f"la-{disable or 'all'}-{uuid.uuid4().hex[:6]}.env"
    mp = pytest.MonkeyPatch()
    mp.setenv("LOCALAWS_DISABLE", disable)
    try:
        launcher.start(env_file)
    finally:
        mp.undo()
    try:
        yield LocalAws(env_file)
    finally:
        launcher.stop(env_file)


@pytest.fixture(scope="session")
def localaws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAws]:
    with started(tmp_path_factory.mktemp("localaws")) as la:
        yield la


@pytest.fixture
def without(tmp_path: Path):
    """`with without("fix_name") as la:` a server with that one fix disabled."""
    def make(fix_name: str) -> contextlib.AbstractContextManager[LocalAws]:
        return started(tmp_path, disable=fix_name)
    return make


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"
