"""Fixes 8-15 of the local AWS (tools/localaws): SageMaker instance types, CloudFormation rollbacks, property
fidelity, KMS tags, route table associations and updates; the same pattern as test_fixes.py, where fixes 1-7 are."""
from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from localaws_support import LocalAws, unique, verify
from fix_templates import _api_template


# 8 ------------------------------------------------------------------------------------------
def _bad_endpoint_template() -> dict[str, Any]:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    return {"Resources": {
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/fix8/created-first"}},
        "Role": {"Type": "AWS::IAM::Role", "DependsOn": "Logs", "Properties": {"AssumeRolePolicyDocument": trust}},
        "Model": {"Type": "AWS::SageMaker::Model",
                  "Properties": {"ExecutionRoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                                 "PrimaryContainer": {"Image": "123.dkr.ecr.us-east-1.amazonaws.com/x:1"}}},
        "Config": {"Type": "AWS::SageMaker::EndpointConfig",
                   "Properties": {"ProductionVariants": [{"VariantName": "AllTraffic", "InitialInstanceCount": 1,
                                                          "ModelName": {"Fn::GetAtt": ["Model", "ModelName"]},
                                                          "InstanceType": "ml.bogus.xlarge"}]}}}}


def test_cfn_failures_roll_back(localaws: LocalAws, without) -> None:
    with without("cfn_failures_roll_back") as la:
        try:
            la.deploy("fix8", _bad_endpoint_template())
        except (ClientError, ResponseParserError):
            pass  # moto hands the resource's error to the CreateStack caller
        groups = la.client("logs").describe_log_groups(logGroupNamePrefix="/fix8/")["logGroups"]
        assert [g["logGroupName"] for g in groups] == ["/fix8/created-first"]  # left behind, no rollback

    name = unique("fix8")
    st = localaws.deploy(name, _bad_endpoint_template())
    assert st["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "[Config]" in st["StackStatusReason"] and "ml.bogus.xlarge" in st["StackStatusReason"]
    assert localaws.client("logs").describe_log_groups(logGroupNamePrefix="/fix8/")["logGroups"] == []
    assert not [m for m in localaws.client("sagemaker").list_models()["Models"] if m["ModelName"].startswith(name)]
    events = localaws.client("cloudformation").describe_stack_events(StackName=name)["StackEvents"]
    assert any(e["LogicalResourceId"] == "Config" and e["ResourceStatus"] == "CREATE_FAILED" for e in events)


# 9 ------------------------------------------------------------------------------------------
def test_sagemaker_instance_types(localaws: LocalAws, without) -> None:
    def config(la: LocalAws, instance_type: str) -> None:
        sm = la.client("sagemaker")
        model = unique("m")
        sm.create_model(ModelName=model, ExecutionRoleArn="arn:aws:iam::123456789012:role/x",
                        PrimaryContainer={"Image": "123.dkr.ecr.us-east-1.amazonaws.com/x:1"})
        sm.create_endpoint_config(EndpointConfigName=unique("c"), ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": model, "InitialInstanceCount": 1, "InstanceType": instance_type}])

    with without("sagemaker_instance_types") as la:
        with pytest.raises(ClientError, match="ml.g5.xlarge"):
            config(la, "ml.g5.xlarge")
    for itype in ("ml.g5.xlarge", "ml.g6.2xlarge", "ml.inf2.xlarge", "ml.m5.large"):
        config(localaws, itype)
    with pytest.raises(ClientError, match="ml.bogus.large"):
        config(localaws, "ml.bogus.large")


# 10 -----------------------------------------------------------------------------------------
def _kms_template() -> dict[str, Any]:
    return {"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {
        "EnableKeyRotation": True, "Tags": [{"Key": "slmstack:stack", "Value": "fix10"}],
        "KeyPolicy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]}}}},
        "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}}}}


def test_cfn_kms_key_tags(localaws: LocalAws, without) -> None:
    with without("cfn_kms_key_tags") as la:
        try:
            st = la.deploy("fix10", _kms_template())
            assert st["StackStatus"] != "CREATE_COMPLETE"
        except (ClientError, ResponseParserError):
            pass
    name = unique("fix10")
    st = localaws.deploy(name, _kms_template())
    assert st["StackStatus"] == "CREATE_COMPLETE", st.get("StackStatusReason")
    arn = st["Outputs"][0]["OutputValue"]
    kms = localaws.client("kms")
    assert kms.list_resource_tags(KeyId=arn)["Tags"] == [{"TagKey": "slmstack:stack", "TagValue": "fix10"}]
    assert kms.get_key_rotation_status(KeyId=arn)["KeyRotationEnabled"] is True
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()


# 11 -----------------------------------------------------------------------------------------
def _assoc_template() -> dict[str, Any]:
    return {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.50.0.0/16"}},
        "Sub": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.50.1.0/24"}},
        "Rt": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "Assoc": {"Type": "AWS::EC2::SubnetRouteTableAssociation",
                  "Properties": {"SubnetId": {"Ref": "Sub"}, "RouteTableId": {"Ref": "Rt"}}}},
        "Outputs": {"Rt": {"Value": {"Ref": "Rt"}}, "Sub": {"Value": {"Ref": "Sub"}}}}


def test_cfn_subnet_route_table_association(localaws: LocalAws, without) -> None:
    def associated(la: LocalAws, name: str) -> tuple[list[str], str]:
        out = {o["OutputKey"]: o["OutputValue"] for o in la.deploy(name, _assoc_template())["Outputs"]}
        rt = la.client("ec2").describe_route_tables(RouteTableIds=[out["Rt"]])["RouteTables"][0]
        pid = la.client("cloudformation").describe_stack_resource(StackName=name, LogicalResourceId="Assoc")
        return [a.get("SubnetId") for a in rt["Associations"]], pid["StackResourceDetail"]["PhysicalResourceId"]

    with without("cfn_subnet_route_table_association") as la:
        subnets, pid = associated(la, "fix11")
        assert subnets == [] and pid.startswith("rtb-")
    name = unique("fix11")
    subnets, pid = associated(localaws, name)
    assert len(subnets) == 1 and pid.startswith("rtbassoc-")
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()
    localaws.client("cloudformation").delete_stack(StackName=name)
    assert verify.verify_gone(name, report.snapshot, localaws.verify_session()).ok


# 12 -----------------------------------------------------------------------------------------
def _fidelity_template() -> dict[str, Any]:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    return {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.60.0.0/16", "EnableDnsHostnames": True,
                                                        "EnableDnsSupport": True}},
        "Pub": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.60.0.0/24",
                                                           "AvailabilityZone": {"Fn::Select": [1, {"Fn::GetAZs": ""}]},
                                                           "MapPublicIpOnLaunch": True}},
        "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "x", "VpcId": {"Ref": "Vpc"},
            "SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.60.0.0/16"}]}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": trust,
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"]}},
        "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]}}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "fix12",
                                                                   "EndpointConfiguration": {"Types": ["REGIONAL"]}}}},
        "Outputs": {"LogsArn": {"Value": {"Fn::GetAtt": ["Logs", "Arn"]}}}}


