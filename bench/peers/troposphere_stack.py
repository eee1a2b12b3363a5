#!/usr/bin/env python3
"""The slmstack default stack written with troposphere, as a troposphere user would write it.

This is the peer for bench/synth.py: it builds the same template as `slmstack synth` (default
settings) from the settings below, using troposphere's classes (not by loading our JSON): the
Paused parameter and the Running condition, the resources (the endpoint, the NAT gateway, its
address and route, and the endpoint's alarms only while Running; Fn::If where a paused stack needs
another value), the alarm topic and the six alarms, properties, references, metadata and outputs.
It prints the template or writes it with --out FILE.

    .build/tools-venv/bin/python bench/peers/troposphere_stack.py --out /tmp/peer.json
"""
import argparse
import ipaddress
import json
import os
import sys

from troposphere import AccountId, Equals, GetAtt, GetAZs, If, Output, Parameter, Ref, Select, Sub, Tags, Template
from troposphere import apigateway, awslambda, cloudwatch, ec2, iam, kms, logs, sagemaker, sns

# ---------------------------------------------------------------------------------------------
# Parameters (the slmstack defaults)

CONFIG = {
    "stack_name": "slmstack",
    "region": "us-east-1",
    "model_id": "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
    "tgi_version": "3.2.3",
    "instance_type": "ml.g5.xlarge",
    "instance_count": 1,
    "gpus": 1,
    "max_input_tokens": 1536,
    "max_total_tokens": 2048,
    "max_batch_prefill_tokens": 3072,
    "throttle_rate": 50,
    "throttle_burst": 100,
    "quota_limit": 10000,
    "quota_period": "DAY",
    "stage_name": "prod",
    "vpc_cidr": "10.20.0.0/16",
    "az_count": 2,
    "log_retention_days": 365,
    "lambda_memory_mb": 256,
    "lambda_timeout_seconds": 28,
    "lambda_reserved_concurrency": 10,
    "startup_timeout_seconds": 600,
    "download_timeout_seconds": 600,
    "log_prompts": False,
    "idle_hours": 6,
}

TGI_REGISTRY = {"us-east-1": "763104351884"}
TGI_REPOSITORY = "huggingface-pytorch-tgi-inference"
TGI_TAGS = {"3.2.3": "2.6.0-tgi3.2.3-gpu-py311-cu124-ubuntu22.04"}
ROUTES = [(["invoke"], "Invoke"), (["v1", "chat", "completions"], "ChatCompletions")]
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
    "apiKeyId": "$context.identity.apiKeyId", "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod", "resourcePath": "$context.resourcePath",
    "status": "$context.status", "protocol": "$context.protocol",
    "responseLength": "$context.responseLength", "integrationLatency": "$context.integration.latency",
}, separators=(",", ":"))
HANDLER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "templates", "lambda", "handler.py")


def skip(*checks):
    """checkov suppressions as resource Metadata."""
    return {"checkov": {"skip": [{"id": i, "comment": c} for i, c in checks]}}


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resources, sid=None, condition=None):
    statement = {"Effect": "Allow", "Action": actions[0] if len(actions) == 1 else actions,
                 "Resource": resources[0] if len(resources) == 1 else resources}
    if sid:
        statement["Sid"] = sid
    if condition:
        statement["Condition"] = condition
    return statement


def trust(service, condition=None):
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return policy(statement)


def arn(service, resource):
    return Sub("arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:%s" % (service, resource))


def inline_code(path):
    """The handler as CloudFormation inlines it: blank and whole-line comment lines dropped."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    kept = [line for line in lines if line.strip(" \t") and not line.lstrip(" \t").startswith("#") and line.strip()]
    return "\n".join(kept) + "\n"


def fnv_hex8(text):
    """FNV-1a 64 folded to 32 bits: the deployment's logical-ID suffix changes when the routes do."""
    h = 0xCBF29CE484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%08X" % ((h ^ (h >> 32)) & 0xFFFFFFFF)


