"""The automated paths of a synthesized CloudFormation stack, as (principal, action, resource, context) needs.

- TTL destroy: the schedule's universal target (aws-sdk:cloudformation:deleteStack) run by its execution role,
  then every delete handler of the stack's resources (DeletionPolicy Retain excepted), on the session that
  called DeleteStack (forward access sessions, aws:CalledVia=[cloudformation.amazonaws.com]) or on the service
  role the call passes as RoleARN. Checked with Paused=false and Paused=true (the TTL fires in either state).
- Idle pause: the function's own calls (from its code: function_code.py, lambda_calls.py) and the handlers of the
  change between the template resolved with Paused=false and Paused=true.
AWS doc sources: "Forward access sessions (FAS)" and "aws:CalledVia" (IAM User Guide, global condition keys);
"AWS CloudFormation service role" (CloudFormation User Guide); EventBridge Scheduler "universal targets"
(the execution role needs the IAM action <service>:<ApiAction>).
"""
from dataclasses import dataclass, field
import json

from cfn_model import Template
from handler_calls import HandlerCalls
from function_code import function_calls, vpc_interface_calls
from policy_eval import Request, evaluate, statements_of
from request_paths import component_arns
from variants import ACCOUNT, REGION

CFN = "cloudformation.amazonaws.com"
PASSED_TO = {"AWS::Lambda::Function": "lambda.amazonaws.com", "AWS::SageMaker::Model": "sagemaker.amazonaws.com",
             "AWS::EC2::FlowLog": "vpc-flow-logs.amazonaws.com", "AWS::ApiGateway::Account": "apigateway.amazonaws.com",
             "AWS::Scheduler::Schedule": "scheduler.amazonaws.com", "AWS::SNS::Topic": "sns.amazonaws.com"}
# Keyword names of API calls -> the template resource type they name (for a function's own calls).
KEYWORD_TYPES = {"EndpointName": "AWS::SageMaker::Endpoint", "TopicArn": "AWS::SNS::Topic",
                 "AlarmName": "AWS::CloudWatch::Alarm", "AlarmNames": "AWS::CloudWatch::Alarm",
                 "FunctionName": "AWS::Lambda::Function", "QueueUrl": "AWS::SQS::Queue"}
# Actions Service Authorization Reference lists without resource types.
STAR_ACTIONS = {"cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics",
                "xray:PutTraceSegments", "xray:PutTelemetryRecords", "sagemaker:ListEndpoints"}


@dataclass
class Need:
    """One call a principal must be allowed to make."""
    path: str
    principal: str  # logical id of the role, or its ARN
    action: str
    resource: str
    why: str
    via_cloudformation: bool = False
    create_tags: dict = field(default_factory=dict)
    passed_to: str = None
    extra_context: dict = field(default_factory=dict)


# Publishing to an encrypted topic or queue: SNS/SQS use the key on the caller's behalf, so the caller needs
# kms:GenerateDataKey* and kms:Decrypt on it (SNS "Encryption at rest", SQS "Key management" docs).
ENCRYPTED_TARGETS = {"sns:Publish": ("AWS::SNS::Topic", "sns"), "sqs:SendMessage": ("AWS::SQS::Queue", "sqs")}


def key_needs(path, principal, action, resource, model, why):
    """The KMS calls an sns:Publish or sqs:SendMessage to an encrypted topic or queue of the template implies."""
    if action not in ENCRYPTED_TARGETS:
        return []
    type_name, service = ENCRYPTED_TARGETS[action]
    for lid, r in model.resources.items():
        if r["Type"] == type_name and model.arn(lid) == resource:
            key = r["Properties"].get("KmsMasterKeyId")
            if not isinstance(key, str) or key.startswith("alias/aws/"):
                return []
            arn = key if key.startswith("arn:") else f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key}"
            context = {"kms:ViaService": f"{service}.{REGION}.amazonaws.com"}
            return [Need(path, principal, a, arn, f"{why}: {lid} is encrypted", extra_context=context)
                    for a in ("kms:GenerateDataKey", "kms:Decrypt")]
    return []


