"""Fixes 16-26: the stack's operations resources and pausing by a change set.

CloudFormation handlers moto lacks, creating, updating and deleting on moto's own service backends:
- `cfn_scheduler_schedule`: AWS::Scheduler::Schedule (Ref = name, GetAtt Arn)
- `cfn_cloudwatch_alarm`: AWS::CloudWatch::Alarm (Ref = name, GetAtt Arn)
- `cfn_application_autoscaling`: AWS::ApplicationAutoScaling::ScalableTarget (Ref =
  `resourceId|scalableDimension|serviceNamespace`) and ScalingPolicy (Ref = ARN)
- `cfn_sns_subscription`: AWS::SNS::Subscription, and AWS::SNS::Topic Tags / in-place update
- `cfn_lambda_permission_delete`: AWS::Lambda::Permission gets its statement id as physical ID and
  removing it from a stack removes the statement

Updates driven by parameters (pausing = a change set with UsePreviousTemplate and Paused=true):
- `cfn_update_conditions`: resources whose Condition turns false are removed, turned true are added,
  and Fn::If on a changed condition modifies the resource; DescribeChangeSet lists these changes
- `cfn_update_sub_parameters`: a parameter used only through Fn::Sub (`at(${ExpiresAt})`) updates
- `cfn_update_removes_resources`: resources an update removes are really deleted, dependents first,
  with the same deleters as DeleteStack, and leave the stack's resource list
- `cfn_stack_resources_conditions`: DescribeStackResources leaves out resources whose Condition is false
- `cfn_deleted_stack_frozen`: DescribeStacks of a deleted stack does not re-create its resources
- `cfn_parameters_follow_template`: a stack's parameters are those its current template declares
  (a TTL turned off takes ExpiresAt away); UsePreviousValue for any other is a ValidationError

Kept apart from patches.py for size; patches.py registers them like every other fix.
"""
from __future__ import annotations

import json
from typing import Any

SERVICE_LINKED_AAS_ROLES = {
    "sagemaker": "aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
                 "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
}


def cfn_name(resource_name: str, props: dict[str, Any], name_prop: str, limit: int) -> str:
    """The name CloudFormation gives a resource: the template's, or `<stack>-<LogicalId>-<RANDOM>` cut to `limit`.

    moto generates `<stack>-<LogicalId>-<12 random>` without a length limit; CloudFormation shortens
    the `<stack>-<LogicalId>` part so that the whole name fits the service's limit.
    """
    if props.get(name_prop):
        return str(props[name_prop])
    prefix, _, suffix = resource_name.rpartition("-")
    if not prefix or len(resource_name) <= limit:
        return resource_name[:limit]
    return f"{prefix[:limit - len(suffix) - 1].rstrip('-')}-{suffix}"


def _int(v: Any) -> Any:
    return int(v) if isinstance(v, (str, float)) and str(v).lstrip("-").replace(".", "", 1).isdigit() else v


def _float(v: Any) -> Any:
    try:
        return float(v)
    except (TypeError, ValueError):
        return v


def _bool(v: Any) -> bool:
    return str(v).lower() == "true"


def _unformatted_getatt() -> Exception:
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

    return UnformattedGetAttTemplateException()


class _OneAttribute:
    """The one `Fn::GetAtt` attribute of the models below: `cfn_attribute`, read from the
    attribute `cfn_attribute_field` (mixed in before moto's CloudFormationModel)."""

    cfn_attribute = "Arn"
    cfn_attribute_field = "arn"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == cls.cfn_attribute

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == self.cfn_attribute:
            return getattr(self, self.cfn_attribute_field)
        raise _unformatted_getatt()


