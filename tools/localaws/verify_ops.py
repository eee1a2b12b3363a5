"""verify.py's checks of the model and the operations resources: SageMaker model, endpoint config and endpoint,
the Scheduler schedule, SQS queue, CloudWatch alarms, SNS topic and subscription, Application Auto Scaling
target and policy, each through its own service's API."""
from __future__ import annotations

import json
from typing import Any, Callable

from verify_report import Clients
from verify_resolver import UNRESOLVED, Ctx, _bool, _num, _sorted


def chk_sm_model(x: Ctx) -> None:
    m = x.c("sagemaker").describe_model(ModelName=x.pid.split("/")[-1])
    x.expect("ExecutionRoleArn", m.get("ExecutionRoleArn"), x.p("ExecutionRoleArn"))
    pc = x.p("PrimaryContainer", None)
    if pc not in (None, UNRESOLVED):
        have = m.get("PrimaryContainer") or {}
        x.expect("PrimaryContainer.Image", have.get("Image"), pc.get("Image"))
        if "Environment" in pc:
            x.expect("PrimaryContainer.Environment", have.get("Environment") or {}, pc["Environment"])
        if "ModelDataSource" in pc:
            x.expect("PrimaryContainer.ModelDataSource", have.get("ModelDataSource"), pc["ModelDataSource"])
    if "EnableNetworkIsolation" in x.props:
        x.expect("EnableNetworkIsolation", m.get("EnableNetworkIsolation"), _bool(x.p("EnableNetworkIsolation")))
    vc = x.p("VpcConfig", None)
    if vc not in (None, UNRESOLVED):
        have = m.get("VpcConfig") or {}
        x.expect("VpcConfig.Subnets", have.get("Subnets", []), vc.get("Subnets", []), _sorted)
        x.expect("VpcConfig.SecurityGroupIds", have.get("SecurityGroupIds", []), vc.get("SecurityGroupIds", []), _sorted)


def chk_sm_endpoint_config(x: Ctx) -> None:
    ec = x.c("sagemaker").describe_endpoint_config(EndpointConfigName=x.pid.split("/")[-1])
    want = x.p("ProductionVariants")
    have = ec.get("ProductionVariants", [])
    if want is UNRESOLVED:
        return
    key = ("VariantName", "ModelName", "InstanceType", "InitialInstanceCount", "ManagedInstanceScaling")
    x.expect("ProductionVariants", [{k: str(v.get(k)) for k in key} for v in have],
             [{k: str(v.get(k)) for k in key} for v in want])


def chk_sm_inference_component(x: Ctx) -> None:
    name = x.p("InferenceComponentName", None)
    ic = x.c("sagemaker").describe_inference_component(InferenceComponentName=name if isinstance(name, str) else x.pid.split("/")[-1])
    x.expect("InferenceComponentStatus", ic["InferenceComponentStatus"], "InService")
    for prop in ("EndpointName", "VariantName"):
        x.expect(prop, ic.get(prop), x.p(prop))
    spec = x.p("Specification")
    if spec is not UNRESOLVED:
        x.expect("Specification.ModelName", ic["Specification"].get("ModelName"), spec.get("ModelName"))
    x.facts["copies"] = ic["RuntimeConfig"].get("CurrentCopyCount")


def chk_sm_endpoint(x: Ctx) -> None:
    e = x.c("sagemaker").describe_endpoint(EndpointName=x.pid.split("/")[-1])
    x.expect("EndpointStatus", e["EndpointStatus"], "InService")
    x.expect("EndpointConfigName", e["EndpointConfigName"], x.p("EndpointConfigName"))


