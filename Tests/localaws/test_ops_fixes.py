"""Fixes 16-26 (tools/localaws/scheduler_, cloudwatch_, autoscaling_, sns_, lambda_, cfn_update_ and
cfn_stack_patches.py): the stack's operations resources and pausing by a change set.

Same pattern as test_fixes.py: "without" runs on a server with only that fix disabled, "with" on the
session server that has every fix. The templates are small hand-written ones in the shape the
renderer emits (Paused/ExpiresAt parameters, a `Running` condition, alarms, schedule, autoscaling).
"""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from localaws_support import LocalAws, unique, verify

EXPIRES = "2030-01-01T00:00:00"
CODE = "import os\ndef handler(event, context):\n    return {'paused': os.environ.get('PAUSED')}\n"


def _trust(service: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


def _key() -> dict[str, Any]:
    return {"Type": "AWS::KMS::Key", "Properties": {
        "KeyPolicy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
             "Action": "kms:*", "Resource": "*"}]},
        "Tags": [{"Key": "slmstack:stack", "Value": "demo"}]}}


def _schedule() -> dict[str, Any]:
    return {"Type": "AWS::Scheduler::Schedule", "Properties": {
        "Description": "delete the stack when it expires", "ScheduleExpression": {"Fn::Sub": "at(${ExpiresAt})"},
        "ScheduleExpressionTimezone": "UTC", "FlexibleTimeWindow": {"Mode": "OFF"}, "State": "ENABLED",
        "KmsKeyArn": {"Fn::GetAtt": ["LogsKey", "Arn"]},
        "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack",
                   "RoleArn": {"Fn::GetAtt": ["ExpiryRole", "Arn"]},
                   "Input": {"Fn::Sub": "{\"StackName\":\"${AWS::StackId}\"}"},
                   "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 86400}}}}


def _endpoint_resources(condition: str | None) -> dict[str, Any]:
    cond = {"Condition": condition} if condition else {}
    return {
        "ModelRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": _trust("sagemaker.amazonaws.com")}},
        "Model": {"Type": "AWS::SageMaker::Model", "Properties": {
            "ExecutionRoleArn": {"Fn::GetAtt": ["ModelRole", "Arn"]},
            "PrimaryContainer": {"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.6.0"}}},
        "EndpointConfig": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {"ProductionVariants": [
            {"InitialInstanceCount": 1, "InitialVariantWeight": 1, "InstanceType": "ml.g5.xlarge",
             "ModelName": {"Fn::GetAtt": ["Model", "ModelName"]}, "VariantName": "AllTraffic"}]}},
        "Endpoint": {"Type": "AWS::SageMaker::Endpoint", **cond, "Properties": {
            "EndpointConfigName": {"Fn::GetAtt": ["EndpointConfig", "EndpointConfigName"]}}},
    }


def _autoscaling(condition: str | None, max_capacity: int = 3, target_value: int = 30) -> dict[str, Any]:
    cond = {"Condition": condition} if condition else {}
    return {
        "ScalableTarget": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", **cond, "Properties": {
            "MinCapacity": 1, "MaxCapacity": max_capacity,
            "ResourceId": {"Fn::Sub": "endpoint/${Endpoint.EndpointName}/variant/AllTraffic"},
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount", "ServiceNamespace": "sagemaker"}},
        "ScalingPolicy": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", **cond, "Properties": {
            "PolicyName": "invocations-per-instance", "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": {"Ref": "ScalableTarget"},
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": target_value, "ScaleInCooldown": 600, "ScaleOutCooldown": 60,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}}},
    }


