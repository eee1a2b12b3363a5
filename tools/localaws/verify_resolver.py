"""verify.py's view of a template: intrinsic functions and conditions evaluated against the live stack
(`Resolver`), and the context a per-type check gets (`Ctx`: resolved properties, expectations, problems)."""
from __future__ import annotations

import re
from typing import Any, Callable

from botocore.exceptions import ClientError

from verify_report import Clients


UNRESOLVED = object()  # a template value the verifier cannot evaluate (compared only when known)


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
            ("AWS::SageMaker::InferenceComponent", "InferenceComponentName"): lambda: pid.split("/")[-1],
            ("AWS::SageMaker::InferenceComponent", "InferenceComponentArn"): lambda: pid,
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


def _num(kind: type) -> Callable[[Any], Any]:
    def norm(v: Any) -> Any:
        try:
            return kind(v)
        except (TypeError, ValueError):
            return v
    return norm


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
