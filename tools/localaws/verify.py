#!/usr/bin/env python3
"""Check a CloudFormation stack's resources through each resource's own service API.

    verify.py STACK [--snapshot FILE] [--json] [--env-file F]     # after create/update
    verify.py STACK --expect-gone [--snapshot FILE] [--json]       # after delete

Present mode: every resource of the template must be listed by DescribeStackResources and be
visible through its own service (EC2, IAM, Lambda, API Gateway, SageMaker, Logs, KMS, Scheduler,
CloudWatch, SNS, Application Auto Scaling), with the key properties the template sets (CIDRs, AZs,
instance type, runtime, environment, API key required, throttle/quota, stage name, schedule
expression and target, alarm metric/dimensions/actions, capacities ...). A resource whose Condition
is false under the stack's parameters (Paused=true) must be absent: not listed, and nothing left in
its service. `--snapshot` writes what was found, for the gone check.
Gone mode: the stack is gone, every resource recorded in the snapshot is gone, and nothing tagged
`aws:cloudformation:stack-name=STACK` or `slmstack:stack=STACK`, or named `STACK-...` (also alarms,
schedules, topics, scalable targets of `endpoint/STACK-...`), remains.

Credentials and endpoint come from the environment (source the localaws env file) or --env-file.
Exit 0 when every check passes, 1 otherwise. From Python: `verify_stack(...)`, `verify_gone(...)`.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import boto3
from botocore.exceptions import BotoCoreError, ClientError

STACK_TAG_KEYS = ("aws:cloudformation:stack-name", "slmstack:stack")
UNRESOLVED = object()  # a template value the verifier cannot evaluate (compared only when known)


@dataclass
class Check:
    logical_id: str
    resource_type: str
    physical_id: str | None
    ok: bool
    problems: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    stack: str
    mode: str
    checks: list[Check] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # stack-level problems
    snapshot: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and all(c.ok for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "mode": self.mode, "ok": self.ok, "problems": self.problems,
                "checks": [c.__dict__ for c in self.checks]}

    def to_text(self) -> str:
        lines = [f"{'OK  ' if self.ok else 'FAIL'} stack {self.stack} ({self.mode}): "
                 f"{sum(c.ok for c in self.checks)}/{len(self.checks)} checks passed"]
        for p in self.problems:
            lines.append(f"  FAIL {p}")
        for c in self.checks:
            head = f"  {'ok  ' if c.ok else 'FAIL'} {c.logical_id:28} {c.resource_type:42} {c.physical_id or '-'}"
            lines.append(head)
            for p in c.problems:
                lines.append(f"         - {p}")
        return "\n".join(lines)


class Clients:
    """boto3 clients from one session, created on first use."""

    def __init__(self, session: boto3.Session | None = None) -> None:
        self.session = session or boto3.Session()
        self._c: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._c:
            self._c[service] = self.session.client(service)
        return self._c[service]


def _missing(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status == 404 or any(w in code for w in ("NotFound", "NoSuch", "Invalid", "ValidationError", "ValidationException"))


# ------------------------------------------------------------------------------ template values
class Resolver:
    """Evaluates the intrinsic functions the verifier needs (Ref, Sub, Select, GetAZs, Join, some GetAtt)."""

    def __init__(self, c: Clients, stack: dict[str, Any], template: dict[str, Any], physical: dict[str, str | None]):
        self.c, self.template, self.physical = c, template, physical
        region = c.session.region_name or c("cloudformation").meta.region_name
        arn = stack["StackId"].split(":")
        params = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters", [])}
        for k, spec in (template.get("Parameters") or {}).items():
            params.setdefault(k, spec.get("Default"))
        self.refs: dict[str, Any] = {**params, "AWS::Region": region, "AWS::AccountId": arn[4],
                                     "AWS::StackName": stack["StackName"], "AWS::StackId": stack["StackId"],
                                     "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
        self._azs: list[str] | None = None
        self._getatt: dict[tuple[str, str], Any] = {}
        self._conds: dict[str, Any] = {}

    def condition(self, name: str) -> Any:
        """A template condition under the stack's parameter values: True, False or UNRESOLVED."""
        conds = self.template.get("Conditions") or {}
        if name not in conds:
            return UNRESOLVED
        if name not in self._conds:
            self._conds[name] = UNRESOLVED  # a cycle stays unresolved
            self._conds[name] = self._condition(conds[name])
        return self._conds[name]

    def _condition(self, node: Any) -> Any:
        if isinstance(node, bool):
            return node
        if not (isinstance(node, dict) and len(node) == 1):
            return UNRESOLVED
        (k, v), = node.items()
        if k == "Condition":
            return self.condition(v)
        if k == "Fn::Equals":
            a, b = self(v[0]), self(v[1])
            if a is UNRESOLVED or b is UNRESOLVED:
                return UNRESOLVED
            text = lambda x: str(x).lower() if isinstance(x, bool) else str(x)  # noqa: E731
            return text(a) == text(b)
        parts = [self._condition(x) for x in (v if isinstance(v, list) else [v])]
        if any(x is UNRESOLVED for x in parts):
            return UNRESOLVED
        if k == "Fn::Not":
            return not parts[0]
        if k == "Fn::And":
            return all(parts)
        if k == "Fn::Or":
            return any(parts)
        return UNRESOLVED

    def azs(self) -> list[str]:
        if self._azs is None:
            zones = self.c("ec2").describe_availability_zones()["AvailabilityZones"]
            self._azs = sorted(z["ZoneName"] for z in zones)
        return self._azs

    def ref(self, name: str) -> Any:
        if name in self.refs:
            return self.refs[name]
        if name in self.physical and self.physical[name] is not None:
            rtype = self.template["Resources"][name]["Type"]
            pid = self.physical[name]
            if rtype.startswith("AWS::SageMaker::"):
                return pid  # Ref is the ARN
            return pid
        return UNRESOLVED

    def getatt(self, lid: str, attr: str) -> Any:
        key = (lid, attr)
        if key not in self._getatt:
            try:
                self._getatt[key] = self._getatt_uncached(lid, attr)
            except ClientError:
                self._getatt[key] = UNRESOLVED
        return self._getatt[key]

    def _getatt_uncached(self, lid: str, attr: str) -> Any:
        pid = self.physical.get(lid)
        rtype = (self.template.get("Resources", {}).get(lid) or {}).get("Type")
        if pid is None or rtype is None:
            return UNRESOLVED
        c = self.c
        table: dict[tuple[str, str], Callable[[], Any]] = {
            ("AWS::IAM::Role", "Arn"): lambda: c("iam").get_role(RoleName=pid)["Role"]["Arn"],
            ("AWS::Lambda::Function", "Arn"): lambda: c("lambda").get_function_configuration(FunctionName=pid)["FunctionArn"],
            ("AWS::Logs::LogGroup", "Arn"): lambda: _log_group(c, pid)["arn"],
            ("AWS::KMS::Key", "Arn"): lambda: c("kms").describe_key(KeyId=pid)["KeyMetadata"]["Arn"],
            ("AWS::KMS::Key", "KeyId"): lambda: pid,
            ("AWS::EC2::EIP", "AllocationId"): lambda: c("ec2").describe_addresses(PublicIps=[pid])["Addresses"][0]["AllocationId"],
            ("AWS::EC2::SecurityGroup", "GroupId"): lambda: pid,
            ("AWS::EC2::VPC", "CidrBlock"): lambda: c("ec2").describe_vpcs(VpcIds=[pid])["Vpcs"][0]["CidrBlock"],
            ("AWS::ApiGateway::RestApi", "RootResourceId"): lambda: c("apigateway").get_rest_api(restApiId=pid)["rootResourceId"],
            ("AWS::ApiGateway::ApiKey", "APIKeyId"): lambda: pid,
            ("AWS::SageMaker::Endpoint", "EndpointName"): lambda: pid.split("/")[-1],
            ("AWS::SageMaker::EndpointConfig", "EndpointConfigName"): lambda: pid.split("/")[-1],
            ("AWS::SageMaker::Model", "ModelName"): lambda: pid.split("/")[-1],
            ("AWS::Scheduler::Schedule", "Arn"): lambda: c("scheduler").get_schedule(Name=pid)["Arn"],
            ("AWS::SQS::Queue", "Arn"): lambda: c("sqs").get_queue_attributes(QueueUrl=pid, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"],
            ("AWS::CloudWatch::Alarm", "Arn"): lambda: c("cloudwatch").describe_alarms(AlarmNames=[pid])["MetricAlarms"][0]["AlarmArn"],
            ("AWS::SNS::Topic", "TopicName"): lambda: pid.split(":")[-1],
            ("AWS::SNS::Topic", "TopicArn"): lambda: pid,
            ("AWS::SNS::Subscription", "Arn"): lambda: pid,
            ("AWS::ApplicationAutoScaling::ScalableTarget", "Id"): lambda: pid,
            ("AWS::ApplicationAutoScaling::ScalingPolicy", "Arn"): lambda: pid,
        }
        fn = table.get((rtype, attr))
        return fn() if fn else UNRESOLVED

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            out = [self(x) for x in node]
            return UNRESOLVED if any(x is UNRESOLVED for x in out) else [x for x in out if x is not _NOVALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (k, v), = node.items()
            if k == "Ref":
                return _NOVALUE if v == "AWS::NoValue" else self.ref(v)
            if k == "Fn::GetAtt":
                lid, attr = (v if isinstance(v, list) else v.split(".", 1))
                return self.getatt(lid, attr)
            if k == "Fn::GetAZs":
                return self.azs()
            if k == "Fn::If":
                cond = self.condition(v[0])
                return UNRESOLVED if cond is UNRESOLVED else self(v[1] if cond else v[2])
            if k == "Fn::Select":
                idx, seq = self(v[0]), self(v[1])
                return UNRESOLVED if UNRESOLVED in (idx, seq) else seq[int(idx)]
            if k == "Fn::Join":
                parts = self(v[1])
                return UNRESOLVED if parts is UNRESOLVED else v[0].join(str(p) for p in parts)
            if k == "Fn::Split":
                s = self(v[1])
                return UNRESOLVED if s is UNRESOLVED else s.split(v[0])
            if k == "Fn::Sub":
                tpl, extra = (v[0], v[1]) if isinstance(v, list) else (v, {})
                values = {n: self(x) for n, x in extra.items()}

                def sub(m: re.Match) -> str:
                    name = m.group(1)
                    if name.startswith("!"):
                        return "${" + name[1:] + "}"
                    val = values[name] if name in values else (
                        self.getatt(*name.split(".", 1)) if "." in name and not name.startswith("AWS::") else self.ref(name))
                    if val is UNRESOLVED:
                        raise _Unresolved()
                    return str(val)
                try:
                    return re.sub(r"\$\{([^}]+)\}", sub, tpl)
                except _Unresolved:
                    return UNRESOLVED
            if k.startswith("Fn::") or k == "Condition":
                return UNRESOLVED
        out = {k: self(v) for k, v in node.items()}
        return {k: v for k, v in out.items() if v is not _NOVALUE}


class _Unresolved(Exception):
    pass


_NOVALUE = object()


def _log_group(c: Clients, name: str) -> dict[str, Any]:
    groups = c("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    for g in groups:
        if g["logGroupName"] == name:
            return g
    raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": f"log group {name}"}}, "DescribeLogGroups")


# ------------------------------------------------------------------------------ per-type checks
class Ctx:
    def __init__(self, c: Clients, r: Resolver, lid: str, rtype: str, pid: str | None, props: dict[str, Any]):
        self.c, self.r, self.lid, self.rtype, self.pid, self.props = c, r, lid, rtype, pid, props
        self.problems: list[str] = []
        self.facts: dict[str, Any] = {}

    def p(self, name: str, default: Any = UNRESOLVED) -> Any:
        """A template property, resolved (UNRESOLVED when absent or not evaluable)."""
        if name not in self.props:
            return default
        return self.r(self.props[name])

    def expect(self, what: str, actual: Any, expected: Any, norm: Callable[[Any], Any] = lambda x: x) -> None:
        self.facts[what] = actual
        if expected is UNRESOLVED:
            return
        if norm(actual) != norm(expected):
            self.problems.append(f"{what}: expected {expected!r}, found {actual!r}")

    def fail(self, msg: str) -> None:
        self.problems.append(msg)


def _sorted(x: Any) -> Any:
    return sorted(x) if isinstance(x, list) else x


def _bool(x: Any) -> Any:
    return str(x).lower() == "true" if x is not None and x is not UNRESOLVED else x


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


def _principals(doc: Any) -> list[str]:
    if isinstance(doc, str):
        doc = json.loads(doc)
    out: list[str] = []
    for st in doc.get("Statement", []):
        svc = (st.get("Principal") or {}).get("Service", [])
        out += [svc] if isinstance(svc, str) else list(svc)
    return sorted(out)


def chk_role(x: Ctx) -> None:
    iam = x.c("iam")
    role = iam.get_role(RoleName=x.pid)["Role"]
    want = x.p("AssumeRolePolicyDocument")
    x.expect("TrustedServices", _principals(role["AssumeRolePolicyDocument"]),
             _principals(want) if want is not UNRESOLVED else UNRESOLVED)
    pols = x.p("Policies", [])
    if pols is not UNRESOLVED:
        x.expect("InlinePolicies", iam.list_role_policies(RoleName=x.pid)["PolicyNames"],
                 [p["PolicyName"] for p in pols], _sorted)
    managed = x.p("ManagedPolicyArns", [])
    if managed is not UNRESOLVED:
        have = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=x.pid)["AttachedPolicies"]]
        x.expect("ManagedPolicyArns", have, managed, _sorted)


def chk_lambda(x: Ctx) -> None:
    f = x.c("lambda").get_function_configuration(FunctionName=x.pid)
    for prop in ("Runtime", "Handler", "Timeout", "MemorySize"):
        if prop in x.props:
            x.expect(prop, f.get(prop), x.p(prop), lambda v: str(v))
    x.expect("Role", f.get("Role"), x.p("Role"))
    env = x.p("Environment", {"Variables": {}})
    x.expect("Environment", (f.get("Environment") or {}).get("Variables", {}),
             env.get("Variables", {}) if env is not UNRESOLVED else UNRESOLVED)
    if "VpcConfig" in x.props:
        vc, want = f.get("VpcConfig") or {}, x.p("VpcConfig")
        if want is not UNRESOLVED:
            x.expect("VpcConfig.SubnetIds", vc.get("SubnetIds", []), want.get("SubnetIds", []), _sorted)
            x.expect("VpcConfig.SecurityGroupIds", vc.get("SecurityGroupIds", []), want.get("SecurityGroupIds", []), _sorted)
    if "LoggingConfig" in x.props:
        want = x.p("LoggingConfig")
        have = f.get("LoggingConfig") or {}
        if want is not UNRESOLVED:
            x.expect("LoggingConfig", {k: have.get(k) for k in want}, want)


def chk_permission(x: Ctx) -> None:
    fn = x.p("FunctionName")
    pol = json.loads(x.c("lambda").get_policy(FunctionName=fn)["Policy"])
    principal, source = x.p("Principal"), x.p("SourceArn", None)

    def matches(st: dict[str, Any]) -> bool:
        p = st.get("Principal")
        p = p.get("Service") if isinstance(p, dict) else p
        src = (((st.get("Condition") or {}).get("ArnLike") or {}).get("AWS:SourceArn"))
        return p == principal and (source in (None, UNRESOLVED) or src == source) and \
            (x.pid is None or st.get("Sid") == x.pid)
    found = [st for st in pol.get("Statement", []) if matches(st)]
    x.facts["Statements"] = len(pol.get("Statement", []))
    if not found:
        x.fail(f"no policy statement on {fn} for {principal} with SourceArn {source}")


def chk_log_group(x: Ctx) -> None:
    g = _log_group(x.c, x.pid)
    if "RetentionInDays" in x.props:
        x.expect("RetentionInDays", g.get("retentionInDays"), x.p("RetentionInDays"), lambda v: str(v))
    if "KmsKeyId" in x.props:
        x.expect("KmsKeyId", g.get("kmsKeyId"), x.p("KmsKeyId"))


def chk_kms_key(x: Ctx) -> None:
    kms = x.c("kms")
    k = kms.describe_key(KeyId=x.pid)["KeyMetadata"]
    x.expect("KeyState", k["KeyState"], "Enabled" if _bool(x.p("Enabled", True)) in (True, None) or x.p("Enabled", True) is True else "Disabled")
    if "EnableKeyRotation" in x.props:
        x.expect("KeyRotationEnabled", kms.get_key_rotation_status(KeyId=x.pid)["KeyRotationEnabled"],
                 _bool(x.p("EnableKeyRotation")))
    if "KeyPolicy" in x.props:
        pol = kms.get_key_policy(KeyId=x.pid, PolicyName="default")["Policy"]
        want = x.p("KeyPolicy")
        if want is not UNRESOLVED:
            x.expect("KeyPolicy", json.loads(pol) if isinstance(pol, str) else pol,
                     want if isinstance(want, dict) else json.loads(want))


def chk_kms_alias(x: Ctx) -> None:
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in x.c("kms").list_aliases()["Aliases"]}
    name = x.p("AliasName")
    if name not in aliases:
        x.fail(f"alias {name} not found")


