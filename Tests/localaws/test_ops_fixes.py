"""Fixes 16-20 (tools/localaws/scheduler_, cloudwatch_, autoscaling_, sns_ and lambda_patches.py): the stack's
operations resources (templates in ops_templates.py).

Same pattern as test_fixes.py: "without" runs on a server with only that fix disabled, "with" on the
session server that has every fix.
"""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from localaws_support import LocalAws, unique, verify

from ops_templates import (EXPIRES, _alarm_template, _autoscaling, _deploy, _endpoint_resources, _function, _generated, _key, _outputs, _permission, _physical, _schedule_template, _topic)  # noqa: F401


def test_cfn_scheduler_schedule(localaws: LocalAws, without) -> None:
    with without("cfn_scheduler_schedule") as la:
        st = _deploy(la, "fix16", _schedule_template())
        assert "ScheduleName" not in _outputs(st)  # moto drops the output of an ignored resource
        assert la.client("scheduler").list_schedules()["Schedules"] == []

    name = unique("fix16-a-rather-long-stack-name-for-the-64-character-limit")
    tpl = _schedule_template()
    tpl["Outputs"]["ScheduleArn"] = {"Value": {"Fn::GetAtt": ["ExpirySchedule", "Arn"]}}
    st = _deploy(localaws, name, tpl)
    assert st["StackStatus"] == "CREATE_COMPLETE", st.get("StackStatusReason")
    out = _outputs(st)
    sched_name = out["ScheduleName"]
    assert len(sched_name) == 64 and re.fullmatch(r"fix16-[a-z0-9-]+-[A-Z0-9]{12}", sched_name)  # cut to the limit
    sch = localaws.client("scheduler")
    got = sch.get_schedule(Name=sched_name)
    assert out["ScheduleArn"] == got["Arn"]
    assert got["ScheduleExpression"] == f"at({EXPIRES})" and got["ScheduleExpressionTimezone"] == "UTC"
    assert got["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack"
    assert json.loads(got["Target"]["Input"]) == {"StackName": st["StackId"]}
    assert got["Target"]["RetryPolicy"] == {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 86400}
    assert got["FlexibleTimeWindow"] == {"Mode": "OFF"} and got["State"] == "ENABLED"
    assert got["KmsKeyArn"].startswith("arn:aws:kms:")
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()

    cfn = localaws.client("cloudformation")
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(_schedule_template("new words")),
                     Parameters=[{"ParameterKey": "ExpiresAt", "UsePreviousValue": True}], Capabilities=["CAPABILITY_IAM"])
    assert cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert sch.get_schedule(Name=sched_name)["Description"] == "new words"  # in place, same name

    cfn.delete_stack(StackName=name)
    with pytest.raises(ClientError, match="ResourceNotFound"):
        sch.get_schedule(Name=sched_name)
    gone = verify.verify_gone(name, report.snapshot, localaws.verify_session())
    assert gone.ok, gone.to_text()


# 17 -----------------------------------------------------------------------------------------
def test_cfn_cloudwatch_alarm(localaws: LocalAws, without) -> None:
    with without("cfn_cloudwatch_alarm") as la:
        st = la.deploy("fix17", _alarm_template())
        assert "IdleAlarm" not in _outputs(st)
        assert la.client("cloudwatch").describe_alarms()["MetricAlarms"] == []

    name = unique("fix17")
    tpl = _alarm_template()
    tpl["Outputs"]["IdleArn"] = {"Value": {"Fn::GetAtt": ["IdleAlarm", "Arn"]}}
    out = _outputs(localaws.deploy(name, tpl))
    assert _generated(out["IdleAlarm"], name, "IdleAlarm", 255)
    cw = localaws.client("cloudwatch")
    idle = cw.describe_alarms(AlarmNames=[out["IdleAlarm"]])["MetricAlarms"][0]
    assert out["IdleArn"] == idle["AlarmArn"]
    assert (idle["Namespace"], idle["MetricName"], idle["Statistic"]) == ("AWS/SageMaker", "Invocations", "Sum")
    assert (idle["Period"], idle["EvaluationPeriods"], idle["DatapointsToAlarm"], idle["Threshold"]) == (3600, 6, 6, 0.0)
    assert idle["ComparisonOperator"] == "LessThanOrEqualToThreshold" and idle["TreatMissingData"] == "breaching"
    assert idle["Dimensions"] == [{"Name": "EndpointName", "Value": "some-endpoint"}, {"Name": "VariantName", "Value": "AllTraffic"}]
    assert idle["AlarmActions"][0].startswith("arn:aws:sns:") and idle["OKActions"] == []
    assert cw.list_tags_for_resource(ResourceARN=idle["AlarmArn"])["Tags"] == [{"Key": "slmstack:stack", "Value": "demo"}]
    latency = cw.describe_alarms(AlarmNames=[out["Latency"]])["MetricAlarms"][0]
    assert latency["ExtendedStatistic"] == "p90" and "Statistic" not in latency
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()

    cfn = localaws.client("cloudformation")
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(_alarm_template(threshold=2)))
    after = cw.describe_alarms(AlarmNames=[out["IdleAlarm"]])["MetricAlarms"]
    assert [a["Threshold"] for a in after] == [2.0]  # in place, same name

    cfn.delete_stack(StackName=name)
    assert cw.describe_alarms(AlarmNamePrefix=f"{name}-")["MetricAlarms"] == []
    gone = verify.verify_gone(name, report.snapshot, localaws.verify_session())
    assert gone.ok, gone.to_text()


