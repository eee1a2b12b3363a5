"""`slmstack preflight`, and the same checks at the start of deploy, against a rehearsal of a new account.

The new account is the local AWS started with a zero GPU endpoint quota, a Lambda concurrency of 10 and no
API Gateway CloudWatch role (`localaws.py start --service-quota ... --lambda-concurrency 10 --no-apigateway-role`);
the permissive one is the local AWS as it starts by default.
"""
import json
import pathlib
import subprocess
import sys

import pytest

from deploy_support import LocalAWS, launcher

NEW_ACCOUNT = ["--service-quota", "ml.g5.xlarge for endpoint usage=0", "--lambda-concurrency", "10", "--no-apigateway-role",
               "--service-quota", "VPCs per Region=1"]


LAUNCHER = pathlib.Path(launcher.__file__)


@pytest.fixture(scope="module")
def accounts(slmstack_bin, tmp_path_factory):
    """Both local AWSs, started and stopped in parallel with the launcher's own command line."""
    files = {name: tmp_path_factory.mktemp(name) / "localaws.env" for name in ("new-account", "permissive")}
    flags = {"new-account": NEW_ACCOUNT, "permissive": []}
    procs = {name: subprocess.Popen([sys.executable, str(LAUNCHER), "start", "--env-file", str(f), *flags[name]],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name, f in files.items()}
    try:
        for name, proc in procs.items():
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, f"{name}: {err}"
        yield {name: LocalAWS(f, slmstack_bin) for name, f in files.items()}
    finally:
        stops = [subprocess.Popen([sys.executable, str(LAUNCHER), "stop", "--env-file", str(f)], stderr=subprocess.DEVNULL)
                 for f in files.values()]
        for proc in stops:
            proc.wait(timeout=60)


@pytest.fixture(scope="module")
def new_account(accounts):
    return accounts["new-account"]


@pytest.fixture(scope="module")
def permissive(accounts):
    return accounts["permissive"]


def checks(result):
    report = json.loads(result.stdout)
    return report, {c["id"]: c for c in report["checks"]}


def nothing_created(aws: LocalAWS, stack: str) -> None:
    names = [s["StackName"] for s in aws.client("cloudformation").list_stacks()["StackSummaries"]]
    assert stack not in names
    assert aws.client("sagemaker").list_endpoints()["Endpoints"] == []
    assert aws.client("lambda").list_functions()["Functions"] == []
    assert aws.client("apigateway").get_rest_apis()["items"] == []
    assert all(v["IsDefault"] for v in aws.client("ec2").describe_vpcs()["Vpcs"])
    assert aws.client("ec2").describe_addresses()["Addresses"] == []


def test_preflight_names_each_problem_of_a_new_account(new_account: LocalAWS) -> None:
    result = new_account.run("preflight", "--format", "json")
    assert result.returncode == 3, result.stderr
    report, by_id = checks(result)
    assert report["status"] == "fail" and report["account"] == "123456789012"
    quota = by_id["endpoint-quota"]
    assert quota["status"] == "fail"
    assert "'ml.g5.xlarge for endpoint usage' (L-1928E07B) is 0" in quota["summary"]
    assert "--service-code sagemaker --quota-code L-1928E07B --desired-value 1" in quota["fix"]
    # no reservation by default: the account limit of 10 is named; with one, Lambda's refusal is
    assert by_id["lambda-concurrency"]["status"] != "ok" and "account concurrency 10" in by_id["lambda-concurrency"]["summary"]
    role = by_id["apigateway-role"]
    assert role["status"] == "warn" and "no API Gateway CloudWatch role" in role["summary"]
    vpc = by_id["vpc-quota"]  # the default VPC uses the one allowed
    assert vpc["status"] == "fail" and "'VPCs per Region' (L-F678F1CE) is 1, 1 in use, the stack adds 1" == vpc["summary"]
    assert "--service-code vpc --quota-code L-F678F1CE --desired-value 2" in vpc["fix"]
    for ok in ("identity", "cloudformation-types", "hosting-instance", "eip-quota", "nat-quota", "endpoint-service"):
        assert by_id[ok]["status"] == "ok", by_id[ok]

    reserved = new_account.run("preflight", "--format", "json", "--lambda-concurrency", "10")
    assert reserved.returncode == 3, reserved.stderr
    lam = checks(reserved)[1]["lambda-concurrency"]
    assert lam["status"] == "fail" and "Lambda's minimum is 10" in lam["summary"] and "L-B99A9384" in lam["fix"]

    off = new_account.run("preflight", "--format", "json", "--api-gateway-account", "off")
    assert checks(off)[1]["apigateway-role"]["status"] == "fail"
    assert "CloudWatch Logs role ARN must be set" in checks(off)[1]["apigateway-role"]["summary"]

    text = new_account.run("preflight")
    assert text.returncode == 3
    assert "  FAIL endpoint-quota" in text.stdout and "fix: request 1 in Service Quotas (SageMaker, 'ml.g5.xlarge for endpoint usage', L-1928E07B)" in text.stdout


def test_deploy_stops_before_creating_anything(new_account: LocalAWS) -> None:
    result = new_account.run("deploy", "--yes", "--stack-name", "pf-new")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "FAIL endpoint-quota" in result.stdout
    assert "preflight: " in result.stderr and "nothing was created" in result.stderr and "--skip-preflight" in result.stderr
    nothing_created(new_account, "pf-new")


def test_the_new_account_refuses_what_preflight_named(new_account: LocalAWS) -> None:
    """--skip-preflight sends the stack anyway: the rehearsal account refuses the endpoint as AWS would."""
    result = new_account.run("deploy", "--yes", "--skip-preflight", "--stack-name", "pf-skip", timeout=180)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "preflight" not in result.stdout
    assert "ResourceLimitExceeded" in result.stdout + result.stderr
    assert "'ml.g5.xlarge for endpoint usage' is 0 Instances" in result.stdout + result.stderr


def test_permissive_account_passes(permissive: LocalAWS) -> None:
    result = permissive.run("preflight", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    report, by_id = checks(result)
    assert report["status"] in ("ok", "warn")
    assert by_id["endpoint-quota"]["status"] == "ok" and "is 20" in by_id["endpoint-quota"]["summary"]
    assert by_id["lambda-concurrency"]["status"] == "ok" and "account concurrency 1000" in by_id["lambda-concurrency"]["summary"]
    assert "localaws-apigateway-cloudwatch" in by_id["apigateway-role"]["summary"]
    assert all(c["status"] != "fail" for c in report["checks"])


def test_an_instance_type_found_only_by_its_default_quota(permissive: LocalAWS) -> None:
    """ml.g5.2xlarge is outside preflight's code table and its quota has no applied value (ListServiceQuotas leaves
    it out, as AWS documents): found with ListAWSDefaultServiceQuotas, not reported as not offered."""
    result = permissive.run("preflight", "--format", "json", "--instance-type", "ml.g5.2xlarge")
    assert result.returncode == 0, result.stdout + result.stderr
    by_id = checks(result)[1]
    assert by_id["hosting-instance"]["status"] == "ok", by_id["hosting-instance"]
    assert "'ml.g5.2xlarge for endpoint usage' (L-9614C779) is 20" in by_id["endpoint-quota"]["summary"]


def test_permissive_deploy_passes_preflight_and_creates(permissive: LocalAWS) -> None:
    result = permissive.run("deploy", "--yes", "--stack-name", "pf-ok", timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "preflight (read-only; --skip-preflight to skip):" in result.stdout
    assert "FAIL" not in result.stdout
    stack = permissive.client("cloudformation").describe_stacks(StackName="pf-ok")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    # a second preflight counts what the stack already holds: nothing more to add
    again = permissive.run("preflight", "--format", "json", "--stack-name", "pf-ok")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "the stack adds none" in checks(again)[1]["vpc-quota"]["summary"]


def test_bad_format_is_usage(permissive: LocalAWS) -> None:
    result = permissive.run("preflight", "--format", "yaml")
    assert result.returncode == 2 and "--format" in result.stderr


def test_region_without_sagemaker_types_is_refused_before_aws(permissive: LocalAWS) -> None:
    result = permissive.run("preflight", "--region", "ap-south-2")
    assert result.returncode == 2
    assert "ap-south-2 has no CloudFormation support for AWS::SageMaker::Endpoint" in result.stderr


def test_help_lists_preflight(slmstack_bin) -> None:
    out = subprocess.run([slmstack_bin, "--help"], capture_output=True, text=True).stdout
    assert "preflight" in out
    deploy = subprocess.run([slmstack_bin, "deploy", "--help"], capture_output=True, text=True).stdout
    assert "--skip-preflight" in deploy
    assert pathlib.Path(slmstack_bin).exists()


def test_resume_runs_preflight_first(permissive: LocalAWS) -> None:
    """A paused stack whose autoscaling maximum is above the endpoint quota is not resumed."""
    stack = "pf-resume"
    deployed = permissive.run("deploy", "--yes", "--skip-preflight", "--stack-name", stack, "--min-instances", "1", "--max-instances", "21",
                              timeout=180)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    # pause and resume act on the deployed stack: its identity only (its maximum is read from it)
    flags = ["--stack-name", stack]
    try:
        assert permissive.run("pause", "--yes", *flags).returncode == 0
        resumed = permissive.run("resume", "--yes", *flags)
        assert resumed.returncode == 3, resumed.stdout + resumed.stderr
        assert "FAIL endpoint-quota" in resumed.stdout and "the stack runs up to 21" in resumed.stdout
        params = permissive.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["Parameters"]
        assert {p["ParameterKey"]: p["ParameterValue"] for p in params}["Paused"] == "true"
        resources = permissive.client("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
        assert not [r for r in resources if r["ResourceType"] == "AWS::SageMaker::Endpoint"]
        skipped = permissive.run("resume", "--yes", "--skip-preflight", *flags, timeout=180)
        assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    finally:
        permissive.run("destroy", "--yes", *flags, timeout=180)


def test_a_call_that_fails_is_exit_1(permissive: LocalAWS) -> None:
    env = permissive.environ(AWS_ENDPOINT_URL="http://127.0.0.1:9")
    result = permissive.run("preflight", "--max-attempts", "1", env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error:" in result.stderr and "FAIL" not in result.stdout
