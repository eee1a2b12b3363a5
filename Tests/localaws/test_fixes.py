"""Fixes 1-15 (tools/localaws/*_patches.py, registered in patches.py): the failure with the fix disabled, the
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
def _api_template() -> dict[str, Any]:
    return {"Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "fix2-api"}},
        "Res": {"Type": "AWS::ApiGateway::Resource",
                "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                               "PathPart": "invoke"}},
        "Post": {"Type": "AWS::ApiGateway::Method",
                 "Properties": {"RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Res"}, "HttpMethod": "POST",
                                "AuthorizationType": "NONE", "ApiKeyRequired": True,
                                "Integration": {"Type": "HTTP_PROXY", "IntegrationHttpMethod": "POST",
                                                "Uri": "http://example.com/"}}},
        "Dep": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": "Post", "Properties": {"RestApiId": {"Ref": "Api"}}},
        "Stage": {"Type": "AWS::ApiGateway::Stage",
                  "Properties": {"RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Dep"}, "StageName": "prod"}},
        "Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Name": "fix2-key", "Enabled": True}},
        "Plan": {"Type": "AWS::ApiGateway::UsagePlan", "DependsOn": "Stage",
                 "Properties": {"UsagePlanName": "fix2-plan", "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "prod"}],
                                "Throttle": {"RateLimit": 5, "BurstLimit": 10}, "Quota": {"Limit": 1000, "Period": "DAY"}}},
        "PlanKey": {"Type": "AWS::ApiGateway::UsagePlanKey",
                    "Properties": {"KeyId": {"Ref": "Key"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "Plan"}}},
    }, "Outputs": {"ApiKeyId": {"Value": {"Ref": "Key"}}, "ApiId": {"Value": {"Ref": "Api"}}}}


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
    plan = next(p for p in ag.get_usage_plans()["items"] if p["name"] == "fix2-plan")
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

