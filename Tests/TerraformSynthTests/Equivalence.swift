import CloudFormationSynth
import Foundation
import StackModel
@testable import TerraformSynth

/// A value in a form both renderers can be compared in: literals, references to a model resource's
/// identity (`resource(id, "arn")`), pseudo parameters, stack parameters, condition tests,
/// availability-zone picks and concatenations.
indirect enum Fact: Hashable, CustomStringConvertible {
    case text(String)
    case number(Double)
    case bool(Bool)
    case list([Fact])
    case object([String: Fact])
    /// What a value identifies: the resource's logical ID and a renderer-neutral attribute name
    /// (`id`, `arn`, `name`, `publicIp`, `keyId`, `allocationId`, `rootResourceId`, `cidr`).
    case resource(String, String)
    case pseudo(String)
    case zone(Int)
    /// A stack parameter's value in this deployment (`Ref Paused`, `var.paused`).
    case parameter(String)
    /// The first value while the named stack condition holds, else the second (`Fn::If`, `local.running ? … : …`).
    case ifCondition(String, Fact, Fact)
    case join([Fact])
    /// Something the comparison does not evaluate (a hand-written expression).
    case opaque(String)

    var description: String {
        switch self {
        case .text(let text): "\"\(text)\""
        case .number(let number): number == number.rounded() ? String(Int(number)) : String(number)
        case .bool(let flag): String(flag)
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .object(let fields): "{" + fields.keys.sorted().map { "\($0): \(fields[$0]!)" }.joined(separator: ", ") + "}"
        case .resource(let id, let attribute): "<\(id).\(attribute)>"
        case .pseudo(let name): "<\(name)>"
        case .zone(let index): "<zone \(index)>"
        case .parameter(let name): "<parameter \(name)>"
        case .ifCondition(let condition, let whenTrue, let whenFalse): "if(\(condition), \(whenTrue), \(whenFalse))"
        case .join(let parts): "join(" + parts.map(\.description).joined(separator: " + ") + ")"
        case .opaque(let text): "opaque(\(text))"
        }
    }

    /// Concatenation with literals merged: a join of one text is that text.
    static func joined(_ parts: [Fact]) -> Fact {
        var merged: [Fact] = []
        for part in parts {
            let flat: [Fact] = if case .join(let inner) = part { inner } else { [part] }
            for piece in flat {
                var piece = piece
                if case .number(let number) = piece { piece = .text(Fact.number(number).description) }
                if case .text("") = piece { continue }
                if case .text(let text) = piece, case .text(let before)? = merged.last {
                    merged[merged.count - 1] = .text(before + text)
                } else {
                    merged.append(piece)
                }
            }
        }
        if merged.isEmpty { return .text("") }
        if merged.count == 1, case .text = merged[0] { return merged[0] }
        return .join(merged)
    }
}

// MARK: - The comparison

/// One CloudFormation property and where Terraform keeps it.
struct PropertyPair {
    var cloudFormation: String
    /// The Terraform type when it is not the resource's primary one (same name): the integration of a
    /// method, the method settings of a stage.
    var terraformType: String?
    var terraform: String

    init(_ cloudFormation: String, _ terraform: String, in terraformType: String? = nil) {
        self.cloudFormation = cloudFormation
        self.terraform = terraform
        self.terraformType = terraformType
    }
}

