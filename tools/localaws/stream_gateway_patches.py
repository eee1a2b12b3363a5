"""Fix 45 (registered in patches.py): API Gateway REST response streaming (ResponseTransferMode STREAM).

`apigateway_response_streaming`: an integration keeps responseTransferMode (PutIntegration, CloudFormation
Integration.ResponseTransferMode) with its TimeoutInMillis, and the user-request route of invoke_patches.py
streams a STREAM method's Lambda output to the client as it comes; BUFFERED methods go on through fix 14
unchanged. The function's output comes from lwa_patches.open_stream (LWA functions stream, others come
in one piece). Tests: Tests/localaws/test_lwa_stream_fixes.py.

AWS references: https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode.html
(STREAM for HTTP_PROXY/AWS_PROXY, default BUFFERED, up to 15 minutes, idle timeouts),
.../response-transfer-mode-lambda.html (the response-streaming-invocations URI, output = metadata JSON,
8 NUL bytes, payload; streaming starts once valid metadata and the delimiter arrived; the metadata must
be within the first 16 KB), .../response-streaming-troubleshoot.html (a stream cut by a too short
integration timeout: "transfer closed with outstanding read data remaining").
"""
from __future__ import annotations

import base64
import json
import queue
import re
import time
import uuid
from typing import Any, Iterator

import invoke_patches as ip
import lwa_patches
from lwa_http import DELIMITER

STREAM_URI = re.compile(r"^arn:[^:]+:apigateway:[^:]+:lambda:path/2021-11-15/functions/"
                        r"(?P<arn>arn:(?P<partition>[^:]+):lambda:(?P<region>[^:]+):(?P<account>\d+):function:"
                        r"(?P<name>[^:/]+)(?::(?P<qualifier>[^/]+))?)/response-streaming-invocations$")
METADATA_LIMIT = 16 * 1024
DEFAULT_TIMEOUT_MS = 29000
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection"}


def check_integration(integration_type: str | None, uri: str | None, mode: str | None, timeout: Any) -> None:
    """AWS's checks of a transfer mode and timeout (BadRequestException); the messages follow AWS's where known."""
    from moto.apigateway.exceptions import BadRequestException

    if mode not in (None, "BUFFERED", "STREAM"):
        raise BadRequestException(f"Invalid ResponseTransferMode {mode}: must be BUFFERED or STREAM")
    if mode == "STREAM" and integration_type not in ("AWS_PROXY", "HTTP_PROXY"):
        raise BadRequestException("Invalid ResponseTransferMode. ResponseTransferMode STREAM is only supported for "
                                  "HTTP_PROXY and AWS_PROXY integrations.")
    if mode == "STREAM" and integration_type == "AWS_PROXY" and not STREAM_URI.match(uri or ""):
        raise BadRequestException("Invalid ResponseTransferMode. ResponseTransferMode STREAM is only supported for "
                                  "Lambda functions invoked by InvokeWithResponseStream for AWS_PROXY integrations.")
    if timeout is not None:
        limit = 900000 if mode == "STREAM" else 300000  # 300000 is BUFFERED's ceiling with a raised quota
        if not str(timeout).isdigit() or not 50 <= int(timeout) <= limit:
            raise BadRequestException(f"Timeout should be between 50 ms and {limit} ms")


def _next(source: Any, deadline: float) -> tuple[str, Any]:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    try:
        return source.items.get(timeout=remaining)
    except queue.Empty:
        raise TimeoutError from None