# 18 -----------------------------------------------------------------------------------------
def _aas_template(max_capacity: int = 3, target_value: int = 30, resource_id: Any = None) -> dict[str, Any]:
    aas = _autoscaling(None, max_capacity, target_value)
    if resource_id:
        aas["ScalableTarget"]["Properties"]["ResourceId"] = resource_id
    return {"Resources": {**_endpoint_resources(None), **aas},
            "Outputs": {"Target": {"Value": {"Ref": "ScalableTarget"}}, "Policy": {"Value": {"Ref": "ScalingPolicy"}},
                        "Endpoint": {"Value": {"Fn::GetAtt": ["Endpoint", "EndpointName"]}}}}


def test_cfn_application_autoscaling(localaws: LocalAws, without) -> None:
    with without("cfn_application_autoscaling") as la:
        st = la.deploy("fix18", _aas_template())
        assert "Target" not in _outputs(st) and "Policy" not in _outputs(st)
        aas = la.client("application-autoscaling")
        assert aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []

    name = unique("fix18")
    out = _outputs(localaws.deploy(name, _aas_template()))
    rid = f"endpoint/{out['Endpoint']}/variant/AllTraffic"
    assert out["Target"] == f"{rid}|sagemaker:variant:DesiredInstanceCount|sagemaker"
    aas = localaws.client("application-autoscaling")
    [target] = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[rid])["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 3)
    assert target["RoleARN"].endswith("/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint")
    [policy] = aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=rid)["ScalingPolicies"]
    assert policy["PolicyARN"] == out["Policy"] and policy["PolicyName"] == "invocations-per-instance"
    conf = policy["TargetTrackingScalingPolicyConfiguration"]
    assert conf["TargetValue"] == 30.0 and (conf["ScaleInCooldown"], conf["ScaleOutCooldown"]) == (600, 60)
    assert conf["PredefinedMetricSpecification"] == {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()

    cfn = localaws.client("cloudformation")
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(_aas_template(max_capacity=5, target_value=40)))
    [target] = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[rid])["ScalableTargets"]
    [policy] = aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=rid)["ScalingPolicies"]
    assert target["MaxCapacity"] == 5
    assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 40.0
    assert policy["PolicyARN"] == out["Policy"]  # updated in place: same ARN

    cfn.delete_stack(StackName=name)
    assert aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[rid])["ScalableTargets"] == []
    assert aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=rid)["ScalingPolicies"] == []
    gone = verify.verify_gone(name, report.snapshot, localaws.verify_session())
    assert gone.ok, gone.to_text()

    # as on AWS, a SageMaker target needs the endpoint variant: the stack rolls back naming it
    bad = unique("fix18bad")
    st = localaws.deploy(bad, _aas_template(resource_id="endpoint/no-such-endpoint/variant/AllTraffic"))
    assert st["StackStatus"] == "ROLLBACK_COMPLETE" and "[ScalableTarget]" in st["StackStatusReason"]


# 19 -----------------------------------------------------------------------------------------
def _sns_template(display: str = "slmstack alarms") -> dict[str, Any]:
    return {"Resources": {"LogsKey": _key(), **_topic(display)},
            "Outputs": {"Topic": {"Value": {"Ref": "AlarmTopic"}}, "Email": {"Value": {"Ref": "AlarmEmail"}},
                        "Key": {"Value": {"Ref": "LogsKey"}}}}