def test_cfn_property_fidelity(localaws: LocalAws, without) -> None:
    with without("cfn_property_fidelity") as la:
        la.deploy("fix12", _fidelity_template())
        report = verify.verify_stack("fix12", la.verify_session())
        failed = {c.logical_id for c in report.checks if not c.ok}
        assert failed == {"Vpc", "Pub", "Sg", "Role", "Logs", "Api"}, report.to_text()

    name = unique("fix12")
    st = localaws.deploy(name, _fidelity_template())
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()
    logs_arn = st["Outputs"][0]["OutputValue"]
    assert logs_arn.endswith(":*")  # as AWS renders GetAtt LogGroup.Arn
    localaws.client("cloudformation").delete_stack(StackName=name)  # detaches the managed policy first
    gone = verify.verify_gone(name, report.snapshot, localaws.verify_session())
    assert gone.ok, gone.to_text()


# 13 -----------------------------------------------------------------------------------------
def test_cfn_update_creation_order(localaws: LocalAws, without) -> None:
    tpl = _api_template()
    tpl["Resources"] = {"Dep": tpl["Resources"].pop("Dep"), **tpl["Resources"]}  # the dependent comes first
    tpl["Resources"]["Vpc"] = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.70.0.0/16"}}
    tpl["Outputs"]["Vpc"] = {"Value": {"Ref": "Vpc"}}

    def via_change_set(la: LocalAws, name: str) -> dict[str, Any]:
        cfn = la.client("cloudformation")
        cfn.create_change_set(StackName=name, ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=json.dumps(tpl))
        try:
            cfn.execute_change_set(StackName=name, ChangeSetName="c")
        except (ClientError, ResponseParserError):
            pass
        return cfn.describe_stacks(StackName=name)["Stacks"][0]

    with without("cfn_update_creation_order") as la:
        st = via_change_set(la, "fix13")
        assert st["StackStatus"] != "CREATE_COMPLETE"

    name = unique("fix13")
    st = via_change_set(localaws, name)
    assert st["StackStatus"] == "CREATE_COMPLETE", st.get("StackStatusReason")
    vpc = next(o["OutputValue"] for o in st["Outputs"] if o["OutputKey"] == "Vpc")
    tags = localaws.client("ec2").describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc]}])["Tags"]
    assert {"Key": "aws:cloudformation:stack-name", "Value": name} in [{"Key": t["Key"], "Value": t["Value"]} for t in tags]


# 15 -----------------------------------------------------------------------------------------
def _retain(template: dict[str, Any]) -> dict[str, Any]:
    retained = json.loads(json.dumps(template))
    retained["Resources"]["Key"]["DeletionPolicy"] = "Retain"
    retained["Resources"]["Key"]["UpdateReplacePolicy"] = "Retain"
    return retained


def test_cfn_update_keeps_unsupported_resources(localaws: LocalAws, without) -> None:
    with without("cfn_update_keeps_unsupported_resources") as la:
        name = unique("fix15")
        la.deploy(name, _kms_template())
        cfn = la.client("cloudformation")
        try:
            cfn.update_stack(StackName=name, TemplateBody=json.dumps(_retain(_kms_template())))
            status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
            assert status != "UPDATE_COMPLETE", "moto alone loses the key on a policy-only update"
        except (ClientError, ResponseParserError):
            pass
    name = unique("fix15")
    arn = localaws.deploy(name, _kms_template())["Outputs"][0]["OutputValue"]
    cfn = localaws.client("cloudformation")
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(_retain(_kms_template())))
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE", stack.get("StackStatusReason")
    assert stack["Outputs"][0]["OutputValue"] == arn, "the same key, updated in place"
    cfn.delete_stack(StackName=name)
    assert localaws.client("kms").describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "Enabled", "DeletionPolicy Retain kept the key"