def chk_rest_api(x: Ctx) -> None:
    a = x.c("apigateway").get_rest_api(restApiId=x.pid)
    x.expect("Name", a["name"], x.p("Name"))
    ec = x.p("EndpointConfiguration", None)
    if ec not in (None, UNRESOLVED):
        x.expect("EndpointTypes", a.get("endpointConfiguration", {}).get("types"), ec.get("Types"))
    x.expect("ApiKeySourceType", a.get("apiKeySource"), x.p("ApiKeySourceType", "HEADER"))


def chk_resource(x: Ctx) -> None:
    api = x.p("RestApiId")
    r = x.c("apigateway").get_resource(restApiId=api, resourceId=x.pid)
    x.expect("PathPart", r.get("pathPart"), x.p("PathPart"))
    x.expect("ParentId", r.get("parentId"), x.p("ParentId"))
    x.facts["Path"] = r.get("path")


def chk_method(x: Ctx) -> None:
    api, res, verb = x.p("RestApiId"), x.p("ResourceId"), x.p("HttpMethod")
    m = x.c("apigateway").get_method(restApiId=api, resourceId=res, httpMethod=verb)
    x.expect("ApiKeyRequired", bool(m.get("apiKeyRequired")), _bool(x.p("ApiKeyRequired", False)))
    x.expect("AuthorizationType", m.get("authorizationType"), x.p("AuthorizationType"))
    if "AuthorizerId" in x.props:
        x.expect("AuthorizerId", m.get("authorizerId"), x.p("AuthorizerId"))
    integ, want = m.get("methodIntegration") or {}, x.p("Integration", None)
    if want not in (None, UNRESOLVED):
        x.expect("Integration.Type", integ.get("type"), want.get("Type"))
        if "Uri" in want:
            x.expect("Integration.Uri", integ.get("uri"), want["Uri"])
        if "IntegrationHttpMethod" in want:
            x.expect("Integration.HttpMethod", integ.get("httpMethod"), want["IntegrationHttpMethod"])


