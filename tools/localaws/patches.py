"""Runtime fixes for moto 5.2.1, applied by `server.py` before moto's own server starts.

Each fix is one function registered in `FIXES`, named after what it fixes, and
switchable off with `LOCALAWS_DISABLE=name,name` (or `LOCALAWS_DISABLE=all`).
Every fix monkeypatches moto in memory; nothing under site-packages changes.
Each has a test in `Tests/localaws/test_fixes.py` (the invoke fixes 13-14: `test_invoke.py`; the
operations and pausing fixes 16-25: `test_ops_fixes.py`) that
shows the failure with the fix disabled and the success with it enabled.
"""
from __future__ import annotations

import base64
import json
import os
import re
from typing import Any, Callable

MOTO_VERSION = "5.2.1"
FIXES: dict[str, Callable[[], None]] = {}


def fix(fn: Callable[[], None]) -> Callable[[], None]:
    """Register `fn` as a named fix (its function name is the switch name)."""
    FIXES[fn.__name__] = fn
    return fn


def disabled_from_env(environ: dict[str, str] | None = None) -> set[str]:
    """Names listed in LOCALAWS_DISABLE (comma separated; `all` disables every fix)."""
    raw = (environ if environ is not None else os.environ).get("LOCALAWS_DISABLE", "")
    names = {n.strip() for n in raw.split(",") if n.strip()}
    if "all" in names:
        return set(FIXES)
    unknown = names - set(FIXES)
    if unknown:
        raise SystemExit(f"localaws: unknown fix name(s) in LOCALAWS_DISABLE: {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(FIXES)}")
    return names


def apply_all(disabled: set[str]) -> list[str]:
    """Apply every registered fix not in `disabled`; returns the names applied, in order."""
    import moto

    if moto.__version__ != MOTO_VERSION:
        raise SystemExit(f"localaws: the fixes are written for moto {MOTO_VERSION}, found {moto.__version__}")
    applied = []
    for name, fn in FIXES.items():
        if name not in disabled:
            fn()
            applied.append(name)
    return applied


def _refresh_cfn_model_registry() -> None:
    """moto caches the CloudFormationModel subclass list; clear it after adding classes."""
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


# --------------------------------------------------------------------------------------------
# 1. SigV4: body-less requests of REST-JSON services
# --------------------------------------------------------------------------------------------
@fix
def sigv4_empty_payload() -> None:
    """Hash the real (empty) body of GET/DELETE requests when moto re-checks a SigV4 signature.

    moto recomputes the signature from `self._body or self._data`; for a body-less request of a
    REST-JSON service (Lambda, API Gateway, Scheduler ...) `_data` is the header dict, so every
    correctly signed GET/DELETE is rejected with SignatureDoesNotMatch. Query-protocol POSTs keep
    moto's own re-encoding of the form parameters (werkzeug consumed the body).
    """
    from botocore.awsrequest import AWSRequest
    from moto.iam import access_control as ac

    def _create_aws_request(self: Any) -> AWSRequest:
        signed_headers = self._get_string_between(
            "SignedHeaders=", ",", self._headers["Authorization"]).split(";")
        headers = self._create_headers_for_aws_request(signed_headers, self._headers)
        body = self._body
        if not body:
            ctype = next((str(v).lower() for k, v in self._headers.items() if k.lower() == "content-type"), "")
            if "x-www-form-urlencoded" in ctype or isinstance(self._data, (bytes, str)):
                body = self._data
            else:
                body = b""
        request = AWSRequest(method=self._method, url=self._path, data=body, headers=headers)
        request.context["timestamp"] = headers["X-Amz-Date"]
        return request

    ac.IAMRequestBase._create_aws_request = _create_aws_request


