"""Fixes 3a-3b: DeleteStack deletes everything, dependents first, and reports what it could not delete.

- `cfn_delete_leaked_resources`: one pass in reverse dependency order with moto's own backend calls
  (`LEAK_DELETERS` for the types moto leaks; fix 23 deletes what an update removes with them too)
- `cfn_subnet_route_table_association`: the association is real (DescribeRouteTables, `rtbassoc-` ID)
- `cfn_delete_failure_reported`: DELETE_FAILED with the reason instead of a vanished stack
"""
from __future__ import annotations

from typing import Any, Callable

from cfn_support import _error_text, _template_deps, deletion_order


# --------------------------------------------------------------------------------------------
# 3a. DeleteStack removes the EC2 and API Gateway resources moto leaks, in dependency order
# --------------------------------------------------------------------------------------------
class StackDeleteError(Exception):
    """Raised by the ordered delete when some resources could not be deleted."""

    def __init__(self, failures: dict[str, str]) -> None:
        self.failures = failures
        super().__init__("; ".join(f"{lid}: {why}" for lid, why in failures.items()))


def _ec2(account_id: str, region_name: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region_name]


def _apigw(account_id: str, region_name: str) -> Any:
    from moto.apigateway.models import apigateway_backends

    return apigateway_backends[account_id][region_name]


