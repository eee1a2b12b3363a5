"""slmstack's own deployer against the project's local AWS (SigV4 verification on), as a user runs
it: deploy, verify every resource through its service's API, deploy again (no changes), change one
parameter (one modify), status, destroy, verify nothing is left; a broken template fails with the
root cause first; no terminal and no --yes applies nothing."""
import json
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VERIFY = ROOT / "tools" / "localaws" / "verify.py"


def verify(local_aws, *args):
    return subprocess.run([sys.executable, str(VERIFY), *args, "--env-file", str(local_aws.env_file)],
                          capture_output=True, text=True, timeout=120)


def test_deploy_update_destroy_round_trip(local_aws, tmp_path):
    stack = "lifecycle"
    # api-gateway-account auto: the role and the account setting only when the account has no role
    has_role = bool(local_aws.client("apigateway").get_account().get("cloudwatchRoleArn"))
    deployed = local_aws.run("deploy", "--yes", "--stack-name", stack)
    assert deployed.returncode == 0, deployed.stderr
    resources = int(re.search(r"in us-east-1: (\d+) resources", deployed.stdout).group(1))
    assert f"{resources - 2 if has_role else resources} to add, 0 to modify, 0 to remove" in deployed.stdout
    assert "expires" not in deployed.stdout, "no TTL unless asked for"
    assert f"deployed {stack}: CREATE_COMPLETE" in deployed.stdout
    outputs = dict(line.split(None, 1) for line in deployed.stdout.split("outputs:\n", 1)[1].splitlines() if line.startswith("  "))
    assert outputs["InvokeUrl"].endswith("/prod/invoke") and outputs["ApiKeyId"]
    assert "x-api-key" in outputs["CurlExample"]

    snapshot = tmp_path / "snapshot.json"
    checked = verify(local_aws, stack, "--snapshot", str(snapshot))
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # Through the services' own APIs, the properties that matter.
    sagemaker = local_aws.client("sagemaker")
    endpoint = sagemaker.describe_endpoint(EndpointName=outputs["EndpointName"])
    assert endpoint["EndpointStatus"] == "InService"
    variant = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])["ProductionVariants"][0]
    assert (variant["InstanceType"], variant["InitialInstanceCount"]) == ("ml.g5.xlarge", 1)
    apigateway = local_aws.client("apigateway")
    plans = [p for p in apigateway.get_usage_plans()["items"] if any(s["apiId"] in outputs["ApiUrl"] for s in p.get("apiStages", []))]
    assert len(plans) == 1 and plans[0]["throttle"] == {"rateLimit": 5.0, "burstLimit": 10}
    assert plans[0]["quota"]["limit"] == 10000 and plans[0]["quota"]["period"] == "DAY"
    ec2 = local_aws.client("ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:slmstack:stack", "Values": [stack]}])["Vpcs"]
    assert [v["CidrBlock"] for v in vpcs] == ["10.20.0.0/16"]

    # The API answers with the key: the shim runs on the local AWS, the model's answer is canned.
    canned = [sys.executable, str(ROOT / "tools" / "localaws" / "canned_answer.py")]
    subprocess.run([*canned, "Paris is the capital of France."], check=True, env=local_aws.environ(), capture_output=True)
    answer = local_aws.run("invoke", "What is the capital of France?", "--stack-name", stack, "--max-new-tokens", "32")
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == "Paris is the capital of France."
    subprocess.run([*canned, "Bonjour."], check=True, env=local_aws.environ(), capture_output=True)
    chat = local_aws.run("invoke", "Say hello in French", "--chat", "--stack-name", stack)
    assert chat.returncode == 0 and chat.stdout.strip() == "Bonjour.", chat.stdout + chat.stderr
    refused = local_aws.run("invoke", "x" * 30000, "--stack-name", stack)  # over 1,536 tokens x 16 characters
    assert refused.returncode == 1 and "HTTP 413" in refused.stderr and "prompt_too_long" in refused.stderr

    again = local_aws.run("deploy", "--yes", "--stack-name", stack)
    assert again.returncode == 0, again.stderr
    assert f"no changes: stack {stack} already matches the template" in again.stdout

    changed = local_aws.run("deploy", "--yes", "--stack-name", stack, "--throttle-rate", "8")
    assert changed.returncode == 0, changed.stderr
    assert "0 to add, 1 to modify, 0 to remove" in changed.stdout
    assert "~ Modify  UsagePlan" in changed.stdout
    assert f"deployed {stack}: UPDATE_COMPLETE" in changed.stdout
    plan = apigateway.get_usage_plan(usagePlanId=plans[0]["id"])
    assert plan["throttle"]["rateLimit"] == 8.0

    same = local_aws.run("diff", "--stack-name", stack, "--throttle-rate", "8")
    assert same.returncode == 0 and "no differences" in same.stdout, same.stdout + same.stderr
    drift = local_aws.run("diff", "--stack-name", stack, "--throttle-rate", "9")
    assert drift.returncode == 1, drift.stderr
    assert "~ UsagePlan (AWS::ApiGateway::UsagePlan)\n    Properties.Throttle.RateLimit" in drift.stdout
    assert "~ Modify  UsagePlan" in drift.stdout
    assert "slmstack-preview" not in str(local_aws.client("cloudformation").list_change_sets(StackName=stack)["Summaries"]), "the preview change set is deleted"

    status = local_aws.run("status", "--stack-name", stack)
    assert status.returncode == 0, status.stderr
    assert "UPDATE_COMPLETE" in status.stdout and ": InService" in status.stdout and "1 x ml.g5.xlarge, $1.41/hour" in status.stdout

    destroyed = local_aws.run("destroy", "--yes", "--stack-name", stack)
    assert destroyed.returncode == 0, destroyed.stderr
    assert "no SageMaker endpoint of it remains" in destroyed.stdout
    gone = verify(local_aws, stack, "--expect-gone", "--snapshot", str(snapshot))
    assert gone.returncode == 0, gone.stdout + gone.stderr

    twice = local_aws.run("destroy", "--yes", "--stack-name", stack)
    assert twice.returncode == 0 and "does not exist" in twice.stdout and "nothing to destroy" in twice.stdout


