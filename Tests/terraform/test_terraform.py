"""The Terraform output, proven by terraform itself and by checkov.

The committed default module (templates/terraform) is re-synthesized by the real binary and copied
to a temporary folder. terraform fmt, an offline init from the machine's provider mirror, validate,
then apply and destroy against the project's own local AWS (tools/localaws: moto with its fixes and SigV4
auth on), with the provider pointed at it by an override file written next to the copy; the committed
output stays clean for real AWS. tf_mirror.py finds terraform's provider the way a user's machine has it. The operations variant (ttl, idle pause, alarm e-mail, autoscaling) is applied
paused, then resumed, then destroyed. checkov scans the HCL of both. When terraform or the mirror is
missing the terraform tests print SKIPPED with the reason and are skipped.
"""
import base64
import contextlib
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import zipfile

import pytest

from lint_tools import ROOT, run_checkov

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tools" / "localaws"))
import localaws as launcher  # noqa: E402
import tf_mirror  # noqa: E402

# The default stack's instance type: the local AWS knows SageMaker's real instance types.
INSTANCE_TYPE = "ml.g5.xlarge"
SERVICES = ["apigateway", "applicationautoscaling", "cloudwatch", "ec2", "iam", "kms", "lambda", "logs", "sagemaker", "scheduler",
            "sns", "sts"]
# The operations variant: every resource the operations settings add.
OPS_SETTINGS = ["--ttl", "4h", "--idle-pause", "on", "--alarm-email", "ops@example.com", "--max-instances", "3"]
EXPIRES_AT = "2030-01-02T03:04:05"
# What the default stack's alarms are called (alarm_name = "<stack>-<logical ID in kebab case>").
ALARMS = {"slmstack-idle-alarm", "slmstack-endpoint-errors-alarm", "slmstack-model-latency-alarm", "slmstack-shim-errors-alarm",
          "slmstack-shim-throttles-alarm", "slmstack-api-5-xx-alarm"}
ENDPOINT_ALARMS = {"slmstack-idle-alarm", "slmstack-endpoint-errors-alarm", "slmstack-model-latency-alarm"}


