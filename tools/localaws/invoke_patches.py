"""Fix 14 (registered in patches.py): the deployed API answers on the local AWS.

`apigateway_proxy_to_lambda`: `{endpoint}/restapis/{api_id}/{stage}/_user_request_/{path}` plays
API Gateway for a deployed REST API: resource + method match, API key + usage plan check, Lambda
permission check, AWS_PROXY (payload 1.0) to the function through fix 13 (lambda_invoke_patches.py).
Fixes 34-36 (authorizer_patches.py, gateway_patches.py) replace or wrap this module's `authorize` and
`gateway_error_answer`; fix 45 (stream_gateway_patches.py) reuses its steps for STREAM methods.

Kept apart from patches.py because it adds behaviour (a request path) rather than correcting moto's.
"""
from __future__ import annotations

import base64
import fnmatch
import json
import re
import time
import uuid
from typing import Any

from lambda_invoke_patches import _header, _log


# --------------------------------------------------------------------------------------------
# 14. API Gateway: the user-request route of a deployed REST API, AWS_PROXY to Lambda
# --------------------------------------------------------------------------------------------
USER_REQUEST = re.compile(r"^/restapis/(?P<api>[^/]+)/(?P<stage>[^/]+)/_user_request_(?P<path>/.*)?$")
_LAMBDA_URI = re.compile(r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/"
                         r"(?P<arn>arn:(?P<partition>[^:]+):lambda:(?P<region>[^:]+):(?P<account>\d+):function:"
                         r"(?P<name>[^:/]+)(?::(?P<qualifier>[^/]+))?)/invocations$")


class GatewayError(Exception):
    """An answer API Gateway itself gives (never reaches the integration).

    `response_type` is the gateway response type that shapes it (INVALID_API_KEY ...; DEFAULT_4XX or
    DEFAULT_5XX when none is more specific), for the API's gateway responses (authorizer_patches.py).
    """

    def __init__(self, status: int, message: str, error_type: str, reason: str, response_type: str | None = None) -> None:
        super().__init__(reason)
        self.status, self.message, self.error_type, self.reason = status, message, error_type, reason
        self.response_type = response_type or ("DEFAULT_4XX" if status < 500 else "DEFAULT_5XX")


def _forbidden(reason: str, response_type: str | None = None) -> GatewayError:
    return GatewayError(403, "Forbidden", "ForbiddenException", reason, response_type)


def _missing_token(reason: str) -> GatewayError:
    return GatewayError(403, "Missing Authentication Token", "MissingAuthenticationTokenException", reason,
                        "MISSING_AUTHENTICATION_TOKEN")


def _internal(reason: str) -> GatewayError:
    return GatewayError(500, "Internal server error", "InternalServerErrorException", reason)


def _bad_gateway(reason: str) -> GatewayError:
    return GatewayError(502, "Internal server error", "InternalServerErrorException", reason)


def _find_api(api_id: str) -> tuple[Any, Any]:
    from moto.apigateway.models import apigateway_backends

    for _account, per_region in list(apigateway_backends.items()):
        for _region, backend in list(dict.items(per_region)):
            if api_id in backend.apis:
                return backend, backend.apis[api_id]
    raise _forbidden(f"no REST API {api_id}")


def match_path(template: str, path: str) -> dict[str, str] | None:
    """Path parameters when `path` matches a resource path like /a/{id}/{proxy+}, else None."""
    tparts = [p for p in template.split("/") if p]
    parts = [p for p in path.split("/") if p]
    params: dict[str, str] = {}
    for i, t in enumerate(tparts):
        if t.startswith("{") and t.endswith("+}"):
            if i != len(tparts) - 1 or len(parts) <= i:
                return None
            params[t[1:-2]] = "/".join(parts[i:])
            return params
        if i >= len(parts):
            return None
        if t.startswith("{") and t.endswith("}"):
            params[t[1:-1]] = parts[i]
        elif t != parts[i]:
            return None
    return params if len(parts) == len(tparts) else None