def test_broken_template_fails_with_the_root_cause_first(local_aws, tmp_path):
    stack = "broken"
    template = json.loads((ROOT / "templates" / "cloudformation" / "slmstack.template.json").read_text())
    template["Resources"]["EndpointConfig"]["Properties"]["ProductionVariants"][0]["InstanceType"] = "ml.nonexistent.xlarge"
    broken = tmp_path / "broken.template.json"
    broken.write_text(json.dumps(template))
    try:
        # preflight would refuse the unknown type first (hosting-instance); this checks how a failed create is reported
        failed = local_aws.run("deploy", "--yes", "--skip-preflight", "--stack-name", stack, "--template", str(broken))
        assert failed.returncode == 1, failed.stdout + failed.stderr
        first = next(line for line in failed.stderr.splitlines() if line.startswith("error:"))
        assert first.startswith("error: EndpointConfig (AWS::SageMaker::EndpointConfig) CREATE_FAILED: "), failed.stderr
        assert "ml.nonexistent.xlarge" in failed.stderr
        assert "ended in ROLLBACK_COMPLETE" in failed.stderr

        # A stack left in ROLLBACK_COMPLETE is replaced on the next deploy (with --yes).
        fixed = local_aws.run("deploy", "--yes", "--stack-name", stack)
        assert fixed.returncode == 0, fixed.stderr
        assert "ROLLBACK_COMPLETE" in fixed.stderr and f"deployed {stack}: CREATE_COMPLETE" in fixed.stdout
    finally:
        local_aws.run("destroy", "--yes", "--stack-name", stack)


