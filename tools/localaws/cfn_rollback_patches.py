"""Fix 8: a resource that fails to create rolls the stack back; a failed update is reported (`cfn_failures_roll_back`)."""
from __future__ import annotations

from typing import Any

from cfn_support import _error_text


# --------------------------------------------------------------------------------------------
# 8. Failed creates roll back; failed updates are reported
# --------------------------------------------------------------------------------------------
def _roll_back_create(stack: Any, exc: BaseException) -> None:
    """CREATE_FAILED -> delete what was created (dependents first) -> ROLLBACK_COMPLETE/ROLLBACK_FAILED."""
    from moto.cloudformation.models import Event
    from moto.cloudformation.parsing import OutputMap

    lid = getattr(exc, "localaws_logical_id", None) or "(unknown)"
    why = _error_text(exc)
    rtype = stack.template_dict.get("Resources", {}).get(lid, {}).get("Type", "")
    stack.events.append(Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=lid,
                              physical_resource_id=None, resource_type=rtype, resource_status="CREATE_FAILED",
                              resource_status_reason=why, resource_properties=None))
    reason = f"The following resource(s) failed to create: [{lid}]. {why}"
    stack.status = "ROLLBACK_IN_PROGRESS"
    stack.stack_status_reason = reason
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    rmap = stack.resource_map
    try:
        rmap.delete()
        stack.status = "ROLLBACK_COMPLETE"
    except Exception as del_exc:  # noqa: BLE001
        stack.status = "ROLLBACK_FAILED"
        stack.stack_status_reason = f"{reason} Rollback failed: {_error_text(del_exc)}"
    # only what still exists stays listed; nothing is created lazily any more
    rmap._resource_json_map = {k: v for k, v in rmap._resource_json_map.items()
                               if k in rmap._parsed_resources and not isinstance(rmap._parsed_resources[k], str)}
    stack.output_map = OutputMap(rmap, {}, stack.stack_id)
    stack._add_stack_event(stack.status, resource_status_reason=stack.stack_status_reason)


def cfn_failures_roll_back() -> None:
    """A resource that fails to create rolls the stack back; a failed update is reported, not a 500.

    moto raises the resource's error out of CreateStack/ExecuteChangeSet/UpdateStack: the caller gets
    an HTTP error, the half-created stack stays CREATE_IN_PROGRESS, and every later DescribeStacks
    retries the failed creation (HTTP 500). As on AWS, the request now succeeds and the stack goes
    CREATE_FAILED event -> ROLLBACK_IN_PROGRESS -> ROLLBACK_COMPLETE (created resources deleted,
    dependents first) or ROLLBACK_FAILED, with StackStatusReason naming the failed logical ID. moto
    cannot restore the previous state after a failed update, so an update ends UPDATE_ROLLBACK_FAILED
    with the reason (and the change set EXECUTE_FAILED).
    """
    from moto.cloudformation import parsing
    from moto.cloudformation.models import CloudFormationBackend, Stack

    original_parse = parsing.parse_and_create_resource

    def parse_and_create_resource(logical_id: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return original_parse(logical_id, *args, **kwargs)
        except Exception as exc:
            if not hasattr(exc, "localaws_logical_id"):
                exc.localaws_logical_id = logical_id  # type: ignore[attr-defined]
            raise

    parsing.parse_and_create_resource = parse_and_create_resource

    original_create = CloudFormationBackend.create_stack

    def create_stack(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        before = set(self.stacks)
        try:
            return original_create(self, name, *args, **kwargs)
        except Exception as exc:
            new = [self.stacks[k] for k in self.stacks if k not in before]
            if not new:
                raise  # rejected before the stack existed (template/parameter validation): as on AWS
            _roll_back_create(new[0], exc)
            return new[0]

    CloudFormationBackend.create_stack = create_stack

    original_execute = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks[change_set.stack_id]
        try:
            original_execute(self, change_set_name, stack_name)
        except Exception as exc:
            change_set.execution_status = "EXECUTE_FAILED"
            change_set.status_reason = _error_text(exc)
            if change_set.change_set_type == "CREATE":
                stack.template = change_set.template
                stack._parse_template()
                _roll_back_create(stack, exc)
            else:
                _fail_update(stack, exc)

    CloudFormationBackend.execute_change_set = execute_change_set

    def _fail_update(stack: Any, exc: BaseException) -> None:
        lid = getattr(exc, "localaws_logical_id", None)
        stack.status = "UPDATE_ROLLBACK_FAILED"
        stack.stack_status_reason = (f"{'[' + lid + '] ' if lid else ''}{_error_text(exc)}; "
                                     "localaws: moto cannot roll an update back")
        stack._add_stack_event("UPDATE_ROLLBACK_FAILED", resource_status_reason=stack.stack_status_reason)

    original_update = Stack.update

    def update(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            original_update(self, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            _fail_update(self, exc)

    Stack.update = update
    if not hasattr(Stack, "stack_status_reason"):
        Stack.stack_status_reason = None
