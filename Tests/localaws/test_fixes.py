"""Fixes 1-7 (tools/localaws/*_patches.py, registered in patches.py): the failure with the fix disabled, the
success with it.

"Without" runs on a second server started by the same launcher with only that fix disabled
(LOCALAWS_DISABLE=name); "with" runs on the session server that has every fix.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from localaws_support import LocalAws, unique, verify
from fix_templates import _api_template

TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def test_every_fix_has_a_test() -> None:
    import patches

    from pathlib import Path

    # every test file of this folder: the fixes of each *_patches.py module are tested in a file of
    # their own (test_invoke.py, test_ops_fixes.py, test_authorizer_fixes.py ...), so a new module's
    # tests are found without editing this list
    source = "".join(p.read_text() for p in sorted(Path(__file__).parent.glob("test_*.py")))
    for name in patches.FIXES:
        assert f"def test_{name}(" in source, f"no test for fix {name}"


# 1 ------------------------------------------------------------------------------------------
def test_sigv4_empty_payload(localaws: LocalAws, without) -> None:
    with without("sigv4_empty_payload") as la:
        with pytest.raises(ClientError, match="SignatureDoesNotMatch"):
            la.client("lambda").list_functions()
        with pytest.raises(ClientError, match="SignatureDoesNotMatch"):
            la.client("apigateway").get_rest_apis()
    localaws.client("lambda").list_functions()
    localaws.client("apigateway").get_rest_apis()
    # a DELETE without body is accepted too (and reaches the service: not found, not an auth error)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        localaws.client("lambda").delete_function(FunctionName="localaws-no-such-function")


def test_sigv4_raw_path(localaws: LocalAws, without) -> None:
    def by_arn(la: LocalAws) -> dict[str, Any]:
        import io
        import zipfile

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("index.py", "def handler(e, c):\n    return 1\n")
        role = la.client("iam").create_role(RoleName=unique("r"),
                                            AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
        lam = la.client("lambda")
        arn = lam.create_function(FunctionName=unique("fn"), Runtime="python3.12", Handler="index.handler", Role=role,
                                  Code={"ZipFile": buf.getvalue()})["FunctionArn"]
        return lam.get_function_configuration(FunctionName=arn)  # the ARN goes into the URL path

    with without("sigv4_raw_path") as la:
        with pytest.raises(ClientError, match="SignatureDoesNotMatch"):
            by_arn(la)
    assert by_arn(localaws)["FunctionArn"].startswith("arn:aws:lambda:")
    with pytest.raises(ClientError, match="SignatureDoesNotMatch"):  # still verified
        localaws.client("lambda", secret="wrong-secret").get_function_configuration(
            FunctionName="arn:aws:lambda:us-east-1:123456789012:function:x")


# 2 ------------------------------------------------------------------------------------------

def test_cfn_apigateway_usage_plans(localaws: LocalAws, without) -> None:
    with without("cfn_apigateway_usage_plans") as la:
        st = la.deploy("fix2", _api_template())
        outputs = {o["OutputKey"]: o["OutputValue"] for o in st.get("Outputs", [])}
        assert "ApiKeyId" not in outputs  # moto drops the output of an ignored resource
        ag = la.client("apigateway")
        assert ag.get_api_keys()["items"] == []
        assert ag.get_usage_plans()["items"] == []
        assert ag.get_stages(restApiId=outputs["ApiId"])["item"] == []

    name = unique("fix2")
    st = localaws.deploy(name, _api_template())
    outputs = {o["OutputKey"]: o["OutputValue"] for o in st["Outputs"]}
    ag = localaws.client("apigateway")
    key = ag.get_api_key(apiKey=outputs["ApiKeyId"])
    assert key["name"] == "fix2-key" and key["enabled"] is True
    stage = ag.get_stage(restApiId=outputs["ApiId"], stageName="prod")
    assert stage["deploymentId"] in [d["id"] for d in ag.get_deployments(restApiId=outputs["ApiId"])["items"]]
    # this stack's plan (the session's server may hold another stack's plan of the same name)
    plan_id = localaws.client("cloudformation").describe_stack_resource(StackName=name, LogicalResourceId="Plan")["StackResourceDetail"]["PhysicalResourceId"]
    plan = next(p for p in ag.get_usage_plans()["items"] if p["id"] == plan_id)
    assert plan["name"] == "fix2-plan"
    assert plan["throttle"] == {"rateLimit": 5.0, "burstLimit": 10}
    assert plan["quota"] == {"limit": 1000, "period": "DAY", "offset": 0} or plan["quota"] == {"limit": 1000, "period": "DAY"}
    assert plan["apiStages"] == [{"apiId": outputs["ApiId"], "stage": "prod"}]
    assert [k["id"] for k in ag.get_usage_plan_keys(usagePlanId=plan["id"])["items"]] == [outputs["ApiKeyId"]]
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()
    localaws.client("cloudformation").delete_stack(StackName=name)
    assert outputs["ApiKeyId"] not in [k["id"] for k in ag.get_api_keys()["items"]]
    assert plan["id"] not in [p["id"] for p in ag.get_usage_plans()["items"]]


# 3 ------------------------------------------------------------------------------------------
def _network_template() -> dict[str, Any]:
    return {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.30.0.0/16"}},
        "Pub": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.30.0.0/24",
                                                           "AvailabilityZone": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}}},
        "Igw": {"Type": "AWS::EC2::InternetGateway"},
        "Attach": {"Type": "AWS::EC2::VPCGatewayAttachment",
                   "Properties": {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Igw"}}},
        "Eip": {"Type": "AWS::EC2::EIP", "DependsOn": "Attach", "Properties": {"Domain": "vpc"}},
        "Nat": {"Type": "AWS::EC2::NatGateway",
                "Properties": {"AllocationId": {"Fn::GetAtt": ["Eip", "AllocationId"]}, "SubnetId": {"Ref": "Pub"}}},
        "Rt": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "Default": {"Type": "AWS::EC2::Route", "DependsOn": "Attach",
                    "Properties": {"RouteTableId": {"Ref": "Rt"}, "DestinationCidrBlock": "0.0.0.0/0",
                                   "GatewayId": {"Ref": "Igw"}}},
        "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "e", "VpcId": {"Ref": "Vpc"}}},
        "Vpce": {"Type": "AWS::EC2::VPCEndpoint",
                 "Properties": {"VpcId": {"Ref": "Vpc"}, "VpcEndpointType": "Interface",
                                "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.sagemaker.runtime"},
                                "SubnetIds": [{"Ref": "Pub"}], "SecurityGroupIds": [{"Ref": "Sg"}]}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "fix3-api"}},
    }}


def test_cfn_delete_leaked_resources(localaws: LocalAws, without) -> None:
    with without("cfn_delete_leaked_resources") as la:
        la.deploy("fix3", _network_template())
        snap = verify.verify_stack("fix3", la.verify_session()).snapshot
        try:
            la.client("cloudformation").delete_stack(StackName="fix3")
        except (ClientError, ResponseParserError):
            pass  # moto may also raise DependencyViolation to the caller
        gone = verify.verify_gone("fix3", snap, la.verify_session())
        assert not gone.ok
        left = {c.logical_id for c in gone.checks if not c.ok}
        assert {"Vpc", "Igw", "Attach", "Eip", "Nat", "Rt", "Default", "Vpce", "Api"} & left, gone.to_text()

    name = unique("fix3")
    localaws.deploy(name, _network_template())
    present = verify.verify_stack(name, localaws.verify_session())
    assert present.ok, present.to_text()
    localaws.client("cloudformation").delete_stack(StackName=name)
    gone = verify.verify_gone(name, present.snapshot, localaws.verify_session())
    assert gone.ok, gone.to_text()
    assert len(gone.checks) == len(_network_template()["Resources"])


def test_deletion_order_puts_dependents_first() -> None:
    from cfn_support import deletion_order

    order = deletion_order(_network_template()["Resources"])
    for later, earlier in [("Vpc", "Pub"), ("Vpc", "Attach"), ("Igw", "Attach"), ("Eip", "Nat"), ("Pub", "Nat"),
                           ("Rt", "Default"), ("Attach", "Default"), ("Sg", "Vpce"), ("Pub", "Vpce")]:
        assert order.index(earlier) < order.index(later), (earlier, later, order)


# 3b -----------------------------------------------------------------------------------------
def test_cfn_delete_failure_reported(localaws: LocalAws, without) -> None:
    tpl = {"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.40.0.0/16"}}},
           "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}}}}

    def setup(la: LocalAws, name: str) -> tuple[str, str]:
        vpc = la.deploy(name, tpl)["Outputs"][0]["OutputValue"]
        # a subnet made outside the stack: the VPC cannot be deleted (DependencyViolation)
        subnet = la.client("ec2").create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
        return vpc, subnet

    with without("cfn_delete_failure_reported") as la:
        vpc, _ = setup(la, "fix3b")
        cfn = la.client("cloudformation")
        with pytest.raises((ClientError, ResponseParserError)):  # an error (moto's or a 500) to the caller
            cfn.delete_stack(StackName="fix3b")
        names = [s["StackName"] for s in cfn.list_stacks()["StackSummaries"]]
        assert "fix3b" not in names  # the record vanished ...
        assert la.client("ec2").describe_vpcs(VpcIds=[vpc])["Vpcs"]  # ... and the VPC was orphaned

    name = unique("fix3b")
    vpc, subnet = setup(localaws, name)
    cfn = localaws.client("cloudformation")
    cfn.delete_stack(StackName=name)  # accepted, as on AWS
    st = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert st["StackStatus"] == "DELETE_FAILED"
    assert "Vpc" in st["StackStatusReason"] and "DependencyViolation" in st["StackStatusReason"]
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    assert any(e["LogicalResourceId"] == "Vpc" and e["ResourceStatus"] == "DELETE_FAILED" for e in events)
    localaws.client("ec2").delete_subnet(SubnetId=subnet)
    cfn.delete_stack(StackName=name)  # retry deletes what is left
    assert name not in [s["StackName"] for s in cfn.describe_stacks()["Stacks"]]
    with pytest.raises(ClientError):
        localaws.client("ec2").describe_vpcs(VpcIds=[vpc])


# 4 ------------------------------------------------------------------------------------------
def _log_template(retention: int) -> dict[str, Any]:
    return {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": retention}}},
            "Outputs": {"Retention": {"Value": str(retention)}}}


def test_changeset_default_update(localaws: LocalAws, without) -> None:
    with without("changeset_default_update") as la:
        cfn = la.client("cloudformation")
        sid = la.deploy("fix4", _log_template(7))["StackId"]
        cs = cfn.create_change_set(StackName="fix4", ChangeSetName="cs1", TemplateBody=json.dumps(_log_template(14)))
        assert cs["StackId"] != sid  # a second stack of the same name
        assert len([s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == "fix4"]) == 2

    name = unique("fix4")
    cfn = localaws.client("cloudformation")
    sid = localaws.deploy(name, _log_template(7))["StackId"]
    cs = cfn.create_change_set(StackName=name, ChangeSetName="cs1", TemplateBody=json.dumps(_log_template(14)))
    assert cs["StackId"] == sid
    desc = cfn.describe_change_set(StackName=name, ChangeSetName="cs1")
    assert [(c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"]) for c in desc["Changes"]] \
        == [("Modify", "Logs")]
    cfn.execute_change_set(StackName=name, ChangeSetName="cs1")
    st = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert st["StackStatus"] == "UPDATE_COMPLETE"
    assert st["Outputs"][0]["OutputValue"] == "14"  # outputs follow the new template
    assert len([s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == name]) == 1
    # as on AWS, without ChangeSetType a change set for a stack that does not exist is refused
    with pytest.raises(ClientError):
        cfn.create_change_set(StackName=unique("nostack"), ChangeSetName="cs", TemplateBody=json.dumps(_log_template(1)))


# 5 ------------------------------------------------------------------------------------------
def _fn_template(code: str, value: str) -> dict[str, Any]:
    return {"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST_LAMBDA}},
        "Fn": {"Type": "AWS::Lambda::Function",
               "Properties": {"Runtime": "python3.12", "Handler": "index.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                              "Code": {"ZipFile": code}, "Environment": {"Variables": {"VALUE": value}}}}},
        "Outputs": {"Fn": {"Value": {"Ref": "Fn"}}}}


def test_lambda_inline_zipfile_update(localaws: LocalAws, without) -> None:
    v1 = "def handler(event, context):\n    return 1\n"
    v2 = "def handler(event, context):\n    return 2\n"
    with without("lambda_inline_zipfile_update") as la:
        la.deploy("fix5", _fn_template(v1, "a"))
        cfn = la.client("cloudformation")
        try:
            cfn.update_stack(StackName="fix5", TemplateBody=json.dumps(_fn_template(v2, "b")), Capabilities=["CAPABILITY_IAM"])
        except (ClientError, ResponseParserError):
            pass
        assert cfn.describe_stacks(StackName="fix5")["Stacks"][0]["StackStatus"] != "UPDATE_COMPLETE"

    name = unique("fix5")
    fn = localaws.deploy(name, _fn_template(v1, "a"))["Outputs"][0]["OutputValue"]
    lam = localaws.client("lambda")
    sha1 = lam.get_function_configuration(FunctionName=fn)["CodeSha256"]
    cfn = localaws.client("cloudformation")
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(_fn_template(v2, "b")), Capabilities=["CAPABILITY_IAM"])
    assert cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    conf = lam.get_function_configuration(FunctionName=fn)
    assert conf["Environment"]["Variables"] == {"VALUE": "b"}
    assert conf["CodeSha256"] != sha1


# 6 ------------------------------------------------------------------------------------------
def test_aas_tag_api(localaws: LocalAws, without) -> None:
    def target(la: LocalAws) -> str:
        aas = la.client("application-autoscaling")
        return aas.register_scalable_target(
            ServiceNamespace="sagemaker", ResourceId=f"endpoint/{unique('ep')}/variant/AllTraffic",
            ScalableDimension="sagemaker:variant:DesiredInstanceCount", MinCapacity=1, MaxCapacity=2)["ScalableTargetARN"]

    with without("aas_tag_api") as la:
        arn = target(la)
        with pytest.raises(ClientError):
            la.client("application-autoscaling").list_tags_for_resource(ResourceARN=arn)

    arn = target(localaws)
    aas = localaws.client("application-autoscaling")
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {}
    aas.tag_resource(ResourceARN=arn, Tags={"slmstack:stack": "x", "k": "v"})
    aas.untag_resource(ResourceARN=arn, TagKeys=["k"])
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"slmstack:stack": "x"}
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        aas.list_tags_for_resource(ResourceARN=arn[:-4] + "zzzz")


# 7 ------------------------------------------------------------------------------------------
def _create_fn(la: LocalAws, logging_config: dict[str, str]) -> dict[str, Any]:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(e, c):\n    return 1\n")
    role = la.client("iam").create_role(RoleName=unique("r"), AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
    lam = la.client("lambda")
    name = unique("fn")
    lam.create_function(FunctionName=name, Runtime="python3.12", Handler="index.handler", Role=role,
                        Code={"ZipFile": buf.getvalue()}, LoggingConfig=logging_config)
    return lam.get_function_configuration(FunctionName=name)


def test_lambda_logging_config(localaws: LocalAws, without) -> None:
    want = {"LogFormat": "JSON", "LogGroup": "/slmstack/test/shim"}
    with without("lambda_logging_config") as la:
        assert "LoggingConfig" not in _create_fn(la, want)
    got = _create_fn(localaws, want)["LoggingConfig"]
    assert {k: got[k] for k in want} == want
