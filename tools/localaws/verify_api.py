"""verify.py's checks of what serves the API: IAM roles, Lambda functions and permissions, log groups, KMS keys
and aliases, and API Gateway (REST API, resources, methods, authorizers, gateway responses, deployment, stage,
API keys, usage plans, account), each through its own service's API."""
from __future__ import annotations

import json
from typing import Any, Callable

from verify_resolver import UNRESOLVED, Ctx, _bool, _log_group, _sorted


def _principals(doc: Any) -> list[str]:
    if isinstance(doc, str):
        doc = json.loads(doc)
    out: list[str] = []
    for st in doc.get("Statement", []):
        svc = (st.get("Principal") or {}).get("Service", [])
        out += [svc] if isinstance(svc, str) else list(svc)
    return sorted(out)


def chk_role(x: Ctx) -> None:
    iam = x.c("iam")
    role = iam.get_role(RoleName=x.pid)["Role"]
    want = x.p("AssumeRolePolicyDocument")
    x.expect("TrustedServices", _principals(role["AssumeRolePolicyDocument"]),
             _principals(want) if want is not UNRESOLVED else UNRESOLVED)
    pols = x.p("Policies", [])
    if pols is not UNRESOLVED:
        x.expect("InlinePolicies", iam.list_role_policies(RoleName=x.pid)["PolicyNames"],
                 [p["PolicyName"] for p in pols], _sorted)
    managed = x.p("ManagedPolicyArns", [])
    if managed is not UNRESOLVED:
        have = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=x.pid)["AttachedPolicies"]]
        x.expect("ManagedPolicyArns", have, managed, _sorted)


def chk_lambda(x: Ctx) -> None:
    f = x.c("lambda").get_function_configuration(FunctionName=x.pid)
    for prop in ("Runtime", "Handler", "Timeout", "MemorySize"):
        if prop in x.props:
            x.expect(prop, f.get(prop), x.p(prop), lambda v: str(v))
    x.expect("Role", f.get("Role"), x.p("Role"))
    env = x.p("Environment", {"Variables": {}})
    x.expect("Environment", (f.get("Environment") or {}).get("Variables", {}),
             env.get("Variables", {}) if env is not UNRESOLVED else UNRESOLVED)
    if "VpcConfig" in x.props:
        vc, want = f.get("VpcConfig") or {}, x.p("VpcConfig")
        if want is not UNRESOLVED:
            x.expect("VpcConfig.SubnetIds", vc.get("SubnetIds", []), want.get("SubnetIds", []), _sorted)
            x.expect("VpcConfig.SecurityGroupIds", vc.get("SecurityGroupIds", []), want.get("SecurityGroupIds", []), _sorted)
    if "LoggingConfig" in x.props:
        want = x.p("LoggingConfig")
        have = f.get("LoggingConfig") or {}
        if want is not UNRESOLVED:
            x.expect("LoggingConfig", {k: have.get(k) for k in want}, want)


def chk_permission(x: Ctx) -> None:
    fn = x.p("FunctionName")
    pol = json.loads(x.c("lambda").get_policy(FunctionName=fn)["Policy"])
    principal, source = x.p("Principal"), x.p("SourceArn", None)

    def matches(st: dict[str, Any]) -> bool:
        p = st.get("Principal")
        p = p.get("Service") if isinstance(p, dict) else p
        src = (((st.get("Condition") or {}).get("ArnLike") or {}).get("AWS:SourceArn"))
        return p == principal and (source in (None, UNRESOLVED) or src == source) and \
            (x.pid is None or st.get("Sid") == x.pid)
    found = [st for st in pol.get("Statement", []) if matches(st)]
    x.facts["Statements"] = len(pol.get("Statement", []))
    if not found:
        x.fail(f"no policy statement on {fn} for {principal} with SourceArn {source}")


def chk_log_group(x: Ctx) -> None:
    g = _log_group(x.c, x.pid)
    if "RetentionInDays" in x.props:
        x.expect("RetentionInDays", g.get("retentionInDays"), x.p("RetentionInDays"), lambda v: str(v))
    if "KmsKeyId" in x.props:
        x.expect("KmsKeyId", g.get("kmsKeyId"), x.p("KmsKeyId"))