def _match_resource(api: Any, path: str) -> tuple[Any, dict[str, str]]:
    best = None
    for res in api.resources.values():
        params = match_path(res.get_path(), path)
        if params is None:
            continue
        tpl = res.get_path()
        score = (tpl.count("+}"), tpl.count("{"))  # literal beats {param} beats {proxy+}
        if best is None or score < best[0]:
            best = (score, res, params)
    if best is None:
        raise _missing_token(f"no resource for {path}")
    return best[1], best[2]


def _check_api_key(backend: Any, api: Any, stage: str, value: str | None) -> Any:
    """The enabled API key with this value that a usage plan of api/stage holds, else 403."""
    if not value:
        raise _forbidden("no x-api-key header", "INVALID_API_KEY")
    key = next((k for k in backend.keys.values() if k.value == value), None)
    if key is None:
        raise _forbidden("no API key has this value", "INVALID_API_KEY")
    if str(key.enabled).lower() != "true":
        raise _forbidden(f"API key {key.id} is disabled", "INVALID_API_KEY")
    for plan in backend.usage_plans.values():
        on_stage = any(s.get("apiId") == api.id and s.get("stage") == stage for s in plan.api_stages or [])
        if on_stage and key.id in backend.usage_plan_keys.get(plan.id, {}):
            return key
    raise _forbidden(f"API key {key.id} is on no usage plan of {api.id}/{stage}", "INVALID_API_KEY")


def authorize(req: Any, backend: Any, api: Any, stage: str, res: Any, m: Any, path: str,
              request_id: str) -> tuple[Any, dict[str, Any] | None]:
    """The method's authorization and API key check: (API key or None, requestContext.authorizer or None).

    Here only authorizationType NONE and header-sourced keys; authorizer_patches.py replaces this
    function to run Lambda authorizers (its fix `apigateway_lambda_authorizers`).
    """
    if (m.authorization_type or "NONE") != "NONE":
        raise _internal(f"localaws: authorizationType {m.authorization_type} is not emulated")
    key = None
    if m.api_key_required and (api.api_key_source or "HEADER") == "HEADER":
        key = _check_api_key(backend, api, stage, _header(req.headers, "x-api-key"))
    return key, None


