"""The idle-pause function (templates/lambda/idle_pause.py) against moto in process.

It must set Paused=true on exactly its own stack with the deployed template, keep every other
parameter, wait for the update's outcome and publish it to the alarm topic; it must skip (and set
the alarm back to OK, so that it fires again) when the endpoint is younger than the idle period,
missing, the stack already paused or busy; and do nothing when the alarm is not in ALARM.
"""
import datetime
import json
import os

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from shim_support import ROOT, load_shim
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
ALARM = {"alarmData": {"alarmName": "mine-idle-alarm", "state": {"value": "ALARM"}}}
ENDPOINT = "mine-endpoint"


class Aws:
    """moto's account with the two stacks, the endpoint, the idle alarm in ALARM and the topic."""

    def __init__(self):
        self.cloudformation = boto3.client("cloudformation")
        self.cloudwatch = boto3.client("cloudwatch")
        self.sagemaker = boto3.client("sagemaker")
        self.sqs = boto3.client("sqs")
        for name in ("mine", "other"):
            self.cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(TEMPLATE), Parameters=[
                {"ParameterKey": "Paused", "ParameterValue": "false"},
                {"ParameterKey": "ExpiresAt", "ParameterValue": "2026-11-23T10:00:00"}])
        self.sagemaker.create_model(ModelName="m", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
                                    PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/tgi:latest"})
        self.sagemaker.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[{
            "VariantName": "AllTraffic", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
        self.sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="c")
        self.cloudwatch.put_metric_alarm(AlarmName="mine-idle-alarm", Namespace="AWS/SageMaker", MetricName="Invocations",
                                         Statistic="Sum", Period=3600, EvaluationPeriods=6, Threshold=0,
                                         ComparisonOperator="LessThanOrEqualToThreshold", TreatMissingData="breaching")
        self.cloudwatch.set_alarm_state(AlarmName="mine-idle-alarm", StateValue="ALARM", StateReason="no data")
        topic = boto3.client("sns").create_topic(Name="mine-alarms")["TopicArn"]
        self.queue = self.sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        boto3.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
        self.env = {"STACK_ID": self.cloudformation.describe_stacks(StackName="mine")["Stacks"][0]["StackId"],
                    "ENDPOINT_NAME": ENDPOINT, "ALARM_NAME": "mine-idle-alarm", "TOPIC_ARN": topic, "IDLE_HOURS": "6"}

    def parameters(self, name):
        stack = self.cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}

    def alarm_state(self):
        return self.cloudwatch.describe_alarms(AlarmNames=["mine-idle-alarm"])["MetricAlarms"][0]["StateValue"]

    def published(self):
        messages = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]