def _alarms(condition: str | None, threshold: int = 0) -> dict[str, Any]:
    cond = {"Condition": condition} if condition else {}
    dims = [{"Name": "EndpointName", "Value": {"Fn::GetAtt": ["Endpoint", "EndpointName"]}},
            {"Name": "VariantName", "Value": "AllTraffic"}]
    return {
        "IdleAlarm": {"Type": "AWS::CloudWatch::Alarm", **cond, "Properties": {
            "AlarmDescription": "no invocations for 6 hours", "Namespace": "AWS/SageMaker", "MetricName": "Invocations",
            "Dimensions": dims, "Statistic": "Sum", "Period": 3600, "EvaluationPeriods": 6, "DatapointsToAlarm": 6,
            "Threshold": threshold, "ComparisonOperator": "LessThanOrEqualToThreshold", "TreatMissingData": "breaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}, {"Fn::GetAtt": ["IdlePauseFunction", "Arn"]}], "OKActions": [],
            "Tags": [{"Key": "slmstack:stack", "Value": "demo"}]}},
        "ModelLatencyAlarm": {"Type": "AWS::CloudWatch::Alarm", **cond, "Properties": {
            "AlarmDescription": "p90 model latency", "Namespace": "AWS/SageMaker", "MetricName": "ModelLatency",
            "Dimensions": dims, "ExtendedStatistic": "p90", "Period": 300, "EvaluationPeriods": 3,
            "Threshold": 20000000, "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}], "OKActions": [{"Ref": "AlarmTopic"}]}},
    }


def _topic(display: str = "slmstack alarms") -> dict[str, Any]:
    return {
        "AlarmTopic": {"Type": "AWS::SNS::Topic", "Properties": {
            "DisplayName": display, "KmsMasterKeyId": {"Ref": "LogsKey"},
            "Tags": [{"Key": "slmstack:stack", "Value": "demo"}]}},
        "AlarmEmail": {"Type": "AWS::SNS::Subscription", "Properties": {
            "Protocol": "email", "Endpoint": "ops@example.com", "TopicArn": {"Ref": "AlarmTopic"}}},
    }


def _function() -> dict[str, Any]:
    return {
        "IdlePauseRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": _trust("lambda.amazonaws.com")}},
        "IdlePauseFunction": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler", "Role": {"Fn::GetAtt": ["IdlePauseRole", "Arn"]},
            "Code": {"ZipFile": CODE},
            "Environment": {"Variables": {
                "PAUSED": {"Ref": "Paused"},
                "ENDPOINT": {"Fn::If": ["Running", {"Fn::GetAtt": ["Endpoint", "EndpointName"]}, {"Ref": "AWS::NoValue"}]}}}}},
    }


def _permission(condition: str | None = None) -> dict[str, Any]:
    cond = {"Condition": condition} if condition else {}
    return {"IdlePausePermission": {"Type": "AWS::Lambda::Permission", **cond, "Properties": {
        "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": "IdlePauseFunction"},
        "Principal": "lambda.alarms.cloudwatch.amazonaws.com",
        "SourceArn": {"Fn::GetAtt": ["IdleAlarm", "Arn"]}}}}


def _network(condition: str | None) -> dict[str, Any]:
    cond = {"Condition": condition} if condition else {}
    return {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.80.0.0/16"}},
        "Igw": {"Type": "AWS::EC2::InternetGateway"},
        "Attach": {"Type": "AWS::EC2::VPCGatewayAttachment",
                   "Properties": {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Igw"}}},
        "PublicSubnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.80.0.0/24"}},
        "PrivateRouteTable": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "NatAddress": {"Type": "AWS::EC2::EIP", **cond, "DependsOn": ["Attach"], "Properties": {"Domain": "vpc"}},
        "NatGateway": {"Type": "AWS::EC2::NatGateway", **cond, "Properties": {
            "AllocationId": {"Fn::GetAtt": ["NatAddress", "AllocationId"]}, "SubnetId": {"Ref": "PublicSubnet"}}},
        "PrivateDefaultRoute": {"Type": "AWS::EC2::Route", **cond, "Properties": {
            "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": {"Ref": "NatGateway"},
            "RouteTableId": {"Ref": "PrivateRouteTable"}}},
    }


PARAMETERS = {
    "Paused": {"Type": "String", "AllowedValues": ["false", "true"], "Default": "false", "Description": "pause"},
    "ExpiresAt": {"Type": "String", "AllowedPattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$",
                  "Description": "when the stack deletes itself (UTC)"},
}
CONDITIONS = {"Running": {"Fn::Equals": [{"Ref": "Paused"}, "false"]}}
RUNNING_ONLY = {"NatAddress", "NatGateway", "PrivateDefaultRoute", "Endpoint", "IdleAlarm", "ModelLatencyAlarm",
                "IdlePausePermission", "ScalableTarget", "ScalingPolicy"}