@fix
def sigv4_raw_path() -> None:
    """Check SigV4 against the path as sent (percent-encoded), not the decoded one.

    A Lambda call addressed by ARN (`GetPolicy`, `GetFunction` ... with FunctionName=arn:aws:lambda:...)
    puts `arn%3Aaws%3A...` in the path; moto re-signs the decoded `arn:aws:...` path, so the canonical
    URI differs and the correctly signed request is rejected with SignatureDoesNotMatch.
    """
    from urllib.parse import urlparse

    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    def _authenticate_and_authorize_action(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        if ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT:
            if self.headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
                return
            parsed_url = urlparse(self.uri)
            path = getattr(self, "raw_path", None) or parsed_url.path
            if parsed_url.query:
                path += "?" + parsed_url.query
            iam_request = iam_request_cls(account_id=self.current_account, method=self.method, path=path,
                                          data=self.data, body=self.raw_body, headers=self.headers,
                                          action=self._get_action())
            iam_request.check_signature()
            iam_request.check_action_permitted(resource)
        else:
            ActionAuthenticatorMixin.request_count += 1

    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_and_authorize_action


# --------------------------------------------------------------------------------------------
# 2. CloudFormation: API Gateway Stage, ApiKey, UsagePlan, UsagePlanKey (and Account)
# --------------------------------------------------------------------------------------------
def _tags_dict(tags: Any) -> dict[str, str]:
    if isinstance(tags, dict):
        return dict(tags)
    return {t["Key"]: t["Value"] for t in tags or []}


def _method_settings(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """CFN MethodSettings -> moto/AWS `methodSettings` map keyed by `resourcePath/httpMethod`."""
    names = {"ThrottlingRateLimit": ("throttlingRateLimit", float), "ThrottlingBurstLimit": ("throttlingBurstLimit", int),
             "LoggingLevel": ("loggingLevel", str), "MetricsEnabled": ("metricsEnabled", bool),
             "DataTraceEnabled": ("dataTraceEnabled", bool), "CachingEnabled": ("cachingEnabled", bool),
             "CacheTtlInSeconds": ("cacheTtlInSeconds", int), "CacheDataEncrypted": ("cacheDataEncrypted", bool)}
    out: dict[str, dict[str, Any]] = {}
    for item in items or []:
        path = str(item.get("ResourcePath", "/*"))
        key = f"{path[1:] if path.startswith('/') else path}/{item.get('HttpMethod', '*')}"
        out[key] = {names[k][0]: names[k][1](v) if names[k][1] is not bool else str(v).lower() == "true"
                    for k, v in item.items() if k in names}
    return out


@fix
def cfn_apigateway_usage_plans() -> None:
    """CloudFormation handlers for AWS::ApiGateway::Stage, ApiKey, UsagePlan, UsagePlanKey, Account.

    moto skips these types with only a log warning, so outputs that Ref them (ApiKeyId) vanish and
    `apigateway get-stages/get-api-keys/get-usage-plans` show nothing. The handlers create, update and
    delete the objects on moto's own API Gateway backend, so its REST API shows them.
    """
    from moto.apigateway.models import Deployment, apigateway_backends
    from moto.core.common_models import CloudFormationModel

    # `Ref` to an AWS::ApiGateway::Deployment must give its id (a Stage's DeploymentId); moto has no
    # physical_resource_id on Deployment, so the Ref resolved to the Python object.
    Deployment.physical_resource_id = property(lambda self: self.id)

    def backend(account_id: str, region_name: str) -> Any:
        return apigateway_backends[account_id][region_name]

    class CfnStage(CloudFormationModel):
        __module__ = "moto.apigateway.models"  # moto files models by service name

        def __init__(self, account_id: str, region_name: str, api_id: str, name: str) -> None:
            self.account_id, self.region_name, self.api_id, self.name = account_id, region_name, api_id, name

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "StageName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGateway::Stage"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnStage":
            p = cloudformation_json["Properties"]
            api_id = p["RestApiId"]
            name = p.get("StageName") or resource_name
            stage = backend(account_id, region_name).create_stage(
                api_id, name, p.get("DeploymentId"), variables=p.get("Variables") or {},
                description=p.get("Description", ""), cacheClusterEnabled=p.get("CacheClusterEnabled"),
                cacheClusterSize=p.get("CacheClusterSize"), tags=_tags_dict(p.get("Tags")) or None,
                tracing_enabled=p.get("TracingEnabled"))
            cls._set_extras(stage, p)
            return cls(account_id, region_name, api_id, name)

        @staticmethod
        def _set_extras(stage: Any, p: dict[str, Any]) -> None:
            als = p.get("AccessLogSetting")
            stage.access_log_settings = ({"destinationArn": als.get("DestinationArn"), "format": als.get("Format")}
                                         if als else None)
            stage.method_settings = _method_settings(p.get("MethodSettings") or [])

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnStage", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnStage":
            p = cloudformation_json["Properties"]
            if p["RestApiId"] != original_resource.api_id or p.get("StageName", original_resource.name) != original_resource.name:
                original_resource.delete(account_id, region_name)
                return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            stage = backend(account_id, region_name).get_stage(original_resource.api_id, original_resource.name)
            stage.deployment_id = p.get("DeploymentId")
            stage.variables = p.get("Variables") or {}
            stage.description = p.get("Description", "")
            stage.tracing_enabled = p.get("TracingEnabled")
            stage.tags = _tags_dict(p.get("Tags")) or None
            cls._set_extras(stage, p)
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            backend(account_id, region_name).delete_stage(self.api_id, self.name)

    class CfnApiKey(CloudFormationModel):
        __module__ = "moto.apigateway.models"  # moto files models by service name

        def __init__(self, key_id: str) -> None:
            self.id = key_id

        @property
        def physical_resource_id(self) -> str:
            return self.id

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGateway::ApiKey"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "APIKeyId"

        def get_cfn_attribute(self, attribute_name: str) -> str:
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name == "APIKeyId":
                return self.id
            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnApiKey":
            p = cloudformation_json["Properties"]
            payload: dict[str, Any] = {"name": p.get("Name") or resource_name, "description": p.get("Description"),
                                       "enabled": str(p.get("Enabled", False)).lower() == "true",
                                       "customerId": p.get("CustomerId"),
                                       "stageKeys": [f"{s['RestApiId']}/{s['StageName']}" for s in p.get("StageKeys") or []],
                                       "tags": _tags_dict(p.get("Tags")) or None}
            if p.get("Value"):
                payload["value"] = p["Value"]
            key = backend(account_id, region_name).create_api_key(payload)
            return cls(key.id)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnApiKey", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnApiKey":
            p = cloudformation_json["Properties"]
            key = backend(account_id, region_name).get_api_key(original_resource.id)
            if p.get("Value") and p["Value"] != key.value:  # a new value means a new key (replacement)
                original_resource.delete(account_id, region_name)
                return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            key.name = p.get("Name") or key.name
            key.description = p.get("Description")
            key.enabled = str(p.get("Enabled", False)).lower() == "true"
            key.customer_id = p.get("CustomerId")
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            b = backend(account_id, region_name)
            for keys in b.usage_plan_keys.values():  # AWS removes the key from its usage plans too
                keys.pop(self.id, None)
            b.delete_api_key(self.id)

    def _plan_payload(p: dict[str, Any], name: str) -> dict[str, Any]:
        stages = [{"apiId": s["ApiId"], "stage": s["Stage"],
                   **({"throttle": {k: {"rateLimit": float(v.get("RateLimit", 0)), "burstLimit": int(v.get("BurstLimit", 0))}
                                    for k, v in s["Throttle"].items()}} if s.get("Throttle") else {})}
                  for s in p.get("ApiStages") or []]
        t, q = p.get("Throttle") or {}, p.get("Quota") or {}
        throttle = {**({"rateLimit": float(t["RateLimit"])} if "RateLimit" in t else {}),
                    **({"burstLimit": int(t["BurstLimit"])} if "BurstLimit" in t else {})}
        quota = {**({"limit": int(q["Limit"])} if "Limit" in q else {}),
                 **({"offset": int(q["Offset"])} if "Offset" in q else {}),
                 **({"period": q["Period"]} if "Period" in q else {})}
        return {"name": name, "description": p.get("Description"), "apiStages": stages,
                "throttle": throttle, "quota": quota, "tags": _tags_dict(p.get("Tags")) or None}

    class CfnUsagePlan(CloudFormationModel):
        __module__ = "moto.apigateway.models"  # moto files models by service name

        def __init__(self, plan_id: str) -> None:
            self.id = plan_id

        @property
        def physical_resource_id(self) -> str:
            return self.id

        @staticmethod
        def cloudformation_name_type() -> str:
            return "UsagePlanName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGateway::UsagePlan"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Id"

        def get_cfn_attribute(self, attribute_name: str) -> str:
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name == "Id":
                return self.id
            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnUsagePlan":
            p = cloudformation_json["Properties"]
            b = backend(account_id, region_name)
            payload = _plan_payload(p, p.get("UsagePlanName") or resource_name)
            for s in payload["apiStages"]:  # AWS: "Invalid stage identifier specified"
                b.get_stage(s["apiId"], s["stage"])
            return cls(b.create_usage_plan(payload).id)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnUsagePlan", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnUsagePlan":
            p = cloudformation_json["Properties"]
            plan = backend(account_id, region_name).get_usage_plan(original_resource.id)
            payload = _plan_payload(p, p.get("UsagePlanName") or plan.name)
            plan.name, plan.description = payload["name"], payload["description"]
            plan.api_stages, plan.throttle, plan.quota = payload["apiStages"], payload["throttle"], payload["quota"]
            plan.tags = payload["tags"]
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            b = backend(account_id, region_name)
            if b.usage_plan_keys.get(self.id):  # AWS refuses while keys are attached
                from moto.apigateway.exceptions import BadRequestException

                raise BadRequestException(f"Cannot delete Usage Plan {self.id}: API keys are still associated")
            b.get_usage_plan(self.id)
            b.delete_usage_plan(self.id)
            b.usage_plan_keys.pop(self.id, None)

    class CfnUsagePlanKey(CloudFormationModel):
        __module__ = "moto.apigateway.models"  # moto files models by service name

        def __init__(self, plan_id: str, key_id: str) -> None:
            self.plan_id, self.key_id = plan_id, key_id

        @property
        def physical_resource_id(self) -> str:
            return self.key_id

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGateway::UsagePlanKey"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Id"

        def get_cfn_attribute(self, attribute_name: str) -> str:
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name == "Id":
                return self.key_id
            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnUsagePlanKey":
            p = cloudformation_json["Properties"]
            b = backend(account_id, region_name)
            b.get_usage_plan(p["UsagePlanId"])  # UsagePlanNotFound instead of a dangling key map
            b.create_usage_plan_key(p["UsagePlanId"], {"keyId": p["KeyId"], "keyType": p.get("KeyType", "API_KEY")})
            return cls(p["UsagePlanId"], p["KeyId"])

        def delete(self, account_id: str, region_name: str) -> None:
            b = backend(account_id, region_name)
            keys = b.usage_plan_keys.get(self.plan_id, {})
            if self.key_id in keys:
                b.delete_usage_plan_key(self.plan_id, self.key_id)

    class CfnApiGatewayAccount(CloudFormationModel):
        __module__ = "moto.apigateway.models"  # moto files models by service name

        def __init__(self, account_id: str) -> None:
            self.account_id = account_id

        @property
        def physical_resource_id(self) -> str:
            return f"{self.account_id}-apigateway-account"

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGateway::Account"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnApiGatewayAccount":
            role = cloudformation_json["Properties"].get("CloudWatchRoleArn")
            backend(account_id, region_name).account.cloudwatch_role_arn = role
            return cls(account_id)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> Any:
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        def delete(self, account_id: str, region_name: str) -> None:
            # AWS leaves the account setting in place on delete; so do we (it is not a resource)
            return None

    _keep = (CfnStage, CfnApiKey, CfnUsagePlan, CfnUsagePlanKey, CfnApiGatewayAccount)
    globals()["_APIGW_CFN_MODELS"] = _keep  # keep strong references: __subclasses__ holds weak ones
    _refresh_cfn_model_registry()


# --------------------------------------------------------------------------------------------
# 3a. DeleteStack removes the EC2 and API Gateway resources moto leaks, in dependency order
# --------------------------------------------------------------------------------------------
class StackDeleteError(Exception):
    """Raised by the ordered delete when some resources could not be deleted."""

    def __init__(self, failures: dict[str, str]) -> None:
        self.failures = failures
        super().__init__("; ".join(f"{lid}: {why}" for lid, why in failures.items()))


def _template_deps(resource_json: dict[str, Any], names: set[str]) -> set[str]:
    """Logical IDs a resource depends on: DependsOn, Ref, Fn::GetAtt and ${X}/${X.Attr} in Fn::Sub."""
    deps: set[str] = set()
    d = resource_json.get("DependsOn") or []
    deps.update([d] if isinstance(d, str) else d)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "Ref" and isinstance(v, str):
                    deps.add(v)
                elif k == "Fn::GetAtt":
                    target = v[0] if isinstance(v, list) else str(v).split(".")[0]
                    deps.add(target)
                elif k == "Fn::Sub":
                    tpl = v[0] if isinstance(v, list) else v
                    if isinstance(tpl, str):
                        deps.update(m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", tpl))
                    walk(v[1] if isinstance(v, list) and len(v) > 1 else None)
                else:
                    walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in resource_json.items() if k != "DependsOn"})
    return deps & names


def deletion_order(resources: dict[str, Any]) -> list[str]:
    """Reverse topological order of a template's resources (dependents before what they use)."""
    names = set(resources)
    deps = {lid: _template_deps(r, names) - {lid} for lid, r in resources.items()}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(lid: str) -> None:
        if state.get(lid) == 2:
            return
        if state.get(lid) == 1:  # cycle: CloudFormation would reject the template; keep going
            return
        state[lid] = 1
        for d in sorted(deps[lid]):
            visit(d)
        state[lid] = 2
        order.append(lid)

    for lid in sorted(resources):
        visit(lid)
    return list(reversed(order))


def _ec2(account_id: str, region_name: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region_name]


def _apigw(account_id: str, region_name: str) -> Any:
    from moto.apigateway.models import apigateway_backends

    return apigateway_backends[account_id][region_name]


def _del_igw_attachment(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    if props.get("InternetGatewayId"):
        _ec2(a, r).detach_internet_gateway(props["InternetGatewayId"], props["VpcId"])
    elif props.get("VpnGatewayId"):
        _ec2(a, r).detach_vpn_gateway(props["VpnGatewayId"], props["VpcId"])


def _del_nat_gateway(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    ec2 = _ec2(a, r)
    nat = ec2.delete_nat_gateway(res.id)
    eni = getattr(nat, "_eni", None)
    if eni is not None:  # AWS deletes the NAT gateway's network interface with it
        ec2.enis.pop(eni.id, None)
    for address in ec2.addresses:
        if getattr(address, "eni", None) is eni:
            address.eni = None
            address.association_id = None


def _del_route(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    _ec2(a, r).delete_route(res.route_table.id, res.destination_cidr_block, res.destination_ipv6_cidr_block)


def _del_subnet_association(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    ec2 = _ec2(a, r)
    assoc_id = getattr(res, "association_id", None)
    if assoc_id:
        ec2.disassociate_route_table(assoc_id)
    ec2.subnet_associations.pop(f"{props['RouteTableId']}:{props['SubnetId']}", None)


def _del_vpc_endpoint(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    ec2 = _ec2(a, r)
    ec2.delete_vpc_endpoints([res.id])


def _del_method(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    b = _apigw(a, r)
    b.get_method(props["RestApiId"], props["ResourceId"], props["HttpMethod"])
    b.delete_method(props["RestApiId"], props["ResourceId"], props["HttpMethod"])


def _del_resource(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    b = _apigw(a, r)
    b.get_resource(props["RestApiId"], res.id)
    b.delete_resource(props["RestApiId"], res.id)


LEAK_DELETERS: dict[str, Callable[[Any, dict[str, Any], str, str], None]] = {
    "AWS::EC2::VPCGatewayAttachment": _del_igw_attachment,
    "AWS::EC2::InternetGateway": lambda res, p, a, r: _ec2(a, r).delete_internet_gateway(res.id),
    "AWS::EC2::EIP": lambda res, p, a, r: _ec2(a, r).release_address(allocation_id=res.allocation_id),
    "AWS::EC2::NatGateway": _del_nat_gateway,
    "AWS::EC2::RouteTable": lambda res, p, a, r: _ec2(a, r).delete_route_table(res.id),
    "AWS::EC2::Route": _del_route,
    "AWS::EC2::SubnetRouteTableAssociation": _del_subnet_association,
    "AWS::EC2::VPCEndpoint": _del_vpc_endpoint,
    "AWS::EC2::FlowLog": lambda res, p, a, r: _ec2(a, r).delete_flow_logs([res.id]),
    "AWS::ApiGateway::RestApi": lambda res, p, a, r: _apigw(a, r).delete_rest_api(res.id),
    "AWS::ApiGateway::Resource": _del_resource,
    "AWS::ApiGateway::Method": _del_method,
    "AWS::ApiGateway::Deployment": lambda res, p, a, r: _apigw(a, r).delete_deployment(p["RestApiId"], res.id),
}


def _error_text(exc: BaseException) -> str:
    for attr in ("message", "description"):
        val = getattr(exc, attr, None)
        if isinstance(val, str) and val:
            return f"{type(exc).__name__}: {val}"
    return f"{type(exc).__name__}: {exc}"


@fix
def cfn_delete_leaked_resources() -> None:
    """DeleteStack deletes every resource, dependents first, instead of leaking EC2 and API Gateway ones.

    moto has no delete handler for VPCGatewayAttachment, InternetGateway, EIP, NatGateway, RouteTable,
    Route, VPCEndpoint, FlowLog and the API Gateway RestApi/Resource/Method/Deployment, and deletes in
    arbitrary order with retries. This replaces ResourceMap.delete with one pass in reverse dependency
    order (Ref, GetAtt, Sub, DependsOn), using moto's own backend calls. A resource that fails is kept
    in the stack (so a retry can try again), the resources it depends on are skipped, and the whole
    delete raises StackDeleteError naming each failed logical ID.
    """
    from moto.cloudformation.parsing import ResourceMap, clean_json

    def delete(self: Any) -> None:
        jsons = {k: v for k, v in self._resource_json_map.items() if v.get("DeletionPolicy") != "Retain"}
        order = deletion_order(jsons)
        deps = {lid: _template_deps(r, set(jsons)) for lid, r in jsons.items()}
        failures: dict[str, str] = {}
        self.deleted_logical_ids = []
        for lid in order:
            parsed = self._parsed_resources.get(lid)
            if parsed is None or isinstance(parsed, str):
                continue
            blockers = [o for o in jsons if lid in deps[o] and o in self._parsed_resources
                        and not isinstance(self._parsed_resources[o], str) and self._parsed_resources[o] is not None]
            if blockers:
                failures[lid] = f"not deleted: {', '.join(sorted(blockers))} still exist(s) and depend(s) on it"
                continue
            rtype = jsons[lid]["Type"]
            try:
                deleter = LEAK_DELETERS.get(rtype)
                if deleter is not None:
                    props = clean_json(jsons[lid].get("Properties", {}), self)
                    deleter(parsed, props, self._account_id, self._region_name)
                else:
                    self._delete_resource(parsed, jsons[lid])
            except Exception as exc:  # noqa: BLE001 - reported, not swallowed
                failures[lid] = _error_text(exc)
                continue
            self._parsed_resources.pop(lid)
            self.deleted_logical_ids.append(lid)
        if failures:
            raise StackDeleteError(failures)

    ResourceMap.delete = delete


@fix
def cfn_subnet_route_table_association() -> None:
    """AWS::EC2::SubnetRouteTableAssociation really associates the subnet with the route table.

    moto only records the pair in a private dict: DescribeRouteTables shows no association and the
    physical ID is the route table's. This uses moto's own AssociateRouteTable and returns the real
    `rtbassoc-` ID.
    """
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.subnets import SubnetRouteTableAssociation

    original = SubnetRouteTableAssociation.create_from_cloudformation_json.__func__

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        assoc = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        props = cloudformation_json["Properties"]
        assoc.association_id = ec2_backends[account_id][region_name].associate_route_table(
            props["RouteTableId"], subnet_id=props["SubnetId"])
        return assoc

    SubnetRouteTableAssociation.create_from_cloudformation_json = classmethod(create)
    SubnetRouteTableAssociation.physical_resource_id = property(
        lambda self: getattr(self, "association_id", None) or self.route_table_id)


# --------------------------------------------------------------------------------------------
# 3b. A failed DeleteStack leaves the stack in DELETE_FAILED with the reason
# --------------------------------------------------------------------------------------------
@fix
def cfn_delete_failure_reported() -> None:
    """A DeleteStack that cannot delete everything ends in DELETE_FAILED with a reason.

    moto pops the stack before deleting its resources; when one fails, the error goes back to the
    DeleteStack caller and the stack record vanishes (not even listed as DELETE_COMPLETE), so the
    leaked resources are orphaned. As on AWS, DeleteStack now succeeds as a request, the stack stays
    listed with StackStatus DELETE_FAILED and StackStatusReason naming the resources, and there is a
    DELETE_FAILED event per resource. Deleting again retries the remaining resources.
    """
    from moto.cloudformation.models import CloudFormationBackend, Event, Stack

    original = CloudFormationBackend.delete_stack

    def delete_stack(self: Any, name_or_stack_id: str) -> None:
        stack = self.stacks.get(name_or_stack_id) or next(
            (s for s in self.stacks.values() if s.name == name_or_stack_id), None)
        if stack is None:
            return original(self, name_or_stack_id)
        try:
            original(self, stack.stack_id)
        except Exception as exc:  # noqa: BLE001
            failures = getattr(exc, "failures", None) or {"(stack)": _error_text(exc)}
            self.stacks[stack.stack_id] = stack
            self.deleted_stacks.pop(stack.stack_id, None)
            for lid, why in failures.items():
                res = stack.resource_map._parsed_resources.get(lid)
                stack.events.append(Event(
                    stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=lid,
                    physical_resource_id=getattr(res, "physical_resource_id", None),
                    resource_type=stack.template_dict.get("Resources", {}).get(lid, {}).get("Type", ""),
                    resource_status="DELETE_FAILED", resource_status_reason=why, resource_properties=None))
            reason = "The following resource(s) failed to delete: [" + ", ".join(sorted(failures)) + "]. " + \
                "; ".join(f"{k}: {v}" for k, v in failures.items())
            stack.status = "DELETE_FAILED"
            stack.stack_status_reason = reason
            stack._add_stack_event("DELETE_FAILED", resource_status_reason=reason)

    CloudFormationBackend.delete_stack = delete_stack
    if not hasattr(Stack, "stack_status_reason"):
        Stack.stack_status_reason = None


# --------------------------------------------------------------------------------------------
# 4. Change sets: UPDATE is the default type, and executing one updates the stack in place
# --------------------------------------------------------------------------------------------
@fix
def changeset_default_update() -> None:
    """CreateChangeSet without ChangeSetType means UPDATE (as on AWS), and ExecuteChangeSet updates in place.

    moto defaults to CREATE: on an existing stack it makes a second stack of the same name in
    REVIEW_IN_PROGRESS whose execution re-creates every resource. After an UPDATE execution moto
    also keeps the old outputs; this refreshes outputs, parameters and description.
    """
    from moto.cloudformation.models import CloudFormationBackend
    from moto.cloudformation.responses import CloudFormationResponse

    original_create = CloudFormationResponse.create_change_set

    def create_change_set(self: Any) -> Any:
        if self._get_param("ChangeSetType") is None:
            real_get = self._get_param
            self._get_param = lambda name, if_none=None: "UPDATE" if name == "ChangeSetType" else real_get(name, if_none)
        return original_create(self)

    CloudFormationResponse.create_change_set = create_change_set

    original_execute = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks[change_set.stack_id]
        original_execute(self, change_set_name, stack_name)
        if stack.status.endswith("_COMPLETE") and not stack.status.startswith(("ROLLBACK", "UPDATE_ROLLBACK")):
            stack.template = change_set.template
            stack._parse_template()
            stack.description = stack.template_dict.get("Description")
            if change_set.parameters:
                stack.parameters = change_set.parameters
            stack.output_map = stack._create_output_map()

    CloudFormationBackend.execute_change_set = execute_change_set


# --------------------------------------------------------------------------------------------
# 5. Lambda: updating a function whose code is inline Code.ZipFile
# --------------------------------------------------------------------------------------------
@fix
def lambda_inline_zipfile_update() -> None:
    """A stack update that changes a Lambda with inline Code.ZipFile works (moto: HTTP 500).

    On create moto zips the inline source; on update it hands the plain source to
    UpdateFunctionCode, which base64-decodes it and fails. This zips the source on update too,
    and applies Environment/other configuration as on create.
    """
    from moto.awslambda.models import LambdaFunction

    def update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
               account_id: str, region_name: str) -> Any:
        props = cloudformation_json["Properties"]
        code = dict(props["Code"])
        if "ZipFile" in code:
            code["ZipFile"] = base64.b64encode(cls._create_zipfile_from_plaintext_code(code["ZipFile"]))
        config = {k: v for k, v in props.items() if k != "Code"}
        if "Environment" not in config:
            config["Environment"] = {"Variables": {}}
        original_resource.update_configuration(config)
        original_resource.update_function_code(code)
        return original_resource

    LambdaFunction.update_from_cloudformation_json = classmethod(update)


# --------------------------------------------------------------------------------------------
# 6. Application Auto Scaling tag API
# --------------------------------------------------------------------------------------------
@fix
def aas_tag_api() -> None:
    """Application Auto Scaling ListTagsForResource, TagResource and UntagResource.

    moto 5.2.1 has none of them (HTTP 500), and the Terraform provider retries the 500 for ~15
    minutes after creating aws_appautoscaling_target. Tags are kept per backend, keyed by the
    scalable target ARN; an ARN that names no scalable target gets ResourceNotFoundException.
    """
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse as R
    from moto.core.exceptions import JsonRESTError

    def _store(self: Any) -> dict[str, dict[str, str]]:
        be = self.applicationautoscaling_backend
        if not hasattr(be, "localaws_tags"):
            be.localaws_tags = {}
        arn = self._get_param("ResourceARN")
        known = {getattr(t, "arn", None) for ts in be.targets.values() for t in ts.values()}
        if arn not in known:
            raise JsonRESTError("ResourceNotFoundException", f"No scalable target found for {arn}")
        return be.localaws_tags.setdefault(arn, {})

    def list_tags_for_resource(self: Any) -> str:
        return json.dumps({"Tags": _store(self)})

    def tag_resource(self: Any) -> str:
        _store(self).update(self._get_param("Tags") or {})
        return json.dumps({})

    def untag_resource(self: Any) -> str:
        tags = _store(self)
        for k in self._get_param("TagKeys") or []:
            tags.pop(k, None)
        return json.dumps({})

    for f in (list_tags_for_resource, tag_resource, untag_resource):
        setattr(R, f.__name__, f)


# --------------------------------------------------------------------------------------------
# 7. Lambda LoggingConfig
# --------------------------------------------------------------------------------------------
@fix
def lambda_logging_config() -> None:
    """Lambda keeps LoggingConfig (CreateFunction, UpdateFunctionConfiguration, CloudFormation).

    moto 5.2.1 drops it everywhere, so GetFunctionConfiguration cannot show that the function logs
    to its own log group. As on AWS, the answer always has LoggingConfig, defaulting to
    {"LogFormat": "Text", "LogGroup": "/aws/lambda/NAME"}.
    """
    from moto.awslambda.models import LambdaFunction

    def _norm(fn: Any, cfg: dict[str, Any] | None) -> dict[str, Any]:
        out = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{fn.function_name}"}
        out.update({k: v for k, v in (cfg or {}).items() if v is not None})
        return out

    original_init = LambdaFunction.__init__

    def __init__(self: Any, account_id: str, spec: dict[str, Any], region: str, version: Any = 1) -> None:
        original_init(self, account_id, spec, region, version)
        self.logging_config = _norm(self, spec.get("LoggingConfig"))

    original_get = LambdaFunction.get_configuration

    def get_configuration(self: Any, on_create: bool = False) -> dict[str, Any]:
        config = original_get(self, on_create)
        config["LoggingConfig"] = getattr(self, "logging_config", None) or _norm(self, None)
        return config

    original_update = LambdaFunction.update_configuration

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "LoggingConfig" in config_updates:
            self.logging_config = _norm(self, config_updates["LoggingConfig"])
        return original_update(self, config_updates)

    original_cfn = LambdaFunction.create_from_cloudformation_json.__func__

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        fn = original_cfn(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        fn.logging_config = _norm(fn, cloudformation_json["Properties"].get("LoggingConfig"))
        return fn

    LambdaFunction.__init__ = __init__
    LambdaFunction.get_configuration = get_configuration
    LambdaFunction.update_configuration = update_configuration
    LambdaFunction.create_from_cloudformation_json = classmethod(create)


# --------------------------------------------------------------------------------------------
# 8. Failed creates roll back; failed updates are reported
# --------------------------------------------------------------------------------------------
def _roll_back_create(stack: Any, exc: BaseException) -> None:
    """CREATE_FAILED -> delete what was created (dependents first) -> ROLLBACK_COMPLETE/ROLLBACK_FAILED."""
    from moto.cloudformation.models import Event
    from moto.cloudformation.parsing import OutputMap

    lid = getattr(exc, "localaws_logical_id", None) or "(unknown)"
    why = _error_text(exc)
    rtype = stack.template_dict.get("Resources", {}).get(lid, {}).get("Type", "")
    stack.events.append(Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=lid,
                              physical_resource_id=None, resource_type=rtype, resource_status="CREATE_FAILED",
                              resource_status_reason=why, resource_properties=None))
    reason = f"The following resource(s) failed to create: [{lid}]. {why}"
    stack.status = "ROLLBACK_IN_PROGRESS"
    stack.stack_status_reason = reason
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    rmap = stack.resource_map
    try:
        rmap.delete()
        stack.status = "ROLLBACK_COMPLETE"
    except Exception as del_exc:  # noqa: BLE001
        stack.status = "ROLLBACK_FAILED"
        stack.stack_status_reason = f"{reason} Rollback failed: {_error_text(del_exc)}"
    # only what still exists stays listed; nothing is created lazily any more
    rmap._resource_json_map = {k: v for k, v in rmap._resource_json_map.items()
                               if k in rmap._parsed_resources and not isinstance(rmap._parsed_resources[k], str)}
    stack.output_map = OutputMap(rmap, {}, stack.stack_id)
    stack._add_stack_event(stack.status, resource_status_reason=stack.stack_status_reason)


@fix
def cfn_failures_roll_back() -> None:
    """A resource that fails to create rolls the stack back; a failed update is reported, not a 500.

    moto raises the resource's error out of CreateStack/ExecuteChangeSet/UpdateStack: the caller gets
    an HTTP error, the half-created stack stays CREATE_IN_PROGRESS, and every later DescribeStacks
    retries the failed creation (HTTP 500). As on AWS, the request now succeeds and the stack goes
    CREATE_FAILED event -> ROLLBACK_IN_PROGRESS -> ROLLBACK_COMPLETE (created resources deleted,
    dependents first) or ROLLBACK_FAILED, with StackStatusReason naming the failed logical ID. moto
    cannot restore the previous state after a failed update, so an update ends UPDATE_ROLLBACK_FAILED
    with the reason (and the change set EXECUTE_FAILED).
    """
    from moto.cloudformation import parsing
    from moto.cloudformation.models import CloudFormationBackend, Stack

    original_parse = parsing.parse_and_create_resource

    def parse_and_create_resource(logical_id: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return original_parse(logical_id, *args, **kwargs)
        except Exception as exc:
            if not hasattr(exc, "localaws_logical_id"):
                exc.localaws_logical_id = logical_id  # type: ignore[attr-defined]
            raise

    parsing.parse_and_create_resource = parse_and_create_resource

    original_create = CloudFormationBackend.create_stack

    def create_stack(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        before = set(self.stacks)
        try:
            return original_create(self, name, *args, **kwargs)
        except Exception as exc:
            new = [self.stacks[k] for k in self.stacks if k not in before]
            if not new:
                raise  # rejected before the stack existed (template/parameter validation): as on AWS
            _roll_back_create(new[0], exc)
            return new[0]

    CloudFormationBackend.create_stack = create_stack

    original_execute = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks[change_set.stack_id]
        try:
            original_execute(self, change_set_name, stack_name)
        except Exception as exc:
            change_set.execution_status = "EXECUTE_FAILED"
            change_set.status_reason = _error_text(exc)
            if change_set.change_set_type == "CREATE":
                stack.template = change_set.template
                stack._parse_template()
                _roll_back_create(stack, exc)
            else:
                _fail_update(stack, exc)

    CloudFormationBackend.execute_change_set = execute_change_set

    def _fail_update(stack: Any, exc: BaseException) -> None:
        lid = getattr(exc, "localaws_logical_id", None)
        stack.status = "UPDATE_ROLLBACK_FAILED"
        stack.stack_status_reason = (f"{'[' + lid + '] ' if lid else ''}{_error_text(exc)}; "
                                     "localaws: moto cannot roll an update back")
        stack._add_stack_event("UPDATE_ROLLBACK_FAILED", resource_status_reason=stack.stack_status_reason)

    original_update = Stack.update

    def update(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            original_update(self, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            _fail_update(self, exc)

    Stack.update = update
    if not hasattr(Stack, "stack_status_reason"):
        Stack.stack_status_reason = None


# --------------------------------------------------------------------------------------------
# 9. SageMaker instance types
# --------------------------------------------------------------------------------------------
@fix
def sagemaker_instance_types() -> None:
    """Endpoint configs accept every instance type AWS accepts (botocore's enum), e.g. ml.g5/ml.g6.

    moto 5.2.1 validates ProductionVariants against a short, old list without ml.g5.*, ml.g6.* or
    ml.inf2.* (the usual TGI hosts), so CreateEndpointConfig fails with ValidationException.
    Unknown types are still rejected.
    """
    import botocore.session
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import FakeEndpointConfig

    model = botocore.session.get_session().get_service_model("sagemaker")
    valid = set(model.shape_for("ProductionVariantInstanceType").enum)

    def validate_instance_type(self: Any, instance_type: str) -> None:
        if instance_type not in valid:
            raise ValidationError(message=f"Value '{instance_type}' at 'instanceType' failed to satisfy constraint: "
                                          f"Member must satisfy enum value set: {sorted(valid)}")

    FakeEndpointConfig.validate_instance_type = validate_instance_type


# --------------------------------------------------------------------------------------------
# 10. KMS keys with Tags in CloudFormation
# --------------------------------------------------------------------------------------------
@fix
def cfn_kms_key_tags() -> None:
    """AWS::KMS::Key with Tags can be created (and a dict KeyPolicy is kept as JSON text).

    moto passes the CloudFormation tags ({Key, Value}) to the KMS tagger, which expects the API's
    {TagKey, TagValue}; the KeyError is swallowed by the template's lazy lookup, so the stack fails
    with "Fn::GetAtt references undefined resource" on the first GetAtt of the key.
    """
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        props = dict(cloudformation_json["Properties"])
        props["Tags"] = [{"TagKey": t.get("Key", t.get("TagKey")), "TagValue": t.get("Value", t.get("TagValue"))}
                         for t in props.get("Tags") or []]
        if isinstance(props.get("KeyPolicy"), dict):
            props["KeyPolicy"] = json.dumps(props["KeyPolicy"])
        return original(cls, resource_name, {**cloudformation_json, "Properties": props}, account_id, region_name, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create)


# --------------------------------------------------------------------------------------------
# 11. CloudFormation properties moto drops
# --------------------------------------------------------------------------------------------
def _wrap_cfn_create(cls: Any, after: Callable[..., None]) -> None:
    """Run `after(resource, properties, account_id, region_name)` after moto's own CFN create."""
    original = cls.create_from_cloudformation_json.__func__

    def create(klass: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        res = original(klass, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        after(res, cloudformation_json.get("Properties") or {}, account_id, region_name)
        return res

    cls.create_from_cloudformation_json = classmethod(create)


@fix
def cfn_property_fidelity() -> None:
    """Template properties of our resource family that moto's CloudFormation drops or renders wrongly.

    - AWS::EC2::VPC EnableDnsHostnames / EnableDnsSupport (ignored; hostnames stayed off)
    - AWS::EC2::Subnet MapPublicIpOnLaunch (ignored)
    - AWS::EC2::SecurityGroup SecurityGroupEgress (ignored; the allow-all default stayed)
    - AWS::IAM::Role ManagedPolicyArns (ignored; nothing attached)
    - AWS::Logs::LogGroup KmsKeyId (ignored) and GetAtt Arn (AWS ends it with ":*", moto did not)
    - AWS::ApiGateway::RestApi EndpointConfiguration (kept as {"Types": ...}, so the API showed none)
    """
    from moto.apigateway.models import RestAPI
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.security_groups import SecurityGroup
    from moto.ec2.models.subnets import Subnet
    from moto.ec2.models.vpcs import VPC
    from moto.iam.models import Role, iam_backends
    from moto.logs.models import LogGroup

    def truthy(v: Any) -> bool:
        return str(v).lower() == "true"

    def vpc_after(vpc: Any, p: dict[str, Any], a: str, r: str) -> None:
        if "EnableDnsHostnames" in p:
            vpc.enable_dns_hostnames = truthy(p["EnableDnsHostnames"])
        if "EnableDnsSupport" in p:
            vpc.enable_dns_support = truthy(p["EnableDnsSupport"])

    def subnet_after(subnet: Any, p: dict[str, Any], a: str, r: str) -> None:
        if "MapPublicIpOnLaunch" in p:
            subnet.map_public_ip_on_launch = truthy(p["MapPublicIpOnLaunch"])

    def sg_after(sg: Any, p: dict[str, Any], a: str, r: str) -> None:
        rules = p.get("SecurityGroupEgress")
        if not rules:
            return
        ec2 = ec2_backends[a][r]
        sg.egress_rules = []  # as on AWS: explicit egress rules replace the allow-all default
        for rule in rules:
            dest = {"GroupId": rule["DestinationSecurityGroupId"]} if rule.get("DestinationSecurityGroupId") else None
            ec2.authorize_security_group_egress(
                group_name_or_id=sg.id, ip_protocol=str(rule["IpProtocol"]),
                from_port=rule.get("FromPort", -1), to_port=rule.get("ToPort", -1),
                ip_ranges=[{"CidrIp": rule["CidrIp"]}] if rule.get("CidrIp") else [],
                source_groups=[dest] if dest else [],
                prefix_list_ids=[{"PrefixListId": rule["DestinationPrefixListId"]}] if rule.get("DestinationPrefixListId") else [],
                vpc_id=sg.vpc_id)

    def role_after(role: Any, p: dict[str, Any], a: str, r: str) -> None:
        from moto.utilities.utils import get_partition

        backend = iam_backends[a][get_partition(r)]
        for arn in p.get("ManagedPolicyArns") or []:
            backend.attach_role_policy(arn, role.name)

    def log_group_after(group: Any, p: dict[str, Any], a: str, r: str) -> None:
        if p.get("KmsKeyId"):
            group.kms_key_id = p["KmsKeyId"]

    def rest_api_after(api: Any, p: dict[str, Any], a: str, r: str) -> None:
        ec = p.get("EndpointConfiguration")
        if isinstance(ec, dict):
            api.endpoint_configuration = {"types": ec.get("Types") or ["EDGE"],
                                          **({"vpcEndpointIds": ec["VpcEndpointIds"]} if ec.get("VpcEndpointIds") else {})}

    _wrap_cfn_create(VPC, vpc_after)
    _wrap_cfn_create(Subnet, subnet_after)
    _wrap_cfn_create(SecurityGroup, sg_after)
    _wrap_cfn_create(Role, role_after)
    _wrap_cfn_create(LogGroup, log_group_after)
    _wrap_cfn_create(RestAPI, rest_api_after)

    original_getatt = LogGroup.get_cfn_attribute

    def get_cfn_attribute(self: Any, attribute_name: str) -> str:
        value = original_getatt(self, attribute_name)
        return f"{value}:*" if attribute_name == "Arn" and not value.endswith(":*") else value

    LogGroup.get_cfn_attribute = get_cfn_attribute

    original_role_delete = Role.delete_from_cloudformation_json.__func__

    def role_delete(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                    region_name: str) -> None:
        # CloudFormation detaches the managed policies it attached before it deletes the role
        from moto.utilities.utils import get_partition

        backend = iam_backends[account_id][get_partition(region_name)]
        for role in list(backend.roles.values()):
            if role.name == resource_name:
                for arn in list(role.managed_policies):
                    backend.detach_role_policy(arn, role.name)
        original_role_delete(cls, resource_name, cloudformation_json, account_id, region_name)

    Role.delete_from_cloudformation_json = classmethod(role_delete)


# --------------------------------------------------------------------------------------------
# 12. Resources added by a change set or an update: dependency order and stack tags
# --------------------------------------------------------------------------------------------
@fix
def cfn_update_creation_order() -> None:
    """Resources added by ExecuteChangeSet/UpdateStack are created in dependency order and tagged.

    CreateStack creates in DependsOn order, but the update path (which executing a CREATE change
    set also uses) creates added resources in template order, ignoring DependsOn: an
    AWS::ApiGateway::Deployment that DependsOn its methods fails with "The REST API doesn't contain
    any methods". That path also skips the aws:cloudformation:* tags CreateStack puts on EC2
    resources. Added resources now follow Ref/GetAtt/Sub/DependsOn order and get the same tags.
    """
    from moto.cloudformation.parsing import ResourceMap
    from moto.ec2 import models as ec2_models
    from moto.ec2.models.core import TaggedEC2Resource

    original_diff = ResourceMap.build_resource_diff
    original_update = ResourceMap.update

    def sort_added(lids: list[str], resources: dict[str, Any]) -> list[str]:
        creation = list(reversed(deletion_order(resources)))
        return sorted(lids, key=lambda lid: creation.index(lid) if lid in creation else len(creation))

    def build_resource_diff(self: Any, other_template: dict[str, Any], parameters: dict[str, Any] | None = None) -> Any:
        diff = original_diff(self, other_template, parameters)
        diff["Add"] = sort_added(diff["Add"], other_template.get("Resources") or {})
        return diff

    def update(self: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
        before = set(self._parsed_resources)
        original_update(self, template, parameters)
        tags = dict(self.tags)
        tags.update({"aws:cloudformation:stack-name": self["AWS::StackName"],
                     "aws:cloudformation:stack-id": self["AWS::StackId"]})
        backend = ec2_models.ec2_backends[self._account_id][self._region_name]
        for lid in set(self._parsed_resources) - before:
            res = self._parsed_resources[lid]
            if isinstance(res, TaggedEC2Resource):
                backend.create_tags([res.physical_resource_id], {**tags, "aws:cloudformation:logical-id": lid})

    ResourceMap.build_resource_diff = build_resource_diff
    ResourceMap.localaws_sort_added = staticmethod(sort_added)  # for diffs that add more (cfn_update_conditions)
    ResourceMap.update = update


@fix
def cfn_update_keeps_unsupported_resources() -> None:
    """An update keeps a resource moto cannot update instead of replacing it with nothing.

    For types without an update handler (AWS::KMS::Key among them) moto's parse_and_update_resource
    returns None whenever the resource's template entry changed, even only its DeletionPolicy, and
    the stack then fails with "Fn::GetAtt references undefined resource". AWS applies such a change
    in place (a policy change touches no property). Keeping the existing resource matches that; a
    property change to such a type still does not reach the resource (listed as a gap).
    """
    from moto.cloudformation import parsing

    original = parsing.parse_and_update_resource

    def parse_and_update_resource(logical_id: str, resource_json: dict[str, Any], resources_map: Any,
                                  account_id: str, region_name: str) -> Any:
        updated = original(logical_id, resource_json, resources_map, account_id, region_name)
        if updated is None:
            existing = resources_map._parsed_resources.get(logical_id)
            if existing is not None and not isinstance(existing, str):
                return existing
        return updated

    parsing.parse_and_update_resource = parse_and_update_resource


# --------------------------------------------------------------------------------------------
# 13-14. The deployed API answers: Lambda Invoke without Docker, API Gateway AWS_PROXY to Lambda
# --------------------------------------------------------------------------------------------
# They live in invoke_patches.py (with lambda_runner.py); registered here like every other fix.
from invoke_patches import apigateway_proxy_to_lambda, lambda_invoke_subprocess  # noqa: E402

fix(lambda_invoke_subprocess)
fix(apigateway_proxy_to_lambda)


# --------------------------------------------------------------------------------------------
# 16-25. Operations resources (schedule, alarms, autoscaling, SNS), pausing by a change set, deleted stacks
# --------------------------------------------------------------------------------------------
# They live in ops_patches.py; registered here like every other fix.
from ops_patches import (  # noqa: E402
    cfn_application_autoscaling,
    cfn_cloudwatch_alarm,
    cfn_deleted_stack_frozen,
    cfn_lambda_permission_delete,
    cfn_parameters_follow_template,
    cfn_scheduler_schedule,
    cfn_sns_subscription,
    cfn_stack_resources_conditions,
    cfn_update_conditions,
    cfn_update_removes_resources,
    cfn_update_sub_parameters,
)

fix(cfn_scheduler_schedule)
fix(cfn_cloudwatch_alarm)
fix(cfn_application_autoscaling)
fix(cfn_sns_subscription)
fix(cfn_lambda_permission_delete)
fix(cfn_update_conditions)
fix(cfn_update_sub_parameters)
fix(cfn_update_removes_resources)
fix(cfn_stack_resources_conditions)
fix(cfn_deleted_stack_frozen)
fix(cfn_parameters_follow_template)


# --------------------------------------------------------------------------------------------
# 37-38. Importing existing resources into a stack (IMPORT change sets), log group updates
# --------------------------------------------------------------------------------------------
# They live in import_patches.py; registered here like every other fix (after the change-set fixes
# they wrap: an IMPORT change set never reaches them).
from import_patches import cfn_import_change_sets, cfn_log_group_update  # noqa: E402

fix(cfn_log_group_update)
fix(cfn_import_change_sets)


# --------------------------------------------------------------------------------------------
# A rehearsal account: quotas, Lambda concurrency, the API Gateway role (localaws.py start flags)
# --------------------------------------------------------------------------------------------
# They live in account_patches.py; registered here like every other fix.
from account_patches import (  # noqa: E402
    apigateway_account_role,
    lambda_account_settings,
    lambda_concurrency_minimum,
    sagemaker_endpoint_quota,
    service_quotas_account,
)

fix(service_quotas_account)
fix(sagemaker_endpoint_quota)
fix(lambda_account_settings)
fix(lambda_concurrency_minimum)
fix(apigateway_account_role)


# --------------------------------------------------------------------------------------------
# 40-41. SageMaker endpoints: no answer from one that does not exist (a paused stack's); a new EndpointName replaces it
# --------------------------------------------------------------------------------------------
# They live in endpoint_patches.py; registered here like every other fix.
from endpoint_patches import cfn_sagemaker_endpoint_rename, sagemaker_runtime_missing_endpoint  # noqa: E402

fix(sagemaker_runtime_missing_endpoint)
fix(cfn_sagemaker_endpoint_rename)


# --------------------------------------------------------------------------------------------
# 39. CreateChangeSet is idempotent by its ClientToken (a retry after a cut answer)
# --------------------------------------------------------------------------------------------
# It lives in token_patches.py; registered here like every other fix, last: it wraps the
# change-set fixes above.
from token_patches import cfn_change_set_client_token  # noqa: E402

fix(cfn_change_set_client_token)


# --------------------------------------------------------------------------------------------
# 33-36. Who may call a deployed API: Lambda authorizers, API keys from an authorizer, gateway
# responses, usage plan throttle and quota
# --------------------------------------------------------------------------------------------
# They live in authorizer_patches.py and gateway_patches.py (they replace invoke_patches.authorize and
# gateway_error_answer);
# registered here like every other fix, the limits after the authorizers they wrap.
from authorizer_patches import apigateway_lambda_authorizers, cfn_apigateway_authorizers  # noqa: E402
from gateway_patches import apigateway_gateway_responses, apigateway_usage_plan_limits  # noqa: E402

fix(cfn_apigateway_authorizers)
fix(apigateway_lambda_authorizers)
fix(apigateway_gateway_responses)
fix(apigateway_usage_plan_limits)


# --------------------------------------------------------------------------------------------
# 42. CreateStack creates in full dependency order (Ref, Fn::GetAtt, Fn::Sub, DependsOn)
# --------------------------------------------------------------------------------------------
# It lives in order_patches.py; registered here like every other fix.
from order_patches import cfn_create_dependency_order  # noqa: E402

fix(cfn_create_dependency_order)


# --------------------------------------------------------------------------------------------
# 43. SageMaker Runtime InvokeEndpointWithResponseStream (TGI's token stream in AWS event-stream framing)
# --------------------------------------------------------------------------------------------
# It lives in stream_patches.py; registered here like every other fix.
from stream_patches import sagemaker_runtime_response_stream  # noqa: E402

fix(sagemaker_runtime_response_stream)

# --------------------------------------------------------------------------------------------
# 44-45. Lambda Web Adapter functions (layer + exec wrapper), API Gateway response streaming (STREAM)
# --------------------------------------------------------------------------------------------
# They live in lwa_patches.py (with lwa_http.py) and stream_gateway_patches.py; registered here like
# every other fix, after fix 13 (LWA wraps its Invoke) and fix 14 (STREAM wraps its route).
from lwa_patches import lambda_web_adapter  # noqa: E402
from stream_gateway_patches import apigateway_response_streaming  # noqa: E402

fix(lambda_web_adapter)
fix(apigateway_response_streaming)
