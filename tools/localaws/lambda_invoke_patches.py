"""Fix 13 (registered in patches.py): Lambda Invoke runs Python functions in a subprocess (moto needs Docker).

`lambda_invoke_subprocess` runs one invocation through lambda_runner.py. `runner_credentials`,
`_save_logs` and the other helpers here also serve the Lambda Web Adapter's invocations
(lwa_invocation.py); `_log` and `_header` the API Gateway route (invoke_patches.py, fix 14).

Kept apart from patches.py because it adds behaviour (a process runner) rather than correcting moto's.
"""
from __future__ import annotations

import base64
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from typing import Any

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lambda_runner.py")
RUNNER_USER = "localaws-lambda-runner"
_ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
_runner_keys: dict[str, tuple[str, str]] = {}
_runner_lock = threading.Lock()


def _log(msg: str) -> None:
    print(f"localaws: {msg}", file=sys.stderr, flush=True)


def _header(headers: Any, name: str, default: str | None = None) -> str | None:
    """Case-insensitive header lookup on a plain dict or werkzeug's headers."""
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return default


# --------------------------------------------------------------------------------------------
# 13. Lambda Invoke without Docker: Python functions run in a subprocess
# --------------------------------------------------------------------------------------------
def runner_credentials(account_id: str, region: str) -> tuple[str, str]:
    """An access key that moto accepts with signature verification on, for the functions' SDK calls.

    IAM user `localaws-lambda-runner` (allow-all inline policy) is created in the function's account
    on first use, directly on moto's IAM backend (in-process, never over HTTP), and re-created when a
    moto reset removed it. The key goes to the subprocess's environment only; it is never printed.
    Execution-role policies are therefore not enforced (moto cannot evaluate them per resource).
    """
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    with _runner_lock:
        iam = iam_backends[account_id][get_partition(region)]
        cached = _runner_keys.get(account_id)
        if cached and cached[0] in iam.access_keys:
            return cached
        if RUNNER_USER not in iam.users:
            iam.create_user(region, RUNNER_USER, path="/localaws/")
        iam.put_user_policy(RUNNER_USER, "allow-all", _ALLOW_ALL)
        user = iam.get_user(RUNNER_USER)
        for old in list(user.access_keys):  # at most two keys per user
            iam.delete_access_key(old.access_key_id, RUNNER_USER)
        key = iam.create_access_key(RUNNER_USER)
        _runner_keys[account_id] = (key.access_key_id, key.secret_access_key)
        return _runner_keys[account_id]


def _moto_endpoint() -> str:
    from moto import settings

    return f"http://127.0.0.1:{settings.moto_server_port()}"


def _lambda_error(kind: str, message: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": kind}).encode()


def _save_logs(fn: Any, stream: str, text: str) -> None:
    """The invocation's log to the function's log group (LoggingConfig, else /aws/lambda/NAME)."""
    try:
        group = (getattr(fn, "logging_config", None) or {}).get("LogGroup") or fn.logs_group_name
        logs = fn.logs_backend
        logs.ensure_log_group(group)
        logs.create_log_stream(group, stream)
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line} for line in text.splitlines() if line.strip()]
        if events:
            logs.put_log_events(group, stream, events)
    except Exception as exc:  # noqa: BLE001 - logging must never fail the invocation
        _log(f"lambda: could not write the log of {fn.function_name}: {type(exc).__name__}: {exc}")