def ops_template() -> dict[str, Any]:
    """The whole shape: network with a conditional NAT, endpoint, alarms, topic, schedule, autoscaling."""
    return {
        "Parameters": PARAMETERS, "Conditions": CONDITIONS,
        "Resources": {"LogsKey": _key(), **_network("Running"), **_endpoint_resources("Running"), **_function(),
                      **_permission("Running"), **_topic(), **_alarms("Running"),
                      "ExpiryRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": _trust("scheduler.amazonaws.com")}},
                      "ExpirySchedule": _schedule(), **_autoscaling("Running")},
        "Outputs": {
            "ScheduleName": {"Value": {"Ref": "ExpirySchedule"}},
            "ScheduleArn": {"Value": {"Fn::GetAtt": ["ExpirySchedule", "Arn"]}},
            "TopicArn": {"Value": {"Ref": "AlarmTopic"}},
            "FunctionName": {"Value": {"Ref": "IdlePauseFunction"}},
            "IdleAlarmName": {"Condition": "Running", "Value": {"Ref": "IdleAlarm"}},
            "IdleAlarmArn": {"Condition": "Running", "Value": {"Fn::GetAtt": ["IdleAlarm", "Arn"]}},
            "ScalableTargetId": {"Condition": "Running", "Value": {"Ref": "ScalableTarget"}},
            "ScalingPolicyArn": {"Condition": "Running", "Value": {"Ref": "ScalingPolicy"}},
            "EndpointName": {"Value": {"Fn::If": ["Running", {"Fn::GetAtt": ["Endpoint", "EndpointName"]}, "paused"]}},
        }}


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def _deploy(la: LocalAws, name: str, template: dict[str, Any], paused: str = "false", **params: str) -> dict[str, Any]:
    values = {"Paused": paused, "ExpiresAt": EXPIRES, **params}
    wanted = template.get("Parameters") or {}
    return la.deploy(name, template, Parameters=[{"ParameterKey": k, "ParameterValue": v}
                                                 for k, v in values.items() if k in wanted])


