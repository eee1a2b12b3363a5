"""Account-wide settings and stacks deployed by an earlier slmstack, on the project's local AWS.

- Upgrade in place: a stack deployed from the previous release's template
  (fixtures/previous-release.template.json, the committed synth before issue 16), whose service log
  groups SageMaker and API Gateway created as AWS does (no key, no retention), is deployed with this
  version: deploy imports the API Gateway execution log group into the stack (IMPORT change set),
  the update gives it the stack's key and retention, the stack keeps the API Gateway role the account
  setting names (it was the old default's), and destroy leaves that role alive.
- api-gateway-account auto: in an account without a CloudWatch role the stack sets its own, kept
  after destroy; a second stack then leaves the account's role as it is.
"""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
PREVIOUS = ROOT / "Tests" / "deploy" / "fixtures" / "previous-release.template.json"


def _resources(local_aws, stack):
    cfn = local_aws.client("cloudformation")
    return {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]}


def _group(local_aws, name):
    groups = local_aws.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    return next((g for g in groups if g["logGroupName"] == name), None)


def _set_account_role(local_aws, arn):
    local_aws.client("apigateway").update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}])


def _account_role(local_aws):
    return local_aws.client("apigateway").get_account().get("cloudwatchRoleArn") or None


def test_a_stack_of_the_previous_release_upgrades_in_place(local_aws):
    stack = "upgrade"
    old = local_aws.run("deploy", "--yes", "--stack-name", stack, "--template", str(PREVIOUS))
    assert old.returncode == 0, old.stdout + old.stderr
    before = _resources(local_aws, stack)
    assert "ApiExecutionLogGroup" not in before and "EndpointLogGroup" not in before
    # The old default set the account's role to the stack's own.
    role_arn = local_aws.client("iam").get_role(RoleName=before["ApiGatewayLogsRole"])["Role"]["Arn"]
    assert _account_role(local_aws) == role_arn

    # What the services did on AWS: SageMaker logs under the endpoint's generated name, API Gateway
    # writes ERROR execution logs under its own name; neither with a key or a retention.
    logs = local_aws.client("logs")
    old_endpoint_group = f"/aws/sagemaker/Endpoints/{before['Endpoint'].split('/')[-1]}"
    execution_group = f"API-Gateway-Execution-Logs_{before['Api']}/prod"
    for name in (old_endpoint_group, execution_group):
        logs.create_log_group(logGroupName=name)

    new = local_aws.run("deploy", "--yes", "--stack-name", stack)
    assert new.returncode == 0, new.stdout + new.stderr
    assert "Importing into upgrade the log groups its services created before this version" in new.stdout
    assert f"Import  ApiExecutionLogGroup" in new.stdout and execution_group in new.stdout
    assert f"deployed {stack}: UPDATE_COMPLETE" in new.stdout

    after = _resources(local_aws, stack)
    assert after["ApiExecutionLogGroup"] == execution_group, "the existing group is now the stack's"
    key_arn = local_aws.client("kms").describe_key(KeyId=after["LogsKey"])["KeyMetadata"]["Arn"]
    group = _group(local_aws, execution_group)
    assert group["retentionInDays"] == 365 and group.get("kmsKeyId") == key_arn, group
    endpoint_group = _group(local_aws, after["EndpointLogGroup"])
    assert after["EndpointLogGroup"] == f"/aws/sagemaker/Endpoints/{stack}-endpoint"
    assert endpoint_group["retentionInDays"] == 365 and endpoint_group.get("kmsKeyId") == key_arn
    # The endpoint got its fixed name (a one-time replacement); the old endpoint's group was never
    # the stack's and stays, as it was.
    assert after["Endpoint"].split("/")[-1] == f"{stack}-endpoint"
    assert _group(local_aws, old_endpoint_group) is not None

    # The role the account setting names stays in the stack (ApiGatewayRole=true), now retained.
    parameters = {p["ParameterKey"]: p["ParameterValue"]
                  for p in local_aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["Parameters"]}
    assert parameters["ApiGatewayRole"] == "true"
    assert after["ApiGatewayLogsRole"] == before["ApiGatewayLogsRole"]

    again = local_aws.run("deploy", "--yes", "--stack-name", stack)
    assert again.returncode == 0 and "no changes" in again.stdout and "Importing" not in again.stdout, again.stdout + again.stderr

    destroyed = local_aws.run("destroy", "--yes", "--stack-name", stack)
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert _group(local_aws, execution_group) is None and _group(local_aws, after["EndpointLogGroup"]) is None, "they went with the stack"
    # The account setting still names a live role: other APIs in the account keep logging.
    assert _account_role(local_aws) == role_arn
    assert local_aws.client("iam").get_role(RoleName=before["ApiGatewayLogsRole"])["Role"]["Arn"] == role_arn


def test_auto_sets_the_account_role_only_when_there_is_none(local_aws):
    _set_account_role(local_aws, "")
    assert _account_role(local_aws) is None
    first = local_aws.run("deploy", "--yes", "--stack-name", "acct-first")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "API Gateway has no CloudWatch role in this account and region: the stack sets its own" in first.stdout
    role = _resources(local_aws, "acct-first")["ApiGatewayLogsRole"]
    role_arn = local_aws.client("iam").get_role(RoleName=role)["Role"]["Arn"]
    assert _account_role(local_aws) == role_arn

    second = local_aws.run("deploy", "--yes", "--stack-name", "acct-second")
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"API Gateway's CloudWatch role in this account and region is {role_arn}: the stack leaves it as it is" in second.stdout
    assert "ApiGatewayLogsRole" not in _resources(local_aws, "acct-second")

    for stack in ("acct-second", "acct-first"):
        done = local_aws.run("destroy", "--yes", "--stack-name", stack)
        assert done.returncode == 0, done.stdout + done.stderr
    assert _account_role(local_aws) == role_arn
    assert local_aws.client("iam").get_role(RoleName=role)["Role"]["Arn"] == role_arn, "retained: the setting names a live role"

    # A later stack reuses it instead of taking the setting over.
    third = local_aws.run("deploy", "--yes", "--stack-name", "acct-third")
    assert third.returncode == 0 and "the stack leaves it as it is" in third.stdout, third.stdout + third.stderr
    assert local_aws.run("destroy", "--yes", "--stack-name", "acct-third").returncode == 0
