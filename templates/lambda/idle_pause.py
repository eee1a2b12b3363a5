"""slmstack idle pause: invoked by the idle alarm, pauses this stack.

Pausing is a parameter-only update of the deployed template: Paused=true removes the SageMaker
endpoint and the NAT gateway; every other parameter keeps its value. `slmstack resume` undoes it.
Deployed by Terraform there is no stack (STACK_ID is then a pattern ending in /*): the function
deletes the endpoint itself, which stops its bill; `terraform apply -var paused=true` records it.
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
    if stack_id.endswith("/*"):
        return delete_endpoint(stack_id, os.environ.get("ENDPOINT_NAME", ""))
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


def delete_endpoint(stack_id, name):
    if not name or name == "paused":
        return log("skipped", stack_id, "no endpoint to delete")
    try:
        boto3.client("sagemaker").delete_endpoint(EndpointName=name)
    except ClientError as error:
        return log("failed", stack_id, error.response.get("Error", {}).get("Message", str(error)))
    return log("deleted-endpoint", stack_id, f"idle alarm: deleted endpoint {name}; apply with paused=true to record it, or apply to bring it back")


def log(outcome, stack_id, reason):
    record = {"outcome": outcome, "stack": stack_id, "reason": reason}
    print(json.dumps(record))
    return record
