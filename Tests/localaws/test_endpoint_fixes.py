"""Fixes 40-41 (tools/localaws/endpoint_patches.py): InvokeEndpoint of an endpoint that does not exist; a new
EndpointName replaces the endpoint (a stack upgraded to the fixed name).

A pause deletes the endpoint and leaves the shim unchanged; on AWS the shim's call then fails with
ValidationError "Endpoint <name> of account <id> not found." and the shim answers 503 paused.
"""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from localaws_support import LocalAws, unique


def _invoke(la: LocalAws, name: str) -> dict:
    return la.client("sagemaker-runtime").invoke_endpoint(EndpointName=name, ContentType="application/json", Body=b'{"inputs":"hi"}')


def _endpoint(la: LocalAws) -> str:
    sm, iam = la.client("sagemaker"), la.client("iam")
    role = iam.create_role(RoleName=unique("sm"), AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}')["Role"]["Arn"]
    model = unique("model")
    sm.create_model(ModelName=model, ExecutionRoleArn=role,
                    PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:x"})
    config = unique("config")
    sm.create_endpoint_config(EndpointConfigName=config, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": model, "InitialInstanceCount": 1, "InstanceType": "ml.g5.xlarge"}])
    name = unique("endpoint")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
    return name


def test_sagemaker_runtime_missing_endpoint(localaws: LocalAws, without) -> None:
    missing = unique("gone")
    with without("sagemaker_runtime_missing_endpoint") as la:
        assert _invoke(la, missing)["ResponseMetadata"]["HTTPStatusCode"] == 200, "moto alone answers any name"
    with pytest.raises(ClientError) as raised:
        _invoke(localaws, missing)
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "ValidationError"
    assert error["Error"]["Message"] == f"Endpoint {missing} of account 123456789012 not found."
    # an endpoint that exists still answers, and stops answering once deleted
    name = _endpoint(localaws)
    assert _invoke(localaws, name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    localaws.client("sagemaker").delete_endpoint(EndpointName=name)
    with pytest.raises(ClientError, match="not found"):
        _invoke(localaws, name)


def test_cfn_sagemaker_endpoint_rename(localaws: LocalAws, without) -> None:
    from ops_templates import _endpoint_resources

    unnamed = {"Resources": _endpoint_resources(None)}
    named = json.loads(json.dumps(unnamed))
    fixed = unique("fixed")
    named["Resources"]["Endpoint"]["Properties"]["EndpointName"] = fixed

    def upgrade(la: LocalAws) -> tuple[set[str], str]:
        stack = unique("rename")
        la.deploy(stack, unnamed)
        cfn, sm = la.client("cloudformation"), la.client("sagemaker")
        generated = cfn.describe_stack_resource(StackName=stack, LogicalResourceId="Endpoint")["StackResourceDetail"]["PhysicalResourceId"]
        cfn.update_stack(StackName=stack, TemplateBody=json.dumps(named), Capabilities=["CAPABILITY_IAM"])
        assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
        return {e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]}, generated.rsplit("/", 1)[-1]

    def create(la: LocalAws) -> set[str]:
        again = json.loads(json.dumps(named))
        again["Resources"]["Endpoint"]["Properties"]["EndpointName"] = created
        la.deploy(unique("named"), again)
        return {e["EndpointName"] for e in la.client("sagemaker").list_endpoints()["Endpoints"]}

    with without("cfn_sagemaker_endpoint_rename") as la:
        names, generated = upgrade(la)
        assert fixed not in names and generated in names, "moto alone keeps the generated name"
        created = unique("created")
        assert created not in create(la), "moto alone ignores EndpointName on create"
    names, generated = upgrade(localaws)
    assert fixed in names and generated not in names
    assert localaws.client("sagemaker").describe_endpoint(EndpointName=fixed)["EndpointStatus"] == "InService"
    created = unique("created")
    assert created in create(localaws)