# --------------------------------------------------------------------------------------------
# 16. AWS::Scheduler::Schedule
# --------------------------------------------------------------------------------------------
def cfn_scheduler_schedule() -> None:
    """CloudFormation handler for AWS::Scheduler::Schedule on moto's EventBridge Scheduler backend.

    moto skips the type with a log warning: `scheduler get-schedule` finds nothing, outputs that Ref
    or GetAtt the schedule vanish (a GetAtt output even makes CreateStack fail with HTTP 500). Ref is
    the schedule's name (generated `<stack>-<LogicalId>-<RANDOM>`, at most 64 characters, when the
    template has none), GetAtt Arn its ARN. A change of Name or GroupName replaces the schedule;
    everything else (expression, target, state ...) is updated in place with UpdateSchedule.
    """
    from moto.core.common_models import CloudFormationModel
    from moto.scheduler.models import scheduler_backends

    from patches import _refresh_cfn_model_registry

    def backend(account_id: str, region_name: str) -> Any:
        return scheduler_backends[account_id][region_name]

    def args(p: dict[str, Any]) -> dict[str, Any]:
        target = dict(p.get("Target") or {})
        if "RetryPolicy" in target:
            target["RetryPolicy"] = {k: _int(v) for k, v in target["RetryPolicy"].items()}
        window = {k: _int(v) for k, v in (p.get("FlexibleTimeWindow") or {"Mode": "OFF"}).items()}
        return {"description": p.get("Description"), "end_date": p.get("EndDate"),
                "flexible_time_window": window, "kms_key_arn": p.get("KmsKeyArn"),
                "schedule_expression": p["ScheduleExpression"],
                "schedule_expression_timezone": p.get("ScheduleExpressionTimezone"),
                "start_date": p.get("StartDate"), "state": p.get("State") or "ENABLED", "target": target}

    class CfnSchedule(_OneAttribute, CloudFormationModel):
        __module__ = "moto.scheduler.models"  # moto files models by service name

        def __init__(self, group: str | None, name: str, arn: str) -> None:
            self.group, self.name, self.arn = group, name, arn

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Scheduler::Schedule"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnSchedule":
            p = cloudformation_json["Properties"]
            name = cfn_name(resource_name, p, "Name", 64)
            b = backend(account_id, region_name)
            group = b.get_schedule_group(p.get("GroupName")).name  # ResourceNotFoundException for a missing group
            s = b.create_schedule(group_name=group, name=name, action_after_completion=None, **args(p))
            return cls(group, name, s.arn)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnSchedule", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnSchedule":
            p = cloudformation_json["Properties"]
            if (p.get("Name") and p["Name"] != original_resource.name) or \
                    (p.get("GroupName") or "default") != (original_resource.group or "default"):
                new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
                original_resource.delete(account_id, region_name)
                return new
            backend(account_id, region_name).update_schedule(group_name=original_resource.group,
                                                             name=original_resource.name, **args(p))
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            from moto.scheduler.exceptions import ScheduleNotFound

            try:
                backend(account_id, region_name).delete_schedule(self.group, self.name)
            except ScheduleNotFound:
                pass  # already gone: CloudFormation's delete succeeds

    globals()["_SCHEDULER_CFN_MODELS"] = (CfnSchedule,)  # strong reference: __subclasses__ holds weak ones
    _refresh_cfn_model_registry()


# --------------------------------------------------------------------------------------------
# 17. AWS::CloudWatch::Alarm
# --------------------------------------------------------------------------------------------
def _metric_queries(metrics: list[dict[str, Any]] | None) -> list[Any] | None:
    """CFN Metrics -> moto's MetricDataQuery objects (as its PutMetricAlarm response builds them)."""
    from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat

    if not metrics:
        return None
    out = []
    for m in metrics:
        stat = m.get("MetricStat") or {}
        metric = stat.get("Metric") or {}
        metric_stat = None
        if metric.get("MetricName"):
            metric_stat = MetricStat(
                metric=Metric(metric_name=metric["MetricName"], namespace=metric.get("Namespace"),
                              dimensions=[Dimension(d.get("Name"), d.get("Value")) for d in metric.get("Dimensions") or []]),
                period=_int(stat.get("Period")), stat=stat.get("Stat"), unit=stat.get("Unit"))
        out.append(MetricDataQuery(query_id=m.get("Id"), label=m.get("Label"), period=_int(m.get("Period")),
                                   return_data=m.get("ReturnData"), expression=m.get("Expression"),
                                   metric_stat=metric_stat))
    return out


