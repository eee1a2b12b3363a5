"""Permission sufficiency of every unattended path (issue 15): does the acting principal hold what it needs?

HOW TO RUN (about 5 s; builds nothing itself):
    swift build --scratch-path .build-<you>
    SLMSTACK_BIN=$PWD/.build-<you>/debug/slmstack python3 -m pytest -q Tests/iam/test_sufficiency.py
WHAT A FAILURE PRINTS: one line per missing permission or ordering problem, e.g.
    idle pause (IdlePauseFunction) [ShimRole update]: IdlePauseRole lacks iam:PutRolePolicy on
      arn:aws:iam::123456789012:role/slmstack-ShimRole-GENERATED (ShimRole update (AWS::IAM::Role); implicit deny)
    TTL destroy (running, ExpirySchedule): ExpiryRole deletes itself: ... lacks iam:DeleteRole on ...
  "[X update]" names the resource change CloudFormation makes, "implicit deny" that no statement allows it,
  "undecided: ..." a condition the evaluator could not decide (it then counts against the Allow).

What it checks, per variant (tools/iam/variants.py: default; operations = --ttl 4h --idle-pause on --alarm-email
ops@example.com --max-instances 3; streaming = --streaming on; streaming-operations = both):
- TTL destroy: each schedule's universal target (DeleteStack) on its role, then every delete handler's
  permissions (Tests/iam/fixtures/handler_permissions.json, from AWS's registry schemas) on the principal
  CloudFormation acts as (the caller via forward access sessions with aws:CalledVia, or the service role passed
  as RoleARN), with Paused=false and Paused=true, plus the role-deletes-itself and deletion-order problems.
- Idle pause: the function's own calls (read from its code for the CloudFormation environment), and
  the handlers of the change Paused=false -> Paused=true (removed: delete, changed: update, create-only changed:
  replace, added: create); the alarm's permission to invoke the function. Functions a schedule, an EventBridge
  rule or a topic invokes are checked the same way (their own calls), with Paused=false and Paused=true.
- The request path (tools/iam/request_paths.py): each function a method or authorizer invokes (the shim; with
  streaming the chat function, whose code is the zip synth writes, run by the Lambda Web Adapter) with its own
  calls, logs, traces and VPC interface calls on its role, and API Gateway's Lambda permission for each caller.
- Terraform: the schedule's universal target and the alarm-invoked function's own calls against their roles.
  Streaming variants have no Terraform (synth --format terraform refuses them by design): the Terraform tests leave them out.
- The committed templates/ (both formats) as well as the synthesized variants.
- Direct sagemaker:DeleteEndpoint reaches only the stack's own endpoint.
- Nothing wider: every action a checked principal's Allow statements grant is used by one of its checked calls.
A CloudFormation service role that lives outside the stack: write its properties (Policies as in an
AWS::IAM::Role) to OUT/cloudformation/<stack>.service-role.json from synth and this test evaluates them.
Models: tools/iam/{paths,request_paths,function_code,handler_calls,cfn_model,lambda_calls,policy_eval,tf_paths,
tf_model}.py. Streaming-specific evidence: Tests/iam/test_sufficiency_streaming.py.
"""
import copy
import json
import pathlib
import sys
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "iam"))

from cfn_model import references  # noqa: E402
from handler_calls import load_fixture  # noqa: E402
from paths import StackPaths  # noqa: E402
from policy_eval import Request, action_matches, evaluate, statements_of  # noqa: E402
from request_paths import request_path_failures  # noqa: E402
from tf_paths import TerraformPaths  # noqa: E402
from variants import ACCOUNT, CLOUDFORMATION_ONLY, REGION, STACK_NAME, VARIANTS, synth_templates  # noqa: E402

# Functions on the request path, not unattended cost-safety paths (the API invokes them).
REQUEST_PATH = {"AWS::ApiGateway::Method", "AWS::ApiGateway::Authorizer"}


@pytest.fixture(scope="module")
def synthesized(slmstack_bin):
    """{variant: (template, output dir)}: one synth per variant for the whole module."""
    with tempfile.TemporaryDirectory(prefix="iamcheck-") as tmp:
        templates = synth_templates(slmstack_bin, tmp)
        yield {name: (template, pathlib.Path(tmp) / name) for name, template in templates.items()}