def skip_loudly(request, reason):
    """Skips with the reason printed on the terminal itself, past pytest's output capture."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nSKIPPED: {reason}", yellow=True, bold=True)
    else:
        print(f"SKIPPED: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def synth(slmstack_bin, tmp_path_factory):
    """`synth --format all` of the default stack: both renderers, one run."""
    out = tmp_path_factory.mktemp("synth")
    subprocess.run([slmstack_bin, "synth", "--format", "all", "--out", str(out)], check=True, capture_output=True, text=True)
    return out


@pytest.fixture(scope="module")
def synth_ops(slmstack_bin, tmp_path_factory):
    """`synth --format all` of the operations variant."""
    out = tmp_path_factory.mktemp("synth-ops")
    subprocess.run([slmstack_bin, "synth", "--format", "all", "--out", str(out), *OPS_SETTINGS], check=True, capture_output=True, text=True)
    return out


@pytest.fixture(scope="module")
def tf_env(request, tmp_path_factory):
    """The environment for an offline `terraform init`: terraform and its provider, found by tf_mirror."""
    config, found = tf_mirror.cli_config(tmp_path_factory.mktemp("tf-cli"))
    if config is None:
        skip_loudly(request, f"Terraform suites: {found}")
    print(f"terraform provider from {found}")
    env = dict(os.environ, TF_CLI_CONFIG_FILE=config, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    for key in [k for k in env if k.startswith("TF_VAR_") or k.startswith("AWS_")]:
        del env[key]
    return env


def terraform(args, cwd, env, timeout=300):
    """Runs terraform. Plans here pass -refresh=false: nothing changes behind terraform's back in these
    tests, and a refresh of every resource against the local AWS is most of a plan's time."""
    started = time.monotonic()
    result = subprocess.run(["terraform", *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    print(f"terraform {args[0]}: {time.monotonic() - started:.1f} s, exit {result.returncode}")
    return result


def initialized_copy(synth, tf_env, folder):
    work = folder / "module"
    shutil.copytree(synth / "terraform", work)
    result = terraform(["init", "-input=false"], work, tf_env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return work


@pytest.fixture(scope="module")
def module_dir(synth, tf_env, tmp_path_factory):
    """A copy of the synthesized module, initialized offline."""
    return initialized_copy(synth, tf_env, tmp_path_factory.mktemp("tf"))


@pytest.fixture(scope="module")
def ops_module_dir(synth_ops, tf_env, tmp_path_factory):
    """A copy of the operations variant, initialized offline."""
    return initialized_copy(synth_ops, tf_env, tmp_path_factory.mktemp("tf-ops"))


def test_committed_module_is_the_synth_output(synth):
    committed = ROOT / "templates" / "terraform"
    names = sorted(p.name for p in committed.iterdir())
    assert names == sorted(p.name for p in (synth / "terraform").iterdir())
    for name in names:
        assert (committed / name).read_bytes() == (synth / "terraform" / name).read_bytes(), f"templates/terraform/{name} drifted"


def test_synth_all_writes_both_formats(synth):
    assert (synth / "cloudformation" / "slmstack.template.json").is_file()
    assert {p.name for p in (synth / "terraform").iterdir()} == {
        "versions.tf", "providers.tf", "variables.tf", "network.tf", "sagemaker.tf", "lambda.tf", "api.tf", "operations.tf", "outputs.tf",
        "shim.zip"}


def test_zip_reads_back_and_holds_the_inlined_handler(synth, slmstack_bin, tmp_path):
    path = synth / "terraform" / "shim.zip"
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["index.py"]
        assert infos[0].compress_type == zipfile.ZIP_STORED
        assert infos[0].date_time == (1980, 1, 1, 0, 0, 0)
        code = archive.read("index.py").decode()
    template = json.loads((synth / "cloudformation" / "slmstack.template.json").read_text())
    assert code == template["Resources"]["ShimFunction"]["Properties"]["Code"]["ZipFile"]
    compile(code, "index.py", "exec")
    # Byte-identical across runs.
    subprocess.run([slmstack_bin, "synth", "--format", "terraform", "--out", str(tmp_path)], check=True, capture_output=True)
    assert (tmp_path / "terraform" / "shim.zip").read_bytes() == path.read_bytes()


@pytest.mark.parametrize("variant", ["synth", "synth_ops"])
def test_fmt_check_reports_nothing(variant, tf_env, request):
    result = terraform(["fmt", "-check", "-diff", "-recursive"], request.getfixturevalue(variant) / "terraform", tf_env)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


@pytest.mark.parametrize("variant", ["module_dir", "ops_module_dir"])
def test_validate(variant, tf_env, request):
    result = terraform(["validate"], request.getfixturevalue(variant), tf_env)
    assert result.returncode == 0 and "The configuration is valid" in result.stdout, result.stdout + result.stderr


def write_override(folder, endpoint):
    endpoints = "\n".join(f'    {name:<10} = "{endpoint}"' for name in SERVICES)
    (folder / "localaws_override.tf").write_text(f"""provider "aws" {{
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {{
{endpoints}
  }}
}}
""")


@contextlib.contextmanager
def local_aws(module, tf_env, tmp_path):
    """The project's local AWS for one test: terraform's environment and a boto3 client factory."""
    boto3 = pytest.importorskip("boto3")
    env_file = tmp_path / "localaws.env"
    launcher.start(env_file)
    try:
        local = launcher.read_env_file(env_file)
        env = dict(tf_env, **{k: v for k, v in local.items() if k.startswith("AWS_")})
        write_override(module, local["AWS_ENDPOINT_URL"])
        session = boto3.Session(aws_access_key_id=local["AWS_ACCESS_KEY_ID"], aws_secret_access_key=local["AWS_SECRET_ACCESS_KEY"],
                                region_name="us-east-1")
        yield env, lambda name: session.client(name, endpoint_url=local["AWS_ENDPOINT_URL"])
    finally:
        launcher.stop(env_file)


def declared_resources(module):
    return {f"{t}.{n}" for path in module.glob("*.tf") for t, n in re.findall(r'^resource "(\w+)" "(\w+)"', path.read_text(), re.MULTILINE)}


def alarm_names(client):
    return {a["AlarmName"] for a in client("cloudwatch").describe_alarms()["MetricAlarms"]}


def live_nat_gateways(client):
    return [g for g in client("ec2").describe_nat_gateways()["NatGateways"] if g["State"] not in ("deleted", "deleting")]


def test_apply_and_destroy_against_moto(module_dir, tf_env, tmp_path):
    with local_aws(module_dir, tf_env, tmp_path) as (env, client):
        # api_gateway_role keeps its default (false): the local AWS has an account role, so the
        # module leaves it (the role, its policy and the setting have count 0).
        var = []

        applied = terraform(["apply", "-auto-approve", "-input=false", *var], module_dir, env)
        assert applied.returncode == 0, applied.stdout[-4000:] + applied.stderr
        added = int(re.search(r"Resources: (\d+) added", applied.stdout).group(1))
        declared = {a for a in declared_resources(module_dir)
                    if not a.startswith(("aws_api_gateway_account.", "aws_iam_role.api_gateway_logs_role", "aws_iam_role_policy.api_gateway_logs_role"))}
        # Every resource of the output was created (those with a count once: paused is false, and the
        # account role left out as above): none is left out for moto.
        assert set(state_list(module_dir, env)) == declared and added == len(declared) >= 62
        outputs = {k: v["value"] for k, v in json.loads(terraform(["output", "-json"], module_dir, env).stdout).items()}

        sagemaker = client("sagemaker")
        endpoint = sagemaker.describe_endpoint(EndpointName=outputs["endpoint_name"])
        config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
        variant = config["ProductionVariants"][0]
        assert (variant["InstanceType"], variant["InitialInstanceCount"]) == (INSTANCE_TYPE, 1)
        model = sagemaker.describe_model(ModelName=variant["ModelName"])
        assert model["PrimaryContainer"]["Image"].startswith("763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:")
        assert model["PrimaryContainer"]["Environment"]["SM_NUM_GPUS"] == "1"
        assert model["PrimaryContainer"]["Environment"]["MAX_TOTAL_TOKENS"] == "2048"

        apigateway = client("apigateway")
        plan = apigateway.get_usage_plans()["items"][0]
        assert plan["throttle"] == {"rateLimit": 5.0, "burstLimit": 10}
        assert plan["quota"]["limit"] == 10000 and plan["quota"]["period"] == "DAY"
        api_id = plan["apiStages"][0]["apiId"]
        assert plan["apiStages"][0]["stage"] == "prod"
        assert outputs["api_url"] == f"https://{api_id}.execute-api.us-east-1.amazonaws.com/prod/"
        assert outputs["invoke_url"] == outputs["api_url"] + "invoke"
        methods = {(r["path"], m) for r in apigateway.get_resources(restApiId=api_id)["items"] for m in r.get("resourceMethods", {})}
        assert methods == {("/invoke", "POST"), ("/v1/chat/completions", "POST"), ("/v1/models", "GET")}
        # keys from x-api-key or Authorization: Bearer, through the uncached REQUEST authorizer (the shim)
        assert apigateway.get_rest_api(restApiId=api_id)["apiKeySource"] == "AUTHORIZER"
        (authorizer,) = apigateway.get_authorizers(restApiId=api_id)["items"]
        assert (authorizer["type"], authorizer["authorizerResultTtlInSeconds"]) == ("REQUEST", 0)
        assert not authorizer.get("identitySource")
        assert authorizer["authorizerUri"].endswith(":function:slmstack-shim-function/invocations")
        responses = {r["responseType"] for r in apigateway.get_gateway_responses(restApiId=api_id)["items"]}
        assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= responses
        for path, verb in sorted(methods):
            resource = next(r for r in apigateway.get_resources(restApiId=api_id)["items"] if r["path"] == path)
            method = apigateway.get_method(restApiId=api_id, resourceId=resource["id"], httpMethod=verb)
            assert method["apiKeyRequired"] is True and method["methodIntegration"]["type"] == "AWS_PROXY"
            assert (method["authorizationType"], method["authorizerId"]) == ("CUSTOM", authorizer["id"])
        assert outputs["api_key_id"] == apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"][0]["id"]

        lambda_ = client("lambda")
        function = lambda_.get_function_configuration(FunctionName="slmstack-shim-function")
        cfn_function = json.loads((ROOT / "templates" / "cloudformation" / "slmstack.template.json").read_text())["Resources"]["ShimFunction"]["Properties"]
        assert (function["Runtime"], function["Handler"], function["MemorySize"], function["Timeout"]) == (
            cfn_function["Runtime"], cfn_function["Handler"], cfn_function["MemorySize"], cfn_function["Timeout"])
        assert function["Environment"]["Variables"]["LOG_PROMPTS"] == "false"
        digest = base64.b64encode(hashlib.sha256((module_dir / "shim.zip").read_bytes()).digest()).decode()
        assert function["CodeSha256"] == digest

        ec2 = client("ec2")
        vpc_id = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.20.0.0/16"]}])["Vpcs"][0]["VpcId"]
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
        assert sorted(s["CidrBlock"] for s in subnets) == ["10.20.0.0/20", "10.20.128.0/20", "10.20.144.0/20", "10.20.16.0/20"]
        assert len({s["AvailabilityZone"] for s in subnets}) == 2
        tags = {t["Key"]: t["Value"] for t in ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Tags"]}
        assert tags["slmstack:stack"] == "slmstack"
        groups = client("logs").describe_log_groups()["logGroups"]
        assert len(groups) >= 3 and all(g.get("retentionInDays") == 365 and g.get("kmsKeyId") for g in groups)

        # The alarm topic, encrypted with the stack's key, and the alarms that notify it.
        sns = client("sns")
        [topic_arn] = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
        assert topic_arn.endswith(":slmstack-alarm-topic")
        assert sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]["KmsMasterKeyId"]
        alarms = {a["AlarmName"]: a for a in client("cloudwatch").describe_alarms()["MetricAlarms"]}
        assert set(alarms) == ALARMS
        assert all(a["AlarmActions"] == [topic_arn] for a in alarms.values())
        idle = alarms["slmstack-idle-alarm"]
        assert {d["Name"]: d["Value"] for d in idle["Dimensions"]} == {"EndpointName": outputs["endpoint_name"], "VariantName": "AllTraffic"}
        assert (idle["Period"], idle["EvaluationPeriods"], idle["DatapointsToAlarm"], idle["TreatMissingData"]) == (3600, 6, 6, "breaching")
        latency = alarms["slmstack-model-latency-alarm"]
        assert latency["ExtendedStatistic"] == "p90" and latency["Threshold"] == 20_000_000.0

        # Pausing plans to remove the endpoint, the NAT gateway and what needs them, and nothing else.
        paused = terraform(["plan", "-input=false", "-refresh=false", *var, "-var", "paused=true"], module_dir, env)
        assert paused.returncode == 0, paused.stdout[-4000:] + paused.stderr
        destroyed = set(re.findall(r"# (\S+) will be destroyed", paused.stdout))
        assert destroyed == {"aws_sagemaker_endpoint.endpoint[0]", "aws_nat_gateway.nat_gateway[0]", "aws_eip.nat_address[0]",
                             "aws_route.private_default_route[0]", "aws_cloudwatch_metric_alarm.idle_alarm[0]",
                             "aws_cloudwatch_metric_alarm.endpoint_errors_alarm[0]", "aws_cloudwatch_metric_alarm.model_latency_alarm[0]"}
        # the shim names the endpoint by its fixed name: a pause does not touch it
        assert "aws_lambda_function.shim_function will be updated" not in paused.stdout

        # The variables' validation and the cross-variable preconditions stop a bad plan.
        bad_stage = terraform(["plan", "-input=false", "-refresh=false", *var, "-var", "stage_name=no spaces"], module_dir, env)
        assert bad_stage.returncode != 0 and "Use 1-128 letters, digits, hyphens and underscores." in flat(bad_stage.stderr), bad_stage.stderr
        # An 8B model fits the default A10G (24 GB) but not a 16 GB T4: the GPU-fit precondition says so.
        too_big = terraform(["plan", "-input=false", "-refresh=false", *var, "-var", "model_id=NousResearch/Hermes-3-Llama-3.1-8B",
                             "-var", "instance_type=ml.g4dn.xlarge"], module_dir, env)
        assert too_big.returncode != 0 and "NousResearch/Hermes-3-Llama-3.1-8B does not fit ml.g4dn.xlarge" in flat(too_big.stderr), too_big.stderr
        owner_tag = terraform(["plan", "-input=false", "-refresh=false", *var, "-var", 'tags={"slmstack:stack"="other"}'], module_dir, env)
        assert owner_tag.returncode != 0 and "The tag slmstack:stack is reserved" in flat(owner_tag.stderr), owner_tag.stderr

        destroyed = terraform(["destroy", "-auto-approve", "-input=false", *var], module_dir, env)
        assert destroyed.returncode == 0, destroyed.stdout[-4000:] + destroyed.stderr
        assert f"Resources: {added} destroyed" in destroyed.stdout
        assert state_list(module_dir, env) == []
        assert sagemaker.list_endpoints()["Endpoints"] == []
        assert apigateway.get_rest_apis()["items"] == []
        assert lambda_.list_functions()["Functions"] == []
        assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"] == []
        assert alarm_names(client) == set() and sns.list_topics()["Topics"] == []


def test_operations_variant_paused_then_resumed_then_destroyed(ops_module_dir, tf_env, tmp_path):
    """ttl, idle pause, alarm e-mail and autoscaling: applied with paused=true (nothing billable),
    then paused=false, then destroyed."""
    module = ops_module_dir
    with local_aws(module, tf_env, tmp_path) as (env, client):
        var = ["-var", f"expires_at={EXPIRES_AT}"]

        # expires_at has no default and is checked against the parameter's pattern.
        missing = terraform(["plan", "-input=false", "-refresh=false"], module, env)
        assert missing.returncode != 0 and 'No value for required variable' in flat(missing.stderr), missing.stderr
        malformed = terraform(["plan", "-input=false", "-refresh=false", "-var", "expires_at=tomorrow"], module, env)
        assert malformed.returncode != 0 and "for example 2026-11-22T18:00:00" in flat(malformed.stderr), malformed.stderr

        applied = terraform(["apply", "-auto-approve", "-input=false", *var, "-var", "paused=true"], module, env)
        assert applied.returncode == 0, applied.stdout[-4000:] + applied.stderr
        conditional = {"aws_eip.nat_address", "aws_nat_gateway.nat_gateway", "aws_route.private_default_route",
                       "aws_sagemaker_endpoint.endpoint", "aws_cloudwatch_metric_alarm.idle_alarm",
                       "aws_cloudwatch_metric_alarm.endpoint_errors_alarm", "aws_cloudwatch_metric_alarm.model_latency_alarm",
                       "aws_appautoscaling_target.scalable_target",
                       "aws_appautoscaling_policy.scaling_policy"}
        # the account's API Gateway role is left as it is (api_gateway_role=false: the local AWS has one)
        declared = {a for a in declared_resources(module)
                    if not a.startswith(("aws_api_gateway_account.", "aws_iam_role.api_gateway_logs_role", "aws_iam_role_policy.api_gateway_logs_role"))}
        assert conditional < declared
        assert set(state_list(module, env)) == declared - conditional
        assert client("sagemaker").list_endpoints()["Endpoints"] == []
        assert live_nat_gateways(client) == [] and client("ec2").describe_addresses()["Addresses"] == []
        assert alarm_names(client) == ALARMS - ENDPOINT_ALARMS
        assert client("application-autoscaling").describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []
        lambda_ = client("lambda")
        shim = lambda_.get_function_configuration(FunctionName="slmstack-shim-function")["Environment"]["Variables"]
        # the shim names the endpoint by its fixed name and answers 503 while it does not exist
        assert shim["ENDPOINT_NAME"] == "slmstack-endpoint" and "PAUSED" not in shim
        pauser = lambda_.get_function_configuration(FunctionName="slmstack-idle-pause-function")
        assert not pauser.get("VpcConfig", {}).get("SubnetIds") and pauser["Timeout"] == 900
        assert pauser["Environment"]["Variables"]["STACK_ID"] == "arn:aws:cloudformation:us-east-1:123456789012:stack/slmstack/*"
        scheduler = client("scheduler")
        schedule = scheduler.get_schedule(Name="slmstack-expiry-schedule")
        assert schedule["ScheduleExpression"] == f"at({EXPIRES_AT})" and schedule["ScheduleExpressionTimezone"] == "UTC"
        assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"} and schedule["KmsKeyArn"].startswith("arn:aws:kms:")
        target = schedule["Target"]
        # Terraform has no stack to delete: the expiry deletes the endpoint (none while paused).
        assert target["Arn"] == "arn:aws:scheduler:::aws-sdk:sagemaker:deleteEndpoint"
        assert json.loads(target["Input"]) == {"EndpointName": "paused"}
        assert ":role/" in target["RoleArn"] and target["RetryPolicy"]["MaximumRetryAttempts"] == 185
        sns = client("sns")
        [topic_arn] = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
        subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
        assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "ops@example.com")]

        # Resume: the endpoint, the NAT gateway, their alarms and the autoscaling come back.
        resumed = terraform(["apply", "-auto-approve", "-input=false", *var], module, env, timeout=600)
        assert resumed.returncode == 0, resumed.stdout[-4000:] + resumed.stderr
        assert set(state_list(module, env)) == declared
        outputs = {k: v["value"] for k, v in json.loads(terraform(["output", "-json"], module, env).stdout).items()}
        endpoint = outputs["endpoint_name"]
        assert endpoint != "paused" and client("sagemaker").describe_endpoint(EndpointName=endpoint)
        assert len(live_nat_gateways(client)) == 1
        assert alarm_names(client) == ALARMS
        idle = client("cloudwatch").describe_alarms(AlarmNames=["slmstack-idle-alarm"])["MetricAlarms"][0]
        pauser_arn = lambda_.get_function_configuration(FunctionName="slmstack-idle-pause-function")["FunctionArn"]
        assert idle["AlarmActions"] == [pauser_arn]  # the function publishes the outcome to the topic itself
        policy = json.loads(lambda_.get_policy(FunctionName="slmstack-idle-pause-function")["Policy"])
        assert [s["Principal"]["Service"] for s in policy["Statement"]] == ["lambda.alarms.cloudwatch.amazonaws.com"]
        autoscaling = client("application-autoscaling")
        [scalable] = autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
        assert (scalable["ResourceId"], scalable["MinCapacity"], scalable["MaxCapacity"]) == (f"endpoint/{endpoint}/variant/AllTraffic", 1, 3)
        [scaling] = autoscaling.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
        tracking = scaling["TargetTrackingScalingPolicyConfiguration"]
        assert (scaling["PolicyName"], tracking["TargetValue"]) == ("invocations-per-instance", 30.0)
        assert tracking["PredefinedMetricSpecification"]["PredefinedMetricType"] == "SageMakerVariantInvocationsPerInstance"
        assert json.loads(scheduler.get_schedule(Name="slmstack-expiry-schedule")["Target"]["Input"]) == {"EndpointName": endpoint}
        shim = lambda_.get_function_configuration(FunctionName="slmstack-shim-function")["Environment"]["Variables"]
        assert "PAUSED" not in shim and shim["ENDPOINT_NAME"] == endpoint == "slmstack-endpoint"

        destroyed = terraform(["destroy", "-auto-approve", "-input=false", *var], module, env, timeout=600)
        assert destroyed.returncode == 0, destroyed.stdout[-4000:] + destroyed.stderr
        assert state_list(module, env) == []
        assert scheduler.list_schedules()["Schedules"] == []
        assert autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []
        assert alarm_names(client) == set() and sns.list_topics()["Topics"] == []
        assert client("sagemaker").list_endpoints()["Endpoints"] == [] and lambda_.list_functions()["Functions"] == []


def flat(diagnostics):
    """Terraform's diagnostics without the box-drawing margin and line wrapping."""
    return " ".join(diagnostics.replace("│", " ").replace("╷", " ").replace("╵", " ").split())


def state_list(folder, env):
    """Resource addresses in the state, without the `[0]` of resources with a count."""
    result = terraform(["state", "list"], folder, env)
    return [re.sub(r"\[0\]$", "", line) for line in result.stdout.splitlines() if line.strip() and not line.startswith("data.")]


# checkov on the HCL

def inline_skips(folder):
    """(check, reason) of every `#checkov:skip=ID:reason` line."""
    skips = set()
    for path in sorted(folder.glob("*.tf")):
        for line in path.read_text().splitlines():
            match = re.match(r"\s*#checkov:skip=(CKV\w+):(.*)$", line)
            if match:
                skips.add((match.group(1), match.group(2)))
    return skips


@pytest.mark.parametrize("variant", ["synth", "synth_ops"])
def test_checkov_finds_no_failed_check(variant, request):
    synth = request.getfixturevalue(variant)
    results, summary = run_checkov(synth / "terraform", "terraform")
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert failed == [], f"checkov failed checks: {failed}"
    assert summary["passed"] > 100 and summary["parsing_errors"] == 0, summary


@pytest.mark.parametrize("variant", ["synth", "synth_ops"])
def test_skips_are_the_cloudformation_ones(variant, request):
    """The model holds each skip once; both renderers write the same (check, reason) pairs. The only
    Terraform-only skip is on the zone list, which CloudFormation's Fn::GetAZs has no resource for."""
    synth = request.getfixturevalue(variant)
    template = json.loads((synth / "cloudformation" / "slmstack.template.json").read_text())
    cloudformation = {(s["id"], s["comment"]) for r in template["Resources"].values()
                      for s in r.get("Metadata", {}).get("checkov", {}).get("skip", [])}
    terraform_skips = inline_skips(synth / "terraform")
    assert {check for check, _ in terraform_skips - cloudformation} == {"CKV_AWS_394"}
    assert cloudformation <= terraform_skips
    for check, reason in terraform_skips:
        assert len(reason) > 30, (check, reason)


@pytest.mark.parametrize("variant", ["synth", "synth_ops"])
def test_skips_are_needed(variant, request, tmp_path):
    """Without the skip lines checkov fails some checks, and only skipped ones."""
    synth = request.getfixturevalue(variant)
    bare = tmp_path / "bare"
    shutil.copytree(synth / "terraform", bare)
    for path in bare.glob("*.tf"):
        path.write_text("\n".join(l for l in path.read_text().splitlines() if "#checkov:skip=" not in l) + "\n")
    results, _ = run_checkov(bare, "terraform")
    failed = {c["check_id"] for c in results["failed_checks"]}
    assert failed, "without the skips some checks must fail"
    assert failed <= {check for check, _ in inline_skips(synth / "terraform")}