def chk_authorizer(x: Ctx) -> None:
    a = x.c("apigateway").get_authorizer(restApiId=x.p("RestApiId"), authorizerId=x.pid)
    x.expect("Type", a.get("type"), x.p("Type"))
    x.expect("AuthorizerUri", a.get("authorizerUri"), x.p("AuthorizerUri"))
    x.expect("AuthorizerResultTtlInSeconds", a.get("authorizerResultTtlInSeconds"), x.p("AuthorizerResultTtlInSeconds", 300), int)
    x.expect("IdentitySource", a.get("identitySource") or None, x.p("IdentitySource", None))


def chk_gateway_response(x: Ctx) -> None:
    g = x.c("apigateway").get_gateway_response(restApiId=x.p("RestApiId"), responseType=x.p("ResponseType"))
    if "StatusCode" in x.props:
        x.expect("StatusCode", g.get("statusCode"), x.p("StatusCode"), str)
    x.expect("ResponseTemplates", g.get("responseTemplates") or {}, x.p("ResponseTemplates", {}))
    x.expect("ResponseParameters", g.get("responseParameters") or {}, x.p("ResponseParameters", {}))


def chk_deployment(x: Ctx) -> None:
    x.c("apigateway").get_deployment(restApiId=x.p("RestApiId"), deploymentId=x.pid)


def chk_stage(x: Ctx) -> None:
    s = x.c("apigateway").get_stage(restApiId=x.p("RestApiId"), stageName=x.pid)
    x.expect("StageName", s["stageName"], x.p("StageName", x.pid))
    x.expect("DeploymentId", s.get("deploymentId"), x.p("DeploymentId"))
    als = x.p("AccessLogSetting", None)
    if als not in (None, UNRESOLVED):
        have = s.get("accessLogSettings") or {}
        x.expect("AccessLogSetting.DestinationArn", have.get("destinationArn"), als.get("DestinationArn"))
        if "Format" in als:
            x.expect("AccessLogSetting.Format", have.get("format"), als["Format"])
    if "Variables" in x.props:
        x.expect("Variables", s.get("variables") or {}, x.p("Variables"))


def chk_api_key(x: Ctx) -> None:
    k = x.c("apigateway").get_api_key(apiKey=x.pid)
    x.expect("Enabled", k.get("enabled"), _bool(x.p("Enabled", False)))
    if "Name" in x.props:
        x.expect("Name", k.get("name"), x.p("Name"))