def cfn_cloudwatch_alarm() -> None:
    """CloudFormation handler for AWS::CloudWatch::Alarm on moto's CloudWatch backend.

    moto skips the type with a log warning: `cloudwatch describe-alarms` shows nothing and outputs
    that Ref or GetAtt the alarm vanish. Ref is the alarm name (generated
    `<stack>-<LogicalId>-<RANDOM>`, at most 255 characters, when the template has none), GetAtt Arn
    its ARN. A new AlarmName replaces the alarm; every other change is a PutMetricAlarm in place.
    Tags go to the alarm (ListTagsForResource).
    """
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.common_models import CloudFormationModel

    from patches import _refresh_cfn_model_registry

    def backend(account_id: str, region_name: str) -> Any:
        return cloudwatch_backends[account_id][region_name]

    def put(b: Any, name: str, p: dict[str, Any]) -> Any:
        alarm = b.put_metric_alarm(
            name=name, namespace=p.get("Namespace"), metric_name=p.get("MetricName"),
            metric_data_queries=_metric_queries(p.get("Metrics")), comparison_operator=p.get("ComparisonOperator"),
            evaluation_periods=_int(p.get("EvaluationPeriods")), datapoints_to_alarm=_int(p.get("DatapointsToAlarm")),
            period=_int(p.get("Period")), threshold=_float(p.get("Threshold")), statistic=p.get("Statistic"),
            extended_statistic=p.get("ExtendedStatistic"), description=p.get("AlarmDescription"),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions") or []],
            alarm_actions=list(p.get("AlarmActions") or []), ok_actions=list(p.get("OKActions") or []),
            insufficient_data_actions=list(p.get("InsufficientDataActions") or []), unit=p.get("Unit"),
            actions_enabled=_bool(p.get("ActionsEnabled", True)), treat_missing_data=p.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=p.get("EvaluateLowSampleCountPercentile"),
            threshold_metric_id=p.get("ThresholdMetricId"))
        b.tagger.delete_all_tags_for_resource(alarm.alarm_arn)
        if p.get("Tags"):
            b.tagger.tag_resource(alarm.alarm_arn, [{"Key": t["Key"], "Value": t["Value"]} for t in p["Tags"]])
        return alarm

    class CfnAlarm(_OneAttribute, CloudFormationModel):
        __module__ = "moto.cloudwatch.models"  # moto files models by service name

        def __init__(self, name: str, arn: str) -> None:
            self.name, self.arn = name, arn

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "AlarmName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CloudWatch::Alarm"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnAlarm":
            p = cloudformation_json["Properties"]
            b = backend(account_id, region_name)
            name = cfn_name(resource_name, p, "AlarmName", 255)
            if name in b.alarms:  # PutMetricAlarm would silently take over another stack's alarm
                from moto.cloudformation.exceptions import ValidationError

                raise ValidationError(message=f"{name} already exists")
            return cls(name, put(b, name, p).alarm_arn)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnAlarm", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnAlarm":
            p = cloudformation_json["Properties"]
            if p.get("AlarmName") and p["AlarmName"] != original_resource.name:
                new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
                original_resource.delete(account_id, region_name)
                return new
            put(backend(account_id, region_name), original_resource.name, p)
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            b = backend(account_id, region_name)
            b.delete_alarms([self.name])
            b.tagger.delete_all_tags_for_resource(self.arn)

    globals()["_CLOUDWATCH_CFN_MODELS"] = (CfnAlarm,)  # strong reference: __subclasses__ holds weak ones
    _refresh_cfn_model_registry()


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

    from patches import _refresh_cfn_model_registry

    def backend(account_id: str, region_name: str) -> Any:
        return applicationautoscaling_backends[account_id][region_name]

    def check_sagemaker_variant(account_id: str, region_name: str, resource_id: str) -> None:
        from moto.sagemaker.models import sagemaker_backends

        parts = resource_id.split("/")
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


