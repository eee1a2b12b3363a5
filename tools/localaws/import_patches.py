"""Fixes 37-38: importing existing resources into a stack, and updating a stack's log groups.

- `cfn_import_change_sets`: CreateChangeSet with ChangeSetType=IMPORT and ResourcesToImport, and
  its execution, as CloudFormation does them (AWS docs "Import AWS resources into a CloudFormation
  stack with a resource import"): the template is the stack's current one plus the resources to
  import, each with a DeletionPolicy; nothing else may change; each resource must exist and belong
  to no stack; DescribeChangeSet lists them with Action "Import"; executing adopts them without
  creating anything (IMPORT_IN_PROGRESS -> IMPORT_COMPLETE, one IMPORT_COMPLETE event each).
  moto 5.2.1 treats IMPORT as a CREATE: it ignores ResourcesToImport and lists the whole template as
  Add (the stack's own resources included), and executing it would create the resources again. Only AWS::Logs::LogGroup (identifier LogGroupName) is emulated: any other type
  is refused with a ValidationError that says so, never imported half-way.
- `cfn_log_group_update`: an update that changes an AWS::Logs::LogGroup's RetentionInDays or
  KmsKeyId applies them (PutRetentionPolicy/DeleteRetentionPolicy, AssociateKmsKey/
  DisassociateKmsKey: "Update requires: No interruption"); a new LogGroupName replaces the group.
  moto has no update handler for log groups, so such an update changed nothing.

Registered in patches.py; the IMPORT step runs inside CreateChangeSet's one override
(cfn_changeset_patches.py), after the ClientToken step and before the UPDATE ones.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from cfn_changeset_patches import add_create_change_set_step

# The resource types the emulation can import, and the property that identifies each.
IMPORTABLE = {"AWS::Logs::LogGroup": "LogGroupName"}


def _template_dict(text: str) -> dict[str, Any]:
    try:
        return json.loads(text)
    except ValueError:
        import yaml
        from moto.cloudformation.utils import yaml_tag_constructor

        yaml.add_multi_constructor("", yaml_tag_constructor)
        return yaml.load(text, Loader=yaml.Loader)


def _resources_to_import(response: Any) -> list[dict[str, Any]]:
    """ResourcesToImport.member.N.{ResourceType, LogicalResourceId, ResourceIdentifier.entry.M.key/value}."""
    out: dict[int, dict[str, Any]] = {}
    for key, values in response.querystring.items():
        parts = key.split(".")
        if len(parts) < 4 or parts[0] != "ResourcesToImport" or parts[1] != "member":
            continue
        item = out.setdefault(int(parts[2]), {"ResourceIdentifier": {}})
        value = values[0] if isinstance(values, list) else values
        if parts[3] in ("ResourceType", "LogicalResourceId"):
            item[parts[3]] = value
        elif parts[3] == "ResourceIdentifier" and len(parts) == 7 and parts[4] == "entry":
            item.setdefault("_entries", {}).setdefault(int(parts[5]), {})[parts[6]] = value
    items = []
    for index in sorted(out):
        item = out[index]
        for entry in item.pop("_entries", {}).values():
            item["ResourceIdentifier"][entry.get("key")] = entry.get("value")
        items.append(item)
    return items


def _owned_elsewhere(backend: Any, resource_type: str, physical_id: str) -> str | None:
    """The name of a live stack that already has this resource, if any."""
    for stack in backend.stacks.values():
        if stack.status == "DELETE_COMPLETE":
            continue
        for lid, resource in stack.resource_map._parsed_resources.items():
            json_map = stack.resource_map._resource_json_map.get(lid) or {}
            if json_map.get("Type") == resource_type and getattr(resource, "physical_resource_id", None) == physical_id:
                return stack.name
    return None


def cfn_import_change_sets() -> None:
    """CreateChangeSet/ExecuteChangeSet with ChangeSetType IMPORT (see the module docstring)."""
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import Change, ChangeSet, CloudFormationBackend, Event
    from moto.cloudformation.utils import generate_changeset_id
    from moto.core.responses import ActionResult
    from moto.logs.models import logs_backends

    def create_change_set(self: Any, inner: Callable[[Any], Any]) -> Any:
        if self._get_param("ChangeSetType") != "IMPORT":
            return inner(self)
        backend = self.cloudformation_backend
        stack_name = self._get_param("StackName")
        stack = backend.get_stack(stack_name)  # ValidationError "Stack with id X does not exist"
        if stack.status.endswith("_IN_PROGRESS") or stack.status in ("ROLLBACK_COMPLETE", "DELETE_COMPLETE"):
            raise ValidationError(message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")
        body = self._get_param("TemplateBody")
        if self._get_param("TemplateURL"):
            body = self._get_stack_from_s3_url(self._get_param("TemplateURL"))
        if not body:
            raise ValidationError(message="Either TemplateBody or TemplateURL must be specified for an IMPORT change set")
        template = _template_dict(body)
        to_import = _resources_to_import(self)
        if not to_import:
            raise ValidationError(message="ResourcesToImport must be specified for a change set of type IMPORT")
        new = template.get("Resources") or {}
        old = stack.resource_map._resource_json_map
        wanted = {item.get("LogicalResourceId") for item in to_import}
        for item in to_import:
            lid, rtype = item.get("LogicalResourceId"), item.get("ResourceType")
            if lid not in new:
                raise ValidationError(message=f"Resource {lid} to import is not in the template")
            if lid in old:
                raise ValidationError(message=f"Resource {lid} is already in the stack: only resources outside it can be imported")
            if new[lid].get("Type") != rtype:
                raise ValidationError(message=f"The ResourceType {rtype} of {lid} to import does not match its type in the template, {new[lid].get('Type')}")
            if rtype not in IMPORTABLE:
                raise ValidationError(message=f"localaws emulates importing only {', '.join(IMPORTABLE)}; {rtype} ({lid}) cannot be imported here")
            if "DeletionPolicy" not in new[lid]:
                raise ValidationError(message=f"The following resource(s) to import [{lid}] must have DeletionPolicy attribute specified in the template.")
            key = IMPORTABLE[rtype]
            identifier = (item.get("ResourceIdentifier") or {}).get(key)
            if not identifier:
                raise ValidationError(message=f"ResourceIdentifier of {lid} must name {key}")
            declared = (new[lid].get("Properties") or {}).get(key)
            if declared is not None and declared != identifier:
                raise ValidationError(message=f"The identifier value in the template for {lid} ({key}) does not match the ResourceIdentifier {identifier}")
            logs = logs_backends[stack.account_id][stack.region_name]
            if identifier not in logs.groups:
                raise ValidationError(message=f"Resources [{lid}] to import do not exist: no log group {identifier}")
            owner = _owned_elsewhere(backend, rtype, identifier)
            if owner is not None:
                raise ValidationError(message=f"{identifier} already exists in stack {owner}")
        changed = sorted(lid for lid in set(new) | set(old) if lid not in wanted and new.get(lid) != old.get(lid))
        if changed:
            raise ValidationError(message=f"You have modified resources {changed} in your template that are not being imported. "
                                          "Update, create or delete operations cannot be executed during import operations.")
        parameters = {}
        for p in self._get_param("Parameters", []) or []:
            parameters[p["ParameterKey"]] = (stack.parameters.get(p["ParameterKey"]) if str(p.get("UsePreviousValue", "")).lower() == "true"
                                             else p.get("ParameterValue"))
        change_set_id = generate_changeset_id(self._get_param("ChangeSetName"), stack.region_name, stack.account_id)
        change_set = ChangeSet(change_set_type="UPDATE", change_set_id=change_set_id, change_set_name=self._get_param("ChangeSetName"),
                               stack=stack, template=body, parameters=parameters or dict(stack.parameters or {}),
                               description=self._get_param("Description"), tags=None)
        change_set.change_set_type = "IMPORT"
        change_set.changes = [Change(action="Import", logical_resource_id=item["LogicalResourceId"], resource_type=item["ResourceType"])
                              for item in to_import]
        change_set.localaws_imports = to_import
        change_set.status, change_set.execution_status = "CREATE_COMPLETE", "AVAILABLE"
        backend.change_sets[change_set_id] = change_set
        return ActionResult({"Id": change_set_id, "StackId": stack.stack_id})

    add_create_change_set_step("cfn_import_change_sets", create_change_set)

    original_execute = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        if getattr(change_set, "change_set_type", None) != "IMPORT":
            return original_execute(self, change_set_name, stack_name)
        stack = self.stacks[change_set.stack_id]
        rmap = stack.resource_map
        logs = logs_backends[stack.account_id][stack.region_name]
        stack.status = "IMPORT_IN_PROGRESS"
        stack._add_stack_event("IMPORT_IN_PROGRESS", resource_status_reason="User Initiated")
        resources = change_set.template_dict.get("Resources") or {}

        def event(lid: str, physical: str, rtype: str, status: str, reason: str) -> None:
            stack.events.append(Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=lid, physical_resource_id=physical,
                                      resource_type=rtype, resource_status=status, resource_status_reason=reason,
                                      resource_properties=json.dumps(resources[lid].get("Properties") or {})))

        for item in change_set.localaws_imports:
            lid, rtype = item["LogicalResourceId"], item["ResourceType"]
            group = logs.groups[item["ResourceIdentifier"][IMPORTABLE[rtype]]]
            group.cf_resource_type = rtype
            group.logical_resource_id = lid
            event(lid, group.name, rtype, "IMPORT_IN_PROGRESS", "Resource import started.")
            rmap._resource_json_map[lid] = resources[lid]
            rmap._parsed_resources[lid] = group
            event(lid, group.name, rtype, "IMPORT_COMPLETE", "Resource import completed.")
        stack.template = change_set.template
        stack._parse_template()
        rmap._template = stack.template_dict
        stack.status = "IMPORT_COMPLETE"
        stack._add_stack_event("IMPORT_COMPLETE")
        change_set.execution_status = "EXECUTE_COMPLETE"

    CloudFormationBackend.execute_change_set = execute_change_set


def cfn_log_group_update() -> None:
    """AWS::Logs::LogGroup updates: RetentionInDays and KmsKeyId in place, a new name replaces it."""
    from moto.logs.models import LogGroup, logs_backends

    @classmethod  # type: ignore[misc]
    def update_from_cloudformation_json(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str) -> Any:
        properties = cloudformation_json.get("Properties") or {}
        backend = logs_backends[account_id][region_name]
        name = properties.get("LogGroupName") or original_resource.name
        if name != original_resource.name:  # replacement: the new group first, then the old one goes
            new = cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        retention = properties.get("RetentionInDays")
        if retention is None:
            backend.delete_retention_policy(original_resource.name)
        else:
            backend.put_retention_policy(original_resource.name, int(retention))
        key = properties.get("KmsKeyId")
        original_resource.kms_key_id = key or None
        return original_resource

    LogGroup.update_from_cloudformation_json = update_from_cloudformation_json
