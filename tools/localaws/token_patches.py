"""Fix 39: CreateChangeSet is idempotent by its ClientToken, as on AWS.

AWS CloudFormation API Reference, CreateChangeSet, `ClientToken`: "A unique identifier for this
CreateChangeSet request. Specify this token if you plan to retry requests so that CloudFormation
knows that you're not attempting to create another change set with the same name. You might retry
CreateChangeSet requests to ensure that CloudFormation successfully received them."

So a request repeated with the same token, stack and change set name (a client retrying after its
connection broke mid-answer) gets the change set the first one made. moto 5.2.1 ignores the token
and makes another: for a new stack (ChangeSetType CREATE) a second stack of the same name, both in
REVIEW_IN_PROGRESS, so executing the first change set creates resources that DescribeStacks (which
answers with the other stack) never shows.

`cfn_change_set_client_token` remembers, per account and region, the (stack name, change set name,
token) of each change set made with a token, and answers a repeat with the same Id and StackId while
that change set still exists. Requests without a token, or with another token, are left to moto.

Registered in patches.py; its step is the first of CreateChangeSet's one override
(cfn_changeset_patches.py), so a repeated request is answered before the other steps see it.
"""
from __future__ import annotations

from typing import Any, Callable

from cfn_changeset_patches import add_create_change_set_step


def cfn_change_set_client_token() -> None:
    from moto.cloudformation.models import cloudformation_backends
    from moto.core.responses import ActionResult

    made: dict[tuple[str, str, str, str, str], tuple[str, str]] = {}

    def create_change_set(self: Any, inner: Callable[[Any], Any]) -> Any:
        token = self._get_param("ClientToken")
        if not token:
            return inner(self)
        key = (self.current_account, self.region, self._get_param("StackName"), self._get_param("ChangeSetName"), token)
        if key in made:
            change_set_id, stack_id = made[key]
            backend = cloudformation_backends[self.current_account][self.region]
            if change_set_id in backend.change_sets and stack_id in backend.stacks:
                return ActionResult({"Id": change_set_id, "StackId": stack_id})
        result = inner(self)
        answer = getattr(result, "result", None)
        if isinstance(answer, dict) and answer.get("Id") and answer.get("StackId"):
            made[key] = (answer["Id"], answer["StackId"])
        return result

    add_create_change_set_step("cfn_change_set_client_token", create_change_set)