@pytest.fixture
def aws(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        account = Aws()
        for key, value in account.env.items():
            monkeypatch.setenv(key, value)
        yield account


def later(module, hours):
    """The module's clock moved `hours` ahead (the endpoint's CreationTime is moto's real now)."""
    real = datetime.datetime

    class Clock(real):
        @classmethod
        def now(cls, tz=None):
            return real.now(tz) + datetime.timedelta(hours=hours)

    module.datetime = type("datetime_module", (), {"datetime": Clock, "timezone": datetime.timezone, "timedelta": datetime.timedelta})


def function(text=None, hours_later=7):
    module = load_shim(text or SOURCE.read_text(), "idle_pause")
    module.POLL_SECONDS = 0
    if hours_later:
        later(module, hours_later)
    return module


@pytest.mark.parametrize("source", ["file", "inline"])
def test_an_idle_endpoint_pauses_this_stack_only_and_the_outcome_is_published(aws, capsys, source):
    module = function(SOURCE.read_text() if source == "file" else inline(SOURCE.read_text()))
    result = module.handler(ALARM, None)
    assert result["outcome"] == "paused", result
    assert aws.parameters("mine") == {"Paused": "true", "ExpiresAt": "2026-11-23T10:00:00"}
    assert aws.parameters("other")["Paused"] == "false"
    assert aws.cloudformation.describe_stacks(StackName="mine")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    log = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert log["outcome"] == "paused" and log["stack"] == os.environ["STACK_ID"]
    assert aws.published() == [result]


def test_a_young_endpoint_is_skipped_and_the_alarm_rearmed(aws):
    module = function(hours_later=0)
    result = module.handler(ALARM, None)
    assert result["outcome"] == "skipped" and "younger than the 6 h idle period" in result["reason"], result
    assert aws.parameters("mine")["Paused"] == "false"
    assert aws.alarm_state() == "OK", "set back to OK, so the alarm fires again when the endpoint stays idle"
    assert aws.published() == [], "a skip is no news"
    # hours later the same alarm pauses
    later(module, 6.5)
    assert module.handler(ALARM, None)["outcome"] == "paused"


def test_a_missing_endpoint_is_skipped_and_the_alarm_rearmed(aws):
    aws.sagemaker.delete_endpoint(EndpointName=ENDPOINT)
    result = function().handler(ALARM, None)
    assert result["outcome"] == "skipped" and "does not exist" in result["reason"]
    assert aws.alarm_state() == "OK" and aws.parameters("mine")["Paused"] == "false"


def test_a_second_alarm_on_a_paused_stack_does_nothing_but_rearm(aws):
    module = function()
    module.handler(ALARM, None)
    aws.cloudwatch.set_alarm_state(AlarmName="mine-idle-alarm", StateValue="ALARM", StateReason="again")
    again = module.handler(ALARM, None)
    assert again["outcome"] == "skipped" and again["reason"] == "already paused"
    assert aws.alarm_state() == "OK"


@pytest.mark.parametrize("state", ["OK", "INSUFFICIENT_DATA", None])
def test_other_alarm_states_do_not_pause(aws, state):
    event = {"alarmData": {"state": {"value": state}}} if state else {}
    assert function().handler(event, None)["outcome"] == "skipped"
    assert aws.parameters("mine")["Paused"] == "false" and aws.alarm_state() == "ALARM"


class Scripted:
    """moto's CloudFormation, with UpdateStack refused or the update's end replaced by a script."""

    def __init__(self, module, refuse=None, statuses=None):
        self.inner = module.boto3.client("cloudformation")
        self.refuse, self.statuses, self.updated = refuse, list(statuses or []), False

    def describe_stacks(self, **kwargs):
        answer = self.inner.describe_stacks(**kwargs)
        if self.updated and self.statuses:
            answer["Stacks"][0]["StackStatus"] = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return answer

    def describe_stack_events(self, **kwargs):
        return {"StackEvents": [
            {"ResourceType": "AWS::EC2::NatGateway", "LogicalResourceId": "NatGateway", "ResourceStatus": "DELETE_FAILED",
             "ResourceStatusReason": "not authorized to perform: ec2:DeleteNatGateway"},
            {"ResourceType": "AWS::CloudFormation::Stack", "LogicalResourceId": "mine", "ResourceStatus": "UPDATE_IN_PROGRESS"},
            {"ResourceType": "AWS::EC2::Route", "LogicalResourceId": "Old", "ResourceStatus": "CREATE_FAILED", "ResourceStatusReason": "earlier"},
        ]}

    def update_stack(self, **kwargs):
        if self.refuse:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": self.refuse}}, "UpdateStack")
        self.updated = True
        return self.inner.update_stack(**kwargs)


def run_with(module, scripted, context=None):
    real = module.boto3.client
    module.boto3.client = lambda service: scripted if service == "cloudformation" else real(service)
    try:
        return module.handler(ALARM, context)
    finally:
        module.boto3.client = real


def test_a_refused_update_is_published_not_raised(aws):
    module = function()
    result = run_with(module, Scripted(module, refuse="not allowed to update the stack"))
    assert result == {"outcome": "failed", "stack": os.environ["STACK_ID"], "reason": "the pause was refused: not allowed to update the stack"}
    assert aws.parameters("mine")["Paused"] == "false"
    assert aws.published() == [result]


def test_an_update_that_rolls_back_is_published_with_its_first_failure(aws):
    module = function()
    result = run_with(module, Scripted(module, statuses=["UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"]))
    assert result["outcome"] == "failed", result
    assert result["reason"].startswith("the pause ended UPDATE_ROLLBACK_COMPLETE: NatGateway: not authorized to perform: ec2:DeleteNatGateway")
    assert aws.published() == [result]


def test_it_stops_waiting_before_its_timeout_and_says_so(aws):
    class Context:
        def __init__(self):
            self.left = [200_000, 45_000, 30_500]

        def get_remaining_time_in_millis(self):
            return self.left.pop(0) if len(self.left) > 1 else self.left[0]

    module = function()
    module.POLL_SECONDS = 1
    result = run_with(module, Scripted(module, statuses=["UPDATE_IN_PROGRESS"]), Context())
    assert result["outcome"] == "pausing" and "slmstack status" in result["reason"], result
    assert aws.published() == [result]


def test_a_missing_stack_is_an_error_lambda_records(aws, monkeypatch):
    monkeypatch.setenv("STACK_ID", "arn:aws:cloudformation:us-east-1:123456789012:stack/gone/0")
    with pytest.raises(Exception, match="does not exist"):
        function().handler(ALARM, None)


def test_without_a_stack_it_deletes_the_endpoint_itself_and_publishes(aws, monkeypatch):
    """Deployed by Terraform, STACK_ID is a pattern (no stack exists): the function deletes the endpoint."""
    aws.sagemaker.create_endpoint(EndpointName="other-endpoint", EndpointConfigName="c")
    monkeypatch.setenv("STACK_ID", "arn:aws:cloudformation:us-east-1:123456789012:stack/mine/*")
    module = function()
    result = module.handler(ALARM, None)
    assert result["outcome"] == "deleted-endpoint", result
    assert [e["EndpointName"] for e in aws.sagemaker.list_endpoints()["Endpoints"]] == ["other-endpoint"]
    assert aws.published() == [result]
    assert module.handler(ALARM, None)["outcome"] == "skipped"
