"""The sufficiency checker's own model on small hand-written templates (no slmstack binary needed):
condition resolution and the pause change set, forward access sessions vs. a CloudFormation service role,
the role that deletes itself, deletion order, and the static reading of a function's calls.
Run: python3 -m pytest -q Tests/iam/test_checker_model.py
"""
import copy
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools" / "iam"))

from cfn_model import Template  # noqa: E402
from handler_calls import HandlerCalls  # noqa: E402
from lambda_calls import api_calls  # noqa: E402
from paths import StackPaths  # noqa: E402

VIA_CFN = {"ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}}


def role(statements, **extra):
    return dict({"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Statement": []},
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}]}}, **extra)


def template(resources):
    return {"Parameters": {"Paused": {"Type": "String", "Default": "false"}},
            "Conditions": {"Running": {"Fn::Equals": [{"Ref": "Paused"}, "false"]}}, "Resources": resources}


def base():
    return template({
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"Tags": [{"Key": "team", "Value": "ml"}]}},
        "Queue": {"Type": "AWS::SQS::Queue", "Condition": "Running", "Properties": {}},
        "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmDescription": {"Fn::If": ["Running", "up", "down"]}, "MetricName": "m", "Namespace": "n",
            "AlarmActions": [{"Ref": "Topic"}]}},
    })


def test_pause_change_set_resolves_conditions():
    raw = base()
    running, paused = Template(raw, {"Paused": "false"}, "s"), Template(raw, {"Paused": "true"}, "s")
    assert HandlerCalls(running).property_changes(running, paused) == {"Queue": "delete", "Alarm": "update"}


def test_a_create_only_change_replaces_and_updates_what_references_it():
    raw = base()
    raw["Resources"]["Topic"]["Properties"]["TopicName"] = {"Fn::If": ["Running", "a", "b"]}  # createOnly
    running, paused = Template(raw, {"Paused": "false"}, "s"), Template(raw, {"Paused": "true"}, "s")
    changes = HandlerCalls(running).property_changes(running, paused)
    assert changes["Topic"] == "replace" and changes["Alarm"] == "update"


def test_symbolic_arns_and_intrinsics():
    raw = base()
    raw["Resources"]["Alarm"]["Properties"]["AlarmName"] = {"Fn::Sub": "${AWS::StackName}-idle"}
    model = Template(raw, {}, "s")
    assert model.resources["Alarm"]["Properties"]["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:s-Topic-GENERATED"]
    assert model.arn("Alarm") == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:s-idle"
    assert model.stack_id.startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/s/")


def ttl_template(expiry_statements, expiry_extra=None, payload=None):
    raw = base()
    raw["Resources"]["ExpiryRole"] = role(expiry_statements, **(expiry_extra or {}))
    raw["Resources"]["Schedule"] = {"Type": "AWS::Scheduler::Schedule", "Properties": {
        "ScheduleExpression": "at(2030-01-01T00:00:00)", "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack",
                   "RoleArn": {"Fn::GetAtt": ["ExpiryRole", "Arn"]},
                   "Input": {"Fn::Sub": json.dumps(payload or {"StackName": "${AWS::StackId}"})}}}}
    return raw


def delete_everything():
    return [{"Effect": "Allow", "Action": "cloudformation:DeleteStack", "Resource": {"Ref": "AWS::StackId"}},
            {"Effect": "Allow", "Action": ["sns:*", "sqs:*", "cloudwatch:*", "iam:*", "scheduler:*"], "Resource": "*",
             "Condition": VIA_CFN}]


def test_ttl_on_the_callers_session_needs_calledvia_and_reports_self_deletion_and_order():
    raw = ttl_template(delete_everything())
    paths = StackPaths(raw, "s")
    failures = paths.ttl_destroy(paths.running, "running")
    assert any("ExpiryRole deletes itself" in f and "iam:DeleteRole" in f for f in failures), failures
    # nothing depends on ExpiryRole, so it may go first
    assert any("ExpiryRole may be deleted before Topic" in f for f in failures), failures
    assert not [f for f in failures if " lacks " in f and "deletes itself" not in f], failures


