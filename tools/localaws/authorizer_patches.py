"""Fixes 33-34 (registered in patches.py): who may call a deployed REST API.

- `cfn_apigateway_authorizers`: CloudFormation handlers for AWS::ApiGateway::Authorizer and
  AWS::ApiGateway::GatewayResponse; RestApi ApiKeySourceType and Method AuthorizerId kept.
- `apigateway_lambda_authorizers`: methods with authorizationType CUSTOM run their Lambda authorizer
  (TOKEN or REQUEST) before the integration; with the API's key source AUTHORIZER the key is the
  authorizer's `usageIdentifierKey`.

They plug into invoke_patches.py's user-request route by replacing its `authorize` function (the
gateway responses and usage plan limits are in gateway_patches.py), so each can be switched off
alone (LOCALAWS_DISABLE).
AWS references: Lambda authorizer input and output
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html,
.../api-gateway-lambda-authorizer-output.html), API key sources (.../api-gateway-api-key-source.html).
Tests: Tests/localaws/test_authorizer_fixes.py.
"""
from __future__ import annotations

import fnmatch
import json
import re
import time
from typing import Any

import invoke_patches as ip

# authorizer results: (api id, authorizer id, stage, identity values) -> (expiry, the function's answer)
_cache: dict[tuple, tuple[float, Any]] = {}


# --------------------------------------------------------------------------------------------
# 33. CloudFormation: Authorizer, GatewayResponse, RestApi ApiKeySourceType, Method AuthorizerId
# --------------------------------------------------------------------------------------------
def cfn_apigateway_authorizers() -> None:
    """CloudFormation handlers for AWS::ApiGateway::Authorizer and AWS::ApiGateway::GatewayResponse.

    moto skips both types with a log warning: `Ref` to the authorizer (a method's AuthorizerId) is
    left unresolved and `get-authorizers` / `get-gateway-responses` show nothing. Its RestApi handler
    drops ApiKeySourceType (the API stays HEADER) and its Method handler drops AuthorizerId. Now an
    Authorizer is created on moto's backend (Ref = its id, GetAtt AuthorizerId; CloudFormation's
    AuthorizerResultTtlInSeconds default is 300), updated in place and deleted; a GatewayResponse is
    put on its API (Ref = `<api id>-<type>`) and removed on delete; the RestApi and Method
    properties are kept.
    """
    from moto.apigateway.models import Method, RestAPI, apigateway_backends
    from moto.core.common_models import CloudFormationModel

    from cfn_support import _OneAttribute, _refresh_cfn_model_registry, _wrap_cfn_create

    def backend(account_id: str, region_name: str) -> Any:
        return apigateway_backends[account_id][region_name]

    def authorizer_args(p: dict[str, Any]) -> dict[str, Any]:
        ttl = p.get("AuthorizerResultTtlInSeconds")
        return {"provider_arns": p.get("ProviderARNs"), "auth_type": p.get("AuthType"),
                "authorizer_uri": p.get("AuthorizerUri"), "authorizer_credentials": p.get("AuthorizerCredentials"),
                "identity_source": p.get("IdentitySource"),
                "identiy_validation_expression": p.get("IdentityValidationExpression"),  # moto's spelling
                "authorizer_result_ttl": 300 if ttl is None else int(ttl)}

    class CfnAuthorizer(_OneAttribute, CloudFormationModel):
        __module__ = "moto.apigateway.models"  # moto files models by service name
        cfn_attribute, cfn_attribute_field = "AuthorizerId", "id"

        def __init__(self, api_id: str, authorizer_id: str) -> None:
            self.api_id, self.id = api_id, authorizer_id

        @property
        def physical_resource_id(self) -> str:
            return self.id

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGateway::Authorizer"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnAuthorizer":
            p = cloudformation_json["Properties"]
            a = backend(account_id, region_name).create_authorizer(
                p["RestApiId"], p.get("Name") or resource_name, p["Type"], **authorizer_args(p))
            # moto passes the expression as "identiy_..." and its Authorizer reads "identity_...": lost
            a.identity_validation_expression = p.get("IdentityValidationExpression")
            return cls(p["RestApiId"], a.id)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnAuthorizer", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnAuthorizer":
            p = cloudformation_json["Properties"]
            if p["RestApiId"] != original_resource.api_id:  # a new API: replacement
                new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
                original_resource.delete(account_id, region_name)
                return new
            a = backend(account_id, region_name).get_authorizer(original_resource.api_id, original_resource.id)
            args = authorizer_args(p)
            a.name, a.type = p.get("Name") or a.name, p["Type"]
            a.provider_arns, a.auth_type, a.authorizer_uri = args["provider_arns"], args["auth_type"], args["authorizer_uri"]
            a.authorizer_credentials, a.identity_source = args["authorizer_credentials"], args["identity_source"]
            a.identity_validation_expression = args["identiy_validation_expression"]
            a.authorizer_result_ttl = args["authorizer_result_ttl"]
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            try:
                backend(account_id, region_name).delete_authorizer(self.api_id, self.id)
            except Exception:  # noqa: BLE001 - already gone (with its API): CloudFormation's delete succeeds
                pass

    class CfnGatewayResponse(CloudFormationModel):
        __module__ = "moto.apigateway.models"  # moto files models by service name

        def __init__(self, api_id: str, response_type: str) -> None:
            self.api_id, self.response_type = api_id, response_type

        @property
        def physical_resource_id(self) -> str:
            return f"{self.api_id}-{self.response_type}"

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGateway::GatewayResponse"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnGatewayResponse":
            p = cloudformation_json["Properties"]
            backend(account_id, region_name).put_gateway_response(
                p["RestApiId"], p["ResponseType"], p.get("StatusCode"), p.get("ResponseParameters") or {},
                p.get("ResponseTemplates") or {})
            return cls(p["RestApiId"], p["ResponseType"])

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnGatewayResponse", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnGatewayResponse":
            p = cloudformation_json["Properties"]
            if (p["RestApiId"], p["ResponseType"]) != (original_resource.api_id, original_resource.response_type):
                original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        def delete(self, account_id: str, region_name: str) -> None:
            try:
                backend(account_id, region_name).delete_gateway_response(self.api_id, self.response_type)
            except Exception:  # noqa: BLE001 - the API is gone already
                pass

    def rest_api_after(api: Any, p: dict[str, Any], a: str, r: str) -> None:
        if p.get("ApiKeySourceType"):
            api.api_key_source = p["ApiKeySourceType"]

    def method_after(m: Any, p: dict[str, Any], a: str, r: str) -> None:
        if p.get("AuthorizerId"):
            m.authorizer_id = p["AuthorizerId"]

    _wrap_cfn_create(RestAPI, rest_api_after)
    _wrap_cfn_create(Method, method_after)
    globals()["_AUTHORIZER_CFN_MODELS"] = (CfnAuthorizer, CfnGatewayResponse)  # strong references
    _refresh_cfn_model_registry()