/// What is compared, per CloudFormation type.
let propertyPairs: [String: (terraformType: String, pairs: [PropertyPair])] = [
    "AWS::EC2::VPC": ("aws_vpc", [.init("CidrBlock", "cidr_block"), .init("EnableDnsHostnames", "enable_dns_hostnames"),
                                  .init("EnableDnsSupport", "enable_dns_support")]),
    "AWS::EC2::Subnet": ("aws_subnet", [.init("VpcId", "vpc_id"), .init("CidrBlock", "cidr_block"), .init("AvailabilityZone", "availability_zone"),
                                        .init("MapPublicIpOnLaunch", "map_public_ip_on_launch")]),
    "AWS::EC2::InternetGateway": ("aws_internet_gateway", []),
    "AWS::EC2::VPCGatewayAttachment": ("aws_internet_gateway_attachment", [.init("VpcId", "vpc_id"), .init("InternetGatewayId", "internet_gateway_id")]),
    "AWS::EC2::EIP": ("aws_eip", [.init("Domain", "domain")]),
    "AWS::EC2::NatGateway": ("aws_nat_gateway", [.init("SubnetId", "subnet_id"), .init("AllocationId", "allocation_id")]),
    "AWS::EC2::RouteTable": ("aws_route_table", [.init("VpcId", "vpc_id")]),
    "AWS::EC2::Route": ("aws_route", [.init("RouteTableId", "route_table_id"), .init("DestinationCidrBlock", "destination_cidr_block"),
                                      .init("GatewayId", "gateway_id"), .init("NatGatewayId", "nat_gateway_id")]),
    "AWS::EC2::SubnetRouteTableAssociation": ("aws_route_table_association", [.init("RouteTableId", "route_table_id"), .init("SubnetId", "subnet_id")]),
    "AWS::EC2::SecurityGroup": ("aws_security_group", [.init("GroupDescription", "description"), .init("VpcId", "vpc_id")]),
    "AWS::EC2::VPCEndpoint": ("aws_vpc_endpoint", [.init("VpcId", "vpc_id"), .init("ServiceName", "service_name"),
                                                   .init("VpcEndpointType", "vpc_endpoint_type"), .init("PrivateDnsEnabled", "private_dns_enabled"),
                                                   .init("SubnetIds", "subnet_ids"), .init("SecurityGroupIds", "security_group_ids")]),
    "AWS::EC2::FlowLog": ("aws_flow_log", [.init("ResourceId", "vpc_id"), .init("TrafficType", "traffic_type"),
                                           .init("LogDestinationType", "log_destination_type"), .init("LogDestination", "log_destination"),
                                           .init("DeliverLogsPermissionArn", "iam_role_arn")]),
    "AWS::IAM::Role": ("aws_iam_role", [.init("Description", "description"), .init("AssumeRolePolicyDocument", "assume_role_policy")]),
    "AWS::KMS::Key": ("aws_kms_key", [.init("Description", "description"), .init("EnableKeyRotation", "enable_key_rotation"),
                                      .init("PendingWindowInDays", "deletion_window_in_days"), .init("KeyPolicy", "policy")]),
    "AWS::Logs::LogGroup": ("aws_cloudwatch_log_group", [.init("RetentionInDays", "retention_in_days"), .init("KmsKeyId", "kms_key_id")]),
    "AWS::SageMaker::Model": ("aws_sagemaker_model", [
        .init("ExecutionRoleArn", "execution_role_arn"), .init("PrimaryContainer.Image", "primary_container.image"),
        .init("PrimaryContainer.Environment", "primary_container.environment"), .init("VpcConfig.Subnets", "vpc_config.subnets"),
        .init("VpcConfig.SecurityGroupIds", "vpc_config.security_group_ids"),
    ]),
    "AWS::SageMaker::EndpointConfig": ("aws_sagemaker_endpoint_configuration", [
        ("VariantName", "variant_name"), ("ModelName", "model_name"), ("InstanceType", "instance_type"),
        ("InitialInstanceCount", "initial_instance_count"), ("InitialVariantWeight", "initial_variant_weight"),
        ("ContainerStartupHealthCheckTimeoutInSeconds", "container_startup_health_check_timeout_in_seconds"),
        ("ModelDataDownloadTimeoutInSeconds", "model_data_download_timeout_in_seconds"),
    ].map { PropertyPair("ProductionVariants.0.\($0.0)", "production_variants.\($0.1)") }),
    "AWS::SageMaker::Endpoint": ("aws_sagemaker_endpoint", [.init("EndpointConfigName", "endpoint_config_name")]),
    "AWS::Lambda::Function": ("aws_lambda_function", [
        .init("Description", "description"), .init("Runtime", "runtime"), .init("Handler", "handler"), .init("Role", "role"),
        .init("MemorySize", "memory_size"), .init("Timeout", "timeout"), .init("ReservedConcurrentExecutions", "reserved_concurrent_executions"),
        .init("Environment.Variables", "environment.variables"), .init("VpcConfig.SubnetIds", "vpc_config.subnet_ids"),
        .init("VpcConfig.SecurityGroupIds", "vpc_config.security_group_ids"), .init("LoggingConfig.LogGroup", "logging_config.log_group"),
        .init("TracingConfig.Mode", "tracing_config.mode"),
    ]),
    "AWS::Lambda::Permission": ("aws_lambda_permission", [.init("Action", "action"), .init("FunctionName", "function_name"),
                                                          .init("Principal", "principal"), .init("SourceArn", "source_arn")]),
    "AWS::ApiGateway::RestApi": ("aws_api_gateway_rest_api", [.init("Name", "name"), .init("Description", "description"),
                                                              .init("EndpointConfiguration.Types", "endpoint_configuration.types"),
                                                              .init("ApiKeySourceType", "api_key_source")]),
    "AWS::ApiGateway::Authorizer": ("aws_api_gateway_authorizer", [
        .init("RestApiId", "rest_api_id"), .init("Name", "name"), .init("Type", "type"), .init("AuthorizerUri", "authorizer_uri"),
        .init("AuthorizerResultTtlInSeconds", "authorizer_result_ttl_in_seconds"),
    ]),
    "AWS::ApiGateway::GatewayResponse": ("aws_api_gateway_gateway_response", [
        .init("RestApiId", "rest_api_id"), .init("ResponseType", "response_type"), .init("StatusCode", "status_code"),
        .init("ResponseTemplates.application/json", "response_templates.application/json"),
    ]),
    "AWS::ApiGateway::Resource": ("aws_api_gateway_resource", [.init("RestApiId", "rest_api_id"), .init("ParentId", "parent_id"),
                                                               .init("PathPart", "path_part")]),
    "AWS::ApiGateway::Method": ("aws_api_gateway_method", [
        .init("RestApiId", "rest_api_id"), .init("ResourceId", "resource_id"), .init("HttpMethod", "http_method"),
        .init("AuthorizationType", "authorization"), .init("AuthorizerId", "authorizer_id"), .init("ApiKeyRequired", "api_key_required"),
        .init("RestApiId", "rest_api_id", in: "aws_api_gateway_integration"), .init("ResourceId", "resource_id", in: "aws_api_gateway_integration"),
        .init("Integration.Type", "type", in: "aws_api_gateway_integration"),
        .init("Integration.IntegrationHttpMethod", "integration_http_method", in: "aws_api_gateway_integration"),
        .init("Integration.Uri", "uri", in: "aws_api_gateway_integration"),
    ]),
    "AWS::ApiGateway::Deployment": ("aws_api_gateway_deployment", [.init("RestApiId", "rest_api_id"), .init("Description", "description")]),
    "AWS::ApiGateway::Stage": ("aws_api_gateway_stage", [
        .init("RestApiId", "rest_api_id"), .init("DeploymentId", "deployment_id"), .init("StageName", "stage_name"),
        .init("TracingEnabled", "xray_tracing_enabled"), .init("AccessLogSetting.DestinationArn", "access_log_settings.destination_arn"),
        .init("AccessLogSetting.Format", "access_log_settings.format"),
    ] + [("LoggingLevel", "logging_level"), ("MetricsEnabled", "metrics_enabled"), ("DataTraceEnabled", "data_trace_enabled")].map {
        PropertyPair("MethodSettings.0.\($0.0)", "settings.\($0.1)", in: "aws_api_gateway_method_settings")
    }),
    "AWS::ApiGateway::ApiKey": ("aws_api_gateway_api_key", [.init("Description", "description"), .init("Enabled", "enabled")]),
    "AWS::ApiGateway::UsagePlan": ("aws_api_gateway_usage_plan", [
        .init("Description", "description"), .init("ApiStages.0.ApiId", "api_stages.api_id"), .init("ApiStages.0.Stage", "api_stages.stage"),
        .init("Throttle.RateLimit", "throttle_settings.rate_limit"), .init("Throttle.BurstLimit", "throttle_settings.burst_limit"),
        .init("Quota.Limit", "quota_settings.limit"), .init("Quota.Period", "quota_settings.period"),
    ]),
    "AWS::ApiGateway::UsagePlanKey": ("aws_api_gateway_usage_plan_key", [.init("KeyId", "key_id"), .init("KeyType", "key_type"),
                                                                         .init("UsagePlanId", "usage_plan_id")]),
    "AWS::ApiGateway::Account": ("aws_api_gateway_account", [.init("CloudWatchRoleArn", "cloudwatch_role_arn")]),
    "AWS::SNS::Topic": ("aws_sns_topic", [.init("DisplayName", "display_name"), .init("KmsMasterKeyId", "kms_master_key_id")]),
    "AWS::SNS::Subscription": ("aws_sns_topic_subscription", [.init("TopicArn", "topic_arn"), .init("Protocol", "protocol"),
                                                              .init("Endpoint", "endpoint")]),
    // Dimensions are compared apart: a list of name-value objects in CloudFormation, a map in Terraform.
    "AWS::CloudWatch::Alarm": ("aws_cloudwatch_metric_alarm", [
        .init("AlarmDescription", "alarm_description"), .init("Namespace", "namespace"), .init("MetricName", "metric_name"),
        .init("Statistic", "statistic"), .init("ExtendedStatistic", "extended_statistic"), .init("Period", "period"),
        .init("EvaluationPeriods", "evaluation_periods"), .init("DatapointsToAlarm", "datapoints_to_alarm"), .init("Threshold", "threshold"),
        .init("ComparisonOperator", "comparison_operator"), .init("TreatMissingData", "treat_missing_data"), .init("AlarmActions", "alarm_actions"),
    ]),
    "AWS::Scheduler::Schedule": ("aws_scheduler_schedule", [
        .init("Description", "description"), .init("ScheduleExpression", "schedule_expression"),
        .init("ScheduleExpressionTimezone", "schedule_expression_timezone"), .init("State", "state"), .init("KmsKeyArn", "kms_key_arn"),
        .init("FlexibleTimeWindow.Mode", "flexible_time_window.mode"), .init("Target.Arn", "target.arn"), .init("Target.RoleArn", "target.role_arn"),
        .init("Target.Input", "target.input"),
        .init("Target.RetryPolicy.MaximumEventAgeInSeconds", "target.retry_policy.maximum_event_age_in_seconds"),
        .init("Target.RetryPolicy.MaximumRetryAttempts", "target.retry_policy.maximum_retry_attempts"),
        .init("Target.DeadLetterConfig.Arn", "target.dead_letter_config.arn"),
    ]),
    "AWS::SQS::Queue": ("aws_sqs_queue", [
        .init("SqsManagedSseEnabled", "sqs_managed_sse_enabled"), .init("MessageRetentionPeriod", "message_retention_seconds"),
    ]),
    "AWS::ApplicationAutoScaling::ScalableTarget": ("aws_appautoscaling_target", [
        .init("ResourceId", "resource_id"), .init("ScalableDimension", "scalable_dimension"), .init("ServiceNamespace", "service_namespace"),
        .init("MinCapacity", "min_capacity"), .init("MaxCapacity", "max_capacity"),
    ]),
    "AWS::ApplicationAutoScaling::ScalingPolicy": ("aws_appautoscaling_policy", [
        .init("PolicyName", "name"), .init("PolicyType", "policy_type"), .init("ScalingTargetId", "resource_id"),
    ] + [("TargetValue", "target_value"), ("ScaleInCooldown", "scale_in_cooldown"), ("ScaleOutCooldown", "scale_out_cooldown"),
         ("PredefinedMetricSpecification.PredefinedMetricType", "predefined_metric_specification.predefined_metric_type")].map {
        PropertyPair("TargetTrackingScalingPolicyConfiguration.\($0.0)", "target_tracking_scaling_policy_configuration.\($0.1)")
    }),
]

