"""Fixes 33-36 (tools/localaws/authorizer_patches.py, gateway_patches.py): Lambda authorizers, API keys
from an authorizer, gateway responses, usage plan throttle and quota; each failing with the fix
disabled, working with it.

One small stack (its own template below) has an echo function behind four GET routes: a REQUEST
authorizer (uncached), a REQUEST authorizer cached on a header, a TOKEN authorizer, and no
authorizer; the API's key source is AUTHORIZER. The authorizer function decides by the `x-token`
header (`allow:<key>`, `deny`, `raise`, `boom`, `bad`).
test_fixes.py's meta-test finds the tests here.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterator

import pytest

from localaws_support import LocalAws, started, unique
from test_invoke import TRUST_LAMBDA, call, user_request_url

ECHO_FN = """import json
def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(event)}
"""
AUTH_FN = """import uuid
def handler(event, context):
    if event.get("type") == "TOKEN":
        tok = event.get("authorizationToken") or ""
    else:
        tok = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("x-token") or ""
    verdict, _, key = tok.partition(":")
    if verdict == "raise":
        raise Exception("Unauthorized")
    if verdict == "boom":
        raise ValueError("boom")
    if verdict == "bad":
        return {"nope": 1}
    out = {"principalId": "tester", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Deny" if verdict == "deny" else "Allow", "Resource": event["methodArn"]}]},
        "context": {"nonce": uuid.uuid4().hex, "kind": event["type"], "methodArn": event["methodArn"], "n": 7}}
    if key:
        out["usageIdentifierKey"] = key
    return out