def chk_usage_plan(x: Ctx) -> None:
    u = x.c("apigateway").get_usage_plan(usagePlanId=x.pid)
    t, q = x.p("Throttle", {}), x.p("Quota", {})
    if t is not UNRESOLVED:
        x.expect("Throttle", {k: v for k, v in (u.get("throttle") or {}).items()},
                 {**({"rateLimit": float(t["RateLimit"])} if "RateLimit" in t else {}),
                  **({"burstLimit": int(t["BurstLimit"])} if "BurstLimit" in t else {})})
    if q is not UNRESOLVED:
        x.expect("Quota", {k: v for k, v in (u.get("quota") or {}).items() if k in ("limit", "period", "offset")},
                 {**({"limit": int(q["Limit"])} if "Limit" in q else {}),
                  **({"period": q["Period"]} if "Period" in q else {}),
                  **({"offset": int(q["Offset"])} if "Offset" in q else {})})
    stages = x.p("ApiStages", [])
    if stages is not UNRESOLVED:
        x.expect("ApiStages", sorted((s["apiId"], s["stage"]) for s in u.get("apiStages", [])),
                 sorted((s["ApiId"], s["Stage"]) for s in stages))


def chk_usage_plan_key(x: Ctx) -> None:
    k = x.c("apigateway").get_usage_plan_key(usagePlanId=x.p("UsagePlanId"), keyId=x.p("KeyId"))
    x.expect("KeyType", k.get("type"), x.p("KeyType"))


def chk_apigw_account(x: Ctx) -> None:
    a = x.c("apigateway").get_account()
    x.expect("CloudWatchRoleArn", a.get("cloudwatchRoleArn"), x.p("CloudWatchRoleArn"))


def chk_sm_model(x: Ctx) -> None:
    m = x.c("sagemaker").describe_model(ModelName=x.pid.split("/")[-1])
    x.expect("ExecutionRoleArn", m.get("ExecutionRoleArn"), x.p("ExecutionRoleArn"))
    pc = x.p("PrimaryContainer", None)
    if pc not in (None, UNRESOLVED):
        have = m.get("PrimaryContainer") or {}
        x.expect("PrimaryContainer.Image", have.get("Image"), pc.get("Image"))
        if "Environment" in pc:
            x.expect("PrimaryContainer.Environment", have.get("Environment") or {}, pc["Environment"])
    vc = x.p("VpcConfig", None)
    if vc not in (None, UNRESOLVED):
        have = m.get("VpcConfig") or {}
        x.expect("VpcConfig.Subnets", have.get("Subnets", []), vc.get("Subnets", []), _sorted)
        x.expect("VpcConfig.SecurityGroupIds", have.get("SecurityGroupIds", []), vc.get("SecurityGroupIds", []), _sorted)


def chk_sm_endpoint_config(x: Ctx) -> None:
    ec = x.c("sagemaker").describe_endpoint_config(EndpointConfigName=x.pid.split("/")[-1])
    want = x.p("ProductionVariants")
    have = ec.get("ProductionVariants", [])
    if want is UNRESOLVED:
        return
    key = ("VariantName", "ModelName", "InstanceType", "InitialInstanceCount")
    x.expect("ProductionVariants", [{k: str(v.get(k)) for k in key} for v in have],
             [{k: str(v.get(k)) for k in key} for v in want])


def chk_sm_endpoint(x: Ctx) -> None:
    e = x.c("sagemaker").describe_endpoint(EndpointName=x.pid.split("/")[-1])
    x.expect("EndpointStatus", e["EndpointStatus"], "InService")
    x.expect("EndpointConfigName", e["EndpointConfigName"], x.p("EndpointConfigName"))


def _num(kind: type) -> Callable[[Any], Any]:
    def norm(v: Any) -> Any:
        try:
            return kind(v)
        except (TypeError, ValueError):
            return v
    return norm


def chk_schedule(x: Ctx) -> None:
    group = x.p("GroupName", None)
    s = x.c("scheduler").get_schedule(Name=x.pid, **({"GroupName": group} if group not in (None, UNRESOLVED) else {}))
    x.expect("ScheduleExpression", s.get("ScheduleExpression"), x.p("ScheduleExpression"))
    x.expect("ScheduleExpressionTimezone", s.get("ScheduleExpressionTimezone"), x.p("ScheduleExpressionTimezone", "UTC"))
    x.expect("State", s.get("State"), x.p("State", "ENABLED"))
    for prop in ("Description", "KmsKeyArn"):
        if prop in x.props:
            x.expect(prop, s.get(prop), x.p(prop))
    ftw = x.p("FlexibleTimeWindow", None)
    if ftw not in (None, UNRESOLVED):
        x.expect("FlexibleTimeWindow.Mode", (s.get("FlexibleTimeWindow") or {}).get("Mode"), ftw.get("Mode"))
    target, want = s.get("Target") or {}, x.p("Target", None)
    if want not in (None, UNRESOLVED):
        for key in ("Arn", "RoleArn", "Input"):
            if key in want:
                x.expect(f"Target.{key}", target.get(key), want[key])
        for key, val in (want.get("RetryPolicy") or {}).items():
            x.expect(f"Target.RetryPolicy.{key}", (target.get("RetryPolicy") or {}).get(key), val, _num(int))
        if "DeadLetterConfig" in want:
            x.expect("Target.DeadLetterConfig.Arn", (target.get("DeadLetterConfig") or {}).get("Arn"), want["DeadLetterConfig"].get("Arn"))


def chk_queue(x: Ctx) -> None:
    attrs = x.c("sqs").get_queue_attributes(QueueUrl=x.pid, AttributeNames=["All"])["Attributes"]
    if "SqsManagedSseEnabled" in x.props:
        x.expect("SqsManagedSseEnabled", attrs.get("SqsManagedSseEnabled", "false").lower(), str(x.p("SqsManagedSseEnabled")).lower())
    if "MessageRetentionPeriod" in x.props:
        x.expect("MessageRetentionPeriod", attrs.get("MessageRetentionPeriod"), x.p("MessageRetentionPeriod"), _num(int))


def chk_alarm(x: Ctx) -> None:
    cw = x.c("cloudwatch")
    found = cw.describe_alarms(AlarmNames=[x.pid])["MetricAlarms"]
    if not found:
        x.fail(f"alarm {x.pid} not found")
        return
    a = found[0]
    for prop in ("Namespace", "MetricName", "Statistic", "ExtendedStatistic", "ComparisonOperator", "TreatMissingData",
                 "AlarmDescription", "Unit", "EvaluateLowSampleCountPercentile"):
        if prop in x.props:
            x.expect(prop, a.get(prop), x.p(prop))
    for prop in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if prop in x.props:
            x.expect(prop, a.get(prop), x.p(prop), _num(int))
    if "Threshold" in x.props:
        x.expect("Threshold", a.get("Threshold"), x.p("Threshold"), _num(float))
    dims = x.p("Dimensions", [])
    x.expect("Dimensions", sorted((d["Name"], d["Value"]) for d in a.get("Dimensions", [])),
             sorted((d["Name"], d["Value"]) for d in dims) if dims is not UNRESOLVED else UNRESOLVED)
    for prop in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        x.expect(prop, a.get(prop, []), x.p(prop, []), _sorted)
    x.expect("ActionsEnabled", a.get("ActionsEnabled"), _bool(x.p("ActionsEnabled", True)))
    tags = x.p("Tags", [])
    if tags not in ([], UNRESOLVED):
        have = {t["Key"]: t["Value"] for t in cw.list_tags_for_resource(ResourceARN=a["AlarmArn"]).get("Tags", [])}
        x.expect("Tags", {t["Key"]: have.get(t["Key"]) for t in tags}, {t["Key"]: t["Value"] for t in tags})


