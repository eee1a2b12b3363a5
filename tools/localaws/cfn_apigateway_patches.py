"""Fix 2: CloudFormation handlers for the API Gateway types moto skips (`cfn_apigateway_usage_plans`)."""
from __future__ import annotations

from typing import Any

from cfn_support import _refresh_cfn_model_registry, _tags_dict


# --------------------------------------------------------------------------------------------
# 2. CloudFormation: API Gateway Stage, ApiKey, UsagePlan, UsagePlanKey (and Account)
# --------------------------------------------------------------------------------------------
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
