"""A stack of the previous release with every operations feature upgrades in place (issue 15).

fixtures/previous-release-operations.template.json is the previous release's synth of
`--ttl 4h --idle-pause on --alarm-email ops@example.com --max-instances 3` (before the endpoint had a
fixed name, the idle alarm a fixed name and the expiry role a DeletionPolicy). It is deployed with
`deploy --template`, then this version's model with the same settings updates it: the update must end
UPDATE_COMPLETE, the endpoint then carries its fixed name (CloudFormation replaces it: a new endpoint,
then the old one deleted), the idle alarm its fixed name after its permission, the expiry role is
retained, and destroy removes the stack.
"""
import datetime as dt
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
PREVIOUS = ROOT / "Tests" / "deploy" / "fixtures" / "previous-release-operations.template.json"
SETTINGS = ["--ttl", "4h", "--idle-pause", "on", "--alarm-email", "ops@example.com", "--max-instances", "3"]


def _explain(result):
    return f"exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def _resources(local_aws, stack):
    cfn = local_aws.client("cloudformation")
    return {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]}


def test_the_previous_operations_stack_upgrades_in_place(local_aws):
    stack = "upgrade-ops"
    sagemaker, cloudwatch = local_aws.client("sagemaker"), local_aws.client("cloudwatch")
    after = {}
    try:
        old = local_aws.run("deploy", "--yes", "--stack-name", stack, "--template", str(PREVIOUS), "--ttl", "4h", "--skip-preflight")
        assert old.returncode == 0, _explain(old)
        before = _resources(local_aws, stack)
        old_endpoint = before["Endpoint"].rsplit("/", 1)[-1]
        assert old_endpoint != f"{stack}-endpoint", "the previous release let CloudFormation name the endpoint"

        new = local_aws.run("deploy", "--yes", "--stack-name", stack, *SETTINGS, "--skip-preflight", timeout=300)
        assert new.returncode == 0, _explain(new)
        assert re.search(rf"deployed {stack}: UPDATE_COMPLETE", new.stdout), _explain(new)
        status = local_aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
        assert status == "UPDATE_COMPLETE"

        after = _resources(local_aws, stack)
        # the endpoint now has its fixed name; the old one is gone
        assert sagemaker.describe_endpoint(EndpointName=f"{stack}-endpoint")["EndpointStatus"] == "InService"
        names = {e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]}
        assert old_endpoint not in names, names
        # the idle alarm has its fixed name and invokes only the idle function
        [alarm] = cloudwatch.describe_alarms(AlarmNames=[f"{stack}-idle-alarm"])["MetricAlarms"]
        assert [a.rsplit(":", 1)[-1] for a in alarm["AlarmActions"]] == [after["IdlePauseFunction"].rsplit(":", 1)[-1]]
        assert after["IdleAlarm"] == f"{stack}-idle-alarm"
        # the deployed template retains the expiry role and no longer passes PAUSED to the shim
        body = local_aws.client("cloudformation").get_template(StackName=stack)["TemplateBody"]
        template = body if isinstance(body, dict) else json.loads(body)
        assert template["Resources"]["ExpiryRole"]["DeletionPolicy"] == "Retain"
        assert "PAUSED" not in template["Resources"]["ShimFunction"]["Properties"]["Environment"]["Variables"]

        # a TTL that passed with the stack still here is shown as such (its deletion failed or was refused)
        cfn = local_aws.client("cloudformation")
        declared = [p["ParameterKey"] for p in cfn.describe_stacks(StackName=stack)["Stacks"][0]["Parameters"]]
        past = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S")
        cfn.update_stack(StackName=stack, UsePreviousTemplate=True, Capabilities=["CAPABILITY_IAM"], Parameters=[
            {"ParameterKey": k, "ParameterValue": past} if k == "ExpiresAt" else {"ParameterKey": k, "UsePreviousValue": True} for k in declared])
        status = local_aws.run("status", "--stack-name", stack)
        assert status.returncode == 0, _explain(status)
        assert re.search(rf"^expires .*TTL PASSED and the stack is still here \(UPDATE_COMPLETE\).*slmstack destroy --stack-name {stack}", status.stdout, re.M), _explain(status)

        # and it still pauses: the endpoint and the NAT gateway go, nothing else changes
        paused = local_aws.run("pause", "--yes", "--stack-name", stack, timeout=300)
        assert paused.returncode == 0 and f"paused {stack}: UPDATE_COMPLETE" in paused.stdout, _explain(paused)
        assert "~ Modify" not in paused.stdout, "a pause only removes"
        assert f"{stack}-endpoint" not in {e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]}
    finally:
        destroyed = local_aws.run("destroy", "--yes", "--stack-name", stack, timeout=300)
    assert destroyed.returncode == 0, _explain(destroyed)
    # the retained expiry role stays behind (see docs/cost.md, cost safety); remove it as a user would
    iam = local_aws.client("iam")
    role = after.get("ExpiryRole")
    assert role and iam.get_role(RoleName=role)["Role"]["RoleName"] == role
    for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role, PolicyName=policy)
    iam.delete_role(RoleName=role)
