"""Fixes 6 and 18: Application Auto Scaling's tag API and its CloudFormation types.

- `aas_tag_api`: ListTagsForResource, TagResource and UntagResource
- `cfn_application_autoscaling`: AWS::ApplicationAutoScaling::ScalableTarget (Ref =
  `resourceId|scalableDimension|serviceNamespace`) and ScalingPolicy (Ref = ARN)
"""
from __future__ import annotations

import json
from typing import Any

from cfn_support import _OneAttribute, _bool, _int, _refresh_cfn_model_registry


SERVICE_LINKED_AAS_ROLES = {
    "sagemaker": "aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
                 "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
}


# --------------------------------------------------------------------------------------------
# 6. Application Auto Scaling tag API
# --------------------------------------------------------------------------------------------
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
# 18. AWS::ApplicationAutoScaling::ScalableTarget / ScalingPolicy
# --------------------------------------------------------------------------------------------
def cfn_application_autoscaling() -> None:
    """CloudFormation handlers for AWS::ApplicationAutoScaling::ScalableTarget and ::ScalingPolicy.

    moto skips both types with a log warning: `application-autoscaling describe-scalable-targets /
    describe-scaling-policies` show nothing and outputs that Ref them vanish. Ref of a target is
    `resourceId|scalableDimension|serviceNamespace` (as on AWS), of a policy its ARN (also GetAtt Arn).
    As on AWS, a SageMaker target needs its endpoint variant to exist, a policy needs its target, a
    target without RoleARN gets the service-linked role, capacities/suspension and policy
    configurations update in place (the policy keeps its ARN), a new resource ID, dimension,
    namespace or policy name replaces, and deregistering a target deletes its policies.
    """
    from moto.applicationautoscaling.exceptions import AWSValidationException
    from moto.applicationautoscaling.models import FakeApplicationAutoscalingPolicy, applicationautoscaling_backends
    from moto.core.common_models import CloudFormationModel

    def backend(account_id: str, region_name: str) -> Any:
        return applicationautoscaling_backends[account_id][region_name]

    def check_sagemaker_variant(account_id: str, region_name: str, resource_id: str) -> None:
        from moto.sagemaker.models import sagemaker_backends

        parts = resource_id.split("/")
        if len(parts) == 2 and parts[0] == "inference-component":
            # an inference component's copies (fix 48): the component must exist (fix 46's store)
            known = getattr(sagemaker_backends[account_id][region_name], "localaws_components", {})
            if parts[1] not in known:
                raise AWSValidationException(f"The inference component {parts[1]} does not exist")
            return
        if len(parts) != 4 or parts[0] != "endpoint" or parts[2] != "variant":
            raise AWSValidationException(f"Unsupported resource ID for SageMaker: {resource_id}")
        endpoint = sagemaker_backends[account_id][region_name].endpoints.get(parts[1])
        variants = [v.get("VariantName") for v in (getattr(endpoint, "production_variants", None) or [])]
        if endpoint is None or parts[3] not in variants:
            raise AWSValidationException(f"The endpoint variant {resource_id} does not exist")

    def suspended(p: dict[str, Any]) -> Any:
        s = p.get("SuspendedState")
        return {k: _bool(v) for k, v in s.items()} if isinstance(s, dict) else None

    class CfnScalableTarget(_OneAttribute, CloudFormationModel):
        __module__ = "moto.applicationautoscaling.models"  # moto files models by service name
        cfn_attribute, cfn_attribute_field = "Id", "physical_resource_id"

        def __init__(self, namespace: str, resource_id: str, dimension: str) -> None:
            self.namespace, self.resource_id, self.dimension = namespace, resource_id, dimension

        @property
        def physical_resource_id(self) -> str:
            return f"{self.resource_id}|{self.dimension}|{self.namespace}"

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApplicationAutoScaling::ScalableTarget"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnScalableTarget":
            p = cloudformation_json["Properties"]
            ns, rid, dim = p["ServiceNamespace"], p["ResourceId"], p["ScalableDimension"]
            if ns == "sagemaker":
                check_sagemaker_variant(account_id, region_name, rid)
            role = p.get("RoleARN")
            if not role and ns in SERVICE_LINKED_AAS_ROLES:
                role = f"arn:aws:iam::{account_id}:role/{SERVICE_LINKED_AAS_ROLES[ns]}"
            backend(account_id, region_name).register_scalable_target(
                ns, rid, dim, min_capacity=_int(p.get("MinCapacity")), max_capacity=_int(p.get("MaxCapacity")),
                role_arn=role, suspended_state=suspended(p))
            return cls(ns, rid, dim)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnScalableTarget", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnScalableTarget":
            p = cloudformation_json["Properties"]
            o = original_resource
            if (p["ServiceNamespace"], p["ResourceId"], p["ScalableDimension"]) != (o.namespace, o.resource_id, o.dimension):
                new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
                o.delete(account_id, region_name)
                return new
            target = backend(account_id, region_name).targets[o.dimension][o.resource_id]
            target.min_capacity, target.max_capacity = _int(p.get("MinCapacity")), _int(p.get("MaxCapacity"))
            target.suspended_state = suspended(p)
            if p.get("RoleARN"):
                target.role_arn = p["RoleARN"]
            return o

        def delete(self, account_id: str, region_name: str) -> None:
            b = backend(account_id, region_name)
            for key, pol in list(b.policies.items()):  # AWS deletes the target's policies with it
                if (pol.service_namespace, pol.resource_id, pol.scalable_dimension) == \
                        (self.namespace, self.resource_id, self.dimension):
                    pol.delete_alarms(account_id, region_name)
                    del b.policies[key]
            try:
                b.deregister_scalable_target(self.namespace, self.resource_id, self.dimension)
            except AWSValidationException:
                pass  # already gone: CloudFormation's delete succeeds
            getattr(b, "localaws_tags", {}).pop(getattr(self, "arn", None), None)

    def policy_target(p: dict[str, Any]) -> tuple[str, str, str]:
        if p.get("ScalingTargetId"):
            rid, dim, ns = str(p["ScalingTargetId"]).split("|")
            return ns, rid, dim
        return p["ServiceNamespace"], p["ResourceId"], p["ScalableDimension"]

    def policy_body(p: dict[str, Any]) -> dict[str, Any]:
        body = p.get("TargetTrackingScalingPolicyConfiguration") or p.get("StepScalingPolicyConfiguration") or {}

        def norm(v: Any) -> Any:
            if isinstance(v, dict):
                return {k: norm(x) for k, x in v.items()}
            if isinstance(v, list):
                return [norm(x) for x in v]
            return _bool(v) if str(v).lower() in ("true", "false") else _int(v) if not isinstance(v, bool) else v
        out = norm(body)
        if "TargetValue" in out:
            out["TargetValue"] = float(out["TargetValue"])
        return out

    class CfnScalingPolicy(_OneAttribute, CloudFormationModel):
        __module__ = "moto.applicationautoscaling.models"  # moto files models by service name

        def __init__(self, key: str, arn: str) -> None:
            self.key, self.arn = key, arn

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @staticmethod
        def cloudformation_name_type() -> str:
            return "PolicyName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApplicationAutoScaling::ScalingPolicy"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnScalingPolicy":
            p = cloudformation_json["Properties"]
            ns, rid, dim = policy_target(p)
            b = backend(account_id, region_name)
            if not b._scalable_target_exists(rid, dim):
                raise AWSValidationException(f"No scalable target registered for service namespace: {ns}, "
                                             f"resource ID: {rid}, scalable dimension: {dim}")
            name = p.get("PolicyName") or resource_name
            pol = b.put_scaling_policy(name, ns, rid, dim, policy_body(p), p.get("PolicyType"))
            return cls(FakeApplicationAutoscalingPolicy.formulate_key(ns, rid, dim, name), pol.policy_arn)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnScalingPolicy", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnScalingPolicy":
            p = cloudformation_json["Properties"]
            ns, rid, dim = policy_target(p)
            name = p.get("PolicyName") or original_resource.key.split("\t")[-1]
            key = FakeApplicationAutoscalingPolicy.formulate_key(ns, rid, dim, name)
            if key != original_resource.key:
                new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
                original_resource.delete(account_id, region_name)
                return new
            b = backend(account_id, region_name)
            old = b.policies[key]
            pol = b.put_scaling_policy(name, ns, rid, dim, policy_body(p), p.get("PolicyType"))
            pol.policy_arn, pol._guid, pol.creation_time = old.policy_arn, old._guid, old.creation_time  # updated in place
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            b = backend(account_id, region_name)
            pol = b.policies.pop(self.key, None)
            if pol is not None:
                pol.delete_alarms(account_id, region_name)

    globals()["_AAS_CFN_MODELS"] = (CfnScalableTarget, CfnScalingPolicy)  # strong references
    _refresh_cfn_model_registry()
