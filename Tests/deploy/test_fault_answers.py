"""slmstack against answers that are not AWS's: a captive portal's HTML with HTTP 200, an answer cut
mid-body, an answer dripped one byte at a time, a redirect to another host, and plain HTTP.

Each fault hits one operation (fault_proxy.Rule): once, where the client must retry and succeed,
or on every attempt, where the command must fail with exit 1 and the cause, and change nothing.
After each step the stack's resources are counted against the local AWS directly (boto3), so a
command that reports success while leaving things behind, or reports "does not exist" while the
stack is there, fails the test.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.parse

import pytest

from deploy_support import COMMAND_TIMEOUT
from test_faults import destroyed_at_end, explain, owned, running_proxy, stack_exists, unique

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from fault_proxy import Rule  # noqa: E402

CRASH_MARKERS = ("Traceback", "Fatal error", "Illegal instruction", "Segmentation fault", "Stack dump")
# Short clocks for the read-only commands, so a dripping answer costs a second, not a minute. The
# commands that change the stack keep the defaults: the local AWS answers ExecuteChangeSet and
# DeleteStack only once the stack operation is over.
FAST = ("--max-attempts", "2", "--attempt-timeout", "1.5", "--read-timeout", "1")


def run(local_aws, proxy, *args, fast: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess:
    """slmstack ARGS through the proxy: with the FAST clocks, or (fast=False, for the commands that change the
    stack) the deploy suites' long ones, waited for past their call budget (deploy_support.COMMAND_TIMEOUT)."""
    timeout = timeout if timeout is not None else 60 if fast else COMMAND_TIMEOUT
    proc = local_aws.run(*args, *(FAST if fast else ()), "--endpoint-url", proxy.url, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert not any(m in out for m in CRASH_MARKERS) and proc.returncode >= 0, explain(proc)
    return proc


def errors(proc) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.startswith("error:")]


def counts(local_aws, stack: str) -> dict[str, int]:
    return {kind: len(items) for kind, items in owned(local_aws, stack).items()}


ONE_OF_EACH = {"vpcs": 1, "endpoints": 1, "rest_apis": 1}
NOTHING = {"vpcs": 0, "endpoints": 0, "rest_apis": 0}