# --------------------------------------------------------------------------------------------
# 34. Lambda authorizers (TOKEN, REQUEST) and API keys from an authorizer
# --------------------------------------------------------------------------------------------
def _unauthorized(reason: str) -> ip.GatewayError:
    return ip.GatewayError(401, "Unauthorized", "UnauthorizedException", reason, "UNAUTHORIZED")


def _denied(reason: str, explicit: bool) -> ip.GatewayError:
    message = "User is not authorized to access this resource" + (" with an explicit deny" if explicit else "")
    return ip.GatewayError(403, message, "AccessDeniedException", reason, "ACCESS_DENIED")


def _config_error(reason: str) -> ip.GatewayError:
    # AWS answers these with {"message": null}
    return ip.GatewayError(500, None, "AuthorizerConfigurationException", reason, "AUTHORIZER_CONFIGURATION_ERROR")  # type: ignore[arg-type]


def _identity_values(req: Any, sources: list[str], params: dict[str, str], stage_vars: dict[str, str]) -> list[str] | None:
    """The values of an authorizer's identity sources; None when one is missing or empty."""
    values = []
    for src in sources:
        kind, _, name = src.partition(".request.") if src.startswith("method.") else (src, "", "")
        if kind == "method" and name.startswith("header."):
            v = ip._header(req.headers, name[len("header."):])
        elif kind == "method" and name.startswith("querystring."):
            v = req.args.get(name[len("querystring."):])
        elif kind == "method" and name.startswith("path."):
            v = params.get(name[len("path."):])
        elif src.startswith("stageVariables."):
            v = stage_vars.get(src[len("stageVariables."):])
        elif src.startswith("context."):
            v = "context"  # known per request; present
        else:
            v = None
        if not v:
            return None
        values.append(v)
    return values


