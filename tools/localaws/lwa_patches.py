"""Fix 44 (registered in patches.py): functions behind the AWS Lambda Web Adapter (LWA) layer run as on AWS.

`lambda_web_adapter`: CreateFunction and CloudFormation accept AWS's public LWA layers, and a function
with such a layer and AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap runs its web app: the layer's bootstrap
execs the handler script from the unzipped code, the adapter waits until the app is ready, sends it the
event as an HTTP request and turns its answer into the Lambda result, buffered or streamed
(AWS_LWA_INVOKE_MODE). `open_stream` gives fix 45 (stream_gateway_patches.py) a function's output as it
comes. The event/answer translation is in lwa_http.py. Tests: Tests/localaws/test_lwa_stream_fixes.py.

AWS references: LWA's source (awslabs/aws-lambda-web-adapter src/lib.rs, layer/bootstrap,
docs/guide/src/getting-started/zip-packages.md for the layer ARNs), deployment package permissions
(https://repost.aws/knowledge-center/lambda-deployment-package-errors: global read is required).
"""
from __future__ import annotations

import base64
import json
import re
import threading
from typing import Any

import lambda_invoke_patches as li
import lwa_http
from lwa_invocation import BufferedSource, Invocation

_LAYER = re.compile(r"^arn:(?P<partition>aws|aws-cn):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):layer:"
                    r"LambdaAdapterLayer(?:X86|Arm64):(?P<version>\d+)$")
# the publishing accounts (zip-packages.md): one for the commercial partition, one per China region
_PUBLISHERS = {"aws": lambda region: "753240598075",
               "aws-cn": lambda region: {"cn-north-1": "041581134020", "cn-northwest-1": "069767869989"}.get(region)}


def layer_version(arn: str, region: str) -> int | None:
    """The version of an AWS-published LWA layer usable in `region` (1-26), else None."""
    m = _LAYER.match(arn or "")
    if m is None or m["region"] != region or _PUBLISHERS[m["partition"]](region) != m["account"]:
        return None
    version = int(m["version"])
    return version if 1 <= version <= lwa_http.LATEST_LAYER_VERSION else None


def lwa_version(fn: Any) -> int | None:
    """The LWA layer version a function runs with: it has the layer and the exec wrapper."""
    if (fn.environment_vars or {}).get("AWS_LAMBDA_EXEC_WRAPPER") != "/opt/bootstrap":
        return None
    versions = [layer_version(layer.get("Arn", ""), fn.region) for layer in fn.layers or []]
    return next((v for v in versions if v), None)


def open_stream(backend: Any, fn: Any, name: str, qualifier: str | None, event_json: str) -> Any:
    """The function's output for a response-streaming invocation: an object with `items` (a queue of
    ("data"|"end"|"error"|"cut", value)) and `close()`. LWA functions stream; others come in one piece."""
    version = lwa_version(fn)
    if version is not None:
        return Invocation(fn, event_json, version).start()
    return BufferedSource(backend, name, qualifier, event_json)


def lambda_web_adapter() -> None:
    """AWS's public Lambda Web Adapter layers are accepted, and functions using them run their web app.

    moto 5.2.1 answers CreateFunction with an unknown layer ARN (one not published in the caller's
    own account, as AWS's LambdaAdapterLayerX86/Arm64 of account 753240598075 are not) with 404
    ResourceNotFoundException, and its CloudFormation handler drops `Layers`. Now those layers
    (versions 1-26, the function's region; aws-cn from the China publishers) are kept in the function
    configuration (Arn only: their code size is unknown here), from the API and from templates, also
    on update. A function with such a layer and AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap runs as LWA 1.0.0:
    the code is unzipped with its Unix modes (world bits, as Lambda's runtime user), the layer's
    bootstrap execs `$LAMBDA_TASK_ROOT/$_HANDLER` (not executable: bash's "Permission denied" in the log,
    Runtime.ExitError exit status 126), with the function's environment plus the reserved variables and
    the runner key as fix 13 sets them and this Python's bin directory first on PATH. Deviation:
    AWS_LWA_PORT and PORT are set to a free port (parallel tests), so the app must listen on
    $AWS_LWA_PORT. The readiness check follows AWS_LWA_READINESS_CHECK_PATH/PROTOCOL/HEALTHY_STATUS
    (default GET / every 10 ms, 100-499 healthy; MIN_UNHEALTHY_STATUS for layers <= 25); not ready in
    10 s: INIT_REPORT timeout and the check goes on within the function timeout. Then the event becomes
    an HTTP request (lwa_http.app_request) and the answer the result: buffered, an API Gateway proxy
    answer; response_stream, the metadata prelude, 8 NUL bytes and the body (Invoke returns those bytes).
    One process per invocation, its group killed after the answer or at the timeout (Sandbox.Timedout);
    the app's output goes to the function's log group. Not emulated: AWS_LWA_ENABLE_COMPRESSION,
    AWS_LWA_ERROR_STATUS_CODES, async init, HTTP API/ALB events, reusing a warm process.
    """
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.models import LambdaFunction

    from cfn_support import _wrap_cfn_create

    original_layers = LambdaFunction._get_layers_data

    def _get_layers_data(self: Any, arns: list[str]) -> list[dict[str, Any]]:
        ours = {a for a in arns if layer_version(a, self.region)}
        others = iter(original_layers(self, [a for a in arns if a not in ours]) if len(ours) < len(arns) else [])
        return [{"Arn": a} if a in ours else next(others) for a in arns]

    LambdaFunction._get_layers_data = _get_layers_data

    def function_after(fn: Any, p: dict[str, Any], a: str, r: str) -> None:
        if p.get("Layers"):
            fn.layers = fn._get_layers_data(list(p["Layers"]))

    _wrap_cfn_create(LambdaFunction, function_after)
    original_update = LambdaFunction.update_from_cloudformation_json.__func__

    def update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
               account_id: str, region_name: str) -> Any:
        fn = original_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        if not (cloudformation_json.get("Properties") or {}).get("Layers"):
            fn.layers = []  # a template without Layers: the function has none
        return fn

    LambdaFunction.update_from_cloudformation_json = classmethod(update)
    original_invoke = LambdaFunction.invoke

    def invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> str | bytes:
        version = lwa_version(self)
        if version is None:
            return original_invoke(self, body, request_headers, response_headers)
        try:
            event_json = json.dumps(json.loads(body)) if body else "{}"
        except ValueError:
            raise LambdaClientError("InvalidRequestContentException",
                                    "Could not parse request body into json: Unexpected character")
        inv_type = li._header(request_headers, "x-amz-invocation-type", "RequestResponse")
        if inv_type == "DryRun":
            return b""
        run = Invocation(self, event_json, version).start()
        if inv_type == "Event":
            threading.Thread(target=run.collect, daemon=True).start()
            return b""
        payload, errored = run.collect()
        run.done.wait(30)
        if errored:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-executed-version"] = str(self.version)
        response_headers["x-amz-log-result"] = base64.b64encode(run.log.encode()[-4096:]).decode()
        return payload

    LambdaFunction.invoke = invoke
