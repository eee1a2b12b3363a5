#!/usr/bin/env python3
"""localaws: the project's local AWS (moto_server with the fixes in patches.py) on 127.0.0.1.

    .build/test-venv/bin/python tools/localaws/localaws.py start  [--env-file F]   # prints F; `. F` to use it
    .build/test-venv/bin/python tools/localaws/localaws.py status [--env-file F]
    .build/test-venv/bin/python tools/localaws/localaws.py stop   [--env-file F]

`start` checks this Python has moto[server]==5.2.1 (`make venv` puts it in .build/test-venv), runs server.py on a free port with SigV4
signature verification on, creates IAM user `localaws-admin` with an allow-all policy and an access
key, proves a wrong secret is rejected, and writes F (mode 600; default ./.localaws.env). A second
`start` reuses a live server recorded in F. On any failure the server it started is killed and no
env file is written. `stop` kills exactly the PID recorded in F, after checking it is ours.

A rehearsal account (account_patches.py): `start --service-quota 'NAME=VALUE'` (repeatable), `--lambda-concurrency N`,
`--no-apigateway-role`; the default is a permissive account with an API Gateway CloudWatch role.
Knobs: LOCALAWS_REGION (us-east-1), LOCALAWS_START_TIMEOUT (30 s), LOCALAWS_DISABLE (fix names to
leave out, or `all`), LOCALAWS_NO_AUTH=1 (leave signature verification off).
Exit codes: 0 ok, 1 failure, 2 usage error, 3 (status) not running.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import forkserver  # noqa: E402  (no moto import at module level)
from processes import (  # noqa: E402,F401  (is_our_server, _alive, terminate: part of this module's API)
    HERE, _alive, _free_port, _listens_on, _spawn, is_our_server, log, terminate,
)

MOTO_REQUIREMENT = "moto[server]==5.2.1"
MOTO_VERSION = "5.2.1"
DEFAULT_ENV_FILE = ".localaws.env"
USER_NAME = "localaws-admin"


class LocalAwsError(Exception):
    """A start/stop failure with a message meant for the user."""


# ---------------------------------------------------------------------------------- install
def ensure_moto() -> None:
    """Refuse to start unless this Python has moto[server] 5.2.1 (never installs anything itself).

    `make venv` (which `make demo` and `make test` run) keeps it in .build/test-venv, and the Makefile
    runs this launcher with that environment's Python.
    """
    missing = [m for m in ("moto", "flask", "flask_cors", "boto3") if importlib.util.find_spec(m) is None]
    if missing:
        raise LocalAwsError(f"{sys.executable} lacks {', '.join(missing)}: run `make venv` and start the local AWS "
                            f"with .build/test-venv/bin/python (or install {MOTO_REQUIREMENT} into a venv of your own)")
    from importlib.metadata import version

    found = version("moto")
    if found != MOTO_VERSION:
        raise LocalAwsError(f"moto {found} is installed but localaws needs {MOTO_VERSION} (its fixes are written "
                            f"for it): run `make venv`, which pins it in .build/test-venv")


# ---------------------------------------------------------------------------------- env file
def read_env_file(path: Path) -> dict[str, str]:
    """`export K=V` lines of an env file written by `start` (quotes stripped)."""
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export "):].partition("=")
            env[key.strip()] = value.strip().strip("'\"")
    return env


def _write_env_file(path: Path, values: dict[str, str]) -> None:
    tmp = path.with_name(f"{path.name}.tmp.{os.getpid()}")
    lines = [f"# localaws env file, written {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}; "
             f"stop with: {sys.executable} {HERE / 'localaws.py'} stop --env-file {path}"]
    lines += [f"export {k}={v}" for k, v in values.items()]
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _http(url: str, data: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 5) -> bytes:
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET", headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.read()


# ---------------------------------------------------------------------------------- bootstrap
def _clients(endpoint: str, region: str, key: str, secret: str):
    import boto3
    from botocore.config import Config

    cfg = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)
    return lambda service: boto3.client(service, endpoint_url=endpoint, region_name=region,
                                        aws_access_key_id=key, aws_secret_access_key=secret, config=cfg)


def _bootstrap(endpoint: str, region: str, auth: bool) -> tuple[str, str]:
    """Create the admin user and key, then turn signature verification on and prove it."""
    from botocore.exceptions import ClientError

    iam = _clients(endpoint, region, "bootstrap", "bootstrap")("iam")
    try:
        iam.create_user(UserName=USER_NAME)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
    iam.put_user_policy(UserName=USER_NAME, PolicyName="allow-all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=USER_NAME)["AccessKey"]
    ak, sk = key["AccessKeyId"], key["SecretAccessKey"]
    if auth:
        # moto counts unauthenticated requests from INITIAL_NO_AUTH_ACTION_COUNT; reset-auth sets the
        # remaining count (0 = verify from the next request). The body must not be form-encoded.
        _http(f"{endpoint}/moto-api/reset-auth", data=b"0", headers={"Content-Type": "text/plain"})
        _clients(endpoint, region, ak, sk)("sts").get_caller_identity()
        try:
            _clients(endpoint, region, ak, sk + "x")("sts").get_caller_identity()
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code != "SignatureDoesNotMatch":
                raise LocalAwsError(f"a wrong secret was rejected with {code}, expected SignatureDoesNotMatch")
        else:
            raise LocalAwsError("signature verification is not active: a wrong secret was accepted")
    return ak, sk


def _credentials_work(env: dict[str, str]) -> bool:
    try:
        _clients(env["AWS_ENDPOINT_URL"], env["AWS_REGION"], env["AWS_ACCESS_KEY_ID"],
                 env["AWS_SECRET_ACCESS_KEY"])("sts").get_caller_identity()
        return True
    except Exception:  # noqa: BLE001 - any failure means "do not reuse"
        return False


def _account_json(raw: str) -> str:
    """The rehearsal account (LOCALAWS_ACCOUNT) in one canonical form; "{}" is the permissive default."""
    return json.dumps(json.loads(raw or "{}"), sort_keys=True)


def start(env_file: str | os.PathLike = DEFAULT_ENV_FILE, *, timeout: float | None = None,
          disable: str | None = None, account: str | None = None) -> Path:
    """Start (or reuse) the local AWS; returns the absolute path of the env file.

    `disable` lists fixes to leave out (default: $LOCALAWS_DISABLE); `account` is the rehearsal account as
    JSON (default: $LOCALAWS_ACCOUNT, set by the --service-quota/--lambda-concurrency/--no-apigateway-role flags).
    A live server is reused only when both match what it was started with.
    """
    path = Path(env_file).expanduser().resolve()
    region = os.environ.get("LOCALAWS_REGION", "us-east-1")
    timeout = float(os.environ.get("LOCALAWS_START_TIMEOUT", "30")) if timeout is None else timeout
    auth = os.environ.get("LOCALAWS_NO_AUTH") != "1"
    disabled = os.environ.get("LOCALAWS_DISABLE", "") if disable is None else disable
    account = _account_json(os.environ.get("LOCALAWS_ACCOUNT", "") if account is None else account)

    if path.exists():
        old = read_env_file(path)
        pid, port = old.get("LOCALAWS_PID", ""), old.get("LOCALAWS_PORT", "")
        if pid.isdigit() and is_our_server(int(pid), port) and _credentials_work(old):
            if old.get("LOCALAWS_DISABLE", "") != disabled:
                raise LocalAwsError(f"pid {pid} runs with LOCALAWS_DISABLE='{old.get('LOCALAWS_DISABLE', '')}', "
                                    f"not '{disabled}'; stop it first (stop --env-file {path})")
            if _account_json(old.get("LOCALAWS_ACCOUNT", "")) != account:
                raise LocalAwsError(f"pid {pid} runs with LOCALAWS_ACCOUNT='{_account_json(old.get('LOCALAWS_ACCOUNT', ''))}', "
                                    f"not '{account}' (the --service-quota/--lambda-concurrency/--no-apigateway-role "
                                    f"flags); stop it first (stop --env-file {path})")
            log(f"already running (pid {pid}, port {port}); reusing {path}")
            return path
        log(f"stale env file {path} (pid {pid or '?'} is not our live server); replacing it")
        path.unlink()

    ensure_moto()
    path.parent.mkdir(parents=True, exist_ok=True)
    log_path = Path(f"{path}.log")
    proc: subprocess.Popen | forkserver.Forked | None = None
    try:
        for attempt in range(1, 4):
            port = _free_port()
            child_env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="1000000000", MOTO_PORT=str(port),
                             MOTO_IAM_LOAD_MANAGED_POLICIES="true",  # AWS managed policies exist on AWS
                             LOCALAWS_ENV_FILE=str(path), LOCALAWS_DISABLE=disabled, PYTHONUNBUFFERED="1",
                             LOCALAWS_ACCOUNT=account)
            proc = _spawn(["-H", "127.0.0.1", "-p", str(port)], child_env, log_path)
            endpoint = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + timeout
            healthy = False
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    _http(f"{endpoint}/moto-api/data.json", timeout=2)
                    healthy = True
                    break
                except (urllib.error.URLError, OSError):
                    time.sleep(0.1)
            if healthy and not _listens_on(proc.pid, port):
                log(f"port {port} was taken by another server at the same moment (attempt {attempt}); trying another")
                terminate(proc.pid, proc=proc)
                proc = None
                continue
            if healthy:
                break
            if proc.poll() is None:
                raise LocalAwsError(f"server not healthy after {timeout:g}s (pid {proc.pid}); log: {log_path}")
            log(f"server exited early (attempt {attempt}, exit {proc.returncode}); log: {log_path}")
            proc = None
        if proc is None:
            raise LocalAwsError(f"server did not start after 3 attempts; log: {log_path}")
        ak, sk = _bootstrap(endpoint, region, auth)
        _write_env_file(path, {
            "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": ak, "AWS_SECRET_ACCESS_KEY": sk,
            "AWS_REGION": region, "AWS_DEFAULT_REGION": region, "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "", "TF_VAR_localaws_endpoint": endpoint, "LOCALAWS_PID": str(proc.pid),
            "LOCALAWS_PORT": str(port), "LOCALAWS_LOG": str(log_path), "LOCALAWS_DISABLE": disabled,
            "LOCALAWS_ACCOUNT": f"'{account}'",  # JSON; quota names hold no single quote (QUOTA_NAMES)
        })
    except BaseException as exc:
        if proc is not None:
            terminate(proc.pid, timeout=5, proc=proc)
            log(f"start failed; stopped the server it started (pid {proc.pid})")
        if isinstance(exc, LocalAwsError):
            raise
        if isinstance(exc, Exception):
            raise LocalAwsError(f"start failed: {type(exc).__name__}: {exc}; log: {log_path}") from exc
        raise
    log(f"pid {proc.pid} on {endpoint} (signature verification {'on' if auth else 'OFF'}), user {USER_NAME}")
    return path


def stop(env_file: str | os.PathLike = DEFAULT_ENV_FILE) -> bool:
    """Stop the server recorded in the env file and remove the file; False when nothing was running."""
    path = Path(env_file).expanduser().resolve()
    if not path.exists():
        log(f"no env file {path}; nothing to stop")
        return False
    env = read_env_file(path)
    pid, port = env.get("LOCALAWS_PID", ""), env.get("LOCALAWS_PORT", "")
    if not pid.isdigit():
        raise LocalAwsError(f"no LOCALAWS_PID in {path}")
    if not _alive(int(pid)):
        log(f"pid {pid} already gone")
        path.unlink()
        return False
    if not is_our_server(int(pid), port):
        raise LocalAwsError(f"pid {pid} is not our server on port {port}; not killing it (env file kept: {path})")
    terminate(int(pid))
    if _alive(int(pid)):
        raise LocalAwsError(f"pid {pid} is still alive after SIGKILL")
    path.unlink()
    log(f"stopped pid {pid} (port {port})")
    return True


def status(env_file: str | os.PathLike = DEFAULT_ENV_FILE) -> dict[str, str] | None:
    """The env file's values when its server is alive and ours, else None."""
    path = Path(env_file).expanduser().resolve()
    if not path.exists():
        return None
    env = read_env_file(path)
    pid = env.get("LOCALAWS_PID", "")
    if pid.isdigit() and is_our_server(int(pid), env.get("LOCALAWS_PORT", "")):
        return env
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="localaws", description="The project's local AWS (patched moto_server).")
    ap.add_argument("command", choices=["start", "stop", "status"])
    ap.add_argument("--env-file", default=DEFAULT_ENV_FILE, help=f"env file to write/read (default ./{DEFAULT_ENV_FILE})")
    # A rehearsal account (account_patches.py): quotas by Service Quotas name, Lambda concurrency, no API Gateway role.
    ap.add_argument("--service-quota", action="append", default=[], metavar="'NAME=VALUE'",
                    help="set a quota, e.g. 'ml.g5.xlarge for endpoint usage=0' (repeatable)")
    ap.add_argument("--lambda-concurrency", type=int, metavar="N", help="the account's Lambda concurrency, N >= 1 (default 1000)")
    ap.add_argument("--no-apigateway-role", action="store_true", help="the account has no API Gateway CloudWatch role")
    args = ap.parse_args(argv)
    if args.lambda_concurrency is not None and args.lambda_concurrency < 1:
        ap.error(f"--lambda-concurrency {args.lambda_concurrency}: expected a whole number of at least 1 (an account's "
                 "Lambda concurrency, e.g. 10 for a new account)")
    if args.service_quota or args.lambda_concurrency is not None or args.no_apigateway_role:
        from account_patches import QUOTA_NAMES

        quotas = {}
        for item in args.service_quota:
            name, _, value = item.rpartition("=")
            if name not in QUOTA_NAMES or not value.replace(".", "", 1).isdigit():
                ap.error(f"--service-quota '{item}': expected 'NAME=VALUE' with NAME one of: {', '.join(sorted(QUOTA_NAMES))}")
            quotas[name] = float(value)
        os.environ["LOCALAWS_ACCOUNT"] = json.dumps({"service_quotas": quotas, "lambda_concurrency": args.lambda_concurrency,
                                                     "apigateway_role": not args.no_apigateway_role})
    try:
        if args.command == "start":
            print(start(args.env_file))
        elif args.command == "stop":
            stop(args.env_file)
        else:
            env = status(args.env_file)
            if env is None:
                print(f"not running ({Path(args.env_file).resolve()})")
                return 3
            print(f"running: pid {env['LOCALAWS_PID']}, {env['AWS_ENDPOINT_URL']}, env file {Path(args.env_file).resolve()}")
    except LocalAwsError as exc:
        print(f"localaws: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