def chk_schedule(x: Ctx) -> None:
    group = x.p("GroupName", None)
    s = x.c("scheduler").get_schedule(Name=x.pid, **({"GroupName": group} if group not in (None, UNRESOLVED) else {}))
    x.expect("ScheduleExpression", s.get("ScheduleExpression"), x.p("ScheduleExpression"))
    x.expect("ScheduleExpressionTimezone", s.get("ScheduleExpressionTimezone"), x.p("ScheduleExpressionTimezone", "UTC"))
    x.expect("State", s.get("State"), x.p("State", "ENABLED"))
    for prop in ("Description", "KmsKeyArn"):
        if prop in x.props:
            x.expect(prop, s.get(prop), x.p(prop))
    ftw = x.p("FlexibleTimeWindow", None)
    if ftw not in (None, UNRESOLVED):
        x.expect("FlexibleTimeWindow.Mode", (s.get("FlexibleTimeWindow") or {}).get("Mode"), ftw.get("Mode"))
    target, want = s.get("Target") or {}, x.p("Target", None)
    if want not in (None, UNRESOLVED):
        for key in ("Arn", "RoleArn", "Input"):
            if key in want:
                x.expect(f"Target.{key}", target.get(key), want[key])
        for key, val in (want.get("RetryPolicy") or {}).items():
            x.expect(f"Target.RetryPolicy.{key}", (target.get("RetryPolicy") or {}).get(key), val, _num(int))
        if "DeadLetterConfig" in want:
            x.expect("Target.DeadLetterConfig.Arn", (target.get("DeadLetterConfig") or {}).get("Arn"), want["DeadLetterConfig"].get("Arn"))


def chk_queue(x: Ctx) -> None:
    attrs = x.c("sqs").get_queue_attributes(QueueUrl=x.pid, AttributeNames=["All"])["Attributes"]
    if "SqsManagedSseEnabled" in x.props:
        x.expect("SqsManagedSseEnabled", attrs.get("SqsManagedSseEnabled", "false").lower(), str(x.p("SqsManagedSseEnabled")).lower())
    if "MessageRetentionPeriod" in x.props:
        x.expect("MessageRetentionPeriod", attrs.get("MessageRetentionPeriod"), x.p("MessageRetentionPeriod"), _num(int))


def chk_alarm(x: Ctx) -> None:
    cw = x.c("cloudwatch")
    found = cw.describe_alarms(AlarmNames=[x.pid])["MetricAlarms"]
    if not found:
        x.fail(f"alarm {x.pid} not found")
        return
    a = found[0]
    for prop in ("Namespace", "MetricName", "Statistic", "ExtendedStatistic", "ComparisonOperator", "TreatMissingData",
                 "AlarmDescription", "Unit", "EvaluateLowSampleCountPercentile"):
        if prop in x.props:
            x.expect(prop, a.get(prop), x.p(prop))
    for prop in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if prop in x.props:
            x.expect(prop, a.get(prop), x.p(prop), _num(int))
    if "Threshold" in x.props:
        x.expect("Threshold", a.get("Threshold"), x.p("Threshold"), _num(float))
    dims = x.p("Dimensions", [])
    x.expect("Dimensions", sorted((d["Name"], d["Value"]) for d in a.get("Dimensions", [])),
             sorted((d["Name"], d["Value"]) for d in dims) if dims is not UNRESOLVED else UNRESOLVED)
    for prop in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        x.expect(prop, a.get(prop, []), x.p(prop, []), _sorted)
    x.expect("ActionsEnabled", a.get("ActionsEnabled"), _bool(x.p("ActionsEnabled", True)))
    tags = x.p("Tags", [])
    if tags not in ([], UNRESOLVED):
        have = {t["Key"]: t["Value"] for t in cw.list_tags_for_resource(ResourceARN=a["AlarmArn"]).get("Tags", [])}
        x.expect("Tags", {t["Key"]: have.get(t["Key"]) for t in tags}, {t["Key"]: t["Value"] for t in tags})


def chk_topic(x: Ctx) -> None:
    sns = x.c("sns")
    attrs = sns.get_topic_attributes(TopicArn=x.pid)["Attributes"]
    for prop in ("DisplayName", "KmsMasterKeyId"):
        if prop in x.props:
            x.expect(prop, attrs.get(prop), x.p(prop))
    tags = x.p("Tags", [])
    if tags not in ([], UNRESOLVED):
        have = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=x.pid).get("Tags", [])}
        x.expect("Tags", {t["Key"]: have.get(t["Key"]) for t in tags}, {t["Key"]: t["Value"] for t in tags})


