"""`slmstack scan` against the project's local AWS (SigV4 verification on): a deployed stack's endpoint is
owned, an endpoint created outside any stack is an unowned GPU endpoint and makes the scan exit 3; CloudWatch
answers no datapoints, which counts as 0 invocations. A stack whose TTL passed over an hour ago and that is
still there is listed with its destroy command and also makes the scan exit 3."""
import datetime as dt
import json
import re

STACK = "scanned"
OUTSIDE = "outside-endpoint"


def create_outside_endpoint(local_aws):
    sagemaker = local_aws.client("sagemaker")
    account = local_aws.client("sts").get_caller_identity()["Account"]
    sagemaker.create_model(
        ModelName=OUTSIDE + "-model",
        ExecutionRoleArn=f"arn:aws:iam::{account}:role/outside-sagemaker-role",
        PrimaryContainer={"Image": f"763104351884.dkr.ecr.{local_aws.env['AWS_REGION']}.amazonaws.com/huggingface-pytorch-tgi-inference:latest"},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=OUTSIDE + "-config",
        ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": OUTSIDE + "-model",
                             "InstanceType": "ml.g5.xlarge", "InitialInstanceCount": 1}],
    )
    sagemaker.create_endpoint(EndpointName=OUTSIDE, EndpointConfigName=OUTSIDE + "-config")


def delete_outside_endpoint(local_aws):
    sagemaker = local_aws.client("sagemaker")
    for call, kwargs in [(sagemaker.delete_endpoint, {"EndpointName": OUTSIDE}),
                         (sagemaker.delete_endpoint_config, {"EndpointConfigName": OUTSIDE + "-config"}),
                         (sagemaker.delete_model, {"ModelName": OUTSIDE + "-model"})]:
        try:
            call(**kwargs)
        except Exception as error:  # already gone, or never made
            print(f"cleanup: {error}")


def test_bad_flags_exit_2_without_calling_aws(local_aws):
    bad = local_aws.run("scan", "--format", "xml", "--endpoint-url", "http://127.0.0.1:9")
    assert bad.returncode == 2 and "--format: expected table or json" in bad.stderr, bad.stderr


def test_scan_finds_the_owned_and_the_unowned_endpoint(local_aws):
    try:
        deployed = local_aws.run("deploy", "--yes", "--stack-name", STACK, timeout=300)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        stack_endpoint = dict(line.split(None, 1) for line in deployed.stdout.split("outputs:\n", 1)[1].splitlines()
                              if line.startswith("  "))["EndpointName"]
        create_outside_endpoint(local_aws)

        scan = local_aws.run("scan", "--format", "json")
        assert scan.returncode == 3, scan.stdout + scan.stderr
        report = json.loads(scan.stdout)
        by_name = {e["name"]: e for e in report["endpoints"]}
        assert stack_endpoint in by_name and OUTSIDE in by_name, by_name.keys()

        owned = by_name[stack_endpoint]
        assert owned["owner"] == STACK
        assert owned["findings"] == []
        assert (owned["instanceType"], owned["instanceCount"], owned["gpu"]) == ("ml.g5.xlarge", 1, True)
        assert owned["hourlyUSD"] > 0 and owned["monthToDateUSD"] >= 0
        assert (owned["invocations7d"], owned["invocationsDatapoints"]) == (0, False)

        outside = by_name[OUTSIDE]
        assert outside["owner"] is None
        assert [f["kind"] for f in outside["findings"]] == ["unowned-gpu"]
        assert OUTSIDE in report["flagged"] and stack_endpoint not in report["flagged"]
        assert f"flagged: {OUTSIDE}: unowned GPU endpoint" in scan.stderr
        assert stack_endpoint not in scan.stderr

        # The table says the same; an idle threshold of 0 hours also flags the stack's unused endpoint.
        table = local_aws.run("scan", "--idle-hours", "0")
        assert table.returncode == 3, table.stderr
        rows = {line.split()[0]: line for line in table.stdout.splitlines()[1:]}
        assert "unowned-gpu" in rows[OUTSIDE] and "none" in rows[OUTSIDE]
        assert STACK in rows[stack_endpoint] and "idle" in rows[stack_endpoint]
        assert "0 (no datapoints)" in rows[stack_endpoint]
        assert f"flagged: {stack_endpoint}: idle: 0 invocations in the last 7 days" in table.stderr
    finally:
        delete_outside_endpoint(local_aws)
        destroyed = local_aws.run("destroy", "--yes", "--stack-name", STACK, timeout=300)
        assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr

    # With the outside endpoint and the stack gone, nothing is flagged.
    clean = local_aws.run("scan")
    assert clean.returncode == 0, clean.stdout + clean.stderr


