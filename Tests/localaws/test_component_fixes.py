"""Fixes 46-49 and 53 (tools/localaws/component_patches.py): inference components and scale to zero.

An endpoint configuration without a model hosts inference components; a component's copies move
through UpdateInferenceComponentRuntimeConfig, CloudFormation and Application Auto Scaling; at zero
copies InvokeEndpoint answers AWS's no-capacity ValidationError and the NoCapacityInvocationFailures
alarm's step scaling policy wakes one copy (after LOCALAWS_WAKE_SECONDS, 5 by default).
"""
from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from localaws_support import LocalAws, unique

DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:x"


def _hosting(la: LocalAws) -> tuple[str, str]:
    """A model and an endpoint whose configuration has no model (managed instance scaling from 0)."""
    sm, iam = la.client("sagemaker"), la.client("iam")
    role = iam.create_role(RoleName=unique("sm"), AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}')["Role"]["Arn"]
    model = unique("model")
    sm.create_model(ModelName=model, ExecutionRoleArn=role, PrimaryContainer={"Image": IMAGE})
    config = unique("config")
    sm.create_endpoint_config(EndpointConfigName=config, ExecutionRoleArn=role, ProductionVariants=[
        {"VariantName": "AllTraffic", "InitialInstanceCount": 1, "InstanceType": "ml.g5.xlarge",
         "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 0, "MaxInstanceCount": 1},
         "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"}}])
    endpoint = unique("endpoint")
    sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=config)
    return model, endpoint


def _component(la: LocalAws, copies: int = 1) -> tuple[str, str]:
    model, endpoint = _hosting(la)
    name = unique("ic")
    la.client("sagemaker").create_inference_component(
        InferenceComponentName=name, EndpointName=endpoint, VariantName="AllTraffic", RuntimeConfig={"CopyCount": copies},
        Specification={"ModelName": model, "ComputeResourceRequirements": {"NumberOfAcceleratorDevicesRequired": 1, "MinMemoryRequiredInMb": 1024}})
    return name, endpoint


WAKE = 5.0