def unused_grants(documents, requests):
    """[(principal, Sid, action)] for each Action entry of a principal's Allow statements that allows none of
    that principal's requests: a grant wider than the paths need ("nothing wider", issue 15)."""
    unused = []
    for principal, docs in sorted(documents.items()):
        mine = [r for p, r in requests if p == principal]
        for document in docs:
            for statement in statements_of(document):
                if statement.get("Effect") != "Allow" or "Action" not in statement:
                    continue
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                for action in actions:
                    alone = {"Statement": [dict(statement, Action=action)]}
                    if not any(evaluate([alone], r).allowed for r in mine):
                        unused.append((principal, statement.get("Sid", "?"), action))
    return unused


class StackPaths:
    """The automated paths of one synthesized template."""

    def __init__(self, raw, stack_name, service_roles=None, package_dir=None):
        self.raw = raw
        self.package_dir = package_dir  # where synth wrote the functions' S3 packages (OUT/cloudformation)
        self.stack_name = stack_name
        self.running = Template(raw, {"Paused": "false"}, stack_name) if "Paused" in raw.get("Parameters", {}) \
            else Template(raw, {}, stack_name)
        self.paused = Template(raw, {"Paused": "true"}, stack_name) if "Paused" in raw.get("Parameters", {}) else None
        self.service_roles = service_roles or {}  # role ARN -> role Properties, for roles outside the template
        self.checked = []  # (path, principal, action, resource) of every call evaluated
        self.requests = []  # (principal, Request) of every call evaluated

    # ---- principals ------------------------------------------------------------------------------------
    def role_lid(self, arn, model):
        for lid, r in model.raw["Resources"].items():
            if r["Type"] == "AWS::IAM::Role" and model.arn(lid) == arn:
                return lid
        return None

    def documents(self, principal, model, without_own=False):
        """The identity policy documents of a principal (its inline policies, resolved)."""
        if principal in model.resources:
            props = model.resources[principal]["Properties"]
        elif principal in self.service_roles:
            props = self.service_roles[principal]
        else:
            return None
        if without_own:
            return []
        return [p["PolicyDocument"] for p in props.get("Policies", [])]

    def principal_arn(self, principal, model):
        return model.arn(principal) if principal in model.raw["Resources"] else principal

    # ---- evaluation --------------------------------------------------------------------------------------
    def request(self, need, model, arn_to_lid):
        principal_arn = self.principal_arn(need.principal, model)
        context = {"aws:PrincipalAccount": ACCOUNT, "aws:RequestedRegion": REGION, "aws:PrincipalArn": principal_arn,
                   "aws:PrincipalType": "AssumedRole", "aws:SecureTransport": "true",
                   "aws:ViaAWSService": "true" if need.via_cloudformation else "false"}
        absent = {"aws:SourceArn", "aws:SourceAccount", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceOrgID",
                  "aws:MultiFactorAuthPresent", "aws:PrincipalTag/*", "aws:RequestTag/*", "aws:TagKeys"}
        if need.principal in model.raw["Resources"]:
            context.update({f"aws:PrincipalTag/{k}": v for k, v in model.tags(need.principal).items()})
        if need.via_cloudformation:
            context.update({"aws:CalledVia": [CFN], "aws:CalledViaFirst": CFN, "aws:CalledViaLast": CFN})
        else:
            absent |= {"aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast"}
        if need.resource == "*":
            absent |= {"aws:ResourceTag/*", "aws:ResourceAccount"}
        else:
            context["aws:ResourceAccount"] = ACCOUNT
            lid = arn_to_lid.get(need.resource)
            if lid is not None:
                tags = dict(model.tags(lid))
                if "Tags" in model.raw["Resources"][lid].get("Properties", {}):
                    tags.update({"aws:cloudformation:stack-name": self.stack_name, "aws:cloudformation:logical-id": lid,
                                 "aws:cloudformation:stack-id": model.stack_id})
                context.update({f"aws:ResourceTag/{k}": v for k, v in tags.items()})
                absent.add("aws:ResourceTag/*")
        if need.create_tags:
            context.update({f"aws:RequestTag/{k}": v for k, v in need.create_tags.items()})
            context["aws:TagKeys"] = sorted(need.create_tags)
        if need.passed_to:
            context["iam:PassedToService"] = need.passed_to
        context.update(need.extra_context)
        return Request(need.action, need.resource, context, frozenset(absent))

    def check(self, needs, model):
        """One message per need that the principal's policies do not allow."""
        arn_to_lid = {model.arn(lid): lid for lid in model.raw["Resources"] if ARN_OK(model, lid)}
        failures, seen = [], set()
        for need in needs:
            self.checked.append((need.path, need.principal, need.action, need.resource))
            self.requests.append((need.principal, self.request(need, model, arn_to_lid)))
            docs = self.documents(need.principal, model)
            name = need.principal if need.principal in model.raw["Resources"] else need.principal.rsplit("/", 1)[-1]
            if docs is None:
                message = f"{need.path}: the policies of {need.principal} are not in the template or a service-role file"
            else:
                decision = evaluate(docs, self.request(need, model, arn_to_lid))
                if decision.allowed:
                    continue
                message = f"{need.path}: {name} lacks {need.action} on {need.resource} ({need.why}; {decision.reason}"
                message += f"; undecided: {'; '.join(decision.undecided)})" if decision.undecided else ")"
            if message not in seen:
                seen.add(message)
                failures.append(message)
        return failures

    def unused_grants(self, model):
        """Per principal whose calls were checked: (Sid, action) of each granted action no checked call uses."""
        return unused_grants({p: self.documents(p, model) or [] for p, _ in self.requests}, self.requests)

    # ---- handler needs -------------------------------------------------------------------------------
    def handler_needs(self, path, principal, model, lid, handler, via_cfn=True):
        calls = HandlerCalls(model)
        props = model.resources[lid]["Properties"] if lid in model.resources else {}
        type_name = model.raw["Resources"][lid]["Type"]
        tags = model.tags(lid) if handler == "create" else {}
        return [Need(path, principal, action, resource, why, via_cfn, tags,
                     PASSED_TO.get(type_name) if action.lower() == "iam:passrole" else None)
                for action, resource, why in calls.calls(lid, handler, props)]

    def acting_principal(self, path, caller, role_arn, model, needs):
        """CloudFormation acts as the service role when the call passes RoleARN, else on the caller's session."""
        if not role_arn:
            return caller
        needs.append(Need(path, caller, "iam:PassRole", role_arn, "passing the CloudFormation service role",
                          passed_to=CFN))
        return self.role_lid(role_arn, model) or role_arn

    # ---- TTL destroy -----------------------------------------------------------------------------------
    def schedules(self, model):
        return [lid for lid, r in model.resources.items() if r["Type"] == "AWS::Scheduler::Schedule"]

    def ttl_destroy(self, model, label):
        """Needs and ordering problems of each schedule that deletes this stack."""
        failures = []
        for schedule in self.schedules(model):
            props = model.resources[schedule]["Properties"]
            target = props["Target"]
            caller = self.role_lid(target["RoleArn"], model) or target["RoleArn"]
            path = f"TTL destroy ({label}, {schedule})"
            needs = []
            dlq = target.get("DeadLetterConfig", {}).get("Arn")
            if dlq:  # Scheduler sends the dead-letter event with the execution role ("Configuring a schedule's
                # dead-letter queue": set up execution role permissions, sqs:SendMessage on the queue)
                needs.append(Need(path, caller, "sqs:SendMessage", dlq, f"{schedule}'s dead-letter queue"))
                needs += key_needs(path, caller, "sqs:SendMessage", dlq, model, f"{schedule}'s dead-letter queue")
            if props.get("KmsKeyArn"):
                needs.append(Need(path, caller, "kms:Decrypt", props["KmsKeyArn"], f"{schedule} input encrypted with KmsKeyArn"))
            if not target["Arn"].startswith("arn:aws:scheduler:::aws-sdk:"):
                resource = target["Arn"]
                action = {"lambda": "lambda:InvokeFunction", "sqs": "sqs:SendMessage", "sns": "sns:Publish"}.get(resource.split(":")[2])
                if action is None:
                    failures.append(f"{path}: target {resource} is not modelled")
                needs.append(Need(path, caller, action, resource, f"{schedule}'s target"))
                failures += self.check(needs, model)
                continue
            service, api = target["Arn"].rsplit(":", 2)[-2:]
            action = f"{service}:{api[0].upper()}{api[1:]}"
            payload = json.loads(target.get("Input", "{}"))
            if action != "cloudformation:DeleteStack":
                resource = model.stack_id if "StackName" in payload else "*"
                needs.append(Need(path, caller, action, resource, f"{schedule}'s universal target"))
                failures += self.check(needs, model)
                continue
            needs.append(Need(path, caller, action, payload.get("StackName", model.stack_id), f"{schedule}'s universal target"))
            actor = self.acting_principal(path, caller, payload.get("RoleARN"), model, needs)
            for lid, resource in model.resources.items():
                if resource.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"):
                    continue
                needs += self.handler_needs(path, actor, model, lid, "delete")
            failures += self.check(needs, model)
            failures += self.self_deletion(path, actor, model)
        return failures

    def self_deletion(self, path, actor, model):
        """A role in this stack that CloudFormation acts as must outlive every other deletion, and cannot
        delete itself: the AWS::IAM::Role delete handler removes its inline policies before DeleteRole."""
        if actor not in model.resources or model.resources[actor].get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"):
            return []
        problems = [f"{path}: {actor} deletes itself: the AWS::IAM::Role delete handler calls iam:DeleteRolePolicy "
                    f"on its inline policies before iam:DeleteRole, so {actor} then lacks iam:DeleteRole on "
                    f"{model.arn(actor)} (DeletionPolicy Retain, or a service role outside the stack, avoids it)"]
        for lid in model.resources:
            if lid != actor and not model.depends_transitively(lid, actor) and \
                    model.resources[lid].get("DeletionPolicy") not in ("Retain", "RetainExceptOnCreate"):
                problems.append(f"{path}: {actor} may be deleted before {lid} ({lid} does not depend on it), "
                                f"and {lid}'s delete calls then run on a deleted role")
        return problems


    # ---- functions: idle pause and any other automated function ----------------------------------------
    def triggered(self, model):
        """{function: [(kind, trigger logical id)]}: functions alarms, schedules, EventBridge rules or topics invoke."""
        functions = {model.arn(l): l for l, r in model.resources.items() if r["Type"] == "AWS::Lambda::Function"}
        found = {}

        def add(arn, kind, lid):
            base = ":".join(arn.split(":")[:7]) if isinstance(arn, str) else None  # drop a :qualifier
            if base in functions:
                found.setdefault(functions[base], []).append((kind, lid))
        for lid, r in model.resources.items():
            props = r["Properties"]
            if r["Type"] == "AWS::CloudWatch::Alarm":
                for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
                    for action in props.get(key, []):
                        add(action, "alarm", lid)
            elif r["Type"] == "AWS::Scheduler::Schedule":
                add(props.get("Target", {}).get("Arn"), "schedule", lid)
            elif r["Type"] == "AWS::Events::Rule":
                for target in props.get("Targets", []):
                    add(target.get("Arn"), "rule", lid)
            elif r["Type"] == "AWS::SNS::Subscription" and props.get("Protocol") == "lambda":
                add(props.get("Endpoint"), "topic", lid)
            elif r["Type"] == "AWS::SNS::Topic":
                for sub in props.get("Subscription", []):
                    if sub.get("Protocol") == "lambda":
                        add(sub.get("Endpoint"), "topic", lid)
        return found

    def alarm_invoked(self, model):
        """{function logical id: [alarm logical ids]} for functions an alarm action invokes."""
        return {f: [l for k, l in t if k == "alarm"] for f, t in self.triggered(model).items()
                if any(k == "alarm" for k, _ in t)}

    def function_needs(self, path, function, model, alarms=()):
        """The function's own calls (from its code, function_code.py), its log, trace and VPC interface calls,
        and for an UpdateStack with Paused=true the handlers of that change. Returns (needs, problems)."""
        props = model.resources[function]["Properties"]
        role = self.role_lid(props["Role"], model) or props["Role"]
        env = props.get("Environment", {}).get("Variables", {})
        calls, problem = function_calls(props, env, self.package_dir)
        if problem:
            return [], [f"{path}: {function}'s {problem}"]
        needs, problems = [], []
        group = props.get("LoggingConfig", {}).get("LogGroup", f"/aws/lambda/{model.name(function)}")
        stream = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:log-stream:STREAM"
        needs += [Need(path, role, a, stream, "Lambda writes the function's logs") for a in ("logs:CreateLogStream", "logs:PutLogEvents")]
        if props.get("TracingConfig", {}).get("Mode") == "Active":
            needs += [Need(path, role, a, "*", "active tracing") for a in ("xray:PutTraceSegments", "xray:PutTelemetryRecords")]
        needs += [Need(path, role, a, r, why) for a, r, why in vpc_interface_calls(props, function)]
        for call in calls:
            where = f"{function} {'' if 'ZipFile' in props['Code'] else call.module + '.py '}line {call.line}"
            if call.action in STAR_ACTIONS:
                needs.append(Need(path, role, call.action, "*", where))
                continue
            resources = self.call_resources(call, env, model, alarms)
            if call.action.startswith("sagemaker:InvokeEndpoint"):
                resources += component_arns(env, model)
            if not resources:
                problems.append(f"{path}: {where} calls {call.action} on a resource this test cannot tell "
                                f"(keywords {sorted(call.keywords)}): map it in tools/iam/paths.py KEYWORD_TYPES")
            needs += [Need(path, role, call.action, r, where) for r in resources]
            needs += [n for r in resources for n in key_needs(path, role, call.action, r, model, where)]
        # The change CloudFormation then makes, on the caller's session or the service role passed as RoleARN
        # (to UpdateStack, DeleteStack or CreateChangeSet; a change set's handlers run when it is executed).
        service_role = next((self.env_value(c.keywords.get("RoleARN"), env) for c in calls if "RoleARN" in c.keywords), None)
        for call in calls:
            where = f"{function} line {call.line}"
            if call.action in ("cloudformation:UpdateStack", "cloudformation:ExecuteChangeSet", "cloudformation:DeleteStack"):
                actor = self.acting_principal(path, role, service_role, model, needs)
                if call.action == "cloudformation:DeleteStack":
                    for lid in model.resources:
                        needs += self.handler_needs(path, actor, model, lid, "delete")
                elif alarms and self.paused is not None:
                    needs += self.pause_needs(path, actor)
                else:
                    problems.append(f"{path}: {where} calls {call.action}: the change it makes is not modelled")
        return needs, problems

    def env_value(self, keyword, env):
        if isinstance(keyword, str) and keyword.startswith("env:"):
            return env.get(keyword[4:])
        return keyword if isinstance(keyword, str) else None

    def call_resources(self, call, env, model, alarms):
        for keyword, value in sorted(call.keywords.items()):
            resolved = self.env_value(value, env)
            if keyword in ("StackName", "StackId"):
                return [resolved if isinstance(resolved, str) and resolved.startswith("arn:") else model.stack_id]
            if keyword not in KEYWORD_TYPES:
                continue
            if isinstance(resolved, str) and resolved.startswith("arn:"):
                return [resolved]
            type_name = KEYWORD_TYPES[keyword]
            if isinstance(resolved, str) and type_name in ("AWS::SageMaker::Endpoint", "AWS::CloudWatch::Alarm",
                                                            "AWS::Lambda::Function"):
                return [model.arn_for_name(type_name, resolved)]
            if type_name == "AWS::CloudWatch::Alarm" and alarms:
                return [model.arn(a) for a in alarms]
            # a name from the environment or computed in the code: the template's resources of that type
            candidates = [l for l, r in self.running.raw["Resources"].items() if r["Type"] == type_name]
            return [model.arn(l) for l in candidates]
        return []

    def pause_needs(self, path, actor):
        """Handler calls of UpdateStack Paused=true: the change between the two resolved templates."""
        needs = []
        for lid, change in HandlerCalls(self.running).property_changes(self.running, self.paused).items():
            for handler in {"replace": ["create", "delete"]}.get(change, [change]):
                model = self.paused if handler == "create" else self.running
                needs += self.handler_needs(f"{path} [{lid} {change}]", actor, model, lid, handler)
        return needs

    def alarm_permission_problems(self, path, function, alarms, model):
        """Each alarm must be able to invoke the function once it exists: a Lambda permission for
        lambda.alarms.cloudwatch.amazonaws.com with its ARN, which the alarm depends on."""
        problems = []
        for alarm in alarms:
            grants = [l for l, r in model.resources.items() if r["Type"] == "AWS::Lambda::Permission"
                      and r["Properties"].get("Principal") == "lambda.alarms.cloudwatch.amazonaws.com"
                      and r["Properties"].get("FunctionName") in (model.arn(function), model.name(function))
                      and r["Properties"].get("SourceArn") in (None, model.arn(alarm))]
            if not grants:
                problems.append(f"{path}: no Lambda permission lets {alarm} invoke {function}")
            elif not any(model.depends_transitively(alarm, g) for g in grants):
                problems.append(f"{path}: {alarm} does not depend on {', '.join(grants)}: its first action can run "
                                f"before CloudWatch may invoke {function}")
        return problems


def ARN_OK(model, lid):
    try:
        return model.arn(lid) is not None
    except (KeyError, ValueError, IndexError, TypeError):
        return False
