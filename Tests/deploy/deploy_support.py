"""Fixtures for the deploy tests: a local AWS of the project's own, and the slmstack binary run
against it as a user would run it."""
import contextlib
import os
import pathlib
import subprocess
import sys

import boto3
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "localaws"))
import localaws as launcher  # noqa: E402


# The clocks slmstack gets against the local AWS (environ()): idle, per attempt and per call, in seconds.
# The local AWS does a whole stack operation inside one request (AWS answers at once and works after),
# so on a loaded 2-core machine an answer can take longer than the 30 s idle timeout meant for AWS.
READ_TIMEOUT, ATTEMPT_TIMEOUT, CALL_TIMEOUT = 120, 180, 300
# How long a test waits for one command that changes a stack: past the call budget, so that slmstack's
# own timeout (and its message) comes before the test gives up on it.
COMMAND_TIMEOUT = CALL_TIMEOUT + 60


class LocalAWS:
    """A running local AWS: its environment, boto3 clients, and a runner for the binary."""

    def __init__(self, env_file, binary):
        self.env_file = env_file
        self.env = launcher.read_env_file(pathlib.Path(env_file))
        self.binary = binary

    def client(self, service):
        return boto3.client(service, endpoint_url=self.env["AWS_ENDPOINT_URL"], region_name=self.env["AWS_REGION"],
                            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"])

    def environ(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(self.env)
        env["CI"] = "true"
        # Tests that exercise the timeouts pass their own flags, which win over these.
        env.update(SLMSTACK_READ_TIMEOUT=str(READ_TIMEOUT), SLMSTACK_ATTEMPT_TIMEOUT=str(ATTEMPT_TIMEOUT),
                   SLMSTACK_CALL_TIMEOUT=str(CALL_TIMEOUT))
        env.update(extra)
        return env

    def run(self, *args, timeout=120, env=None, **kwargs):
        """Runs `slmstack ARGS` with the local AWS's environment; returns the CompletedProcess."""
        return subprocess.run([self.binary, *args], capture_output=True, text=True, timeout=timeout,
                              env=env or self.environ(), stdin=subprocess.DEVNULL, **kwargs)


@pytest.fixture(scope="session")
def local_aws(slmstack_bin, tmp_path_factory):
    env_file = tmp_path_factory.mktemp("localaws") / "localaws.env"
    launcher.start(env_file)
    try:
        yield LocalAWS(env_file, slmstack_bin)
    finally:
        launcher.stop(env_file)


@contextlib.contextmanager
def waking_local_aws(folder, binary, wake_seconds):
    """A local AWS of its own whose inference component copies take `wake_seconds` to start (the
    scale-to-zero tests observe the wake while it lasts)."""
    env_file = pathlib.Path(folder) / "localaws.env"
    before = os.environ.get("LOCALAWS_WAKE_SECONDS")
    os.environ["LOCALAWS_WAKE_SECONDS"] = str(wake_seconds)
    try:
        launcher.start(env_file)
    finally:
        if before is None:
            os.environ.pop("LOCALAWS_WAKE_SECONDS", None)
        else:
            os.environ["LOCALAWS_WAKE_SECONDS"] = before
    try:
        yield LocalAWS(env_file, binary)
    finally:
        launcher.stop(env_file)


def verify(aws, *args):
    """tools/localaws/verify.py ARGS against `aws`."""
    return subprocess.run([sys.executable, str(ROOT / "tools" / "localaws" / "verify.py"), *args, "--env-file", str(aws.env_file)],
                          capture_output=True, text=True, timeout=180)


def copies(aws, name):
    """An inference component's (current, desired) copy count."""
    runtime = aws.client("sagemaker").describe_inference_component(InferenceComponentName=name)["RuntimeConfig"]
    return runtime["CurrentCopyCount"], runtime["DesiredCopyCount"]
