"""What verify.py finds left behind: a resource whose Condition is false (present mode), and after a delete
each snapshot resource that still exists and anything still tagged or named for the stack (gone mode)."""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from botocore.exceptions import ClientError

from verify_ops import _policy, _target_of
from verify_report import Clients, _missing
from verify_resolver import Resolver, _log_group


STACK_TAG_KEYS = ("aws:cloudformation:stack-name", "slmstack:stack")


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
    elif rtype == "AWS::SageMaker::InferenceComponent":
        name = named("InferenceComponentName")
        left += [f"inference component {i['InferenceComponentName']}" for i in c("sagemaker").list_inference_components()["InferenceComponents"]
                 if i["InferenceComponentName"].startswith(prefix) or i["InferenceComponentName"] == name]
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
        left += [f"{rtype.split('::')[-1]} {i}" for i in items if f"endpoint/{stack}-" in i or f"inference-component/{stack.lower()}-" in i]
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
        "AWS::SageMaker::InferenceComponent": lambda: c("sagemaker").describe_inference_component(InferenceComponentName=pid.split("/")[-1]),
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
