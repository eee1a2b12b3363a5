"""A parent that has imported moto once and forks local AWS servers from it.

A test session starts dozens of servers (one with every fix, one without each fix). Most of a server's
start-up is importing moto's service modules (about 1.5 s of CPU each); forked from a parent that
already holds them, a server starts in about 0.1 s. Each child then does exactly what
`server.py -H 127.0.0.1 -p PORT` does (moto_main.run): it applies the fixes its LOCALAWS_DISABLE leaves
in and serves.

    python3 tools/localaws/server.py --fork-server SOCKET     (the launcher starts it: ForkServer)

Protocol, one request per connection on the Unix socket SOCKET: a JSON line {"argv", "env", "log",
"cwd"} is answered by a JSON line {"pid"}. Children are reaped by the kernel (SIGCHLD ignored here,
restored in the child). The parent exits when the process that started it is gone.
"""
from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
from typing import Iterator

# moto's modules the fixes and the emulated services use; what is not listed is imported on first use.
SERVICES = ["apigateway", "applicationautoscaling", "cloudformation", "cloudwatch", "ec2", "events", "iam", "kms",
            "awslambda", "logs", "s3", "sagemaker", "sagemakerruntime", "scheduler", "sns", "sqs", "sts",
            "servicequotas", "ssm", "moto_api"]


def preload() -> None:
    """Import moto's server, its service modules and CloudFormation's model map before any fork."""
    # Read by moto's settings at import; every server starts this way and turns auth on by reset-auth.
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "1000000000"
    import moto.server  # noqa: F401
    from moto.cloudformation import parsing

    for service in SERVICES:
        for part in ("models", "responses", "urls"):
            try:
                importlib.import_module(f"moto.{service}.{part}")
            except ImportError:
                pass
    parsing.get_model_map()
    # Fixes add CloudFormation models and re-read this map themselves, in the child.
    parsing.get_model_map.cache_clear()
    warm_botocore()
    share_managed_policies()
    # What the parent holds now lives as long as it does: the children's collections skip it (a
    # collection walking the inherited heap costs CPU and copies its pages).
    gc.collect()
    gc.freeze()


# The botocore names of the services above (moto's backends and request routing read their models).
BOTOCORE_SERVICES = ["apigateway", "application-autoscaling", "cloudformation", "cloudwatch", "ec2", "events", "iam", "kms",
                     "lambda", "logs", "s3", "sagemaker", "sagemaker-runtime", "scheduler", "sns", "sqs", "sts",
                     "service-quotas", "ssm"]


def warm_botocore() -> None:
    """Read botocore's service models once, here, instead of in every forked server: moto creates each
    service's backend with the regions of its model (AccountSpecificBackend._generate_regions), parses
    requests with it (utils.get_service_model) and routes REST requests by its URIs
    (responses._get_method_urls); all are cached per process, and the children inherit the caches.
    Only reads of botocore's data: no backend (no account state) exists before a fork."""
    from moto.core import responses, utils
    from moto.core.base_backend import AccountSpecificBackend

    from moto import backends
    from moto.ec2.models.vpcs import IMPLEMENTED_ENDPOINT_SERVICES

    session = AccountSpecificBackend.get_session()
    # EC2's DescribeVpcEndpointServices creates a backend of every service that offers endpoints
    regional = {backends.get_backend(name).service_name for name in IMPLEMENTED_ENDPOINT_SERVICES} | set(BOTOCORE_SERVICES)
    for service in sorted(regional):
        for partition in session.get_available_partitions():
            session.get_available_regions(service, partition_name=partition)
    for service in BOTOCORE_SERVICES:
        responses._get_method_urls(service, "us-east-1")
        utils.get_service_model(service)


def share_managed_policies() -> None:
    """Parse moto's copy of the AWS managed policies (a JSON text of about 1,300 policies) once, here:
    every server's IAM backend builds its own policy objects from the parsed data (they hold per-account
    state, such as attachment counts), which it only reads. Parsing it again took most of a server's
    first request (about 1.4 s of CPU)."""
    import json

    from moto.iam import models

    parsed = json.loads(models.aws_managed_policies_data)

    def _init_aws_policies(self):
        if not models.load_iam_aws_managed_policies():
            return []
        return [models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data) for name, data in parsed.items()]

    models.IAMBackend._init_aws_policies = _init_aws_policies


def _name_process(port: str) -> None:
    """Give the child a name of its own in /proc/PID/comm (its cmdline stays the parent's)."""
    try:
        libc = ctypes.CDLL(None)
        libc.prctl(15, f"localaws-{port}".encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def _child(request: dict) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    argv = request["argv"]
    _name_process(argv[argv.index("-p") + 1] if "-p" in argv else "")
    import moto_main

    moto_main.run(argv)


def serve(socket_path: str) -> None:
    """Preload, then fork a server for each request until the starting process goes away."""
    starter = os.getppid()
    preload()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(16)
    listener.settimeout(1.0)
    print("ready", flush=True)
    while os.getppid() == starter:
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        with conn:
            conn.settimeout(10)
            request = json.loads(conn.makefile("r").readline())
            pid = os.fork()
            if pid == 0:
                listener.close()
                conn.close()
                try:
                    _child(request)
                finally:
                    os._exit(0)
            conn.sendall((json.dumps({"pid": pid}) + "\n").encode())
    listener.close()
    sys.exit(0)


# ------------------------------------------------------------------ the launcher's side
class Forked:
    """A server forked by the fork server: the parts of Popen that the launcher uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                state = pathlib.Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                gone = state == "Z"
            except OSError:
                gone = True
            if gone:
                self.returncode = -1
        return self.returncode


def request(sock_path: str, argv: list[str], env: dict[str, str], log_path: os.PathLike, cwd: os.PathLike) -> Forked:
    """Ask the fork server at `sock_path` for a server.py with `argv` and `env`; its process."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(10)
        conn.connect(sock_path)
        conn.sendall((json.dumps({"argv": argv, "env": env, "log": str(log_path), "cwd": str(cwd)}) + "\n").encode())
        return Forked(int(json.loads(conn.makefile("r").readline())["pid"]))


@contextlib.contextmanager
def running() -> Iterator[str]:
    """A fork server for this process and the programs it starts: sets $LOCALAWS_FORK_SERVER while it runs."""
    folder = tempfile.mkdtemp(prefix="localaws-fork-")
    sock_path = os.path.join(folder, "fork.sock")
    server_py = pathlib.Path(__file__).resolve().parent / "server.py"
    proc = subprocess.Popen([sys.executable, str(server_py), "--fork-server", sock_path], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        ready = proc.stdout.readline().strip()
        if ready != "ready":
            raise RuntimeError(f"localaws fork server did not start (exit {proc.poll()})")
        previous = os.environ.get("LOCALAWS_FORK_SERVER")
        os.environ["LOCALAWS_FORK_SERVER"] = sock_path
        try:
            yield sock_path
        finally:
            if previous is None:
                os.environ.pop("LOCALAWS_FORK_SERVER", None)
            else:
                os.environ["LOCALAWS_FORK_SERVER"] = previous
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        with contextlib.suppress(OSError):
            os.unlink(sock_path)
            os.rmdir(folder)
