"""The deployed API answers on the local AWS: API Gateway (user-request URL) -> Lambda shim -> SageMaker.

The stack is templates/cloudformation/slmstack.template.json, deployed with boto3 once per module.
Requests go exactly as the Swift CLI sends them: unsigned POSTs to
`{endpoint}/restapis/{api_id}/{stage}/_user_request_/{path}` (derived from the stack's
`https://{api_id}.execute-api.{region}.amazonaws.com/{stage}/{path}` outputs) with Content-Type,
Accept and x-api-key headers. TGI answers are queued in moto's SageMaker runtime queue.

Also the with/without tests of fixes `lambda_invoke_subprocess` and `apigateway_proxy_to_lambda`
(test_fixes.py's meta-test finds them here).
"""
from __future__ import annotations

import base64
import io
import json
import re
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from typing import Any, Iterator

import pytest

from localaws_support import ROOT, LocalAws, unique

TEMPLATE = ROOT / "templates" / "cloudformation" / "slmstack.template.json"
PARIS = [{"generated_text": "Paris.", "details": {"finish_reason": "eos_token", "generated_tokens": 3}}]
TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
OUTPUT_URL = re.compile(r"^https://(?P<api>[^.]+)\.execute-api\.(?P<region>[^.]+)\.amazonaws\.com/(?P<stage>[^/]+)/(?P<path>.*)$")


# ------------------------------------------------------------------------------------ helpers
def user_request_url(endpoint: str, output_url: str) -> str:
    """The Swift CLI's mapping: stack output URL + custom endpoint -> moto's user-request URL."""
    m = OUTPUT_URL.match(output_url)
    assert m, output_url
    return f"{endpoint}/restapis/{m['api']}/{m['stage']}/_user_request_/{m['path']}"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


def call(url: str, body: Any = None, key: str | None = None, method: str = "POST", raw: bytes | None = None,
         headers: dict[str, str] | None = None) -> Answer:
    """An unsigned request with the CLI's headers (no SigV4: API Gateway calls are not signed)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    h = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
    if key is not None:
        h["x-api-key"] = key
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    def joined(msg: Any) -> dict[str, str]:  # repeated headers as one, comma separated
        return {k.lower(): ", ".join(msg.get_all(k)) for k in set(msg.keys())}

    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return Answer(resp.status, joined(resp.headers), resp.read())
    except urllib.error.HTTPError as err:
        return Answer(err.code, joined(err.headers), err.read())


def queue_tgi(la: LocalAws, *answers: Any) -> None:
    """Queue TGI answers in moto's SageMaker runtime (one per new request body)."""
    payload = {"account_id": "123456789012", "region": la.env["AWS_REGION"],
               "results": [{"Body": json.dumps(a), "ContentType": "application/json"} for a in answers]}
    req = urllib.request.Request(f"{la.endpoint}/moto-api/static/sagemaker/endpoint-results",
                                 data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 201


def zip_code(source: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", source)
    return buf.getvalue()


def make_function(la: LocalAws, source: str, timeout: int = 10, runtime: str = "python3.12",
                  env: dict[str, str] | None = None) -> str:
    role = la.client("iam").create_role(RoleName=unique("r"), AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))
    return la.client("lambda").create_function(
        FunctionName=unique("fn"), Runtime=runtime, Handler="index.handler", Role=role["Role"]["Arn"],
        Code={"ZipFile": zip_code(source)}, Timeout=timeout,
        Environment={"Variables": env or {}})["FunctionName"]


def invoke(la: LocalAws, name: str, event: Any, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    resp = la.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event), **kwargs)
    raw = resp["Payload"].read()
    try:
        return resp, json.loads(raw or b"null")
    except ValueError:
        return resp, raw.decode()  # moto's Docker error is plain text


# ------------------------------------------------------------------------------------ the stack
@dataclass
class Stack:
    la: LocalAws
    name: str
    outputs: dict[str, str]
    key: str

    def url(self, output: str = "InvokeUrl") -> str:
        return user_request_url(self.la.endpoint, self.outputs[output])


@pytest.fixture(scope="module")
def stack(localaws: LocalAws) -> Iterator[Stack]:
    name = unique("inv")
    st = localaws.deploy(name, TEMPLATE.read_text())
    assert st["StackStatus"] == "CREATE_COMPLETE", st.get("StackStatusReason")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in st["Outputs"]}
    key = localaws.client("apigateway").get_api_key(apiKey=outputs["ApiKeyId"], includeValue=True)["value"]
    yield Stack(localaws, name, outputs, key)
    localaws.client("cloudformation").delete_stack(StackName=name)


