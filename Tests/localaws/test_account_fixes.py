"""The rehearsal-account fixes (tools/localaws/account_patches.py): the failure with the fix disabled, the success with it.

"With" runs on the session server (a permissive account: endpoint quotas 20, Lambda 1000, an API Gateway role);
the rehearsal flags themselves (`start --service-quota … --lambda-concurrency 10 --no-apigateway-role`) are
checked on a server started with them.
"""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws_support import LocalAws, launcher, unique

TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
TRUST_SAGEMAKER = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.6.0-tgi3.2.3-gpu-py311-cu124-ubuntu22.04"


def _function(la: LocalAws, **extra: Any) -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(e, c):\n    return 1\n")
    role = la.client("iam").create_role(RoleName=unique("r"), AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
    name = unique("fn")
    la.client("lambda").create_function(FunctionName=name, Runtime="python3.12", Handler="index.handler", Role=role,
                                        Code={"ZipFile": buf.getvalue()}, **extra)
    return name


def _endpoint(la: LocalAws, instances: int, instance_type: str = "ml.g5.xlarge") -> str:
    sm = la.client("sagemaker")
    role = la.client("iam").create_role(RoleName=unique("r"), AssumeRolePolicyDocument=json.dumps(TRUST_SAGEMAKER))["Role"]["Arn"]
    model = sm.create_model(ModelName=unique("m"), ExecutionRoleArn=role, PrimaryContainer={"Image": IMAGE})["ModelArn"].split("/")[-1]
    config = unique("c")
    sm.create_endpoint_config(EndpointConfigName=config, ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": model, "InitialInstanceCount": instances, "InstanceType": instance_type}])
    name = unique("e")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
    return name


def test_service_quotas_account(localaws: LocalAws, without) -> None:
    with without("service_quotas_account") as la:
        with pytest.raises(ClientError, match="NoSuchResource"):
            la.client("service-quotas").get_service_quota(ServiceCode="sagemaker", QuotaCode="L-1928E07B")
    sq = localaws.client("service-quotas")
    quota = sq.get_service_quota(ServiceCode="sagemaker", QuotaCode="L-1928E07B")["Quota"]
    assert (quota["QuotaName"], quota["Value"], quota["ServiceCode"]) == ("ml.g5.xlarge for endpoint usage", 20.0, "sagemaker")
    assert quota["QuotaArn"].endswith(":sagemaker/L-1928E07B")
    assert sq.get_aws_default_service_quota(ServiceCode="ec2", QuotaCode="L-0263D0A3")["Quota"]["QuotaName"] == "EC2-VPC Elastic IPs"
    names = [q["QuotaName"] for q in sq.list_service_quotas(ServiceCode="vpc")["Quotas"]]
    assert "VPCs per Region" in names and "NAT gateways per Availability Zone" in names
    page = sq.list_service_quotas(ServiceCode="sagemaker", MaxResults=1)
    assert len(page["Quotas"]) == 1 and page["NextToken"]
    with pytest.raises(ClientError, match="NoSuchResourceException"):
        sq.get_service_quota(ServiceCode="sagemaker", QuotaCode="L-00000000")


def test_default_only_quotas_come_from_list_aws_default_service_quotas(localaws: LocalAws, without) -> None:
    """A quota without an applied value (ml.g5.2xlarge here) is left out of ListServiceQuotas and GetServiceQuota,
    as AWS documents, and listed with its default by ListAWSDefaultServiceQuotas (moto's knows only vpc)."""
    with without("service_quotas_account") as la:
        with pytest.raises(ClientError, match="NoSuchResource"):
            la.client("service-quotas").list_aws_default_service_quotas(ServiceCode="sagemaker")
    sq = localaws.client("service-quotas")
    assert "ml.g5.2xlarge for endpoint usage" not in [q["QuotaName"] for q in sq.list_service_quotas(ServiceCode="sagemaker")["Quotas"]]
    with pytest.raises(ClientError, match="NoSuchResourceException"):
        sq.get_service_quota(ServiceCode="sagemaker", QuotaCode="L-9614C779")
    defaults = {q["QuotaName"]: q for q in sq.list_aws_default_service_quotas(ServiceCode="sagemaker")["Quotas"]}
    quota = defaults["ml.g5.2xlarge for endpoint usage"]
    assert (quota["QuotaCode"], quota["Value"], quota["ServiceCode"], quota["Adjustable"]) == ("L-9614C779", 20.0, "sagemaker", True)
    assert quota["QuotaArn"] == "arn:aws:servicequotas:us-east-1::sagemaker/L-9614C779"  # AWS's default ARNs name no account
    assert "ml.g5.xlarge for endpoint usage" in defaults
    page = sq.list_aws_default_service_quotas(ServiceCode="sagemaker", MaxResults=2)
    assert len(page["Quotas"]) == 2 and sq.list_aws_default_service_quotas(
        ServiceCode="sagemaker", MaxResults=2, NextToken=page["NextToken"])["Quotas"]
    with pytest.raises(ClientError, match="NoSuchResourceException"):
        sq.list_aws_default_service_quotas(ServiceCode="nosuchservice")


def test_sagemaker_endpoint_quota(localaws: LocalAws, without) -> None:
    with without("sagemaker_endpoint_quota") as la:
        _endpoint(la, 21)  # moto has no quota: 21 instances over the quota of 20 are accepted
    with pytest.raises(ClientError) as info:
        _endpoint(localaws, 21)
    error = info.value.response["Error"]
    assert error["Code"] == "ResourceLimitExceeded"
    assert re.match(r"The account-level service limit 'ml.g5.xlarge for endpoint usage' is 20 Instances, "
                    r"with current utilization of \d+ Instances and a request delta of 21 Instances\. ", error["Message"])
    _endpoint(localaws, 1, "ml.g6.xlarge")  # another type has its own quota


def test_lambda_account_settings(localaws: LocalAws, without) -> None:
    with without("lambda_account_settings") as la:
        with pytest.raises(ClientError):
            la.client("lambda").get_account_settings()
    lam = localaws.client("lambda")
    before = lam.get_account_settings()["AccountLimit"]
    assert before["ConcurrentExecutions"] == 1000
    _function(localaws)
    name = _function(localaws)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=7)
    after = lam.get_account_settings()
    assert after["AccountLimit"]["UnreservedConcurrentExecutions"] == before["UnreservedConcurrentExecutions"] - 7
    assert after["AccountUsage"]["FunctionCount"] >= 2
    lam.delete_function_concurrency(FunctionName=name)


def test_lambda_concurrency_minimum(localaws: LocalAws, without) -> None:
    with without("lambda_concurrency_minimum") as la:
        name = _function(la)
        la.client("lambda").put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=950)
    lam = localaws.client("lambda")
    name = _function(localaws)
    with pytest.raises(ClientError) as info:
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=950)
    assert info.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert ("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
            "below its minimum value of [100].") == info.value.response["Error"]["Message"]
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
    lam.delete_function_concurrency(FunctionName=name)
    # CloudFormation's ReservedConcurrentExecutions goes through the same check
    role = localaws.client("iam").create_role(RoleName=unique("r"), AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
    template = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": "python3.12", "Handler": "index.handler", "Role": role, "ReservedConcurrentExecutions": 950,
        "Code": {"ZipFile": "def handler(e, c):\n    return 1\n"}}}}}
    stack = unique("s")
    localaws.deploy(stack, template)
    events = localaws.client("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
    reasons = " ".join(e.get("ResourceStatusReason", "") for e in events)
    assert "below its minimum value of [100]" in reasons


def test_apigateway_account_role(localaws: LocalAws, without) -> None:
    with without("apigateway_account_role") as la:
        assert la.client("apigateway").get_account().get("cloudwatchRoleArn") is None
    arn = localaws.client("apigateway").get_account()["cloudwatchRoleArn"]
    assert arn.endswith(":role/localaws-apigateway-cloudwatch")
    role = localaws.client("iam").get_role(RoleName="localaws-apigateway-cloudwatch")["Role"]
    assert role["Arn"] == arn


def test_rehearsal_account_flags(tmp_path: Path) -> None:
    """A new account: zero GPU quota, Lambda concurrency 10, no API Gateway role; wire formats as AWS's."""
    env_file = tmp_path / "new.env"
    launcher_py = Path(launcher.__file__)
    bad = subprocess.run([sys.executable, str(launcher_py), "start", "--env-file", str(env_file), "--service-quota", "no such quota=1"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "NAME one of" in bad.stderr and not env_file.exists()
    started = subprocess.run([sys.executable, str(launcher_py), "start", "--env-file", str(env_file), "--service-quota",
                              "ml.g5.xlarge for endpoint usage=0", "--lambda-concurrency", "10", "--no-apigateway-role"],
                             capture_output=True, text=True, timeout=120, env={k: v for k, v in os.environ.items() if k != "LOCALAWS_ACCOUNT"})
    assert started.returncode == 0, started.stderr
    try:
        la = LocalAws(env_file)
        assert la.client("service-quotas").get_service_quota(ServiceCode="sagemaker", QuotaCode="L-1928E07B")["Quota"]["Value"] == 0.0
        assert la.client("service-quotas").get_service_quota(ServiceCode="lambda", QuotaCode="L-B99A9384")["Quota"]["Value"] == 10.0
        limit = la.client("lambda").get_account_settings()["AccountLimit"]
        assert (limit["ConcurrentExecutions"], limit["UnreservedConcurrentExecutions"]) == (10, 10)
        name = _function(la)
        with pytest.raises(ClientError, match=r"below its minimum value of \[10\]"):
            la.client("lambda").put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
        with pytest.raises(ClientError, match="'ml.g5.xlarge for endpoint usage' is 0 Instances"):
            _endpoint(la, 1)
        # AWS leaves cloudwatchRoleArn out when none is set (moto would send null)
        body = _signed_get(la, "/account")
        assert "cloudwatchRoleArn" not in json.loads(body)
    finally:
        launcher.stop(env_file)


def _signed_get(la: LocalAws, path: str) -> bytes:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(method="GET", url=la.endpoint + path)
    SigV4Auth(la.session().get_credentials(), "apigateway", la.env["AWS_REGION"]).add_auth(request)
    with urllib.request.urlopen(urllib.request.Request(la.endpoint + path, headers=dict(request.headers))) as resp:
        return resp.read()