def chk_topic(x: Ctx) -> None:
    sns = x.c("sns")
    attrs = sns.get_topic_attributes(TopicArn=x.pid)["Attributes"]
    for prop in ("DisplayName", "KmsMasterKeyId"):
        if prop in x.props:
            x.expect(prop, attrs.get(prop), x.p(prop))
    tags = x.p("Tags", [])
    if tags not in ([], UNRESOLVED):
        have = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=x.pid).get("Tags", [])}
        x.expect("Tags", {t["Key"]: have.get(t["Key"]) for t in tags}, {t["Key"]: t["Value"] for t in tags})


def chk_subscription(x: Ctx) -> None:
    sns = x.c("sns")
    attrs = sns.get_subscription_attributes(SubscriptionArn=x.pid)["Attributes"]
    for prop in ("Protocol", "Endpoint", "TopicArn"):
        x.expect(prop, attrs.get(prop), x.p(prop))
    if "RawMessageDelivery" in x.props:
        x.expect("RawMessageDelivery", _bool(attrs.get("RawMessageDelivery")), _bool(x.p("RawMessageDelivery")))
    if "FilterPolicy" in x.props:
        want = x.p("FilterPolicy")
        x.expect("FilterPolicy", json.loads(attrs.get("FilterPolicy") or "null"),
                 json.loads(want) if isinstance(want, str) else want)
    topic = x.p("TopicArn")
    if topic is not UNRESOLVED:
        subs = [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]]
        if x.pid not in subs:
            x.fail(f"{x.pid} not listed by ListSubscriptionsByTopic({topic})")


def _target_of(pid: str) -> tuple[str, str, str]:
    """(namespace, resource id, dimension) from a ScalableTarget physical ID `resourceId|dimension|namespace`."""
    rid, dim, ns = pid.split("|")
    return ns, rid, dim


def chk_scalable_target(x: Ctx) -> None:
    ns, rid, dim = _target_of(x.pid)
    for prop, have in (("ServiceNamespace", ns), ("ResourceId", rid), ("ScalableDimension", dim)):
        x.expect(prop, have, x.p(prop))
    found = x.c("application-autoscaling").describe_scalable_targets(
        ServiceNamespace=ns, ResourceIds=[rid], ScalableDimension=dim)["ScalableTargets"]
    if not found:
        x.fail(f"scalable target {x.pid} not registered")
        return
    t = found[0]
    for prop in ("MinCapacity", "MaxCapacity"):
        x.expect(prop, t.get(prop), x.p(prop), _num(int))
    if "RoleARN" in x.props:
        x.expect("RoleARN", t.get("RoleARN"), x.p("RoleARN"))


def _policy(c: Clients, arn: str) -> dict[str, Any] | None:
    ns = arn.split(":resource/", 1)[1].split("/", 1)[0] if ":resource/" in arn else "sagemaker"
    pols = c("application-autoscaling").describe_scaling_policies(ServiceNamespace=ns)["ScalingPolicies"]
    return next((p for p in pols if p["PolicyARN"] == arn), None)