# --------------------------------------------------------------------------------------------
# 19. AWS::SNS::Subscription, and Topic tags / in-place updates
# --------------------------------------------------------------------------------------------
def cfn_sns_subscription() -> None:
    """CloudFormation handler for AWS::SNS::Subscription; AWS::SNS::Topic keeps Tags and updates in place.

    moto skips AWS::SNS::Subscription with a log warning (the topic has no subscribers). Its Topic
    handler passes Tags as an attribute (`ListTagsForResource` is empty) and handles every update by
    deleting the topic and creating one with a newly generated name: the ARN changes and the topic's
    subscriptions are deleted with it. Now a Subscription subscribes on moto's SNS backend (Ref = its
    ARN; attributes such as FilterPolicy and RawMessageDelivery set and updated in place, a new
    Protocol/Endpoint/TopicArn replaces it), Topic tags land in the tag API, and a Topic update keeps
    the topic (DisplayName, KmsMasterKeyId, Tags ...) unless TopicName changes.
    """
    from moto.core.common_models import CloudFormationModel
    from moto.sns.models import Topic, sns_backends

    from patches import _refresh_cfn_model_registry, _tags_dict

    topic_attrs = {"DisplayName": "display_name", "KmsMasterKeyId": "kms_master_key_id",
                   "DeliveryPolicy": "delivery_policy", "ContentBasedDeduplication": "content_based_deduplication"}

    original_create = Topic.create_from_cloudformation_json.__func__

    def topic_create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                     region_name: str, **kwargs: Any) -> Any:
        p = dict(cloudformation_json.get("Properties") or {})
        tags = _tags_dict(p.pop("Tags", None))
        for k in list(p):
            if isinstance(p[k], dict) and k == "DeliveryPolicy":
                p[k] = json.dumps(p[k])
        topic = original_create(cls, resource_name, {**cloudformation_json, "Properties": p}, account_id, region_name, **kwargs)
        topic._tags = tags
        return topic

    def topic_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                     account_id: str, region_name: str) -> Any:
        p = cloudformation_json.get("Properties") or {}
        if p.get("TopicName") and p["TopicName"] != original_resource.name:
            new = topic_create(cls, new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        for prop, attr in topic_attrs.items():
            val = p.get(prop, "")
            setattr(original_resource, attr, json.dumps(val) if isinstance(val, dict) else val)
        original_resource._tags = _tags_dict(p.get("Tags"))
        return original_resource

    Topic.create_from_cloudformation_json = classmethod(topic_create)
    Topic.update_from_cloudformation_json = classmethod(topic_update)

    sub_attrs = ("DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
                 "SubscriptionRoleArn")

    def backend(account_id: str, region_name: str) -> Any:
        return sns_backends[account_id][region_name]

    def set_attrs(b: Any, arn: str, p: dict[str, Any], previous: dict[str, Any] | None = None) -> None:
        for attr in sub_attrs:
            if attr in p:
                val = p[attr]
                val = json.dumps(val) if isinstance(val, (dict, list)) else str(val).lower() if isinstance(val, bool) else str(val)
                b.set_subscription_attributes(arn, attr, val)
            elif previous and attr in previous:
                sub = b.subscriptions[arn]
                sub.attributes.pop(attr, None)
                if attr == "FilterPolicy":
                    sub._filter_policy = None
                    sub._filter_policy_matcher = None

    class CfnSubscription(_OneAttribute, CloudFormationModel):
        __module__ = "moto.sns.models"  # moto files models by service name

        def __init__(self, arn: str, props: dict[str, Any]) -> None:
            self.arn, self.props = arn, props

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SNS::Subscription"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnSubscription":
            p = cloudformation_json["Properties"]
            b = backend(account_id, region_name)
            sub = b.subscribe(p["TopicArn"], p["Endpoint"], p["Protocol"])
            set_attrs(b, sub.arn, p)
            return cls(sub.arn, dict(p))

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnSubscription", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnSubscription":
            p = cloudformation_json["Properties"]
            o = original_resource.props
            if any(p.get(k) != o.get(k) for k in ("TopicArn", "Endpoint", "Protocol")):
                original_resource.delete(account_id, region_name)
                return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            set_attrs(backend(account_id, region_name), original_resource.arn, p, o)
            original_resource.props = dict(p)
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            backend(account_id, region_name).unsubscribe(self.arn)

    globals()["_SNS_CFN_MODELS"] = (CfnSubscription,)  # strong reference: __subclasses__ holds weak ones
    _refresh_cfn_model_registry()


# --------------------------------------------------------------------------------------------
# 20. AWS::Lambda::Permission: physical ID and delete
# --------------------------------------------------------------------------------------------
def cfn_lambda_permission_delete() -> None:
    """AWS::Lambda::Permission has its statement id as physical ID, and removing it removes the statement.

    moto's handler adds a statement with a random Sid, has no physical ID (DescribeStackResources
    shows none) and no delete: a permission removed from the stack (or whose Condition turned false)
    stays in the function's policy until the function itself is deleted. As on AWS, the statement id
    is now the generated `<stack>-<LogicalId>-<RANDOM>`, deleting the resource removes that statement,
    and any property change replaces the permission (new statement, old one removed).
    """
    from moto.awslambda.models import Permission, lambda_backends

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        props = dict(cloudformation_json["Properties"])
        sid = cfn_name(resource_name, {}, "", 100)
        fn = lambda_backends[account_id][region_name].get_function(props["FunctionName"])
        fn.policy.add_statement(raw=json.dumps({**props, "StatementId": sid}))
        perm = Permission(region=region_name)
        perm.sid, perm.function_name = sid, props["FunctionName"]
        return perm

    def update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
               account_id: str, region_name: str) -> Any:
        new = create(cls, new_resource_name, cloudformation_json, account_id, region_name)
        original_resource.delete(account_id, region_name)
        return new

    def delete(self: Any, account_id: str, region_name: str) -> None:
        from moto.awslambda.exceptions import UnknownFunctionException, UnknownPolicyException

        try:
            fn = lambda_backends[account_id][region_name].get_function(self.function_name)
            fn.policy.del_statement(self.sid)
        except (UnknownFunctionException, UnknownPolicyException):
            pass  # the function (and its policy) or the statement is already gone

    Permission.create_from_cloudformation_json = classmethod(create)
    Permission.update_from_cloudformation_json = classmethod(update)
    Permission.delete = delete
    Permission.physical_resource_id = property(lambda self: getattr(self, "sid", None))


