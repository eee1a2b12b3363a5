"""Fixes 44-45 (tools/localaws/lwa_patches.py, lwa_invocation.py, lwa_http.py, stream_gateway_patches.py):
functions behind the Lambda Web Adapter layer, API Gateway REST response streaming; each failing with
the fix disabled, working with it.

The app is a tiny stdlib http.server script (lwa_support.APP, mode 0755 in a zip built there) that
listens on $AWS_LWA_PORT, answers /healthz, echoes what it received (GET, POST /events, /echo...) and
streams server-sent events on any other POST (`pause` seconds between the first event and the rest). One CloudFormation
stack (boto3 create_stack, as slmstack deploys) runs it as on AWS: code from S3, the public LWA layer,
AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap, AWS_LWA_INVOKE_MODE=response_stream, and an API whose chat
route is STREAM (response-streaming-invocations URI, TimeoutInMillis 900000) beside BUFFERED routes.
Clients: boto3 for the control plane, http.client reading the stream as it comes.
"""
from __future__ import annotations

import base64
import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any, Iterator

import pytest
from botocore.exceptions import ClientError

from localaws_support import LocalAws, started, unique
from lwa_support import (LAYER, PLAIN_FN, app_zip, log_text, lwa_env, make_lwa_function, rest_event, stream,
                         upload_app)
from test_invoke import TRUST_LAMBDA, call, invoke, user_request_url