def chk_kms_key(x: Ctx) -> None:
    kms = x.c("kms")
    k = kms.describe_key(KeyId=x.pid)["KeyMetadata"]
    x.expect("KeyState", k["KeyState"], "Enabled" if _bool(x.p("Enabled", True)) in (True, None) or x.p("Enabled", True) is True else "Disabled")
    if "EnableKeyRotation" in x.props:
        x.expect("KeyRotationEnabled", kms.get_key_rotation_status(KeyId=x.pid)["KeyRotationEnabled"],
                 _bool(x.p("EnableKeyRotation")))
    if "KeyPolicy" in x.props:
        pol = kms.get_key_policy(KeyId=x.pid, PolicyName="default")["Policy"]
        want = x.p("KeyPolicy")
        if want is not UNRESOLVED:
            x.expect("KeyPolicy", json.loads(pol) if isinstance(pol, str) else pol,
                     want if isinstance(want, dict) else json.loads(want))


def chk_kms_alias(x: Ctx) -> None:
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in x.c("kms").list_aliases()["Aliases"]}
    name = x.p("AliasName")
    if name not in aliases:
        x.fail(f"alias {name} not found")


def chk_rest_api(x: Ctx) -> None:
    a = x.c("apigateway").get_rest_api(restApiId=x.pid)
    x.expect("Name", a["name"], x.p("Name"))
    ec = x.p("EndpointConfiguration", None)
    if ec not in (None, UNRESOLVED):
        x.expect("EndpointTypes", a.get("endpointConfiguration", {}).get("types"), ec.get("Types"))
    x.expect("ApiKeySourceType", a.get("apiKeySource"), x.p("ApiKeySourceType", "HEADER"))


def chk_resource(x: Ctx) -> None:
    api = x.p("RestApiId")
    r = x.c("apigateway").get_resource(restApiId=api, resourceId=x.pid)
    x.expect("PathPart", r.get("pathPart"), x.p("PathPart"))
    x.expect("ParentId", r.get("parentId"), x.p("ParentId"))
    x.facts["Path"] = r.get("path")


def chk_method(x: Ctx) -> None:
    api, res, verb = x.p("RestApiId"), x.p("ResourceId"), x.p("HttpMethod")
    m = x.c("apigateway").get_method(restApiId=api, resourceId=res, httpMethod=verb)
    x.expect("ApiKeyRequired", bool(m.get("apiKeyRequired")), _bool(x.p("ApiKeyRequired", False)))
    x.expect("AuthorizationType", m.get("authorizationType"), x.p("AuthorizationType"))
    if "AuthorizerId" in x.props:
        x.expect("AuthorizerId", m.get("authorizerId"), x.p("AuthorizerId"))
    integ, want = m.get("methodIntegration") or {}, x.p("Integration", None)
    if want not in (None, UNRESOLVED):
        x.expect("Integration.Type", integ.get("type"), want.get("Type"))
        if "Uri" in want:
            x.expect("Integration.Uri", integ.get("uri"), want["Uri"])
        if "IntegrationHttpMethod" in want:
            x.expect("Integration.HttpMethod", integ.get("httpMethod"), want["IntegrationHttpMethod"])


def chk_authorizer(x: Ctx) -> None:
    a = x.c("apigateway").get_authorizer(restApiId=x.p("RestApiId"), authorizerId=x.pid)
    x.expect("Type", a.get("type"), x.p("Type"))
    x.expect("AuthorizerUri", a.get("authorizerUri"), x.p("AuthorizerUri"))
    x.expect("AuthorizerResultTtlInSeconds", a.get("authorizerResultTtlInSeconds"), x.p("AuthorizerResultTtlInSeconds", 300), int)
    x.expect("IdentitySource", a.get("identitySource") or None, x.p("IdentitySource", None))


def chk_gateway_response(x: Ctx) -> None:
    g = x.c("apigateway").get_gateway_response(restApiId=x.p("RestApiId"), responseType=x.p("ResponseType"))
    if "StatusCode" in x.props:
        x.expect("StatusCode", g.get("statusCode"), x.p("StatusCode"), str)
    x.expect("ResponseTemplates", g.get("responseTemplates") or {}, x.p("ResponseTemplates", {}))
    x.expect("ResponseParameters", g.get("responseParameters") or {}, x.p("ResponseParameters", {}))


