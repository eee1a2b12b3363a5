"""slmstack idle pause: invoked by the idle alarm, pauses this stack.

Pausing is a parameter-only update of the deployed template: Paused=true removes the SageMaker
endpoint and the NAT gateway; every other parameter keeps its value. `slmstack resume` undoes it.
"""
import json
import os

import boto3
from botocore.exceptions import ClientError


def handler(event, context):
    state = ((event or {}).get("alarmData") or {}).get("state", {}).get("value")
    stack_id = os.environ["STACK_ID"]
    if state != "ALARM":
        return log("skipped", stack_id, f"alarm state is {state}, not ALARM")
    cloudformation = boto3.client("cloudformation")
    stack = cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]
    parameters = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters", [])}
    if parameters.get("Paused") == "true":
        return log("skipped", stack_id, "already paused")
    if stack["StackStatus"].endswith("_IN_PROGRESS"):
        return log("skipped", stack_id, f"stack is {stack['StackStatus']}")
    update = [
        {"ParameterKey": key, "ParameterValue": "true"} if key == "Paused" else {"ParameterKey": key, "UsePreviousValue": True}
        for key in sorted(parameters)
    ]
    try:
        cloudformation.update_stack(StackName=stack_id, UsePreviousTemplate=True, Parameters=update,
                                    Capabilities=["CAPABILITY_IAM"])
    except ClientError as error:
        return log("failed", stack_id, error.response.get("Error", {}).get("Message", str(error)))
    return log("pausing", stack_id, "idle alarm: removing the endpoint and the NAT gateway; slmstack resume brings them back")


def log(outcome, stack_id, reason):
    record = {"outcome": outcome, "stack": stack_id, "reason": reason}
    print(json.dumps(record))
    return record
