"""The stack's deploy-time parameters against the local AWS, as a user runs them: a TTL (the expiry
schedule in CloudFormation and in EventBridge Scheduler, extend, status, a redeploy keeping it, --ttl
moving it, --ttl off removing it), and pause/resume (the endpoint, NAT gateway and endpoint alarms
gone and back through their own APIs, the API answering 503 paused, the cost of both states).

Each command's wall time is printed (pytest -s shows them)."""
import datetime as dt
import pathlib
import re
import subprocess
import sys
import time

import pytest
from botocore.exceptions import ClientError

ROOT = pathlib.Path(__file__).resolve().parents[2]
VERIFY = ROOT / "tools" / "localaws" / "verify.py"
CANNED = [sys.executable, str(ROOT / "tools" / "localaws" / "canned_answer.py")]
DELETE_STACK_TARGET = "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack"


def timed(local_aws, *args, timings=None):
    started = time.monotonic()
    proc = local_aws.run(*args)
    seconds = time.monotonic() - started
    if timings is not None:
        timings.append((" ".join(a for a in args if not a.startswith("--stack-name")), seconds))
    print(f"  {seconds:6.2f} s  slmstack {' '.join(args)}")
    return proc


def explain(proc):
    return f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"


def verify(local_aws, stack, *args):
    return subprocess.run([sys.executable, str(VERIFY), stack, *args, "--env-file", str(local_aws.env_file)],
                          capture_output=True, text=True, timeout=120)


def outputs(stdout):
    return dict(line.split(None, 1) for line in stdout.split("outputs:\n", 1)[1].splitlines() if line.startswith("  "))


def utc(text):
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)


def now():
    return dt.datetime.now(dt.timezone.utc)