# --------------------------------------------------------------------------------------------
# 21-24. Updates driven by parameters: conditions, Fn::Sub parameters, real removal
# --------------------------------------------------------------------------------------------
class UpdateState:
    """What an update (or a change set) would change: old/new parameters and conditions, live resources."""

    def __init__(self, rmap: Any, template: dict[str, Any], parameters: dict[str, Any] | None) -> None:
        from moto.cloudformation.parsing import ResourceMap

        scratch = ResourceMap(rmap.stack_id, rmap["AWS::StackName"], parameters or rmap.input_parameters,
                              rmap.tags, region_name=rmap._region_name, account_id=rmap._account_id,
                              template=template, cross_stack_resources=rmap.cross_stack_resources)
        scratch.load_mapping()
        scratch.load_parameters()
        scratch.load_conditions()
        self.old_json = rmap._resource_json_map
        self.new_json = template.get("Resources") or {}
        self.old_params = dict(rmap.resolved_parameters)
        self.new_params = dict(scratch.resolved_parameters)
        old_map = getattr(rmap, "lazy_condition_map", {}) or {}
        self.old_conds = {n: bool(old_map[n]) for n in old_map}
        self.new_conds = {n: bool(scratch.lazy_condition_map[n]) for n in scratch.lazy_condition_map}
        self.old_live = {lid for lid, js in self.old_json.items() if self._live(js, self.old_conds)}
        self.new_live = {lid for lid, js in self.new_json.items() if self._live(js, self.new_conds)}
        self.changed_params = {k for k in set(self.old_params) | set(self.new_params)
                               if self.old_params.get(k) != self.new_params.get(k)}
        self.changed_conds = {k for k in set(self.old_conds) | set(self.new_conds)
                              if self.old_conds.get(k) != self.new_conds.get(k)}

    @staticmethod
    def _live(js: dict[str, Any], conds: dict[str, bool]) -> bool:
        cond = js.get("Condition")
        return not cond or conds.get(cond, False)


def _inputs(node: Any) -> tuple[set[str], set[str], set[str]]:
    """(names used by Ref, names used by ${...} in Fn::Sub, conditions used by Fn::If) in a resource."""
    import re

    refs: set[str] = set()
    subs: set[str] = set()
    conds: set[str] = set()

    def walk(n: Any) -> None:
        if isinstance(n, dict):
            for k, v in n.items():
                if k == "Ref" and isinstance(v, str):
                    refs.add(v)
                elif k == "Fn::If" and isinstance(v, list) and v:
                    conds.add(str(v[0]))
                    walk(v[1:])
                elif k == "Fn::Sub":
                    tpl, local = (v[0], set((v[1] or {}).keys())) if isinstance(v, list) else (v, set())
                    if isinstance(tpl, str):
                        subs.update(m for m in re.findall(r"\$\{([^!}][^}]*)\}", tpl) if m not in local)
                    if isinstance(v, list) and len(v) > 1:
                        walk(v[1])
                else:
                    walk(v)
        elif isinstance(n, list):
            for item in n:
                walk(item)

    walk({k: v for k, v in node.items() if k != "Condition"} if isinstance(node, dict) else node)
    return refs, subs, conds


def _norm(js: dict[str, Any]) -> dict[str, Any]:
    """A resource's template entry with moto's in-place `"Properties": {}` default undone."""
    return {**js, "Properties": js.get("Properties") or {}}