def _change_set(la: LocalAws, name: str, cs: str, **values: str) -> list[tuple[str, str]]:
    """A change set with UsePreviousTemplate: the given parameter values, the others UsePreviousValue; executed."""
    cfn = la.client("cloudformation")
    params = [{"ParameterKey": k, "ParameterValue": values[k]} if k in values else {"ParameterKey": k, "UsePreviousValue": True}
              for k in ("Paused", "ExpiresAt")]
    cfn.create_change_set(StackName=name, ChangeSetName=cs, ChangeSetType="UPDATE", UsePreviousTemplate=True,
                          Parameters=params, Capabilities=["CAPABILITY_IAM"])
    desc = cfn.describe_change_set(StackName=name, ChangeSetName=cs)
    try:
        cfn.execute_change_set(StackName=name, ChangeSetName=cs)
    except (ClientError, ResponseParserError):
        pass  # a fix disabled may make moto fail the request; the test looks at the result
    return [(c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"]) for c in desc["Changes"]]


def _physical(la: LocalAws, name: str) -> dict[str, str | None]:
    res = la.client("cloudformation").describe_stack_resources(StackName=name)["StackResources"]
    return {r.get("LogicalResourceId") or "?": r.get("PhysicalResourceId") for r in res}


def _generated(name: str, stack: str, lid: str, limit: int) -> bool:
    return len(name) <= limit and re.fullmatch(rf"{re.escape(stack)}-{lid}-[A-Z0-9]{{12}}", name) is not None


# 16 -----------------------------------------------------------------------------------------
def _schedule_template(description: str = "delete the stack when it expires") -> dict[str, Any]:
    schedule = _schedule()
    schedule["Properties"]["Description"] = description
    return {"Parameters": {"ExpiresAt": PARAMETERS["ExpiresAt"]},
            "Resources": {"LogsKey": _key(),
                          "ExpiryRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": _trust("scheduler.amazonaws.com")}},
                          "ExpirySchedule": schedule},
            "Outputs": {"ScheduleName": {"Value": {"Ref": "ExpirySchedule"}}}}


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
def _alarm_template(threshold: int = 0) -> dict[str, Any]:
    alarms = _alarms(None, threshold)
    for a in alarms.values():  # no endpoint here: a fixed dimension value
        a["Properties"]["Dimensions"][0]["Value"] = "some-endpoint"
    alarms["IdleAlarm"]["Properties"]["AlarmActions"] = [{"Ref": "AlarmTopic"}]
    return {"Resources": {"AlarmTopic": {"Type": "AWS::SNS::Topic"}, **alarms},
            "Outputs": {"IdleAlarm": {"Value": {"Ref": "IdleAlarm"}}, "Latency": {"Value": {"Ref": "ModelLatencyAlarm"}}}}


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
def test_cfn_update_conditions(localaws: LocalAws, without) -> None:
    with without("cfn_update_conditions") as la:
        _deploy(la, "fix21", ops_template())
        changes = _change_set(la, "fix21", "pause", Paused="true")
        assert not [c for c in changes if c[0] == "Remove"]
        assert la.client("sagemaker").list_endpoints()["Endpoints"], "moto alone keeps the endpoint of a paused stack"
        assert la.client("cloudwatch").describe_alarms()["MetricAlarms"]
        report = verify.verify_stack("fix21", la.verify_session())
        assert not report.ok and {c.logical_id for c in report.checks if not c.ok} >= {"Endpoint", "IdleAlarm"}

    name = unique("fix21")
    cfn = localaws.client("cloudformation")
    st = _deploy(localaws, name, ops_template())
    assert st["StackStatus"] == "CREATE_COMPLETE", st.get("StackStatusReason")
    running = verify.verify_stack(name, localaws.verify_session())
    assert running.ok, running.to_text()
    endpoint, fn = _outputs(st)["EndpointName"], _outputs(st)["FunctionName"]
    lam, sm, cw = localaws.client("lambda"), localaws.client("sagemaker"), localaws.client("cloudwatch")
    assert lam.get_function_configuration(FunctionName=fn)["Environment"]["Variables"] == {"PAUSED": "false", "ENDPOINT": endpoint}

    changes = _change_set(localaws, name, "pause", Paused="true")
    assert sorted(changes) == sorted([("Modify", "IdlePauseFunction")] + [("Remove", lid) for lid in RUNNING_ONLY])
    st = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert st["StackStatus"] == "UPDATE_COMPLETE", st.get("StackStatusReason")
    assert {p["ParameterKey"]: p["ParameterValue"] for p in st["Parameters"]} == {"Paused": "true", "ExpiresAt": EXPIRES}
    out = _outputs(st)
    assert out["EndpointName"] == "paused" and "IdleAlarmName" not in out and "ScalableTargetId" not in out
    assert set(_physical(localaws, name)) == set(ops_template()["Resources"]) - RUNNING_ONLY
    assert [e for e in sm.list_endpoints()["Endpoints"] if e["EndpointName"].startswith(name)] == []
    assert cw.describe_alarms(AlarmNamePrefix=f"{name}-")["MetricAlarms"] == []
    assert lam.get_function_configuration(FunctionName=fn)["Environment"]["Variables"] == {"PAUSED": "true"}
    paused = verify.verify_stack(name, localaws.verify_session())
    assert paused.ok, paused.to_text()
    assert {c.logical_id for c in paused.checks if c.facts.get("absent")} == RUNNING_ONLY

    changes = _change_set(localaws, name, "resume", Paused="false")
    assert sorted(changes) == sorted([("Modify", "IdlePauseFunction")] + [("Add", lid) for lid in RUNNING_ONLY])
    st = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert st["StackStatus"] == "UPDATE_COMPLETE", st.get("StackStatusReason")
    new_endpoint = _outputs(st)["EndpointName"]
    assert new_endpoint.startswith(f"{name}-Endpoint-") and set(_physical(localaws, name)) == set(ops_template()["Resources"])
    assert lam.get_function_configuration(FunctionName=fn)["Environment"]["Variables"] == {"PAUSED": "false", "ENDPOINT": new_endpoint}
    resumed = verify.verify_stack(name, localaws.verify_session())
    assert resumed.ok, resumed.to_text()

    cfn.delete_stack(StackName=name)
    for snap in (running.snapshot, paused.snapshot, resumed.snapshot):
        gone = verify.verify_gone(name, snap, localaws.verify_session())
        assert gone.ok, gone.to_text()


