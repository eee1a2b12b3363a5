"""The automated paths of a synthesized Terraform directory, checked against the roles that run them.

Terraform's deletions are not CloudFormation handlers: what runs unattended are the schedules (EventBridge
Scheduler universal targets `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`, whose execution role needs
the IAM action <service>:<ApiAction>, and kms:Decrypt on the schedule's customer managed key) and the functions
alarms invoke (their own API calls, read from the function's zip with lambda_calls.py, plus their log and trace
writes). Each call is evaluated with policy_eval against the role's aws_iam_role_policy documents.
"""
import glob
import io
import pathlib
import zipfile

from lambda_calls import api_calls
from policy_eval import Request, evaluate
from tf_model import TF_ARNS, Terraform
from variants import ACCOUNT, REGION

# Keyword names of API calls -> the Terraform resource type they name.
TF_KEYWORD_TYPES = {"EndpointName": "aws_sagemaker_endpoint", "TopicArn": "aws_sns_topic",
                    "AlarmName": "aws_cloudwatch_metric_alarm", "AlarmNames": "aws_cloudwatch_metric_alarm",
                    "FunctionName": "aws_lambda_function", "QueueUrl": "aws_sqs_queue"}
STAR_ACTIONS = {"cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "xray:PutTraceSegments",
                "xray:PutTelemetryRecords"}