def test_every_command_under_answers_that_are_not_aws(local_aws):
    stack = unique("ans")
    with destroyed_at_end(local_aws, stack):
        # deploy: CreateChangeSet's answer cut mid-body after the server made the change set
        # (retried with the same ClientToken, which gives back that change set), a portal page
        # instead of DescribeChangeSet's answer and DescribeStackEvents cut mid-body, once each:
        # all retried; one stack, nothing twice.
        rules = [Rule(operation="CreateChangeSet", kind="midbody"), Rule(operation="DescribeChangeSet", kind="html200"),
                 Rule(operation="DescribeStackEvents", kind="midbody")]
        with running_proxy(local_aws, rules=rules, capture=("CreateChangeSet",)) as proxy:
            deploy = run(local_aws, proxy, "deploy", "--yes", "--stack-name", stack, fast=False)
            stats = proxy.stats()
            sent = [dict(urllib.parse.parse_qsl(body.decode())) for body in proxy.captured["CreateChangeSet"]]
        assert deploy.returncode == 0 and f"deployed {stack}: CREATE_COMPLETE" in deploy.stdout, explain(deploy)
        assert [r.hits for r in rules] == [1, 1, 1], stats
        assert stats["forwarded_operations"].get("CreateChangeSet") == 2 and stats["forwarded_operations"].get("ExecuteChangeSet") == 1, stats
        assert len({(s["ChangeSetName"], s["ClientToken"]) for s in sent}) == 1, "the retry was not the same request"
        summaries = local_aws.client("cloudformation").list_stacks()["StackSummaries"]
        assert [s["StackStatus"] for s in summaries if s["StackName"] == stack] == ["CREATE_COMPLETE"], summaries
        assert counts(local_aws, stack) == ONE_OF_EACH

        # status and destroy when every DescribeStacks gets the portal page (2 attempts each): a
        # failure naming the cause, never "does not exist"; nothing deleted.
        with running_proxy(local_aws, rules=[Rule(operation="DescribeStacks", kind="html200", times=99)]) as proxy:
            status = run(local_aws, proxy, "status", "--stack-name", stack)
            destroy = run(local_aws, proxy, "destroy", "--yes", "--stack-name", stack)
            stats = proxy.stats()
        for proc in (status, destroy):
            assert proc.returncode == 1, explain(proc)
            assert "does not exist" not in proc.stdout + proc.stderr, explain(proc)
            assert len(errors(proc)) == 1 and "DescribeStacks: not an AWS answer" in errors(proc)[0], explain(proc)
            assert "<DescribeStacksResponse>" in errors(proc)[0] and "Network login required" in errors(proc)[0], explain(proc)
            assert "Please accept the terms" not in proc.stderr, "the error pastes the page instead of one short line"
        assert stats["operations"] == {"DescribeStacks": 4}, stats  # 2 attempts each, then stop
        assert stack_exists(local_aws, stack) and counts(local_aws, stack) == ONE_OF_EACH

        # status when DescribeEndpoint is cut mid-body on every attempt: exit 1 with the cause, not
        # "endpoint …: not found"; cut once: retried, and the endpoint's state is shown.
        with running_proxy(local_aws, rules=[Rule(operation="DescribeEndpoint", kind="midbody", times=99)]) as proxy:
            cut = run(local_aws, proxy, "status", "--stack-name", stack)
        assert cut.returncode == 1 and "not found" not in cut.stdout, explain(cut)
        assert "DescribeEndpoint" not in cut.stdout and "connection closed mid-answer: after" in cut.stderr, explain(cut)
        with running_proxy(local_aws, rules=[Rule(operation="DescribeEndpoint", kind="midbody")]) as proxy:
            once = run(local_aws, proxy, "status", "--stack-name", stack)
        assert once.returncode == 0 and ": InService" in once.stdout, explain(once)

        # status when DescribeStacks drips one byte every 100 ms: the attempt deadline cuts it off
        # (2 attempts of 1.5 s), exit 1 within seconds instead of minutes.
        with running_proxy(local_aws, rules=[Rule(operation="DescribeStacks", kind="drip", seconds=0.1, times=99)]) as proxy:
            started = time.monotonic()
            drip = run(local_aws, proxy, "status", "--stack-name", stack)
            took = time.monotonic() - started
        assert drip.returncode == 1 and "per-attempt deadline" in drip.stderr, explain(drip)
        assert took < 15, f"status took {took:.1f} s against a dripping server"
        # ... and the call's budget ends the retries: 5 attempts of 1.5 s allowed, but --call-timeout 2
        # leaves room for two (7.5 s and more without it), and the error names the budget.
        with running_proxy(local_aws, rules=[Rule(operation="DescribeStacks", kind="drip", seconds=0.1, times=99)]) as proxy:
            started = time.monotonic()
            budget = run(local_aws, proxy, "status", "--stack-name", stack, "--max-attempts", "5", "--attempt-timeout", "1.5",
                         "--read-timeout", "1", "--call-timeout", "2", fast=False)
            took = time.monotonic() - started
            stats = proxy.stats()
        assert budget.returncode == 1 and "--call-timeout" in budget.stderr, explain(budget)
        assert stats["operations"].get("DescribeStacks", 0) <= 2 and took < 7, (stats, f"{took:.1f} s")

        # diff: GetTemplate cut once (retried); then a redirect to another host on every
        # DescribeStacks: never followed, nothing reaches the other host.
        with running_proxy(local_aws, rules=[Rule(operation="GetTemplate", kind="midbody")]) as proxy:
            drift = run(local_aws, proxy, "diff", "--stack-name", stack)
        assert drift.returncode == 0 and "no differences" in drift.stdout, explain(drift)
        with running_proxy(local_aws, rules=[Rule(operation="DescribeStacks", kind="redirect", times=99)]) as proxy:
            redirected = run(local_aws, proxy, "diff", "--stack-name", stack)
            caught = list(proxy.catcher.requests)
            target = proxy.catcher.host
        assert redirected.returncode == 1 and f"redirected to {target}, not followed" in redirected.stderr, explain(redirected)
        assert caught == [], f"the client followed the redirect and sent {caught}"

        # pause and resume: a portal page for DescribeChangeSet and a cut DescribeStackEvents once each;
        # the pause's GetTemplate (for the price line only, after the update) gets the page every time:
        # the pause succeeded and the price line says it was skipped and why, never nothing.
        for verb, operation, kind in (("pause", "DescribeChangeSet", "html200"), ("resume", "DescribeStackEvents", "midbody")):
            rule = Rule(operation=operation, kind=kind)
            price = Rule(operation="GetTemplate", kind="html200", times=99)
            with running_proxy(local_aws, rules=[rule, price] if verb == "pause" else [rule]) as proxy:
                proc = run(local_aws, proxy, verb, "--yes", "--stack-name", stack, fast=False)
                stats = proxy.stats()
            assert proc.returncode == 0 and f"{verb}d {stack}: UPDATE_COMPLETE" in proc.stdout, explain(proc)
            assert rule.hits == 1 and stats["forwarded_operations"].get("ExecuteChangeSet") == 1, stats
            if verb == "pause":
                assert price.hits >= 1 and "monthly cost: skipped, the deployed template could not be read (" in proc.stdout, explain(proc)
                assert "GetTemplate" in proc.stdout and "Network login required" in proc.stdout, explain(proc)
            else:
                assert "monthly cost: $" in proc.stdout, explain(proc)
        assert counts(local_aws, stack) == ONE_OF_EACH

        # destroy with the first DescribeStacks cut mid-body: retried, then everything goes.
        with running_proxy(local_aws, rules=[Rule(operation="DescribeStacks", kind="midbody")]) as proxy:
            gone = run(local_aws, proxy, "destroy", "--yes", "--stack-name", stack, fast=False)
            stats = proxy.stats()
        assert gone.returncode == 0 and "no SageMaker endpoint of it remains" in gone.stdout, explain(gone)
        assert stats["forwarded_operations"].get("DeleteStack") == 1, stats
        assert not stack_exists(local_aws, stack) and counts(local_aws, stack) == NOTHING