def stack_paths(template, out):
    service_roles = {}
    extra = out / "cloudformation" / f"{STACK_NAME}.service-role.json"
    if extra.exists():
        props = json.loads(extra.read_text())
        service_roles[f"arn:aws:iam::{ACCOUNT}:role/{props['RoleName']}"] = props
    return StackPaths(template, STACK_NAME, service_roles, package_dir=out / "cloudformation")


# Streaming variants have no Terraform (CLOUDFORMATION_ONLY says why; a test checks the refusal).
TERRAFORM_VARIANTS = sorted(v for v in VARIANTS if v not in CLOUDFORMATION_ONLY)


def terraform_paths(variant, out):
    """The variant's Terraform paths."""
    return TerraformPaths(out / "terraform", STACK_NAME, {"paused": False})


def cfn_failures(paths):
    failures = []
    for label, model in (("running", paths.running), ("paused", paths.paused)):
        if model is not None:
            failures += paths.ttl_destroy(model, label)
    for label, model in (("running", paths.running), ("paused", paths.paused)):
        for function, triggers in sorted(paths.triggered(model).items() if model is not None else []):
            alarms = [lid for kind, lid in triggers if kind == "alarm"]
            path = f"idle pause ({function})" if alarms else f"{triggers[0][0]} {triggers[0][1]} ({label}, {function})"
            needs, problems = paths.function_needs(path, function, model, alarms)
            failures += problems + paths.check(needs, model)
            failures += paths.alarm_permission_problems(path, function, alarms, model)
    for label, model in (("running", paths.running), ("paused", paths.paused)):
        if model is not None:
            failures += request_path_failures(paths, model, label)
    return failures


def report(failures):
    return f"{len(failures)} problem(s):\n" + "\n".join(failures)


def test_fixture_covers_every_type(synthesized):
    fixture = load_fixture()
    for name, (template, _) in synthesized.items():
        missing = sorted({r["Type"] for r in template["Resources"].values()} - set(fixture))
        assert not missing, f"{name}: {missing} not in Tests/iam/fixtures/handler_permissions.json: " \
                            "run tools/iam/refresh_handler_permissions.py"
        for type_name in {r["Type"] for r in template["Resources"].values()}:
            entry = fixture[type_name]
            assert "delete" in entry["handlers"], f"{type_name} has no delete handler permissions"
            assert entry["source"].get("commit") or entry["source"].get("cites") or entry["source"].get("pypi"), \
                f"{type_name}: the fixture entry names no source"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_cloudformation_paths_have_their_permissions(synthesized, variant):
    template, out = synthesized[variant]
    paths = stack_paths(template, out)
    failures = cfn_failures(paths)
    assert not failures, f"{variant}: " + report(failures)
    if variant.endswith("operations"):  # the paths exist and were evaluated, not skipped
        assert any(p.startswith("TTL destroy (running") for p, *_ in paths.checked)
        assert any(p.startswith("TTL destroy (paused") for p, *_ in paths.checked)
        assert any(p.startswith("idle pause") for p, *_ in paths.checked)
    assert any(p.startswith("request path (running, ShimFunction)") for p, *_ in paths.checked)
    if variant.startswith("streaming"):
        assert any(p.startswith("request path (running, StreamFunction)") for p, *_ in paths.checked)


def test_committed_templates_paths_have_their_permissions():
    """templates/ (the committed default synth, both formats) too, as `make check` keeps it equal to synth."""
    template = json.loads((ROOT / "templates" / "cloudformation" / f"{STACK_NAME}.template.json").read_text())
    failures = cfn_failures(stack_paths(template, ROOT / "templates"))
    terraform = TerraformPaths(ROOT / "templates" / "terraform", STACK_NAME, {"paused": False})
    failures += terraform.schedule_failures() + terraform.function_failures()
    assert not failures, "templates/: " + report(failures)