def gateway_error_answer(err: GatewayError, api_id: str, stage: str, request_id: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """API Gateway's own answer for `err`: status, headers (without the request ids), body.

    Here API Gateway's built-in `{"message": ...}`; authorizer_patches.py replaces this function to
    apply the API's gateway responses (its fix `apigateway_gateway_responses`).
    """
    return err.status, [("Content-Type", "application/json")], json.dumps({"message": err.message}).encode()


def _permitted(fn: Any, source_arn: str) -> bool:
    """Does the function's resource policy let apigateway.amazonaws.com invoke it from `source_arn`?"""
    for st in getattr(fn.policy, "statements", []) or []:
        if st.get("Effect", "Allow") != "Allow":
            continue
        principal = st.get("Principal")
        services = principal.get("Service") if isinstance(principal, dict) else principal
        services = services if isinstance(services, list) else [services]
        if "apigateway.amazonaws.com" not in services and "*" not in services:
            continue
        actions = st.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if not any(a in ("lambda:InvokeFunction", "lambda:*", "*") for a in actions):
            continue
        cond = (st.get("Condition") or {}).get("ArnLike", {}).get("AWS:SourceArn")
        if cond is None or any(fnmatch.fnmatchcase(source_arn, c.replace("[", "[[]"))
                               for c in (cond if isinstance(cond, list) else [cond])):
            return True
    return False


def _proxy_event(req: Any, api: Any, stage_obj: Any, stage: str, res: Any, method: str, path: str,
                 params: dict[str, str], key: Any, request_id: str,
                 authorizer: dict[str, Any] | None = None) -> dict[str, Any]:
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for k, v in req.headers.items():
        headers[k] = v
        multi_headers.setdefault(k, []).append(v)
    query = {k: req.args.getlist(k)[-1] for k in req.args.keys()} or None
    multi_query = {k: req.args.getlist(k) for k in req.args.keys()} or None
    raw = req.get_data(cache=True)
    if not raw:
        body, b64 = None, False
    else:
        try:
            body, b64 = raw.decode("utf-8"), False
        except UnicodeDecodeError:
            body, b64 = base64.b64encode(raw).decode(), True
    now = time.time()
    host = headers.get("Host", "")
    return {
        "resource": res.get_path(), "path": path, "httpMethod": method,
        "headers": headers or None, "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query, "multiValueQueryStringParameters": multi_query,
        "pathParameters": params or None, "stageVariables": dict(stage_obj.variables or {}) or None,
        "requestContext": {
            "resourceId": res.id, "resourcePath": res.get_path(), "httpMethod": method,
            "extendedRequestId": request_id, "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{stage}{path}", "accountId": api.account_id, "protocol": req.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "stage": stage, "domainPrefix": api.id, "requestTimeEpoch": int(now * 1000), "requestId": request_id,
            "identity": {"cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None, "caller": None,
                         "sourceIp": req.remote_addr, "principalOrgId": None, "accessKey": None,
                         "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None, "userArn": None,
                         "userAgent": headers.get("User-Agent"), "user": None,
                         "apiKey": key.value if key is not None else None,
                         "apiKeyId": key.id if key is not None else None},
            "domainName": host, "apiId": api.id,
            **({"authorizer": authorizer} if authorizer is not None else {}),
        },
        "body": body, "isBase64Encoded": b64,
    }


def serve_user_request(req: Any, api_id: str, stage: str, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """API Gateway's answer to one request on a deployed REST API (status, headers, body)."""
    from moto.awslambda.models import lambda_backends

    request_id = str(uuid.uuid4())
    base_headers = [("x-amzn-RequestId", request_id), ("x-amz-apigw-id", base64.b64encode(uuid.uuid4().bytes[:12]).decode())]
    method = req.method.upper()
    try:
        backend, api = _find_api(api_id)
        stage_obj = api.stages.get(stage)
        if stage_obj is None:
            raise _forbidden(f"no stage {stage} on {api_id}")
        res, params = _match_resource(api, path)
        m = res.resource_methods.get(method) or res.resource_methods.get("ANY")
        if m is None:
            raise _missing_token(f"no {method} method on {res.get_path()}")
        key, authorizer = authorize(req, backend, api, stage, res, m, path, request_id)
        integ = m.method_integration
        if integ is None or integ.integration_type != "AWS_PROXY":
            raise _internal(f"localaws: {getattr(integ, 'integration_type', 'no')} integration is not emulated "
                            "(only AWS_PROXY to Lambda)")
        uri = _LAMBDA_URI.match(integ.uri or "")
        if uri is None:
            raise _internal(f"localaws: AWS_PROXY URI is not a Lambda function: {integ.uri}")
        try:
            fn = lambda_backends[uri["account"]][uri["region"]].get_function(uri["name"], uri["qualifier"])
        except Exception as exc:  # noqa: BLE001 - AWS: 500 with "Invalid ... function" in the execution log
            raise _internal(f"Lambda function {uri['arn']} not found: {type(exc).__name__}") from exc
        source_arn = (f"arn:{uri['partition']}:execute-api:{api.region_name}:{api.account_id}:{api.id}/{stage}/"
                      f"{'*' if m.http_method == 'ANY' else m.http_method}{res.get_path()}")
        if not _permitted(fn, source_arn):
            raise _internal(f"Invalid permissions on Lambda function: no policy statement lets "
                            f"apigateway.amazonaws.com invoke {uri['arn']} from {source_arn}")
        event = _proxy_event(req, api, stage_obj, stage, res, method, path, params, key, request_id, authorizer)
        response_headers: dict[str, str] = {}
        payload = lambda_backends[uri["account"]][uri["region"]].invoke(
            uri["name"], uri["qualifier"], json.dumps(event), {"x-amz-invocation-type": "RequestResponse"},
            response_headers)
        if response_headers.get("x-amz-function-error"):
            raise _bad_gateway(f"Lambda function error: {(payload or b'')[:300]!r}")
        try:
            out = json.loads(payload or b"null")
            status = int(out["statusCode"])
            body = out.get("body")
            if body is not None and not isinstance(body, str):
                raise TypeError("body is not a string")
            hdrs = out.get("headers") or {}
            multi = out.get("multiValueHeaders") or {}
            if not isinstance(hdrs, dict) or not isinstance(multi, dict):
                raise TypeError("headers are not objects")
        except (ValueError, KeyError, TypeError) as exc:
            raise _bad_gateway(f"Malformed Lambda proxy response: {exc}") from exc
        data = (base64.b64decode(body) if out.get("isBase64Encoded") else body.encode()) if body else b""
        headers = [(k, str(v)) for k, v in hdrs.items() if k not in multi]
        headers += [(k, str(v)) for k, vs in multi.items() for v in (vs if isinstance(vs, list) else [vs])]
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "application/json"))
        return status, headers + base_headers, data
    except GatewayError as err:
        _log(f"apigateway: {method} /restapis/{api_id}/{stage}/_user_request_{path} -> {err.status}: {err.reason}")
        status, headers, body = gateway_error_answer(err, api_id, stage, request_id)
        return status, headers + [("x-amzn-ErrorType", err.error_type),
                                  ("x-localaws-reason", err.reason[:200])] + base_headers, body