def chk_scaling_policy(x: Ctx) -> None:
    p = _policy(x.c, x.pid)
    if p is None:
        x.fail(f"scaling policy {x.pid} not found")
        return
    x.expect("PolicyName", p.get("PolicyName"), x.p("PolicyName"))
    x.expect("PolicyType", p.get("PolicyType"), x.p("PolicyType"))
    target = x.p("ScalingTargetId", None)
    if target not in (None, UNRESOLVED):
        x.expect("ScalingTarget", (p["ServiceNamespace"], p["ResourceId"], p["ScalableDimension"]), _target_of(target))
    want = x.p("TargetTrackingScalingPolicyConfiguration", None)
    if want not in (None, UNRESOLVED):
        have = p.get("TargetTrackingScalingPolicyConfiguration") or {}
        x.expect("TargetValue", have.get("TargetValue"), want.get("TargetValue"), _num(float))
        for key in ("ScaleInCooldown", "ScaleOutCooldown"):
            if key in want:
                x.expect(key, have.get(key), want[key], _num(int))
        if "PredefinedMetricSpecification" in want:
            x.expect("PredefinedMetricType", (have.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType"),
                     want["PredefinedMetricSpecification"].get("PredefinedMetricType"))


CHECKERS: dict[str, Callable[[Ctx], None]] = {
    "AWS::EC2::VPC": chk_vpc, "AWS::EC2::Subnet": chk_subnet, "AWS::EC2::InternetGateway": chk_igw,
    "AWS::EC2::VPCGatewayAttachment": chk_igw_attachment, "AWS::EC2::EIP": chk_eip, "AWS::EC2::NatGateway": chk_nat,
    "AWS::EC2::RouteTable": chk_route_table, "AWS::EC2::Route": chk_route,
    "AWS::EC2::SubnetRouteTableAssociation": chk_subnet_assoc, "AWS::EC2::SecurityGroup": chk_sg,
    "AWS::EC2::SecurityGroupIngress": chk_sg_rule, "AWS::EC2::SecurityGroupEgress": chk_sg_rule,
    "AWS::EC2::VPCEndpoint": chk_vpce, "AWS::EC2::FlowLog": chk_flow_log,
    "AWS::IAM::Role": chk_role, "AWS::Lambda::Function": chk_lambda, "AWS::Lambda::Permission": chk_permission,
    "AWS::Logs::LogGroup": chk_log_group, "AWS::KMS::Key": chk_kms_key, "AWS::KMS::Alias": chk_kms_alias,
    "AWS::ApiGateway::RestApi": chk_rest_api, "AWS::ApiGateway::Resource": chk_resource,
    "AWS::ApiGateway::Method": chk_method, "AWS::ApiGateway::Deployment": chk_deployment,
    "AWS::ApiGateway::Stage": chk_stage, "AWS::ApiGateway::ApiKey": chk_api_key,
    "AWS::ApiGateway::UsagePlan": chk_usage_plan, "AWS::ApiGateway::UsagePlanKey": chk_usage_plan_key,
    "AWS::ApiGateway::Account": chk_apigw_account,
    "AWS::ApiGateway::Authorizer": chk_authorizer, "AWS::ApiGateway::GatewayResponse": chk_gateway_response,
    "AWS::SageMaker::Model": chk_sm_model, "AWS::SageMaker::EndpointConfig": chk_sm_endpoint_config,
    "AWS::SageMaker::Endpoint": chk_sm_endpoint,
    "AWS::Scheduler::Schedule": chk_schedule, "AWS::CloudWatch::Alarm": chk_alarm, "AWS::SQS::Queue": chk_queue,
    "AWS::SNS::Topic": chk_topic, "AWS::SNS::Subscription": chk_subscription,
    "AWS::ApplicationAutoScaling::ScalableTarget": chk_scalable_target,
    "AWS::ApplicationAutoScaling::ScalingPolicy": chk_scaling_policy,
}


def _template(c: Clients, stack: str) -> dict[str, Any]:
    body = c("cloudformation").get_template(StackName=stack)["TemplateBody"]
    if isinstance(body, dict):
        return body
    try:
        return json.loads(body)
    except ValueError:
        import yaml  # YAML templates (moto returns the original text)

        class Loader(yaml.SafeLoader):
            pass

        def construct(loader: Any, suffix: str, node: Any) -> Any:
            key = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
            if isinstance(node, yaml.ScalarNode):
                val = loader.construct_scalar(node)
                return {key: val.split(".", 1) if suffix == "GetAtt" else val}
            if isinstance(node, yaml.SequenceNode):
                return {key: loader.construct_sequence(node, deep=True)}
            return {key: loader.construct_mapping(node, deep=True)}
        Loader.add_multi_constructor("!", construct)
        return yaml.load(body, Loader=Loader)


def verify_stack(stack: str, session: boto3.Session | None = None) -> Report:
    """Present mode: every template resource exists and matches, checked through its own service."""
    c = Clients(session)
    report = Report(stack, "present")
    try:
        st = c("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    except (ClientError, BotoCoreError) as exc:
        report.problems.append(f"DescribeStacks: {exc}".splitlines()[0])
        return report
    if st["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        report.problems.append(f"stack status {st['StackStatus']} ({st.get('StackStatusReason') or 'no reason'})")
    template = _template(c, stack)
    listed = c("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in listed if r.get("LogicalResourceId")}
    unnamed = sum(1 for r in listed if not r.get("LogicalResourceId"))
    if unnamed:
        report.problems.append(f"DescribeStackResources lists {unnamed} resource(s) without a logical ID "
                               "(types the CloudFormation emulation ignored)")
    resolver = Resolver(c, st, template, physical)
    snap: dict[str, Any] = {"stack": stack, "stack_id": st["StackId"], "resources": {}}
    for lid, res in template.get("Resources", {}).items():
        rtype = res["Type"]
        pid = physical.get(lid)
        live = resolver.condition(res["Condition"]) if res.get("Condition") else True
        if live is False:  # its Condition is false under the stack's parameters: it must not exist
            problems = [f"Condition {res['Condition']} is false but DescribeStackResources lists it ({pid})"] \
                if lid in physical else []
            problems += [f"Condition {res['Condition']} is false but {left} exists"
                         for left in _conditional_leftovers(c, resolver, stack, lid, rtype, res.get("Properties") or {})]
            report.checks.append(Check(lid, rtype, None, not problems, problems, {"Condition": res["Condition"], "absent": True}))
            continue
        if lid not in physical:
            if live is UNRESOLVED:
                continue  # conditional resource whose condition the verifier cannot evaluate
            report.checks.append(Check(lid, rtype, None, False, ["not listed by DescribeStackResources (not created)"]))
            continue
        ctx = Ctx(c, resolver, lid, rtype, pid, res.get("Properties") or {})
        checker = CHECKERS.get(rtype)
        if checker is None:
            ctx.fail(f"no checker for {rtype} in verify.py")
        else:
            try:
                checker(ctx)
            except ClientError as exc:
                ctx.fail(f"{exc.operation_name}: {exc.response.get('Error', {}).get('Code')} "
                         f"{exc.response.get('Error', {}).get('Message', '')}".strip())
            except (IndexError, KeyError, TypeError) as exc:
                ctx.fail(f"not found or malformed answer ({type(exc).__name__}: {exc})")
        props = resolver(res.get("Properties") or {})
        snap["resources"][lid] = {"type": rtype, "physical_id": pid, "facts": ctx.facts,
                                  "props": _jsonable(props) if props is not UNRESOLVED else {}}
        report.checks.append(Check(lid, rtype, pid, not ctx.problems, ctx.problems, _jsonable(ctx.facts)))
    report.snapshot = snap
    return report


def _conditional_leftovers(c: Clients, r: Resolver, stack: str, lid: str, rtype: str, props: dict[str, Any]) -> list[str]:
    """What a resource whose Condition is false left in its service: looked up by the name CloudFormation
    gives it (`STACK-LogicalId-...`), the stack's EC2 tags, or the properties that place it."""
    prefix = f"{stack}-{lid}-"
    left: list[str] = []

    def named(prop: str) -> str | None:
        val = r(props[prop]) if prop in props else None
        return val if isinstance(val, str) else None
    if rtype == "AWS::SageMaker::Endpoint":
        name = named("EndpointName")
        left += [f"SageMaker endpoint {e['EndpointName']}" for e in c("sagemaker").list_endpoints()["Endpoints"]
                 if e["EndpointName"].startswith(prefix) or e["EndpointName"] == name]
    elif rtype == "AWS::CloudWatch::Alarm":
        name = named("AlarmName")
        left += [f"alarm {a['AlarmName']}" for a in c("cloudwatch").describe_alarms(
            **({"AlarmNames": [name]} if name else {"AlarmNamePrefix": prefix}))["MetricAlarms"]]
    elif rtype == "AWS::Scheduler::Schedule":
        left += [f"schedule {x['Name']}" for x in c("scheduler").list_schedules(NamePrefix=named("Name") or prefix)["Schedules"]]
    elif rtype in ("AWS::ApplicationAutoScaling::ScalableTarget", "AWS::ApplicationAutoScaling::ScalingPolicy"):
        ns = named("ServiceNamespace") or (named("ScalingTargetId") or "||sagemaker").split("|")[-1]
        aas = c("application-autoscaling")
        if rtype.endswith("ScalableTarget"):
            items = [t["ResourceId"] for t in aas.describe_scalable_targets(ServiceNamespace=ns)["ScalableTargets"]]
        else:
            items = [p["PolicyARN"] for p in aas.describe_scaling_policies(ServiceNamespace=ns)["ScalingPolicies"]
                     if p["PolicyName"] == (named("PolicyName") or p["PolicyName"])]
        left += [f"{rtype.split('::')[-1]} {i}" for i in items if f"endpoint/{stack}-" in i]
    elif rtype == "AWS::EC2::Route":
        rt, dest = named("RouteTableId"), named("DestinationCidrBlock")
        if rt and dest:
            routes = c("ec2").describe_route_tables(RouteTableIds=[rt])["RouteTables"][0]["Routes"]
            left += [f"route {rt} {dest}" for x in routes if x.get("DestinationCidrBlock") == dest]
    elif rtype == "AWS::Lambda::Permission":
        fn = named("FunctionName")
        try:
            pol = json.loads(c("lambda").get_policy(FunctionName=fn)["Policy"]) if fn else {}
        except ClientError:
            pol = {}
        left += [f"permission {st.get('Sid')} on {fn}" for st in pol.get("Statement", [])
                 if str(st.get("Sid", "")).startswith(prefix)]
    elif rtype.startswith("AWS::EC2::"):
        ec2 = c("ec2")
        tags = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["aws:cloudformation:logical-id"]},
                                          {"Name": "value", "Values": [lid]}])["Tags"]
        for t in tags:
            owner = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [t["ResourceId"]]},
                                               {"Name": "key", "Values": ["aws:cloudformation:stack-name"]}])["Tags"]
            if any(o["Value"] == stack for o in owner) and _ec2_exists(ec2, t["ResourceId"]):
                left.append(f"EC2 {t['ResourceType']} {t['ResourceId']}")
    return left


def _jsonable(v: Any) -> Any:
    if v is UNRESOLVED or v is _NOVALUE:
        return None
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


