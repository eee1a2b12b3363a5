"""The `--weights s3` stack in Terraform: the same model as CloudFormation's (an S3 gateway endpoint on the
private route table, no NAT gateway or internet gateway, the model's `model_data_source` and network
isolation, the model-data policy), proven by terraform validate against the machine's provider
(hashicorp/aws 5.100.0 has `primary_container.model_data_source`) and by checkov."""
import json
import pathlib
import re
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from tf_support import initialized_copy, run_checkov, terraform  # noqa: E402

MODEL = "TinyLlama/TinyLlama-1.1B-Chat-v1.0"


@pytest.fixture(scope="module")
def synth_s3(slmstack_bin, tmp_path_factory):
    out = tmp_path_factory.mktemp("synth-s3")
    subprocess.run([slmstack_bin, "synth", "--format", "all", "--out", str(out), "--weights", "s3", "--weights-revision", "v1.0"],
                   check=True, capture_output=True, text=True)
    return out


def test_same_resources_as_cloudformation(synth_s3):
    hcl = "\n".join(p.read_text() for p in sorted((synth_s3 / "terraform").glob("*.tf")))
    template = json.loads((synth_s3 / "cloudformation" / "slmstack.template.json").read_text())
    types = {r["Type"] for r in template["Resources"].values()}
    assert "AWS::EC2::NatGateway" not in types and "AWS::EC2::InternetGateway" not in types and "AWS::EC2::EIP" not in types
    assert not re.search(r'resource "aws_(nat_gateway|internet_gateway|eip)"', hcl)
    gateway = re.search(r'resource "aws_vpc_endpoint" "s3_gateway_endpoint" \{(.*?)\n\}', hcl, re.S).group(1)
    assert 'vpc_endpoint_type = "Gateway"' in gateway and "aws_route_table.private_route_table.id" in gateway
    assert template["Resources"]["S3GatewayEndpoint"]["Properties"]["VpcEndpointType"] == "Gateway"
    model = re.search(r'resource "aws_sagemaker_model" "model" \{(.*?)\n\}', hcl, re.S).group(1)
    assert "enable_network_isolation = true" in model
    assert f'/models/{MODEL}/v1.0/"' in model and 's3_data_type     = "S3Prefix"' in model and 'compression_type = "None"' in model
    assert '"/opt/ml/model"' in model
    assert template["Resources"]["Model"]["Properties"]["EnableNetworkIsolation"] is True


def test_fmt_and_validate(synth_s3, tf_env, tmp_path):
    fmt = terraform(["fmt", "-check", "-diff", "-recursive"], synth_s3 / "terraform", tf_env)
    assert fmt.returncode == 0 and fmt.stdout == "", fmt.stdout + fmt.stderr
    work = initialized_copy(synth_s3, tf_env, tmp_path)
    result = terraform(["validate"], work, tf_env)
    assert result.returncode == 0 and "The configuration is valid" in result.stdout, result.stdout + result.stderr


def test_checkov_finds_no_failed_check_and_no_isolation_skip(synth_s3):
    results, summary = run_checkov(synth_s3 / "terraform", "terraform")
    assert [(c["check_id"], c["resource"]) for c in results["failed_checks"]] == []
    assert summary["parsing_errors"] == 0
    passed = {(c["check_id"], c["resource"]) for c in results["passed_checks"]}
    assert ("CKV_AWS_370", "aws_sagemaker_model.model") in passed, "network isolation is on, not skipped"


def test_apply_and_destroy_against_moto(synth_s3, tf_env, tmp_path):
    """The module applies on the local AWS: no NAT gateway, the S3 gateway endpoint on the private route
    table, and a model with uncompressed S3 model data and network isolation; then destroys cleanly."""
    from tf_support import local_aws, state_list

    work = initialized_copy(synth_s3, tf_env, tmp_path)
    with local_aws(work, tf_env, tmp_path) as (env, client):
        applied = terraform(["apply", "-auto-approve", "-input=false"], work, env)
        assert applied.returncode == 0, applied.stdout[-4000:] + applied.stderr
        state = state_list(work, env)
        assert not [a for a in state if a.startswith(("aws_nat_gateway.", "aws_eip.", "aws_internet_gateway."))]
        ec2 = client("ec2")
        (gateway,) = [e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"] if e["VpcEndpointType"] == "Gateway"]
        assert gateway["ServiceName"] == "com.amazonaws.us-east-1.s3" and len(gateway["RouteTableIds"]) == 1
        assert [n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] != "deleted"] == []
        sagemaker = client("sagemaker")
        (summary,) = sagemaker.list_models()["Models"]
        model = sagemaker.describe_model(ModelName=summary["ModelName"])
        account = client("sts").get_caller_identity()["Account"]
        assert model["PrimaryContainer"]["ModelDataSource"]["S3DataSource"] == {
            "S3Uri": f"s3://slmstack-assets-{account}-us-east-1/models/{MODEL}/v1.0/", "S3DataType": "S3Prefix", "CompressionType": "None"}
        assert model["EnableNetworkIsolation"] is True
        destroyed = terraform(["destroy", "-auto-approve", "-input=false", "-refresh=false"], work, env)
        assert destroyed.returncode == 0, destroyed.stdout[-4000:] + destroyed.stderr