def chk_deployment(x: Ctx) -> None:
    x.c("apigateway").get_deployment(restApiId=x.p("RestApiId"), deploymentId=x.pid)


def chk_stage(x: Ctx) -> None:
    s = x.c("apigateway").get_stage(restApiId=x.p("RestApiId"), stageName=x.pid)
    x.expect("StageName", s["stageName"], x.p("StageName", x.pid))
    x.expect("DeploymentId", s.get("deploymentId"), x.p("DeploymentId"))
    als = x.p("AccessLogSetting", None)
    if als not in (None, UNRESOLVED):
        have = s.get("accessLogSettings") or {}
        x.expect("AccessLogSetting.DestinationArn", have.get("destinationArn"), als.get("DestinationArn"))
        if "Format" in als:
            x.expect("AccessLogSetting.Format", have.get("format"), als["Format"])
    if "Variables" in x.props:
        x.expect("Variables", s.get("variables") or {}, x.p("Variables"))


def chk_api_key(x: Ctx) -> None:
    k = x.c("apigateway").get_api_key(apiKey=x.pid)
    x.expect("Enabled", k.get("enabled"), _bool(x.p("Enabled", False)))
    if "Name" in x.props:
        x.expect("Name", k.get("name"), x.p("Name"))


def chk_usage_plan(x: Ctx) -> None:
    u = x.c("apigateway").get_usage_plan(usagePlanId=x.pid)
    t, q = x.p("Throttle", {}), x.p("Quota", {})
    if t is not UNRESOLVED:
        x.expect("Throttle", {k: v for k, v in (u.get("throttle") or {}).items()},
                 {**({"rateLimit": float(t["RateLimit"])} if "RateLimit" in t else {}),
                  **({"burstLimit": int(t["BurstLimit"])} if "BurstLimit" in t else {})})
    if q is not UNRESOLVED:
        x.expect("Quota", {k: v for k, v in (u.get("quota") or {}).items() if k in ("limit", "period", "offset")},
                 {**({"limit": int(q["Limit"])} if "Limit" in q else {}),
                  **({"period": q["Period"]} if "Period" in q else {}),
                  **({"offset": int(q["Offset"])} if "Offset" in q else {})})
    stages = x.p("ApiStages", [])
    if stages is not UNRESOLVED:
        x.expect("ApiStages", sorted((s["apiId"], s["stage"]) for s in u.get("apiStages", [])),
                 sorted((s["ApiId"], s["Stage"]) for s in stages))


def chk_usage_plan_key(x: Ctx) -> None:
    k = x.c("apigateway").get_usage_plan_key(usagePlanId=x.p("UsagePlanId"), keyId=x.p("KeyId"))
    x.expect("KeyType", k.get("type"), x.p("KeyType"))


def chk_apigw_account(x: Ctx) -> None:
    a = x.c("apigateway").get_account()
    x.expect("CloudWatchRoleArn", a.get("cloudwatchRoleArn"), x.p("CloudWatchRoleArn"))


CHECKERS: dict[str, Callable[[Ctx], None]] = {
    "AWS::IAM::Role": chk_role,
    "AWS::Lambda::Function": chk_lambda,
    "AWS::Lambda::Permission": chk_permission,
    "AWS::Logs::LogGroup": chk_log_group,
    "AWS::KMS::Key": chk_kms_key,
    "AWS::KMS::Alias": chk_kms_alias,
    "AWS::ApiGateway::RestApi": chk_rest_api,
    "AWS::ApiGateway::Resource": chk_resource,
    "AWS::ApiGateway::Method": chk_method,
    "AWS::ApiGateway::Deployment": chk_deployment,
    "AWS::ApiGateway::Stage": chk_stage,
    "AWS::ApiGateway::ApiKey": chk_api_key,
    "AWS::ApiGateway::UsagePlan": chk_usage_plan,
    "AWS::ApiGateway::UsagePlanKey": chk_usage_plan_key,
    "AWS::ApiGateway::Account": chk_apigw_account,
    "AWS::ApiGateway::Authorizer": chk_authorizer,
    "AWS::ApiGateway::GatewayResponse": chk_gateway_response,
}