# ------------------------------------------------------------------------------ gone mode
def _exists(c: Clients, rtype: str, pid: str | None, props: dict[str, Any], facts: dict[str, Any]) -> bool | None:
    """True if the resource still exists, False if gone, None if this type cannot be looked up."""
    ec2, ag = c("ec2"), c("apigateway")

    def attempt(fn: Callable[[], Any]) -> bool:
        try:
            return bool(fn())
        except ClientError as exc:
            if _missing(exc):
                return False
            raise
        except (IndexError, KeyError):
            return False

    def route_tables(rt: str) -> list[dict[str, Any]]:
        return ec2.describe_route_tables(RouteTableIds=[rt])["RouteTables"]
    table: dict[str, Callable[[], Any]] = {
        "AWS::EC2::VPC": lambda: ec2.describe_vpcs(VpcIds=[pid])["Vpcs"],
        "AWS::EC2::Subnet": lambda: ec2.describe_subnets(SubnetIds=[pid])["Subnets"],
        "AWS::EC2::InternetGateway": lambda: ec2.describe_internet_gateways(InternetGatewayIds=[pid])["InternetGateways"],
        "AWS::EC2::VPCGatewayAttachment": lambda: [a for a in ec2.describe_internet_gateways(
            InternetGatewayIds=[props["InternetGatewayId"]])["InternetGateways"][0].get("Attachments", [])
            if a.get("VpcId") == props.get("VpcId")],
        "AWS::EC2::EIP": lambda: ec2.describe_addresses(PublicIps=[pid])["Addresses"],
        "AWS::EC2::NatGateway": lambda: [n for n in ec2.describe_nat_gateways(NatGatewayIds=[pid])["NatGateways"]
                                         if n["State"] not in ("deleted", "deleting")],
        "AWS::EC2::RouteTable": lambda: route_tables(pid),
        "AWS::EC2::Route": lambda: [r for r in route_tables(props["RouteTableId"])[0]["Routes"]
                                    if r.get("DestinationCidrBlock") == props.get("DestinationCidrBlock")],
        "AWS::EC2::SubnetRouteTableAssociation": lambda: [a for a in route_tables(props["RouteTableId"])[0]["Associations"]
                                                          if a.get("SubnetId") == props.get("SubnetId")],
        "AWS::EC2::SecurityGroup": lambda: ec2.describe_security_groups(GroupIds=[pid])["SecurityGroups"],
        "AWS::EC2::VPCEndpoint": lambda: [e for e in ec2.describe_vpc_endpoints(VpcEndpointIds=[pid])["VpcEndpoints"]
                                          if e["State"].lower() not in ("deleted", "deleting")],
        "AWS::EC2::FlowLog": lambda: ec2.describe_flow_logs(FlowLogIds=[pid])["FlowLogs"],
        "AWS::IAM::Role": lambda: c("iam").get_role(RoleName=pid),
        "AWS::Lambda::Function": lambda: c("lambda").get_function(FunctionName=pid),
        "AWS::Lambda::Permission": lambda: [st for st in json.loads(c("lambda").get_policy(
            FunctionName=props["FunctionName"])["Policy"])["Statement"] if pid is None or st.get("Sid") == pid],
        "AWS::Logs::LogGroup": lambda: _log_group(c, pid),
        "AWS::KMS::Key": lambda: c("kms").describe_key(KeyId=pid)["KeyMetadata"]["KeyState"] not in ("PendingDeletion",),
        "AWS::ApiGateway::RestApi": lambda: ag.get_rest_api(restApiId=pid),
        "AWS::ApiGateway::Resource": lambda: ag.get_resource(restApiId=props["RestApiId"], resourceId=pid),
        "AWS::ApiGateway::Method": lambda: ag.get_method(restApiId=props["RestApiId"], resourceId=props["ResourceId"],
                                                         httpMethod=props["HttpMethod"]),
        "AWS::ApiGateway::Deployment": lambda: ag.get_deployment(restApiId=props["RestApiId"], deploymentId=pid),
        "AWS::ApiGateway::Stage": lambda: ag.get_stage(restApiId=props["RestApiId"], stageName=pid),
        "AWS::ApiGateway::ApiKey": lambda: ag.get_api_key(apiKey=pid),
        "AWS::ApiGateway::Authorizer": lambda: ag.get_authorizer(restApiId=props["RestApiId"], authorizerId=pid),
        "AWS::ApiGateway::GatewayResponse": lambda: ag.get_gateway_response(restApiId=props["RestApiId"],
                                                                            responseType=props["ResponseType"]),
        "AWS::ApiGateway::UsagePlan": lambda: ag.get_usage_plan(usagePlanId=pid),
        "AWS::ApiGateway::UsagePlanKey": lambda: [k for k in ag.get_usage_plans()["items"] if k["id"] == props.get("UsagePlanId")]
        and ag.get_usage_plan_key(usagePlanId=props["UsagePlanId"], keyId=props["KeyId"]),
        "AWS::SageMaker::Model": lambda: c("sagemaker").describe_model(ModelName=pid.split("/")[-1]),
        "AWS::SageMaker::EndpointConfig": lambda: c("sagemaker").describe_endpoint_config(EndpointConfigName=pid.split("/")[-1]),
        "AWS::SageMaker::Endpoint": lambda: c("sagemaker").describe_endpoint(EndpointName=pid.split("/")[-1]),
        "AWS::Scheduler::Schedule": lambda: c("scheduler").get_schedule(
            Name=pid, **({"GroupName": props["GroupName"]} if props.get("GroupName") else {})),
        "AWS::CloudWatch::Alarm": lambda: c("cloudwatch").describe_alarms(AlarmNames=[pid])["MetricAlarms"],
        "AWS::SQS::Queue": lambda: c("sqs").get_queue_attributes(QueueUrl=pid),
        "AWS::SNS::Topic": lambda: c("sns").get_topic_attributes(TopicArn=pid),
        "AWS::SNS::Subscription": lambda: c("sns").get_subscription_attributes(SubscriptionArn=pid),
        "AWS::ApplicationAutoScaling::ScalableTarget": lambda: c("application-autoscaling").describe_scalable_targets(
            ServiceNamespace=_target_of(pid)[0], ResourceIds=[_target_of(pid)[1]],
            ScalableDimension=_target_of(pid)[2])["ScalableTargets"],
        "AWS::ApplicationAutoScaling::ScalingPolicy": lambda: _policy(c, pid),
    }
    if rtype == "AWS::ApiGateway::Account":
        return False  # an account setting, not a resource: AWS leaves it in place
    fn = table.get(rtype)
    if fn is None or (pid is None and rtype not in ("AWS::ApiGateway::Method", "AWS::Lambda::Permission")):
        return None
    return attempt(fn)


def _ec2_exists(ec2: Any, rid: str) -> bool:
    """Whether an EC2 resource id (from DescribeTags) names a live resource."""
    gone = {"deleted", "deleting"}
    lookups: dict[str, Callable[[], list[Any]]] = {
        "vpc-": lambda: ec2.describe_vpcs(VpcIds=[rid])["Vpcs"],
        "subnet-": lambda: ec2.describe_subnets(SubnetIds=[rid])["Subnets"],
        "sg-": lambda: ec2.describe_security_groups(GroupIds=[rid])["SecurityGroups"],
        "igw-": lambda: ec2.describe_internet_gateways(InternetGatewayIds=[rid])["InternetGateways"],
        "rtb-": lambda: ec2.describe_route_tables(RouteTableIds=[rid])["RouteTables"],
        "fl-": lambda: ec2.describe_flow_logs(FlowLogIds=[rid])["FlowLogs"],
        "eni-": lambda: ec2.describe_network_interfaces(NetworkInterfaceIds=[rid])["NetworkInterfaces"],
        "eipalloc-": lambda: ec2.describe_addresses(AllocationIds=[rid])["Addresses"],
        "nat-": lambda: [n for n in ec2.describe_nat_gateways(NatGatewayIds=[rid])["NatGateways"] if n["State"] not in gone],
        "vpce-": lambda: [e for e in ec2.describe_vpc_endpoints(VpcEndpointIds=[rid])["VpcEndpoints"]
                          if e["State"].lower() not in gone],
    }
    fn = next((f for prefix, f in lookups.items() if rid.startswith(prefix)), None)
    if fn is None and re.fullmatch(r"[0-9.]+", rid):  # moto tags an EIP by its public IP
        fn = lambda: ec2.describe_addresses(PublicIps=[rid])["Addresses"]  # noqa: E731
    if fn is None:
        return True  # unknown kind: count it as left behind rather than hide it
    try:
        return bool(fn())
    except ClientError as exc:
        if _missing(exc):
            return False
        raise