def cfn_update_conditions() -> None:
    """Updates and change sets follow the template's Conditions under the new parameter values.

    moto diffs an update by resource name and by direct `Ref` to a changed parameter only. A change
    set with UsePreviousTemplate that flips a parameter behind a Condition (Paused=true makes
    `Running` false) therefore removes nothing (the endpoint, NAT gateway, alarms ... stay) and
    flipping it back adds nothing; a resource whose Fn::If follows the condition is not updated, and
    DescribeChangeSet lists no changes at all for a parameter-only change set. Now resources whose
    Condition turns false are removed, those whose Condition turns true are added (in dependency
    order when cfn_update_creation_order is on), resources with an Fn::If on a changed condition or
    a Ref to a changed parameter are modified, and DescribeChangeSet lists exactly these
    Add/Modify/Remove changes (no longer a Modify for every resource without Properties, which
    moto's own parse gives `"Properties": {}`).
    """
    from moto.cloudformation.models import Change, ChangeSet
    from moto.cloudformation.parsing import ResourceMap

    original_diff = ResourceMap.build_resource_diff

    def build_resource_diff(self: Any, other_template: dict[str, Any], parameters: dict[str, Any] | None = None) -> Any:
        diff = original_diff(self, other_template, parameters)
        try:
            st = UpdateState(self, other_template, parameters)
        except Exception:  # noqa: BLE001 - e.g. a missing parameter: moto reports it when the update runs
            return diff
        add = [lid for lid in st.new_json if lid in st.new_live and lid not in st.old_live]
        remove = [lid for lid in st.old_json if lid in st.old_live and lid not in st.new_live]
        modify = []
        for lid in st.new_json:
            if lid in st.old_live and lid in st.new_live:
                refs, _, conds = _inputs(st.new_json[lid])
                if _norm(st.old_json[lid]) != _norm(st.new_json[lid]) or refs & st.changed_params \
                        or conds & st.changed_conds:
                    modify.append(lid)
        sort_added = getattr(ResourceMap, "localaws_sort_added", None)  # cfn_update_creation_order's order
        return {"Add": sort_added(add, st.new_json) if sort_added else add, "Modify": modify, "Remove": remove}

    ResourceMap.build_resource_diff = build_resource_diff

    def diff(self: Any) -> list[Any]:
        rmap = self.stack.resource_map
        actions = rmap.build_resource_diff(self.template_dict, self.parameters)
        new = self.template_dict.get("Resources") or {}
        return [Change(action=action, logical_resource_id=lid,
                       resource_type=(rmap._resource_json_map if action == "Remove" else new)[lid]["Type"])
                for action in ("Add", "Modify", "Remove") for lid in actions[action]]

    ChangeSet.diff = diff


def cfn_update_sub_parameters() -> None:
    """An update modifies resources that use a changed parameter through Fn::Sub.

    moto looks for changed parameters only in `Ref` nodes, so a change set that changes ExpiresAt
    (used as `{"Fn::Sub": "at(${ExpiresAt})"}` in the schedule's ScheduleExpression) executes as
    UPDATE_COMPLETE without touching the schedule. Now `${Param}` in Fn::Sub counts like a Ref.
    """
    from moto.cloudformation.parsing import ResourceMap

    original_diff = ResourceMap.build_resource_diff

    def build_resource_diff(self: Any, other_template: dict[str, Any], parameters: dict[str, Any] | None = None) -> Any:
        diff = original_diff(self, other_template, parameters)
        try:
            st = UpdateState(self, other_template, parameters)
        except Exception:  # noqa: BLE001 - moto reports the bad parameters when the update runs
            return diff
        busy = set(diff["Add"]) | set(diff["Remove"]) | set(diff["Modify"])
        for lid in st.new_json:
            if lid in busy or lid not in st.old_live or lid not in st.new_live or lid not in st.old_json:
                continue
            _, subs, _ = _inputs(st.new_json[lid])
            if subs & st.changed_params:
                diff["Modify"].append(lid)
        return diff

    ResourceMap.build_resource_diff = build_resource_diff


