"""Fixes 46-49 and 53: SageMaker inference components and scale to zero (`slmstack --scaling zero`, issue 20).

moto 5.2.1 has no inference components, refuses an endpoint configuration without a model, and its
InvokeEndpoint ignores `InferenceComponentName`. These fixes emulate what a scale-to-zero stack meets:

46. `sagemaker_inference_components`: an endpoint configuration whose variant has no model (it hosts
    inference components; ManagedInstanceScaling and RoutingConfig are kept and described), and the
    API CreateInferenceComponent, DescribeInferenceComponent, UpdateInferenceComponentRuntimeConfig,
    DeleteInferenceComponent and ListInferenceComponents. A component's copies: `DesiredCopyCount`
    moves at once; `CurrentCopyCount` follows it at once going down and after LOCALAWS_WAKE_SECONDS
    (default 5; 5-10 minutes on AWS) going up, and the endpoint variant's CurrentInstanceCount follows
    the copies (managed instance scaling, one copy per instance).
47. `cfn_sagemaker_inference_component`: AWS::SageMaker::InferenceComponent (Ref = its ARN, GetAtt
    InferenceComponentArn and InferenceComponentName; RuntimeConfig.CopyCount and Specification
    update in place, a new name or endpoint replaces).
48. `aas_inference_component_copies`: Application Auto Scaling takes `inference-component/<name>`
    with `sagemaker:inference-component:DesiredCopyCount` (moto's enum lacks it), through the API
    and CloudFormation (fix 18 checks the component exists).
49. `sagemaker_runtime_inference_component`: InvokeEndpoint honours the
    `X-Amzn-SageMaker-Inference-Component` header: on an endpoint with components the header is
    required, an unknown component is refused, and a component with no copy answers AWS's 400
    ValidationError "Inference Component has no capacity to process this request. ..." (AWS's
    scale-to-zero blog, December 2024). That failure is counted (metric NoCapacityInvocationFailures,
    namespace AWS/SageMaker, dimension InferenceComponentName) and the alarms on it go to ALARM and
    run their Application Auto Scaling step scaling policies at once (AWS: within a 30 s period):
    the wake that sets the copies 0 -> 1.
53. `sagemaker_variant_instances_from_components`: with several components on one endpoint (a
    `--models` stack), the variant's instance count follows all of them, not the last one refreshed:
    CurrentInstanceCount is the sum of their running copies, DesiredInstanceCount of their desired
    ones (one copy per instance, as slmstack's default reservation of all the instance's GPUs asks).
"""
from __future__ import annotations

import json
import os
import time
from typing import Any
from urllib.parse import unquote

from cfn_support import _OneAttribute, _int, _refresh_cfn_model_registry

DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
NO_CAPACITY = ("Inference Component has no capacity to process this request. ApplicationAutoScaling may be in-progress "
               "(if configured) or try to increase the capacity by invoking UpdateInferenceComponentRuntimeConfig API.")
HEADER_REQUIRED = ("Inference Component Name header is required for endpoints to which you plan to deploy inference "
                   "components. Please include Inference Component Name header or consider using SageMaker models.")


def wake_seconds() -> float:
    """How long a copy takes to start here (LOCALAWS_WAKE_SECONDS, default 5)."""
    return float(os.environ.get("LOCALAWS_WAKE_SECONDS") or 5)


def components(account_id: str, region_name: str) -> dict[str, dict[str, Any]]:
    """The emulated inference components of one account and region, by name."""
    from moto.sagemaker.models import sagemaker_backends

    be = sagemaker_backends[account_id][region_name]
    if not hasattr(be, "localaws_components"):
        be.localaws_components = {}
    return be.localaws_components


