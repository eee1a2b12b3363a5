"""A CloudFormation template resolved for given parameter values, with symbolic physical IDs and ARNs.

Account 123456789012, the synth region, the stack name; a name CloudFormation generates is written
`<stack>-<LogicalId>-GENERATED`, an EC2 ID `<prefix>-<logicalid>`. Ref and GetAtt return what the
CloudFormation resource reference ("Return values" of each type) documents: a name, an ID or an ARN.
ARN formats per type follow the Service Authorization Reference's "Resource types defined by <service>" tables;
the table ARNS below names the resource type each pattern is from.
"""
import copy
import json

from variants import ACCOUNT, REGION

NOVALUE = object()
STACK_UUID = "00000000-0000-0000-0000-000000000000"

# type: (Ref returns, ARN pattern from the Service Authorization Reference; {id}/{name} is the resource's).
# Ref kinds: "name" (a generated or given name), "id" (an EC2-style or service ID), "arn".
ARNS = {
    "AWS::EC2::VPC": ("id:vpc", "arn:aws:ec2:{region}:{account}:vpc/{id}"),                        # ec2 vpc
    "AWS::EC2::Subnet": ("id:subnet", "arn:aws:ec2:{region}:{account}:subnet/{id}"),               # ec2 subnet
    "AWS::EC2::RouteTable": ("id:rtb", "arn:aws:ec2:{region}:{account}:route-table/{id}"),         # ec2 route-table
    "AWS::EC2::InternetGateway": ("id:igw", "arn:aws:ec2:{region}:{account}:internet-gateway/{id}"),
    "AWS::EC2::NatGateway": ("id:nat", "arn:aws:ec2:{region}:{account}:natgateway/{id}"),          # ec2 natgateway
    "AWS::EC2::EIP": ("id:eipalloc", "arn:aws:ec2:{region}:{account}:elastic-ip/{id}"),            # ec2 elastic-ip
    "AWS::EC2::SecurityGroup": ("id:sg", "arn:aws:ec2:{region}:{account}:security-group/{id}"),
    "AWS::EC2::VPCEndpoint": ("id:vpce", "arn:aws:ec2:{region}:{account}:vpc-endpoint/{id}"),
    "AWS::EC2::FlowLog": ("id:fl", "arn:aws:ec2:{region}:{account}:vpc-flow-log/{id}"),            # ec2 vpc-flow-log
    # Route, association and attachment act on the route table / gateway they name (see related_arns).
    "AWS::EC2::Route": ("id:route", None),
    "AWS::EC2::SubnetRouteTableAssociation": ("id:rtbassoc", None),
    "AWS::EC2::VPCGatewayAttachment": ("id:attach", None),
    "AWS::KMS::Key": ("id:key", "arn:aws:kms:{region}:{account}:key/{id}"),                        # kms key
    "AWS::Logs::LogGroup": ("name", "arn:aws:logs:{region}:{account}:log-group:{name}"),           # logs log-group
    "AWS::IAM::Role": ("name", "arn:aws:iam::{account}:role/{name}"),                              # iam role
    "AWS::IAM::ManagedPolicy": ("arn", "arn:aws:iam::{account}:policy/{name}"),                    # iam policy
    "AWS::Lambda::Function": ("name", "arn:aws:lambda:{region}:{account}:function:{name}"),        # lambda function
    "AWS::Lambda::Permission": ("id:perm", None),                                                  # the function's
    "AWS::Lambda::EventInvokeConfig": ("id:eic", None),
    "AWS::Lambda::Version": ("arn", None),
    "AWS::SageMaker::Model": ("arn", "arn:aws:sagemaker:{region}:{account}:model/{lname}"),         # sagemaker model
    "AWS::SageMaker::EndpointConfig": ("arn", "arn:aws:sagemaker:{region}:{account}:endpoint-config/{lname}"),
    "AWS::SageMaker::Endpoint": ("arn", "arn:aws:sagemaker:{region}:{account}:endpoint/{lname}"),   # sagemaker endpoint
    "AWS::SageMaker::InferenceComponent": ("arn", "arn:aws:sagemaker:{region}:{account}:inference-component/{lname}"),
    "AWS::ApiGateway::RestApi": ("id:api", "arn:aws:apigateway:{region}::/restapis/{id}"),         # apigateway RestApi
    "AWS::ApiGateway::Resource": ("id:res", "arn:aws:apigateway:{region}::/restapis/{api}/resources/{id}"),
    "AWS::ApiGateway::Method": ("id:method", "arn:aws:apigateway:{region}::/restapis/{api}/resources/{res}/methods/{http}"),
    "AWS::ApiGateway::Deployment": ("id:dep", "arn:aws:apigateway:{region}::/restapis/{api}/deployments/{id}"),
    "AWS::ApiGateway::Stage": ("name", "arn:aws:apigateway:{region}::/restapis/{api}/stages/{name}"),
    "AWS::ApiGateway::Authorizer": ("id:auth", "arn:aws:apigateway:{region}::/restapis/{api}/authorizers/{id}"),
    "AWS::ApiGateway::GatewayResponse": ("id:gwr", "arn:aws:apigateway:{region}::/restapis/{api}/gatewayresponses/{rtype}"),
    "AWS::ApiGateway::Account": ("id:acct", "arn:aws:apigateway:{region}::/account"),
    "AWS::ApiGateway::ApiKey": ("id:key", "arn:aws:apigateway:{region}::/apikeys/{id}"),
    "AWS::ApiGateway::UsagePlan": ("id:plan", "arn:aws:apigateway:{region}::/usageplans/{id}"),
    "AWS::ApiGateway::UsagePlanKey": ("id:upk", "arn:aws:apigateway:{region}::/usageplans/{plan}/keys/{key}"),
    "AWS::SNS::Topic": ("arn", "arn:aws:sns:{region}:{account}:{name}"),                           # sns topic
    "AWS::SNS::Subscription": ("arn", None),                                                       # its topic's
    "AWS::SNS::TopicPolicy": ("id:tp", None),
    "AWS::CloudWatch::Alarm": ("name", "arn:aws:cloudwatch:{region}:{account}:alarm:{name}"),      # cloudwatch alarm
    "AWS::Scheduler::Schedule": ("name", "arn:aws:scheduler:{region}:{account}:schedule/default/{name}"),
    "AWS::Scheduler::ScheduleGroup": ("name", "arn:aws:scheduler:{region}:{account}:schedule-group/{name}"),
    "AWS::ApplicationAutoScaling::ScalableTarget": ("id:st", "arn:aws:application-autoscaling:{region}:{account}:scalable-target/{id}"),
    "AWS::ApplicationAutoScaling::ScalingPolicy": ("arn", "arn:aws:application-autoscaling:{region}:{account}:scalable-target/{id}"),
    "AWS::SQS::Queue": ("url", "arn:aws:sqs:{region}:{account}:{name}"),                           # sqs queue
    "AWS::SQS::QueuePolicy": ("id:qp", None),
    "AWS::Events::Rule": ("name", "arn:aws:events:{region}:{account}:rule/{name}"),                # events rule
}
NAME_PROPERTY = {
    "AWS::IAM::Role": "RoleName", "AWS::Lambda::Function": "FunctionName", "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SNS::Topic": "TopicName", "AWS::CloudWatch::Alarm": "AlarmName", "AWS::Scheduler::Schedule": "Name",
    "AWS::Scheduler::ScheduleGroup": "Name", "AWS::SageMaker::Endpoint": "EndpointName",
    "AWS::SageMaker::EndpointConfig": "EndpointConfigName", "AWS::SageMaker::Model": "ModelName",
    "AWS::SageMaker::InferenceComponent": "InferenceComponentName",
    "AWS::SQS::Queue": "QueueName", "AWS::Events::Rule": "Name", "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::ApiGateway::Stage": "StageName",
}


