"""Fixes 37-38 (tools/localaws/import_patches.py): IMPORT change sets and log group updates.

"without" runs on a throwaway server with only that fix disabled (started here, not from the
shared pool, which would start one server per fix), "with" on the session server with every fix.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws_support import LocalAws, started, unique

KEY_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
     "Action": "kms:*", "Resource": "*"}]}


def _base() -> dict[str, Any]:
    return {"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": KEY_POLICY}}}}


def _with_group(name: str, **props: Any) -> dict[str, Any]:
    template = _base()
    template["Resources"]["Group"] = {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Delete",
                                      "Properties": {"LogGroupName": name, **props}}
    return template


def _wait(cfn: Any, stack: str, seconds: float = 30) -> str:
    deadline = time.time() + seconds
    while True:
        try:
            status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
        except ClientError as error:
            if "does not exist" in str(error):
                return "DELETE_COMPLETE"
            raise
        if not status.endswith("_IN_PROGRESS") or time.time() > deadline:
            return status
        time.sleep(0.2)


def _import(cfn: Any, stack: str, template: dict[str, Any], name: str, lid: str = "Group") -> dict[str, Any]:
    cs = cfn.create_change_set(StackName=stack, ChangeSetName=unique("imp"), ChangeSetType="IMPORT", TemplateBody=json.dumps(template),
                               ResourcesToImport=[{"ResourceType": "AWS::Logs::LogGroup", "LogicalResourceId": lid,
                                                   "ResourceIdentifier": {"LogGroupName": name}}])
    return cs


def test_cfn_import_change_sets(localaws: LocalAws, tmp_path: Path) -> None:
    name = unique("/aws/sagemaker/Endpoints/imp-")
    stack = unique("imp")
    with started(tmp_path, disable="cfn_import_change_sets") as plain:
        cfn, logs = plain.client("cloudformation"), plain.client("logs")
        plain.deploy(stack, _base())
        logs.create_log_group(logGroupName=name)
        cs = _import(cfn, stack, _with_group(name), name)
        described = cfn.describe_change_set(ChangeSetName=cs["Id"], StackName=stack)
        # moto: an IMPORT is a CREATE, so the whole template is added and ResourcesToImport is ignored
        assert sorted((c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"]) for c in described["Changes"]) \
            == [("Add", "Group"), ("Add", "Key")]

    cfn, logs = localaws.client("cloudformation"), localaws.client("logs")
    localaws.deploy(stack, _base())
    logs.create_log_group(logGroupName=name)  # as the service would: no key, no retention
    cs = _import(cfn, stack, _with_group(name), name)
    described = cfn.describe_change_set(ChangeSetName=cs["Id"], StackName=stack)
    assert described["Status"] == "CREATE_COMPLETE"
    assert [(c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"]) for c in described["Changes"]] == [("Import", "Group")]
    cfn.execute_change_set(ChangeSetName=cs["Id"], StackName=stack)
    assert _wait(cfn, stack) == "IMPORT_COMPLETE"
    resources = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]}
    assert resources["Group"] == name
    statuses = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]]
    assert ("Group", "IMPORT_COMPLETE") in statuses
    # the group is the stack's now: deleting the stack deletes it
    cfn.delete_stack(StackName=stack)
    _wait(cfn, stack)
    assert not [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name]


@pytest.mark.parametrize("case, expected", [
    ("no-deletion-policy", "must have DeletionPolicy attribute"),
    ("missing-group", "do not exist"),
    ("other-change", "not being imported"),
    ("name-mismatch", "does not match"),
])
def test_import_refuses_what_cloudformation_refuses(localaws: LocalAws, case: str, expected: str) -> None:
    cfn, logs = localaws.client("cloudformation"), localaws.client("logs")
    name = unique("/aws/apigw/imp-")
    stack = unique("impbad")
    localaws.deploy(stack, _base())
    template = _with_group(name)
    if case != "missing-group":
        logs.create_log_group(logGroupName=name)
    if case == "no-deletion-policy":
        del template["Resources"]["Group"]["DeletionPolicy"]
    if case == "other-change":
        template["Resources"]["Key"]["Properties"]["Description"] = "changed"
    if case == "name-mismatch":
        template["Resources"]["Group"]["Properties"]["LogGroupName"] = name + "-other"
    with pytest.raises(ClientError) as err:
        _import(cfn, stack, template, name)
    assert err.value.response["Error"]["Code"] == "ValidationError" and expected in err.value.response["Error"]["Message"]


def test_cfn_log_group_update(localaws: LocalAws, tmp_path: Path) -> None:
    def run(la: LocalAws) -> dict[str, Any]:
        cfn, logs = la.client("cloudformation"), la.client("logs")
        name, stack = unique("/slm/upd-"), unique("upd")
        la.deploy(stack, _with_group(name))
        updated = _with_group(name, RetentionInDays=30, KmsKeyId={"Fn::GetAtt": ["Key", "Arn"]})
        cfn.update_stack(StackName=stack, TemplateBody=json.dumps(updated))
        _wait(cfn, stack)
        return next(g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name)

    with started(tmp_path, disable="cfn_log_group_update") as plain:
        before = run(plain)
    assert before.get("retentionInDays") is None, "without the fix the update changes nothing"
    group = run(localaws)
    assert group["retentionInDays"] == 30 and group.get("kmsKeyId", "").startswith("arn:aws:kms:")
