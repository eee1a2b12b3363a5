"""Small hand-written templates in the shape the renderer emits (Paused/ExpiresAt parameters, a `Running`
condition, alarms, schedule, autoscaling), and the deploy helpers the operations fix tests share."""
from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from localaws_support import LocalAws


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


def _alarm_template(threshold: int = 0) -> dict[str, Any]:
    alarms = _alarms(None, threshold)
    for a in alarms.values():  # no endpoint here: a fixed dimension value
        a["Properties"]["Dimensions"][0]["Value"] = "some-endpoint"
    alarms["IdleAlarm"]["Properties"]["AlarmActions"] = [{"Ref": "AlarmTopic"}]
    return {"Resources": {"AlarmTopic": {"Type": "AWS::SNS::Topic"}, **alarms},
            "Outputs": {"IdleAlarm": {"Value": {"Ref": "IdleAlarm"}}, "Latency": {"Value": {"Ref": "ModelLatencyAlarm"}}}}
