"""Fixes 12 and 21-24: what a stack update (UpdateStack, an executed change set) creates, changes and removes.

- `cfn_update_creation_order`: added resources are created in dependency order and get the stack's tags
- `cfn_update_keeps_unsupported_resources`: a resource moto cannot update is kept, not dropped
Updates driven by parameters (pausing = a change set with UsePreviousTemplate and Paused=true):
- `cfn_update_conditions`: resources whose Condition turns false are removed, turned true are added,
  and Fn::If on a changed condition modifies the resource; DescribeChangeSet lists these changes
- `cfn_update_sub_parameters`: a parameter used only through Fn::Sub (`at(${ExpiresAt})`) updates
- `cfn_update_removes_resources`: resources an update removes are really deleted, dependents first,
  with the same deleters as DeleteStack, and leave the stack's resource list
- `cfn_stack_resources_conditions`: DescribeStackResources leaves out resources whose Condition is false
"""
from __future__ import annotations

from typing import Any

from cfn_delete_patches import LEAK_DELETERS
from cfn_support import deletion_order


# --------------------------------------------------------------------------------------------
# 12. Resources added by a change set or an update: dependency order and stack tags
# --------------------------------------------------------------------------------------------
def cfn_update_creation_order() -> None:
    """Resources added by ExecuteChangeSet/UpdateStack are created in dependency order and tagged.

    CreateStack creates in DependsOn order, but the update path (which executing a CREATE change
    set also uses) creates added resources in template order, ignoring DependsOn: an
    AWS::ApiGateway::Deployment that DependsOn its methods fails with "The REST API doesn't contain
    any methods". That path also skips the aws:cloudformation:* tags CreateStack puts on EC2
    resources. Added resources now follow Ref/GetAtt/Sub/DependsOn order and get the same tags.
    """
    from moto.cloudformation.parsing import ResourceMap
    from moto.ec2 import models as ec2_models
    from moto.ec2.models.core import TaggedEC2Resource

    original_diff = ResourceMap.build_resource_diff
    original_update = ResourceMap.update

    def sort_added(lids: list[str], resources: dict[str, Any]) -> list[str]:
        creation = list(reversed(deletion_order(resources)))
        return sorted(lids, key=lambda lid: creation.index(lid) if lid in creation else len(creation))

    def build_resource_diff(self: Any, other_template: dict[str, Any], parameters: dict[str, Any] | None = None) -> Any:
        diff = original_diff(self, other_template, parameters)
        diff["Add"] = sort_added(diff["Add"], other_template.get("Resources") or {})
        return diff

    def update(self: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
        before = set(self._parsed_resources)
        original_update(self, template, parameters)
        tags = dict(self.tags)
        tags.update({"aws:cloudformation:stack-name": self["AWS::StackName"],
                     "aws:cloudformation:stack-id": self["AWS::StackId"]})
        backend = ec2_models.ec2_backends[self._account_id][self._region_name]
        for lid in set(self._parsed_resources) - before:
            res = self._parsed_resources[lid]
            if isinstance(res, TaggedEC2Resource):
                backend.create_tags([res.physical_resource_id], {**tags, "aws:cloudformation:logical-id": lid})

    ResourceMap.build_resource_diff = build_resource_diff
    ResourceMap.localaws_sort_added = staticmethod(sort_added)  # for diffs that add more (cfn_update_conditions)
    ResourceMap.update = update


def cfn_update_keeps_unsupported_resources() -> None:
    """An update keeps a resource moto cannot update instead of replacing it with nothing.

    For types without an update handler (AWS::KMS::Key among them) moto's parse_and_update_resource
    returns None whenever the resource's template entry changed, even only its DeletionPolicy, and
    the stack then fails with "Fn::GetAtt references undefined resource". AWS applies such a change
    in place (a policy change touches no property). Keeping the existing resource matches that; a
    property change to such a type still does not reach the resource (listed as a gap).
    """
    from moto.cloudformation import parsing

    original = parsing.parse_and_update_resource

    def parse_and_update_resource(logical_id: str, resource_json: dict[str, Any], resources_map: Any,
                                  account_id: str, region_name: str) -> Any:
        updated = original(logical_id, resource_json, resources_map, account_id, region_name)
        if updated is None:
            existing = resources_map._parsed_resources.get(logical_id)
            if existing is not None and not isinstance(existing, str):
                return existing
        return updated

    parsing.parse_and_update_resource = parse_and_update_resource


# --------------------------------------------------------------------------------------------
# 21-24. Updates driven by parameters: conditions, Fn::Sub parameters, real removal
# --------------------------------------------------------------------------------------------
class UpdateState:
    """What an update (or a change set) would change: old/new parameters and conditions, live resources."""

    def __init__(self, rmap: Any, template: dict[str, Any], parameters: dict[str, Any] | None) -> None:
        from moto.cloudformation.parsing import ResourceMap

        scratch = ResourceMap(rmap.stack_id, rmap["AWS::StackName"], parameters or rmap.input_parameters,
                              rmap.tags, region_name=rmap._region_name, account_id=rmap._account_id,
                              template=template, cross_stack_resources=rmap.cross_stack_resources)
        scratch.load_mapping()
        scratch.load_parameters()
        scratch.load_conditions()
        self.old_json = rmap._resource_json_map
        self.new_json = template.get("Resources") or {}
        self.old_params = dict(rmap.resolved_parameters)
        self.new_params = dict(scratch.resolved_parameters)
        old_map = getattr(rmap, "lazy_condition_map", {}) or {}
        self.old_conds = {n: bool(old_map[n]) for n in old_map}
        self.new_conds = {n: bool(scratch.lazy_condition_map[n]) for n in scratch.lazy_condition_map}
        self.old_live = {lid for lid, js in self.old_json.items() if self._live(js, self.old_conds)}
        self.new_live = {lid for lid, js in self.new_json.items() if self._live(js, self.new_conds)}
        self.changed_params = {k for k in set(self.old_params) | set(self.new_params)
                               if self.old_params.get(k) != self.new_params.get(k)}
        self.changed_conds = {k for k in set(self.old_conds) | set(self.new_conds)
                              if self.old_conds.get(k) != self.new_conds.get(k)}

    @staticmethod
    def _live(js: dict[str, Any], conds: dict[str, bool]) -> bool:
        cond = js.get("Condition")
        return not cond or conds.get(cond, False)


def _inputs(node: Any) -> tuple[set[str], set[str], set[str]]:
    """(names used by Ref, names used by ${...} in Fn::Sub, conditions used by Fn::If) in a resource."""
    import re

    refs: set[str] = set()
    subs: set[str] = set()
    conds: set[str] = set()

    def walk(n: Any) -> None:
        if isinstance(n, dict):
            for k, v in n.items():
                if k == "Ref" and isinstance(v, str):
                    refs.add(v)
                elif k == "Fn::If" and isinstance(v, list) and v:
                    conds.add(str(v[0]))
                    walk(v[1:])
                elif k == "Fn::Sub":
                    tpl, local = (v[0], set((v[1] or {}).keys())) if isinstance(v, list) else (v, set())
                    if isinstance(tpl, str):
                        subs.update(m for m in re.findall(r"\$\{([^!}][^}]*)\}", tpl) if m not in local)
                    if isinstance(v, list) and len(v) > 1:
                        walk(v[1])
                else:
                    walk(v)
        elif isinstance(n, list):
            for item in n:
                walk(item)

    walk({k: v for k, v in node.items() if k != "Condition"} if isinstance(node, dict) else node)
    return refs, subs, conds


def _norm(js: dict[str, Any]) -> dict[str, Any]:
    """A resource's template entry with moto's in-place `"Properties": {}` default undone."""
    return {**js, "Properties": js.get("Properties") or {}}


def cfn_update_conditions() -> None:
    """Updates and change sets follow the template's Conditions under the new parameter values.

    moto diffs an update by resource name and by direct `Ref` to a changed parameter only. A change
    set with UsePreviousTemplate that flips a parameter behind a Condition (Paused=true makes
    `Running` false) therefore removes nothing (the endpoint, NAT gateway, alarms ... stay) and
    flipping it back adds nothing; a resource whose Fn::If follows the condition is not updated, and
    DescribeChangeSet lists no changes at all for a parameter-only change set. Now resources whose
    Condition turns false are removed, those whose Condition turns true are added (in dependency
    order when cfn_update_creation_order is on), resources with an Fn::If on a changed condition or
    a Ref to a changed parameter are modified, and DescribeChangeSet lists exactly these
    Add/Modify/Remove changes (no longer a Modify for every resource without Properties, which
    moto's own parse gives `"Properties": {}`).
    """
    from moto.cloudformation.models import Change, ChangeSet
    from moto.cloudformation.parsing import ResourceMap

    original_diff = ResourceMap.build_resource_diff

    def build_resource_diff(self: Any, other_template: dict[str, Any], parameters: dict[str, Any] | None = None) -> Any:
        diff = original_diff(self, other_template, parameters)
        try:
            st = UpdateState(self, other_template, parameters)
        except Exception:  # noqa: BLE001 - e.g. a missing parameter: moto reports it when the update runs
            return diff
        add = [lid for lid in st.new_json if lid in st.new_live and lid not in st.old_live]
        remove = [lid for lid in st.old_json if lid in st.old_live and lid not in st.new_live]
        modify = []
        for lid in st.new_json:
            if lid in st.old_live and lid in st.new_live:
                refs, _, conds = _inputs(st.new_json[lid])
                if _norm(st.old_json[lid]) != _norm(st.new_json[lid]) or refs & st.changed_params \
                        or conds & st.changed_conds:
                    modify.append(lid)
        sort_added = getattr(ResourceMap, "localaws_sort_added", None)  # cfn_update_creation_order's order
        return {"Add": sort_added(add, st.new_json) if sort_added else add, "Modify": modify, "Remove": remove}

    ResourceMap.build_resource_diff = build_resource_diff

    def diff(self: Any) -> list[Any]:
        rmap = self.stack.resource_map
        actions = rmap.build_resource_diff(self.template_dict, self.parameters)
        new = self.template_dict.get("Resources") or {}
        return [Change(action=action, logical_resource_id=lid,
                       resource_type=(rmap._resource_json_map if action == "Remove" else new)[lid]["Type"])
                for action in ("Add", "Modify", "Remove") for lid in actions[action]]

    ChangeSet.diff = diff


def cfn_update_sub_parameters() -> None:
    """An update modifies resources that use a changed parameter through Fn::Sub.

    moto looks for changed parameters only in `Ref` nodes, so a change set that changes ExpiresAt
    (used as `{"Fn::Sub": "at(${ExpiresAt})"}` in the schedule's ScheduleExpression) executes as
    UPDATE_COMPLETE without touching the schedule. Now `${Param}` in Fn::Sub counts like a Ref.
    """
    from moto.cloudformation.parsing import ResourceMap

    original_diff = ResourceMap.build_resource_diff

    def build_resource_diff(self: Any, other_template: dict[str, Any], parameters: dict[str, Any] | None = None) -> Any:
        diff = original_diff(self, other_template, parameters)
        try:
            st = UpdateState(self, other_template, parameters)
        except Exception:  # noqa: BLE001 - moto reports the bad parameters when the update runs
            return diff
        busy = set(diff["Add"]) | set(diff["Remove"]) | set(diff["Modify"])
        for lid in st.new_json:
            if lid in busy or lid not in st.old_live or lid not in st.new_live or lid not in st.old_json:
                continue
            _, subs, _ = _inputs(st.new_json[lid])
            if subs & st.changed_params:
                diff["Modify"].append(lid)
        return diff

    ResourceMap.build_resource_diff = build_resource_diff


def cfn_update_removes_resources() -> None:
    """Resources an update removes are deleted for real, dependents first, and leave the stack.

    moto's update deletes removed resources in template order with retries and through the types'
    own delete handlers only: a NAT gateway, its EIP and route, VPC endpoints, API Gateway parts ...
    stay in EC2/API Gateway (the same gaps as DeleteStack), and a resource removed because its
    Condition turned false stays in the stack's resource list. Now the removed resources are deleted
    in reverse dependency order with the same deleters as DeleteStack (`LEAK_DELETERS`), dropped from
    the stack, DeletionPolicy Retain is honoured, and a failure fails the update naming the resource.
    """
    from moto.cloudformation.parsing import ResourceMap, clean_json

    original_update = ResourceMap.update

    def remove(self: Any, lids: list[str]) -> None:
        jsons = {lid: self._resource_json_map[lid] for lid in lids}
        for lid in deletion_order(jsons):
            parsed = self._parsed_resources.get(lid)
            if parsed is None or isinstance(parsed, str) or jsons[lid].get("DeletionPolicy") == "Retain":
                self._parsed_resources.pop(lid, None)
                continue
            try:
                deleter = LEAK_DELETERS.get(jsons[lid]["Type"])
                if deleter is not None:
                    deleter(parsed, clean_json(jsons[lid].get("Properties", {}), self), self._account_id, self._region_name)
                else:
                    self._delete_resource(parsed, jsons[lid])
            except Exception as exc:
                if not hasattr(exc, "localaws_logical_id"):
                    exc.localaws_logical_id = lid  # type: ignore[attr-defined]
                raise
            self._parsed_resources.pop(lid)

    def update(self: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
        diff = self.build_resource_diff(template, parameters)
        remove(self, [lid for lid in diff["Remove"] if lid in self._resource_json_map])
        original_update(self, template, parameters)

    ResourceMap.update = update


def cfn_stack_resources_conditions() -> None:
    """DescribeStackResources / ListStackResources leave out resources whose Condition is false.

    moto lists every template resource and asks the lazy map for it; a resource whose Condition is
    false comes back as None and is listed as an entry without LogicalResourceId, ResourceType or
    PhysicalResourceId (a paused stack showed a dozen such blanks). AWS lists only what exists.
    """
    from moto.cloudformation.models import Stack

    def stack_resources(self: Any) -> list[Any]:
        rmap = self.resource_map
        conds = getattr(rmap, "lazy_condition_map", {}) or {}
        out = []
        for lid, js in list(rmap._resource_json_map.items()):
            cond = js.get("Condition")
            if cond and cond in conds and not conds[cond] and rmap._parsed_resources.get(lid) is None:
                continue  # not created (a resource that still exists stays listed until it is removed)
            out.append(rmap[lid])
        return out

    Stack.stack_resources = property(stack_resources)
