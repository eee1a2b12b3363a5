"""What AWS Lambda Web Adapter 1.0.0 (layer LambdaAdapterLayerX86/Arm64 version 26) does with an event
and with the web app's answer, as pure functions (no moto, no process). lwa_patches.py runs the app.

Read from the adapter's source (awslabs/aws-lambda-web-adapter src/lib.rs: AdapterOptions::default,
parse_status_codes, fetch_response) and the crates it builds on (awslabs/aws-lambda-rust-runtime:
lambda_http request.rs into_proxy_request / into_pass_through_request, response.rs LambdaResponse and
ConvertBody, streaming.rs into_stream_response; lambda_runtime requests.rs, the streaming prelude;
aws_lambda_events ApiGatewayProxyRequestContext, whose serde field order the x-amzn-request-context
header keeps).
"""
from __future__ import annotations

import base64
import codecs
import json
from dataclasses import dataclass
from typing import Any, Mapping

DELIMITER = b"\0" * 8  # between the streaming prelude and the body (lambda_runtime requests.rs)
LATEST_LAYER_VERSION = 26  # v1.0.0; 25 is v1.0.0-rc1, 24 and older are 0.9.x and before

_TEXT_PREFIXES = ("text", "application/json", "application/javascript", "application/xml", "application/yaml")
_TEXT_SUFFIXES = ("+xml", "+yaml", "+json")
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection"}  # computed again for the app request


@dataclass(frozen=True)
class Options:
    """AdapterOptions read from the function's environment (lib.rs `AdapterOptions::default`)."""

    host: str
    port: str
    readiness_port: str
    readiness_path: str
    readiness_protocol: str  # "http" or "tcp"
    healthy: frozenset[int]
    base_path: str | None
    pass_through_path: str
    async_init: bool
    invoke_mode: str  # "buffered" or "response_stream"
    authorization_source: str | None


def parse_status_codes(text: str) -> list[int]:
    """`200-299,404` -> the codes; bad parts are skipped (lib.rs `parse_status_codes`)."""
    codes: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            ends = part.split("-")
            if len(ends) == 2 and all(e.isdigit() for e in ends):
                codes += range(int(ends[0]), int(ends[1]) + 1)
        elif part.isdigit():
            codes.append(int(part))
    return codes


def options(env: Mapping[str, str], layer_version: int = LATEST_LAYER_VERSION) -> Options:
    """The adapter's settings: AWS_LWA_* first, then the deprecated unprefixed names, then defaults."""
    def get(new: str, old: str | None, default: str) -> str:
        if new in env:
            return env[new]
        return env[old] if old and old in env else default

    port = env.get("AWS_LWA_PORT") or env.get("PORT") or "8080"
    # HEALTHY_STATUS came with 1.0.0-rc1 (layer 25); MIN_UNHEALTHY_STATUS left with 1.0.0 (layer 26)
    if "AWS_LWA_READINESS_CHECK_HEALTHY_STATUS" in env and layer_version >= 25:
        healthy = frozenset(parse_status_codes(env["AWS_LWA_READINESS_CHECK_HEALTHY_STATUS"]))
    elif "AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS" in env and layer_version <= 25:
        raw = env["AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS"]
        healthy = frozenset(range(100, int(raw) if raw.isdigit() else 500))
    else:
        healthy = frozenset(range(100, 500))
    base = env.get("AWS_LWA_REMOVE_BASE_PATH", env.get("REMOVE_BASE_PATH"))
    return Options(
        host=get("AWS_LWA_HOST", "HOST", "127.0.0.1"), port=port,
        readiness_port=get("AWS_LWA_READINESS_CHECK_PORT", "READINESS_CHECK_PORT", port),
        readiness_path=get("AWS_LWA_READINESS_CHECK_PATH", "READINESS_CHECK_PATH", "/"),
        readiness_protocol="tcp" if get("AWS_LWA_READINESS_CHECK_PROTOCOL", "READINESS_CHECK_PROTOCOL",
                                        "HTTP").lower() == "tcp" else "http",
        healthy=healthy, base_path=base, pass_through_path=env.get("AWS_LWA_PASS_THROUGH_PATH", "/events"),
        async_init=get("AWS_LWA_ASYNC_INIT", "ASYNC_INIT", "false") == "true",
        invoke_mode="response_stream" if env.get("AWS_LWA_INVOKE_MODE", "").lower() == "response_stream" else "buffered",
        authorization_source=env.get("AWS_LWA_AUTHORIZATION_SOURCE"))