@pytest.mark.parametrize("variant", TERRAFORM_VARIANTS)
def test_terraform_paths_have_their_permissions(synthesized, variant):
    _, out = synthesized[variant]
    paths = terraform_paths(variant, out)
    failures = paths.schedule_failures() + paths.function_failures()
    assert not failures, f"{variant}: " + report(failures)
    if variant == "operations":
        assert any(p.startswith("Terraform TTL") for p, *_ in paths.checked)
        assert any(p.startswith("Terraform idle pause") for p, *_ in paths.checked)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_unattended_function_is_modelled(synthesized, variant):
    """A function that neither an alarm, schedule, rule or topic (checked above) nor the API invokes runs in a way
    this test does not check."""
    template, out = synthesized[variant]
    paths = stack_paths(template, out)
    model = paths.running
    alarmed = set(paths.triggered(model)) | set(paths.triggered(paths.paused) if paths.paused else ())
    request_path = set().union(*[references(r) for r in template["Resources"].values() if r["Type"] in REQUEST_PATH])
    api_invoked = {r["Properties"].get("FunctionName") for r in model.resources.values()
                   if r["Type"] == "AWS::Lambda::Permission" and r["Properties"].get("Principal") == "apigateway.amazonaws.com"}
    unmodelled = [lid for lid, r in model.resources.items() if r["Type"] == "AWS::Lambda::Function"
                  and lid not in alarmed and not {model.arn(lid), model.name(lid)} & api_invoked and lid not in request_path]
    assert not unmodelled, f"{variant}: {unmodelled} run unattended in a way test_sufficiency.py does not model yet"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_roles_grant_nothing_their_paths_do_not_use(synthesized, variant):
    """Issue 15's "and nothing wider": every Action entry of a checked principal's Allow statements allows at
    least one call its checked paths make (the unattended roles, and the request path's ShimRole)."""
    template, out = synthesized[variant]
    paths = stack_paths(template, out)
    cfn_failures(paths)
    unused = [f"CloudFormation {p}: {sid} {a}" for p, sid, a in paths.unused_grants(paths.running)]
    assert not unused, f"{variant}: {len(unused)} granted action(s) no checked call uses:\n" + "\n".join(unused)


@pytest.mark.parametrize("variant", TERRAFORM_VARIANTS)
def test_terraform_roles_grant_nothing_their_paths_do_not_use(synthesized, variant):
    """The same for Terraform's roles (a role's policy written for the other format's paths is wider)."""
    _, out = synthesized[variant]
    terraform = terraform_paths(variant, out)
    terraform.schedule_failures() + terraform.function_failures()
    unused = [f"Terraform {r.rsplit('/', 1)[-1]}: {sid} {a}" for r, sid, a in terraform.unused_grants()]
    assert not unused, f"{variant}: {len(unused)} granted action(s) no checked call uses:\n" + "\n".join(unused)


def _foreign_endpoint_request(role_arn, stack_name, context_extra=None):
    """DeleteEndpoint, called directly, on an endpoint outside the stack that carries the stack's owner tag."""
    context = {"aws:PrincipalAccount": ACCOUNT, "aws:RequestedRegion": REGION, "aws:PrincipalArn": role_arn,
               "aws:ResourceTag/slmstack:stack": stack_name, "aws:ViaAWSService": "false"}
    context.update(context_extra or {})
    return Request("sagemaker:DeleteEndpoint", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/someone-elses-endpoint",
                   context, frozenset({"aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:SourceArn",
                                       "aws:SourceAccount", "aws:ResourceTag/*", "aws:RequestTag/*", "aws:TagKeys"}))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_direct_delete_endpoint_reaches_only_the_stacks_endpoint(synthesized, variant):
    """Issue 15 / review S4: a tag anyone can set must not put another endpoint within a role's reach."""
    template, out = synthesized[variant]
    paths = stack_paths(template, out)
    wide = []
    for lid, resource in paths.running.resources.items():
        if resource["Type"] == "AWS::IAM::Role":
            docs = paths.documents(lid, paths.running)
            if evaluate(docs, _foreign_endpoint_request(paths.running.arn(lid), STACK_NAME)).allowed:
                wide.append(f"CloudFormation {lid}")
    assert not wide, f"{variant}: may delete an endpoint outside the stack that carries its tag: {wide}"