def test_ttl_direct_grants_do_not_cover_calls_cloudformation_makes_only_through_calledvia():
    statements = delete_everything()
    statements[1]["Condition"] = {"ForAnyValue:StringEquals": {"aws:CalledVia": ["athena.amazonaws.com"]}}
    paths = StackPaths(ttl_template(statements, {"DeletionPolicy": "Retain"}), "s")
    failures = paths.ttl_destroy(paths.running, "running")
    assert any("ExpiryRole lacks sns:DeleteTopic on arn:aws:sns:us-east-1:123456789012:s-Topic-GENERATED" in f
               for f in failures), failures
    assert not [f for f in failures if "deletes itself" in f]


def test_ttl_with_a_service_role_evaluates_that_role_and_needs_passrole():
    outside = "arn:aws:iam::123456789012:role/cfn-exec"
    caller = [{"Effect": "Allow", "Action": "cloudformation:DeleteStack", "Resource": {"Ref": "AWS::StackId"}}]
    raw = ttl_template(caller, {"DeletionPolicy": "Retain"}, {"StackName": "${AWS::StackId}", "RoleARN": outside})
    service = {"RoleName": "cfn-exec", "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [
        {"Effect": "Allow", "Action": ["sns:*", "sqs:*", "cloudwatch:*", "iam:*", "scheduler:*"], "Resource": "*"}]}}]}
    paths = StackPaths(raw, "s", {outside: service})
    failures = paths.ttl_destroy(paths.running, "running")
    assert failures == [f"TTL destroy (running, Schedule): ExpiryRole lacks iam:PassRole on {outside} "
                        "(passing the CloudFormation service role; implicit deny)"], failures
    raw["Resources"]["ExpiryRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].append(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": outside,
         "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}})
    paths = StackPaths(raw, "s", {outside: service})
    assert paths.ttl_destroy(paths.running, "running") == []
    weaker = copy.deepcopy(service)
    weaker["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"].remove("sqs:*")
    paths = StackPaths(raw, "s", {outside: weaker})
    assert any("cfn-exec lacks sqs:DeleteQueue" in f for f in paths.ttl_destroy(paths.running, "running"))


SOURCE = '''
import os
import boto3

def handler(event, context):
    stack = os.environ["STACK_ID"]
    if stack.endswith("/*"):
        return direct(os.environ.get("ENDPOINT_NAME"))
    cfn = boto3.client("cloudformation")
    cfn.update_stack(StackName=stack, UsePreviousTemplate=True, RoleARN=os.environ["ROLE"])
    cfn.get_waiter("stack_update_complete").wait(StackName=stack)
    if event.get("notify"):
        boto3.client("sns").publish(TopicArn=os.environ["TOPIC"], Message="x")

def direct(name):
    boto3.client("sagemaker").delete_endpoint(EndpointName=name)
'''


def test_function_calls_follow_the_live_branch_for_the_environment():
    stack = {"STACK_ID": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1", "ROLE": "r", "TOPIC": "t"}
    calls = api_calls(SOURCE, stack)
    assert [c.action for c in calls] == ["cloudformation:UpdateStack", "cloudformation:DescribeStacks", "sns:Publish"]
    assert calls[0].keywords["RoleARN"] == "env:ROLE" and calls[2].keywords["TopicArn"] == "env:TOPIC"
    terraform = api_calls(SOURCE, {"STACK_ID": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/*"})
    assert [c.action for c in terraform] == ["sagemaker:DeleteEndpoint"]
    unknown = api_calls(SOURCE, {})  # STACK_ID not known: both branches may run
    assert {c.action for c in unknown} == {"sagemaker:DeleteEndpoint", "cloudformation:UpdateStack",
                                           "cloudformation:DescribeStacks", "sns:Publish"}


def test_module_level_clients_and_clients_passed_as_arguments_are_followed():
    source = '''
import os
import boto3
SNS = boto3.client("sns")

def handler(event, context):
    cloudwatch = boto3.client("cloudwatch")
    reset(cloudwatch, os.environ["ALARM"])
    SNS.publish(TopicArn=os.environ["TOPIC"], Message="done")

def reset(client, name):
    client.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="skipped")
'''
    calls = api_calls(source, {"ALARM": "a", "TOPIC": "t"})
    assert [c.action for c in calls] == ["cloudwatch:SetAlarmState", "sns:Publish"]