/// Scheduler's universal targets: CloudFormation's expiry deletes the stack; Terraform, which has
/// no stack, deletes the stack's SageMaker endpoint (what bills by the hour) instead.
let deleteStackTarget = "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack"
let deleteEndpointTarget = "arn:aws:scheduler:::aws-sdk:sagemaker:deleteEndpoint"

/// Properties where the two renderers name the same thing in different but equivalent ways, or
/// where Terraform does by design what it can instead (the expiry schedule's target).
func equivalent(_ property: String, _ cloudFormation: Fact, _ terraform: Fact, _ cfn: CloudFormationFacts) -> Bool {
    if cloudFormation == terraform { return true }
    switch property {
    case "Target.Arn":
        return cloudFormation == .text(deleteStackTarget) && terraform == .text(deleteEndpointTarget)
    case "Target.Input":
        // {"StackName": <this stack>} → {"EndpointName": <the endpoint, or "paused" while it does not exist>}
        let endpoints = cfn.types.filter { $0.value == "AWS::SageMaker::Endpoint" }.map(\.key)
        guard cloudFormation == cfn.substitution(#"{"StackName":"${AWS::StackId}"}"#), endpoints.count == 1 else { return false }
        var name = Fact.resource(endpoints[0], "name")
        if case .string(let condition)? = cfn.template["Resources"]?[endpoints[0]]?["Condition"] { name = .ifCondition(condition, name, .text("paused")) }
        return terraform == .object(["EndpointName": name])
    case "LogDestination", "AccessLogSetting.DestinationArn":
        // Both services take a log group ARN with or without CloudFormation's trailing ":*".
        if case .join(let parts) = cloudFormation, parts.count == 2, parts[1] == .text(":*") { return parts[0] == terraform }
    case "FunctionName":
        // Lambda takes a function's ARN or its name.
        if case .resource(let a, "arn") = cloudFormation, case .resource(let b, "name") = terraform { return a == b }
    default: break
    }
    return false
}

/// Compares a CloudFormation template and a Terraform module of the same stack and lists every
/// difference as `<LogicalId> <Property>: cloudformation <value>, terraform <value>`.
/// A CloudFormation policy document without the statements on the stack's own ID or allowed only
/// through CloudFormation (`aws:CalledVia`), or nil when none is left: what the Terraform role gets.
func withoutStackStatements(_ document: Fact?, stackID: Fact) -> Fact? {
    guard case .object(var fields)? = document, case .list(let statements)? = fields["Statement"] else { return document }
    let kept = statements.filter { statement in
        guard case .object(let parts) = statement else { return true }
        if parts["Resource"] == stackID { return false }
        guard case .object(let conditions)? = parts["Condition"] else { return true }
        return !conditions.values.contains { condition in
            if case .object(let keys) = condition, let via = keys["aws:CalledVia"] { via == .list([.text("cloudformation.amazonaws.com")]) } else { false }
        }
    }
    guard !kept.isEmpty else { return nil }
    fields["Statement"] = .list(kept)
    return .object(fields)
}

func equivalenceDifferences(template: OrderedJSON, module: TerraformModule, stack: Stack) -> [String] {
    let cfn = CloudFormationFacts(template, stackName: stack.name)
    let tf = TerraformFacts(module, stack: stack)
    var differences: [String] = []
    func compare(_ name: String, _ property: String, _ a: Fact?, _ terraformValue: Fact?) {
        // An argument set to null is an argument left out (the provider's default), as Terraform treats it.
        let b = terraformValue == .opaque("null") ? nil : terraformValue
        let same = switch (a, b) {
        case (nil, nil): true
        case (let a?, let b?): equivalent(property, a, b, cfn)
        default: false
        }
        if !same {
            differences.append("\(name) \(property): cloudformation \(a?.description ?? "absent"), terraform \(b?.description ?? "absent")")
        }
    }
    var covered = Set<TerraformAddress>()
    guard case .object(let resources)? = template["Resources"] else { return ["no Resources in the template"] }
    for (id, _) in resources {
        let type = cfn.types[id] ?? "?"
        guard let resource = stack.resource(LogicalID(id)), let (terraformType, pairs) = propertyPairs[type] else {
            differences.append("\(id): no comparison for \(type)")
            continue
        }
        let name = TerraformNames.resourceName(resource)
        let address = TerraformAddress(terraformType, name)
        guard tf.block(address) != nil else {
            differences.append("\(id): no \(address) in the Terraform output")
            continue
        }
        covered.insert(address)
        // A resource under a condition: `Condition` in CloudFormation, `count = local.<condition> ? 1 : 0` in Terraform.
        compare(id, "Condition", cfn.template["Resources"]?[id]?["Condition"].map(cfn.fact), tf.block(address)?.attribute("count").map(tf.countCondition))
        for pair in pairs {
            let target = TerraformAddress(pair.terraformType ?? terraformType, name)
            covered.insert(target)
            compare(id, pair.cloudFormation, cfn.property(id, pair.cloudFormation), tf.property(target, pair.terraform))
        }
        switch type {
        case "AWS::EC2::SecurityGroup":
            for (cfnKey, tfBlock, peer) in [("SecurityGroupIngress", "ingress", "SourceSecurityGroupId"),
                                           ("SecurityGroupEgress", "egress", "DestinationSecurityGroupId")] {
                let cfnRules = cfn.property(id, cfnKey).map { rules -> Fact in
                    guard case .list(let items) = rules else { return rules }
                    return .list(items.map { item in
                        guard case .object(let f) = item else { return item }
                        return .object(["protocol": f["IpProtocol"]!, "from": f["FromPort"]!, "to": f["ToPort"]!,
                                        "description": f["Description"]!, "peer": f["CidrIp"] ?? f[peer]!])
                    })
                }
                let rules = tf.block(address)!.blocks(tfBlock).map { rule -> Fact in
                    let peerValue: Fact = if case .list(let peers)? = rule.attribute("cidr_blocks").map(tf.fact) { peers.first ?? .opaque("none") }
                        else if case .list(let groups)? = rule.attribute("security_groups").map(tf.fact) { groups.first ?? .opaque("none") }
                        else { .opaque("no peer") }
                    return .object(["protocol": tf.fact(rule.attribute("protocol")!), "from": tf.fact(rule.attribute("from_port")!),
                                    "to": tf.fact(rule.attribute("to_port")!), "description": tf.fact(rule.attribute("description")!), "peer": peerValue])
                }
                compare(id, cfnKey, cfnRules, rules.isEmpty ? nil : .list(rules))
            }
        case "AWS::IAM::Role":
            var cfnPolicies: [String: Fact] = [:]
            if case .list(let items)? = cfn.property(id, "Policies") {
                for case .object(let fields) in items {
                    // Terraform leaves out what only a stack uses (Translator.withoutStackStatements)
                    if case .text(let name)? = fields["PolicyName"], let document = withoutStackStatements(fields["PolicyDocument"], stackID: cfn.stackIDPattern) {
                        cfnPolicies[name] = document
                    }
                }
            }
            var tfPolicies: [String: Fact] = [:]
            for block in module.blocks where block.type == "resource" && block.labels.first == "aws_iam_role_policy" {
                guard tf.fact(block.attribute("role")!) == .resource(id, "name"), case .text(let name) = tf.fact(block.attribute("name")!) else { continue }
                tfPolicies[name] = tf.fact(block.attribute("policy")!)
                covered.insert(TerraformAddress("aws_iam_role_policy", block.labels[1]))
            }
            for policy in Set(cfnPolicies.keys).union(tfPolicies.keys).sorted() {
                compare(id, "Policies.\(policy)", cfnPolicies[policy], tfPolicies[policy])
            }
        case "AWS::CloudWatch::Alarm":
            let cfnDimensions = cfn.property(id, "Dimensions").map { dimensions -> Fact in
                guard case .list(let items) = dimensions else { return dimensions }
                var map: [String: Fact] = [:]
                for case .object(let fields) in items { if case .text(let name)? = fields["Name"] { map[name] = fields["Value"] } }
                return .object(map)
            }
            compare(id, "Dimensions", cfnDimensions, tf.property(address, "dimensions"))
        case "AWS::Lambda::Function":
            // The zip's only file holds exactly the inlined code.
            let zipName = tf.block(address)?.attribute("filename").map(tf.fact)
            let archive = module.archives.first { if case .join(let parts)? = zipName { parts.last == .text("/\($0.name)") } else { false } }
            compare(id, "Code.ZipFile", cfn.property(id, "Code.ZipFile"),
                    archive.flatMap { $0.archive.entries.count == 1 ? .text(String(decoding: $0.archive.entries[0].bytes, as: UTF8.self)) : nil })
        default: break
        }
        // Tags: every taggable CloudFormation resource carries the stack's tags; Terraform sets them once.
        if let tags = cfn.property(id, "Tags") {
            let provider = module.blocks.first { $0.type == "provider" }?.blocks("default_tags").first?.attribute("tags")
            guard case .list(let items) = tags else { continue }
            var map: [String: Fact] = [:]
            for case .object(let fields) in items { if case .text(let key)? = fields["Key"] { map[key] = fields["Value"] } }
            compare(id, "Tags", .object(map), provider.map(tf.fact))
        }
    }
    for block in module.blocks where block.type == "resource" {
        let address = TerraformAddress(block.labels[0], block.labels[1])
        if !covered.contains(address) { differences.append("\(address): in the Terraform output but from no CloudFormation resource") }
    }
    // Outputs, by snake_case name; an output under a condition is `local.<condition> ? value : null`.
    var outputNames = Set<String>()
    if case .object(let outputs)? = template["Outputs"] {
        for (name, output) in outputs {
            let snake = TerraformNames.snakeCase(name)
            outputNames.insert(snake)
            let block = module.blocks.first { $0.type == "output" && $0.labels == [snake] }
            var value = block?.attribute("value")
            var condition: Fact?
            if case .conditional(let test, let inner, .traversal("null"))? = value {
                condition = tf.countCondition(test)
                value = inner
            }
            compare("Output \(name)", "Value", output["Value"].map(cfn.fact), value.map(tf.fact))
            compare("Output \(name)", "Description", output["Description"].map(cfn.fact), block?.attribute("description").map(tf.fact))
            compare("Output \(name)", "Condition", output["Condition"].map(cfn.fact), condition)
        }
    }
    for block in module.blocks where block.type == "output" && !outputNames.contains(block.labels[0]) {
        differences.append("output \(block.labels[0]): not a CloudFormation output")
    }
    // Parameters: a flag parameter is a bool variable with the same default; a text parameter a
    // string variable without a default whose validation is the same pattern.
    var parameterNames = Set<String>()
    if case .object(let parameters)? = template["Parameters"] {
        for (name, parameter) in parameters {
            let snake = TerraformNames.snakeCase(name)
            parameterNames.insert(snake)
            let block = module.blocks.first { $0.type == "variable" && $0.labels == [snake] }
            compare("Parameter \(name)", "Definition", cfn.parameterDefinition(parameter), block.map(tf.parameterDefinition))
        }
    }
    for (variable, name) in tf.parameters.sorted(by: { $0.key < $1.key }) where !parameterNames.contains(variable) {
        if module.blocks.contains(where: { $0.type == "variable" && $0.labels == [variable] }) {
            differences.append("variable \(variable): parameter \(name) is not in the template")
        }
    }
    // Conditions: `Fn::Equals [Ref flag, "false"]` is the local `!var.flag`.
    var conditionNames = Set<String>()
    if case .object(let conditions)? = template["Conditions"] {
        for (name, condition) in conditions {
            let snake = TerraformNames.snakeCase(name)
            conditionNames.insert(snake)
            compare("Condition \(name)", "Definition", cfn.conditionDefinition(condition), tf.locals[snake].map(tf.conditionDefinition))
        }
    }
    for name in tf.conditions.keys.sorted() where !conditionNames.contains(name) && tf.locals[name] != nil {
        differences.append("local \(name): not a CloudFormation condition")
    }
    return differences.sorted()
}
