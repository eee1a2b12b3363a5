"""What CloudFormation's resource handlers call, on which ARN, for a change to a resolved template.

The permission lists come from Tests/iam/fixtures/handler_permissions.json (AWS's registry schemas; see
refresh_handler_permissions.py). Each listed permission is required, on the resource's own ARN, except:
- actions that have no resource-level permissions (READ_ONLY_STAR) are authorized on "*";
- iam:PassRole is checked on each role the resource's properties pass (and is not called when none);
- kms:* (outside AWS::KMS::Key) is checked on the key the resource's KMS property names (not called without one);
- NOT_CALLED lists permissions a handler calls only for properties this resource does not set, each with why.
Route, association, attachment, permission and subscription types act on the route table, gateway, function or
topic they name (RELATED).
"""
import fnmatch
import functools
import json
import pathlib

from cfn_model import references

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "Tests" / "iam" / "fixtures" / "handler_permissions.json"

# Service Authorization Reference: these actions have no resource types ("*" only).
READ_ONLY_STAR = ["ec2:Describe*", "application-autoscaling:Describe*", "logs:DescribeLogGroups",
                  "logs:DescribeResourcePolicies", "logs:DescribeIndexPolicies", "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "cloudwatch:GetMetricData",
                  "autoscaling:DescribeTags", "sns:ListTopics", "lambda:ListFunctions", "sqs:ListQueues",
                  "kms:CreateKey", "iam:ListRoles", "events:ListRules", "scheduler:ListSchedules"]
ROLE_PROPERTIES = ["Role", "RoleArn", "RoleARN", "ExecutionRoleArn", "DeliverLogsPermissionArn", "CloudWatchRoleArn",
                   "SubscriptionRoleArn", "Target.RoleArn", "DeadLetterConfig.TargetArn?"]
KMS_PROPERTIES = ["KmsKeyArn", "KmsKeyId", "KmsMasterKeyId", "KMSMasterKeyId"]


def _has(props, path):
    value = props
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


# (type, permission glob, predicate "is called" on the resolved properties, why)
NOT_CALLED = [
    ("AWS::Lambda::Function", "s3:GetObject*", lambda p: _has(p, "Code.S3Bucket") is not None,
     "only reads the code from S3 when Code.S3Bucket is set"),
    ("AWS::Lambda::Function", "elasticfilesystem:*", lambda p: bool(p.get("FileSystemConfigs")), "only with FileSystemConfigs"),
    ("AWS::Lambda::Function", "s3files:*", lambda p: bool(p.get("FileSystemConfigs")), "only with FileSystemConfigs"),
    ("AWS::Lambda::Function", "lambda:*CodeSigningConfig", lambda p: "CodeSigningConfigArn" in p, "only with CodeSigningConfigArn"),
    ("AWS::Lambda::Function", "lambda:GetLayerVersion", lambda p: bool(p.get("Layers")), "only with Layers"),
    ("AWS::Lambda::Function", "lambda:PassCapacityProvider", lambda p: "CapacityProviderConfig" in p, "only with CapacityProviderConfig"),
    ("AWS::Lambda::Function", "ec2:Describe*", lambda p: bool(_has(p, "VpcConfig.SubnetIds")),
     "Lambda checks the VPC, subnets and security groups only for a function with VpcConfig"),
    ("AWS::EC2::FlowLog", "s3:*", lambda p: p.get("LogDestinationType") == "s3", "only for an S3 destination"),
    ("AWS::EC2::VPCEndpoint", "vpc-lattice:*", lambda p: p.get("VpcEndpointType") == "ServiceNetwork",
     "only for a service-network endpoint"),
    ("AWS::EC2::VPCEndpoint", "vpce:AllowMultiRegion", lambda p: "ServiceRegion" in p, "only for a cross-region ServiceRegion"),
    ("AWS::ApplicationAutoScaling::ScalableTarget", "lambda:*", lambda p: p.get("ServiceNamespace") == "lambda",
     "provisioned-concurrency calls only for the lambda namespace"),
    ("AWS::EC2::VPCGatewayAttachment", "ec2:*VpnGateway*", lambda p: "VpnGatewayId" in p, "only for a VPN gateway"),
]
# Types whose calls act on another resource named by a property (value: properties holding Refs/ARNs).
RELATED = {
    "AWS::EC2::Route": ["RouteTableId"],
    "AWS::EC2::SubnetRouteTableAssociation": ["RouteTableId"],
    "AWS::EC2::VPCGatewayAttachment": ["InternetGatewayId", "VpcId"],
    "AWS::Lambda::Permission": ["FunctionName"],
    "AWS::Lambda::EventInvokeConfig": ["FunctionName"],
    "AWS::Lambda::Version": ["FunctionName"],
    "AWS::SNS::Subscription": ["TopicArn"],
    "AWS::SNS::TopicPolicy": ["Topics"],
    "AWS::SQS::QueuePolicy": ["Queues"],
}
EC2_PREFIX = {"rtb": "route-table", "igw": "internet-gateway", "vpc": "vpc", "subnet": "subnet"}