def _tag_sweep(c: Clients, stack: str) -> list[str]:
    """Resources still tagged with the stack (EC2 tags + the tagging API + IAM roles) or named STACK-..."""
    left: list[str] = []
    ec2 = c("ec2")
    gone_states = {"deleted", "deleting"}
    for key in STACK_TAG_KEYS:
        for t in ec2.describe_tags(Filters=[{"Name": "key", "Values": [key]}, {"Name": "value", "Values": [stack]}])["Tags"]:
            rid = t["ResourceId"]
            if not _ec2_exists(ec2, rid):
                continue  # moto keeps the tags of deleted resources; what counts is the resource
            left.append(f"EC2 {t['ResourceType']} {rid} tagged {key}={stack}")
        try:
            pages = c("resourcegroupstaggingapi").get_resources(TagFilters=[{"Key": key, "Values": [stack]}])
            for m in pages["ResourceTagMappingList"]:
                arn = m["ResourceARN"]
                if ":ec2:" in arn:
                    continue  # covered (with states) above
                left.append(f"{arn} tagged {key}={stack}")
        except ClientError:
            pass
    iam = c("iam")
    for role in iam.list_roles()["Roles"]:
        tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role["RoleName"]).get("Tags", [])}
        if any(tags.get(k) == stack for k in STACK_TAG_KEYS) or role["RoleName"].startswith(f"{stack}-"):
            left.append(f"IAM role {role['RoleName']}")
    for fn in c("lambda").list_functions()["Functions"]:
        if fn["FunctionName"].startswith(f"{stack}-"):
            left.append(f"Lambda function {fn['FunctionName']}")
    for g in c("logs").describe_log_groups()["logGroups"]:
        if re.search(rf"(^|/){re.escape(stack)}-", g["logGroupName"]):
            left.append(f"log group {g['logGroupName']}")
    sm = c("sagemaker")
    for e in sm.list_endpoints()["Endpoints"]:
        if e["EndpointName"].startswith(f"{stack}-"):
            left.append(f"SageMaker endpoint {e['EndpointName']}")
    for m in sm.list_models()["Models"]:
        if m["ModelName"].startswith(f"{stack}-"):
            left.append(f"SageMaker model {m['ModelName']}")
    for a in c("apigateway").get_rest_apis()["items"]:
        if a["name"].startswith(f"{stack}-") or any(a.get("tags", {}).get(k) == stack for k in STACK_TAG_KEYS):
            left.append(f"REST API {a['id']} ({a['name']})")
    for alarm in c("cloudwatch").describe_alarms(AlarmNamePrefix=f"{stack}-")["MetricAlarms"]:
        left.append(f"CloudWatch alarm {alarm['AlarmName']}")
    for sched in c("scheduler").list_schedules(NamePrefix=f"{stack}-")["Schedules"]:
        left.append(f"schedule {sched['Name']}")
    for topic in c("sns").list_topics()["Topics"]:
        if topic["TopicArn"].split(":")[-1].startswith(f"{stack}-"):
            left.append(f"SNS topic {topic['TopicArn']}")
    for sub in c("sns").list_subscriptions()["Subscriptions"]:
        if sub["TopicArn"].split(":")[-1].startswith(f"{stack}-"):
            left.append(f"SNS subscription {sub['SubscriptionArn']}")
    aas = c("application-autoscaling")
    for t in aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]:
        if t["ResourceId"].startswith(f"endpoint/{stack}-"):
            left.append(f"scalable target {t['ResourceId']}")
    for p in aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]:
        if p["ResourceId"].startswith(f"endpoint/{stack}-"):
            left.append(f"scaling policy {p['PolicyARN']}")
    return left


def verify_gone(stack: str, snapshot: dict[str, Any] | None = None, session: boto3.Session | None = None) -> Report:
    """Gone mode: the stack, every snapshot resource, and everything tagged/named for the stack are gone."""
    c = Clients(session)
    report = Report(stack, "gone")
    try:
        st = c("cloudformation").describe_stacks(StackName=(snapshot or {}).get("stack_id") or stack)["Stacks"][0]
        if st["StackStatus"] != "DELETE_COMPLETE":
            report.problems.append(f"stack still exists: {st['StackStatus']} ({st.get('StackStatusReason') or 'no reason'})")
    except ClientError as exc:
        if not _missing(exc):
            raise
    for lid, info in ((snapshot or {}).get("resources") or {}).items():
        rtype, pid = info["type"], info.get("physical_id")
        try:
            alive = _exists(c, rtype, pid, info.get("props") or {}, info.get("facts") or {})
        except ClientError as exc:
            report.checks.append(Check(lid, rtype, pid, False, [f"lookup failed: {exc}"]))
            continue
        if alive is None:
            report.checks.append(Check(lid, rtype, pid, False, [f"cannot look up {rtype} (no id or no lookup)"]))
        else:
            report.checks.append(Check(lid, rtype, pid, not alive, ["still exists"] if alive else []))
    for item in _tag_sweep(c, stack):
        report.problems.append(f"left behind: {item}")
    return report


def _session_from_env_file(path: str) -> boto3.Session:
    env: dict[str, str] = {}
    for line in open(path).read().splitlines():
        if line.startswith("export ") and "=" in line:
            k, _, v = line[7:].partition("=")
            env[k] = v.strip("'\"")
    import os

    os.environ["AWS_ENDPOINT_URL"] = env["AWS_ENDPOINT_URL"]
    return boto3.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                         region_name=env.get("AWS_REGION", "us-east-1"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="verify.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("stack")
    ap.add_argument("--expect-gone", action="store_true", help="check that the stack and its resources are gone")
    ap.add_argument("--snapshot", help="present mode: write the snapshot here; gone mode: read it from here")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--env-file", help="a localaws env file to take the endpoint and credentials from")
    args = ap.parse_args(argv)
    session = _session_from_env_file(args.env_file) if args.env_file else None
    if args.expect_gone:
        snap = json.load(open(args.snapshot)) if args.snapshot else None
        report = verify_gone(args.stack, snap, session)
        if snap is None:
            print("verify: no --snapshot given; checked the stack and the tag/name sweep only", file=sys.stderr)
    else:
        report = verify_stack(args.stack, session)
        if args.snapshot:
            with open(args.snapshot, "w") as fh:
                json.dump(report.snapshot, fh, indent=1, sort_keys=True)
    print(json.dumps(report.to_json(), indent=1, default=str) if args.json else report.to_text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