def test_invoke_answers_with_the_key(stack: Stack) -> None:
    queue_tgi(stack.la, PARIS)
    ans = call(stack.url(), {"prompt": "What is the capital of France?", "parameters": {"max_new_tokens": 16}},
               key=stack.key)
    assert ans.status == 200, ans.raw
    out = ans.json
    assert out["generated_text"] == "Paris."
    assert out["finish_reason"] == "stop"
    assert out["usage"]["completion_tokens"] == 3
    assert out["parameters"]["max_new_tokens"] == 16
    assert "What is the capital of France?" in out["prompt"]
    assert ans.headers["content-type"] == "application/json"
    # the shim logged the gateway's request id (requestContext.requestId) to its log group
    rid = ans.headers["x-amzn-requestid"]
    logs = stack.la.client("logs")
    groups = [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=stack.name)["logGroups"]]
    lines = [e["message"] for g in groups
             for s in logs.describe_log_streams(logGroupName=g)["logStreams"]
             for e in logs.get_log_events(logGroupName=g, logStreamName=s["logStreamName"])["events"]]
    shim_lines = [json.loads(x) for x in lines if x.startswith("{") and rid in x]
    assert shim_lines and shim_lines[0]["route"] == "/invoke" and shim_lines[0]["status"] == 200, lines


def forbidden(ans: Answer) -> bool:
    """API Gateway's refusal of a key the usage plan does not hold, in OpenAI's error shape."""
    return ans.status == 403 and ans.json == {"error": {"message": "Forbidden", "type": "invalid_request_error",
                                                        "param": None, "code": "INVALID_API_KEY"}}


def test_api_key_is_enforced(stack: Stack) -> None:
    body = {"prompt": "never reaches the model"}
    # no key at all (x-api-key and Authorization: Bearer absent or empty): the authorizer's 401
    for headers in ({}, {"x-api-key": ""}, {"Authorization": "Bearer "}, {"Authorization": "Basic " + stack.key}):
        ans = call(stack.url(), body, headers=headers)
        assert (ans.status, ans.json["error"]["code"]) == (401, "UNAUTHORIZED"), (headers, ans.raw)
        assert ans.headers["x-amzn-errortype"] == "UnauthorizedException"
    # a key, but not one of the usage plan's, from either header: 403
    for key in ("not-the-key", stack.key + "x"):
        for headers in ({"x-api-key": key}, {"Authorization": "Bearer " + key}):
            ans = call(stack.url(), body, headers=headers)
            assert forbidden(ans), (headers, ans.raw)
            assert ans.headers["x-amzn-errortype"] == "ForbiddenException"
    ag = stack.la.client("apigateway")
    # an enabled key that is on no usage plan of this API stage
    other = ag.create_api_key(name=unique("k"), enabled=True)
    assert forbidden(call(stack.url(), body, key=other["value"]))
    # the stack's own key, disabled
    ag.update_api_key(apiKey=stack.outputs["ApiKeyId"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}])
    try:
        assert forbidden(call(stack.url(), body, key=stack.key))
        assert forbidden(call(stack.url(), body, headers={"Authorization": "Bearer " + stack.key}))
    finally:
        ag.update_api_key(apiKey=stack.outputs["ApiKeyId"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "true"}])
    ag.delete_api_key(apiKey=other["id"])


def test_chat_completions_openai_shape(stack: Stack) -> None:
    queue_tgi(stack.la, PARIS)
    ans = call(stack.url("ChatCompletionsUrl"), {"model": "any", "messages": [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}]}, key=stack.key)
    assert ans.status == 200, ans.raw
    out = ans.json
    assert out["object"] == "chat.completion"
    assert out["id"] == "chatcmpl-" + ans.headers["x-amzn-requestid"]
    assert out["model"] == "TinyLlama/TinyLlama-1.1B-Chat-v1.0"
    assert out["choices"] == [{"index": 0, "message": {"role": "assistant", "content": "Paris."}, "finish_reason": "stop"}]
    assert out["usage"]["completion_tokens"] == 3
    assert out["usage"]["total_tokens"] == out["usage"]["prompt_tokens"] + 3


def test_bad_body_is_a_400_from_the_shim(stack: Stack) -> None:
    ans = call(stack.url(), raw=b"{not json", key=stack.key)
    assert ans.status == 400, ans.raw
    assert ans.json["error"]["code"] == "invalid_json"
    ans = call(stack.url(), {"prompt": "x", "temperature": 1}, key=stack.key)
    assert (ans.status, ans.json["error"]["code"]) == (400, "unknown_field"), ans.raw


