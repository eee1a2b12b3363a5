"""The launcher: start/stop, reuse, cleanup on failure, signature verification on."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from localaws_support import TOOLS, LocalAws, launcher


@pytest.fixture(autouse=True)
def own_processes(monkeypatch):
    """The launcher as users run it: each server its own process, not forked by the test session's fork server."""
    monkeypatch.delenv("LOCALAWS_FORK_SERVER", raising=False)


def _our_servers_for(env_file: Path) -> list[int]:
    """PIDs whose environment names this env file (the launcher sets LOCALAWS_ENV_FILE in the child)."""
    pids = []
    needle = f"LOCALAWS_ENV_FILE={env_file}".encode()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if needle in (d / "environ").read_bytes().split(b"\0") and launcher._alive(int(d.name)):
                pids.append(int(d.name))
        except OSError:
            continue
    return pids


def test_start_writes_private_env_file_reuses_and_stops(tmp_path: Path) -> None:
    env_file = tmp_path / "x.env"
    cli = [sys.executable, str(TOOLS / "localaws.py")]
    out = subprocess.run(cli + ["start", "--env-file", str(env_file)], capture_output=True, text=True, timeout=90)
    try:
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == str(env_file.resolve())  # stdout is only the path
        env = launcher.read_env_file(env_file)
        assert env["AWS_SECRET_ACCESS_KEY"] not in out.stdout + out.stderr  # the secret is never printed
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION",
                    "AWS_EC2_METADATA_DISABLED", "AWS_PAGER", "TF_VAR_localaws_endpoint", "LOCALAWS_PID",
                    "LOCALAWS_PORT", "LOCALAWS_LOG"):
            assert key in env, key
        assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        pid = int(env["LOCALAWS_PID"])
        assert launcher.is_our_server(pid, env["LOCALAWS_PORT"])
        assert LocalAws(env_file).client("sts").get_caller_identity()["Arn"].endswith(":user/localaws-admin")

        again = subprocess.run(cli + ["start", "--env-file", str(env_file)], capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stderr
        assert "reusing" in again.stderr
        assert launcher.read_env_file(env_file)["LOCALAWS_PID"] == str(pid)  # same server
        assert _our_servers_for(env_file.resolve()) == [pid]  # and no second one

        st = subprocess.run(cli + ["status", "--env-file", str(env_file)], capture_output=True, text=True, timeout=30)
        assert st.returncode == 0 and f"pid {pid}" in st.stdout
    finally:
        stop = subprocess.run(cli + ["stop", "--env-file", str(env_file)], capture_output=True, text=True, timeout=60)
    assert stop.returncode == 0, stop.stderr
    assert not launcher._alive(pid)
    assert not env_file.exists()
    st = subprocess.run(cli + ["status", "--env-file", str(env_file)], capture_output=True, text=True, timeout=30)
    assert st.returncode == 3


def test_forced_failure_leaves_no_process_and_no_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = (tmp_path / "fail.env").resolve()
    monkeypatch.setenv("LOCALAWS_START_TIMEOUT", "0")  # the health wait cannot succeed
    with pytest.raises(launcher.LocalAwsError, match="not healthy"):
        launcher.start(env_file)
    assert not env_file.exists()
    assert _our_servers_for(env_file) == []


def test_stop_refuses_a_pid_that_is_not_ours(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        env_file = tmp_path / "foreign.env"
        env_file.write_text(f"export LOCALAWS_PID={sleeper.pid}\nexport LOCALAWS_PORT=1\n")
        with pytest.raises(launcher.LocalAwsError, match="not our server"):
            launcher.stop(env_file)
        assert sleeper.poll() is None  # still running
        assert env_file.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_stale_env_file_is_replaced(tmp_path: Path) -> None:
    env_file = tmp_path / "stale.env"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    env_file.write_text(f"export LOCALAWS_PID={dead.pid}\nexport LOCALAWS_PORT=1\n")
    try:
        launcher.start(env_file)
        assert launcher.read_env_file(env_file)["LOCALAWS_PID"] != str(dead.pid)
    finally:
        launcher.stop(env_file)


@pytest.mark.parametrize("service,call", [
    ("sts", lambda c: c.get_caller_identity()),                   # query protocol
    ("ec2", lambda c: c.describe_vpcs()),                         # EC2 query protocol
    ("cloudformation", lambda c: c.list_stacks()),
    ("lambda", lambda c: c.list_functions()),                     # REST-JSON, body-less GET
    ("apigateway", lambda c: c.get_rest_apis()),                  # REST-JSON, body-less GET
    ("sagemaker", lambda c: c.list_endpoints()),                  # JSON POST
    ("logs", lambda c: c.describe_log_groups()),
])
def test_signature_verification_is_on(localaws: LocalAws, service: str, call) -> None:
    call(localaws.client(service))  # the right secret is accepted
    with pytest.raises(ClientError) as err:
        call(localaws.client(service, secret=localaws.env["AWS_SECRET_ACCESS_KEY"][:-1] + "X"))
    text = str(err.value)
    assert any(code in text for code in ("SignatureDoesNotMatch", "AuthFailure")), text


def test_unknown_access_key_is_rejected(localaws: LocalAws) -> None:
    import boto3

    from localaws_support import NO_RETRY

    sts = boto3.client("sts", endpoint_url=localaws.endpoint, region_name="us-east-1", config=NO_RETRY,
                       aws_access_key_id="AKIANOTAKEY000000000", aws_secret_access_key="x" * 40)
    with pytest.raises(ClientError, match="InvalidClientTokenId"):
        sts.get_caller_identity()


def test_env_file_works_for_the_aws_cli(localaws: LocalAws) -> None:
    """The env file is all an independent client needs (here: a shell that sources it, then the aws CLI)."""
    import shutil

    if shutil.which("aws") is None:
        pytest.skip("aws CLI not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    out = subprocess.run(["bash", "-c", f". '{localaws.env_file}' && aws sts get-caller-identity --output text"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "localaws-admin" in out.stdout


def test_fork_server_forks_servers_that_apply_their_own_fixes(localaws_fork_server, tmp_path: Path) -> None:
    """The test session's fork server (Tests/conftest.py): a forked server is ours, serves with exactly the
    fixes its LOCALAWS_DISABLE leaves in, and is gone after stop."""
    if localaws_fork_server is None:
        pytest.skip("the fork server is off (LOCALAWS_NO_FORK_SERVER=1)")
    import os

    os.environ["LOCALAWS_FORK_SERVER"] = localaws_fork_server  # own_processes removed it for this test
    fix = next(iter(__import__("patches").FIXES))
    env_file = launcher.start(tmp_path / "forked.env", disable=fix)
    env = launcher.read_env_file(env_file)
    pid, port = int(env["LOCALAWS_PID"]), env["LOCALAWS_PORT"]
    try:
        assert Path(f"/proc/{pid}/comm").read_text().strip() == f"localaws-{port}"[:15]
        assert "--fork-server" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        assert launcher.is_our_server(pid, port) and not launcher.is_our_server(pid, int(port) + 1)
        assert f"disabled: {fix}" in Path(env["LOCALAWS_LOG"]).read_text()
        assert LocalAws(env_file).client("sts").get_caller_identity()["Arn"].endswith(":user/localaws-admin")
    finally:
        assert launcher.stop(env_file)
    assert not launcher._alive(pid)


def test_start_refuses_to_reuse_a_server_of_another_account(tmp_path: Path) -> None:
    """A running permissive server is not handed to a start that asks for a rehearsal account (nor the reverse):
    the env file records the account, and a mismatch is refused as a LOCALAWS_DISABLE mismatch is."""
    env_file = (tmp_path / "acct.env").resolve()
    cli = [sys.executable, str(TOOLS / "localaws.py")]
    launcher.start(env_file, account="")
    try:
        env = launcher.read_env_file(env_file)
        pid = env["LOCALAWS_PID"]
        assert env["LOCALAWS_ACCOUNT"] == "{}"
        for flags in (["--lambda-concurrency", "10"], ["--no-apigateway-role"],
                      ["--service-quota", "ml.g5.xlarge for endpoint usage=0"]):
            out = subprocess.run(cli + ["start", "--env-file", str(env_file), *flags], capture_output=True, text=True,
                                 timeout=60, env={k: v for k, v in os.environ.items() if k != "LOCALAWS_ACCOUNT"})
            assert out.returncode == 1, (flags, out.stderr)
            assert f"pid {pid} runs with LOCALAWS_ACCOUNT='{{}}'" in out.stderr and "stop it first" in out.stderr, out.stderr
            assert "reusing" not in out.stderr
        assert launcher.read_env_file(env_file)["LOCALAWS_PID"] == pid and _our_servers_for(env_file) == [int(pid)]
        assert launcher.start(env_file, account="{}") == env_file  # the same account is reused
    finally:
        launcher.stop(env_file)

    rehearsal = '{"apigateway_role": false, "lambda_concurrency": 10, "service_quotas": {}}'
    launcher.start(env_file, account=rehearsal)
    try:
        assert launcher.read_env_file(env_file)["LOCALAWS_ACCOUNT"] == rehearsal
        with pytest.raises(launcher.LocalAwsError, match="runs with LOCALAWS_ACCOUNT='.*lambda_concurrency.*', not '{}'"):
            launcher.start(env_file, account="")
        assert launcher.start(env_file, account=rehearsal) == env_file
    finally:
        launcher.stop(env_file)


@pytest.mark.parametrize("value", ["0", "-5"])
def test_lambda_concurrency_below_one_is_a_usage_error(tmp_path: Path, value: str) -> None:
    env_file = tmp_path / "bad.env"
    out = subprocess.run([sys.executable, str(TOOLS / "localaws.py"), "start", "--env-file", str(env_file),
                          f"--lambda-concurrency={value}"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out.stderr
    assert f"--lambda-concurrency {value}: expected a whole number of at least 1" in out.stderr
    assert not env_file.exists() and _our_servers_for(env_file.resolve()) == []
