"""verify.py's checks of the network resources (EC2: VPC, subnets, gateways, EIP, NAT, routes, security groups,
endpoints, flow logs), each through EC2's own API."""
from __future__ import annotations

from typing import Any, Callable

from verify_resolver import UNRESOLVED, Ctx, _bool, _sorted


def chk_vpc(x: Ctx) -> None:
    ec2 = x.c("ec2")
    v = ec2.describe_vpcs(VpcIds=[x.pid])["Vpcs"][0]
    x.expect("CidrBlock", v["CidrBlock"], x.p("CidrBlock"))
    x.expect("State", v["State"], "available")
    for prop, attr, key in (("EnableDnsHostnames", "enableDnsHostnames", "EnableDnsHostnames"),
                            ("EnableDnsSupport", "enableDnsSupport", "EnableDnsSupport")):
        if prop in x.props:
            val = ec2.describe_vpc_attribute(VpcId=x.pid, Attribute=attr)[key]["Value"]
            x.expect(prop, val, _bool(x.p(prop)))


def chk_subnet(x: Ctx) -> None:
    s = x.c("ec2").describe_subnets(SubnetIds=[x.pid])["Subnets"][0]
    x.expect("VpcId", s["VpcId"], x.p("VpcId"))
    x.expect("CidrBlock", s["CidrBlock"], x.p("CidrBlock"))
    x.expect("AvailabilityZone", s["AvailabilityZone"], x.p("AvailabilityZone"))
    if "MapPublicIpOnLaunch" in x.props:
        x.expect("MapPublicIpOnLaunch", s["MapPublicIpOnLaunch"], _bool(x.p("MapPublicIpOnLaunch")))


def chk_igw(x: Ctx) -> None:
    x.c("ec2").describe_internet_gateways(InternetGatewayIds=[x.pid])["InternetGateways"][0]


def chk_igw_attachment(x: Ctx) -> None:
    igw_id, vpc_id = x.p("InternetGatewayId", None), x.p("VpcId")
    if igw_id in (None, UNRESOLVED):
        x.fail("only InternetGatewayId attachments are checked")
        return
    igw = x.c("ec2").describe_internet_gateways(InternetGatewayIds=[igw_id])["InternetGateways"][0]
    attached = [a["VpcId"] for a in igw.get("Attachments", []) if a.get("State") in ("available", "attached")]
    x.expect("AttachedVpcs", attached, [vpc_id] if vpc_id is not UNRESOLVED else UNRESOLVED)


def chk_eip(x: Ctx) -> None:
    a = x.c("ec2").describe_addresses(PublicIps=[x.pid])["Addresses"][0]
    x.expect("Domain", a.get("Domain"), x.p("Domain"))
    x.facts["AllocationId"] = a.get("AllocationId")


def chk_nat(x: Ctx) -> None:
    n = x.c("ec2").describe_nat_gateways(NatGatewayIds=[x.pid])["NatGateways"][0]
    x.expect("State", n["State"], "available")
    x.expect("SubnetId", n["SubnetId"], x.p("SubnetId"))
    x.expect("AllocationId", [a.get("AllocationId") for a in n.get("NatGatewayAddresses", [])],
             [x.p("AllocationId")] if x.p("AllocationId") is not UNRESOLVED else UNRESOLVED)


def chk_route_table(x: Ctx) -> None:
    rt = x.c("ec2").describe_route_tables(RouteTableIds=[x.pid])["RouteTables"][0]
    x.expect("VpcId", rt["VpcId"], x.p("VpcId"))


def chk_route(x: Ctx) -> None:
    rt_id = x.p("RouteTableId")
    rt = x.c("ec2").describe_route_tables(RouteTableIds=[rt_id])["RouteTables"][0]
    dest = x.p("DestinationCidrBlock")
    match = [r for r in rt["Routes"] if r.get("DestinationCidrBlock") == dest]
    if not match:
        x.fail(f"route table {rt_id} has no route to {dest}")
        return
    for prop in ("GatewayId", "NatGatewayId", "VpcEndpointId", "NetworkInterfaceId", "TransitGatewayId"):
        if prop in x.props:
            x.expect(prop, match[0].get(prop), x.p(prop))


def chk_subnet_assoc(x: Ctx) -> None:
    rt_id, subnet = x.p("RouteTableId"), x.p("SubnetId")
    rt = x.c("ec2").describe_route_tables(RouteTableIds=[rt_id])["RouteTables"][0]
    subnets = [a.get("SubnetId") for a in rt.get("Associations", []) if a.get("SubnetId")]
    x.facts["AssociatedSubnets"] = subnets
    if subnet not in subnets:
        x.fail(f"route table {rt_id} is not associated with subnet {subnet}")


def _rule_key(rule: dict[str, Any]) -> tuple:
    return (str(rule.get("IpProtocol")), int(rule.get("FromPort", -1)), int(rule.get("ToPort", -1)))


