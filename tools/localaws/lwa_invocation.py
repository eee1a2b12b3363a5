"""One invocation of a function behind the AWS Lambda Web Adapter layer, in a process of its own (fix 44,
lwa_patches.py): the code unzipped with its modes, the layer's bootstrap run, LWA's readiness check, the
event sent to the app as an HTTP request (lwa_http.py) and its answer read as it comes.
"""
from __future__ import annotations

import http.client
import io
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from typing import Any

import lambda_invoke_patches as li
import lwa_http

# layer/bootstrap of the layer, byte for byte; run as /opt/bootstrap so bash names it in its errors
BOOTSTRAP = '#!/bin/bash\n\nexec -- "${LAMBDA_TASK_ROOT}/${_HANDLER}"'
INIT_LIMIT = 10.0  # seconds: a managed runtime's init phase; after it Lambda goes on within the invoke
_RUST_ERROR = "alloc::boxed::Box<dyn core::error::Error + core::marker::Send + core::marker::Sync>"


def extract_code(code: bytes, dest: str) -> None:
    """Unzip keeping the Unix mode as Lambda's runtime user sees it: the code belongs to another user,
    so the world bits decide (0755 -> r-x, 0644 -> r--, 0600 -> nothing); no Unix mode -> r--."""
    with zipfile.ZipFile(io.BytesIO(code)) as zf:
        for info in zf.infolist():
            path = zf.extract(info, dest)  # extract drops absolute and ".." path parts
            if info.is_dir():
                continue
            mode = (info.external_attr >> 16) & 0o777 if info.create_system == 3 else 0
            os.chmod(path, (mode & 0o7 if mode else 0o4) * 0o111)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Invocation:
    """One invocation of an LWA function in a process of its own, its result read into `items` as it
    comes: ("data", bytes)... then ("end", None), or ("error", payload) before any data, or ("cut", why)
    after some. The process group is killed when the result is complete, at the function timeout, or
    on `close()`; the log then goes to the function's log group as fix 13 writes it."""

    def __init__(self, fn: Any, event_json: str, version: int) -> None:
        self.fn, self.event_json, self.version = fn, event_json, version
        self.request_id = str(uuid.uuid4())
        self.items: queue.Queue = queue.Queue()
        self.timeout = float(fn.timeout or 3)
        self.timed_out = False
        self.log = ""
        self.done = threading.Event()
        self._closed = threading.Event()
        self._delivered = False
        self._lines: list[str] = []
        self._lines_lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._timer: threading.Timer | None = None
        self._init_ms: float | None = None
        self._cut_error = b""
        self.stream: str | None = None
        self._started = time.monotonic()

    # -------------------------------------------------------------------------------- lifecycle
    def start(self) -> "Invocation":
        threading.Thread(target=self._run, daemon=True, name=f"lwa-{self.request_id[:8]}").start()
        return self

    def close(self) -> None:
        """The reader is gone (client disconnected, gateway timeout): stop the app now."""
        self._closed.set()
        self._kill()

    def collect(self) -> tuple[bytes, bool]:
        """The whole result, as Invoke returns it: (payload, function error?)."""
        buf = b""
        while True:
            kind, value = self.items.get()
            if kind == "data":
                buf += value
            elif kind == "end":
                return buf, False
            elif kind == "error":
                return value, True
            else:  # cut: Invoke has no partial answer, only the error that cut it
                return self._cut_error, True

    def _say(self, line: str) -> None:
        with self._lines_lock:
            self._lines.append(line)

    def _put(self, kind: str, value: Any) -> None:
        self._delivered = self._delivered or kind == "data"
        self.items.put((kind, value))

    def _error_payload(self, kind: str = "", message: str = "") -> bytes:
        if self.timed_out or not kind:
            kind, message = "Sandbox.Timedout", f"RequestId: {self.request_id} Error: Task timed out after {self.timeout:.2f} seconds"
        return json.dumps({"errorMessage": message, "errorType": kind}).encode()

    def _fail(self, kind: str, message: str) -> None:
        self._cut_error = self._error_payload(kind, message)
        self._put("cut" if self._delivered else "error", message if self._delivered else self._cut_error)

    def _exit_error(self) -> tuple[str, str]:
        code = self._proc.poll() if self._proc else None
        return "Runtime.ExitError", f"RequestId: {self.request_id} Error: Runtime exited with error: exit status {code}"

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)  # the group this invocation started, nothing else
            except ProcessLookupError:
                pass

    def _expire(self) -> None:
        self.timed_out = True
        self._kill()

    # -------------------------------------------------------------------------------- the run
    def _run(self) -> None:
        tmp = tempfile.mkdtemp(prefix="localaws-lwa-")
        try:
            self._run_app(tmp)
        except Exception as exc:  # noqa: BLE001 - a bug here must answer, not hang the caller
            li._log(f"lambda: LWA invocation of {self.fn.function_name} failed: {type(exc).__name__}: {exc}")
            self._fail("Runtime.Unknown", f"localaws: {type(exc).__name__}: {exc}")
        finally:
            self._finish(tmp)

    def _env(self, task: str, port: int, opts: lwa_http.Options) -> dict[str, str]:
        fn = self.fn
        ak, sk = li.runner_credentials(fn.account_id, fn.region)
        group = (getattr(fn, "logging_config", None) or {}).get("LogGroup") or fn.logs_group_name
        self.stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[{fn.version}]{uuid.uuid4().hex}"
        venv_bin = os.path.dirname(sys.executable)  # `#!/usr/bin/env python3` finds this Python (boto3)
        env = {"PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}", "LANG": "C.UTF-8", "TZ": ":UTC",
               "HOME": os.path.dirname(task), "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        env.update({str(k): str(v) for k, v in (fn.environment_vars or {}).items()})
        env.update({  # reserved variables, as fix 13 sets them
            "_HANDLER": fn.handler or "", "LAMBDA_TASK_ROOT": task, "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
            "AWS_LAMBDA_FUNCTION_NAME": fn.function_name, "AWS_LAMBDA_FUNCTION_VERSION": str(fn.version),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size or 128),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(self.timeout)), "AWS_LAMBDA_LOG_GROUP_NAME": group,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.stream, "LOCALAWS_FUNCTION_ARN": fn.function_arn,
            "AWS_REGION": fn.region, "AWS_DEFAULT_REGION": fn.region, "AWS_ACCESS_KEY_ID": ak,
            "AWS_SECRET_ACCESS_KEY": sk, "AWS_ENDPOINT_URL": li._moto_endpoint(), "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
        # the one deviation: a free port instead of AWS_LWA_PORT, so parallel invocations never collide
        env["AWS_LWA_PORT"] = env["PORT"] = str(port)
        if opts.readiness_port == opts.port:
            for name in ("AWS_LWA_READINESS_CHECK_PORT", "READINESS_CHECK_PORT"):
                if name in env:
                    env[name] = str(port)
        return env

    def _drain(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for raw in iter(self._proc.stdout.readline, b""):
            self._say(raw.decode("utf-8", "replace").rstrip("\n"))

    def _ready_once(self, opts: lwa_http.Options, port: int) -> bool:
        rport = port if opts.readiness_port == opts.port else int(opts.readiness_port)
        try:
            if opts.readiness_protocol == "tcp":
                socket.create_connection((opts.host, rport), timeout=1).close()
                return True
            conn = http.client.HTTPConnection(opts.host, rport, timeout=2)
            try:
                conn.request("GET", opts.readiness_path, headers={"Accept-Encoding": "identity"})
                return conn.getresponse().status in opts.healthy
            finally:
                conn.close()
        except (OSError, http.client.HTTPException, ValueError):
            return False

    def _wait_ready(self, opts: lwa_http.Options, port: int, until: float) -> str:
        """LWA's readiness loop (a check every 10 ms, "app is not ready" every 2 s): ready, exited, timeout."""
        start = time.monotonic()
        checkpoint = 2.0
        url = f"{opts.readiness_protocol}://{opts.host}:{port}{opts.readiness_path}"
        while True:
            if self._proc is None or self._proc.poll() is not None or self._closed.is_set():
                return "exited"
            if self._ready_once(opts, port):
                return "ready"
            now = time.monotonic()
            if now >= until:
                return "timeout"
            if now - start >= checkpoint:
                self._say(f"INFO lambda_web_adapter: app is not ready after {int(checkpoint * 1000)}ms url={url}")
                checkpoint += 2.0
            time.sleep(0.01)

    def _run_app(self, tmp: str) -> None:
        fn = self.fn
        if not getattr(fn, "code_bytes", b""):
            self._put("error", li._lambda_error("Runtime.InvalidEntrypoint", "localaws: the function has no code to run"))
            return
        try:
            event = json.loads(self.event_json)
        except ValueError:
            event = None
        if lwa_http.is_other_http_event(event):
            self._fail("Runtime.Unknown", "localaws: LWA is emulated for API Gateway REST (payload 1.0) and "
                                          "pass-through events only")
            return
        task = os.path.join(tmp, "task")
        os.mkdir(task)
        try:
            extract_code(fn.code_bytes, task)
        except zipfile.BadZipFile as exc:
            self._fail("Runtime.InvalidEntrypoint", f"localaws: the code is not a zip file: {exc}")
            return
        opts = lwa_http.options({str(k): str(v) for k, v in (fn.environment_vars or {}).items()}, self.version)
        port = _free_port()
        env = self._env(task, port, opts)
        self._proc = subprocess.Popen(["/bin/bash", "-c", BOOTSTRAP, "/opt/bootstrap"], cwd=task, env=env,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        threading.Thread(target=self._drain, daemon=True).start()
        state = self._wait_ready(opts, port, self._started + INIT_LIMIT)
        self._init_ms = (time.monotonic() - self._started) * 1000
        if state == "exited":
            kind, message = self._exit_error()
            self._say(f"INIT_REPORT Init Duration: {self._init_ms:.2f} ms\tPhase: init\tStatus: error\tError Type: {kind}")
            self._fail(kind, message)
            return
        deadline = time.monotonic() + self.timeout
        self._timer = threading.Timer(self.timeout, self._expire)
        self._timer.daemon = True
        self._timer.start()
        if state == "timeout":  # Lambda goes on with the init inside the invoke phase, within the timeout
            self._say(f"INIT_REPORT Init Duration: {self._init_ms:.2f} ms\tPhase: init\tStatus: timeout")
            state = self._wait_ready(opts, port, deadline + 1)
            if state != "ready":
                self._fail(*(("Sandbox.Timedout", "") if self.timed_out else self._exit_error()))
                return
        self._forward(event, opts, port, deadline, env)

    def _forward(self, event: Any, opts: lwa_http.Options, port: int, deadline: float, env: dict[str, str]) -> None:
        deadline_ms = int(time.time() * 1000 + (deadline - time.monotonic()) * 1000)
        lambda_ctx = lwa_http.lambda_context_header(self.request_id, deadline_ms, self.fn.function_arn, env)
        method, target, headers, body = lwa_http.app_request(event, self.event_json, opts, lambda_ctx)
        rest = lwa_http.is_rest_event(event)
        conn = http.client.HTTPConnection(opts.host, port, timeout=max(1.0, deadline - time.monotonic() + 1))
        try:
            conn.putrequest(method, target, skip_host=any(k == "host" for k, _ in headers), skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            if body or method in ("POST", "PUT", "PATCH"):
                conn.putheader("content-length", str(len(body)))
            conn.endheaders(body or None)
            resp = conn.getresponse()
            status, resp_headers = resp.status, resp.getheaders()
            if opts.invoke_mode == "buffered":
                self._put("data", lwa_http.buffered_payload(status, resp_headers, resp.read(), pass_through=not rest))
            else:
                self._put("data", lwa_http.stream_prelude(status, resp_headers))
                while chunk := resp.read1(65536):
                    self._put("data", chunk)
            self._put("end", None)
        except (OSError, http.client.HTTPException) as exc:
            if self.timed_out:
                self._fail("Sandbox.Timedout", "")
            elif self._proc is not None and self._proc.poll() is not None:
                self._fail(*self._exit_error())
            else:  # the adapter's own error, as lambda_runtime reports a boxed error
                self._fail(_RUST_ERROR, f"client error: {type(exc).__name__}: {exc}")
        finally:
            conn.close()

    def _finish(self, tmp: str) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._kill()
        if self._proc is not None:
            self._proc.wait()
            time.sleep(0.05)  # let the drain thread read the last lines
        took_ms = (time.monotonic() - self._started) * 1000
        with self._lines_lock:
            lines = [f"START RequestId: {self.request_id} Version: {self.fn.version}", *self._lines]
        if self.timed_out:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            lines.append(f"{stamp} {self.request_id} Task timed out after {self.timeout:.2f} seconds")
        init = f"\tInit Duration: {self._init_ms:.2f} ms" if self._init_ms is not None else ""
        lines += [f"END RequestId: {self.request_id}",
                  f"REPORT RequestId: {self.request_id}\tDuration: {took_ms:.2f} ms\tBilled Duration: "
                  f"{int(took_ms) + 1} ms\tMemory Size: {self.fn.memory_size or 128} MB{init}"]
        self.log = "\n".join(lines) + "\n"
        if self.stream:
            li._save_logs(self.fn, self.stream, self.log)
        shutil.rmtree(tmp, ignore_errors=True)
        self.done.set()


class BufferedSource:
    """Any other function's result as a one-piece stream (what InvokeWithResponseStream gives for a
    function that does not stream): Invoke through moto's backend, in a thread."""

    def __init__(self, backend: Any, name: str, qualifier: str | None, event_json: str) -> None:
        self.items: queue.Queue = queue.Queue()

        def run() -> None:
            headers: dict[str, str] = {}
            try:
                payload = backend.invoke(name, qualifier, event_json, {"x-amz-invocation-type": "RequestResponse"}, headers)
            except Exception as exc:  # noqa: BLE001 - reported as the function's error
                payload, headers = li._lambda_error(type(exc).__name__, str(exc)), {"x-amz-function-error": "Unhandled"}
            payload = payload.encode() if isinstance(payload, str) else payload or b""
            if headers.get("x-amz-function-error"):
                self.items.put(("error", payload))
            else:
                self.items.put(("data", payload))
                self.items.put(("end", None))

        threading.Thread(target=run, daemon=True).start()

    def close(self) -> None:
        pass