def test_cfn_sns_subscription(localaws: LocalAws, without) -> None:
    with without("cfn_sns_subscription") as la:
        out = _outputs(la.deploy("fix19", _sns_template()))
        assert "Email" not in out
        sns = la.client("sns")
        assert sns.list_subscriptions_by_topic(TopicArn=out["Topic"])["Subscriptions"] == []
        assert sns.list_tags_for_resource(ResourceArn=out["Topic"])["Tags"] == []

    name = unique("fix19")
    out = _outputs(localaws.deploy(name, _sns_template()))
    sns = localaws.client("sns")
    assert _generated(out["Topic"].split(":")[-1], name, "AlarmTopic", 256)
    [sub] = sns.list_subscriptions_by_topic(TopicArn=out["Topic"])["Subscriptions"]
    assert (sub["SubscriptionArn"], sub["Protocol"], sub["Endpoint"]) == (out["Email"], "email", "ops@example.com")
    attrs = sns.get_topic_attributes(TopicArn=out["Topic"])["Attributes"]
    assert attrs["KmsMasterKeyId"] == out["Key"] and attrs["DisplayName"] == "slmstack alarms"
    assert sns.list_tags_for_resource(ResourceArn=out["Topic"])["Tags"] == [{"Key": "slmstack:stack", "Value": "demo"}]
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()

    cfn = localaws.client("cloudformation")  # a topic update keeps the topic and its subscribers
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(_sns_template("renamed alarms")))
    assert _outputs(cfn.describe_stacks(StackName=name)["Stacks"][0])["Topic"] == out["Topic"]
    assert sns.get_topic_attributes(TopicArn=out["Topic"])["Attributes"]["DisplayName"] == "renamed alarms"
    assert [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=out["Topic"])["Subscriptions"]] == [out["Email"]]

    cfn.delete_stack(StackName=name)
    assert out["Topic"] not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert out["Email"] not in [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]]
    gone = verify.verify_gone(name, report.snapshot, localaws.verify_session())
    assert gone.ok, gone.to_text()


# 20 -----------------------------------------------------------------------------------------
def _permission_template(with_permission: bool) -> dict[str, Any]:
    resources = {**_function(), "AlarmTopic": {"Type": "AWS::SNS::Topic"}, **_alarm_template()["Resources"]}
    resources["IdlePauseFunction"]["Properties"]["Environment"] = {"Variables": {"PAUSED": "false"}}
    if with_permission:
        resources.update(_permission())
    return {"Resources": resources, "Outputs": {"Fn": {"Value": {"Ref": "IdlePauseFunction"}},
                                                "Alarm": {"Value": {"Fn::GetAtt": ["IdleAlarm", "Arn"]}}}}


def test_cfn_lambda_permission_delete(localaws: LocalAws, without) -> None:
    def statements(la: LocalAws, fn: str) -> list[dict[str, Any]]:
        try:
            return json.loads(la.client("lambda").get_policy(FunctionName=fn)["Policy"])["Statement"]
        except ClientError as exc:
            assert "ResourceNotFound" in str(exc)
            return []

    def remove_permission(la: LocalAws, name: str) -> None:
        la.client("cloudformation").update_stack(StackName=name, TemplateBody=json.dumps(_permission_template(False)),
                                                 Capabilities=["CAPABILITY_IAM"])

    with without("cfn_lambda_permission_delete") as la:
        fn = _outputs(la.deploy("fix20", _permission_template(True)))["Fn"]
        assert _physical(la, "fix20")["IdlePausePermission"] is None
        remove_permission(la, "fix20")
        assert len(statements(la, fn)) == 1  # the permission left the stack, its statement stayed

    name = unique("fix20")
    out = _outputs(localaws.deploy(name, _permission_template(True)))
    [st] = statements(localaws, out["Fn"])
    sid = _physical(localaws, name)["IdlePausePermission"]
    assert st["Sid"] == sid and _generated(sid, name, "IdlePausePermission", 100)
    assert st["Principal"] == {"Service": "lambda.alarms.cloudwatch.amazonaws.com"}
    assert st["Condition"]["ArnLike"]["AWS:SourceArn"] == out["Alarm"]
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()
    remove_permission(localaws, name)
    assert statements(localaws, out["Fn"]) == []
    assert "IdlePausePermission" not in _physical(localaws, name)


# 21 -----------------------------------------------------------------------------------------
