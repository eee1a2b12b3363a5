"""Faults that answer instead of failing: what a proxy, a captive portal or a slow link does to a
response. Used by fault_proxy.py for the kinds in ANSWER_KINDS (stdlib only).

  html200   HTTP 200 `text/html` with a well-formed XHTML page (a captive portal's login page):
            parses as XML, but its root is <html>, not the operation's response document.
  midbody   the request is forwarded; the answer's status and headers (with the full
            Content-Length) and half of its body are sent, then the connection is closed.
  drip      the request is forwarded; the answer's status and headers are sent at once, then its
            body one byte every `seconds` (0.1 s by default) until it is all out or the client has
            gone: never silent long enough for an idle timeout.
  redirect  HTTP 307 with `Location:` on another host (the Catcher, on 127.0.0.2 where it can
            bind, else `localhost`), same path and query. A client that follows it sends its
            signed headers there; the Catcher records every request it gets.
"""
from __future__ import annotations

import http.client
import http.server
import json
import socket
import threading
import uuid

ANSWER_KINDS = ("html200", "midbody", "drip", "redirect")

PORTAL_PAGE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Network login required</title>'
    b'<style>body { font-family: sans-serif; }</style></head>\n<body><h1>Welcome to the guest network</h1>'
    + b"<p>Please accept the terms of use to continue browsing. " * 20
    + b"</p><form action=\"/login\" method=\"post\"><input type=\"submit\" value=\"Accept\"/></form></body></html>\n"
)


def write_aws_error(handler, kind: str, body: bytes) -> None:
    """throttle, 500 (in the service's own error shape) or 503 (plain text, as a load balancer)."""
    request_id = str(uuid.uuid4())
    query = b"Action=" in body
    headers = [("x-amzn-RequestId", request_id)]
    if kind == "503":
        status, payload, ctype = 503, b"Service Unavailable\n", "text/plain"
    else:
        status, code, json_code = (400, "Throttling", "ThrottlingException") if kind == "throttle" else \
            (500, "InternalFailure", "InternalFailure")
        message = "Rate exceeded" if kind == "throttle" else "We encountered an internal error. Please try again."
        if query:
            side = "Sender" if kind == "throttle" else "Receiver"
            payload = (f"<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error>"
                       f"<Type>{side}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
                       f"<RequestId>{request_id}</RequestId></ErrorResponse>").encode()
            ctype = "text/xml"
        else:
            payload = json.dumps({"__type": json_code, "message": message}).encode()
            ctype = "application/x-amz-json-1.1"
            headers.append(("x-amzn-ErrorType", json_code))
    handler._write(status, http.client.responses.get(status, ""),
                   headers + [("Content-Type", ctype), ("Content-Length", str(len(payload)))], payload)


def write_html200(handler) -> None:
    handler._write(200, "OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(PORTAL_PAGE)))], PORTAL_PAGE)


def _head(status: int, reason: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}".encode("latin-1")] + [f"{k}: {v}".encode("latin-1") for k, v in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def write_midbody(handler, status: int, reason: str, headers: list[tuple[str, str]], payload: bytes) -> None:
    """Status, headers with the full Content-Length, half the body, then a closed connection."""
    handler.close_connection = True
    try:
        handler.wfile.write(_head(status, reason, headers + [("Connection", "close")]) + payload[: len(payload) // 2])
        handler.wfile.flush()
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        handler.proxy._count(client_gone=1)


def write_drip(handler, status: int, reason: str, headers: list[tuple[str, str]], payload: bytes, seconds: float) -> None:
    """Status and headers at once, then the body one byte every `seconds` (never silent long enough
    for an idle timeout); stops when the client goes or the proxy stops."""
    handler.close_connection = True
    try:
        handler.wfile.write(_head(status, reason, headers + [("Connection", "close")]))
        handler.wfile.flush()
        data = payload
        for i in range(len(data)):
            handler.wfile.write(data[i:i + 1])
            handler.wfile.flush()
            if handler.proxy._stopping.wait(seconds):
                return
    except OSError:
        handler.proxy._count(client_gone=1)


def write_redirect(handler, catcher: "Catcher") -> None:
    location = f"http://{catcher.host}:{catcher.port}{handler.path}"
    body = b"moved\n"
    handler._write(307, "Temporary Redirect", [("Location", location), ("Content-Type", "text/plain"),
                                               ("Content-Length", str(len(body)))], body)


class Catcher:
    """The other host a redirect points to: records each request's method, path and headers, and
    answers 200 with an empty body (a client that believed it would have nothing to parse)."""

    def __init__(self):
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self.host = "127.0.0.2"
        catcher = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002 - quiet
                pass

            def do_GET(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with catcher._lock:
                    catcher.requests.append({"method": self.command, "path": self.path,
                                             "headers": {k.lower(): v for k, v in self.headers.items()}})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True

            do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

        try:
            self._server = http.server.ThreadingHTTPServer((self.host, 0), Handler)
        except OSError:  # no 127.0.0.2 here: another name for this machine is still another host
            self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            self.host = "localhost"
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="fault-catcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