def test_unknown_routes_answer_as_api_gateway(stack: Stack) -> None:
    # API Gateway answers an unknown resource or method with 403 "Missing Authentication Token"
    # (before any authorizer), in OpenAI's error shape
    for url, method in ((stack.url().replace("/invoke", "/nope"), "POST"), (stack.url(), "GET"),
                        (stack.url().replace("/invoke", "/v1/chat"), "POST"),
                        (stack.url().replace("/invoke", "/v1/models"), "POST")):
        ans = call(url, {"prompt": "x"}, key=stack.key, method=method)
        assert (ans.status, ans.json) == (403, {"error": {"message": "Missing Authentication Token", "type": "invalid_request_error",
                                                          "param": None, "code": "MISSING_AUTHENTICATION_TOKEN"}}), (url, method, ans.raw)
        assert ans.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    ans = call(stack.url().replace("/prod/", "/nostage/"), {"prompt": "x"}, key=stack.key)
    assert (ans.status, ans.json) == (403, {"message": "Forbidden"})


# ------------------------------------------------------------------------------------ fix 13
ECHO_FN = '''
import json, os, time
import boto3

def handler(event, context):
    if event.get("raise"):
        raise ValueError("boom " + event["raise"])
    if event.get("sleep"):
        time.sleep(event["sleep"])
    print("hello from", context.function_name)
    return {"event": event, "name": context.function_name, "rid": context.aws_request_id,
            "remaining": context.get_remaining_time_in_millis(), "region": os.environ["AWS_REGION"],
            "fn_env": os.environ["AWS_LAMBDA_FUNCTION_NAME"], "custom": os.environ.get("CUSTOM"),
            "caller": boto3.client("sts").get_caller_identity()["Arn"]}
'''


def test_lambda_invoke_subprocess(localaws: LocalAws, without) -> None:
    with without("lambda_invoke_subprocess") as la:
        resp, out = invoke(la, make_function(la, ECHO_FN), {"x": 1})
        assert "FunctionError" in resp and "docker" in json.dumps(out), out

    name = make_function(localaws, ECHO_FN, timeout=10, env={"CUSTOM": "v", "AWS_REGION": "ignored"})
    resp, out = invoke(localaws, name, {"x": 1}, LogType="Tail")
    assert "FunctionError" not in resp, out
    assert out["event"] == {"x": 1} and out["name"] == name == out["fn_env"] and out["custom"] == "v"
    assert out["region"] == localaws.env["AWS_REGION"]  # reserved variables win over the function's
    assert 0 < out["remaining"] <= 10_000
    assert out["caller"].endswith(":user/localaws/localaws-lambda-runner")  # a signed call back to this server
    log = base64.b64decode(resp["LogResult"]).decode()
    assert f"hello from {name}" in log and "START RequestId" in log and "REPORT RequestId" in log
    env_values = [v for v in localaws.env.values() if len(v) > 20]
    assert not any(v in log for v in env_values)

    resp, out = invoke(localaws, name, {"raise": "now"})
    assert resp["FunctionError"] == "Unhandled"
    assert out["errorType"] == "ValueError" and out["errorMessage"] == "boom now" and out["stackTrace"]

    slow = make_function(localaws, ECHO_FN, timeout=1)
    t0 = time.monotonic()
    resp, out = invoke(localaws, slow, {"sleep": 5})
    assert time.monotonic() - t0 < 4
    assert resp["FunctionError"] == "Unhandled" and out["errorType"] == "Sandbox.Timedout", out

    broken = make_function(localaws, "import no_such_module\n")
    resp, out = invoke(localaws, broken, {})
    assert resp["FunctionError"] == "Unhandled" and out["errorType"] == "Runtime.ImportModuleError", out

    node = make_function(localaws, "exports.handler = async () => 1;", runtime="nodejs20.x")
    resp, out = invoke(localaws, node, {})  # other runtimes keep moto's (Docker) behaviour
    assert "FunctionError" in resp and "docker" in json.dumps(out)


# ------------------------------------------------------------------------------------ fix 14
PROXY_FN = '''
import base64, json

def handler(event, context):
    path = event["path"]
    if path.endswith("/bad"):
        return "not a proxy response"
    if path.endswith("/bin"):
        return {"statusCode": 200, "headers": {"Content-Type": "application/octet-stream"},
                "body": base64.b64encode(b"\\x00\\xff").decode(), "isBase64Encoded": True}
    return {"statusCode": 201, "headers": {"X-Echo": "1"}, "multiValueHeaders": {"X-Multi": ["a", "b"]},
            "body": json.dumps(event)}
'''