def test_no_terminal_and_no_yes_applies_nothing(local_aws):
    refused = local_aws.run("deploy", "--stack-name", "unconfirmed")
    assert refused.returncode == 2
    assert "pass --yes" in refused.stderr
    cloudformation = local_aws.client("cloudformation")
    names = [s["StackName"] for s in cloudformation.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert "unconfirmed" not in names


def test_bad_input_makes_no_aws_call(local_aws):
    # A wrong endpoint would fail any call: exit 2 shows validation happened first.
    bad = local_aws.run("deploy", "--yes", "--instance-type", "ml.g5.xlarg", env=local_aws.environ(AWS_ENDPOINT_URL="http://127.0.0.1:9"))
    assert bad.returncode == 2 and "did you mean ml.g5.xlarge?" in bad.stderr


def test_over_budget_refuses_before_creating_anything(local_aws):
    refused = local_aws.run("deploy", "--yes", "--stack-name", "pricey", "--budget", "500")
    assert refused.returncode == 3 and "over budget" in refused.stderr
    names = [s["StackName"] for s in local_aws.client("cloudformation").list_stacks()["StackSummaries"]]
    assert "pricey" not in names


def test_wrong_secret_is_a_clear_failure(local_aws):
    wrong = local_aws.run("status", env=local_aws.environ(AWS_SECRET_ACCESS_KEY="not-the-secret"))
    assert wrong.returncode == 1 and "SignatureDoesNotMatch" in wrong.stderr
    assert "not-the-secret" not in wrong.stderr + wrong.stdout


def test_destroy_keep_logs_keeps_the_log_groups_and_their_key(local_aws):
    stack = "keeplogs"
    assert local_aws.run("deploy", "--yes", "--stack-name", stack).returncode == 0
    logs = local_aws.client("logs")
    before = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"] if g["logGroupName"].startswith(f"{stack}-")}
    assert len(before) == 3
    kept = local_aws.run("destroy", "--yes", "--keep-logs", "--stack-name", stack)
    assert kept.returncode == 0, kept.stderr
    assert "kept (not deleted" in kept.stdout and "LogsKey" in kept.stdout
    after = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"] if g["logGroupName"].startswith(f"{stack}-")}
    assert after == before
    key_ids = {g.get("kmsKeyId") for g in logs.describe_log_groups()["logGroups"] if g["logGroupName"] in after}
    (key_arn,) = key_ids
    assert local_aws.client("kms").describe_key(KeyId=key_arn)["KeyMetadata"]["KeyState"] == "Enabled"
    assert not local_aws.client("ec2").describe_vpcs(Filters=[{"Name": "tag:slmstack:stack", "Values": [stack]}])["Vpcs"]
    for name in after:
        logs.delete_log_group(logGroupName=name)


def test_large_template_goes_through_a_hardened_assets_bucket(local_aws):
    stack = "large"
    tags = ",".join(f"tag{i}={'v' * 200}" for i in range(8))  # about 49 taggable resources x 8 tags: well over 51,200 bytes
    try:
        deployed = local_aws.run("deploy", "--yes", "--stack-name", stack, "--tags", tags)
        assert deployed.returncode == 0, deployed.stderr
        assert "over CreateStack's 51,200): uploaded to https://s3.us-east-1.amazonaws.com/slmstack-assets-123456789012-us-east-1/templates/large/" in deployed.stdout
        s3 = local_aws.client("s3")
        bucket = "slmstack-assets-123456789012-us-east-1"
        assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
        assert any(k.startswith("templates/large/") for k in keys)
        # Deploying again reuses the bucket it owns: no changes.
        again = local_aws.run("deploy", "--yes", "--stack-name", stack, "--tags", tags)
        assert again.returncode == 0 and "no changes" in again.stdout, again.stderr
    finally:
        local_aws.run("destroy", "--yes", "--stack-name", stack)


def test_a_template_for_another_region_is_refused_before_any_call(local_aws):
    committed = ROOT / "templates" / "cloudformation" / "slmstack.template.json"
    refused = local_aws.run("deploy", "--yes", "--template", str(committed), "--region", "eu-west-2",
                            env=local_aws.environ(AWS_ENDPOINT_URL="http://127.0.0.1:9"))
    assert refused.returncode == 2, refused.stderr
    assert "it was synthesized for us-east-1" in refused.stderr and "pass --region us-east-1" in refused.stderr