def _del_igw_attachment(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    if props.get("InternetGatewayId"):
        _ec2(a, r).detach_internet_gateway(props["InternetGatewayId"], props["VpcId"])
    elif props.get("VpnGatewayId"):
        _ec2(a, r).detach_vpn_gateway(props["VpnGatewayId"], props["VpcId"])


def _del_nat_gateway(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    ec2 = _ec2(a, r)
    nat = ec2.delete_nat_gateway(res.id)
    eni = getattr(nat, "_eni", None)
    if eni is not None:  # AWS deletes the NAT gateway's network interface with it
        ec2.enis.pop(eni.id, None)
    for address in ec2.addresses:
        if getattr(address, "eni", None) is eni:
            address.eni = None
            address.association_id = None


def _del_route(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    _ec2(a, r).delete_route(res.route_table.id, res.destination_cidr_block, res.destination_ipv6_cidr_block)


def _del_subnet_association(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    ec2 = _ec2(a, r)
    assoc_id = getattr(res, "association_id", None)
    if assoc_id:
        ec2.disassociate_route_table(assoc_id)
    ec2.subnet_associations.pop(f"{props['RouteTableId']}:{props['SubnetId']}", None)


def _del_vpc_endpoint(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    ec2 = _ec2(a, r)
    ec2.delete_vpc_endpoints([res.id])


def _del_method(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    b = _apigw(a, r)
    b.get_method(props["RestApiId"], props["ResourceId"], props["HttpMethod"])
    b.delete_method(props["RestApiId"], props["ResourceId"], props["HttpMethod"])


def _del_resource(res: Any, props: dict[str, Any], a: str, r: str) -> None:
    b = _apigw(a, r)
    b.get_resource(props["RestApiId"], res.id)
    b.delete_resource(props["RestApiId"], res.id)


LEAK_DELETERS: dict[str, Callable[[Any, dict[str, Any], str, str], None]] = {
    "AWS::EC2::VPCGatewayAttachment": _del_igw_attachment,
    "AWS::EC2::InternetGateway": lambda res, p, a, r: _ec2(a, r).delete_internet_gateway(res.id),
    "AWS::EC2::EIP": lambda res, p, a, r: _ec2(a, r).release_address(allocation_id=res.allocation_id),
    "AWS::EC2::NatGateway": _del_nat_gateway,
    "AWS::EC2::RouteTable": lambda res, p, a, r: _ec2(a, r).delete_route_table(res.id),
    "AWS::EC2::Route": _del_route,
    "AWS::EC2::SubnetRouteTableAssociation": _del_subnet_association,
    "AWS::EC2::VPCEndpoint": _del_vpc_endpoint,
    "AWS::EC2::FlowLog": lambda res, p, a, r: _ec2(a, r).delete_flow_logs([res.id]),
    "AWS::ApiGateway::RestApi": lambda res, p, a, r: _apigw(a, r).delete_rest_api(res.id),
    "AWS::ApiGateway::Resource": _del_resource,
    "AWS::ApiGateway::Method": _del_method,
    "AWS::ApiGateway::Deployment": lambda res, p, a, r: _apigw(a, r).delete_deployment(p["RestApiId"], res.id),
}


def cfn_delete_leaked_resources() -> None:
    """DeleteStack deletes every resource, dependents first, instead of leaking EC2 and API Gateway ones.

    moto has no delete handler for VPCGatewayAttachment, InternetGateway, EIP, NatGateway, RouteTable,
    Route, VPCEndpoint, FlowLog and the API Gateway RestApi/Resource/Method/Deployment, and deletes in
    arbitrary order with retries. This replaces ResourceMap.delete with one pass in reverse dependency
    order (Ref, GetAtt, Sub, DependsOn), using moto's own backend calls. A resource that fails is kept
    in the stack (so a retry can try again), the resources it depends on are skipped, and the whole
    delete raises StackDeleteError naming each failed logical ID.
    """
    from moto.cloudformation.parsing import ResourceMap, clean_json

    def delete(self: Any) -> None:
        jsons = {k: v for k, v in self._resource_json_map.items() if v.get("DeletionPolicy") != "Retain"}
        order = deletion_order(jsons)
        deps = {lid: _template_deps(r, set(jsons)) for lid, r in jsons.items()}
        failures: dict[str, str] = {}
        self.deleted_logical_ids = []
        for lid in order:
            parsed = self._parsed_resources.get(lid)
            if parsed is None or isinstance(parsed, str):
                continue
            blockers = [o for o in jsons if lid in deps[o] and o in self._parsed_resources
                        and not isinstance(self._parsed_resources[o], str) and self._parsed_resources[o] is not None]
            if blockers:
                failures[lid] = f"not deleted: {', '.join(sorted(blockers))} still exist(s) and depend(s) on it"
                continue
            rtype = jsons[lid]["Type"]
            try:
                deleter = LEAK_DELETERS.get(rtype)
                if deleter is not None:
                    props = clean_json(jsons[lid].get("Properties", {}), self)
                    deleter(parsed, props, self._account_id, self._region_name)
                else:
                    self._delete_resource(parsed, jsons[lid])
            except Exception as exc:  # noqa: BLE001 - reported, not swallowed
                failures[lid] = _error_text(exc)
                continue
            self._parsed_resources.pop(lid)
            self.deleted_logical_ids.append(lid)
        if failures:
            raise StackDeleteError(failures)

    ResourceMap.delete = delete


def cfn_subnet_route_table_association() -> None:
    """AWS::EC2::SubnetRouteTableAssociation really associates the subnet with the route table.

    moto only records the pair in a private dict: DescribeRouteTables shows no association and the
    physical ID is the route table's. This uses moto's own AssociateRouteTable and returns the real
    `rtbassoc-` ID.
    """
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.subnets import SubnetRouteTableAssociation

    original = SubnetRouteTableAssociation.create_from_cloudformation_json.__func__

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        assoc = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        props = cloudformation_json["Properties"]
        assoc.association_id = ec2_backends[account_id][region_name].associate_route_table(
            props["RouteTableId"], subnet_id=props["SubnetId"])
        return assoc

    SubnetRouteTableAssociation.create_from_cloudformation_json = classmethod(create)
    SubnetRouteTableAssociation.physical_resource_id = property(
        lambda self: getattr(self, "association_id", None) or self.route_table_id)


# --------------------------------------------------------------------------------------------
# 3b. A failed DeleteStack leaves the stack in DELETE_FAILED with the reason
# --------------------------------------------------------------------------------------------
def cfn_delete_failure_reported() -> None:
    """A DeleteStack that cannot delete everything ends in DELETE_FAILED with a reason.

    moto pops the stack before deleting its resources; when one fails, the error goes back to the
    DeleteStack caller and the stack record vanishes (not even listed as DELETE_COMPLETE), so the
    leaked resources are orphaned. As on AWS, DeleteStack now succeeds as a request, the stack stays
    listed with StackStatus DELETE_FAILED and StackStatusReason naming the resources, and there is a
    DELETE_FAILED event per resource. Deleting again retries the remaining resources.
    """
    from moto.cloudformation.models import CloudFormationBackend, Event, Stack

    original = CloudFormationBackend.delete_stack

    def delete_stack(self: Any, name_or_stack_id: str) -> None:
        stack = self.stacks.get(name_or_stack_id) or next(
            (s for s in self.stacks.values() if s.name == name_or_stack_id), None)
        if stack is None:
            return original(self, name_or_stack_id)
        try:
            original(self, stack.stack_id)
        except Exception as exc:  # noqa: BLE001
            failures = getattr(exc, "failures", None) or {"(stack)": _error_text(exc)}
            self.stacks[stack.stack_id] = stack
            self.deleted_stacks.pop(stack.stack_id, None)
            for lid, why in failures.items():
                res = stack.resource_map._parsed_resources.get(lid)
                stack.events.append(Event(
                    stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=lid,
                    physical_resource_id=getattr(res, "physical_resource_id", None),
                    resource_type=stack.template_dict.get("Resources", {}).get(lid, {}).get("Type", ""),
                    resource_status="DELETE_FAILED", resource_status_reason=why, resource_properties=None))
            reason = "The following resource(s) failed to delete: [" + ", ".join(sorted(failures)) + "]. " + \
                "; ".join(f"{k}: {v}" for k, v in failures.items())
            stack.status = "DELETE_FAILED"
            stack.stack_status_reason = reason
            stack._add_stack_event("DELETE_FAILED", resource_status_reason=reason)

    CloudFormationBackend.delete_stack = delete_stack
    if not hasattr(Stack, "stack_status_reason"):
        Stack.stack_status_reason = None