def chk_subscription(x: Ctx) -> None:
    sns = x.c("sns")
    attrs = sns.get_subscription_attributes(SubscriptionArn=x.pid)["Attributes"]
    for prop in ("Protocol", "Endpoint", "TopicArn"):
        x.expect(prop, attrs.get(prop), x.p(prop))
    if "RawMessageDelivery" in x.props:
        x.expect("RawMessageDelivery", _bool(attrs.get("RawMessageDelivery")), _bool(x.p("RawMessageDelivery")))
    if "FilterPolicy" in x.props:
        want = x.p("FilterPolicy")
        x.expect("FilterPolicy", json.loads(attrs.get("FilterPolicy") or "null"),
                 json.loads(want) if isinstance(want, str) else want)
    topic = x.p("TopicArn")
    if topic is not UNRESOLVED:
        subs = [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]]
        if x.pid not in subs:
            x.fail(f"{x.pid} not listed by ListSubscriptionsByTopic({topic})")


def _target_of(pid: str) -> tuple[str, str, str]:
    """(namespace, resource id, dimension) from a ScalableTarget physical ID `resourceId|dimension|namespace`."""
    rid, dim, ns = pid.split("|")
    return ns, rid, dim


def chk_scalable_target(x: Ctx) -> None:
    ns, rid, dim = _target_of(x.pid)
    for prop, have in (("ServiceNamespace", ns), ("ResourceId", rid), ("ScalableDimension", dim)):
        x.expect(prop, have, x.p(prop))
    found = x.c("application-autoscaling").describe_scalable_targets(
        ServiceNamespace=ns, ResourceIds=[rid], ScalableDimension=dim)["ScalableTargets"]
    if not found:
        x.fail(f"scalable target {x.pid} not registered")
        return
    t = found[0]
    for prop in ("MinCapacity", "MaxCapacity"):
        x.expect(prop, t.get(prop), x.p(prop), _num(int))
    if "RoleARN" in x.props:
        x.expect("RoleARN", t.get("RoleARN"), x.p("RoleARN"))


def _policy(c: Clients, arn: str) -> dict[str, Any] | None:
    ns = arn.split(":resource/", 1)[1].split("/", 1)[0] if ":resource/" in arn else "sagemaker"
    pols = c("application-autoscaling").describe_scaling_policies(ServiceNamespace=ns)["ScalingPolicies"]
    return next((p for p in pols if p["PolicyARN"] == arn), None)


def chk_scaling_policy(x: Ctx) -> None:
    p = _policy(x.c, x.pid)
    if p is None:
        x.fail(f"scaling policy {x.pid} not found")
        return
    x.expect("PolicyName", p.get("PolicyName"), x.p("PolicyName"))
    x.expect("PolicyType", p.get("PolicyType"), x.p("PolicyType"))
    target = x.p("ScalingTargetId", None)
    if target not in (None, UNRESOLVED):
        x.expect("ScalingTarget", (p["ServiceNamespace"], p["ResourceId"], p["ScalableDimension"]), _target_of(target))
    want = x.p("TargetTrackingScalingPolicyConfiguration", None)
    if want not in (None, UNRESOLVED):
        have = p.get("TargetTrackingScalingPolicyConfiguration") or {}
        x.expect("TargetValue", have.get("TargetValue"), want.get("TargetValue"), _num(float))
        for key in ("ScaleInCooldown", "ScaleOutCooldown"):
            if key in want:
                x.expect(key, have.get(key), want[key], _num(int))
        if "PredefinedMetricSpecification" in want:
            x.expect("PredefinedMetricType", (have.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType"),
                     want["PredefinedMetricSpecification"].get("PredefinedMetricType"))


CHECKERS: dict[str, Callable[[Ctx], None]] = {
    "AWS::SageMaker::Model": chk_sm_model,
    "AWS::SageMaker::EndpointConfig": chk_sm_endpoint_config,
    "AWS::SageMaker::Endpoint": chk_sm_endpoint,
    "AWS::SageMaker::InferenceComponent": chk_sm_inference_component,
    "AWS::Scheduler::Schedule": chk_schedule,
    "AWS::CloudWatch::Alarm": chk_alarm,
    "AWS::SQS::Queue": chk_queue,
    "AWS::SNS::Topic": chk_topic,
    "AWS::SNS::Subscription": chk_subscription,
    "AWS::ApplicationAutoScaling::ScalableTarget": chk_scalable_target,
    "AWS::ApplicationAutoScaling::ScalingPolicy": chk_scaling_policy,
}