def physical_ids(local_aws, stack):
    resources = local_aws.client("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
    return {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in resources}


def parameters(local_aws, stack):
    (described,) = local_aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    return {p["ParameterKey"]: p.get("ParameterValue") for p in described.get("Parameters", [])}


def schedule(local_aws, name):
    return local_aws.client("scheduler").get_schedule(Name=name)


def schedule_at(local_aws, name):
    expression = schedule(local_aws, name)["ScheduleExpression"]
    match = re.fullmatch(r"at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)", expression)
    assert match, expression
    return match.group(1)


def stack_gone(local_aws, stack):
    try:
        stacks = local_aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        return "does not exist" in str(exc)
    return all(s["StackStatus"] == "DELETE_COMPLETE" for s in stacks)


def test_ttl_creates_the_expiry_schedule_and_extend_moves_it(local_aws):
    stack = "ttl"
    timings = []
    try:
        before = now()
        deployed = timed(local_aws, "deploy", "--yes", "--ttl", "45m", "--stack-name", stack, timings=timings)
        assert deployed.returncode == 0, explain(deployed)
        match = re.search(r"^expires at (\S+)Z \(in (\d+)m\)", deployed.stdout, re.M)
        assert match, explain(deployed)
        deadline = match.group(1)
        assert abs((utc(deadline) - before).total_seconds() - 2700) < 60, (deadline, before)
        assert {k: v for k, v in parameters(local_aws, stack).items() if k != "ApiGatewayRole"} == {"Paused": "false", "ExpiresAt": deadline}

        # The schedule in the stack, with a physical ID ...
        ids = physical_ids(local_aws, stack)
        name = ids.get("ExpirySchedule")
        assert name and name.startswith(f"{stack}-ExpirySchedule-"), ids
        listed = local_aws.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]
        assert any(r["LogicalResourceId"] == "ExpirySchedule" and r["PhysicalResourceId"] == name for r in listed)
        # ... and in Scheduler's own API: at(deadline), UTC, deleting exactly this stack with the expiry role.
        found = schedule(local_aws, name)
        assert found["ScheduleExpression"] == f"at({deadline})" and found["ScheduleExpressionTimezone"] == "UTC"
        assert found["State"] == "ENABLED" and found["FlexibleTimeWindow"] == {"Mode": "OFF"}
        assert found["Target"]["Arn"] == DELETE_STACK_TARGET
        stack_id = local_aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["StackId"]
        assert stack_id in found["Target"]["Input"]
        assert found["Target"]["RoleArn"].split("/")[-1] == ids["ExpiryRole"]
        # ... retried, then dead-lettered to a queue of the stack that SQS encrypts with its own keys
        assert found["Target"]["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
        queue_url = ids["ExpiryDeadLetterQueue"]
        sqs = local_aws.client("sqs")
        queue = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
        assert found["Target"]["DeadLetterConfig"] == {"Arn": queue["QueueArn"]}
        assert queue["SqsManagedSseEnabled"] == "true" and queue["MessageRetentionPeriod"] == "1209600"

        status = timed(local_aws, "status", "--stack-name", stack, timings=timings)
        assert status.returncode == 0, explain(status)
        assert re.search(rf"^expires\s+in 4[0-4]m \(at {deadline}Z\)$", status.stdout, re.M), explain(status)
        assert re.search(r"^state\s+Running", status.stdout, re.M), explain(status)
        assert "TTL deletion failed" not in status.stdout, explain(status)
        # a dead-letter event (as Scheduler sends when its DeleteStack failed) is shown by status
        sqs.send_message(QueueUrl=queue_url, MessageBody='{"error": "Stack is in UPDATE_IN_PROGRESS state and can not be deleted"}')
        status = timed(local_aws, "status", "--stack-name", stack, timings=timings)
        assert status.returncode == 0, explain(status)
        assert f"TTL deletion failed: 1 message in {queue_url}; run slmstack destroy --stack-name {stack}" in status.stdout, explain(status)
        sqs.purge_queue(QueueUrl=queue_url)

        extended = timed(local_aws, "extend", "1h", "--stack-name", stack, timings=timings)
        assert extended.returncode == 0, explain(extended)
        later = (utc(deadline) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
        assert f"expires {deadline}Z → {later}Z (in 1h 4" in extended.stdout, explain(extended)
        assert "~ Modify  ExpirySchedule" in extended.stdout and "0 to add, 1 to modify, 0 to remove" in extended.stdout
        assert schedule_at(local_aws, name) == later, "Scheduler has the new deadline"
        assert parameters(local_aws, stack)["ExpiresAt"] == later
        status = timed(local_aws, "status", "--stack-name", stack, timings=timings)
        assert re.search(rf"^expires\s+in 1h 4[0-4]m \(at {later}Z\)$", status.stdout, re.M), explain(status)

        # A deploy without a ttl setting keeps the TTL and its deadline: nothing to change.
        again = timed(local_aws, "deploy", "--yes", "--stack-name", stack, timings=timings)
        assert again.returncode == 0, explain(again)
        assert "keeping its TTL" in again.stdout and "no changes" in again.stdout, explain(again)
        assert f"expires at {later}Z" in again.stdout
        assert schedule_at(local_aws, name) == later

        # --ttl on the command line moves the deadline to now + ttl.
        before = now()
        moved = timed(local_aws, "deploy", "--yes", "--ttl", "2h", "--stack-name", stack, timings=timings)
        assert moved.returncode == 0, explain(moved)
        fresh = parameters(local_aws, stack)["ExpiresAt"]
        assert abs((utc(fresh) - before).total_seconds() - 7200) < 60, (fresh, before)
        assert schedule_at(local_aws, name) == fresh

        # --ttl off removes the schedule, with a warning.
        off = timed(local_aws, "deploy", "--yes", "--ttl", "off", "--stack-name", stack, timings=timings)
        assert off.returncode == 0, explain(off)
        assert "this deploy removes the TTL" in off.stderr and "- Remove  ExpirySchedule" in off.stdout, explain(off)
        with pytest.raises(ClientError, match="ResourceNotFound"):
            schedule(local_aws, name)
        template = local_aws.client("cloudformation").get_template(StackName=stack)["TemplateBody"]
        assert "ExpiresAt" not in (template if isinstance(template, str) else str(template))
    finally:
        destroyed = timed(local_aws, "destroy", "--yes", "--stack-name", stack, timings=timings)
    assert destroyed.returncode == 0, explain(destroyed)
    assert stack_gone(local_aws, stack)
    assert not [s for s in local_aws.client("scheduler").list_schedules()["Schedules"] if s["Name"].startswith(f"{stack}-")]
    # the dead-letter queue outlives the stack (DeletionPolicy Retain): remove it by hand, as docs/cost.md says
    sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    sqs.delete_queue(QueueUrl=queue_url)
    print("timings:", ", ".join(f"{what}: {seconds:.2f} s" for what, seconds in timings))


def test_pause_removes_the_billable_parts_and_resume_brings_them_back(local_aws, tmp_path):
    stack = "pausing"
    timings = []
    missing = timed(local_aws, "pause", "--yes", "--stack-name", "no-such-stack")
    assert missing.returncode == 2 and "does not exist" in missing.stderr and len(missing.stderr.splitlines()) == 1, explain(missing)
    try:
        deployed = timed(local_aws, "deploy", "--yes", "--stack-name", stack, timings=timings)
        assert deployed.returncode == 0, explain(deployed)
        endpoint = outputs(deployed.stdout)["EndpointName"]
        ids = physical_ids(local_aws, stack)
        nat, address = ids["NatGateway"], ids["NatAddress"]
        ec2, sagemaker, cloudwatch = local_aws.client("ec2"), local_aws.client("sagemaker"), local_aws.client("cloudwatch")
        assert sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "InService"
        assert ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["State"] == "available"
        alarms = {a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"] if a["AlarmName"].startswith(f"{stack}-")}
        assert any("EndpointErrorsAlarm" in a for a in alarms) and any("ShimErrorsAlarm" in a for a in alarms), alarms

        # No terminal and no --yes: nothing is changed.
        unconfirmed = timed(local_aws, "pause", "--stack-name", stack)
        assert unconfirmed.returncode == 2 and "pass --yes" in unconfirmed.stderr, explain(unconfirmed)
        assert parameters(local_aws, stack)["Paused"] == "false"

        paused = timed(local_aws, "pause", "--yes", "--stack-name", stack, timings=timings)
        assert paused.returncode == 0, explain(paused)
        for removed in ("Endpoint", "NatGateway", "NatAddress", "PrivateDefaultRoute", "EndpointErrorsAlarm"):
            assert re.search(rf"- Remove\s+{removed}\s", paused.stdout), f"{removed}\n{explain(paused)}"
        assert f"paused {stack}: UPDATE_COMPLETE" in paused.stdout
        cost = re.search(r"monthly cost: \$([\d,.]+) running → \$([\d,.]+) paused", paused.stdout)
        assert cost, explain(paused)
        running_cost, paused_cost = (float(x.replace(",", "")) for x in cost.groups())
        print(f"  cost: running ${running_cost:,.2f}/month, paused ${paused_cost:,.2f}/month")
        assert running_cost > 1000 > 100 > paused_cost > 0
        assert parameters(local_aws, stack)["Paused"] == "true"

        # Gone, through each service's own API.
        with pytest.raises(ClientError, match="Could not find endpoint"):
            sagemaker.describe_endpoint(EndpointName=endpoint)
        nats = ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"]
        assert all(n["State"] in ("deleting", "deleted") for n in nats), nats
        assert address not in {a.get("PublicIp") for a in ec2.describe_addresses()["Addresses"]} | {a.get("AllocationId") for a in ec2.describe_addresses()["Addresses"]}
        alarms = {a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"] if a["AlarmName"].startswith(f"{stack}-")}
        assert not any("EndpointErrorsAlarm" in a or "ModelLatencyAlarm" in a or "IdleAlarm" in a for a in alarms), alarms
        assert any("ShimErrorsAlarm" in a for a in alarms), "the shim's alarms stay"
        checked = verify(local_aws, stack)
        assert checked.returncode == 0, checked.stdout + checked.stderr

        status = timed(local_aws, "status", "--stack-name", stack, timings=timings)
        assert status.returncode == 0 and re.search(r"^state\s+Paused", status.stdout, re.M), explain(status)
        assert not re.search(r"^endpoint ", status.stdout, re.M), "no endpoint lookup while paused"
        refused = timed(local_aws, "invoke", "What is the capital of France?", "--stack-name", stack, timings=timings)
        assert refused.returncode == 1 and "HTTP 503" in refused.stderr and '"code": "paused"' in refused.stderr, explain(refused)
        assert f"slmstack resume --stack-name {stack}" in refused.stderr

        twice = timed(local_aws, "pause", "--yes", "--stack-name", stack)
        assert twice.returncode == 0 and "already paused: nothing to do" in twice.stdout, explain(twice)
        kept = timed(local_aws, "deploy", "--yes", "--stack-name", stack, timings=timings)
        assert kept.returncode == 0 and "stays paused" in kept.stdout, explain(kept)
        assert parameters(local_aws, stack)["Paused"] == "true"
        no_ttl = timed(local_aws, "extend", "2h", "--stack-name", stack)
        assert no_ttl.returncode == 2 and "has no TTL" in no_ttl.stderr and "deploy it with --ttl first" in no_ttl.stderr, explain(no_ttl)

        resumed = timed(local_aws, "resume", "--yes", "--stack-name", stack, timings=timings)
        assert resumed.returncode == 0, explain(resumed)
        assert re.search(r"\+ Add\s+Endpoint\s", resumed.stdout) and f"resumed {stack}: UPDATE_COMPLETE" in resumed.stdout, explain(resumed)
        assert re.search(r"monthly cost: \$[\d,.]+ paused → \$[\d,.]+ running", resumed.stdout), explain(resumed)
        again = timed(local_aws, "resume", "--yes", "--stack-name", stack)
        assert again.returncode == 0 and "already running: nothing to do" in again.stdout, explain(again)

        ids = physical_ids(local_aws, stack)
        (described,) = local_aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
        endpoint = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}["EndpointName"]
        assert sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "InService"
        assert ec2.describe_nat_gateways(NatGatewayIds=[ids["NatGateway"]])["NatGateways"][0]["State"] == "available"
        status = timed(local_aws, "status", "--stack-name", stack, timings=timings)
        assert re.search(r"^state\s+Running", status.stdout, re.M) and f"{endpoint}: InService" in status.stdout, explain(status)
        subprocess.run([*CANNED, "Paris is the capital of France."], check=True, env=local_aws.environ(), capture_output=True)
        answer = timed(local_aws, "invoke", "What is the capital of France?", "--stack-name", stack, timings=timings)
        assert answer.returncode == 0 and answer.stdout.strip() == "Paris is the capital of France.", explain(answer)
        snapshot = tmp_path / "snapshot.json"
        assert verify(local_aws, stack, "--snapshot", str(snapshot)).returncode == 0
    finally:
        destroyed = timed(local_aws, "destroy", "--yes", "--stack-name", stack, timings=timings)
    assert destroyed.returncode == 0, explain(destroyed)
    gone = verify(local_aws, stack, "--expect-gone", "--snapshot", str(snapshot))
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert stack_gone(local_aws, stack)
    print("timings:", ", ".join(f"{what}: {seconds:.2f} s" for what, seconds in timings))
