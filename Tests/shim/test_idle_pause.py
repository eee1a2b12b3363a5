"""The idle-pause function (templates/lambda/idle_pause.py) against moto's CloudFormation in process.

It must set Paused=true on exactly its own stack with the deployed template, keep every other
parameter, and do nothing when the alarm is not in ALARM, the stack is already paused, or busy.
"""
import json
import os

import boto3
import pytest
from moto import mock_aws

from conftest import ROOT, load_shim
from inline import inline

SOURCE = ROOT / "templates" / "lambda" / "idle_pause.py"
TEMPLATE = {
    "Parameters": {
        "Paused": {"Type": "String", "AllowedValues": ["false", "true"], "Default": "false"},
        "ExpiresAt": {"Type": "String"},
    },
    "Conditions": {"Running": {"Fn::Equals": [{"Ref": "Paused"}, "false"]}},
    "Resources": {
        "Billable": {"Type": "AWS::SNS::Topic", "Condition": "Running"},
        "Kept": {"Type": "AWS::SNS::Topic"},
    },
}
ALARM = {"alarmData": {"alarmName": "idle", "state": {"value": "ALARM"}}}


@pytest.fixture
def cloudformation(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        client = boto3.client("cloudformation")
        for name in ("mine", "other"):
            client.create_stack(StackName=name, TemplateBody=json.dumps(TEMPLATE), Parameters=[
                {"ParameterKey": "Paused", "ParameterValue": "false"},
                {"ParameterKey": "ExpiresAt", "ParameterValue": "2026-11-23T10:00:00"}])
        monkeypatch.setenv("STACK_ID", client.describe_stacks(StackName="mine")["Stacks"][0]["StackId"])
        yield client


def parameters(client, name):
    stack = client.describe_stacks(StackName=name)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}


@pytest.mark.parametrize("source", ["file", "inline"])
def test_alarm_pauses_this_stack_only_and_keeps_its_other_parameters(cloudformation, capsys, source):
    text = SOURCE.read_text() if source == "file" else inline(SOURCE.read_text())
    module = load_shim(text, "idle_pause")
    result = module.handler(ALARM, None)
    assert result["outcome"] == "pausing", result
    assert parameters(cloudformation, "mine") == {"Paused": "true", "ExpiresAt": "2026-11-23T10:00:00"}
    assert parameters(cloudformation, "other")["Paused"] == "false"
    log = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert log["outcome"] == "pausing" and log["stack"] == os.environ["STACK_ID"]


def test_a_second_alarm_on_a_paused_stack_does_nothing(cloudformation):
    module = load_shim(SOURCE.read_text(), "idle_pause")
    module.handler(ALARM, None)
    again = module.handler(ALARM, None)
    assert again["outcome"] == "skipped" and again["reason"] == "already paused"


@pytest.mark.parametrize("state", ["OK", "INSUFFICIENT_DATA", None])
def test_other_alarm_states_do_not_pause(cloudformation, state):
    module = load_shim(SOURCE.read_text(), "idle_pause")
    event = {"alarmData": {"state": {"value": state}}} if state else {}
    assert module.handler(event, None)["outcome"] == "skipped"
    assert parameters(cloudformation, "mine")["Paused"] == "false"


def test_a_refused_update_is_logged_not_raised(cloudformation, capsys):
    from botocore.exceptions import ClientError

    module = load_shim(SOURCE.read_text(), "idle_pause")
    real = module.boto3.client

    class Refusing:
        def __init__(self):
            self.inner = real("cloudformation")

        def describe_stacks(self, **kwargs):
            return self.inner.describe_stacks(**kwargs)

        def update_stack(self, **kwargs):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed to delete the endpoint"}}, "UpdateStack")

    module.boto3.client = lambda service: Refusing()
    try:
        result = module.handler(ALARM, None)
    finally:
        module.boto3.client = real
    assert result == {"outcome": "failed", "stack": os.environ["STACK_ID"], "reason": "not allowed to delete the endpoint"}
    assert parameters(cloudformation, "mine")["Paused"] == "false"


def test_a_missing_stack_is_an_error_lambda_records(cloudformation, monkeypatch):
    module = load_shim(SOURCE.read_text(), "idle_pause")
    monkeypatch.setenv("STACK_ID", "arn:aws:cloudformation:us-east-1:123456789012:stack/gone/0")
    with pytest.raises(Exception, match="does not exist"):
        module.handler(ALARM, None)


def test_without_a_stack_it_deletes_the_endpoint_itself(monkeypatch, capsys):
    """Deployed by Terraform, STACK_ID is a pattern (no stack exists): the function deletes the endpoint."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        sagemaker = boto3.client("sagemaker")
        sagemaker.create_model(ModelName="m", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
                               PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/tgi:latest"})
        sagemaker.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[{
            "VariantName": "AllTraffic", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
        for name in ("mine", "other"):
            sagemaker.create_endpoint(EndpointName=name, EndpointConfigName="c")
        monkeypatch.setenv("STACK_ID", "arn:aws:cloudformation:us-east-1:123456789012:stack/mine/*")
        monkeypatch.setenv("ENDPOINT_NAME", "mine")
        module = load_shim(SOURCE.read_text(), "idle_pause")
        result = module.handler(ALARM, None)
        assert result["outcome"] == "deleted-endpoint", result
        assert [e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]] == ["other"]
        monkeypatch.setenv("ENDPOINT_NAME", "paused")
        assert module.handler(ALARM, None)["outcome"] == "skipped"
