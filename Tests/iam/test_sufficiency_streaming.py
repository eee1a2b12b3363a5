"""Streaming (`--streaming on`, CloudFormation only): what the sufficiency check proves, and that it can fail.

Run: SLMSTACK_BIN=<built slmstack> python3 -m pytest -q Tests/iam/test_sufficiency_streaming.py
The variants `streaming` and `streaming-operations` (tools/iam/variants.py) also run through every test of
test_sufficiency.py; here each streaming-specific claim is shown to be evaluated, and each check to report the
permission it needs once that permission is taken away.
"""
import copy
import pathlib
import subprocess
import sys
import tempfile

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools" / "iam"))

from test_sufficiency import _without, cfn_failures, report, stack_paths  # noqa: E402
from variants import CLOUDFORMATION_ONLY, REGION, STACK_NAME, synth_templates  # noqa: E402

ENDPOINT = f"arn:aws:sagemaker:{REGION}:123456789012:endpoint/slmstack-endpoint"
# The CloudFormation-only variants that stream (scale-to-zero is CloudFormation-only for another reason).
STREAMING_VARIANTS = sorted(v for v in CLOUDFORMATION_ONLY if v.startswith("streaming"))
STREAM = "sagemaker:InvokeEndpointWithResponseStream"


@pytest.fixture(scope="module")
def streaming(slmstack_bin):
    """{variant: (template, output dir)} for the two streaming variants."""
    with tempfile.TemporaryDirectory(prefix="iamstream-") as tmp:
        templates = synth_templates(slmstack_bin, tmp, names=set(STREAMING_VARIANTS))
        yield {name: (template, pathlib.Path(tmp) / name) for name, template in templates.items()}


def _drop_action(template, role, action):
    """A copy of the template whose role no longer lists `action` (the rest of each statement kept)."""
    mutated = copy.deepcopy(template)
    for policy in mutated["Resources"][role]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            statement["Action"] = [a for a in actions if a != action]
    return mutated


def test_terraform_refuses_streaming_by_design(slmstack_bin):
    """Why the Terraform tests skip these variants: there is no Terraform to check. If this starts to pass,
    remove the variant from variants.CLOUDFORMATION_ONLY so its Terraform is checked."""
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([slmstack_bin, "synth", "--out", tmp, "--format", "terraform", "--region", REGION,
                               "--stack-name", STACK_NAME, "--streaming", "on"], capture_output=True, text=True)
    assert done.returncode == 2, done
    assert len(done.stderr.strip().splitlines()) == 1 and "CloudFormation" in done.stderr, done.stderr


@pytest.mark.parametrize("variant", STREAMING_VARIANTS)
def test_stream_function_calls_are_read_from_its_package(streaming, variant):
    """serve.py (run by the Lambda Web Adapter) streams through InvokeEndpointWithResponseStream and, through
    index.py, calls InvokeEndpoint, both on the endpoint ENDPOINT_NAME names, on ShimRole."""
    template, out = streaming[variant]
    paths = stack_paths(template, out)
    needs, problems = paths.function_needs("request path", "StreamFunction", paths.running)
    assert not problems
    calls = {(n.principal, n.action, n.resource, n.why.split(" line ")[0]) for n in needs if n.action.startswith("sagemaker:")}
    assert calls == {("ShimRole", STREAM, ENDPOINT, "StreamFunction serve.py"),
                     ("ShimRole", "sagemaker:InvokeEndpoint", ENDPOINT, "StreamFunction serve.py"),  # DOCUMENTED_ALSO
                     ("ShimRole", "sagemaker:InvokeEndpoint", ENDPOINT, "StreamFunction index.py")}, calls
    assert not cfn_failures(paths)
    assert ("request path (running, StreamFunction)", "ShimRole", STREAM, ENDPOINT) in paths.checked