# 22 -----------------------------------------------------------------------------------------
def test_cfn_update_sub_parameters(localaws: LocalAws, without) -> None:
    def extend(la: LocalAws, name: str) -> tuple[list[tuple[str, str]], str]:
        out = _outputs(_deploy(la, name, ops_template()))
        changes = _change_set(la, name, "extend", ExpiresAt="2031-02-03T04:05:06")
        return changes, la.client("scheduler").get_schedule(Name=out["ScheduleName"])["ScheduleExpression"]

    with without("cfn_update_sub_parameters") as la:
        changes, expression = extend(la, "fix22")
        assert changes == [] and expression == f"at({EXPIRES})"  # UPDATE_COMPLETE, schedule untouched

    name = unique("fix22")
    changes, expression = extend(localaws, name)
    assert changes == [("Modify", "ExpirySchedule")] and expression == "at(2031-02-03T04:05:06)"
    st = localaws.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in st["Parameters"]}["ExpiresAt"] == "2031-02-03T04:05:06"
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()


# 23 -----------------------------------------------------------------------------------------
def _nat_state(la: LocalAws, name: str) -> dict[str, Any]:
    ec2 = la.client("ec2")
    vpc = _physical(la, name)["Vpc"]
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NatGateways"]
    routes = [r.get("DestinationCidrBlock") for rt in ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"] for r in rt["Routes"]]
    return {"nat": [n["State"] for n in nats], "eips": len(ec2.describe_addresses()["Addresses"]),
            "default_routes": routes.count("0.0.0.0/0"), "listed": "NatGateway" in _physical(la, name)}


def test_cfn_update_removes_resources(localaws: LocalAws, without) -> None:
    tpl = {"Parameters": {"Paused": PARAMETERS["Paused"]}, "Conditions": CONDITIONS, "Resources": _network("Running")}

    def pause(la: LocalAws, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        la.deploy(name, tpl)
        before = _nat_state(la, name)
        cfn = la.client("cloudformation")
        cfn.create_change_set(StackName=name, ChangeSetName="pause", ChangeSetType="UPDATE", UsePreviousTemplate=True,
                              Parameters=[{"ParameterKey": "Paused", "ParameterValue": "true"}])
        try:
            cfn.execute_change_set(StackName=name, ChangeSetName="pause")
        except (ClientError, ResponseParserError):
            pass
        return before, _nat_state(la, name)

    with without("cfn_update_removes_resources") as la:
        before, after = pause(la, "fix23")
        assert after["nat"] == ["available"] and after["default_routes"] == 1 and after["listed"], after

    name = unique("fix23")
    before, after = pause(localaws, name)
    assert before["nat"] == ["available"] and before["default_routes"] == 1
    assert after == {"nat": ["deleted"], "eips": before["eips"] - 1, "default_routes": 0, "listed": False}
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()

    # a resource removed from the template goes the same way; DeletionPolicy Retain keeps it
    cfn = localaws.client("cloudformation")
    smaller = json.loads(json.dumps(tpl))
    smaller["Resources"]["PublicSubnet"]["DeletionPolicy"] = "Retain"
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(smaller), Parameters=[{"ParameterKey": "Paused", "ParameterValue": "true"}])
    subnet = _physical(localaws, name)["PublicSubnet"]
    del smaller["Resources"]["PublicSubnet"]
    del smaller["Resources"]["PrivateRouteTable"]
    for lid in ("NatGateway", "PrivateDefaultRoute"):
        del smaller["Resources"][lid]
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(smaller), Parameters=[{"ParameterKey": "Paused", "ParameterValue": "true"}])
    assert cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    ec2 = localaws.client("ec2")
    assert ec2.describe_subnets(SubnetIds=[subnet])["Subnets"], "Retain kept the subnet"
    vpc = _physical(localaws, name)["Vpc"]
    assert [t["Associations"] for t in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
            if not any(a.get("Main") for a in t["Associations"])] == []  # the private route table was deleted
    ec2.delete_subnet(SubnetId=subnet)