def _statement_matches(st: dict[str, Any], method_arn: str) -> bool:
    actions = st.get("Action", [])
    actions = actions if isinstance(actions, list) else [actions]
    resources = st.get("Resource", [])
    resources = resources if isinstance(resources, list) else [resources]
    return any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions if isinstance(a, str)) and \
        any(fnmatch.fnmatchcase(method_arn, r.replace("[", "[[]")) for r in resources if isinstance(r, str))


def _judge(output: Any, method_arn: str) -> tuple[str, dict[str, Any], str | None]:
    """(principalId, context, usageIdentifierKey) of an Allow; raises 403 or the configuration error."""
    try:
        principal = output["principalId"]
        policy = output["policyDocument"]
        statements = policy["Statement"]
        statements = statements if isinstance(statements, list) else [statements]
        context = output.get("context") or {}
        if not isinstance(principal, str) or not isinstance(context, dict) or \
                any(isinstance(v, (dict, list)) for v in context.values()):
            raise TypeError("principalId must be a string and context values strings, numbers or booleans")
        key = output.get("usageIdentifierKey")
    except (KeyError, TypeError) as exc:
        raise _config_error(f"malformed authorizer answer: {type(exc).__name__}: {exc}") from exc
    matching = [st for st in statements if isinstance(st, dict) and _statement_matches(st, method_arn)]
    if any(st.get("Effect") == "Deny" for st in matching):
        raise _denied(f"the policy denies {method_arn}", True)
    if not any(st.get("Effect") == "Allow" for st in matching):
        raise _denied(f"the policy allows nothing that matches {method_arn}", False)
    return principal, context, key if isinstance(key, str) else None


def _run_authorizer(req: Any, api: Any, stage: str, res: Any, m: Any, path: str, request_id: str,
                    authorizer: Any) -> tuple[dict[str, Any], str | None]:
    from moto.awslambda.models import lambda_backends

    kind = (authorizer.type or "TOKEN").upper()
    if kind not in ("TOKEN", "REQUEST"):
        raise ip._internal(f"localaws: authorizer type {kind} is not emulated")
    params = ip.match_path(res.get_path(), path) or {}
    stage_obj = api.stages.get(stage)
    stage_vars = dict(getattr(stage_obj, "variables", None) or {})
    sources = [s.strip() for s in (authorizer.identity_source or "").split(",") if s.strip()]
    if kind == "TOKEN" and not sources:
        sources = ["method.request.header.Authorization"]
    values = _identity_values(req, sources, params, stage_vars)
    if sources and values is None:  # AWS answers 401 without invoking the function
        raise _unauthorized(f"identity source missing: {', '.join(sources)}")
    if kind == "TOKEN" and authorizer.identity_validation_expression and \
            not re.fullmatch(authorizer.identity_validation_expression, values[0]):
        raise _unauthorized("the token does not match identityValidationExpression")
    method_arn = (f"arn:aws:execute-api:{api.region_name}:{api.account_id}:{api.id}/{stage}/"
                  f"{req.method.upper()}/{path.lstrip('/')}")
    ttl = int(authorizer.authorizer_result_ttl or 0)
    cache_key = (api.id, authorizer.id, stage, tuple(values or ()))
    cached = _cache.get(cache_key) if ttl > 0 and sources else None
    started = time.monotonic()
    if cached and cached[0] > time.time():
        output = cached[1]
    else:
        uri = ip._LAMBDA_URI.match(authorizer.authorizer_uri or "")
        if uri is None:
            raise _config_error(f"authorizerUri is not a Lambda function: {authorizer.authorizer_uri}")
        try:
            fn = lambda_backends[uri["account"]][uri["region"]].get_function(uri["name"], uri["qualifier"])
        except Exception as exc:  # noqa: BLE001
            raise _config_error(f"authorizer function {uri['arn']} not found: {type(exc).__name__}") from exc
        source_arn = f"arn:{uri['partition']}:execute-api:{api.region_name}:{api.account_id}:{api.id}/authorizers/{authorizer.id}"
        if not authorizer.authorizer_credentials and not ip._permitted(fn, source_arn):
            raise _config_error(f"no policy statement lets apigateway.amazonaws.com invoke {uri['arn']} from {source_arn}")
        if kind == "TOKEN":
            event: dict[str, Any] = {"type": "TOKEN", "authorizationToken": values[0], "methodArn": method_arn}
        else:
            proxy = ip._proxy_event(req, api, stage_obj, stage, res, req.method.upper(), path, params, None, request_id)
            proxy.pop("body", None)
            proxy.pop("isBase64Encoded", None)
            event = {"type": "REQUEST", "methodArn": method_arn, **proxy}
        response_headers: dict[str, str] = {}
        payload = lambda_backends[uri["account"]][uri["region"]].invoke(
            uri["name"], uri["qualifier"], json.dumps(event), {"x-amz-invocation-type": "RequestResponse"}, response_headers)
        if response_headers.get("x-amz-function-error"):
            try:
                message = json.loads(payload or b"{}").get("errorMessage")
            except (ValueError, AttributeError):
                message = None
            if message == "Unauthorized":  # the one message API Gateway turns into 401
                raise _unauthorized("the authorizer raised Unauthorized")
            raise _config_error(f"authorizer function error: {(payload or b'')[:200]!r}")
        try:
            output = json.loads(payload or b"null")
        except ValueError as exc:
            raise _config_error("the authorizer's answer is not JSON") from exc
        if ttl > 0 and sources:
            _cache[cache_key] = (time.time() + ttl, output)
    principal, context, key = _judge(output, method_arn)
    ctx = {**{k: v for k, v in context.items()}, "principalId": principal,
           "integrationLatency": int((time.monotonic() - started) * 1000)}
    return ctx, key