def run_python_function(fn: Any, event_json: str) -> tuple[bytes, bool, str]:
    """Run one invocation of a Python LambdaFunction: (payload, function error?, log text)."""
    request_id = str(uuid.uuid4())
    timeout = float(fn.timeout or 3)
    memory = str(fn.memory_size or 128)
    day = time.strftime("%Y/%m/%d", time.gmtime())
    stream = f"{day}/[{fn.version}]{uuid.uuid4().hex}"
    group = (getattr(fn, "logging_config", None) or {}).get("LogGroup") or fn.logs_group_name
    if not getattr(fn, "code_bytes", b""):
        payload = _lambda_error("Runtime.InvalidEntrypoint", "localaws: the function has no code to run")
        return payload, True, ""
    ak, sk = runner_credentials(fn.account_id, fn.region)
    with tempfile.TemporaryDirectory(prefix="localaws-lambda-") as tmp:
        task = os.path.join(tmp, "task")
        os.mkdir(task)
        try:
            with zipfile.ZipFile(io.BytesIO(fn.code_bytes)) as zf:
                zf.extractall(task)  # extractall drops absolute and ".." path parts
        except zipfile.BadZipFile as exc:
            return _lambda_error("Runtime.InvalidEntrypoint", f"localaws: the code is not a zip file: {exc}"), True, ""
        event_file, result_file = os.path.join(tmp, "event.json"), os.path.join(tmp, "result.json")
        with open(event_file, "w", encoding="utf-8") as fh:
            fh.write(event_json)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "TZ": ":UTC", "HOME": tmp,
               "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        env.update({str(k): str(v) for k, v in (fn.environment_vars or {}).items()})
        env.update({  # reserved variables: the function's own cannot override them (as on AWS)
            "_HANDLER": fn.handler, "LAMBDA_TASK_ROOT": task, "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
            "AWS_LAMBDA_FUNCTION_NAME": fn.function_name, "AWS_LAMBDA_FUNCTION_VERSION": str(fn.version),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": memory, "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(timeout)),
            "AWS_LAMBDA_LOG_GROUP_NAME": group, "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "LOCALAWS_FUNCTION_ARN": fn.function_arn,
            "AWS_REGION": fn.region, "AWS_DEFAULT_REGION": fn.region,
            "AWS_ACCESS_KEY_ID": ak, "AWS_SECRET_ACCESS_KEY": sk,
            "AWS_ENDPOINT_URL": _moto_endpoint(), "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        })
        started = time.monotonic()
        deadline_ms = int(time.time() * 1000 + timeout * 1000)
        proc = subprocess.Popen([sys.executable, RUNNER, task, fn.handler, event_file, result_file,
                                 str(deadline_ms), request_id],
                                cwd=task, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        timed_out = False
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the process group this call started, nothing else
            except ProcessLookupError:
                pass
            out, _ = proc.communicate()
        took_ms = (time.monotonic() - started) * 1000
        text = out.decode("utf-8", errors="replace")
        if timed_out:
            payload, errored = _lambda_error("Sandbox.Timedout", f"RequestId: {request_id} Error: Task timed out "
                                                                 f"after {timeout:.2f} seconds"), True
        elif os.path.exists(result_file):
            with open(result_file, encoding="utf-8") as fh:
                result = json.load(fh)
            if "error" in result:
                payload, errored = json.dumps(result["error"]).encode(), True
            else:
                payload, errored = result["payload"].encode(), False
        else:
            payload, errored = _lambda_error("Runtime.ExitError", f"RequestId: {request_id} Error: Runtime exited "
                                                                  f"with error: exit status {proc.returncode}"), True
    lines = [f"START RequestId: {request_id} Version: {fn.version}", *text.splitlines()]
    if timed_out:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        lines.append(f"{stamp} {request_id} Task timed out after {timeout:.2f} seconds")
    lines += [f"END RequestId: {request_id}",
              f"REPORT RequestId: {request_id}\tDuration: {took_ms:.2f} ms\tBilled Duration: {int(took_ms) + 1} ms\t"
              f"Memory Size: {memory} MB"]
    log = "\n".join(lines) + "\n"
    _save_logs(fn, stream, log)
    return payload, errored, log


def lambda_invoke_subprocess() -> None:
    """Lambda Invoke runs Python functions in a subprocess instead of Docker (there is no Docker here).

    moto 5.2.1 runs every function in a Docker container; without a daemon Invoke answers
    "error running docker" (so API Gateway could never reach the shim). For python* runtimes the
    zip moto keeps (inline CloudFormation ZipFile code is index.py in it) is unzipped into a temp dir
    and `lambda_runner.py` imports the Handler there and calls it with the event and a context
    (aws_request_id, function_name, get_remaining_time_in_millis ...). The environment is the
    function's variables plus the reserved ones: AWS_REGION, AWS_LAMBDA_FUNCTION_NAME ...,
    AWS_ENDPOINT_URL pointing back at this server, and an access key of IAM user
    `localaws-lambda-runner` (see `runner_credentials`). Timeout kills the process (Sandbox.Timedout);
    an exception is the Lambda error shape (FunctionError Unhandled, errorMessage/errorType/stackTrace).
    The log (START/END/REPORT lines around the output) goes to the function's log group and to
    LogResult. The server's Python runs the code, whatever the python3.x runtime says. Event invokes
    run in a background thread; DryRun runs nothing. Other runtimes keep moto's behaviour.
    """
    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction.invoke

    def invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> str | bytes:
        if not str(self.run_time or "").startswith("python") or getattr(self, "package_type", "Zip") == "Image":
            return original(self, body, request_headers, response_headers)
        try:
            event_json = json.dumps(json.loads(body)) if body else "{}"
        except ValueError:
            from moto.awslambda.exceptions import InvalidRequestContentException

            raise InvalidRequestContentException("Could not parse request body into json: Unexpected character")
        inv_type = _header(request_headers, "x-amz-invocation-type", "RequestResponse")
        if inv_type == "DryRun":
            return b""
        if inv_type == "Event":
            threading.Thread(target=run_python_function, args=(self, event_json), daemon=True).start()
            return b""
        payload, errored, log = run_python_function(self, event_json)
        if errored:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-executed-version"] = str(self.version)
        response_headers["x-amz-log-result"] = base64.b64encode(log.encode()[-4096:]).decode()
        return payload

    LambdaFunction.invoke = invoke
