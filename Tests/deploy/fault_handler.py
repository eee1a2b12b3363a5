"""The fault proxy's HTTP side (fault_proxy.py has the schedule and the rules): reading a request (a chunked body
de-chunked, within the limits), naming its operation, serving the fault FaultProxy decides on, forwarding the rest
to the local AWS as received, and writing the answer back (stdlib only)."""
from __future__ import annotations

import http.client
import http.server
import socket
import struct
import time
import traceback
import urllib.parse
from typing import TYPE_CHECKING

import fault_answers

if TYPE_CHECKING:
    from fault_proxy import FaultProxy

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "expect"}
MAX_BODY = 64 * 1024 * 1024
MAX_CHUNKS = 100_000
# Longer than any clock the deploy suites give slmstack (deploy_support: 300 s per call). The local AWS
# answers ExecuteChangeSet and DeleteStack only when the stack operation is over; with 60 s here, a loaded
# run had one request of 96 that was neither forwarded nor faulted: the proxy's own 502 (the only other
# way out of _forward), a fault no test scheduled. The proxy now never gives up before its client does.
UPSTREAM_TIMEOUT = 360.0


class ProxyServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    proxy: FaultProxy

    def handle_error(self, request, client_address):
        """Counts instead of printing; stats() shows the count and the last traceback."""
        with self.proxy._lock:
            self.proxy.handler_errors += 1
            self.proxy.last_error = traceback.format_exc(limit=4)


def operation_name(method: str, path: str, headers, body: bytes) -> str:
    """`DescribeStacks` for a query body, `ListEndpoints` for JSON (X-Amz-Target), else `GET /restapis`."""
    if b"Action=" in body:
        for pair in body.split(b"&"):
            if pair.startswith(b"Action="):
                return urllib.parse.unquote_plus(pair[7:].decode("latin-1"))
    target = headers.get("X-Amz-Target")
    if target:
        return target.split(".")[-1] if "." in target else target
    return f"{method} {path.split('?')[0]}"


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    proxy: FaultProxy

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    # every method goes through one path
    def do_GET(self): self._serve()  # noqa: E704
    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts, size = [], 0
            for _ in range(MAX_CHUNKS):
                line = self.rfile.readline(1024)
                if not line:
                    raise ConnectionError("client closed the connection inside a chunked body")
                length = int(line.split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    for _ in range(100):  # trailers up to the blank line
                        if self.rfile.readline(8192) in (b"\r\n", b"\n", b""):
                            break
                    return b"".join(parts)
                size += length
                if size > MAX_BODY:
                    raise ValueError("body over 64 MiB")
                part = self.rfile.read(length)
                if len(part) < length:
                    raise ConnectionError("client closed the connection inside a chunk")
                parts.append(part)
                self.rfile.readline(8)
            raise ValueError("too many chunks")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body over 64 MiB")
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise ConnectionError(f"client sent {len(body)} of {length} body bytes, then gave up")
        return body

    def _serve(self) -> None:
        proxy = self.proxy
        try:
            body = self._read_body()
        except OSError:  # incomplete request: never forward half of one
            proxy._count(client_gone=1)
            self.close_connection = True
            return
        except ValueError as exc:  # over the limits
            message = f"fault proxy: {exc}\n".encode()
            self._write(413, "Payload Too Large", [("Content-Type", "text/plain"), ("Content-Length", str(len(message))),
                                                   ("Connection", "close")], message)
            self.close_connection = True
            return
        operation = operation_name(self.command, self.path, self.headers, body)
        kind, seconds, rule = proxy._decide(operation, self.path, body)
        with proxy._lock:
            proxy.operations[operation] += 1
            if len(proxy.log) < 100_000:
                proxy.log.append((time.monotonic(), operation, kind or ""))
        if rule is not None:
            rule.arrived.set()
        try:
            if kind == "reset":
                self._reset()
                return
            if kind in ("throttle", "500", "503"):
                fault_answers.write_aws_error(self, kind, body)
                return
            if kind == "html200":
                fault_answers.write_html200(self)
                return
            if kind == "redirect":
                fault_answers.write_redirect(self, proxy.catcher)
                return
            if kind == "delay":
                proxy._stopping.wait(seconds)
            self._forward(body, operation, kind, seconds)
        finally:
            if rule is not None:
                rule.done.set()

    # ------------------------------------------------------------------------- faults
    def _reset(self) -> None:
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        finally:
            self.connection.close()  # RST, no response bytes

    # ------------------------------------------------------------------------- forwarding
    def _forward(self, body: bytes, operation: str, kind: str | None = None, seconds: float = 0.1) -> None:
        upstream = http.client.HTTPConnection(self.proxy.upstream_host, self.proxy.upstream_port, timeout=UPSTREAM_TIMEOUT)
        started = time.monotonic()
        try:
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            had_length = False
            for name, value in self.headers.items():  # in order, Host included, as sent
                lower = name.lower()
                if lower in HOP_BY_HOP:
                    continue
                if lower == "content-length":
                    had_length = True
                    value = str(len(body))
                upstream.putheader(name, value)
            if body and not had_length:
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body if body else None)
            response = upstream.getresponse()
            payload = response.read()
            headers = response.getheaders()
            status, reason = response.status, response.reason
        except OSError as exc:  # the local AWS is down or hung up: say so as a gateway would
            self.proxy._count(upstream_errors=1)
            message = f"fault proxy: upstream {self.proxy.upstream_host}:{self.proxy.upstream_port}: {exc}\n".encode()
            self._write(502, "Bad Gateway", [("Content-Type", "text/plain"), ("Content-Length", str(len(message)))], message)
            return
        finally:
            upstream.close()
        with self.proxy._lock:
            self.proxy.upstream_seconds += time.monotonic() - started
            self.proxy.forwarded += 1
            self.proxy.forwarded_operations[operation] += 1
            if operation in self.proxy.capture and len(self.proxy.captured[operation]) < 100:
                self.proxy.captured[operation].append(body)
        no_body = self.command == "HEAD" or status in (204, 304) or status < 200
        out = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP and (no_body or k.lower() != "content-length")]
        if not no_body:
            out.append(("Content-Length", str(len(payload))))
        if kind == "midbody":
            fault_answers.write_midbody(self, status, reason, out, payload)
        elif kind == "drip":
            fault_answers.write_drip(self, status, reason, out, b"" if no_body else payload, seconds)
        else:
            self._write(status, reason, out, b"" if no_body else payload)

    def _write(self, status: int, reason: str, headers: list[tuple[str, str]], payload: bytes) -> None:
        if not self.proxy.keep_alive:
            headers = headers + [("Connection", "close")]
            self.close_connection = True
        head = [f"HTTP/1.1 {status} {reason}".encode("latin-1")]
        head += [f"{k}: {v}".encode("latin-1") for k, v in headers]
        try:
            self.wfile.write(b"\r\n".join(head) + b"\r\n\r\n" + payload)
            self.wfile.flush()
        except OSError:
            self.proxy._count(client_gone=1)
            self.close_connection = True