def refresh(comp: dict[str, Any], account_id: str, region_name: str) -> dict[str, Any]:
    """Brings CurrentCopyCount to DesiredCopyCount once the copies have started, and the endpoint
    variant's instance count along (managed instance scaling: one copy per instance)."""
    from moto.sagemaker.models import sagemaker_backends

    if comp["current"] > comp["desired"] or (comp["ready_at"] is not None and time.time() >= comp["ready_at"]):
        comp["current"], comp["ready_at"] = comp["desired"], None
    endpoint = sagemaker_backends[account_id][region_name].endpoints.get(comp["endpoint"])
    for variant in getattr(endpoint, "production_variants", None) or []:
        if variant.get("VariantName") == comp["variant"]:
            variant["CurrentInstanceCount"], variant["DesiredInstanceCount"] = variant_instances(comp, account_id, region_name)
    return comp


def variant_instances(comp: dict[str, Any], account_id: str, region_name: str) -> tuple[int, int]:
    """(current, desired) instances of `comp`'s variant: its own copies (fix 53 counts every component's)."""
    return comp["current"], comp["desired"]


def set_copies(comp: dict[str, Any], copies: int) -> None:
    """Asks for `copies`: down at once, up after the wake time."""
    if copies > comp["current"]:
        comp["ready_at"] = time.time() + wake_seconds()
    comp["desired"] = copies
    comp["modified"] = time.time()


def sagemaker_error(message: str, code: str = "ValidationException") -> Any:
    from moto.sagemaker.exceptions import ValidationError

    error = ValidationError(message)
    error.code = code
    return error