# ------------------------------------------------------------------------------ the request
def is_rest_event(event: Any) -> bool:
    """Does lambda_http read this event as an API Gateway REST (payload 1.0) request?"""
    ctx = event.get("requestContext") if isinstance(event, dict) else None
    return isinstance(event.get("httpMethod"), str) and isinstance(ctx, dict) and isinstance(ctx.get("httpMethod"), str)


def is_other_http_event(event: Any) -> bool:
    """HTTP API (2.0), ALB or WebSocket events: lambda_http reads them, localaws does not emulate them."""
    if not isinstance(event, dict) or is_rest_event(event):
        return False
    ctx = event.get("requestContext") if isinstance(event.get("requestContext"), dict) else {}
    return event.get("version") == "2.0" or "elb" in ctx or "connectionId" in ctx


def request_context_header(ctx: Mapping[str, Any]) -> str:
    """x-amzn-request-context: ApiGatewayProxyRequestContext as serde writes it (field order, nulls,
    authorizer flattened and left out when empty, fields it does not know dropped)."""
    ident = ctx.get("identity") if isinstance(ctx.get("identity"), dict) else {}
    out: dict[str, Any] = {k: ctx.get(k) for k in ("accountId", "resourceId")}
    if ctx.get("operationName") is not None:
        out["operationName"] = ctx["operationName"]
    out.update({k: ctx.get(k) for k in ("stage", "domainName", "domainPrefix", "requestId", "protocol")})
    out["identity"] = {k: ident.get(k) for k in (
        "cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "apiKey", "apiKeyId", "accessKey",
        "sourceIp", "cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn", "userAgent", "user")}
    out.update({k: ctx.get(k) for k in ("resourcePath", "path")})
    if isinstance(ctx.get("authorizer"), dict) and ctx["authorizer"]:
        out["authorizer"] = ctx["authorizer"]
    out.update({"httpMethod": ctx.get("httpMethod"), "requestTime": ctx.get("requestTime"),
                "requestTimeEpoch": int(ctx.get("requestTimeEpoch") or 0), "apiId": ctx.get("apiId")})
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False)