def authorize_with_authorizers(req: Any, backend: Any, api: Any, stage: str, res: Any, m: Any, path: str,
                               request_id: str) -> tuple[Any, dict[str, Any] | None]:
    """invoke_patches.authorize with CUSTOM methods and the AUTHORIZER key source."""
    auth_type = (m.authorization_type or "NONE").upper()
    ctx, usage_key = None, None
    if auth_type == "CUSTOM":
        authorizer = api.authorizers.get(m.authorizer_id or "")
        if authorizer is None:
            raise _config_error(f"method authorizer {m.authorizer_id} does not exist")
        ctx, usage_key = _run_authorizer(req, api, stage, res, m, path, request_id, authorizer)
    elif auth_type != "NONE":
        raise ip._internal(f"localaws: authorizationType {auth_type} is not emulated")
    key = None
    if m.api_key_required:
        source = (api.api_key_source or "HEADER").upper()
        value = ip._header(req.headers, "x-api-key") if source == "HEADER" else usage_key
        key = ip._check_api_key(backend, api, stage, value)
    return key, ctx


def apigateway_lambda_authorizers() -> None:
    """Methods with authorizationType CUSTOM run their Lambda authorizer; API keys from AUTHORIZER.

    Without it the user-request route answers 500 for every CUSTOM method, and with the API's key
    source AUTHORIZER no key was checked at all. As on AWS: identity sources (headers, query
    strings, path parameters, stage variables) must all be present and non-empty, else 401
    "Unauthorized" without invoking; TOKEN authorizers get `{type, authorizationToken, methodArn}`
    (identityValidationExpression checked first), REQUEST authorizers the proxy event without a
    body plus `type` and `methodArn`; the function's resource policy must allow
    `.../API/authorizers/ID` (unless the authorizer has credentials), else 500 `{"message": null}`;
    a function error "Unauthorized" is 401, any other error or a malformed answer 500; the policy
    must Allow execute-api:Invoke on the methodArn (wildcards) and a matching Deny wins, else 403.
    Results are cached per identity-source values for authorizerResultTtlInSeconds (none without
    identity sources). The context and principalId reach the integration as
    requestContext.authorizer. With key source AUTHORIZER a method's API key is the answer's
    usageIdentifierKey, checked against the usage plans like an x-api-key header (403 Forbidden).
    """
    ip.authorize = authorize_with_authorizers