class TerraformPaths:
    def __init__(self, directory, stack_name, variables=None):
        self.dir = pathlib.Path(directory)
        files = [pathlib.Path(f).read_text() for f in sorted(glob.glob(str(self.dir / "*.tf")))]
        self.tf = Terraform(files, dict({"stack_name": stack_name, "region": REGION}, **(variables or {})))
        provider = [body for kind, name, _, body in self.tf.items if kind == "block" and name == "provider"]
        default_tags = self.tf.block(provider[0], "default_tags") if provider else []
        self.default_tags = (self.tf.attr(default_tags[0], "tags") or {}) if default_tags else {}
        self.checked = []  # (path, action, resource) of every call evaluated
        self.requests = []  # (role ARN, Request) of every call evaluated

    def role_documents(self, role_arn):
        """Inline policies (aws_iam_role_policy and inline_policy blocks) of the role with this ARN."""
        docs = []
        for (_, name), body in self.tf.resources("aws_iam_role").items():
            if self.tf.resource_attr("aws_iam_role", name, "arn") != role_arn:
                continue
            role_name = self.tf.resource_name("aws_iam_role", name)
            docs += [self.tf.attr(b, "policy") for b in self.tf.block(body, "inline_policy")]
            for _, policy in self.tf.resources("aws_iam_role_policy").items():
                if self.tf.attr(policy, "role") == role_name:
                    docs.append(self.tf.attr(policy, "policy"))
        return docs

    def unused_grants(self):
        """(role, Sid, action) of each granted action none of the role's checked calls uses (see paths.unused_grants)."""
        from paths import unused_grants
        return unused_grants({r: self.role_documents(r) for r, _ in self.requests}, self.requests)

    def tags_of(self, arn):
        """Tags of the resource with this ARN (its tags merged over the provider's default_tags), or None."""
        for type_name in TF_ARNS:
            for (_, name), body in self.tf.resources(type_name).items():
                if self.tf.resource_attr(type_name, name, "arn") == arn:
                    return dict(self.default_tags, **(self.tf.attr(body, "tags") or {}))
        return None

    def check(self, path, role_arn, needs):
        """needs: [(action, resource, why[, extra context])]; one message per call the role's policies do not allow."""
        docs = self.role_documents(role_arn)
        role = role_arn.rsplit("/", 1)[-1]
        failures = []
        for action, resource, why, *extra in needs:
            self.checked.append((path, action, resource))
            context = {"aws:PrincipalAccount": ACCOUNT, "aws:RequestedRegion": REGION, "aws:PrincipalArn": role_arn,
                       "aws:ViaAWSService": "false", "aws:SecureTransport": "true"}
            absent = {"aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:SourceArn", "aws:SourceAccount",
                      "aws:RequestTag/*", "aws:TagKeys", "aws:PrincipalTag/*"}
            context.update(extra[0] if extra else {})
            tags = self.tags_of(resource) if resource != "*" else None
            if tags is not None:
                context.update({f"aws:ResourceTag/{k}": v for k, v in tags.items()})
                absent.add("aws:ResourceTag/*")
            elif resource == "*":
                absent.add("aws:ResourceTag/*")
            request = Request(action, resource, context, frozenset(absent))
            self.requests.append((role_arn, request))
            decision = evaluate(docs, request)
            if not decision.allowed:
                note = f"; undecided: {'; '.join(decision.undecided)}" if decision.undecided else ""
                failures.append(f"{path}: {role} lacks {action} on {resource} ({why}; {decision.reason}{note})")
        return failures

    def resource_arn(self, keyword, value):
        """An ARN for a call's keyword value: an ARN as is, else the Terraform resource of that type."""
        if isinstance(value, str) and value.startswith("arn:"):
            return [value]
        type_name = TF_KEYWORD_TYPES.get(keyword)
        if type_name is None:
            return []
        if isinstance(value, str) and type_name in TF_ARNS:  # a name: that resource's ARN
            return [TF_ARNS[type_name].format(account=ACCOUNT, region=REGION, name=value, lname=value.lower())]
        return [self.tf.resource_attr(type_name, name, "arn") for (_, name) in self.tf.resources(type_name)]

    def key_needs(self, action, resource, why):
        """kms:GenerateDataKey and kms:Decrypt for publishing to an encrypted topic or queue (see paths.key_needs)."""
        type_name = {"sns:Publish": "aws_sns_topic", "sqs:SendMessage": "aws_sqs_queue"}.get(action)
        for (_, name), body in self.tf.resources(type_name).items() if type_name else []:
            if self.tf.resource_attr(type_name, name, "arn") == resource:
                key = self.tf.attr(body, "kms_master_key_id")
                if not isinstance(key, str) or key.startswith("alias/aws/"):
                    return []
                arn = key if key.startswith("arn:") else f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key}"
                via = {"kms:ViaService": f"{type_name.split('_')[1]}.{REGION}.amazonaws.com"}
                return [(a, arn, f"{why}: {name} is encrypted", via) for a in ("kms:GenerateDataKey", "kms:Decrypt")]
        return []

    def schedule_failures(self):
        failures = []
        for (_, name), body in sorted(self.tf.resources("aws_scheduler_schedule").items()):
            target = self.tf.block(body, "target")[0]
            arn, role_arn = self.tf.attr(target, "arn"), self.tf.attr(target, "role_arn")
            if not arn.startswith("arn:aws:scheduler:::aws-sdk:"):
                continue
            service, api = arn.rsplit(":", 2)[-2:]
            action = f"{service}:{api[0].upper()}{api[1:]}"
            payload = self.tf.attr(target, "input") or {}
            resources = [r for k, v in sorted(payload.items()) for r in self.resource_arn(k, v)] or ["*"]
            needs = [(action, r, f"{name}'s universal target") for r in resources]
            dead_letter = self.tf.block(target, "dead_letter_config")
            if dead_letter:
                queue = self.tf.attr(dead_letter[0], "arn")
                needs += [("sqs:SendMessage", queue, f"{name}'s dead-letter queue")] + self.key_needs("sqs:SendMessage", queue, name)
            key = self.tf.attr(body, "kms_key_arn")
            if key:
                needs.append(("kms:Decrypt", key, f"{name}'s input is encrypted with kms_key_arn"))
            failures += self.check(f"Terraform TTL ({name})", role_arn, needs)
        return failures

    def function_failures(self):
        """Functions an alarm invokes: their own calls, with the environment Terraform gives them."""
        failures = []
        invoked = set()
        for (_, name), body in self.tf.resources("aws_cloudwatch_metric_alarm").items():
            invoked |= set(self.tf.attr(body, "alarm_actions") or [])
        for (_, name), body in sorted(self.tf.resources("aws_lambda_function").items()):
            if self.tf.resource_attr("aws_lambda_function", name, "arn") not in invoked:
                continue
            path = f"Terraform idle pause ({name})"
            role_arn = self.tf.attr(body, "role")
            module = self.tf.attr(body, "handler").split(".")[0] + ".py"
            archive = self.dir / pathlib.Path(self.tf.attr(body, "filename")).name
            with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as z:
                code = z.read(module).decode()
            environment = self.tf.block(body, "environment")
            env = (self.tf.attr(environment[0], "variables") or {}) if environment else {}
            logging = self.tf.block(body, "logging_config")
            group = self.tf.attr(logging[0], "log_group") if logging else f"/aws/lambda/{self.tf.resource_name('aws_lambda_function', name)}"
            stream = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:log-stream:STREAM"
            needs = [(a, stream, "Lambda writes the function's logs") for a in ("logs:CreateLogStream", "logs:PutLogEvents")]
            tracing = self.tf.block(body, "tracing_config")
            if tracing and self.tf.attr(tracing[0], "mode") == "Active":
                needs += [(a, "*", "active tracing") for a in ("xray:PutTraceSegments", "xray:PutTelemetryRecords")]
            for call in api_calls(code, env):
                where = f"{module} line {call.line}"
                if call.action in STAR_ACTIONS:
                    needs.append((call.action, "*", where))
                    continue
                resources = []
                for keyword, value in sorted(call.keywords.items()):
                    value = env.get(value[4:]) if isinstance(value, str) and value.startswith("env:") else value
                    resources += self.resource_arn(keyword, value)
                if not resources:
                    failures.append(f"{path}: {where} calls {call.action} on a resource this test cannot tell "
                                    f"(keywords {sorted(call.keywords)}): map it in tools/iam/tf_paths.py TF_KEYWORD_TYPES")
                needs += [(call.action, r, where) for r in resources]
                needs += [n for r in resources for n in self.key_needs(call.action, r, where)]
            failures += self.check(path, role_arn, needs)
        return failures