@pytest.mark.parametrize("variant", TERRAFORM_VARIANTS)
def test_terraform_direct_delete_endpoint_reaches_only_the_stacks_endpoint(synthesized, variant):
    _, out = synthesized[variant]
    tf = terraform_paths(variant, out)
    wide = [f"Terraform {name}" for (_, name), _ in tf.tf.resources("aws_iam_role").items()
            if evaluate(tf.role_documents(tf.tf.resource_attr("aws_iam_role", name, "arn")),
                        _foreign_endpoint_request(tf.tf.resource_attr("aws_iam_role", name, "arn"), STACK_NAME)).allowed]
    assert not wide, f"{variant}: may delete an endpoint outside the stack that carries its tag: {wide}"


def _without(documents, action):
    """The documents with every statement whose Action covers `action` removed."""
    return [dict(d, Statement=[s for s in statements_of(d) if not action_matches(s.get("Action", []), action)])
            for d in documents]


def test_checker_reports_a_removed_permission(synthesized):
    """The check is not vacuous: take a call the operations stack's TTL path makes and passes, remove the
    statements that grant that action, and the check must name exactly that call."""
    template, out = synthesized["operations"]
    paths = stack_paths(template, out)
    cfn_failures(paths)
    passing = [c for c in paths.checked if c[0].startswith("TTL destroy (running") and c[2] == "ec2:DeleteNatGateway"]
    assert passing, "the TTL path no longer deletes the NAT gateway: pick another call for this test"
    _, principal, action, resource = passing[0]
    if principal not in template["Resources"]:
        pytest.skip("the TTL's principal is a service role outside the template: strip its file's statements instead")
    mutated = copy.deepcopy(template)
    for policy in mutated["Resources"][principal]["Properties"]["Policies"]:
        policy["PolicyDocument"] = _without([policy["PolicyDocument"]], action)[0]
    failures = cfn_failures(stack_paths(mutated, out))
    assert any(f"lacks {action} on {resource}" in f for f in failures), report(failures)


def test_terraform_checker_reports_a_removed_permission(synthesized):
    _, out = synthesized["operations"]
    paths = TerraformPaths(out / "terraform", STACK_NAME, {"paused": False})
    assert not paths.schedule_failures()
    _, action, resource = paths.checked[0]

    class Stripped(TerraformPaths):
        def role_documents(self, role_arn):
            return _without(super().role_documents(role_arn), action)
    failures = Stripped(out / "terraform", STACK_NAME, {"paused": False}).schedule_failures()
    assert any(f"lacks {action} on {resource}" in f for f in failures), report(failures)


def test_ttl_dead_letter_send_is_checked(synthesized):
    """Scheduler sends the TTL's failed DeleteStack to the dead-letter queue with the execution role
    ("Configuring a schedule's dead-letter queue", EventBridge Scheduler User Guide): the role must hold
    sqs:SendMessage on exactly that queue, in both formats, and the check fails without it."""
    template, out = synthesized["operations"]
    target = template["Resources"]["ExpirySchedule"]["Properties"]["Target"]
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["ExpiryDeadLetterQueue", "Arn"]}
    assert template["Resources"]["ExpiryDeadLetterQueue"]["DeletionPolicy"] == "Retain"
    paths = stack_paths(template, out)
    assert not cfn_failures(paths)
    sends = [c for c in paths.checked if c[2] == "sqs:SendMessage"]
    assert sends and all(c[0].startswith("TTL destroy") and "-ExpiryDeadLetterQueue-" in c[3] for c in sends), sends
    mutated = copy.deepcopy(template)
    for policy in mutated["Resources"]["ExpiryRole"]["Properties"]["Policies"]:
        policy["PolicyDocument"] = _without([policy["PolicyDocument"]], "sqs:SendMessage")[0]
    failures = cfn_failures(stack_paths(mutated, out))
    assert any("lacks sqs:SendMessage on" in f and "ExpiryDeadLetterQueue" in f for f in failures), report(failures)

    tf = TerraformPaths(out / "terraform", STACK_NAME, {"paused": False})
    assert not tf.schedule_failures()
    assert any(c[1] == "sqs:SendMessage" for c in tf.checked), tf.checked
