"""terraform apply and destroy of the default module against the project's local AWS (its own file: the
longest test of the suite runs on a worker of its own; make test starts it first)."""
import base64
import hashlib
import json
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from tf_support import (ALARMS, INSTANCE_TYPE, ROOT, alarm_names, declared_resources, flat, local_aws,  # noqa: E402
                        state_list, terraform)


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

        destroyed = terraform(["destroy", "-auto-approve", "-input=false", "-refresh=false", *var], module_dir, env)
        assert destroyed.returncode == 0, destroyed.stdout[-4000:] + destroyed.stderr
        assert f"Resources: {added} destroyed" in destroyed.stdout
        assert state_list(module_dir, env) == []
        assert sagemaker.list_endpoints()["Endpoints"] == []
        assert apigateway.get_rest_apis()["items"] == []
        assert lambda_.list_functions()["Functions"] == []
        assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"] == []
        assert alarm_names(client) == set() and sns.list_topics()["Topics"] == []