def set_expires_at(local_aws, stack, hours_ago):
    """Moves the stack's ExpiresAt into the past, as a deletion that failed or was refused leaves it."""
    cfn = local_aws.client("cloudformation")
    declared = [p["ParameterKey"] for p in cfn.describe_stacks(StackName=stack)["Stacks"][0]["Parameters"]]
    when = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%S")
    cfn.update_stack(StackName=stack, UsePreviousTemplate=True, Capabilities=["CAPABILITY_IAM"], Parameters=[
        {"ParameterKey": k, "ParameterValue": when} if k == "ExpiresAt" else {"ParameterKey": k, "UsePreviousValue": True}
        for k in declared])
    return when


def test_scan_flags_a_stack_still_there_an_hour_after_its_ttl(local_aws):
    stack = "scanned-ttl"
    try:
        deployed = local_aws.run("deploy", "--yes", "--stack-name", stack, "--ttl", "4h", timeout=300)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        fresh = local_aws.run("scan", "--format", "json")
        assert fresh.returncode == 0 and json.loads(fresh.stdout)["ttlPassed"] == [], fresh.stdout + fresh.stderr

        # within the hour the schedule may still be deleting it: not flagged
        set_expires_at(local_aws, stack, 0.5)
        recent = local_aws.run("scan", "--format", "json")
        assert recent.returncode == 0 and json.loads(recent.stdout)["ttlPassed"] == [], recent.stdout + recent.stderr

        when = set_expires_at(local_aws, stack, 2)
        scan = local_aws.run("scan", "--format", "json")
        assert scan.returncode == 3, scan.stdout + scan.stderr
        report = json.loads(scan.stdout)
        assert report["flagged"] == []  # its endpoint is owned and not idle: the stack alone makes exit 3
        [passed] = report["ttlPassed"]
        assert (passed["stack"], passed["status"], passed["expiresAt"]) == (stack, "UPDATE_COMPLETE", when + "Z")
        assert 1.9 < passed["overdueHours"] < 2.1 and passed["destroy"] == f"slmstack destroy --stack-name {stack}"
        assert f"flagged: stack {stack}: TTL passed 2h" in scan.stderr and "still here (UPDATE_COMPLETE)" in scan.stderr
        assert f"run 'slmstack destroy --stack-name {stack}'" in scan.stderr and "past its TTL (exit 3)" in scan.stderr

        table = local_aws.run("scan")
        assert table.returncode == 3, table.stderr
        rows = table.stdout.split("\nSTACK", 1)[1].splitlines()
        assert rows[1].split()[:2] == [stack, "UPDATE_COMPLETE"] and rows[1].endswith(f"slmstack destroy --stack-name {stack}"), table.stdout
        assert re.search(r" ago +0 +slmstack destroy", rows[1]), table.stdout  # DLQ MESSAGES 0

        # a dead-letter event in the stack's expiry queue (Scheduler's failed DeleteStack) is counted and named
        queue_url = passed["deadLetterQueueUrl"]
        assert queue_url and passed["deadLetterMessages"] == 0
        local_aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody='{"error": "stack busy"}')
        dead = local_aws.run("scan", "--format", "json")
        assert dead.returncode == 3 and json.loads(dead.stdout)["ttlPassed"][0]["deadLetterMessages"] == 1, dead.stdout
        assert f"TTL deletion failed: 1 message in {queue_url}; run 'slmstack destroy --stack-name {stack}'" in dead.stderr
        status = local_aws.run("status", "--stack-name", stack)
        assert status.returncode == 0 and f"TTL deletion failed: 1 message in {queue_url}" in status.stdout, status.stdout + status.stderr

        # a queue deleted by hand does not stop either report
        local_aws.client("sqs").delete_queue(QueueUrl=queue_url)
        gone_queue = local_aws.run("scan", "--format", "json")
        assert gone_queue.returncode == 3 and json.loads(gone_queue.stdout)["ttlPassed"][0]["deadLetterMessages"] is None, gone_queue.stderr
        status = local_aws.run("status", "--stack-name", stack)
        assert status.returncode == 0 and "TTL PASSED" in status.stdout, status.stdout + status.stderr
        assert f"warning: the TTL's dead-letter queue {queue_url} could not be read (" in status.stderr, status.stderr
    finally:
        destroyed = local_aws.run("destroy", "--yes", "--stack-name", stack, timeout=300)
        assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
        sqs = local_aws.client("sqs")
        for url in sqs.list_queues(QueueNamePrefix=f"{stack}-ExpiryDeadLetterQueue").get("QueueUrls", []):
            sqs.delete_queue(QueueUrl=url)  # retained with the stack's deletion
    gone = local_aws.run("scan", "--format", "json")
    assert gone.returncode == 0 and json.loads(gone.stdout)["ttlPassed"] == [], gone.stdout + gone.stderr