"""


def _template(name: str) -> dict[str, Any]:
    def authorizer(kind: str, ttl: int, source: str | None = None, expression: str | None = None) -> dict[str, Any]:
        p: dict[str, Any] = {"RestApiId": {"Ref": "Api"}, "Name": kind.lower() + str(ttl), "Type": kind,
                             "AuthorizerResultTtlInSeconds": ttl, "AuthorizerUri": {
                                 "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthFn.Arn}/invocations"}}
        if source:
            p["IdentitySource"] = source
        if expression:
            p["IdentityValidationExpression"] = expression
        return {"Type": "AWS::ApiGateway::Authorizer", "Properties": p}

    def route(part: str) -> dict[str, Any]:
        return {"Type": "AWS::ApiGateway::Resource", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}, "PathPart": part}}

    def method(resource: str, authorizer: str | None, key: bool) -> dict[str, Any]:
        p: dict[str, Any] = {"RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": resource}, "HttpMethod": "GET",
                             "AuthorizationType": "CUSTOM" if authorizer else "NONE", "ApiKeyRequired": key,
                             "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": {
                                 "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"}}}
        if authorizer:
            p["AuthorizerId"] = {"Ref": authorizer}
        return {"Type": "AWS::ApiGateway::Method", "Properties": p}

    def function(code: str) -> dict[str, Any]:
        return {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": code}, "Timeout": 10}}

    def permission(fn: str, source: str) -> dict[str, Any]:
        return {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": [fn, "Arn"]}, "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/" + source}}}

    def plan(key: str, **limits: Any) -> dict[str, Any]:
        return {"Type": "AWS::ApiGateway::UsagePlan", "DependsOn": "Stage",
                "Properties": {"ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "dev"}], **limits}}

    def plan_key(key: str, plan_id: str) -> dict[str, Any]:
        return {"Type": "AWS::ApiGateway::UsagePlanKey",
                "Properties": {"KeyId": {"Ref": key}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": plan_id}}}

    return {"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST_LAMBDA}},
        "Fn": function(ECHO_FN), "AuthFn": function(AUTH_FN),
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": name, "ApiKeySourceType": "AUTHORIZER"}},
        "ReqAuth": authorizer("REQUEST", 0),
        "CachedAuth": authorizer("REQUEST", 300, "method.request.header.x-token"),
        "TokAuth": authorizer("TOKEN", 0, "method.request.header.x-token", "^(allow|deny|raise|boom|bad).*$"),
        "Req": route("req"), "Cached": route("cached"), "Tok": route("tok"), "Open": route("open"),
        "ReqGet": method("Req", "ReqAuth", True), "CachedGet": method("Cached", "CachedAuth", True),
        "TokGet": method("Tok", "TokAuth", False), "OpenGet": method("Open", None, True),
        "FnPerm": permission("Fn", "*"), "AuthPerm": permission("AuthFn", "authorizers/*"),
        "Unauthorized": {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ResponseType": "UNAUTHORIZED", "StatusCode": "401",
            "ResponseParameters": {"gatewayresponse.header.x-why": "'no-token'"},
            "ResponseTemplates": {"application/json": '{"why":$context.error.messageString,"type":"$context.error.responseType"}'}}},
        "Default4xx": {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ResponseType": "DEFAULT_4XX",
            "ResponseTemplates": {"application/json": '{"oops":$context.error.messageString,"code":"${context.error.responseType}","id":"$context.requestId"}'}}},
        "Dep": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": ["ReqGet", "CachedGet", "TokGet", "OpenGet", "Unauthorized", "Default4xx"],
                "Properties": {"RestApiId": {"Ref": "Api"}}},
        "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {
            "RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Dep"}, "StageName": "dev"}},
        "Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": True}},
        "QuotaKey": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": True}},
        "ThrottleKey": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": True}},
        "Plan": plan("Key"), "PlanKey": plan_key("Key", "Plan"),
        "QuotaPlan": plan("QuotaKey", Quota={"Limit": 2, "Period": "DAY"}), "QuotaPlanKey": plan_key("QuotaKey", "QuotaPlan"),
        "ThrottlePlan": plan("ThrottleKey", Throttle={"RateLimit": 0.001, "BurstLimit": 2}),
        "ThrottlePlanKey": plan_key("ThrottleKey", "ThrottlePlan")},
        "Outputs": {"Url": {"Value": {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/dev/"}},
                    "Key": {"Value": {"Ref": "Key"}}, "QuotaKey": {"Value": {"Ref": "QuotaKey"}},
                    "ThrottleKey": {"Value": {"Ref": "ThrottleKey"}}}}


@dataclass
class AuthStack:
    la: LocalAws
    name: str
    api_id: str | None
    base: str | None
    keys: dict[str, str]

    def get(self, route: str, token: str | None = None) -> Any:
        return call(user_request_url(self.la.endpoint, self.base + route), method="GET",
                    headers={"x-token": token} if token is not None else {})


def _deploy(la: LocalAws) -> AuthStack:
    name = unique("auth")
    st = la.deploy(name, _template(name))
    apis = [a["id"] for a in la.client("apigateway").get_rest_apis()["items"] if a["name"] == name]
    if st["StackStatus"] != "CREATE_COMPLETE":
        return AuthStack(la, name, apis[0] if apis else None, None, {})
    out = {o["OutputKey"]: o["OutputValue"] for o in st["Outputs"]}
    ag = la.client("apigateway")
    keys = {k: ag.get_api_key(apiKey=out[k], includeValue=True)["value"] for k in ("Key", "QuotaKey", "ThrottleKey")}
    return AuthStack(la, name, apis[0], out["Url"], keys)


@pytest.fixture
def without(tmp_path_factory: pytest.TempPathFactory):
    """A server with one fix disabled, started for the test that asks (not the session's pool of
    one server per fix: these tests need four of about forty)."""
    @contextlib.contextmanager
    def make(fix_name: str) -> Iterator[LocalAws]:
        with started(tmp_path_factory.mktemp("without"), disable=fix_name) as la:
            yield la
    return make


@pytest.fixture(scope="module")
def stack(localaws: LocalAws) -> AuthStack:
    st = _deploy(localaws)
    assert st.base, "the authorizer test stack did not deploy"
    return st


# 33 -----------------------------------------------------------------------------------------
def test_cfn_apigateway_authorizers(localaws: LocalAws, without) -> None:
    with without("cfn_apigateway_authorizers") as la:
        st = _deploy(la)
        ag = la.client("apigateway")
        assert st.api_id
        assert ag.get_authorizers(restApiId=st.api_id)["items"] == []
        assert ag.get_rest_api(restApiId=st.api_id)["apiKeySource"] == "HEADER"

    st = _deploy(localaws)
    ag = localaws.client("apigateway")
    assert ag.get_rest_api(restApiId=st.api_id)["apiKeySource"] == "AUTHORIZER"
    found = {a["name"]: a for a in ag.get_authorizers(restApiId=st.api_id)["items"]}
    assert set(found) == {"request0", "request300", "token0"}
    assert found["request300"]["type"] == "REQUEST" and found["request300"]["authorizerResultTtlInSeconds"] == 300
    assert found["request300"]["identitySource"] == "method.request.header.x-token"
    assert found["token0"]["identityValidationExpression"] == "^(allow|deny|raise|boom|bad).*$"
    assert ":function:" in found["request0"]["authorizerUri"] and found["request0"]["authorizerUri"].endswith("/invocations")
    res = {r["path"]: r["id"] for r in ag.get_resources(restApiId=st.api_id)["items"]}
    method = ag.get_method(restApiId=st.api_id, resourceId=res["/req"], httpMethod="GET")
    assert (method["authorizationType"], method["authorizerId"]) == ("CUSTOM", found["request0"]["id"])
    responses = {r["responseType"]: r for r in ag.get_gateway_responses(restApiId=st.api_id)["items"]}
    assert responses["UNAUTHORIZED"]["statusCode"] == "401"
    assert responses["UNAUTHORIZED"]["responseParameters"] == {"gatewayresponse.header.x-why": "'no-token'"}
    # deleting the stack deletes them with it
    localaws.client("cloudformation").delete_stack(StackName=st.name)
    assert st.api_id not in [a["id"] for a in ag.get_rest_apis()["items"]]


# 34 -----------------------------------------------------------------------------------------
def test_apigateway_lambda_authorizers(stack: AuthStack, without) -> None:
    with without("apigateway_lambda_authorizers") as la:
        st = _deploy(la)
        ans = st.get("req", "allow:" + st.keys["Key"])
        assert ans.status == 500, ans.raw
        assert "not emulated" in ans.headers["x-localaws-reason"]

    key = stack.keys["Key"]
    ans = stack.get("req", "allow:" + key)
    assert ans.status == 200, ans.raw
    ctx = ans.json["requestContext"]
    assert ctx["authorizer"]["principalId"] == "tester" and ctx["authorizer"]["kind"] == "REQUEST"
    assert ctx["authorizer"]["n"] == 7
    assert ctx["authorizer"]["methodArn"].endswith(f":{stack.api_id}/dev/GET/req")
    assert ctx["identity"]["apiKey"] == key  # the key the authorizer returned, checked against the plan
    # a key the usage plans do not hold, no key, a Deny, "Unauthorized", a failing or malformed authorizer
    assert stack.get("req", "allow:not-a-key").status == 403
    assert stack.get("req", "allow").status == 403  # AUTHORIZER source, no usageIdentifierKey
    assert stack.get("req", "deny:" + key).status == 403
    assert stack.get("req", "raise").status == 401
    assert stack.get("req", "boom").status == 500
    assert stack.get("req", "bad").status == 500
    # key source AUTHORIZER without an authorizer: nothing supplies a key
    assert stack.get("open", "allow:" + key).status == 403
    # the identity source must be present; a cached result is reused for the same value
    assert stack.get("cached").status == 401
    first, again = stack.get("cached", "allow:" + key), stack.get("cached", "allow:" + key)
    assert first.status == again.status == 200, (first.raw, again.raw)
    assert first.json["requestContext"]["authorizer"]["nonce"] == again.json["requestContext"]["authorizer"]["nonce"]
    other = stack.get("req", "allow:" + key), stack.get("req", "allow:" + key)
    assert other[0].json["requestContext"]["authorizer"]["nonce"] != other[1].json["requestContext"]["authorizer"]["nonce"]
    # TOKEN: the header is the token; identityValidationExpression refuses others without invoking
    ans = stack.get("tok", "allow")
    assert ans.status == 200 and ans.json["requestContext"]["authorizer"]["kind"] == "TOKEN", ans.raw
    assert stack.get("tok", "nope").status == 401
    assert stack.get("tok").status == 401


# 35 -----------------------------------------------------------------------------------------
def test_apigateway_gateway_responses(stack: AuthStack, without) -> None:
    with without("apigateway_gateway_responses") as la:
        st = _deploy(la)
        ans = st.get("req", "raise")
        assert (ans.status, ans.json) == (401, {"message": "Unauthorized"}), ans.raw

    ans = stack.get("req", "raise")
    assert (ans.status, ans.json) == (401, {"why": "Unauthorized", "type": "UNAUTHORIZED"}), ans.raw
    assert ans.headers["x-why"] == "no-token"
    # DEFAULT_4XX shapes every other 4xx: a wrong key, a Deny, no route
    ans = stack.get("req", "allow:not-a-key")
    assert ans.status == 403 and ans.json["oops"] == "Forbidden" and ans.json["code"] == "INVALID_API_KEY", ans.raw
    assert ans.json["id"] == ans.headers["x-amzn-requestid"]
    ans = stack.get("req", "deny:x")
    assert (ans.status, ans.json["code"]) == (403, "ACCESS_DENIED"), ans.raw
    assert ans.json["oops"] == "User is not authorized to access this resource with an explicit deny"
    ans = stack.get("nowhere", "allow")
    assert (ans.status, ans.json["oops"], ans.json["code"]) == (403, "Missing Authentication Token", "MISSING_AUTHENTICATION_TOKEN")
    # a 5xx without a response of its own keeps API Gateway's body
    ans = stack.get("req", "boom")
    assert (ans.status, ans.json) == (500, {"message": None}), ans.raw
    # gateway responses come with a deployment: a stage that does not exist answers the built-in body
    ans = call(user_request_url(stack.la.endpoint, stack.base.replace("/dev/", "/nostage/") + "req"), method="GET")
    assert (ans.status, ans.json) == (403, {"message": "Forbidden"}), ans.raw


# 36 -----------------------------------------------------------------------------------------
def test_apigateway_usage_plan_limits(stack: AuthStack, without) -> None:
    with without("apigateway_usage_plan_limits") as la:
        st = _deploy(la)
        statuses = [st.get("req", "allow:" + st.keys["QuotaKey"]).status for _ in range(3)]
        assert statuses == [200, 200, 200]

    quota = [stack.get("req", "allow:" + stack.keys["QuotaKey"]) for _ in range(3)]
    assert [a.status for a in quota] == [200, 200, 429], [a.raw for a in quota]
    assert quota[2].json["oops"] == "Limit Exceeded" and quota[2].json["code"] == "QUOTA_EXCEEDED"
    throttle = [stack.get("req", "allow:" + stack.keys["ThrottleKey"]) for _ in range(3)]
    assert [a.status for a in throttle] == [200, 200, 429], [a.raw for a in throttle]
    assert throttle[2].json["oops"] == "Too Many Requests" and throttle[2].json["code"] == "THROTTLED"
    # the limits are per key: the plain key is still served
    assert stack.get("req", "allow:" + stack.keys["Key"]).status == 200