def _metadata(source: Any, deadline: float) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and the first body bytes from the function's output (API Gateway's 502/504 otherwise)."""
    buf = b""
    while DELIMITER not in buf[:METADATA_LIMIT + len(DELIMITER)]:
        if len(buf) > METADATA_LIMIT + len(DELIMITER):
            raise ip._bad_gateway("Malformed Lambda streaming response: no metadata delimiter (8 NUL bytes) within the "
                                  "first 16 KB; a STREAM integration needs metadata JSON, 8 NULs, then the body")
        try:
            kind, value = _next(source, deadline)
        except TimeoutError:
            raise ip.GatewayError(504, "Endpoint request timed out", "InternalServerErrorException",
                                  "integration timeout before the response metadata", "INTEGRATION_TIMEOUT") from None
        if kind == "data":
            buf += value
        elif kind == "error":
            raise ip._bad_gateway(f"Lambda function error: {(value or b'')[:300]!r}")
        else:
            raise ip._bad_gateway("Malformed Lambda streaming response: the output "
                                  f"{'ended' if kind == 'end' else 'was cut'} without the metadata delimiter (8 NUL "
                                  f"bytes): {buf[:200]!r}; a function that answers a buffered proxy response needs BUFFERED")
    meta_raw, _, rest = buf.partition(DELIMITER)
    try:
        meta = json.loads(meta_raw)
        status = meta["statusCode"]
        if not isinstance(status, int) or isinstance(status, bool):
            raise TypeError("statusCode is not an integer")
        hdrs, multi = meta.get("headers") or {}, meta.get("multiValueHeaders") or {}
        cookies = meta.get("cookies") or []
        if not isinstance(hdrs, dict) or not isinstance(multi, dict) or not isinstance(cookies, list):
            raise TypeError("headers, multiValueHeaders or cookies of the wrong type")
    except (ValueError, KeyError, TypeError) as exc:
        raise ip._bad_gateway(f"Malformed Lambda streaming response metadata: {exc}") from exc

    def values(v: Any) -> list[str]:
        return [str(x) for x in v] if isinstance(v, list) else [str(v)]

    headers = [(k, x) for k, v in hdrs.items() if k not in multi for x in values(v)]
    headers += [(k, x) for k, v in multi.items() for x in values(v)]
    headers = [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP]  # the body goes out chunked
    headers += [("Set-Cookie", str(c)) for c in cookies]
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return status, headers, rest


class StreamBody:
    """The body iterable handed to werkzeug: each piece of the function's output is written (and
    flushed) as it arrives. A cut stream (function timeout, integration timeout, the app gone) raises
    ConnectionAbortedError, which makes werkzeug drop the connection without the last chunk, as AWS
    does ("transfer closed with outstanding read data remaining")."""

    def __init__(self, source: Any, first: bytes, deadline: float, label: str) -> None:
        self.source, self.first, self.deadline, self.label = source, first, deadline, label

    def __iter__(self) -> Iterator[bytes]:
        if self.first:
            yield self.first
        while True:
            try:
                kind, value = _next(self.source, self.deadline)
            except TimeoutError:
                kind, value = "cut", "the integration timeout (TimeoutInMillis) passed"
            if kind == "data":
                if value:
                    yield value
            elif kind == "end":
                return
            else:
                ip._log(f"apigateway: {self.label}: stream cut: {value if kind == 'cut' else 'function error'}")
                self.close()
                raise ConnectionAbortedError(f"localaws: stream cut: {value}")

    def close(self) -> None:
        self.source.close()


def _stream_method(api_id: str, path: str, method: str) -> bool:
    try:
        _backend, api = ip._find_api(api_id)
        res, _ = ip._match_resource(api, path)
    except ip.GatewayError:
        return False
    m = res.resource_methods.get(method) or res.resource_methods.get("ANY")
    integ = getattr(m, "method_integration", None)
    return getattr(integ, "response_transfer_mode", None) == "STREAM"


def serve_stream_request(req: Any, api_id: str, stage: str, path: str) -> tuple[int, list[tuple[str, str]], Any]:
    """API Gateway's answer to one request on a STREAM method: the same checks in the same order as
    invoke_patches.serve_user_request (its functions, so authorizers, keys, usage plans and gateway
    responses apply as there), then the function's output streamed."""
    from moto.awslambda.models import lambda_backends

    request_id = str(uuid.uuid4())
    base_headers = [("x-amzn-RequestId", request_id), ("x-amz-apigw-id", base64.b64encode(uuid.uuid4().bytes[:12]).decode())]
    method = req.method.upper()
    label = f"{method} /restapis/{api_id}/{stage}/_user_request_{path}"
    try:
        backend, api = ip._find_api(api_id)
        stage_obj = api.stages.get(stage)
        if stage_obj is None:
            raise ip._forbidden(f"no stage {stage} on {api_id}")
        res, params = ip._match_resource(api, path)
        m = res.resource_methods.get(method) or res.resource_methods.get("ANY")
        if m is None:
            raise ip._missing_token(f"no {method} method on {res.get_path()}")
        key, authorizer = ip.authorize(req, backend, api, stage, res, m, path, request_id)
        integ = m.method_integration
        if integ.integration_type != "AWS_PROXY":
            raise ip._internal(f"localaws: STREAM is emulated for AWS_PROXY to Lambda only, not {integ.integration_type}")
        uri = STREAM_URI.match(integ.uri or "")
        if uri is None:
            raise ip._internal(f"localaws: a STREAM AWS_PROXY URI must end in /response-streaming-invocations: {integ.uri}")
        lam = lambda_backends[uri["account"]][uri["region"]]
        try:
            fn = lam.get_function(uri["name"], uri["qualifier"])
        except Exception as exc:  # noqa: BLE001 - AWS: 500 with "Invalid ... function" in the execution log
            raise ip._internal(f"Lambda function {uri['arn']} not found: {type(exc).__name__}") from exc
        source_arn = (f"arn:{uri['partition']}:execute-api:{api.region_name}:{api.account_id}:{api.id}/{stage}/"
                      f"{'*' if m.http_method == 'ANY' else m.http_method}{res.get_path()}")
        if not ip._permitted(fn, source_arn):  # InvokeWithResponseStream needs lambda:InvokeFunction too
            raise ip._internal(f"Invalid permissions on Lambda function: no policy statement lets "
                               f"apigateway.amazonaws.com invoke {uri['arn']} from {source_arn}")
        event = ip._proxy_event(req, api, stage_obj, stage, res, method, path, params, key, request_id, authorizer)
        deadline = time.monotonic() + int(integ.timeout_in_millis or DEFAULT_TIMEOUT_MS) / 1000
        source = lwa_patches.open_stream(lam, fn, uri["name"], uri["qualifier"], json.dumps(event))
        try:
            status, headers, first = _metadata(source, deadline)
        except ip.GatewayError:
            source.close()
            raise
        return status, headers + base_headers, StreamBody(source, first, deadline, label)
    except ip.GatewayError as err:
        ip._log(f"apigateway: {label} -> {err.status}: {err.reason}")
        status, headers, body = ip.gateway_error_answer(err, api_id, stage, request_id)
        return status, headers + [("x-amzn-ErrorType", err.error_type),
                                  ("x-localaws-reason", err.reason[:200])] + base_headers, body