def _proxy_template() -> dict[str, Any]:
    def method(resource: str, http: str, key: bool) -> dict[str, Any]:
        return {"Type": "AWS::ApiGateway::Method", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": resource}, "HttpMethod": http,
            "AuthorizationType": "NONE", "ApiKeyRequired": key,
            "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": {
                "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"}}}}

    def resource(parent: Any, part: str) -> dict[str, Any]:
        return {"Type": "AWS::ApiGateway::Resource",
                "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": parent, "PathPart": part}}

    root = {"Fn::GetAtt": ["Api", "RootResourceId"]}
    return {"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST_LAMBDA}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": PROXY_FN}, "Timeout": 10}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "proxy-test"}},
        "Items": resource(root, "items"),
        "Item": resource({"Ref": "Items"}, "{id}"),
        "ItemAny": method("Item", "ANY", True),
        "Open": resource(root, "open"),
        "OpenProxy": resource({"Ref": "Open"}, "{proxy+}"),
        "OpenGet": method("OpenProxy", "GET", False),
        "Denied": resource(root, "denied"),
        "DeniedPost": method("Denied", "POST", False),
        "Perm": {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]},
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/*/items/*"}}},
        "PermOpen": {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": "Fn"}, "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/dev/GET/open/*"}}},
        "Dep": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": ["ItemAny", "OpenGet", "DeniedPost"],
                "Properties": {"RestApiId": {"Ref": "Api"}}},
        "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {
            "RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Dep"}, "StageName": "dev", "Variables": {"v": "1"}}},
        "Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": True}},
        "Plan": {"Type": "AWS::ApiGateway::UsagePlan", "DependsOn": "Stage",
                 "Properties": {"ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "dev"}]}},
        "PlanKey": {"Type": "AWS::ApiGateway::UsagePlanKey",
                    "Properties": {"KeyId": {"Ref": "Key"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "Plan"}}}},
        "Outputs": {"Url": {"Value": {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/dev/"}},
                    "Key": {"Value": {"Ref": "Key"}}}}


def _deploy_proxy(la: LocalAws) -> tuple[str, str, str]:
    st = la.deploy(unique("px"), _proxy_template())
    assert st["StackStatus"] == "CREATE_COMPLETE", st.get("StackStatusReason")
    out = {o["OutputKey"]: o["OutputValue"] for o in st["Outputs"]}
    key = la.client("apigateway").get_api_key(apiKey=out["Key"], includeValue=True)["value"]
    return out["Url"], out["Key"], key


def test_apigateway_proxy_to_lambda(localaws: LocalAws, without) -> None:
    with without("apigateway_proxy_to_lambda") as la:
        base, _, key = _deploy_proxy(la)
        ans = call(user_request_url(la.endpoint, base + "items/42"), {"a": 1}, key=key, method="PUT")
        assert ans.status != 201 and b"httpMethod" not in ans.raw, ans.raw

    base, key_id, key = _deploy_proxy(localaws)
    url = user_request_url(localaws.endpoint, base + "items/42") + "?q=1&q=2&r=x"
    ans = call(url, {"a": 1}, key=key, method="PUT", headers={"X-Custom": "c"})
    assert ans.status == 201, ans.raw
    assert ans.headers["x-echo"] == "1" and ans.headers["x-multi"] == "a, b"
    ev = ans.json
    assert (ev["resource"], ev["path"], ev["httpMethod"]) == ("/items/{id}", "/items/42", "PUT")
    assert ev["pathParameters"] == {"id": "42"} and ev["stageVariables"] == {"v": "1"}
    assert ev["queryStringParameters"] == {"q": "2", "r": "x"}
    assert ev["multiValueQueryStringParameters"] == {"q": ["1", "2"], "r": ["x"]}
    assert ev["headers"]["X-Custom"] == "c" and ev["multiValueHeaders"]["X-Custom"] == ["c"]
    assert json.loads(ev["body"]) == {"a": 1} and ev["isBase64Encoded"] is False
    rc = ev["requestContext"]
    assert (rc["stage"], rc["resourcePath"], rc["httpMethod"]) == ("dev", "/items/{id}", "PUT")
    assert rc["requestId"] == ans.headers["x-amzn-requestid"]
    assert rc["identity"]["apiKey"] == key and rc["identity"]["apiKeyId"] == key_id
    assert call(url, {"a": 1}, method="PUT").status == 403  # ApiKeyRequired on /items/{id}

    # {proxy+}, no key needed; base64 bodies are decoded
    ans = call(user_request_url(localaws.endpoint, base + "open/a/b/bin"), method="GET")
    assert (ans.status, ans.raw) == (200, b"\x00\xff")
    assert ans.headers["content-type"] == "application/octet-stream"
    ans = call(user_request_url(localaws.endpoint, base + "open/a/b/c"), method="GET")
    assert ans.status == 201 and ans.json["pathParameters"] == {"proxy": "a/b/c"}
    # a malformed function answer is API Gateway's 502
    ans = call(user_request_url(localaws.endpoint, base + "open/bad"), method="GET")
    assert (ans.status, ans.json) == (502, {"message": "Internal server error"})
    # no resource-policy statement lets API Gateway invoke the function for /denied: 500
    ans = call(user_request_url(localaws.endpoint, base + "denied"), {})
    assert (ans.status, ans.json) == (500, {"message": "Internal server error"})
    assert "Invalid permissions" in ans.headers["x-localaws-reason"]