# ---------------------------------------------------------------------------------------------
# The stack

def build(c):
    t = Template(Description="slmstack: %s on %d x %s behind a key-protected REST API"
                 % (c["model_id"], c["instance_count"], c["instance_type"]))
    t.set_version("2010-09-09")
    tags = Tags({"slmstack:stack": c["stack_name"]})
    add = t.add_resource

    # Deploy-time parameter and the condition the billable parts hang on
    paused = t.add_parameter(Parameter(
        "Paused", Type="String", AllowedValues=["false", "true"], Default="false",
        Description="true removes the billable parts (the SageMaker endpoint and the NAT gateway) and the API answers 503 paused;"
                    " slmstack pause and resume set it"))
    t.add_condition("Running", Equals(Ref(paused), "false"))
    running = "Running"

    # Network
    block = ipaddress.ip_network(c["vpc_cidr"])
    subnet_cidrs = list(block.subnets(new_prefix=min(block.prefixlen + 4, 28)))
    vpc = add(ec2.VPC("Vpc", CidrBlock=c["vpc_cidr"], EnableDnsHostnames=True, EnableDnsSupport=True, Tags=tags,
                      Metadata=skip(("CKV2_AWS_12", "CloudFormation cannot manage the default security group; nothing in this stack uses it"))))
    igw = add(ec2.InternetGateway("InternetGateway", Tags=tags))
    attachment = add(ec2.VPCGatewayAttachment("InternetGatewayAttachment", InternetGatewayId=Ref(igw), VpcId=Ref(vpc)))

    def subnet(name, index, zone):
        return add(ec2.Subnet(name, AvailabilityZone=Select(zone, GetAZs("")), CidrBlock=str(subnet_cidrs[index]),
                              MapPublicIpOnLaunch=False, Tags=tags, VpcId=Ref(vpc)))

    public = [subnet("PublicSubnet%d" % (i + 1), i, i) for i in range(c["az_count"])]
    public_table = add(ec2.RouteTable("PublicRouteTable", Tags=tags, VpcId=Ref(vpc)))
    add(ec2.Route("PublicDefaultRoute", DestinationCidrBlock="0.0.0.0/0", GatewayId=Ref(igw),
                  RouteTableId=Ref(public_table), DependsOn=[attachment.title]))
    for s in public:
        add(ec2.SubnetRouteTableAssociation(s.title + "RouteTableAssociation", RouteTableId=Ref(public_table), SubnetId=Ref(s)))
    eip = add(ec2.EIP("NatAddress", Condition=running, Domain="vpc", Tags=tags, DependsOn=[attachment.title]))
    nat = add(ec2.NatGateway("NatGateway", Condition=running, AllocationId=GetAtt(eip, "AllocationId"), SubnetId=Ref(public[0]),
                             Tags=tags))
    private = [subnet("PrivateSubnet%d" % (i + 1), 8 + i, i) for i in range(c["az_count"])]
    private_table = add(ec2.RouteTable("PrivateRouteTable", Tags=tags, VpcId=Ref(vpc)))
    add(ec2.Route("PrivateDefaultRoute", Condition=running, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=Ref(nat),
                  RouteTableId=Ref(private_table)))
    for s in private:
        add(ec2.SubnetRouteTableAssociation(s.title + "RouteTableAssociation", RouteTableId=Ref(private_table), SubnetId=Ref(s)))
    private_ids = [Ref(s) for s in private]

    shim_sg = add(ec2.SecurityGroup(
        "ShimSecurityGroup", GroupDescription="Lambda shim: HTTPS to the SageMaker Runtime endpoint only",
        SecurityGroupEgress=[ec2.SecurityGroupRule(CidrIp=c["vpc_cidr"], Description="HTTPS to the SageMaker Runtime VPC endpoint",
                                                   FromPort=443, IpProtocol="tcp", ToPort=443)],
        Tags=tags, VpcId=Ref(vpc)))
    model_sg = add(ec2.SecurityGroup(
        "ModelSecurityGroup", GroupDescription="SageMaker endpoint: HTTPS out for the image and the model weights",
        SecurityGroupEgress=[ec2.SecurityGroupRule(CidrIp="0.0.0.0/0", Description="HTTPS to ECR, S3 and the Hugging Face Hub",
                                                   FromPort=443, IpProtocol="tcp", ToPort=443)],
        Tags=tags, VpcId=Ref(vpc),
        Metadata=skip(("CKV2_AWS_5", "the SageMaker model's VpcConfig uses this group; checkov's attachment check does not follow SageMaker models"))))
    endpoint_sg = add(ec2.SecurityGroup(
        "RuntimeEndpointSecurityGroup", GroupDescription="SageMaker Runtime VPC endpoint: HTTPS from the shim only",
        SecurityGroupEgress=[ec2.SecurityGroupRule(CidrIp="255.255.255.255/32", Description="Disallow all traffic",
                                                   FromPort=252, IpProtocol="icmp", ToPort=86)],
        SecurityGroupIngress=[ec2.SecurityGroupRule(Description="HTTPS from the Lambda shim", FromPort=443, IpProtocol="tcp",
                                                    SourceSecurityGroupId=GetAtt(shim_sg, "GroupId"), ToPort=443)],
        Tags=tags, VpcId=Ref(vpc)))
    add(ec2.VPCEndpoint("SageMakerRuntimeEndpoint", PrivateDnsEnabled=True, SecurityGroupIds=[GetAtt(endpoint_sg, "GroupId")],
                        ServiceName=Sub("com.amazonaws.${AWS::Region}.sagemaker.runtime"), SubnetIds=private_ids,
                        VpcEndpointType="Interface", VpcId=Ref(vpc)))
    key = add(kms.Key(
        "LogsKey", Description="Encrypts this stack's CloudWatch log groups", EnableKeyRotation=True, PendingWindowInDays=7, Tags=tags,
        KeyPolicy=policy(
            {"Sid": "AccountAdministers", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
             "Principal": {"AWS": Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")}},
            {"Sid": "LogsUseKey", "Effect": "Allow", "Resource": "*",
             "Action": ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
             "Principal": {"Service": "logs.%s.amazonaws.com" % c["region"]},
             "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": arn("logs", "log-group:*")}}},
            {"Sid": "AlarmsPublishToTopic", "Effect": "Allow", "Resource": "*", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
             "Principal": {"Service": "cloudwatch.amazonaws.com"},
             "Condition": {"StringEquals": {"aws:SourceAccount": AccountId}}})))

    def log_group(name):
        return add(logs.LogGroup(name, KmsKeyId=GetAtt(key, "Arn"), RetentionInDays=c["log_retention_days"], Tags=tags))

    flow_group = log_group("FlowLogGroup")
    flow_role = add(iam.Role(
        "FlowLogRole", Description="Lets VPC flow logs write to their log group", Tags=tags,
        AssumeRolePolicyDocument=trust("vpc-flow-logs.amazonaws.com", {"StringEquals": {"aws:SourceAccount": AccountId}}),
        Policies=[iam.Policy(PolicyName="flow-logs", PolicyDocument=policy(allow(
            ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"], [GetAtt(flow_group, "Arn")])))]))
    add(ec2.FlowLog("VpcFlowLog", DeliverLogsPermissionArn=GetAtt(flow_role, "Arn"), LogDestination=GetAtt(flow_group, "Arn"),
                    LogDestinationType="cloud-watch-logs", ResourceId=Ref(vpc), ResourceType="VPC", Tags=tags, TrafficType="REJECT"))

    # Inference
    eni_arns = [arn("ec2", "network-interface/*"), arn("ec2", "subnet/*"), arn("ec2", "security-group/*")]
    registry = TGI_REGISTRY[c["region"]]
    model_role = add(iam.Role(
        "ModelExecutionRole", Tags=tags, AssumeRolePolicyDocument=trust("sagemaker.amazonaws.com"),
        Description="What the TGI container needs: ECR pull, its logs and metrics, VPC network interfaces",
        Policies=[
            iam.Policy(PolicyName="ecr-pull", PolicyDocument=policy(
                allow(["ecr:GetAuthorizationToken"], ["*"], "EcrToken"),
                allow(["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                      [Sub("arn:${AWS::Partition}:ecr:${AWS::Region}:%s:repository/%s" % (registry, TGI_REPOSITORY))], "PullTgiImage"))),
            iam.Policy(PolicyName="logs-and-metrics", PolicyDocument=policy(
                allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                      [arn("logs", "log-group:/aws/sagemaker/Endpoints/*")], "EndpointLogs"),
                allow(["cloudwatch:PutMetricData"], ["*"], "EndpointMetrics",
                      {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}))),
            iam.Policy(PolicyName="vpc-interfaces", PolicyDocument=policy(
                allow(["ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups",
                       "ec2:DescribeSubnets", "ec2:DescribeVpcs"], ["*"], "DescribeNetwork"),
                allow(["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
                       "ec2:DeleteNetworkInterfacePermission"], eni_arns, "ManageInterfaces"))),
        ]))
    model = add(sagemaker.Model(
        "Model", ExecutionRoleArn=GetAtt(model_role, "Arn"), Tags=tags,
        PrimaryContainer=sagemaker.ContainerDefinition(
            Image="%s.dkr.ecr.%s.amazonaws.com/%s:%s" % (registry, c["region"], TGI_REPOSITORY, TGI_TAGS[c["tgi_version"]]),
            Environment={"HF_MODEL_ID": c["model_id"], "SM_NUM_GPUS": str(c["gpus"]),
                         "MAX_INPUT_TOKENS": str(c["max_input_tokens"]), "MAX_TOTAL_TOKENS": str(c["max_total_tokens"]),
                         "MAX_BATCH_PREFILL_TOKENS": str(c["max_batch_prefill_tokens"])}),
        VpcConfig=sagemaker.VpcConfig(SecurityGroupIds=[GetAtt(model_sg, "GroupId")], Subnets=private_ids),
        Metadata=skip(("CKV_AWS_370", "TGI downloads the weights from the Hugging Face Hub at start-up; network isolation would block that"))))
    endpoint_config = add(sagemaker.EndpointConfig(
        "EndpointConfig", Tags=tags,
        ProductionVariants=[sagemaker.ProductionVariant(
            ContainerStartupHealthCheckTimeoutInSeconds=c["startup_timeout_seconds"], InitialInstanceCount=c["instance_count"],
            InitialVariantWeight=1, InstanceType=c["instance_type"], ModelDataDownloadTimeoutInSeconds=c["download_timeout_seconds"],
            ModelName=GetAtt(model, "ModelName"), VariantName="AllTraffic")],
        Metadata=skip(("CKV_AWS_98", "GPU instance types have NVMe instance storage, for which SageMaker rejects a KmsKeyId; it is encrypted with a hardware key"))))
    endpoint = add(sagemaker.Endpoint("Endpoint", Condition=running, EndpointConfigName=GetAtt(endpoint_config, "EndpointConfigName"), Tags=tags))

    # Lambda shim
    shim_logs = log_group("ShimLogGroup")
    shim_role = add(iam.Role(
        "ShimRole", Tags=tags, AssumeRolePolicyDocument=trust("lambda.amazonaws.com"),
        Description="Lambda shim: invoke this stack's endpoint, write its log group, run in the VPC",
        Policies=[
            iam.Policy(PolicyName="invoke-endpoint", PolicyDocument=policy(
                allow(["sagemaker:InvokeEndpoint"], [If(running, Ref(endpoint), arn("sagemaker", "endpoint/paused.none"))],
                      "InvokeThisEndpoint"))),
            iam.Policy(PolicyName="logs", PolicyDocument=policy(
                allow(["logs:CreateLogStream", "logs:PutLogEvents"], [GetAtt(shim_logs, "Arn")], "WriteOwnLogGroup"))),
            iam.Policy(PolicyName="vpc-and-tracing", PolicyDocument=policy(
                allow(["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                      ["*"], "DescribeAndTrace"),
                allow(["ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
                       "ec2:UnassignPrivateIpAddresses"], eni_arns, "ManageInterfaces"))),
        ]))
    endpoint_name = If(running, GetAtt(endpoint, "EndpointName"), "paused")
    sagemaker_timeout = max(1, c["lambda_timeout_seconds"] - 3)
    function = add(awslambda.Function(
        "ShimFunction", Code=awslambda.Code(ZipFile=inline_code(HANDLER)),
        Description="slmstack shim: API Gateway to the SageMaker TGI endpoint",
        Environment=awslambda.Environment(Variables={
            "ENDPOINT_NAME": endpoint_name, "ENGINE": "tgi", "LOG_PROMPTS": "true" if c["log_prompts"] else "false",
            "MAX_INPUT_TOKENS": str(c["max_input_tokens"]), "MAX_TOTAL_TOKENS": str(c["max_total_tokens"]),
            "MODEL_ID": c["model_id"], "PAUSED": Ref(paused), "SAGEMAKER_TIMEOUT": str(sagemaker_timeout)}),
        Handler="index.handler", LoggingConfig=awslambda.LoggingConfig(LogGroup=Ref(shim_logs)),
        MemorySize=c["lambda_memory_mb"], ReservedConcurrentExecutions=c["lambda_reserved_concurrency"],
        Role=GetAtt(shim_role, "Arn"), Runtime="python3.13", Tags=tags, Timeout=c["lambda_timeout_seconds"],
        TracingConfig=awslambda.TracingConfig(Mode="Active"),
        VpcConfig=awslambda.VPCConfig(SecurityGroupIds=[GetAtt(shim_sg, "GroupId")], SubnetIds=private_ids),
        Metadata=skip(
            ("CKV_AWS_116", "API Gateway invokes the shim synchronously; a dead-letter queue only receives failed asynchronous invocations"),
            ("CKV_AWS_173", "the environment holds only the endpoint name, model ID and limits, no secrets"),
            ("CKV_AWS_272", "the code is the reviewed handler from this repository, deployed inline or as the synthesized zip;"
                            " code signing needs a signing profile and S3-hosted packages"))))

    # REST API
    api = add(apigateway.RestApi(
        "Api", Description="slmstack: key-protected access to %s" % c["model_id"],
        EndpointConfiguration=apigateway.EndpointConfiguration(Types=["REGIONAL"]), Name=Sub("${AWS::StackName}-api"), Tags=tags))
    by_path, methods = {}, []
    for segments, stem in ROUTES:
        parent, path = None, ""
        for segment in segments:
            path += "/" + segment
            if path not in by_path:
                logical = "".join(p[:1].upper() + p[1:] for p in path.split("/") if p) + "Resource"
                by_path[path] = add(apigateway.Resource(
                    logical, ParentId=Ref(parent) if parent else GetAtt(api, "RootResourceId"), PathPart=segment, RestApiId=Ref(api)))
            parent = by_path[path]
        method = add(apigateway.Method(
            stem + "Method", ApiKeyRequired=True, AuthorizationType="NONE", HttpMethod="POST", ResourceId=Ref(parent), RestApiId=Ref(api),
            Integration=apigateway.Integration(
                IntegrationHttpMethod="POST", Type="AWS_PROXY",
                Uri=Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ShimFunction.Arn}/invocations")),
            Metadata=skip(("CKV2_AWS_53", "the Lambda shim validates the JSON body and answers 400 with the reason; the method takes no"
                                          " parameters, and a request validator without a schema would check nothing"))))
        methods.append((method, path))
        add(awslambda.Permission(
            stem + "Permission", Action="lambda:InvokeFunction", FunctionName=GetAtt(function, "Arn"), Principal="apigateway.amazonaws.com",
            SourceArn=Sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/POST" + path)))
    signature = ";".join(sorted("POST %s key=true" % path for _, path in methods))
    deployment = add(apigateway.Deployment(
        "ApiDeployment" + fnv_hex8(signature), RestApiId=Ref(api),
        Description="Routes: " + ", ".join("POST " + path for _, path in methods), DependsOn=[m.title for m, _ in methods]))
    access_logs = log_group("ApiAccessLogGroup")
    cloudwatch_role = add(iam.Role(
        "ApiGatewayLogsRole", Tags=tags, AssumeRolePolicyDocument=trust("apigateway.amazonaws.com"),
        Description="Lets API Gateway write execution and access logs in this account",
        Policies=[iam.Policy(PolicyName="push-logs", PolicyDocument=policy(allow(
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams",
             "logs:FilterLogEvents", "logs:GetLogEvents", "logs:PutLogEvents"], [arn("logs", "log-group:*")])))]))
    account = add(apigateway.Account("ApiGatewayAccount", CloudWatchRoleArn=GetAtt(cloudwatch_role, "Arn")))
    stage = add(apigateway.Stage(
        "ApiStage", AccessLogSetting=apigateway.AccessLogSetting(DestinationArn=GetAtt(access_logs, "Arn"), Format=ACCESS_LOG_FORMAT),
        DeploymentId=Ref(deployment), RestApiId=Ref(api), StageName=c["stage_name"], Tags=tags, TracingEnabled=True,
        MethodSettings=[apigateway.MethodSetting(
            DataTraceEnabled=False, HttpMethod="*", LoggingLevel="ERROR", MetricsEnabled=True, ResourcePath="/*")],
        DependsOn=[account.title],
        Metadata=skip(
            ("CKV_AWS_120", "model answers are not deterministic and differ per caller; a cache would serve one caller's answer to another"),
            ("CKV_AWS_225", "model answers are not deterministic and differ per caller; a cache would serve one caller's answer to another"),
            ("CKV2_AWS_51", "client certificates authenticate API Gateway to HTTP back ends; this API's back end is a Lambda proxy integration"),
            ("CKV2_AWS_29", "callers need an API key and are throttled by a usage plan; WAF is optional and billed separately"))))
    api_key = add(apigateway.ApiKey("ApiKey", Description="slmstack API key", Enabled=True, Tags=tags, DependsOn=[stage.title]))
    plan = add(apigateway.UsagePlan(
        "UsagePlan", ApiStages=[apigateway.ApiStage(ApiId=Ref(api), Stage=Ref(stage))], Description="slmstack: throttle and quota per API key",
        Quota=apigateway.QuotaSettings(Limit=c["quota_limit"], Period=c["quota_period"]), Tags=tags,
        Throttle=apigateway.ThrottleSettings(BurstLimit=c["throttle_burst"], RateLimit=c["throttle_rate"])))
    add(apigateway.UsagePlanKey("UsagePlanKey", KeyId=Ref(api_key), KeyType="API_KEY", UsagePlanId=Ref(plan)))

    # Operations: the alarm topic and the alarms (the endpoint's only while it runs)
    topic = add(sns.Topic("AlarmTopic", DisplayName="slmstack %s alarms" % c["stack_name"], KmsMasterKeyId=Ref(key), Tags=tags))
    on_endpoint = [cloudwatch.MetricDimension(Name="EndpointName", Value=GetAtt(endpoint, "EndpointName")),
                   cloudwatch.MetricDimension(Name="VariantName", Value="AllTraffic")]
    on_function = [cloudwatch.MetricDimension(Name="FunctionName", Value=Ref(function))]

    def alarm(name, description, namespace, metric, dimensions, comparison, threshold, period=300, periods=1,
              statistic="Sum", missing="notBreaching", **extra):
        if statistic.startswith("p"):
            extra["ExtendedStatistic"] = statistic
        else:
            extra["Statistic"] = statistic
        return add(cloudwatch.Alarm(
            name, AlarmActions=[Ref(topic)], AlarmDescription=description, ComparisonOperator=comparison,
            DatapointsToAlarm=periods, Dimensions=dimensions, EvaluationPeriods=periods, MetricName=metric, Namespace=namespace,
            Period=period, Tags=tags, Threshold=threshold, TreatMissingData=missing, **extra))

    alarm("IdleAlarm", "No invocations for %d h: the GPU endpoint bills while idle; run slmstack pause or destroy" % c["idle_hours"],
          "AWS/SageMaker", "Invocations", on_endpoint, "LessThanOrEqualToThreshold", 0, period=3600, periods=c["idle_hours"],
          missing="breaching", Condition=running)
    alarm("EndpointErrorsAlarm", "The model container answered 5XX errors", "AWS/SageMaker", "Invocation5XXErrors", on_endpoint,
          "GreaterThanOrEqualToThreshold", 1, Condition=running)
    alarm("ModelLatencyAlarm", "p90 model latency is above 80% of the shim's timeout for 15 minutes: answers are about to time out",
          "AWS/SageMaker", "ModelLatency", on_endpoint, "GreaterThanThreshold", sagemaker_timeout * 800000, periods=3,
          statistic="p90", Condition=running)  # ModelLatency is in microseconds
    alarm("ShimErrorsAlarm", "The Lambda shim failed (errors, not 4XX answers)", "AWS/Lambda", "Errors", on_function,
          "GreaterThanOrEqualToThreshold", 1)
    alarm("ShimThrottlesAlarm", "Requests hit the shim's reserved concurrency", "AWS/Lambda", "Throttles", on_function,
          "GreaterThanOrEqualToThreshold", 1)
    alarm("Api5xxAlarm", "The API answered 5XX errors", "AWS/ApiGateway", "5XXError",
          [cloudwatch.MetricDimension(Name="ApiName", Value=Sub("${AWS::StackName}-api")),
           cloudwatch.MetricDimension(Name="Stage", Value=c["stage_name"])], "GreaterThanOrEqualToThreshold", 1)

    # Outputs
    base = "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${ApiStage}/"
    get_key = "aws apigateway get-api-key --api-key ${ApiKey} --include-value --query value --output text --region ${AWS::Region}"
    t.add_output([
        Output("ApiUrl", Description="Base URL of the API stage", Value=Sub(base)),
        Output("InvokeUrl", Description="POST a prompt here with the x-api-key header", Value=Sub(base + "invoke")),
        Output("ChatCompletionsUrl", Description="OpenAI-style chat completions (base URL for OpenAI clients: this without /chat/completions)",
               Value=Sub(base + "v1/chat/completions")),
        Output("ApiKeyId", Description="ID of the API key (its value is shown only with --show-api-key)", Value=Ref(api_key)),
        Output("EndpointName", Description="Name of the SageMaker endpoint (paused: none)", Value=endpoint_name),
        Output("GetApiKeyCommand", Description="Prints the API key's value", Value=Sub(get_key)),
        Output("CurlExample", Description="Calls the API with the key", Value=Sub(
            "curl -sS -X POST -H \"x-api-key: $(" + get_key + ")\" -H 'Content-Type: application/json' "
            "-d '{\"prompt\":\"What is the capital of France?\",\"parameters\":{\"max_new_tokens\":64}}' " + base + "invoke")),
    ])
    return t


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", metavar="FILE", help="write the template here instead of printing it")
    args = parser.parse_args()
    text = build(CONFIG).to_json()
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
