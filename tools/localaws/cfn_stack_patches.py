"""Fixes 25-26: a deleted stack stays deleted, and a stack's parameters follow its current template.

- `cfn_deleted_stack_frozen`: DescribeStacks of a deleted stack does not re-create its resources
- `cfn_parameters_follow_template`: a stack's parameters are those its current template declares
  (a TTL turned off takes ExpiresAt away); UsePreviousValue for any other is a ValidationError
"""
from __future__ import annotations

from typing import Any, Callable

from cfn_changeset_patches import add_create_change_set_step


# --------------------------------------------------------------------------------------------
# 25. A deleted stack stays deleted
# --------------------------------------------------------------------------------------------
def cfn_deleted_stack_frozen() -> None:
    """Reading a deleted stack (DescribeStacks by stack ID) does not create its resources again.

    moto's resource map creates a resource on first lookup. Outputs are evaluated lazily, so the
    first DescribeStacks after DeleteStack of a stack whose outputs were not read since its last
    update evaluates `{"Ref": "IdleAlarm"}` ... and re-creates every resource an output names (new
    alarms, topic, endpoint ... under new random names) in a stack that is DELETE_COMPLETE. Now a
    deleted stack's map only answers what it still holds, and a DELETE_COMPLETE stack has no outputs.
    """
    from moto.cloudformation.models import Stack
    from moto.cloudformation.parsing import OutputMap, ResourceMap

    original_getitem = ResourceMap.__getitem__

    def __getitem__(self: Any, key: str) -> Any:
        if getattr(self, "localaws_deleted", False) and key not in self._parsed_resources:
            if key in self._resource_json_map:
                return None
            raise KeyError(key)
        return original_getitem(self, key)

    ResourceMap.__getitem__ = __getitem__

    original_delete = Stack.delete

    def delete(self: Any) -> None:
        original_delete(self)
        self.resource_map.localaws_deleted = True
        self.output_map = OutputMap(self.resource_map, {}, self.stack_id)

    Stack.delete = delete


# --------------------------------------------------------------------------------------------
# 26. A stack's parameters follow its current template
# --------------------------------------------------------------------------------------------
def _declared(stack: Any) -> dict[str, Any]:
    """The Parameters section of the template the stack's resources now follow."""
    return (getattr(stack.resource_map, "_template", None) or {}).get("Parameters") or {}


def _previous_not_declared(stack: Any, incoming: list[dict[str, Any]]) -> Exception | None:
    """AWS's ValidationError for UsePreviousValue on a parameter the stack's template does not declare."""
    from moto.cloudformation.exceptions import ValidationError

    declared = _declared(stack)
    for p in incoming:
        if str(p.get("UsePreviousValue", "")).lower() == "true" and p.get("ParameterKey") not in declared:
            return ValidationError(message=f"Invalid input for parameter key {p.get('ParameterKey')}. Cannot specify "
                                           "usePreviousValue as true for a parameter key not in the previous template")
    return None


def cfn_parameters_follow_template() -> None:
    """DescribeStacks lists exactly the parameters the stack's current template declares.

    moto's update re-reads the new template's parameters into the old ones without clearing them:
    after an update (UpdateStack or an executed change set) whose template no longer declares
    ExpiresAt, DescribeStacks still lists `ExpiresAt` with its old value, and a later change set with
    UsePreviousTemplate that passes UsePreviousValue for every listed parameter fails the update
    (UPDATE_ROLLBACK_FAILED, `KeyError: 'ExpiresAt'`). Now a parameter the template no longer
    declares leaves the stack (listed values, stored values, Ref lookups); one it newly declares gets
    its Default unless a value is given. As on AWS, UsePreviousValue for a parameter the stack's
    template does not declare is a ValidationError ("Invalid input for parameter key ... not in the
    previous template"; moto: HTTP 500 or KeyError), and UsePreviousValue in UpdateStack for a
    parameter that has its Default (never passed) takes that value (moto: HTTP 500).
    """
    from moto.cloudformation.models import CloudFormationBackend, Stack
    from moto.cloudformation.parsing import ResourceMap
    from moto.cloudformation.responses import CloudFormationResponse

    original_load = ResourceMap.load_parameters

    def load_parameters(self: Any) -> None:
        declared = self._template.get("Parameters") or {}
        for key in [k for k in self.resolved_parameters if k not in declared]:
            del self.resolved_parameters[key]
            if key not in self._resource_json_map:  # the old template's parameter, never a resource
                self._parsed_resources.pop(key, None)
        # a value passed for an earlier template's parameter does not outlive it (a later template
        # that declares the name again starts from its Default)
        self.input_parameters = {k: v for k, v in (self.input_parameters or {}).items() if k in declared}
        original_load(self)

    ResourceMap.load_parameters = load_parameters

    def keep_declared(stack: Any) -> None:
        declared = _declared(stack)
        stack.parameters = {k: v for k, v in (stack.parameters or {}).items() if k in declared}

    original_update = Stack.update

    def update(self: Any, *args: Any, **kwargs: Any) -> None:
        original_update(self, *args, **kwargs)
        keep_declared(self)

    Stack.update = update

    original_execute = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        original_execute(self, change_set_name, stack_name)
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks.get(change_set.stack_id)
        if stack is not None:
            keep_declared(stack)

    CloudFormationBackend.execute_change_set = execute_change_set

    original_resolve = CloudFormationBackend._resolve_update_parameters

    def _resolve_update_parameters(self: Any, instance: Any, incoming_params: list[dict[str, Any]]) -> dict[str, Any]:
        if not isinstance(instance, Stack):
            return original_resolve(self, instance, incoming_params)
        error = _previous_not_declared(instance, incoming_params)
        if error is not None:
            raise error
        previous = dict(instance.parameters or {})
        for key, slot in _declared(instance).items():
            if key not in previous and (slot or {}).get("Default") is not None:
                previous[key] = str(slot["Default"])  # the value it has: its Default (never passed)
        out = {p["ParameterKey"]: p["ParameterValue"] for p in incoming_params if "ParameterValue" in p}
        out.update({p["ParameterKey"]: previous[p["ParameterKey"]] for p in incoming_params
                    if str(p.get("UsePreviousValue", "")).lower() == "true" and p["ParameterKey"] in previous})
        return out

    CloudFormationBackend._resolve_update_parameters = _resolve_update_parameters

    def check_previous_values(response: Any) -> None:
        from moto.cloudformation.exceptions import ValidationError

        incoming = response._get_param("Parameters", []) or []
        if not any(str(p.get("UsePreviousValue", "")).lower() == "true" for p in incoming):
            return
        try:
            stack = response.cloudformation_backend.get_stack(response._get_param("StackName"))
        except ValidationError:
            return  # no such stack: moto's own handler answers
        error = _previous_not_declared(stack, incoming)
        if error is not None:
            raise error

    original_update_stack = CloudFormationResponse.update_stack

    def update_stack(self: Any) -> Any:
        check_previous_values(self)
        return original_update_stack(self)

    CloudFormationResponse.update_stack = update_stack

    def previous_values_declared(self: Any, inner: Callable[[Any], Any]) -> Any:
        if (self._get_param("ChangeSetType") or "UPDATE") == "UPDATE":  # UPDATE is the default (fix 4)
            check_previous_values(self)
        return inner(self)

    add_create_change_set_step("cfn_parameters_follow_template", previous_values_declared)
