"""slmstack deploy/destroy through a fault-injecting proxy in front of the local AWS.

The proxy (fault_proxy.py) forwards byte for byte (Host included, so SigV4 still verifies) and,
before forwarding, answers some requests with Throttling, 500, 503, a TCP reset, or a 2 s delay.
The local AWS (moto) is synchronous: ExecuteChangeSet and DeleteStack return after the stack
reached its final status, so a whole lifecycle takes seconds and makes a deterministic sequence
of calls.
"""
from __future__ import annotations

import contextlib
import json
import pathlib
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
import warnings

import pytest
from botocore.exceptions import ClientError

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VERIFY = ROOT / "tools" / "localaws" / "verify.py"
sys.path.insert(0, str(HERE))
from deploy_support import COMMAND_TIMEOUT  # noqa: E402
from fault_proxy import KINDS, FaultProxy, Rule  # noqa: E402

SEED = 7
CRASH_MARKERS = ("Traceback", "Fatal error", "Illegal instruction", "Segmentation fault", "Stack dump")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


@contextlib.contextmanager
def running_proxy(local_aws, **options):
    proxy = FaultProxy(local_aws.env["AWS_ENDPOINT_URL"], **options).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@contextlib.contextmanager
def destroyed_at_end(local_aws, stack: str):
    """Destroys the stack directly against the local AWS (no proxy) however the test ends."""
    try:
        yield
    finally:
        local_aws.run("destroy", "--yes", "--stack-name", stack, timeout=COMMAND_TIMEOUT)


def through(local_aws, proxy: FaultProxy, *args, max_attempts: int = 8, timeout: float = COMMAND_TIMEOUT):
    return local_aws.run(*args, "--max-attempts", str(max_attempts), "--endpoint-url", proxy.url, timeout=timeout)


def verify(local_aws, stack: str, *args: str) -> subprocess.CompletedProcess:
    """tools/localaws/verify.py straight against the local AWS."""
    return subprocess.run([sys.executable, str(VERIFY), stack, *args], capture_output=True, text=True, timeout=120,
                          env=local_aws.environ(), stdin=subprocess.DEVNULL)


def explain(proc: subprocess.CompletedProcess) -> str:
    return f"exit {proc.returncode}\n--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"


def assert_no_crash(proc: subprocess.CompletedProcess) -> None:
    out = proc.stdout + proc.stderr
    assert not any(m in out for m in CRASH_MARKERS), explain(proc)
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}\n{explain(proc)}"


def assert_nothing_to_change(proc: subprocess.CompletedProcess, stack: str) -> None:
    """A second deploy of the same template: "no changes" (or, after an interruption, attaching to the
    operation in progress). The local AWS's change-set diff (moto compares the new template with the
    resource JSON it keeps, which its handlers sometimes alter) now and then lists in-place Modify
    changes for a byte-identical template; that is tolerated with a warning, never an Add or Remove."""
    out = proc.stdout
    if "no changes" in out or "attaching" in out:
        return
    counts = [line for line in out.splitlines() if line.strip().endswith("to remove")]
    assert counts and counts[-1].strip().startswith("0 to add,") and counts[-1].strip().endswith(" 0 to remove"), explain(proc)
    assert "REPLACES" not in out and "may replace" not in out, explain(proc)
    assert f"deployed {stack}: UPDATE_COMPLETE" in out, explain(proc)
    modified = [line.split()[2] for line in out.splitlines() if line.strip().startswith("~ Modify")]
    warnings.warn(f"local AWS listed in-place changes {modified} for an unchanged template of {stack}", stacklevel=2)


def template_bodies(proxy: FaultProxy) -> list[str]:
    return [fields["TemplateBody"] for fields in (dict(urllib.parse.parse_qsl(body.decode())) for body in proxy.captured["CreateChangeSet"])
            if "TemplateBody" in fields]


def owned(local_aws, stack: str) -> dict[str, list[str]]:
    """The stack's VPCs, SageMaker endpoints and REST APIs, found through their own services."""
    ec2, sm, ag = local_aws.client("ec2"), local_aws.client("sagemaker"), local_aws.client("apigateway")
    vpcs = {v["VpcId"] for key in ("aws:cloudformation:stack-name", "slmstack:stack")
            for v in ec2.describe_vpcs(Filters=[{"Name": f"tag:{key}", "Values": [stack]}])["Vpcs"]}
    endpoints = []
    for e in sm.list_endpoints(MaxResults=100)["Endpoints"]:
        tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=e["EndpointArn"])["Tags"]}
        if e["EndpointName"].startswith(f"{stack}-") or stack in (tags.get("slmstack:stack"), tags.get("aws:cloudformation:stack-name")):
            endpoints.append(e["EndpointName"])
    apis = [a["id"] for a in ag.get_rest_apis(limit=500)["items"] if a["name"].startswith(f"{stack}-")]
    return {"vpcs": sorted(vpcs), "endpoints": endpoints, "rest_apis": apis}