def cfn_update_removes_resources() -> None:
    """Resources an update removes are deleted for real, dependents first, and leave the stack.

    moto's update deletes removed resources in template order with retries and through the types'
    own delete handlers only: a NAT gateway, its EIP and route, VPC endpoints, API Gateway parts ...
    stay in EC2/API Gateway (the same gaps as DeleteStack), and a resource removed because its
    Condition turned false stays in the stack's resource list. Now the removed resources are deleted
    in reverse dependency order with the same deleters as DeleteStack (`LEAK_DELETERS`), dropped from
    the stack, DeletionPolicy Retain is honoured, and a failure fails the update naming the resource.
    """
    from moto.cloudformation.parsing import ResourceMap, clean_json

    from patches import LEAK_DELETERS, deletion_order

    original_update = ResourceMap.update

    def remove(self: Any, lids: list[str]) -> None:
        jsons = {lid: self._resource_json_map[lid] for lid in lids}
        for lid in deletion_order(jsons):
            parsed = self._parsed_resources.get(lid)
            if parsed is None or isinstance(parsed, str) or jsons[lid].get("DeletionPolicy") == "Retain":
                self._parsed_resources.pop(lid, None)
                continue
            try:
                deleter = LEAK_DELETERS.get(jsons[lid]["Type"])
                if deleter is not None:
                    deleter(parsed, clean_json(jsons[lid].get("Properties", {}), self), self._account_id, self._region_name)
                else:
                    self._delete_resource(parsed, jsons[lid])
            except Exception as exc:
                if not hasattr(exc, "localaws_logical_id"):
                    exc.localaws_logical_id = lid  # type: ignore[attr-defined]
                raise
            self._parsed_resources.pop(lid)

    def update(self: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
        diff = self.build_resource_diff(template, parameters)
        remove(self, [lid for lid in diff["Remove"] if lid in self._resource_json_map])
        original_update(self, template, parameters)

    ResourceMap.update = update


def cfn_stack_resources_conditions() -> None:
    """DescribeStackResources / ListStackResources leave out resources whose Condition is false.

    moto lists every template resource and asks the lazy map for it; a resource whose Condition is
    false comes back as None and is listed as an entry without LogicalResourceId, ResourceType or
    PhysicalResourceId (a paused stack showed a dozen such blanks). AWS lists only what exists.
    """
    from moto.cloudformation.models import Stack

    def stack_resources(self: Any) -> list[Any]:
        rmap = self.resource_map
        conds = getattr(rmap, "lazy_condition_map", {}) or {}
        out = []
        for lid, js in list(rmap._resource_json_map.items()):
            cond = js.get("Condition")
            if cond and cond in conds and not conds[cond] and rmap._parsed_resources.get(lid) is None:
                continue  # not created (a resource that still exists stays listed until it is removed)
            out.append(rmap[lid])
        return out

    Stack.stack_resources = property(stack_resources)


# --------------------------------------------------------------------------------------------
# 25. A deleted stack stays deleted
# --------------------------------------------------------------------------------------------
def cfn_deleted_stack_frozen() -> None:
    """Reading a deleted stack (DescribeStacks by stack ID) does not create its resources again.

    moto's resource map creates a resource on first lookup. Outputs are evaluated lazily, so the
    first DescribeStacks after DeleteStack of a stack whose outputs were not read since its last
    update evaluates `{"Ref": "IdleAlarm"}` ... and re-creates every resource an output names (new
    alarms, topic, endpoint ... under new random names) in a stack that is DELETE_COMPLETE. Now a
    deleted stack's map only answers what it still holds, and a DELETE_COMPLETE stack has no outputs.
    """
    from moto.cloudformation.models import Stack
    from moto.cloudformation.parsing import OutputMap, ResourceMap

    original_getitem = ResourceMap.__getitem__

    def __getitem__(self: Any, key: str) -> Any:
        if getattr(self, "localaws_deleted", False) and key not in self._parsed_resources:
            if key in self._resource_json_map:
                return None
            raise KeyError(key)
        return original_getitem(self, key)

    ResourceMap.__getitem__ = __getitem__

    original_delete = Stack.delete

    def delete(self: Any) -> None:
        original_delete(self)
        self.resource_map.localaws_deleted = True
        self.output_map = OutputMap(self.resource_map, {}, self.stack_id)

    Stack.delete = delete


# --------------------------------------------------------------------------------------------
# 26. A stack's parameters follow its current template
# --------------------------------------------------------------------------------------------
def _declared(stack: Any) -> dict[str, Any]:
    """The Parameters section of the template the stack's resources now follow."""
    return (getattr(stack.resource_map, "_template", None) or {}).get("Parameters") or {}


def _previous_not_declared(stack: Any, incoming: list[dict[str, Any]]) -> Exception | None:
    """AWS's ValidationError for UsePreviousValue on a parameter the stack's template does not declare."""
    from moto.cloudformation.exceptions import ValidationError

    declared = _declared(stack)
    for p in incoming:
        if str(p.get("UsePreviousValue", "")).lower() == "true" and p.get("ParameterKey") not in declared:
            return ValidationError(message=f"Invalid input for parameter key {p.get('ParameterKey')}. Cannot specify "
                                           "usePreviousValue as true for a parameter key not in the previous template")
    return None


def cfn_parameters_follow_template() -> None:
    """DescribeStacks lists exactly the parameters the stack's current template declares.

    moto's update re-reads the new template's parameters into the old ones without clearing them:
    after an update (UpdateStack or an executed change set) whose template no longer declares
    ExpiresAt, DescribeStacks still lists `ExpiresAt` with its old value, and a later change set with
    UsePreviousTemplate that passes UsePreviousValue for every listed parameter fails the update
    (UPDATE_ROLLBACK_FAILED, `KeyError: 'ExpiresAt'`). Now a parameter the template no longer
    declares leaves the stack (listed values, stored values, Ref lookups); one it newly declares gets
    its Default unless a value is given. As on AWS, UsePreviousValue for a parameter the stack's
    template does not declare is a ValidationError ("Invalid input for parameter key ... not in the
    previous template"; moto: HTTP 500 or KeyError), and UsePreviousValue in UpdateStack for a
    parameter that has its Default (never passed) takes that value (moto: HTTP 500).
    """
    from moto.cloudformation.models import CloudFormationBackend, Stack
    from moto.cloudformation.parsing import ResourceMap
    from moto.cloudformation.responses import CloudFormationResponse

    original_load = ResourceMap.load_parameters

    def load_parameters(self: Any) -> None:
        declared = self._template.get("Parameters") or {}
        for key in [k for k in self.resolved_parameters if k not in declared]:
            del self.resolved_parameters[key]
            if key not in self._resource_json_map:  # the old template's parameter, never a resource
                self._parsed_resources.pop(key, None)
        # a value passed for an earlier template's parameter does not outlive it (a later template
        # that declares the name again starts from its Default)
        self.input_parameters = {k: v for k, v in (self.input_parameters or {}).items() if k in declared}
        original_load(self)

    ResourceMap.load_parameters = load_parameters

    def keep_declared(stack: Any) -> None:
        declared = _declared(stack)
        stack.parameters = {k: v for k, v in (stack.parameters or {}).items() if k in declared}

    original_update = Stack.update

    def update(self: Any, *args: Any, **kwargs: Any) -> None:
        original_update(self, *args, **kwargs)
        keep_declared(self)

    Stack.update = update

    original_execute = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        original_execute(self, change_set_name, stack_name)
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks.get(change_set.stack_id)
        if stack is not None:
            keep_declared(stack)

    CloudFormationBackend.execute_change_set = execute_change_set

    original_resolve = CloudFormationBackend._resolve_update_parameters

    def _resolve_update_parameters(self: Any, instance: Any, incoming_params: list[dict[str, Any]]) -> dict[str, Any]:
        if not isinstance(instance, Stack):
            return original_resolve(self, instance, incoming_params)
        error = _previous_not_declared(instance, incoming_params)
        if error is not None:
            raise error
        previous = dict(instance.parameters or {})
        for key, slot in _declared(instance).items():
            if key not in previous and (slot or {}).get("Default") is not None:
                previous[key] = str(slot["Default"])  # the value it has: its Default (never passed)
        out = {p["ParameterKey"]: p["ParameterValue"] for p in incoming_params if "ParameterValue" in p}
        out.update({p["ParameterKey"]: previous[p["ParameterKey"]] for p in incoming_params
                    if str(p.get("UsePreviousValue", "")).lower() == "true" and p["ParameterKey"] in previous})
        return out

    CloudFormationBackend._resolve_update_parameters = _resolve_update_parameters

    def check_previous_values(response: Any) -> None:
        from moto.cloudformation.exceptions import ValidationError

        incoming = response._get_param("Parameters", []) or []
        if not any(str(p.get("UsePreviousValue", "")).lower() == "true" for p in incoming):
            return
        try:
            stack = response.cloudformation_backend.get_stack(response._get_param("StackName"))
        except ValidationError:
            return  # no such stack: moto's own handler answers
        error = _previous_not_declared(stack, incoming)
        if error is not None:
            raise error

    original_update_stack = CloudFormationResponse.update_stack

    def update_stack(self: Any) -> Any:
        check_previous_values(self)
        return original_update_stack(self)

    CloudFormationResponse.update_stack = update_stack

    original_create_change_set = CloudFormationResponse.create_change_set

    def create_change_set(self: Any) -> Any:
        if (self._get_param("ChangeSetType") or "UPDATE") == "UPDATE":  # UPDATE is the default (fix 4)
            check_previous_values(self)
        return original_create_change_set(self)

    CloudFormationResponse.create_change_set = create_change_set
