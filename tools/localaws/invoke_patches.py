"""Fixes 13-14 (registered in patches.py): the deployed API answers on the local AWS.

- `lambda_invoke_subprocess`: Lambda Invoke runs a Python function in a subprocess (moto needs Docker).
- `apigateway_proxy_to_lambda`: `{endpoint}/restapis/{api_id}/{stage}/_user_request_/{path}` plays
  API Gateway for a deployed REST API: resource + method match, API key + usage plan check, Lambda
  permission check, AWS_PROXY (payload 1.0) to the function through the first fix.

Kept apart from patches.py because they add behaviour (a request path, a process runner) rather than
correct moto's; patches.py registers them like every other fix.
"""
from __future__ import annotations

import base64
import fnmatch
import io
import json
import os
import re
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