def stack_exists(local_aws, stack: str) -> bool:
    try:
        stacks = local_aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    return any(s["StackStatus"] != "DELETE_COMPLETE" for s in stacks)


# --------------------------------------------------------------------------------------------
def test_lifecycle_survives_faults_of_every_kind(local_aws, tmp_path):
    """deploy, status, diff, deploy again (no changes), pause, resume, destroy: 20% of requests faulted,
    all complete."""
    stack = unique("flt")
    snapshot = tmp_path / "snapshot.json"
    # keep_alive=False: each request on a fresh connection, so a reset reaches the client as a
    # reset (slmstack asks for that itself with Connection: close; this holds the proxy to it too).
    with running_proxy(local_aws, rate=0.2, seed=SEED, keep_alive=False, capture=("CreateChangeSet",)) as proxy, \
            destroyed_at_end(local_aws, stack):
        deploy = through(local_aws, proxy, "deploy", "--yes", "--stack-name", stack)
        assert deploy.returncode == 0, explain(deploy)
        assert f"deployed {stack}: CREATE_COMPLETE" in deploy.stdout, explain(deploy)

        present = verify(local_aws, stack, "--snapshot", str(snapshot))
        assert present.returncode == 0, explain(present)

        status = through(local_aws, proxy, "status", "--stack-name", stack)
        assert status.returncode == 0, explain(status)
        drift = through(local_aws, proxy, "diff", "--stack-name", stack)
        assert drift.returncode == 0 and "no differences" in drift.stdout, explain(drift)
        again = through(local_aws, proxy, "deploy", "--yes", "--stack-name", stack)
        assert again.returncode == 0, explain(again)
        first, second = template_bodies(proxy)
        assert first == second, "the second deploy sent a different template"
        assert_nothing_to_change(again, stack)

        # Parameter-only updates (UsePreviousTemplate) under the same faults.
        paused = through(local_aws, proxy, "pause", "--yes", "--stack-name", stack)
        assert paused.returncode == 0 and f"paused {stack}: UPDATE_COMPLETE" in paused.stdout, explain(paused)
        resumed = through(local_aws, proxy, "resume", "--yes", "--stack-name", stack)
        assert resumed.returncode == 0 and f"resumed {stack}: UPDATE_COMPLETE" in resumed.stdout, explain(resumed)

        destroy = through(local_aws, proxy, "destroy", "--yes", "--stack-name", stack)
        assert destroy.returncode == 0, explain(destroy)
        for proc in (deploy, status, drift, again, paused, resumed, destroy):
            assert_no_crash(proc)
        stats = proxy.stats()

    gone = verify(local_aws, stack, "--expect-gone", "--snapshot", str(snapshot))
    assert gone.returncode == 0, explain(gone)
    assert json.loads(snapshot.read_text())["resources"], "the snapshot recorded no resources"

    assert stats["handler_errors"] == 0, stats["last_error"]
    block = round(len(KINDS) / 0.2)
    assert stats["requests"] >= block, f"only {stats['requests']} requests: fewer than one fault block of {block}; {stats}"
    for kind in KINDS:
        assert stats["faults"].get(kind, 0) > 0, f"no {kind} fault was injected: {stats}"
    # Every request was either forwarded (answered by the local AWS) or refused by a scheduled fault; every
    # fault except a delay cost an attempt the client had to repeat. A request the proxy itself failed to
    # forward (a 502 of its own: the local AWS did not answer within fault_handler.UPSTREAM_TIMEOUT) is neither,
    # and would be a fault no test scheduled.
    refused = sum(n for kind, n in stats["faults"].items() if kind != "delay")
    assert stats["upstream_errors"] == 0, f"the proxy gave up on the local AWS (502 of its own): {stats}"
    assert stats["requests"] > stats["forwarded"], stats
    assert stats["requests"] - stats["forwarded"] == refused, stats
    # and repeating never doubled a change: each mutating call reached the server as often as once per command
    forwarded = stats["forwarded_operations"]
    assert forwarded.get("CreateChangeSet") == 4, stats
    assert forwarded.get("ExecuteChangeSet") == (1 if "no changes" in again.stdout else 2) + 2, stats
    assert forwarded.get("DeleteStack") == 1, stats


