"""The operations variant (ttl, idle pause, alarm e-mail, autoscaling) applied paused, then resumed, then
destroyed against the project's local AWS (its own file, started first by make test, see test_terraform_apply.py)."""
import json
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from tf_support import (ALARMS, ENDPOINT_ALARMS, EXPIRES_AT, alarm_names, declared_resources, flat, live_nat_gateways,  # noqa: E402
                        local_aws, state_list, terraform)


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
        resumed = terraform(["apply", "-auto-approve", "-input=false", "-refresh=false", *var], module, env, timeout=600)
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

        destroyed = terraform(["destroy", "-auto-approve", "-input=false", "-refresh=false", *var], module, env, timeout=600)
        assert destroyed.returncode == 0, destroyed.stdout[-4000:] + destroyed.stderr
        assert state_list(module, env) == []
        assert scheduler.list_schedules()["Schedules"] == []
        assert autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []
        assert alarm_names(client) == set() and sns.list_topics()["Topics"] == []
        assert client("sagemaker").list_endpoints()["Endpoints"] == [] and lambda_.list_functions()["Functions"] == []
