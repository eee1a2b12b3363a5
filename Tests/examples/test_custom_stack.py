"""examples/custom-stack: a package that depends on slmstack by path builds a stack the CLI cannot
(the service's VPC construct, a declared DynamoDB type, a raw S3 bucket, property overrides); here it
is built, synthesized in both formats twice (byte-identical), cfn-linted, terraform-validated, and
deployed and destroyed on the local AWS with the slmstack binary."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "deploy"))
sys.path.insert(0, str(ROOT / "Tests" / "terraform"))
from deploy_support import local_aws  # noqa: E402,F401
from lint_tools import tool  # noqa: E402
import tf_mirror  # noqa: E402
from tf_support import skip_loudly, terraform  # noqa: E402

EXAMPLE = ROOT / "examples" / "custom-stack"
SCRATCH = ROOT / ".build" / "examples"
STACK = "custom-stack"


@pytest.fixture(scope="module")
def example_bin():
    """The example's executable, built with its own scratch folder under .build/ (warm: seconds)."""
    swift = os.environ.get("SWIFT", "swift")
    build = subprocess.run([swift, "build", "--package-path", str(EXAMPLE), "--scratch-path", str(SCRATCH)],
                           capture_output=True, text=True, timeout=1500)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    return SCRATCH / "debug" / "CustomStack"


@pytest.fixture(scope="module")
def synthesized(example_bin, tmp_path_factory):
    out = tmp_path_factory.mktemp("custom")
    result = subprocess.run([str(example_bin), str(out), STACK], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return out


def files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_example_writes_both_formats_deterministically(example_bin, synthesized, tmp_path):
    again = subprocess.run([str(example_bin), str(tmp_path), STACK], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert files(synthesized) == files(tmp_path)
    template = json.loads((synthesized / f"{STACK}.template.json").read_text())
    resources = template["Resources"]
    # the reused VPC construct, the declared type, the raw resource and both overrides
    assert resources["Vpc"]["Type"] == "AWS::EC2::VPC" and resources["SageMakerRuntimeEndpoint"]["Type"] == "AWS::EC2::VPCEndpoint"
    assert resources["Vpc"]["Properties"]["InstanceTenancy"] == "default"
    assert resources["RequestLog"]["Type"] == "AWS::DynamoDB::Table"
    assert resources["RequestLog"]["Properties"]["SSESpecification"]["KMSMasterKeyId"] == {"Fn::GetAtt": ["LogsKey", "Arn"]}
    bucket = resources["ArchiveBucket"]
    assert bucket["Type"] == "AWS::S3::Bucket"
    assert bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["BucketKeyEnabled"] is True
    assert {"Key": "slmstack:example", "Value": "custom-stack"} in bucket["Properties"]["Tags"]
    tf = (synthesized / "terraform" / "network.tf").read_text()
    assert 'resource "aws_dynamodb_table" "request_log"' in tf and 'resource "aws_s3_bucket" "archive_bucket"' in tf
    assert 'instance_tenancy' in tf


def test_cfn_lint_finds_nothing_in_the_example(synthesized):
    cfn_lint = tool("cfn-lint")
    assert cfn_lint, "cfn-lint is not installed: run `make venv`"
    result = subprocess.run([cfn_lint, "--format", "parseable", str(synthesized / f"{STACK}.template.json")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def test_terraform_validates_the_example(request, synthesized, tmp_path_factory):
    config, found = tf_mirror.cli_config(tmp_path_factory.mktemp("tf-cli"))
    if config is None:
        skip_loudly(request, f"custom-stack Terraform: {found}")
    env = dict(os.environ, TF_CLI_CONFIG_FILE=config, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1", GOGC=os.environ.get("GOGC", "400"))
    folder = synthesized / "terraform"
    init = terraform(["init", "-input=false", "-backend=false"], folder, env, timeout=180)
    assert init.returncode == 0, init.stdout + init.stderr
    valid = terraform(["validate"], folder, env, timeout=180)
    assert valid.returncode == 0, valid.stdout + valid.stderr


def test_the_example_deploys_and_destroys_on_the_local_aws(local_aws, synthesized):  # noqa: F811
    template = synthesized / f"{STACK}.template.json"
    deploy = local_aws.run("deploy", "--yes", "--template", str(template), "--stack-name", STACK, timeout=400)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    cloudformation = local_aws.client("cloudformation")
    stack = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    local_aws.client("s3").head_bucket(Bucket=outputs["ArchiveBucketName"])
    table = local_aws.client("dynamodb").describe_table(TableName=f"{STACK}-requests")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "requestId", "KeyType": "HASH"}]
    vpcs = local_aws.client("ec2").describe_vpcs(VpcIds=[outputs["VpcId"]])["Vpcs"]
    assert vpcs[0]["CidrBlock"] == "10.40.0.0/16"
    destroy = local_aws.run("destroy", "--yes", "--stack-name", STACK, timeout=400)
    assert destroy.returncode == 0, destroy.stdout + destroy.stderr
    names = [b["Name"] for b in local_aws.client("s3").list_buckets()["Buckets"]]
    assert outputs["ArchiveBucketName"] not in names
    assert f"{STACK}-requests" not in local_aws.client("dynamodb").list_tables()["TableNames"]
