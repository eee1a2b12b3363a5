"""Loopback fakes of the AWS credential endpoints, for running `slmstack whoami` as CI runners and
cloud hosts would (stdlib only).

    fake = CredentialFakes(upstream="http://127.0.0.1:5000", access_key="ASIA…", secret_key="…", session_token="…")
    fake.start()            # 127.0.0.1:<free port>, served from a background thread
    ... point the binary at fake.url ...
    fake.stop()             # or: with CredentialFakes(...) as fake:

One server plays three parts, each handing out temporary credentials the local AWS itself issued
(STS AssumeRole of a role there), so the GetCallerIdentity that follows passes its SigV4 and session
token checks (the local AWS, like AWS, refuses a session token next to a long-term AKIA key):

  container   GET /container/credentials: the ECS / EKS Pod Identity endpoint. Answers 200 with
              AccessKeyId, SecretAccessKey, Token, Expiration when `Authorization` equals
              `container_token`, else 401.
  IMDSv2      PUT /latest/api/token (needs x-aws-ec2-metadata-token-ttl-seconds), then
              GET /latest/meta-data/iam/security-credentials/[ROLE] with x-aws-ec2-metadata-token.
  STS         POST / with Action=AssumeRoleWithWebIdentity: must be unsigned (no Authorization),
              carry `web_identity_token` and a RoleArn; answers the AWS XML shape. Every other
              request is forwarded to `upstream` byte for byte, the Host header kept as the client
              sent it (SigV4 signs it), so AWS_ENDPOINT_URL_STS can point here for both calls.

Expiration is an hour ahead. Every request is recorded (`fake.requests`: method, path, headers,
form fields of a query body). None of the secrets may ever be printed by the binary.
"""
from __future__ import annotations

import datetime
import http.client
import http.server
import threading
import urllib.parse
from xml.sax.saxutils import escape

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "expect"}
ROLE = "slmstack-ci-role"


class CredentialFakes:
    """The fake container endpoint, IMDS and STS front; see the module docstring."""

    def __init__(self, upstream: str, access_key: str, secret_key: str, session_token: str, *,
                 container_token: str = "pod-identity-token", web_identity_token: str = "ci-oidc-jwt"):
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host, self.upstream_port = parsed.hostname, parsed.port or 80
        self.access_key, self.secret_key, self.session_token = access_key, secret_key, session_token
        self.container_token, self.web_identity_token = container_token, web_identity_token
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "CredentialFakes":
        self._thread = threading.Thread(target=self._server.serve_forever, name="credential-fakes", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "CredentialFakes":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def seen(self, method: str, path: str) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["method"] == method and r["path"].split("?")[0] == path]

    def _expiration(self) -> str:
        later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        return later.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _metadata_json(self) -> bytes:
        return (f'{{"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "{self.access_key}", '
                f'"SecretAccessKey": "{self.secret_key}", "Token": "{self.session_token}", '
                f'"Expiration": "{self._expiration()}"}}').encode()

    def _web_identity_xml(self, role_arn: str, session: str) -> bytes:
        return (f'<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                f'<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>{escape(self.access_key)}</AccessKeyId>'
                f'<SecretAccessKey>{escape(self.secret_key)}</SecretAccessKey><SessionToken>{escape(self.session_token)}</SessionToken>'
                f'<Expiration>{self._expiration()}</Expiration></Credentials>'
                f'<AssumedRoleUser><Arn>{escape(role_arn)}/{escape(session)}</Arn><AssumedRoleId>AROAFAKE:{escape(session)}</AssumedRoleId></AssumedRoleUser>'
                f'<SubjectFromWebIdentityToken>ci</SubjectFromWebIdentityToken></AssumeRoleWithWebIdentityResult>'
                f'<ResponseMetadata><RequestId>fake-1</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>').encode()

    def _handler(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def _record(self, body: bytes) -> dict:
                form = dict(urllib.parse.parse_qsl(body.decode(errors="replace"))) if body else {}
                entry = {"method": self.command, "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "form": form}
                with fake._lock:
                    fake.requests.append(entry)
                return entry

            def do_GET(self) -> None:
                entry = self._record(self._body())
                token = entry["headers"].get("x-aws-ec2-metadata-token")
                if self.path == "/container/credentials":
                    ok = entry["headers"].get("authorization") == fake.container_token
                    self._answer(200, fake._metadata_json()) if ok else self._answer(401, b'{"Message": "bad token"}')
                elif self.path == "/latest/meta-data/iam/security-credentials/":
                    self._answer(200, ROLE.encode(), "text/plain") if token == "imds-token" else self._answer(401, b"")
                elif self.path == f"/latest/meta-data/iam/security-credentials/{ROLE}":
                    self._answer(200, fake._metadata_json()) if token == "imds-token" else self._answer(401, b"")
                else:
                    self._answer(404, b"{}")

            def do_PUT(self) -> None:
                entry = self._record(self._body())
                if self.path == "/latest/api/token" and entry["headers"].get("x-aws-ec2-metadata-token-ttl-seconds"):
                    self._answer(200, b"imds-token", "text/plain")
                else:
                    self._answer(400, b"")

            def do_POST(self) -> None:
                body = self._body()
                entry = self._record(body)
                if entry["form"].get("Action") != "AssumeRoleWithWebIdentity":
                    self._forward(body)
                    return
                form = entry["form"]
                if "authorization" in entry["headers"] or form.get("WebIdentityToken") != fake.web_identity_token or not form.get("RoleArn"):
                    self._answer(403, b'<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>'
                                      b'<Message>token rejected by the fake</Message></Error></ErrorResponse>', "text/xml")
                    return
                self._answer(200, fake._web_identity_xml(form["RoleArn"], form.get("RoleSessionName", "")), "text/xml")

            def _forward(self, body: bytes) -> None:
                upstream = http.client.HTTPConnection(fake.upstream_host, fake.upstream_port, timeout=30)
                try:
                    upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                    for name, value in self.headers.items():
                        if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                            upstream.putheader(name, value)
                    upstream.putheader("Content-Length", str(len(body)))
                    upstream.endheaders(body)
                    response = upstream.getresponse()
                    data = response.read()
                    self._answer(response.status, data, response.getheader("Content-Type") or "text/xml")
                finally:
                    upstream.close()

        return Handler
