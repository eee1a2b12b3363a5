"""End to end: deploy each committed CloudFormation template with boto3 (an independent client),
verify every resource through its own service, delete, verify nothing is left.

Templates: every `templates/cloudformation/*.template.json`, plus the reference stack in
fixtures/ (the same resource family with a flow log, KMS key and API Gateway account). Set
LOCALAWS_TEST_TEMPLATE=path to deploy one other template as well.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from localaws_support import ROOT, LocalAws, unique, verify

FIXTURE = Path(__file__).parent / "fixtures" / "reference-stack.template.json"
COMMITTED = sorted((ROOT / "templates" / "cloudformation").glob("*.template.json"))
EXTRA = [Path(os.environ["LOCALAWS_TEST_TEMPLATE"])] if os.environ.get("LOCALAWS_TEST_TEMPLATE") else []


def test_the_committed_templates_exist() -> None:
    assert COMMITTED, "no templates/cloudformation/*.template.json committed: nothing for the end-to-end test to deploy"


def created_with_defaults(doc):
    """The resources a stack of `doc` has with its parameters' defaults: those without a Condition,
    and those whose Condition (Fn::Equals on parameters, Fn::Not, Fn::And, Fn::Or) holds."""
    values = {k: str(v.get("Default", "")) for k, v in (doc.get("Parameters") or {}).items()}
    conditions = doc.get("Conditions") or {}

    def value(node):
        if isinstance(node, dict) and "Ref" in node:
            return values[node["Ref"]]
        if isinstance(node, dict) and "Condition" in node:
            return holds(conditions[node["Condition"]])
        return str(node) if not isinstance(node, bool) else node

    def holds(node):
        (fn, args), = node.items()
        if fn == "Fn::Equals":
            return value(args[0]) == value(args[1])
        if fn == "Fn::Not":
            return not holds(args[0]) if not (isinstance(args[0], dict) and "Condition" in args[0]) else not value(args[0])
        parts = [value(a) if "Condition" in a else holds(a) for a in args]
        return all(parts) if fn == "Fn::And" else any(parts)

    return {lid for lid, r in doc["Resources"].items() if "Condition" not in r or holds(conditions[r["Condition"]])}


@pytest.mark.parametrize("template", COMMITTED + [FIXTURE] + EXTRA, ids=lambda p: p.name)
def test_deploy_verify_delete(localaws: LocalAws, template: Path) -> None:
    # sent compact, as slmstack deploy sends it: the same document without whitespace
    doc = json.loads(template.read_text())
    body = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    assert len(body.encode()) <= 51200, "TemplateBody over the 51,200-byte CloudFormation limit (moto does not check)"
    name = unique("e2e")
    cfn = localaws.client("cloudformation")
    params = [{"ParameterKey": k, "ParameterValue": str(v["Default"])}
              for k, v in (doc.get("Parameters") or {}).items() if "Default" in v]
    cfn.create_change_set(StackName=name, ChangeSetName="create", ChangeSetType="CREATE", TemplateBody=body,
                          Parameters=params, Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
    cs = cfn.describe_change_set(StackName=name, ChangeSetName="create")
    assert cs["Status"] == "CREATE_COMPLETE", cs.get("StatusReason")
    expected = created_with_defaults(doc)
    assert {c["ResourceChange"]["LogicalResourceId"] for c in cs["Changes"]} == expected
    cfn.execute_change_set(StackName=name, ChangeSetName="create")
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")

    outputs = {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs") or []}
    missing = set(doc.get("Outputs") or {}) - {k for k, v in outputs.items() if v}
    assert not missing, f"outputs that did not resolve: {sorted(missing)}"

    present = verify.verify_stack(name, localaws.verify_session())
    assert present.ok, present.to_text()
    # verify.py checks every resource, a conditional one that is off as absent
    assert {c.logical_id for c in present.checks} == set(doc["Resources"])

    cfn.delete_stack(StackName=name)
    gone = verify.verify_gone(name, present.snapshot, localaws.verify_session())
    assert gone.ok, gone.to_text()
    assert len(gone.checks) == len(expected)  # what was created is checked gone


def test_verifier_notices_a_resource_removed_behind_its_back(localaws: LocalAws) -> None:
    """The verifier can fail: delete one resource out of band and it must say which."""
    name = unique("e2e")
    body = FIXTURE.read_text()
    localaws.client("cloudformation").create_stack(StackName=name, TemplateBody=body,
                                                   Capabilities=["CAPABILITY_IAM"])
    ag = localaws.client("apigateway")
    plan = next(p for p in ag.get_usage_plans()["items"] if p["name"] == f"{name}-plan")
    for key in ag.get_usage_plan_keys(usagePlanId=plan["id"])["items"]:
        ag.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
    report = verify.verify_stack(name, localaws.verify_session())
    assert not report.ok
    assert [c.logical_id for c in report.checks if not c.ok] == ["UsagePlanKey"]
    localaws.client("cloudformation").delete_stack(StackName=name)
    # and the gone check notices a resource that survives
    leftover = localaws.client("ec2").create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    localaws.client("ec2").create_tags(Resources=[leftover], Tags=[{"Key": "slmstack:stack", "Value": name}])
    gone = verify.verify_gone(name, report.snapshot, localaws.verify_session())
    assert not gone.ok and any(leftover in p for p in gone.problems), gone.to_text()
    localaws.client("ec2").delete_vpc(VpcId=leftover)