@pytest.mark.parametrize("how", ["flag", "env"])
def test_plain_http_to_an_aws_host_is_refused_before_any_call(local_aws, how):
    url = "http://cloudformation.us-east-1.amazonaws.com"
    if how == "flag":
        proc = local_aws.run("status", "--stack-name", "x", "--endpoint-url", url, timeout=30)
    else:
        proc = local_aws.run("whoami", timeout=30, env=local_aws.environ(AWS_ENDPOINT_URL="http://sts.us-east-1.amazonaws.com"))
    assert proc.returncode == 2, explain(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "plain HTTP to the AWS host" in lines[0] and "use https://" in lines[0], explain(proc)


def non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_plain_http_to_another_host_warns_once_and_loopback_is_silent(local_aws):
    with running_proxy(local_aws) as proxy:
        quiet = local_aws.run("whoami", "--endpoint-url", proxy.url, timeout=30)
    assert quiet.returncode == 0 and quiet.stderr == "", explain(quiet)
    address = non_loopback_address()
    if address is None:
        pytest.skip("no non-loopback IPv4 address on this machine")
    with running_proxy(local_aws, host=address) as proxy:
        warned = local_aws.run("whoami", "--endpoint-url", proxy.url, timeout=30)
    assert warned.returncode == 0, explain(warned)
    lines = warned.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"warning: --endpoint-url is plain HTTP to {address}"), explain(warned)
    assert "unencrypted" in lines[0], explain(warned)


def test_scan_reports_a_failed_call_as_a_failure(local_aws):
    """scan when ListEndpoints gets a portal page, or DescribeEndpoint is cut mid-body on every
    attempt: exit 1 naming the call, never a report (empty, or with the endpoint as the listing
    said) with exit 0 or 3."""
    name = unique("scn")
    sagemaker = local_aws.client("sagemaker")
    account = local_aws.client("sts").get_caller_identity()["Account"]
    sagemaker.create_model(ModelName=name, ExecutionRoleArn=f"arn:aws:iam::{account}:role/{name}",
                           PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:latest"})
    sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": name, "InstanceType": "ml.g5.xlarge", "InitialInstanceCount": 1}])
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)
    try:
        for rule in (Rule(operation="ListEndpoints", kind="html200", times=99), Rule(operation="DescribeEndpoint", kind="midbody", times=99)):
            with running_proxy(local_aws, rules=[rule]) as proxy:
                proc = local_aws.run("scan", *FAST, "--endpoint-url", proxy.url, timeout=60)
            assert rule.hits == 2, f"{rule.operation} was tried {rule.hits} times, not --max-attempts 2"
            assert proc.returncode == 1 and len(errors(proc)) == 1 and rule.operation in errors(proc)[0], explain(proc)
            assert proc.stdout == "", explain(proc)
    finally:
        sagemaker.delete_endpoint(EndpointName=name)
        sagemaker.delete_endpoint_config(EndpointConfigName=name)
        sagemaker.delete_model(ModelName=name)