# ------------------------------------------------------------------------------------ the stack
def _template(bucket: str, key: str) -> dict[str, Any]:
    def lwa_function(timeout: int) -> dict[str, Any]:
        return {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.13", "Handler": "run.py", "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Timeout": timeout,
            "Code": {"S3Bucket": bucket, "S3Key": key},
            "Layers": [{"Fn::Sub": "arn:aws:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerX86:26"}],
            "Environment": {"Variables": lwa_env(AWS_LWA_INVOKE_MODE="response_stream")}}}

    def resource(parent: Any, part: str) -> dict[str, Any]:
        return {"Type": "AWS::ApiGateway::Resource", "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": parent, "PathPart": part}}

    def method(res: str, http_method: str, fn: str, stream: bool, key: bool = False, timeout: int = 900000) -> dict[str, Any]:
        path = ("2021-11-15/functions/${%s.Arn}/response-streaming-invocations" if stream
                else "2015-03-31/functions/${%s.Arn}/invocations") % fn
        integ: dict[str, Any] = {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
                                 "Uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/" + path}}
        if stream:
            integ.update(ResponseTransferMode="STREAM", TimeoutInMillis=timeout)
        return {"Type": "AWS::ApiGateway::Method", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": res}, "HttpMethod": http_method,
            "AuthorizationType": "NONE", "ApiKeyRequired": key, "Integration": integ}}

    def permission(fn: str) -> dict[str, Any]:
        return {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": [fn, "Arn"]}, "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"}}}

    def plan_key(key_name: str, plan: str) -> dict[str, Any]:
        return {"Type": "AWS::ApiGateway::UsagePlanKey",
                "Properties": {"KeyId": {"Ref": key_name}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": plan}}}

    root = {"Fn::GetAtt": ["Api", "RootResourceId"]}
    plan = {"ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "dev"}]}
    methods = ["ChatPost", "BufferedGet", "PlainStreamPost", "ShortPost"]
    return {"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST_LAMBDA}},
        "Fn": lwa_function(4), "LongFn": lwa_function(30),
        "Plain": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.13", "Handler": "index.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": PLAIN_FN}, "Timeout": 10}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": unique("stream")}},
        "V1": resource(root, "v1"), "Chat": resource({"Ref": "V1"}, "chat"),
        "Completions": resource({"Ref": "Chat"}, "completions"),
        "ChatPost": method("Completions", "POST", "Fn", True, key=True),
        "Buffered": resource(root, "buffered"), "BufferedGet": method("Buffered", "GET", "Plain", False),
        "PlainStream": resource(root, "plainstream"), "PlainStreamPost": method("PlainStream", "POST", "Plain", True),
        "Short": resource(root, "short"), "ShortPost": method("Short", "POST", "LongFn", True, timeout=3000),
        "FnPerm": permission("Fn"), "LongPerm": permission("LongFn"), "PlainPerm": permission("Plain"),
        "Default4xx": {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ResponseType": "DEFAULT_4XX",
            "ResponseTemplates": {"application/json": '{"oops":$context.error.messageString,"code":"$context.error.responseType"}'}}},
        "Dep": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": methods + ["Default4xx"],
                "Properties": {"RestApiId": {"Ref": "Api"}}},
        "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {
            "RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Dep"}, "StageName": "dev"}},
        "Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": True}},
        "QuotaKey": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": True}},
        "Plan": {"Type": "AWS::ApiGateway::UsagePlan", "DependsOn": "Stage", "Properties": plan},
        "QuotaPlan": {"Type": "AWS::ApiGateway::UsagePlan", "DependsOn": "Stage",
                      "Properties": {**plan, "Quota": {"Limit": 1, "Period": "DAY"}}},
        "PlanKey": plan_key("Key", "Plan"), "QuotaPlanKey": plan_key("QuotaKey", "QuotaPlan")},
        "Outputs": {"Url": {"Value": {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/dev/"}},
                    "Key": {"Value": {"Ref": "Key"}}, "QuotaKey": {"Value": {"Ref": "QuotaKey"}},
                    "Fn": {"Value": {"Ref": "Fn"}}, "Api": {"Value": {"Ref": "Api"}}}}


@dataclass
class StreamStack:
    la: LocalAws
    name: str
    out: dict[str, str]
    keys: dict[str, str]

    def url(self, route: str) -> str:
        return user_request_url(self.la.endpoint, self.out["Url"] + route)


def _deploy(la: LocalAws) -> StreamStack:
    bucket, key = upload_app(la)
    name = unique("lwa")
    st = la.deploy(name, _template(bucket, key))
    assert st["StackStatus"] == "CREATE_COMPLETE", st.get("StackStatusReason")
    out = {o["OutputKey"]: o["OutputValue"] for o in st["Outputs"]}
    ag = la.client("apigateway")
    keys = {k: ag.get_api_key(apiKey=out[k], includeValue=True)["value"] for k in ("Key", "QuotaKey")}
    return StreamStack(la, name, out, keys)


@pytest.fixture(scope="module")
def stack(localaws: LocalAws) -> Iterator[StreamStack]:
    st = _deploy(localaws)
    yield st
    localaws.client("cloudformation").delete_stack(StackName=st.name)


@pytest.fixture
def without(tmp_path_factory: pytest.TempPathFactory):
    """A server with one fix disabled, started for the test that asks."""
    @contextlib.contextmanager
    def make(fix_name: str) -> Iterator[LocalAws]:
        with started(tmp_path_factory.mktemp("without"), disable=fix_name) as la:
            yield la
    return make


# 44 -----------------------------------------------------------------------------------------
def test_lambda_web_adapter(localaws: LocalAws, without) -> None:
    with without("lambda_web_adapter") as la:
        with pytest.raises(ClientError, match="ResourceNotFoundException"):
            make_lwa_function(la, {"ZipFile": app_zip()}, lwa_env())

    bucket, key = upload_app(localaws)
    name = make_lwa_function(localaws, {"S3Bucket": bucket, "S3Key": key},
                             lwa_env(AWS_LWA_REMOVE_BASE_PATH="/base", CUSTOM="v"))
    conf = localaws.client("lambda").get_function_configuration(FunctionName=name)
    assert conf["Layers"] == [{"Arn": LAYER.format(region=localaws.env["AWS_REGION"])}]
    # buffered (the default mode): the app's answer as an API Gateway proxy answer
    event = rest_event("/base/echo path", multiValueQueryStringParameters={"a": ["1", "2"], "b": ["x y"]},
                       queryStringParameters={"a": "2", "b": "x y"})
    resp, out = invoke(localaws, name, event, LogType="Tail")
    assert "FunctionError" not in resp, out
    assert out["statusCode"] == 200 and out["headers"] == {} and out["isBase64Encoded"] is False
    assert out["multiValueHeaders"]["content-type"] == ["application/json"]
    seen = json.loads(out["body"])
    assert (seen["method"], seen["path"]) == ("GET", "/echo%20path?a=1&a=2&b=x+y")  # base path gone, query re-encoded
    assert seen["headers"]["x-twice"] == "second"  # `headers` wins over multiValueHeaders
    assert seen["headers"]["host"] == "abc.execute-api.us-east-1.amazonaws.com"
    ctx = json.loads(seen["headers"]["x-amzn-request-context"])
    assert list(ctx)[:3] == ["accountId", "resourceId", "stage"] and "extendedRequestId" not in ctx
    assert ctx["identity"]["sourceIp"] == "1.2.3.4" and ctx["identity"]["user"] is None and ctx["requestTimeEpoch"] == 5
    lctx = json.loads(seen["headers"]["x-amzn-lambda-context"])
    assert lctx["env_config"]["function_name"] == name and lctx["invoked_function_arn"] == conf["FunctionArn"]
    # a POST with a base64 body; a non-HTTP event is passed through to POST /events
    post = rest_event("/base/echo", "POST", base64.b64encode(b'{"x": 1}').decode(), isBase64Encoded=True)
    assert json.loads(json.loads(invoke(localaws, name, post)[1]["body"])["body"]) == {"x": 1}
    _resp, out = invoke(localaws, name, {"ping": 1})  # the result is the app's answer read as JSON
    assert (out["method"], out["path"], json.loads(out["body"])) == ("POST", "/events", {"ping": 1}), out
    assert out["headers"]["content-type"] == "application/json" and out["headers"]["x-amzn-request-context"] == "null"
    whoami = json.loads(invoke(localaws, name, rest_event("/whoami"))[1]["body"])
    assert whoami["arn"].endswith(":user/localaws/localaws-lambda-runner")
    log = base64.b64decode(resp["LogResult"]).decode()
    assert "app: listening on" in log and "START RequestId" in log and "REPORT RequestId" in log
    assert "app: listening on" in log_text(localaws, name)  # the app's output is in the function's log group
    # the layer must be AWS's, in the function's region, of a published version
    for bad in ("arn:aws:lambda:{region}:111122223333:layer:LambdaAdapterLayerX86:26",
                "arn:aws:lambda:eu-north-9:753240598075:layer:LambdaAdapterLayerX86:26",
                "arn:aws:lambda:{region}:753240598075:layer:LambdaAdapterLayerX86:99"):
        with pytest.raises(ClientError, match="ResourceNotFoundException"):
            make_lwa_function(localaws, {"ZipFile": app_zip()}, lwa_env(), layer=bad)


def test_lwa_handler_not_executable(localaws: LocalAws) -> None:
    name = make_lwa_function(localaws, {"ZipFile": app_zip(0o644)}, lwa_env())
    resp, out = invoke(localaws, name, rest_event("/echo"), LogType="Tail")
    assert resp["FunctionError"] == "Unhandled"
    assert out["errorType"] == "Runtime.ExitError" and out["errorMessage"].endswith("exit status 126"), out
    log = base64.b64decode(resp["LogResult"]).decode()
    assert "/opt/bootstrap: line 3: " in log and "run.py: Permission denied" in log, log
    assert "Phase: init\tStatus: error\tError Type: Runtime.ExitError" in log


def test_lwa_never_ready(localaws: LocalAws) -> None:
    # 503 is outside the healthy 100-499: the init phase runs out (10 s), then the 1 s function timeout
    name = make_lwa_function(localaws, {"ZipFile": app_zip()}, lwa_env(AWS_LWA_READINESS_CHECK_PATH="/sick"), timeout=1)
    t0 = time.monotonic()
    resp, out = invoke(localaws, name, rest_event("/echo"), LogType="Tail")
    took = time.monotonic() - t0
    assert resp["FunctionError"] == "Unhandled" and out["errorType"] == "Sandbox.Timedout", out
    assert 10.5 < took < 25, took
    log = log_text(localaws, name)
    assert "Phase: init\tStatus: timeout" in log and "app is not ready after 2000ms" in log and "Task timed out" in log


# 45 -----------------------------------------------------------------------------------------
def test_apigateway_response_streaming(stack: StreamStack, without) -> None:
    with without("apigateway_response_streaming") as la:
        st = _deploy(la)
        ag = la.client("apigateway")
        res = {r["path"]: r["id"] for r in ag.get_resources(restApiId=st.out["Api"])["items"]}
        assert "responseTransferMode" not in ag.get_integration(restApiId=st.out["Api"], resourceId=res["/v1/chat/completions"],
                                                                 httpMethod="POST")
        ans = call(st.url("v1/chat/completions"), {"pause": 0}, key=st.keys["Key"])
        assert ans.status == 500 and "not a Lambda function" in ans.headers["x-localaws-reason"], ans

    ag = stack.la.client("apigateway")
    res = {r["path"]: r["id"] for r in ag.get_resources(restApiId=stack.out["Api"])["items"]}
    integ = ag.get_method(restApiId=stack.out["Api"], resourceId=res["/v1/chat/completions"], httpMethod="POST")["methodIntegration"]
    assert (integ["responseTransferMode"], integ["timeoutInMillis"]) == ("STREAM", 900000)
    assert integ["uri"].endswith("/response-streaming-invocations")
    assert ag.get_integration(restApiId=stack.out["Api"], resourceId=res["/buffered"], httpMethod="GET")["responseTransferMode"] == "BUFFERED"

    ans = stream(stack.url("v1/chat/completions"), {"pause": 2}, key=stack.keys["Key"])
    assert ans.status == 200 and not ans.cut, ans
    assert ans.headers["content-type"] == "text/event-stream" and ans.headers["cache-control"] == "no-cache"
    assert ans.headers["transfer-encoding"] == "chunked" and "content-length" not in ans.headers
    assert ans.headers["set-cookie"] == "a=1" and ans.headers["x-amzn-requestid"]
    lines = [line for _, line in ans.events]
    first = json.loads(lines[0].removeprefix("data: "))
    assert first["n"] == 1 and json.loads(lines[1].removeprefix("data: ")) == {"n": 2} and lines[2:] == ["data: [DONE]"]
    # the first event arrived while the app was still pausing: it was not held back until the end
    assert ans.events[1][0] - ans.events[0][0] > 1.5, ans.events
    seen = first["seen"]
    assert (seen["method"], seen["path"]) == ("POST", "/v1/chat/completions") and json.loads(seen["body"]) == {"pause": 2}
    ctx = json.loads(seen["headers"]["x-amzn-request-context"])
    assert (ctx["stage"], ctx["resourcePath"], ctx["requestId"]) == ("dev", "/v1/chat/completions", ans.headers["x-amzn-requestid"])
    assert ctx["identity"]["apiKey"] == stack.keys["Key"]


def test_stream_route_keys_quotas_and_gateway_responses(stack: StreamStack) -> None:
    ans = call(stack.url("v1/chat/completions"), {"pause": 0})  # no key: API Gateway's 403, as the API shapes it
    assert (ans.status, ans.json) == (403, {"oops": "Forbidden", "code": "INVALID_API_KEY"}), ans.raw
    assert stream(stack.url("v1/chat/completions"), {"pause": 0}, key=stack.keys["QuotaKey"]).status == 200
    ans = call(stack.url("v1/chat/completions"), {"pause": 0}, key=stack.keys["QuotaKey"])
    assert (ans.status, ans.json["code"]) == (429, "QUOTA_EXCEEDED"), ans.raw  # the stream was counted
    ans = call(stack.url("v1/nothing"), {})
    assert (ans.status, ans.json["code"]) == (403, "MISSING_AUTHENTICATION_TOKEN")


def test_stream_cut_by_the_function_timeout(stack: StreamStack) -> None:
    t0 = time.monotonic()
    ans = stream(stack.url("v1/chat/completions"), {"pause": 30}, key=stack.keys["Key"])
    assert ans.status == 200 and ans.cut and len(ans.events) == 1, ans  # the first event, then the cut
    assert time.monotonic() - t0 < 15


def test_stream_cut_by_the_integration_timeout(stack: StreamStack) -> None:
    t0 = time.monotonic()
    ans = stream(stack.url("short"), {"pause": 20})  # TimeoutInMillis 3000, the function's timeout 30 s
    assert ans.status == 200 and ans.cut, ans
    assert 2.5 < time.monotonic() - t0 < 10


def test_stream_of_a_function_that_does_not_stream(stack: StreamStack) -> None:
    ans = call(stack.url("plainstream"), {"x": 1})
    assert (ans.status, ans.json) == (502, {"message": "Internal server error"}), ans.raw
    assert "delimiter" in ans.headers["x-localaws-reason"]


def test_buffered_route_unchanged(stack: StreamStack) -> None:
    ans = call(stack.url("buffered") + "?q=1", method="GET")
    assert ans.status == 200 and ans.json["path"] == "/buffered" and ans.json["queryStringParameters"] == {"q": "1"}
    assert int(ans.headers["content-length"]) == len(ans.raw) and "transfer-encoding" not in ans.headers


def test_invoke_of_a_streaming_lwa_function(stack: StreamStack) -> None:
    resp, raw = invoke(stack.la, stack.out["Fn"], rest_event("/v1/chat/completions", "POST", '{"pause": 0}'))
    assert "FunctionError" not in resp, raw
    meta, _, body = raw.encode().partition(b"\0" * 8)
    meta = json.loads(meta)
    assert meta["statusCode"] == 200 and meta["cookies"] == ["a=1"] and meta["headers"]["content-type"] == "text/event-stream"
    assert "transfer-encoding" not in meta["headers"] and body.endswith(b"data: [DONE]\n\n")


def test_put_integration_checks_the_transfer_mode(stack: StreamStack) -> None:
    ag = stack.la.client("apigateway")
    api = stack.out["Api"]
    res = ag.create_resource(restApiId=api, parentId=ag.get_resources(restApiId=api)["items"][0]["id"], pathPart=unique("p"))["id"]
    ag.put_method(restApiId=api, resourceId=res, httpMethod="POST", authorizationType="NONE")
    fn_arn = stack.la.client("lambda").get_function(FunctionName=stack.out["Fn"])["Configuration"]["FunctionArn"]
    region = stack.la.env["AWS_REGION"]
    stream_uri = f"arn:aws:apigateway:{region}:lambda:path/2021-11-15/functions/{fn_arn}/response-streaming-invocations"
    plain_uri = f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn_arn}/invocations"

    def put(uri: str, **kw: Any) -> dict[str, Any]:
        return ag.put_integration(restApiId=api, resourceId=res, httpMethod="POST", type="AWS_PROXY",
                                  integrationHttpMethod="POST", uri=uri, **kw)

    for uri, kw in ((plain_uri, {"responseTransferMode": "STREAM"}),
                    (stream_uri, {"responseTransferMode": "STREAM", "timeoutInMillis": 900001}),
                    (plain_uri, {"timeoutInMillis": 400000})):
        with pytest.raises(ClientError, match="BadRequestException"):
            put(uri, **kw)
    assert put(stream_uri, responseTransferMode="STREAM", timeoutInMillis=900000)["responseTransferMode"] == "STREAM"
    assert put(plain_uri)["responseTransferMode"] == "BUFFERED"


