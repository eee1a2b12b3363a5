"""The web app and helpers of test_lwa_stream_fixes.py (fixes 44-45): the app a Lambda Web Adapter function
runs, its zip, a REST event, and a client that reads a streamed answer as it comes."""
from __future__ import annotations

import http.client
import io
import json
import time
import urllib.parse
import zipfile
from dataclasses import dataclass
from typing import Any

from localaws_support import LocalAws, unique
from test_invoke import TRUST_LAMBDA

LAYER = "arn:aws:lambda:{region}:753240598075:layer:LambdaAdapterLayerX86:26"
APP = r'''#!/usr/bin/env python3
"""A web app as the Lambda Web Adapter runs it: it listens on $AWS_LWA_PORT."""
import http.server, json, os, sys, time


class App(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        print("app:", fmt % args, flush=True)

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def seen(self, body):
        return {"method": self.command, "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace")}

    def do_GET(self):
        if self.path == "/healthz":
            return self.answer(200, {"ok": True})
        if self.path == "/sick":
            return self.answer(503, {"ok": False})
        if self.path == "/whoami":  # boto3 from `#!/usr/bin/env python3`, signed with the function's key
            import boto3
            return self.answer(200, {"arn": boto3.client("sts").get_caller_identity()["Arn"]})
        self.answer(200, self.seen(b""))

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path == "/events" or self.path.startswith("/echo"):
            return self.answer(200, self.seen(body))
        pause = json.loads(body or b"{}").get("pause", 0)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Set-Cookie", "a=1")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def event(data):
            data = b"data: " + data + b"\n\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

        event(json.dumps({"n": 1, "seen": self.seen(body)}).encode())
        time.sleep(pause)
        event(json.dumps({"n": 2}).encode())
        event(b"[DONE]")
        self.wfile.write(b"0\r\n\r\n")


print("app: listening on", os.environ["AWS_LWA_PORT"], flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["AWS_LWA_PORT"])), App).serve_forever()
'''
PLAIN_FN = '''import json
def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(event)}
'''


def app_zip(mode: int = 0o755) -> bytes:
    """A zip with run.py carrying a Unix mode, as `zip` on Linux writes it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("run.py", date_time=(2026, 1, 1, 0, 0, 0))
        info.create_system, info.external_attr = 3, (0o100000 | mode) << 16
        z.writestr(info, APP)
    return buf.getvalue()


def lwa_env(**extra: str) -> dict[str, str]:
    return {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap", "AWS_LWA_PORT": "8080",
            "AWS_LWA_READINESS_CHECK_PATH": "/healthz", **extra}


def make_lwa_function(la: LocalAws, code: dict[str, Any], env: dict[str, str], timeout: int = 5,
                      layer: str = LAYER) -> str:
    role = la.client("iam").create_role(RoleName=unique("r"), AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))
    return la.client("lambda").create_function(
        FunctionName=unique("lwa"), Runtime="python3.13", Handler="run.py", Role=role["Role"]["Arn"], Code=code,
        Timeout=timeout, Layers=[layer.format(region=la.env["AWS_REGION"])],
        Environment={"Variables": env})["FunctionName"]


def upload_app(la: LocalAws) -> tuple[str, str]:
    bucket = unique("code")
    s3 = la.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="app.zip", Body=app_zip())
    return bucket, "app.zip"


def rest_event(path: str, method: str = "GET", body: str | None = None, **extra: Any) -> dict[str, Any]:
    """An API Gateway REST (payload 1.0) event as fix 14 sends it."""
    return {"resource": "/{proxy+}", "path": path, "httpMethod": method, "body": body, "isBase64Encoded": False,
            "headers": {"Host": "abc.execute-api.us-east-1.amazonaws.com", "X-Twice": "second"},
            "multiValueHeaders": {"Host": ["abc.execute-api.us-east-1.amazonaws.com"], "X-Twice": ["first", "second"]},
            "queryStringParameters": None, "multiValueQueryStringParameters": None,
            "requestContext": {"resourcePath": "/{proxy+}", "httpMethod": method, "stage": "dev", "requestId": "rid-1",
                               "extendedRequestId": "x", "accountId": "123456789012", "apiId": "abc",
                               "identity": {"sourceIp": "1.2.3.4", "apiKey": "k"}, "requestTimeEpoch": 5},
            **extra}


def log_text(la: LocalAws, fn: str) -> str:
    logs = la.client("logs")
    group = f"/aws/lambda/{fn}"
    return "\n".join(e["message"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]
                     for e in logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"])["events"])


@dataclass
class Streamed:
    status: int
    headers: dict[str, str]
    events: list[tuple[float, str]]  # (seconds since the request was sent, the `data:` line)
    cut: bool


def stream(url: str, body: Any, key: str | None = None, limit: float = 60) -> Streamed:
    """POST and read the answer as it comes (http.client read1), splitting server-sent events."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=limit)
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream", **({"x-api-key": key} if key else {})}
    t0 = time.monotonic()
    conn.request("POST", parts.path, body=json.dumps(body), headers=headers)
    resp = conn.getresponse()
    hdrs = {k.lower(): v for k, v in resp.getheaders()}
    events, buf, cut = [], b"", False
    try:
        while chunk := resp.read1(65536):
            buf += chunk
            while b"\n\n" in buf:
                line, buf = buf.split(b"\n\n", 1)
                events.append((time.monotonic() - t0, line.decode()))
        events += [(time.monotonic() - t0, buf.decode())] if buf else []
    except http.client.IncompleteRead:
        cut = True
    finally:
        conn.close()
    return Streamed(resp.status, hdrs, events, cut)