@functools.lru_cache(maxsize=1)
def load_fixture():
    """{type: {"handlers": ..., "createOnlyProperties": ..., "source": ...}} (shared: do not modify)."""
    return json.loads(FIXTURE.read_text())["types"]


class HandlerCalls:
    """Turns a resolved template's changes into (action, resource ARN, resource logical id, why) calls."""

    def __init__(self, model, fixture=None):
        self.model = model
        self.fixture = fixture or load_fixture()

    def _arn_of_value(self, value):
        """An ARN for a property value: an ARN as is, an EC2 ID or a function name rebuilt into its ARN."""
        from variants import ACCOUNT, REGION
        if not isinstance(value, str):
            return None
        if value.startswith("arn:"):
            return value
        prefix = value.split("-", 1)[0]
        if prefix in EC2_PREFIX:
            return f"arn:aws:ec2:{REGION}:{ACCOUNT}:{EC2_PREFIX[prefix]}/{value}"
        if value.startswith("https://sqs."):
            return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{value.rsplit('/', 1)[1]}"
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{value}"

    def targets(self, lid, props):
        """The ARNs a handler for this resource acts on."""
        type_name = self.model.raw["Resources"][lid]["Type"]
        if type_name in RELATED:
            arns = []
            for prop in RELATED[type_name]:
                value = props.get(prop)
                for item in value if isinstance(value, list) else [value]:
                    arn = self._arn_of_value(item)
                    if arn:
                        arns.append(arn)
            return arns
        return [self.model.arn(lid)]

    def calls(self, lid, handler, props):
        """[(action, resource, why)] for one handler ("create", "update", "delete") on one resource."""
        type_name = self.model.raw["Resources"][lid]["Type"]
        entry = self.fixture.get(type_name)
        if entry is None:
            raise KeyError(f"{type_name} ({lid}) is not in {FIXTURE.name}: rerun tools/iam/refresh_handler_permissions.py")
        if handler not in entry["handlers"]:
            if handler == "update":  # no update handler: every change replaces the resource
                return self.calls(lid, "create", props) + self.calls(lid, "delete", props)
            raise KeyError(f"{type_name} has no {handler} handler in {FIXTURE.name}")
        out = []
        why = f"{lid} {handler} ({type_name})"
        for action in entry["handlers"][handler]["permissions"]:
            if any(t == type_name and fnmatch.fnmatch(action.lower(), glob.lower()) and not called(props)
                   for t, glob, called, _ in NOT_CALLED):
                continue
            for resource in self.resources_for(action, lid, type_name, props):
                out.append((action, resource, why))
        return out

    def resources_for(self, action, lid, type_name, props):
        if action.lower() == "iam:passrole":
            roles = [_has(props, p.rstrip("?")) for p in ROLE_PROPERTIES]
            return sorted({r for r in roles if isinstance(r, str) and ":role/" in r})
        if action.lower().startswith("kms:") and type_name != "AWS::KMS::Key":
            keys = [props.get(p) for p in KMS_PROPERTIES if isinstance(props.get(p), str)]
            from variants import ACCOUNT, REGION
            return sorted({k if k.startswith("arn:") else f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{k}" for k in keys})
        if any(fnmatch.fnmatch(action.lower(), g.lower()) for g in READ_ONLY_STAR):
            return ["*"]
        return self.targets(lid, props)

    def property_changes(self, before, after):
        """{logical id: "create" | "delete" | "update" | "replace"} between two resolved templates."""
        changes = {}
        for lid in sorted(set(before.resources) | set(after.resources)):
            if lid not in after.resources:
                changes[lid] = "delete"
            elif lid not in before.resources:
                changes[lid] = "create"
            else:
                old, new = before.resources[lid].get("Properties", {}), after.resources[lid].get("Properties", {})
                changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
                if changed:
                    create_only = set(self.fixture[before.raw["Resources"][lid]["Type"]]["createOnlyProperties"])
                    changes[lid] = "replace" if changed & create_only else "update"
        # a replacement gives the resource a new physical ID, so whatever references it changes too
        pending = [lid for lid, change in changes.items() if change == "replace"]
        while pending:
            replaced = pending.pop()
            for lid in after.resources:
                if lid in changes or lid not in before.resources:
                    continue
                keys = {k for k, v in after.raw["Resources"][lid].get("Properties", {}).items() if replaced in references(v)}
                if keys:
                    create_only = set(self.fixture[after.raw["Resources"][lid]["Type"]]["createOnlyProperties"])
                    changes[lid] = "replace" if keys & create_only else "update"
                    if changes[lid] == "replace":
                        pending.append(lid)
        return changes
