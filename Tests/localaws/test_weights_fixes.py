"""Fixes for staged weights: 51 (s3_query_patches.py) S3 list calls with a `/` in the prefix pass SigV4;
52 (sagemaker_patches.py) a model from CloudFormation keeps EnableNetworkIsolation.

"without" runs on a throwaway server with only that fix disabled, "with" on the session server.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from localaws_support import LocalAws, started, unique


def _lists(s3, bucket: str) -> tuple[int, list[str]]:
    objects = s3.list_objects_v2(Bucket=bucket, Prefix="models/org/")["KeyCount"]
    uploads = [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket, Prefix="models/org/m").get("Uploads", [])]
    return objects, uploads


def _setup(s3, bucket: str) -> None:
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="models/org/m/config.json", Body=b"{}")
    s3.put_object(Bucket=bucket, Key="other/config.json", Body=b"{}")
    s3.create_multipart_upload(Bucket=bucket, Key="models/org/m/model.safetensors")


def test_sigv4_raw_query(localaws: LocalAws, tmp_path: Path) -> None:
    bucket = unique("rawq")
    with started(tmp_path, disable="sigv4_raw_query") as plain:
        s3 = plain.client("s3")
        _setup(s3, bucket)
        with pytest.raises(ClientError) as refused:
            _lists(s3, bucket)
        assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"

    s3 = localaws.client("s3")
    _setup(s3, bucket)
    assert _lists(s3, bucket) == (1, ["models/org/m/model.safetensors"])


MODEL_TEMPLATE = {"Resources": {
    "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
    "Model": {"Type": "AWS::SageMaker::Model", "Properties": {
        "ExecutionRoleArn": {"Fn::GetAtt": ["Role", "Arn"]}, "EnableNetworkIsolation": True,
        "PrimaryContainer": {"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:latest",
                             "ModelDataSource": {"S3DataSource": {"S3Uri": "s3://b/models/m/main/", "S3DataType": "S3Prefix",
                                                                  "CompressionType": "None"}}}}},
}}


def _isolated(la: LocalAws, stack: str) -> bool:
    la.deploy(stack, MODEL_TEMPLATE)
    cfn, sagemaker = la.client("cloudformation"), la.client("sagemaker")
    arn = cfn.describe_stack_resource(StackName=stack, LogicalResourceId="Model")["StackResourceDetail"]["PhysicalResourceId"]
    return sagemaker.describe_model(ModelName=arn.split("/")[-1])["EnableNetworkIsolation"]


def _isolated_by_api(la: LocalAws, name: str) -> bool:
    sagemaker = la.client("sagemaker")
    container = MODEL_TEMPLATE["Resources"]["Model"]["Properties"]["PrimaryContainer"]
    sagemaker.create_model(ModelName=name, ExecutionRoleArn="arn:aws:iam::123456789012:role/r", PrimaryContainer=container,
                           EnableNetworkIsolation=True)
    return sagemaker.describe_model(ModelName=name)["EnableNetworkIsolation"]


def test_cfn_sagemaker_model_network_isolation(localaws: LocalAws, tmp_path: Path) -> None:
    stack = unique("iso")
    with started(tmp_path, disable="cfn_sagemaker_model_network_isolation") as plain:
        assert _isolated(plain, stack) is False
        assert _isolated_by_api(plain, stack) is False
    assert _isolated(localaws, stack) is True
    assert _isolated_by_api(localaws, stack) is True