def test_throttled_on_every_call_fails_cleanly(local_aws):
    stack = unique("thr")
    with running_proxy(local_aws, rate=1.0, kinds=("throttle",), seed=SEED) as proxy, destroyed_at_end(local_aws, stack):
        proc = through(local_aws, proxy, "deploy", "--yes", "--stack-name", stack, max_attempts=2, timeout=60)
        stats = proxy.stats()
        assert proc.returncode == 1, explain(proc)
        assert_no_crash(proc)
        errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
        assert errors and "Throttling" in errors[0] and "Rate exceeded" in errors[0], explain(proc)
        # --max-attempts 2: the first call was tried exactly twice, then the deploy stopped
        assert stats["requests"] == 2 and stats["faults"] == {"throttle": 2}, stats
        assert stats["forwarded"] == 0, stats
        assert not stack_exists(local_aws, stack)
        assert owned(local_aws, stack) == {"vpcs": [], "endpoints": [], "rest_apis": []}


def test_interrupted_during_execute_then_deploy_again(local_aws, tmp_path):
    """SIGINT while ExecuteChangeSet is in flight: the call still lands (CloudFormation carries on
    server-side, as on AWS); deploying again attaches or finds nothing to change, duplicates nothing."""
    stack = unique("sig")
    snapshot = tmp_path / "snapshot.json"
    rule = Rule(match=b"Action=ExecuteChangeSet", kind="delay", seconds=3.0)
    with destroyed_at_end(local_aws, stack):
        with running_proxy(local_aws, rules=[rule]) as proxy:
            proc = subprocess.Popen([local_aws.binary, "deploy", "--yes", "--stack-name", stack, "--endpoint-url", proxy.url],
                                    env=local_aws.environ(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            try:
                assert rule.arrived.wait(60), "ExecuteChangeSet never reached the proxy"
                proc.send_signal(signal.SIGINT)
                out, err = proc.communicate(timeout=20)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate(timeout=10)
            interrupted_before_answer = not rule.done.is_set()
            assert rule.done.wait(30), "the proxy never finished forwarding ExecuteChangeSet"
            stats = proxy.stats()
        assert interrupted_before_answer, "slmstack ended after the ExecuteChangeSet answer: SIGINT came too late to test anything"
        assert proc.returncode == 130, f"exit {proc.returncode}\n{out}\n{err}"
        assert "interrupted: what slmstack already sent goes on in CloudFormation" in err and "'slmstack status'" in err, err
        assert not any(m in out + err for m in CRASH_MARKERS), f"{out}\n{err}"
        assert stats["forwarded_operations"].get("ExecuteChangeSet") == 1, stats

        again = local_aws.run("deploy", "--yes", "--stack-name", stack)
        assert again.returncode == 0, explain(again)
        assert_no_crash(again)
        assert_nothing_to_change(again, stack)

        stacks = local_aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
        assert [s["StackStatus"] for s in stacks] == ["CREATE_COMPLETE"], stacks
        found = owned(local_aws, stack)
        assert len(found["vpcs"]) == 1 and len(found["endpoints"]) == 1 and len(found["rest_apis"]) == 1, found
        present = verify(local_aws, stack, "--snapshot", str(snapshot))
        assert present.returncode == 0, explain(present)

        destroy = local_aws.run("destroy", "--yes", "--stack-name", stack)
        assert destroy.returncode == 0, explain(destroy)
    gone = verify(local_aws, stack, "--expect-gone", "--snapshot", str(snapshot))
    assert gone.returncode == 0, explain(gone)


def test_reset_on_a_reused_connection_is_retried_promptly(local_aws):
    """Regression: libcurl under URLSession used to re-send a request whose pooled connection had been
    reset with its headers but without its body, so the attempt hung until the timeout. The transport
    now closes each connection after its call (plain http, as here, goes over slmstack's own sockets
    transport, which does the same), and a reset is retried at once.

    What is timed is the gap between the reset and the retry, as the proxy saw them (a hang shows as
    the 30 s idle timeout; the backoff is at most 0.5 s), not the whole deploy, whose length depends
    on how busy the machine is."""
    stack = unique("rst")
    # CreateChangeSet is the second call of a deploy: it goes out on the connection DescribeStacks opened
    rule = Rule(operation="CreateChangeSet", kind="reset")
    with running_proxy(local_aws, rules=[rule]) as proxy, destroyed_at_end(local_aws, stack):
        started = time.monotonic()
        try:
            proc = through(local_aws, proxy, "deploy", "--yes", "--stack-name", stack, timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"deploy still running {time.monotonic() - started:.0f} s after one reset; proxy saw {proxy.stats()}")
        assert proc.returncode == 0, explain(proc)
        assert rule.hits == 1 and proxy.stats()["forwarded_operations"].get("CreateChangeSet") == 1, proxy.stats()
        attempts = [(at, kind) for at, operation, kind in proxy.log if operation == "CreateChangeSet"]
        assert [kind for _, kind in attempts] == ["reset", ""], attempts
        gap = attempts[1][0] - attempts[0][0]
        assert gap < 5, f"the retry after the reset came {gap:.1f} s later: the attempt hung instead of failing at once"
