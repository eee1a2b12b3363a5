"""Fix 4, and the one override of CreateChangeSet that the change-set fixes add their steps to.

- `changeset_default_update`: CreateChangeSet without ChangeSetType means UPDATE (as on AWS), and
  ExecuteChangeSet updates the stack in place
- `add_create_change_set_step`: fixes 4, 26, 37 and 39 each add a step to CreateChangeSet, run in the
  order CREATE_CHANGE_SET_STEPS states (registry.py lists the other methods several fixes wrap)
"""
from __future__ import annotations

from typing import Any, Callable


# --------------------------------------------------------------------------------------------
# CreateChangeSet: one override, the fixes' steps in a stated order
# --------------------------------------------------------------------------------------------
# One override of CloudFormationResponse.create_change_set (moto's CreateChangeSet handler) that
# runs the steps of the fixes that change it, outermost first, whatever order they were applied in:
# a request repeated with its ClientToken is answered before anything else looks at it (also an
# IMPORT one); an IMPORT change set is handled whole and never reaches the UPDATE checks; the
# UsePreviousValue check sees the request as sent (it takes a missing type as UPDATE itself); the
# default type is set last, just before moto's handler.
CREATE_CHANGE_SET_STEPS = (
    "cfn_change_set_client_token",  # 39 (token_patches.py)
    "cfn_import_change_sets",  # 37 (import_patches.py)
    "cfn_parameters_follow_template",  # 26 (cfn_stack_patches.py)
    "changeset_default_update",  # 4 (below)
)
Step = Callable[[Any, Callable[[Any], Any]], Any]
_create_change_set_steps: dict[str, Step] = {}


def add_create_change_set_step(fix_name: str, step: Step) -> None:
    """Add fix `fix_name`'s step to the one override of CloudFormationResponse.create_change_set.

    `step(response, inner)` answers the request itself or returns `inner(response)`, which runs the
    next step of CREATE_CHANGE_SET_STEPS that was added (moto's own handler after the last). The
    override is installed with the first step, so without any of these fixes moto's handler stays.
    """
    from moto.cloudformation.responses import CloudFormationResponse

    if fix_name not in CREATE_CHANGE_SET_STEPS:
        raise ValueError(f"{fix_name} has no place in CREATE_CHANGE_SET_STEPS")
    if not _create_change_set_steps:
        moto_create_change_set = CloudFormationResponse.create_change_set

        def create_change_set(self: Any) -> Any:
            steps = [_create_change_set_steps[name] for name in CREATE_CHANGE_SET_STEPS if name in _create_change_set_steps]

            def run(response: Any, i: int) -> Any:
                if i == len(steps):
                    return moto_create_change_set(response)
                return steps[i](response, lambda r: run(r, i + 1))

            return run(self, 0)

        CloudFormationResponse.create_change_set = create_change_set
    _create_change_set_steps[fix_name] = step


# --------------------------------------------------------------------------------------------
# 4. Change sets: UPDATE is the default type, and executing one updates the stack in place
# --------------------------------------------------------------------------------------------
def changeset_default_update() -> None:
    """CreateChangeSet without ChangeSetType means UPDATE (as on AWS), and ExecuteChangeSet updates in place.

    moto defaults to CREATE: on an existing stack it makes a second stack of the same name in
    REVIEW_IN_PROGRESS whose execution re-creates every resource. After an UPDATE execution moto
    also keeps the old outputs; this refreshes outputs, parameters and description.
    """
    from moto.cloudformation.models import CloudFormationBackend

    def default_update(self: Any, inner: Callable[[Any], Any]) -> Any:
        if self._get_param("ChangeSetType") is None:
            real_get = self._get_param
            self._get_param = lambda name, if_none=None: "UPDATE" if name == "ChangeSetType" else real_get(name, if_none)
        return inner(self)

    add_create_change_set_step("changeset_default_update", default_update)

    original_execute = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks[change_set.stack_id]
        original_execute(self, change_set_name, stack_name)
        if stack.status.endswith("_COMPLETE") and not stack.status.startswith(("ROLLBACK", "UPDATE_ROLLBACK")):
            stack.template = change_set.template
            stack._parse_template()
            stack.description = stack.template_dict.get("Description")
            if change_set.parameters:
                stack.parameters = change_set.parameters
            stack.output_map = stack._create_output_map()

    CloudFormationBackend.execute_change_set = execute_change_set
