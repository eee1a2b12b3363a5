# slmstack idle pause: invoked by the idle alarm, pauses this stack and says how that went.
#
# Pausing is a parameter-only update of the deployed template: Paused=true removes the SageMaker
# endpoint, the NAT gateway and what needs them; every other parameter keeps its value. `slmstack
# resume` undoes it. A new or just-resumed endpoint has no Invocations data points yet, which the
# alarm counts as breaching: the function skips an endpoint younger than IDLE_HOURS, and after any
# skip sets the alarm back to OK, so that it fires again later (alarm actions run only on changes).
# Once the update is accepted it waits for its outcome (DescribeStacks until 30 s before its own
# timeout) and publishes it, success or failure, to the alarm topic (TOPIC_ARN).
# Deployed by Terraform there is no stack (STACK_ID is then a pattern ending in /*): the function
# deletes the endpoint itself, which stops its bill; `terraform apply -var paused=true` records it.
import datetime
import json
import os
import time

import boto3
from botocore.exceptions import ClientError

POLL_SECONDS = 10
MARGIN_MS = 30_000


def handler(event, context):
    state = ((event or {}).get("alarmData") or {}).get("state", {}).get("value")
    stack_id = os.environ["STACK_ID"]
    if state != "ALARM":
        return log("skipped", stack_id, f"alarm state is {state}, not ALARM")
    name = os.environ.get("ENDPOINT_NAME", "")
    created = endpoint_created(name)
    if created is None:
        return rearm(stack_id, f"endpoint {name} does not exist (paused, or not created yet)")
    hours = float(os.environ.get("IDLE_HOURS") or 0)
    age = (datetime.datetime.now(datetime.timezone.utc) - created).total_seconds() / 3600
    if age < hours:
        return rearm(stack_id, f"endpoint {name} is {age:.1f} h old, younger than the {hours:g} h idle period")
    if stack_id.endswith("/*"):
        return delete_endpoint(stack_id, name)
    cloudformation = boto3.client("cloudformation")
    stack = cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]
    parameters = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters", [])}
    if parameters.get("Paused") == "true":
        return rearm(stack_id, "already paused")
    if stack["StackStatus"].endswith("_IN_PROGRESS"):
        return rearm(stack_id, f"stack is {stack['StackStatus']}")
    update = [
        {"ParameterKey": key, "ParameterValue": "true"} if key == "Paused" else {"ParameterKey": key, "UsePreviousValue": True}
        for key in sorted(parameters)
    ]
    try:
        cloudformation.update_stack(StackName=stack_id, UsePreviousTemplate=True, Parameters=update,
                                    Capabilities=["CAPABILITY_IAM"])
    except ClientError as error:
        return report("failed", stack_id, "the pause was refused: " + message(error))
    status, reason = wait(cloudformation, stack_id, context)
    if status == "UPDATE_COMPLETE":
        return report("paused", stack_id, f"idle for {hours:g} h: removed the endpoint and the NAT gateway; slmstack resume brings them back")
    if status is None:
        return report("pausing", stack_id, "the pause is still running; slmstack status shows how it ends")
    return report("failed", stack_id, f"the pause ended {status}: {reason}; the endpoint may still be billing, see slmstack status")


def endpoint_created(name):
    # The endpoint's CreationTime, or None when there is no such endpoint.
    try:
        return boto3.client("sagemaker").describe_endpoint(EndpointName=name)["CreationTime"]
    except ClientError as error:
        # SageMaker answers ValidationException "Could not find endpoint ..."
        if error.response.get("Error", {}).get("Code") in ("ValidationException", "ValidationError"):
            return None
        raise


def wait(cloudformation, stack_id, context):
    # Polls the stack until its update ends or this invocation nears its timeout: (status, reason).
    while True:
        stack = cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]
        status = stack["StackStatus"]
        if not status.endswith("_IN_PROGRESS"):
            return status, first_failure(cloudformation, stack_id) or stack.get("StackStatusReason", "no reason given")
        if context is not None and context.get_remaining_time_in_millis() < MARGIN_MS + POLL_SECONDS * 1000:
            return None, None
        time.sleep(POLL_SECONDS)


def first_failure(cloudformation, stack_id):
    # The reason of the newest resource failure in the stack's latest events, if any.
    try:
        events = cloudformation.describe_stack_events(StackName=stack_id).get("StackEvents", [])
    except ClientError:
        return None
    for event in events:
        if event.get("ResourceStatus", "").endswith("_FAILED") and event.get("ResourceType") != "AWS::CloudFormation::Stack":
            return f"{event.get('LogicalResourceId')}: {event.get('ResourceStatusReason', '')}"
        if event.get("ResourceType") == "AWS::CloudFormation::Stack" and event.get("ResourceStatus") == "UPDATE_IN_PROGRESS":
            return None
    return None


def rearm(stack_id, reason):
    # Skips, and sets the alarm back to OK so that it fires again if the endpoint stays idle.
    try:
        boto3.client("cloudwatch").set_alarm_state(AlarmName=os.environ.get("ALARM_NAME", ""), StateValue="OK",
                                                   StateReason=f"slmstack idle pause skipped: {reason}"[:1023])
    except ClientError as error:
        reason += f" (could not set the alarm back to OK: {message(error)})"
    return log("skipped", stack_id, reason)


def delete_endpoint(stack_id, name):
    try:
        boto3.client("sagemaker").delete_endpoint(EndpointName=name)
    except ClientError as error:
        return report("failed", stack_id, f"could not delete endpoint {name}: {message(error)}")
    return report("deleted-endpoint", stack_id, f"idle: deleted endpoint {name}; apply with paused=true to record it, or apply to bring it back")


def report(outcome, stack_id, reason):
    # Logs the outcome and publishes it to the alarm topic.
    record = log(outcome, stack_id, reason)
    topic = os.environ.get("TOPIC_ARN")
    if topic:
        stack = stack_id.split("/")[1] if stack_id.count("/") >= 2 else stack_id
        try:
            boto3.client("sns").publish(TopicArn=topic, Subject=f"slmstack {stack}: idle pause {outcome}"[:100],
                                        Message=json.dumps(record, indent=2))
        except ClientError as error:
            log("unpublished", stack_id, message(error))
    return record


def message(error):
    return error.response.get("Error", {}).get("Message", str(error))


def log(outcome, stack_id, reason):
    record = {"outcome": outcome, "stack": stack_id, "reason": reason}
    print(json.dumps(record))
    return record
