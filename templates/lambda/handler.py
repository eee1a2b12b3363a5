"""slmstack Lambda shim: API Gateway (AWS_PROXY) -> SageMaker endpoint."""
import json
import os

import boto3

_runtime = boto3.client("sagemaker-runtime")


def handler(event, context):
    try:
        body = json.loads(event.get("body") or "")
    except ValueError:
        return _reply(400, {"error": {"code": "invalid_json", "message": "body: expected a JSON object"}})
    if not isinstance(body, dict) or not isinstance(body.get("prompt"), str) or not body["prompt"]:
        return _reply(400, {"error": {"code": "invalid_request", "message": "prompt: expected a non-empty string"}})
    answer = _runtime.invoke_endpoint(
        EndpointName=os.environ["ENDPOINT_NAME"],
        ContentType="application/json",
        Body=json.dumps({"inputs": body["prompt"], "parameters": body.get("parameters") or {}}),
    )
    return _reply(200, json.loads(answer["Body"].read()))


def _reply(status, payload):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(payload)}