def test_shim_role_needs_both_invoke_actions(streaming):
    """Without the stream action the check names it; without InvokeEndpoint it names both of serve.py's and
    index.py's calls (the API reference's reading of InvokeEndpointWithResponseStream, and the plain call)."""
    template, out = streaming["streaming"]
    failures = cfn_failures(stack_paths(_drop_action(template, "ShimRole", STREAM), out))
    assert any(f"ShimRole lacks {STREAM} on {ENDPOINT} (StreamFunction serve.py line" in f for f in failures), report(failures)
    failures = cfn_failures(stack_paths(_drop_action(template, "ShimRole", "sagemaker:InvokeEndpoint"), out))
    for where in ("StreamFunction serve.py line", "StreamFunction index.py line", "ShimFunction line"):
        assert any(f"ShimRole lacks sagemaker:InvokeEndpoint on {ENDPOINT} ({where}" in f for f in failures), report(failures)


def test_nothing_wider_covers_shim_role(streaming):
    """ShimRole's grants are now measured against the request path's calls: an action no call makes is named."""
    template, out = streaming["streaming"]
    paths = stack_paths(template, out)
    cfn_failures(paths)
    assert not paths.unused_grants(paths.running)
    mutated = copy.deepcopy(template)
    mutated["Resources"]["ShimRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"].append(
        "sagemaker:InvokeEndpointAsync")
    paths = stack_paths(mutated, out)
    cfn_failures(paths)
    assert ("ShimRole", "InvokeThisEndpoint", "sagemaker:InvokeEndpointAsync") in paths.unused_grants(paths.running)


def test_a_package_the_check_cannot_read_is_reported(streaming):
    template, out = streaming["streaming"]
    failures = cfn_failures(stack_paths(template, out / "no-such-dir"))
    assert any("StreamFunction's code is neither inline nor a package synth wrote (lambda/stream-" in f for f in failures), \
        report(failures)


@pytest.mark.parametrize("label", ["running", "paused"])
def test_ttl_destroy_deletes_the_streaming_resources(streaming, label):
    """ExpiryRole (forward access sessions through CloudFormation) deletes StreamFunction, its permission and
    StreamLogGroup with Paused false and true. The function's delete handler needs nothing for its layer (another
    account's) or its S3 code: only lambda:DeleteFunction, GetFunction and ec2:DescribeNetworkInterfaces."""
    template, out = streaming["streaming-operations"]
    paths = stack_paths(template, out)
    assert not cfn_failures(paths)
    function = paths.running.arn("StreamFunction")
    path = f"TTL destroy ({label}, ExpirySchedule)"
    on_function = {(c[1], c[2]) for c in paths.checked if c[0] == path and c[3] == function}
    assert on_function == {("ExpiryRole", "lambda:DeleteFunction"), ("ExpiryRole", "lambda:GetFunction"),
                           ("ExpiryRole", "lambda:RemovePermission")}, on_function
    assert (path, "ExpiryRole", "logs:DeleteLogGroup", paths.running.arn("StreamLogGroup")) in paths.checked
    mutated = copy.deepcopy(template)
    for policy in mutated["Resources"]["ExpiryRole"]["Properties"]["Policies"]:
        policy["PolicyDocument"] = _without([policy["PolicyDocument"]], "lambda:DeleteFunction")[0]
    failures = cfn_failures(stack_paths(mutated, out))
    assert any(f.startswith(path) and f"lacks lambda:DeleteFunction on {function} (StreamFunction delete" in f
               for f in failures), report(failures)


def test_api_gateway_may_invoke_the_stream_function_only_for_its_route(streaming):
    """StreamPermission must cover POST /v1/chat/completions (lambda:InvokeFunction also authorizes
    InvokeWithResponseStream); a permission for another method is reported."""
    template, out = streaming["streaming"]
    mutated = copy.deepcopy(template)
    source = mutated["Resources"]["StreamPermission"]["Properties"]["SourceArn"]["Fn::Sub"]
    mutated["Resources"]["StreamPermission"]["Properties"]["SourceArn"]["Fn::Sub"] = source.replace("/POST/", "/GET/")
    failures = cfn_failures(stack_paths(mutated, out))
    assert any("no Lambda permission lets API Gateway invoke StreamFunction for ChatCompletionsMethod "
               "(arn:aws:execute-api:us-east-1:123456789012:api-api/prod/POST/v1/chat/completions)" in f
               for f in failures), report(failures)