class Template:
    """A template resolved for one set of parameter values: `resources` {logical id: resolved resource}."""

    def __init__(self, template, parameters, stack_name):
        self.raw = template
        self.stack_name = stack_name
        self._depends = {}
        self.stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{stack_name}/{STACK_UUID}"
        self.parameters = {k: str(v.get("Default", "")) for k, v in template.get("Parameters", {}).items()}
        self.parameters.update(parameters)
        self.conditions = {name: self._condition(name) for name in template.get("Conditions", {})}
        self.present = {lid: r for lid, r in template["Resources"].items()
                        if r.get("Condition") is None or self.conditions[r["Condition"]]}
        self.resources = {}
        for lid, resource in self.present.items():
            resolved = copy.copy(resource)
            resolved["Properties"] = self.resolve(resource.get("Properties", {}))
            self.resources[lid] = resolved

    # ---- conditions and intrinsic functions -------------------------------------------------------
    def _condition(self, name):
        return bool(self._cond_value(self.raw["Conditions"][name]))

    def _cond_value(self, expr):
        if isinstance(expr, dict) and len(expr) == 1:
            fn, arg = next(iter(expr.items()))
            if fn == "Fn::Equals":
                return self.resolve(arg[0]) == self.resolve(arg[1])
            if fn == "Fn::Not":
                return not self._cond_value(arg[0])
            if fn == "Fn::And":
                return all(self._cond_value(a) for a in arg)
            if fn == "Fn::Or":
                return any(self._cond_value(a) for a in arg)
            if fn == "Condition":
                return self._condition(arg)
        raise ValueError(f"unsupported condition expression {json.dumps(expr)}")

    def resolve(self, value):
        """Resolve intrinsics to plain JSON; AWS::NoValue entries disappear."""
        if isinstance(value, list):
            return [v for v in (self.resolve(x) for x in value) if v is not NOVALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            fn, arg = next(iter(value.items()))
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Fn::GetAtt":
                lid, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(lid, attr)
            if fn == "Fn::Sub":
                return self._sub(arg)
            if fn == "Fn::If":
                return self.resolve(arg[1] if self.conditions[arg[0]] else arg[2])
            if fn == "Fn::Join":
                return self.resolve(arg[0]).join(str(x) for x in self.resolve(arg[1]))
            if fn == "Fn::Select":
                return self.resolve(arg[1])[int(self.resolve(arg[0]))]
            if fn == "Fn::Split":
                return self.resolve(arg[1]).split(self.resolve(arg[0]))
            if fn == "Fn::GetAZs":
                return [f"{REGION}{z}" for z in "abc"]
            if fn == "Fn::Base64":
                return self.resolve(arg)
            if fn.startswith("Fn::"):
                raise ValueError(f"unsupported intrinsic {fn}")
        out = {}
        for key, item in value.items():
            resolved = self.resolve(item)
            if resolved is not NOVALUE:
                out[key] = resolved
        return out

    def _sub(self, arg):
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
        out, i = [], 0
        while i < len(text):
            start = text.find("${", i)
            if start < 0:
                out.append(text[i:])
                break
            out.append(text[i:start])
            end = text.index("}", start)
            name = text[start + 2:end]
            if name.startswith("!"):
                out.append("${" + name[1:] + "}")
            elif name in variables:
                out.append(str(variables[name]))
            elif "." in name and not name.startswith("AWS::"):
                out.append(str(self.get_att(*name.split(".", 1))))
            else:
                out.append(str(self.ref(name)))
            i = end + 1
        return "".join(out)

    def ref(self, name):
        pseudo = {"AWS::StackId": self.stack_id, "AWS::StackName": self.stack_name, "AWS::Region": REGION,
                  "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
                  "AWS::NoValue": NOVALUE}
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        kind = ARNS[self._type(name)][0]
        if kind == "arn":
            return self.arn(name)
        if kind == "url":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{self.name(name)}"
        return self.name(name) if kind == "name" else self.physical_id(name)

    def get_att(self, lid, attr):
        type_name = self._type(lid)
        if attr == "Arn" and type_name == "AWS::Logs::LogGroup":
            return self.arn(lid) + ":*"  # the documented return value ends in :*
        if attr == "Arn" or attr.endswith("Arn"):
            return self.arn(lid)
        if attr in ("EndpointName", "EndpointConfigName", "ModelName", "TopicName", "QueueName", "Name"):
            return self.name(lid)
        if attr in ("GroupId", "AllocationId", "KeyId", "Id", "RuleId", "FunctionId", "RestApiId"):
            return self.physical_id(lid)
        if attr == "RootResourceId" and type_name == "AWS::ApiGateway::RestApi":
            return f"root-{lid.lower()}"
        return f"{{{lid}.{attr}}}"

    def _type(self, lid):
        if lid not in self.raw["Resources"]:
            raise KeyError(f"unknown logical id {lid}")
        type_name = self.raw["Resources"][lid]["Type"]
        if type_name not in ARNS:
            raise KeyError(f"{type_name} ({lid}) has no ARN pattern: add it to tools/iam/cfn_model.py ARNS "
                           "from the Service Authorization Reference")
        return type_name

    # ---- names, IDs and ARNs ------------------------------------------------------------------------
    def name(self, lid):
        """The resource's name: the template's name property, or the one CloudFormation generates."""
        type_name = self._type(lid)
        prop = NAME_PROPERTY.get(type_name)
        props = self.raw["Resources"][lid].get("Properties", {})
        if prop and prop in props:
            resolved = self.resolve(props[prop])
            if isinstance(resolved, str):
                return resolved
        return f"{self.stack_name}-{lid}-GENERATED"

    def physical_id(self, lid):
        kind = ARNS[self._type(lid)][0]
        prefix = kind.split(":", 1)[1] if kind.startswith("id:") else "id"
        return f"{prefix}-{lid.lower()}"

    def arn(self, lid):
        """The ARN IAM authorizes calls on this resource against (None for types that have none of their own)."""
        type_name = self._type(lid)
        pattern = ARNS[type_name][1]
        if pattern is None:
            return None
        props = self.raw["Resources"][lid].get("Properties", {})
        fields = {"region": REGION, "account": ACCOUNT, "name": self.name(lid), "lname": self.name(lid).lower(),
                  "id": self.physical_id(lid)}
        if "{api}" in pattern:
            fields["api"] = self.resolve(props.get("RestApiId", ""))
        if "{res}" in pattern:
            fields["res"] = self.resolve(props.get("ResourceId", ""))
            fields["http"] = self.resolve(props.get("HttpMethod", ""))
        if "{rtype}" in pattern:
            fields["rtype"] = self.resolve(props.get("ResponseType", ""))
        if "{plan}" in pattern:
            fields["plan"], fields["key"] = self.resolve(props.get("UsagePlanId", "")), self.resolve(props.get("KeyId", ""))
        return pattern.format(**fields)

    def arn_for_name(self, type_name, name):
        """The ARN of a resource of this type with this name (a name a function computes or is given)."""
        return ARNS[type_name][1].format(region=REGION, account=ACCOUNT, name=name, lname=name.lower(), id=name)

    def tags(self, lid):
        """The tags the template gives a resource (list-of-Key/Value or map form); None if it cannot carry tags."""
        tags = self.resources.get(lid, self.present.get(lid, {})).get("Properties", {}).get("Tags")
        if isinstance(tags, list):
            return {t["Key"]: str(t["Value"]) for t in tags}
        if isinstance(tags, dict):
            return {k: str(v) for k, v in tags.items()}
        return {}

    def depends_on(self, lid):
        """Logical IDs this resource depends on: DependsOn, Ref, GetAtt and Fn::Sub references (all branches)."""
        if lid not in self._depends:
            resource = self.raw["Resources"][lid]
            deps = resource.get("DependsOn", [])
            found = set([deps] if isinstance(deps, str) else deps) | references(resource.get("Properties", {}))
            self._depends[lid] = found & set(self.raw["Resources"])
        return self._depends[lid]

    def depends_transitively(self, lid, on):
        """Whether `lid` depends on `on` through any chain of present resources."""
        seen, todo = set(), [lid]
        while todo:
            current = todo.pop()
            for dep in self.depends_on(current):
                if dep == on:
                    return True
                if dep not in seen and dep in self.present:
                    seen.add(dep)
                    todo.append(dep)
        return False


def references(value):
    """Names a raw template value refers to through Ref, Fn::GetAtt and Fn::Sub (resources and parameters)."""
    found = set()
    if isinstance(value, list):
        for v in value:
            found |= references(v)
    elif isinstance(value, dict):
        for fn, arg in value.items():
            if fn == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif fn == "Fn::GetAtt":
                found.add(arg[0] if isinstance(arg, list) else arg.split(".")[0])
            elif fn == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                found |= {piece.split("}")[0].split(".")[0] for piece in text.split("${")[1:]}
                found |= references(arg if isinstance(arg, str) else arg[1])
            else:
                found |= references(arg)
    return found