def test_stack_update_switches_the_transfer_mode(localaws: LocalAws) -> None:
    # moto has no Method update: a changed Integration was ignored, so a deployed API never switched
    def template(stream: bool) -> str:
        path = "2021-11-15/functions/${Plain.Arn}/response-streaming-invocations" if stream \
            else "2015-03-31/functions/${Plain.Arn}/invocations"
        integ = {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
                 "Uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/" + path},
                 **({"ResponseTransferMode": "STREAM", "TimeoutInMillis": 600000} if stream else {})}
        return json.dumps({"Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST_LAMBDA}},
            "Plain": {"Type": "AWS::Lambda::Function", "Properties": {
                "Runtime": "python3.13", "Handler": "index.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"ZipFile": PLAIN_FN}}},
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": unique("upd")}},
            "Chat": {"Type": "AWS::ApiGateway::Resource", "Properties": {
                "RestApiId": {"Ref": "Api"}, "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}, "PathPart": "chat"}},
            "ChatPost": {"Type": "AWS::ApiGateway::Method", "Properties": {
                "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Chat"}, "HttpMethod": "POST",
                "AuthorizationType": "NONE", "Integration": integ}}},
            "Outputs": {"Api": {"Value": {"Ref": "Api"}}, "Chat": {"Value": {"Ref": "Chat"}}}})

    cfn, ag = localaws.client("cloudformation"), localaws.client("apigateway")
    name = unique("upd")
    st = localaws.deploy(name, template(False))
    out = {o["OutputKey"]: o["OutputValue"] for o in st["Outputs"]}

    def integration() -> dict[str, Any]:
        return ag.get_integration(restApiId=out["Api"], resourceId=out["Chat"], httpMethod="POST")

    assert integration()["responseTransferMode"] == "BUFFERED"
    for stream, mode, suffix in ((True, "STREAM", "/response-streaming-invocations"), (False, "BUFFERED", "/invocations")):
        cfn.update_stack(StackName=name, TemplateBody=template(stream), Capabilities=["CAPABILITY_IAM"])
        assert cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
        got = integration()
        assert got["responseTransferMode"] == mode and got["uri"].endswith(suffix), got
    cfn.delete_stack(StackName=name)


def test_lwa_translation_follows_the_adapter_source() -> None:
    import lwa_http  # pure functions: no server needed

    # lib.rs test_parse_status_codes, verbatim
    assert lwa_http.parse_status_codes("500,502-504,422") == [500, 502, 503, 504, 422]
    assert lwa_http.parse_status_codes("500, 502-504, 422") == [500, 502, 503, 504, 422]
    assert lwa_http.parse_status_codes("invalid") == lwa_http.parse_status_codes("500-invalid") == []
    assert lwa_http.parse_status_codes("200-300-400") == []
    opts = lwa_http.options({})
    assert (opts.host, opts.port, opts.readiness_path, opts.readiness_protocol, opts.invoke_mode) == \
        ("127.0.0.1", "8080", "/", "http", "buffered")
    assert opts.healthy == frozenset(range(100, 500))
    assert lwa_http.options({"PORT": "7000", "READINESS_CHECK_PATH": "/up"}).readiness_port == "7000"
    # MIN_UNHEALTHY_STATUS: deprecated in 1.0.0-rc1 (layer 25), gone in 1.0.0 (layer 26)
    env = {"AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS": "400"}
    assert 404 not in lwa_http.options(env, 25).healthy and 404 in lwa_http.options(env, 26).healthy
    # the streaming prelude: Set-Cookie moved to cookies, a repeated header as a list, a Content-Type default
    meta, _, rest = lwa_http.stream_prelude(201, [("Set-Cookie", "a=1"), ("Vary", "x"), ("Vary", "y"),
                                                  ("Transfer-Encoding", "chunked")]).partition(b"\0" * 8)
    assert rest == b"" and json.loads(meta) == {"statusCode": 201, "headers": {"vary": ["x", "y"],
                                                "content-type": "application/octet-stream"}, "cookies": ["a=1"]}
    # buffered: text types as text (with their charset), others and Content-Encoding as base64
    out = json.loads(lwa_http.buffered_payload(200, [("Content-Type", "text/plain; charset=latin-1")], "é".encode("latin-1")))
    assert (out["body"], out["isBase64Encoded"], out["headers"]) == ("é", False, {})
    for headers in ([("Content-Type", "image/png")], [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]):
        out = json.loads(lwa_http.buffered_payload(200, headers, b"\x89P"))
        assert (out["body"], out["isBase64Encoded"]) == ("iVA=", True)