# 24 -----------------------------------------------------------------------------------------
def test_cfn_stack_resources_conditions(localaws: LocalAws, without) -> None:
    with without("cfn_stack_resources_conditions") as la:
        _deploy(la, "fix24", ops_template(), paused="true")
        listed = la.client("cloudformation").describe_stack_resources(StackName="fix24")["StackResources"]
        assert len([r for r in listed if not r.get("LogicalResourceId")]) == len(RUNNING_ONLY)

    name = unique("fix24")
    _deploy(localaws, name, ops_template(), paused="true")
    listed = localaws.client("cloudformation").describe_stack_resources(StackName=name)["StackResources"]
    assert {r.get("LogicalResourceId") for r in listed} == set(ops_template()["Resources"]) - RUNNING_ONLY
    summaries = localaws.client("cloudformation").list_stack_resources(StackName=name)["StackResourceSummaries"]
    assert len(summaries) == len(listed)
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()
    localaws.client("cloudformation").delete_stack(StackName=name)
    gone = verify.verify_gone(name, report.snapshot, localaws.verify_session())
    assert gone.ok, gone.to_text()


# 25 -----------------------------------------------------------------------------------------
def test_cfn_deleted_stack_frozen(localaws: LocalAws, without) -> None:
    def delete_then_describe(la: LocalAws, name: str) -> tuple[dict[str, Any], list[str]]:
        cfn = la.client("cloudformation")
        sid = la.deploy(name, _alarm_template())["StackId"]
        cfn.update_stack(StackName=name, TemplateBody=json.dumps(_alarm_template(threshold=2)))  # outputs not read since
        cfn.delete_stack(StackName=name)
        st = cfn.describe_stacks(StackName=sid)["Stacks"][0]
        alarms = la.client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{name}-")["MetricAlarms"]
        return st, [a["AlarmName"] for a in alarms]

    with without("cfn_deleted_stack_frozen") as la:
        st, alarms = delete_then_describe(la, "fix25")
        assert st["StackStatus"] == "DELETE_COMPLETE" and len(alarms) == 2  # re-created by reading the outputs

    name = unique("fix25")
    st, alarms = delete_then_describe(localaws, name)
    assert st["StackStatus"] == "DELETE_COMPLETE" and alarms == [] and not st.get("Outputs")
    assert verify.verify_gone(name, None, localaws.verify_session()).ok


# 26 -----------------------------------------------------------------------------------------
ALARM_EMAIL = {"Type": "String", "Default": "ops@example.com", "Description": "who gets the alarms"}


def _ttl_template(ttl: bool) -> dict[str, Any]:
    """Paused and a topic; with a TTL also ExpiresAt and the expiry schedule, without it a defaulted AlarmEmail."""
    resources: dict[str, Any] = {"AlarmTopic": {"Type": "AWS::SNS::Topic", "Properties": {
        "DisplayName": {"Fn::Sub": "paused ${Paused}"}}}}
    params: dict[str, Any] = {"Paused": PARAMETERS["Paused"]}
    if ttl:
        params["ExpiresAt"] = PARAMETERS["ExpiresAt"]
        resources.update(_schedule_template()["Resources"])
    else:
        params["AlarmEmail"] = ALARM_EMAIL
    return {"Parameters": params, "Resources": resources}


def _params(la: LocalAws, name: str) -> dict[str, str]:
    st = la.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in st.get("Parameters") or []}


def _turn_ttl_off(la: LocalAws, name: str) -> None:
    _deploy(la, name, _ttl_template(True))
    la.client("cloudformation").update_stack(StackName=name, TemplateBody=json.dumps(_ttl_template(False)),
                                             Parameters=[{"ParameterKey": "Paused", "UsePreviousValue": True}])