def apigateway_proxy_to_lambda() -> None:
    """`{endpoint}/restapis/{api_id}/{stage}/_user_request_/{path}` answers as the deployed REST API.

    moto 5.2.1 serves deployed APIs only in-process (its `responses` mock of execute-api URLs, with
    HTTP and AWS integrations but no AWS_PROXY to Lambda); its server has no route for them: such a
    request falls through to S3. This is the route LocalStack uses. Any method; the request is not
    SigV4-checked (real clients do not sign API Gateway calls). Order as on AWS: API + stage
    (else 403 Forbidden), resource by path ({param}, {proxy+}; else 403 "Missing Authentication
    Token"), method or ANY (same), apiKeyRequired: `x-api-key` must be an enabled key on a usage plan of
    this API + stage (else 403 Forbidden), then the function's resource policy must let
    apigateway.amazonaws.com invoke it from arn:...:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH
    (else 500), then an AWS_PROXY payload 1.0 event goes to the function (through
    lambda_invoke_subprocess) and its statusCode/headers/multiValueHeaders/body (isBase64Encoded) are the
    answer; a function error or a malformed answer is 502 {"message": "Internal server error"}.
    Gateway errors carry x-amzn-ErrorType and (localaws only) x-localaws-reason, and are logged.
    Authorizers, key sources other than HEADER and gateway responses: authorizer_patches.py (it
    replaces `authorize` and `gateway_error_answer`). Not emulated: non-Lambda integrations,
    deployment snapshots (the live resources answer), the 29 s integration timeout.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from werkzeug.wrappers import Request, Response

    original_call = DomainDispatcherApplication.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        path_info = environ.get("PATH_INFO", "")
        if isinstance(path_info, bytes):
            path_info = path_info.decode("utf-8")
        m = USER_REQUEST.match(path_info)
        if m is None:
            return original_call(self, environ, start_response)
        req = Request(environ)
        try:
            status, headers, body = serve_user_request(req, m["api"], m["stage"], m["path"] or "/")
        except Exception as exc:  # noqa: BLE001 - a bug here must answer, not drop the connection
            _log(f"apigateway: internal error: {type(exc).__name__}: {exc}")
            status, headers, body = 500, [("Content-Type", "application/json")], \
                json.dumps({"message": "Internal server error"}).encode()
        return Response(body, status=status, headers=headers)(environ, start_response)

    DomainDispatcherApplication.__call__ = __call__