def _sg_rules(perms: list[dict[str, Any]]) -> set[tuple]:
    out = set()
    for p in perms:
        base = (str(p.get("IpProtocol")), int(p.get("FromPort", -1)), int(p.get("ToPort", -1)))
        for r in p.get("IpRanges", []):
            out.add(base + (r["CidrIp"],))
        for r in p.get("UserIdGroupPairs", []):
            out.add(base + (r["GroupId"],))
        for r in p.get("PrefixListIds", []):
            out.add(base + (r["PrefixListId"],))
    return out


def _template_rule(rule: dict[str, Any]) -> tuple:
    src = rule.get("CidrIp") or rule.get("SourceSecurityGroupId") or rule.get("DestinationSecurityGroupId") \
        or rule.get("SourcePrefixListId") or rule.get("DestinationPrefixListId")
    proto = str(rule.get("IpProtocol"))
    if proto == "-1":
        return (proto, -1, -1, src)
    return (proto, int(rule.get("FromPort", -1)), int(rule.get("ToPort", -1)), src)


def chk_sg(x: Ctx) -> None:
    g = x.c("ec2").describe_security_groups(GroupIds=[x.pid])["SecurityGroups"][0]
    x.expect("VpcId", g.get("VpcId"), x.p("VpcId"))
    for prop, key in (("SecurityGroupIngress", "IpPermissions"), ("SecurityGroupEgress", "IpPermissionsEgress")):
        want = x.p(prop, [])
        if want is UNRESOLVED:
            continue
        have = _sg_rules(g.get(key, []))
        for rule in want:
            if _template_rule(rule) not in have:
                x.fail(f"{prop}: rule {_template_rule(rule)} not found in {sorted(have)}")
        x.facts[prop] = sorted(have)


def chk_sg_rule(x: Ctx) -> None:
    g = x.c("ec2").describe_security_groups(GroupIds=[x.p("GroupId")])["SecurityGroups"][0]
    key = "IpPermissions" if x.rtype.endswith("Ingress") else "IpPermissionsEgress"
    rule = _template_rule({k: x.r(v) for k, v in x.props.items()})
    if rule not in _sg_rules(g.get(key, [])):
        x.fail(f"rule {rule} not found on {g['GroupId']}")


def chk_vpce(x: Ctx) -> None:
    e = x.c("ec2").describe_vpc_endpoints(VpcEndpointIds=[x.pid])["VpcEndpoints"][0]
    x.expect("State", e["State"].lower(), "available")
    x.expect("VpcId", e["VpcId"], x.p("VpcId"))
    x.expect("ServiceName", e["ServiceName"], x.p("ServiceName"))
    x.expect("VpcEndpointType", e.get("VpcEndpointType", "").lower(), x.p("VpcEndpointType", "Gateway").lower()
             if x.p("VpcEndpointType", "Gateway") is not UNRESOLVED else UNRESOLVED)
    if "SubnetIds" in x.props:
        x.expect("SubnetIds", e.get("SubnetIds", []), x.p("SubnetIds"), _sorted)
    if "SecurityGroupIds" in x.props:
        x.expect("SecurityGroupIds", [g["GroupId"] for g in e.get("Groups", [])], x.p("SecurityGroupIds"), _sorted)
    if "PrivateDnsEnabled" in x.props:
        x.expect("PrivateDnsEnabled", e.get("PrivateDnsEnabled"), _bool(x.p("PrivateDnsEnabled")))
    if "RouteTableIds" in x.props:
        x.expect("RouteTableIds", e.get("RouteTableIds", []), x.p("RouteTableIds"), _sorted)


def chk_flow_log(x: Ctx) -> None:
    f = x.c("ec2").describe_flow_logs(FlowLogIds=[x.pid])["FlowLogs"][0]
    x.expect("ResourceId", f["ResourceId"], x.p("ResourceId"))
    x.expect("TrafficType", f["TrafficType"], x.p("TrafficType"))
    if "LogGroupName" in x.props:
        x.expect("LogGroupName", f.get("LogGroupName"), x.p("LogGroupName"))
    if "LogDestination" in x.props:
        x.expect("LogDestination", f.get("LogDestination"), x.p("LogDestination"))
    if "DeliverLogsPermissionArn" in x.props:
        x.expect("DeliverLogsPermissionArn", f.get("DeliverLogsPermissionArn"), x.p("DeliverLogsPermissionArn"))


CHECKERS: dict[str, Callable[[Ctx], None]] = {
    "AWS::EC2::VPC": chk_vpc,
    "AWS::EC2::Subnet": chk_subnet,
    "AWS::EC2::InternetGateway": chk_igw,
    "AWS::EC2::VPCGatewayAttachment": chk_igw_attachment,
    "AWS::EC2::EIP": chk_eip,
    "AWS::EC2::NatGateway": chk_nat,
    "AWS::EC2::RouteTable": chk_route_table,
    "AWS::EC2::Route": chk_route,
    "AWS::EC2::SubnetRouteTableAssociation": chk_subnet_assoc,
    "AWS::EC2::SecurityGroup": chk_sg,
    "AWS::EC2::SecurityGroupIngress": chk_sg_rule,
    "AWS::EC2::SecurityGroupEgress": chk_sg_rule,
    "AWS::EC2::VPCEndpoint": chk_vpce,
    "AWS::EC2::FlowLog": chk_flow_log,
}
