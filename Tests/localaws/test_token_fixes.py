"""Fix 39 (tools/localaws/token_patches.py): CreateChangeSet repeated with its ClientToken.

"without" runs on a throwaway server with only that fix disabled, "with" on the session server.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from localaws_support import LocalAws, started, unique

TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


def _twice(cfn: Any, stack: str, token: str | None = "slmstack-retry-1") -> tuple[dict[str, Any], dict[str, Any]]:
    extra = {"ClientToken": token} if token else {}
    first = cfn.create_change_set(StackName=stack, ChangeSetName="cs-1", ChangeSetType="CREATE", TemplateBody=TEMPLATE, **extra)
    again = cfn.create_change_set(StackName=stack, ChangeSetName="cs-1", ChangeSetType="CREATE", TemplateBody=TEMPLATE, **extra)
    return first, again


def _stacks(cfn: Any, stack: str) -> list[str]:
    return [s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == stack]


def test_cfn_change_set_client_token(localaws: LocalAws, tmp_path: Path) -> None:
    stack = unique("tok")
    with started(tmp_path, disable="cfn_change_set_client_token") as plain:
        cfn = plain.client("cloudformation")
        first, again = _twice(cfn, stack)
        # moto: a second change set, on a second stack of the same name
        assert first["Id"] != again["Id"] and first["StackId"] != again["StackId"]
        assert _stacks(cfn, stack) == ["REVIEW_IN_PROGRESS", "REVIEW_IN_PROGRESS"]

    cfn = localaws.client("cloudformation")
    first, again = _twice(cfn, stack)
    assert (again["Id"], again["StackId"]) == (first["Id"], first["StackId"])
    assert _stacks(cfn, stack) == ["REVIEW_IN_PROGRESS"]
    cfn.execute_change_set(ChangeSetName=first["Id"], StackName=stack)
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    resources = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    assert [r["LogicalResourceId"] for r in resources] == ["Topic"]
    # Another token is another request: left to moto as before.
    other = cfn.create_change_set(StackName=stack, ChangeSetName="cs-2", ChangeSetType="UPDATE", TemplateBody=TEMPLATE.replace("Topic", "Topic2"),
                                  ClientToken="slmstack-retry-2")
    assert other["Id"] != first["Id"]
    cfn.delete_stack(StackName=stack)