# --------------------------------------------------------------------------------------------
# 46. Endpoint configurations without a model; the inference component API
# --------------------------------------------------------------------------------------------
def sagemaker_inference_components() -> None:
    """An endpoint configuration without a model, and the inference component API (see the module)."""
    from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    validate = SageMakerModelBackend.validate_production_variants

    def validate_production_variants(self: Any, production_variants: list[dict[str, Any]]) -> None:
        # a variant that hosts inference components has no model
        validate(self, [v for v in production_variants if v.get("ModelName")])

    SageMakerModelBackend.validate_production_variants = validate_production_variants  # type: ignore[method-assign]

    process = FakeEndpoint._process_production_variants

    def _process_production_variants(self: Any, production_variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = process(self, production_variants)
        for variant, given in zip(out, production_variants):
            for key in ("ManagedInstanceScaling", "RoutingConfig"):
                if given.get(key):
                    variant[key] = given[key]
        return out

    FakeEndpoint._process_production_variants = _process_production_variants  # type: ignore[method-assign]

    def describe(comp: dict[str, Any]) -> dict[str, Any]:
        return {"InferenceComponentName": comp["name"], "InferenceComponentArn": comp["arn"], "EndpointName": comp["endpoint"],
                "EndpointArn": comp["endpoint_arn"], "VariantName": comp["variant"], "Specification": comp["specification"],
                "RuntimeConfig": {"DesiredCopyCount": comp["desired"], "CurrentCopyCount": comp["current"]},
                "InferenceComponentStatus": comp["status"], "CreationTime": comp["created"], "LastModifiedTime": comp["modified"]}

    def find(self: Any, name: str) -> dict[str, Any]:
        comp = components(self.current_account, self.region).get(name)
        if comp is None:
            arn = f"arn:aws:sagemaker:{self.region}:{self.current_account}:inference-component/{name}"
            raise sagemaker_error(f'Could not find inference component "{arn}".')
        return refresh(comp, self.current_account, self.region)

    def create_inference_component(self: Any) -> str:
        p = json.loads(self.body)
        return json.dumps({"InferenceComponentArn": create(self.current_account, self.region, p)["arn"]})

    def describe_inference_component(self: Any) -> str:
        return json.dumps(describe(find(self, json.loads(self.body)["InferenceComponentName"])))

    def update_inference_component_runtime_config(self: Any) -> str:
        p = json.loads(self.body)
        comp = find(self, p["InferenceComponentName"])
        set_copies(comp, int(p["DesiredRuntimeConfig"]["CopyCount"]))
        refresh(comp, self.current_account, self.region)
        return json.dumps({"InferenceComponentArn": comp["arn"]})

    def delete_inference_component(self: Any) -> str:
        comp = find(self, json.loads(self.body)["InferenceComponentName"])
        del components(self.current_account, self.region)[comp["name"]]
        return json.dumps({})

    def list_inference_components(self: Any) -> str:
        p = json.loads(self.body or "{}")
        items = [describe(refresh(c, self.current_account, self.region)) for c in components(self.current_account, self.region).values()
                 if p.get("EndpointNameEquals") in (None, c["endpoint"])]
        return json.dumps({"InferenceComponents": [{k: i[k] for k in ("InferenceComponentName", "InferenceComponentArn", "EndpointName",
                                                                       "EndpointArn", "VariantName", "InferenceComponentStatus",
                                                                       "CreationTime", "LastModifiedTime")} for i in items]})

    for f in (create_inference_component, describe_inference_component, update_inference_component_runtime_config,
              delete_inference_component, list_inference_components):
        setattr(SageMakerResponse, f.__name__, f)


def create(account_id: str, region_name: str, p: dict[str, Any]) -> dict[str, Any]:
    """CreateInferenceComponent: the endpoint, its variant and the model must exist; CopyCount copies
    are running when it is InService (as CloudFormation waits for)."""
    from moto.sagemaker.models import sagemaker_backends

    be = sagemaker_backends[account_id][region_name]
    name, endpoint_name = p["InferenceComponentName"], p["EndpointName"]
    if name in components(account_id, region_name):
        raise sagemaker_error(f"Cannot create already existing inference component \"{name}\".")
    endpoint = be.endpoints.get(endpoint_name)
    if endpoint is None:
        raise sagemaker_error(f'Could not find endpoint "arn:aws:sagemaker:{region_name}:{account_id}:endpoint/{endpoint_name.lower()}".')
    variant = p.get("VariantName") or (endpoint.production_variants[0]["VariantName"] if endpoint.production_variants else "")
    if variant not in [v.get("VariantName") for v in endpoint.production_variants]:
        raise sagemaker_error(f"The variant {variant} does not exist on endpoint {endpoint_name}.")
    spec = p.get("Specification") or {}
    model = spec.get("ModelName")
    if model and model not in be._models:
        raise sagemaker_error(f"Could not find model \"arn:aws:sagemaker:{region_name}:{account_id}:model/{model}\".")
    copies = _int((p.get("RuntimeConfig") or {}).get("CopyCount", 1))
    now = time.time()
    comp = {"name": name, "arn": f"arn:aws:sagemaker:{region_name}:{account_id}:inference-component/{name.lower()}",
            "endpoint": endpoint_name, "endpoint_arn": endpoint.arn, "variant": variant, "specification": spec,
            "desired": copies, "current": copies, "ready_at": None, "status": "InService", "created": now, "modified": now,
            "last_scaled": 0.0}
    components(account_id, region_name)[name] = comp
    refresh(comp, account_id, region_name)
    return comp


# --------------------------------------------------------------------------------------------
# 47. AWS::SageMaker::InferenceComponent
# --------------------------------------------------------------------------------------------
def cfn_sagemaker_inference_component() -> None:
    """CloudFormation handler for AWS::SageMaker::InferenceComponent (see the module)."""
    from moto.core.common_models import CloudFormationModel

    class CfnInferenceComponent(_OneAttribute, CloudFormationModel):
        __module__ = "moto.sagemaker.models"  # moto files models by service name

        def __init__(self, name: str, arn: str) -> None:
            self.name, self.arn = name, arn

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("InferenceComponentArn", "InferenceComponentName")

        def get_cfn_attribute(self, attribute_name: str) -> str:
            if attribute_name == "InferenceComponentName":
                return self.name
            if attribute_name == "InferenceComponentArn":
                return self.arn
            return super().get_cfn_attribute(attribute_name)

        @staticmethod
        def cloudformation_name_type() -> str:
            return "InferenceComponentName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SageMaker::InferenceComponent"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnInferenceComponent":
            p = dict(cloudformation_json["Properties"])
            p.setdefault("InferenceComponentName", resource_name)
            comp = create(account_id, region_name, p)
            return cls(comp["name"], comp["arn"])

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnInferenceComponent", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnInferenceComponent":
            p = cloudformation_json["Properties"]
            comp = components(account_id, region_name).get(original_resource.name)
            if comp is None or p.get("InferenceComponentName", comp["name"]) != comp["name"] or p["EndpointName"] != comp["endpoint"]:
                new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
                original_resource.delete(account_id, region_name)
                return new
            comp["specification"] = p.get("Specification") or comp["specification"]
            if "CopyCount" in (p.get("RuntimeConfig") or {}):
                set_copies(comp, _int(p["RuntimeConfig"]["CopyCount"]))
            refresh(comp, account_id, region_name)
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            components(account_id, region_name).pop(self.name, None)

    globals()["_IC_CFN_MODELS"] = (CfnInferenceComponent,)  # strong reference: __subclasses__ holds weak ones
    _refresh_cfn_model_registry()


# --------------------------------------------------------------------------------------------
# 48. Application Auto Scaling on an inference component's copies
# --------------------------------------------------------------------------------------------
def aas_inference_component_copies() -> None:
    """`inference-component/<name>` with `sagemaker:inference-component:DesiredCopyCount` (see the module)."""
    import moto.applicationautoscaling.models as models
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse

    valid = models._target_params_are_valid

    def _target_params_are_valid(namespace: str, r_id: str, dimension: str) -> bool:
        if dimension == DIMENSION:
            if namespace != "sagemaker" or not r_id.startswith("inference-component/"):
                from moto.applicationautoscaling.exceptions import AWSValidationException

                raise AWSValidationException("Unsupported service namespace, resource type or scalable dimension")
            return True
        return valid(namespace, r_id, dimension)

    models._target_params_are_valid = _target_params_are_valid

    check = ApplicationAutoScalingResponse._validate_params

    def _validate_params(self: Any) -> None:
        if self._get_param("ScalableDimension") == DIMENSION:
            return
        check(self)

    ApplicationAutoScalingResponse._validate_params = _validate_params  # type: ignore[method-assign]


def run_policy(account_id: str, region_name: str, arn: str) -> None:
    """Runs the step scaling policy `arn` on an inference component's copies, as an alarm action."""
    from moto.applicationautoscaling.models import applicationautoscaling_backends

    aas = applicationautoscaling_backends[account_id][region_name]
    policy = next((p for p in aas.policies.values() if p.policy_arn == arn), None)
    if policy is None or policy.policy_type != "StepScaling" or policy.scalable_dimension != DIMENSION:
        return
    comp = components(account_id, region_name).get(policy.resource_id.split("/", 1)[1])
    target = aas.targets.get(DIMENSION, {}).get(policy.resource_id)
    if comp is None or target is None:
        return
    config = policy.step_scaling_policy_configuration or {}
    if time.time() - comp["last_scaled"] < float(config.get("Cooldown") or 0):
        return  # AAS: a scale-out in its cooldown does not add again
    step = next((s for s in config.get("StepAdjustments") or [] if float(s.get("MetricIntervalLowerBound", 0)) <= 0), None)
    if step is None:
        return
    adjustment = int(step["ScalingAdjustment"])
    wanted = adjustment if config.get("AdjustmentType") == "ExactCapacity" else comp["desired"] + adjustment
    wanted = max(target.min_capacity or 0, min(target.max_capacity if target.max_capacity is not None else wanted, wanted))
    if wanted != comp["desired"]:
        set_copies(comp, wanted)
        comp["last_scaled"] = time.time()


def no_capacity(account_id: str, region_name: str, name: str) -> None:
    """Counts a NoCapacityInvocationFailures and fires the alarms on it, which run their actions."""
    from moto.cloudwatch.models import cloudwatch_backends

    cw = cloudwatch_backends[account_id][region_name]
    dims = [{"Name": "InferenceComponentName", "Value": name}]
    cw.put_metric_data("AWS/SageMaker", [{"MetricName": "NoCapacityInvocationFailures", "Value": 1.0, "Unit": "Count", "Dimensions": dims}])
    for alarm in list(cw.alarms.values()):
        have = {(d.name, d.value) if hasattr(d, "name") else (d["Name"], d["Value"]) for d in alarm.dimensions or []}
        if alarm.namespace != "AWS/SageMaker" or alarm.metric_name != "NoCapacityInvocationFailures" or ("InferenceComponentName", name) not in have:
            continue
        if alarm.state_value != "ALARM":
            alarm.update_state("Threshold Crossed: 1 datapoint [1.0] was greater than or equal to the threshold (1.0).", "{}", "ALARM")
        if alarm.actions_enabled:
            for action in alarm.alarm_actions:
                if ":scalingPolicy:" in action:
                    run_policy(account_id, region_name, action)


# --------------------------------------------------------------------------------------------
# 49. InvokeEndpoint with InferenceComponentName
# --------------------------------------------------------------------------------------------
def sagemaker_runtime_inference_component() -> None:
    """InvokeEndpoint honours the inference component header; no copy -> AWS's no-capacity error (see the module)."""
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    def guard(original: Any) -> Any:
        def invoke(self: Any) -> Any:
            parts = self.path.split("?")[0].split("/")
            endpoint = unquote(parts[2]) if len(parts) > 3 and parts[1] == "endpoints" else ""
            name = self.headers.get("X-Amzn-SageMaker-Inference-Component")
            comps = components(self.current_account, self.region)
            hosts = any(c["endpoint"] == endpoint for c in comps.values())

            def refuse(message: str) -> Any:
                return 400, {"status": 400, "Content-Type": "application/json", "x-amzn-ErrorType": "ValidationError"}, json.dumps({"message": message})

            if name is None:
                return refuse(HEADER_REQUIRED) if hosts else original(self)
            comp = comps.get(name)
            if comp is None or comp["endpoint"] != endpoint:
                return refuse(f"Inference Component {name} does not exist for endpoint {endpoint} of account {self.current_account}.")
            if refresh(comp, self.current_account, self.region)["current"] == 0:
                no_capacity(self.current_account, self.region, name)
                return refuse(NO_CAPACITY)
            return original(self)
        return invoke

    SageMakerRuntimeResponse.invoke_endpoint = guard(SageMakerRuntimeResponse.invoke_endpoint)  # type: ignore[method-assign]
    if hasattr(SageMakerRuntimeResponse, "invoke_endpoint_with_response_stream"):
        SageMakerRuntimeResponse.invoke_endpoint_with_response_stream = guard(  # type: ignore[method-assign]
            SageMakerRuntimeResponse.invoke_endpoint_with_response_stream)


# --------------------------------------------------------------------------------------------
# 53. The variant's instances follow every component on it
# --------------------------------------------------------------------------------------------
def sagemaker_variant_instances_from_components() -> None:
    """The variant's instance counts sum the copies of every component it hosts (see the module)."""
    def every_component(comp: dict[str, Any], account_id: str, region_name: str) -> tuple[int, int]:
        current = desired = 0
        for other in components(account_id, region_name).values():
            if (other["endpoint"], other["variant"]) != (comp["endpoint"], comp["variant"]):
                continue
            if other is not comp and (other["current"] > other["desired"]
                                      or (other["ready_at"] is not None and time.time() >= other["ready_at"])):
                other["current"], other["ready_at"] = other["desired"], None
            current, desired = current + other["current"], desired + other["desired"]
        return current, desired

    globals()["variant_instances"] = every_component