def apigateway_response_streaming() -> None:
    """Integrations keep ResponseTransferMode, and STREAM methods stream the Lambda output to the client.

    moto 5.2.1 drops responseTransferMode (PutIntegration, and CloudFormation's Integration, where it
    drops TimeoutInMillis too), so GetMethod/GetIntegration never show STREAM and the user-request route
    answers a response-streaming-invocations URI with 500. Now the mode is kept and returned (BUFFERED
    when unset), checked as AWS does (STREAM only for AWS_PROXY/HTTP_PROXY, and for AWS_PROXY only with
    the .../2021-11-15/functions/ARN/response-streaming-invocations URI; TimeoutInMillis 50-900000 with
    STREAM, 50-300000 otherwise). A STREAM method's request passes fix 14's checks (resource, method,
    authorizer, API key, usage plan, Lambda permission; errors through the gateway responses), the
    function gets the same payload 1.0 event, and its output is read as metadata JSON (statusCode,
    headers, multiValueHeaders, cookies) + 8 NUL bytes + body: status and headers from the metadata,
    the body sent chunked (no Content-Length) piece by piece as the function writes it. No delimiter
    within 16 KB (e.g. a function that answers a buffered proxy response), bad metadata or a function
    error before it: 502 "Internal server error" with x-localaws-reason (AWS documents no other
    answer for this). Nothing before TimeoutInMillis (default 29000): 504; a stream still running at
    TimeoutInMillis, or cut by the function timeout, ends without its last chunk. Not emulated:
    HTTP_PROXY streaming, the idle timeouts, the 2 MB/s limit after 10 MB, UpdateIntegration.
    """
    from moto.apigateway.models import Integration, Method
    from moto.apigateway.responses import APIGatewayResponse
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from werkzeug.wrappers import Request, Response

    from cfn_support import _wrap_cfn_create

    original_to_json = Integration.to_json

    def to_json(self: Any) -> dict[str, Any]:
        out = original_to_json(self)
        out["responseTransferMode"] = getattr(self, "response_transfer_mode", None) or "BUFFERED"
        return out

    Integration.to_json = to_json
    original_put = APIGatewayResponse.put_integration

    def put_integration(self: Any) -> Any:
        mode = self._get_param("responseTransferMode")
        check_integration(self._get_param("type"), self._get_param("uri"), mode, self._get_param("timeoutInMillis"))
        status, headers, _body = original_put(self)
        parts = self.path.split("/")
        integ = self.backend.get_integration(parts[2], parts[4], parts[6])
        integ.response_transfer_mode = mode or "BUFFERED"
        return status, headers, json.dumps(integ.to_json())

    APIGatewayResponse.put_integration = put_integration

    def method_after(m: Any, p: dict[str, Any], a: str, r: str) -> None:
        spec = p.get("Integration") or {}
        mode, timeout = spec.get("ResponseTransferMode"), spec.get("TimeoutInMillis")
        check_integration(spec.get("Type"), spec.get("Uri"), mode, timeout)
        if m.method_integration is not None:
            m.method_integration.response_transfer_mode = mode or "BUFFERED"
            if timeout is not None:
                m.method_integration.timeout_in_millis = int(timeout)

    _wrap_cfn_create(Method, method_after)

    def method_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                      account_id: str, region_name: str) -> Any:
        # moto has no update for a Method (a changed Integration was ignored): put it again, as
        # CloudFormation updates it in place; a new API, resource or verb replaces it
        from moto.apigateway.models import apigateway_backends

        p = cloudformation_json["Properties"]
        backend = apigateway_backends[account_id][region_name]
        where = next(((api.id, res.id, verb) for api in backend.apis.values() for res in api.resources.values()
                      for verb, mm in res.resource_methods.items() if mm is original_resource), None)
        new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        if where is not None and where != (p["RestApiId"], p["ResourceId"], p["HttpMethod"]):
            backend.delete_method(*where)
        return new

    Method.update_from_cloudformation_json = classmethod(method_update)
    inner_call = DomainDispatcherApplication.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        path_info = environ.get("PATH_INFO", "")
        if isinstance(path_info, bytes):
            path_info = path_info.decode("utf-8")
        m = ip.USER_REQUEST.match(path_info)
        if m is None or not _stream_method(m["api"], m["path"] or "/", environ.get("REQUEST_METHOD", "GET").upper()):
            return inner_call(self, environ, start_response)
        req = Request(environ)
        try:
            status, headers, body = serve_stream_request(req, m["api"], m["stage"], m["path"] or "/")
        except Exception as exc:  # noqa: BLE001 - a bug here must answer, not drop the connection
            ip._log(f"apigateway: internal error: {type(exc).__name__}: {exc}")
            status, headers, body = 500, [("Content-Type", "application/json")], \
                json.dumps({"message": "Internal server error"}).encode()
        return Response(body, status=status, headers=headers)(environ, start_response)

    DomainDispatcherApplication.__call__ = __call__