def lambda_context_header(request_id: str, deadline_ms: int, function_arn: str, env: Mapping[str, str]) -> str:
    """x-amzn-lambda-context: lambda_runtime's Context as serde writes it (snake_case keys)."""
    return json.dumps({
        "request_id": request_id, "deadline": deadline_ms, "invoked_function_arn": function_arn,
        "xray_trace_id": None, "client_context": None, "identity": None,
        "env_config": {"function_name": env.get("AWS_LAMBDA_FUNCTION_NAME", ""),
                       "memory": int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")),
                       "version": env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
                       "log_stream": env.get("AWS_LAMBDA_LOG_STREAM_NAME", ""),
                       "log_group": env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")}}, separators=(",", ":"))


def _form_encode(text: str) -> str:
    """application/x-www-form-urlencoded as Rust's form_urlencoded writes it (space -> +)."""
    safe = b"*-._"
    return "".join(chr(b) if chr(b).isalnum() and b < 128 or b in safe else "+" if b == 32 else f"%{b:02X}"
                   for b in text.encode("utf-8"))


def _path_encode(path: str) -> str:
    """A path as the url crate's set_path percent-encodes it (controls, space, " # < > ? ` { } and non-ASCII)."""
    return "".join(f"%{b:02X}" if b <= 32 or b >= 127 or b in b'"#<>?`{}' else chr(b) for b in path.encode("utf-8"))


def app_request(event: Any, raw_event: str, opts: Options, lambda_ctx: str) -> tuple[str, str, list[tuple[str, bytes]], bytes]:
    """The HTTP request the adapter sends the app for one event: method, target, headers, body.

    REST events: method httpMethod, the event's `path` (not the stage-prefixed one) with the base
    path stripped, the query from multiValueQueryStringParameters (else queryStringParameters), the
    headers as one map (multiValueHeaders, each replaced by its `headers` value; names lower case),
    x-amzn-request-context and x-amzn-lambda-context set (a client's own are overwritten), the body
    base64-decoded when isBase64Encoded. Other events are passed through: POST the raw JSON to
    AWS_LWA_PASS_THROUGH_PATH (/events) with Content-Type application/json.
    """
    if not is_rest_event(event):
        headers = [("content-type", b"application/json"), ("x-amzn-request-context", b"null"),
                   ("x-amzn-lambda-context", lambda_ctx.encode())]
        return "POST", opts.pass_through_path, headers, raw_event.encode("utf-8")
    path = event.get("path") or ""
    if opts.base_path:
        while opts.base_path and path.startswith(opts.base_path):  # Rust's trim_start_matches
            path = path[len(opts.base_path):]
    target = _path_encode(path if path.startswith("/") else "/" + path)
    multi = event.get("multiValueQueryStringParameters") or {}
    single = event.get("queryStringParameters") or {}
    pairs = [(k, v) for k, vs in multi.items() for v in (vs or [])] if multi else list(single.items())
    if pairs:
        target += "?" + "&".join(f"{_form_encode(k)}={_form_encode(v or '')}" for k, v in pairs)
    merged: dict[str, list[str]] = {}
    for k, vs in (event.get("multiValueHeaders") or {}).items():
        merged.setdefault(k.lower(), []).extend(str(v) for v in vs or [])
    for k, v in (event.get("headers") or {}).items():
        merged[k.lower()] = [str(v)]
    merged["x-amzn-request-context"] = [request_context_header(event["requestContext"])]
    merged["x-amzn-lambda-context"] = [lambda_ctx]
    if opts.authorization_source and opts.authorization_source.lower() in merged:
        merged["authorization"] = merged.pop(opts.authorization_source.lower())
    headers = [(k, v.encode("utf-8")) for k, vs in merged.items() if k not in _HOP_BY_HOP for v in vs]
    body = event.get("body") or ""
    data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    return event["httpMethod"].upper(), target, headers, data


# ------------------------------------------------------------------------------ the answer
def _grouped(headers: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in headers:
        if k.lower() != "transfer-encoding":  # the adapter removes it (for sam local)
            out.setdefault(k.lower(), []).append(v)
    return out


def _text_charset(headers: dict[str, list[str]]) -> str | None:
    """The charset to read the body as text with, or None for a binary (base64) body (ConvertBody)."""
    if "content-encoding" in headers:
        return None
    ctype = headers.get("content-type", [None])[0]
    if ctype is None:
        return "utf-8"
    mime = ctype.split(";")[0].strip()
    if ctype.startswith(_TEXT_PREFIXES) or mime.endswith(_TEXT_SUFFIXES) \
            or headers.get("x-lambda-http-content-encoding", [""])[0] == "text":
        for param in ctype.split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name.lower() == "charset":
                try:
                    return codecs.lookup(value.strip('"')).name
                except LookupError:
                    return "utf-8"
        return "utf-8"
    return None


def buffered_payload(status: int, headers: list[tuple[str, str]], body: bytes, pass_through: bool = False) -> bytes:
    """The Lambda result in buffered mode: an API Gateway REST proxy answer (all headers in
    multiValueHeaders, `headers` empty), or for a passed-through event the body read as JSON (null if it is not)."""
    grouped = _grouped(headers)
    charset = _text_charset(grouped)
    if pass_through:
        try:
            return json.dumps(json.loads(body.decode(charset, "replace")) if charset else None).encode()
        except ValueError:
            return b"null"
    text = body.decode(charset, "replace") if charset else base64.b64encode(body).decode()
    return json.dumps({"statusCode": status, "headers": {}, "multiValueHeaders": grouped, "body": text,
                       "isBase64Encoded": charset is None}, ensure_ascii=False).encode("utf-8")


def stream_prelude(status: int, headers: list[tuple[str, str]]) -> bytes:
    """The start of a streamed Lambda result: the metadata JSON (statusCode, headers with one value as a
    string and several as a list, Set-Cookie moved to cookies, Content-Type defaulted to
    application/octet-stream) and the 8 NUL bytes after it."""
    grouped = _grouped(headers)
    cookies = grouped.pop("set-cookie", [])
    grouped.setdefault("content-type", ["application/octet-stream"])
    meta = {"statusCode": status, "headers": {k: vs[0] if len(vs) == 1 else vs for k, vs in grouped.items()},
            "cookies": cookies}
    return json.dumps(meta, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + DELIMITER