def _wait_copies(la: LocalAws, name: str, want: tuple[int, int], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while _copies(la, name) != want:
        assert time.monotonic() < deadline, f"copies {_copies(la, name)}, not {want}, after {limit} s"
        time.sleep(0.5)


def _copies(la: LocalAws, name: str) -> tuple[int, int]:
    runtime = la.client("sagemaker").describe_inference_component(InferenceComponentName=name)["RuntimeConfig"]
    return runtime["CurrentCopyCount"], runtime["DesiredCopyCount"]


def _invoke(la: LocalAws, endpoint: str, component: str | None) -> dict:
    extra = {"InferenceComponentName": component} if component else {}
    return la.client("sagemaker-runtime").invoke_endpoint(EndpointName=endpoint, ContentType="application/json", Body=b'{"inputs":"hi"}', **extra)


def test_sagemaker_inference_components(localaws: LocalAws, without) -> None:
    with without("sagemaker_inference_components") as la:
        with pytest.raises(Exception):
            _hosting(la)  # moto alone needs a model in every variant
    name, endpoint = _component(localaws)
    sm = localaws.client("sagemaker")
    described = sm.describe_inference_component(InferenceComponentName=name)
    assert described["EndpointName"] == endpoint and described["InferenceComponentStatus"] == "InService"
    assert _copies(localaws, name) == (1, 1)
    variant = sm.describe_endpoint(EndpointName=endpoint)["ProductionVariants"][0]
    assert variant["CurrentInstanceCount"] == 1
    # down at once, instances along (managed instance scaling)
    sm.update_inference_component_runtime_config(InferenceComponentName=name, DesiredRuntimeConfig={"CopyCount": 0})
    assert _copies(localaws, name) == (0, 0)
    assert sm.describe_endpoint(EndpointName=endpoint)["ProductionVariants"][0]["CurrentInstanceCount"] == 0
    # up after the wake time (the server's LOCALAWS_WAKE_SECONDS, 5 by default)
    asked = time.monotonic()
    sm.update_inference_component_runtime_config(InferenceComponentName=name, DesiredRuntimeConfig={"CopyCount": 1})
    starting = _copies(localaws, name)
    assert starting == (0, 1) or time.monotonic() - asked >= WAKE, starting
    _wait_copies(localaws, name, (1, 1))
    assert name in [c["InferenceComponentName"] for c in sm.list_inference_components(EndpointNameEquals=endpoint)["InferenceComponents"]]
    sm.delete_inference_component(InferenceComponentName=name)
    with pytest.raises(ClientError, match="Could not find inference component"):
        sm.describe_inference_component(InferenceComponentName=name)


def _template(copies: int) -> dict:
    role = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}}
    return {"Resources": {
        "Role": role,
        "Model": {"Type": "AWS::SageMaker::Model", "Properties": {"ExecutionRoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                                                                  "PrimaryContainer": {"Image": IMAGE}}},
        "Config": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {
            "ExecutionRoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
            "ProductionVariants": [{"VariantName": "AllTraffic", "InstanceType": "ml.g5.xlarge", "InitialInstanceCount": 1,
                                    "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 0, "MaxInstanceCount": 1}}]}},
        "Endpoint": {"Type": "AWS::SageMaker::Endpoint", "Properties": {"EndpointConfigName": {"Fn::GetAtt": ["Config", "EndpointConfigName"]}}},
        "Component": {"Type": "AWS::SageMaker::InferenceComponent", "Properties": {
            "EndpointName": {"Fn::GetAtt": ["Endpoint", "EndpointName"]}, "VariantName": "AllTraffic",
            "Specification": {"ModelName": {"Fn::GetAtt": ["Model", "ModelName"]},
                              "ComputeResourceRequirements": {"NumberOfAcceleratorDevicesRequired": 1, "MinMemoryRequiredInMb": 1024}},
            "RuntimeConfig": {"CopyCount": copies}}},
    }, "Outputs": {"Name": {"Value": {"Fn::GetAtt": ["Component", "InferenceComponentName"]}}, "Arn": {"Value": {"Ref": "Component"}}}}


def test_cfn_sagemaker_inference_component(localaws: LocalAws, without) -> None:
    with without("cfn_sagemaker_inference_component") as la:
        bare = _template(1)
        del bare["Outputs"]  # moto alone cannot resolve them
        la.deploy(unique("ic"), bare)
        assert la.client("sagemaker").list_inference_components()["InferenceComponents"] == [], "moto alone skips the type"
    stack = unique("ic")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in localaws.deploy(stack, _template(1)).get("Outputs", [])}
    name = outputs["Name"]
    assert outputs["Arn"].endswith(f":inference-component/{name.lower()}")
    assert _copies(localaws, name) == (1, 1)
    cfn = localaws.client("cloudformation")
    cfn.update_stack(StackName=stack, TemplateBody=json.dumps(_template(0)))
    assert _copies(localaws, name) == (0, 0), "CopyCount updates in place"
    cfn.delete_stack(StackName=stack)
    with pytest.raises(ClientError, match="Could not find inference component"):
        localaws.client("sagemaker").describe_inference_component(InferenceComponentName=name)


def test_aas_inference_component_copies(localaws: LocalAws, without) -> None:
    def register(la: LocalAws, name: str) -> None:
        la.client("application-autoscaling").register_scalable_target(
            ServiceNamespace="sagemaker", ResourceId=f"inference-component/{name}", ScalableDimension=DIMENSION, MinCapacity=0, MaxCapacity=1)

    with without("aas_inference_component_copies") as la:
        with pytest.raises(ClientError):
            register(la, _component(la)[0])  # moto alone knows no such dimension
    name, _ = _component(localaws)
    register(localaws, name)
    targets = localaws.client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=[f"inference-component/{name}"], ScalableDimension=DIMENSION)["ScalableTargets"]
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in targets] == [(0, 1)]


def _wake_wiring(la: LocalAws, name: str) -> str:
    """The stack's wake: a scalable target, a step policy (+1 copy) and the NoCapacityInvocationFailures alarm."""
    aas = la.client("application-autoscaling")
    rid = f"inference-component/{name}"
    aas.register_scalable_target(ServiceNamespace="sagemaker", ResourceId=rid, ScalableDimension=DIMENSION, MinCapacity=0, MaxCapacity=1)
    arn = aas.put_scaling_policy(PolicyName="wake", ServiceNamespace="sagemaker", ResourceId=rid, ScalableDimension=DIMENSION,
                                 PolicyType="StepScaling", StepScalingPolicyConfiguration={
                                     "AdjustmentType": "ChangeInCapacity", "Cooldown": 600, "MetricAggregationType": "Maximum",
                                     "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]})["PolicyARN"]
    alarm = unique("wake")
    la.client("cloudwatch").put_metric_alarm(
        AlarmName=alarm, Namespace="AWS/SageMaker", MetricName="NoCapacityInvocationFailures", Statistic="Maximum",
        Dimensions=[{"Name": "InferenceComponentName", "Value": name}], Period=30, EvaluationPeriods=1, Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="missing", AlarmActions=[arn])
    return alarm


def test_sagemaker_runtime_inference_component(localaws: LocalAws, without) -> None:
    with without("sagemaker_runtime_inference_component") as la:
        name, endpoint = _component(la, copies=0)
        assert _invoke(la, endpoint, name)["ResponseMetadata"]["HTTPStatusCode"] == 200, "moto alone answers at zero copies"
    name, endpoint = _component(localaws, copies=0)
    alarm = _wake_wiring(localaws, name)
    with pytest.raises(ClientError) as raised:
        _invoke(localaws, endpoint, None)
    assert "Inference Component Name header is required" in raised.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as raised:
        _invoke(localaws, endpoint, name)
    error = raised.value.response
    assert (error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"]) == (400, "ValidationError")
    assert error["Error"]["Message"].startswith("Inference Component has no capacity to process this request.")
    # the failure fired the alarm, whose step policy asked for one copy: waking
    woke = time.monotonic()
    assert localaws.client("cloudwatch").describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"] == "ALARM"
    current, desired = _copies(localaws, name)
    assert desired == 1 and (current == 0 or time.monotonic() - woke >= WAKE)
    if time.monotonic() - woke < WAKE - 1:
        with pytest.raises(ClientError, match="no capacity"):
            _invoke(localaws, endpoint, name)  # still starting; the cooldown adds no second copy
        assert _copies(localaws, name)[1] == 1
    _wait_copies(localaws, name, (1, 1))
    assert _invoke(localaws, endpoint, name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _copies(localaws, name) == (1, 1)
    with pytest.raises(ClientError, match="does not exist"):
        _invoke(localaws, endpoint, unique("other"))


def _instances(la: LocalAws, endpoint: str) -> tuple[int, int]:
    variant = la.client("sagemaker").describe_endpoint(EndpointName=endpoint)["ProductionVariants"][0]
    return variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]


def _two_components(la: LocalAws) -> tuple[str, str, str]:
    """Two components at zero copies on one endpoint (a `--models` stack), each with its own wake."""
    first, endpoint = _component(la, copies=0)
    model = la.client("sagemaker").describe_inference_component(InferenceComponentName=first)["Specification"]["ModelName"]
    second = unique("ic")
    la.client("sagemaker").create_inference_component(
        InferenceComponentName=second, EndpointName=endpoint, VariantName="AllTraffic", RuntimeConfig={"CopyCount": 0},
        Specification={"ModelName": model, "ComputeResourceRequirements": {"NumberOfAcceleratorDevicesRequired": 1, "MinMemoryRequiredInMb": 1024}})
    _wake_wiring(la, first)
    _wake_wiring(la, second)
    return first, second, endpoint


def test_sagemaker_variant_instances_from_components(localaws: LocalAws, without) -> None:
    sm = localaws.client("sagemaker")
    with without("sagemaker_variant_instances_from_components") as la:
        first, second, endpoint = _two_components(la)
        la.client("sagemaker").update_inference_component_runtime_config(InferenceComponentName=first, DesiredRuntimeConfig={"CopyCount": 1})
        la.client("sagemaker").describe_inference_component(InferenceComponentName=second)
        assert _instances(la, endpoint)[1] == 0, "without the fix the last component refreshed sets the variant's count"
    first, second, endpoint = _two_components(localaws)
    assert _instances(localaws, endpoint) == (0, 0)
    # a request for the second model wakes it alone
    with pytest.raises(ClientError, match="no capacity"):
        _invoke(localaws, endpoint, second)
    assert _copies(localaws, first) == (0, 0) and _copies(localaws, second)[1] == 1
    _wait_copies(localaws, second, (1, 1))
    assert _instances(localaws, endpoint) == (1, 1)
    assert _invoke(localaws, endpoint, second)["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError, match="no capacity"):
        _invoke(localaws, endpoint, first)  # the first is still at zero, and now waking on its own
    _wait_copies(localaws, first, (1, 1))
    assert _instances(localaws, endpoint) == (2, 2)
    # the second scales in on its own; the variant keeps the first's instance
    sm.update_inference_component_runtime_config(InferenceComponentName=second, DesiredRuntimeConfig={"CopyCount": 0})
    assert _copies(localaws, first) == (1, 1) and _copies(localaws, second) == (0, 0)
    assert _instances(localaws, endpoint) == (1, 1)