def _pause_keeping_listed(la: LocalAws, name: str) -> dict[str, Any]:
    """A change set with UsePreviousTemplate: Paused=true, UsePreviousValue for every other parameter listed."""
    cfn = la.client("cloudformation")
    params = [{"ParameterKey": k, "ParameterValue": "true"} if k == "Paused" else {"ParameterKey": k, "UsePreviousValue": True}
              for k in _params(la, name)]
    cfn.create_change_set(StackName=name, ChangeSetName="pause", ChangeSetType="UPDATE", UsePreviousTemplate=True,
                          Parameters=params)
    try:
        cfn.execute_change_set(StackName=name, ChangeSetName="pause")
    except (ClientError, ResponseParserError):
        pass
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def test_cfn_parameters_follow_template(localaws: LocalAws, without) -> None:
    with without("cfn_parameters_follow_template") as la:
        _turn_ttl_off(la, "fix26")
        assert _params(la, "fix26") == {"Paused": "false", "ExpiresAt": EXPIRES, "AlarmEmail": "ops@example.com"}
        st = _pause_keeping_listed(la, "fix26")
        assert st["StackStatus"] == "UPDATE_ROLLBACK_FAILED" and "KeyError" in st["StackStatusReason"], st

    # UpdateStack that turns the TTL off: ExpiresAt leaves the stack, the new AlarmEmail has its Default
    name = unique("fix26")
    cfn = localaws.client("cloudformation")
    _turn_ttl_off(localaws, name)
    assert _params(localaws, name) == {"Paused": "false", "AlarmEmail": "ops@example.com"}
    assert [s for s in localaws.client("scheduler").list_schedules()["Schedules"] if s["Name"].startswith(name)] == []
    st = _pause_keeping_listed(localaws, name)
    assert st["StackStatus"] == "UPDATE_COMPLETE", st.get("StackStatusReason")
    assert _params(localaws, name) == {"Paused": "true", "AlarmEmail": "ops@example.com"}
    topic = _physical(localaws, name)["AlarmTopic"]
    assert localaws.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "paused true"

    # as on AWS: UsePreviousValue for a parameter the template does not declare is refused
    gone = [{"ParameterKey": "Paused", "ParameterValue": "false"}, {"ParameterKey": "ExpiresAt", "UsePreviousValue": True}]
    refused = "Invalid input for parameter key ExpiresAt. Cannot specify usePreviousValue as true for a parameter key not in the previous template"
    with pytest.raises(ClientError, match=re.escape(refused)) as err:
        cfn.create_change_set(StackName=name, ChangeSetName="stale", ChangeSetType="UPDATE", UsePreviousTemplate=True, Parameters=gone)
    assert err.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError, match=re.escape(refused)):
        cfn.update_stack(StackName=name, UsePreviousTemplate=True, Parameters=gone)
    # ... and UsePreviousValue for one that has its Default (never passed) keeps it (moto: HTTP 500)
    cfn.update_stack(StackName=name, UsePreviousTemplate=True, Parameters=[
        {"ParameterKey": "Paused", "ParameterValue": "false"}, {"ParameterKey": "AlarmEmail", "UsePreviousValue": True}])
    assert _params(localaws, name) == {"Paused": "false", "AlarmEmail": "ops@example.com"}

    # an executed change set that turns the TTL back on and off again: the parameters follow each template
    for ttl, values, expected in ((True, {"ExpiresAt": EXPIRES}, {"Paused": "false", "ExpiresAt": EXPIRES}),
                                  (False, {}, {"Paused": "false", "AlarmEmail": "ops@example.com"})):
        cs = f"ttl-{str(ttl).lower()}"
        cfn.create_change_set(StackName=name, ChangeSetName=cs, ChangeSetType="UPDATE",
                              TemplateBody=json.dumps(_ttl_template(ttl)), Capabilities=["CAPABILITY_IAM"],
                              Parameters=[{"ParameterKey": "Paused", "UsePreviousValue": True}]
                              + [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()])
        cfn.execute_change_set(StackName=name, ChangeSetName=cs)
        st = cfn.describe_stacks(StackName=name)["Stacks"][0]
        assert st["StackStatus"] == "UPDATE_COMPLETE", st.get("StackStatusReason")
        assert _params(localaws, name) == expected
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()
