import CloudFormationSynth
import Foundation
import StackModel
import GoldenFiles
import Testing
@testable import TerraformSynth

// MARK: - Operations

@Test func alarmsTranslateStatisticDimensionsAndActions() throws {
    let module = try defaultModule(operationsConfig())
    let latency = try #require(module.resource(TerraformAddress("aws_cloudwatch_metric_alarm", "model_latency_alarm")))
    #expect(latency.attribute("extended_statistic") == .string("p90") && latency.attribute("statistic") == nil)
    #expect(text(latency.attribute("threshold")) == "max(1, var.lambda_timeout - 3) * 800000")
    #expect(text(latency.attribute("dimensions")) == """
        {
          EndpointName = aws_sagemaker_endpoint.endpoint[0].name
          VariantName  = "AllTraffic"
        }
        """)
    let idle = try #require(module.resource(TerraformAddress("aws_cloudwatch_metric_alarm", "idle_alarm")))
    #expect(idle.attribute("statistic") == .string("Sum") && idle.attribute("extended_statistic") == nil)
    #expect(idle.attribute("evaluation_periods") == .traversal("var.idle_hours") && idle.attribute("datapoints_to_alarm") == .traversal("var.idle_hours"))
    #expect(idle.attribute("treat_missing_data") == .string("breaching"))
    #expect(text(idle.attribute("alarm_actions")) == "[aws_lambda_function.idle_pause_function.arn]")
    #expect(text(idle.attribute("alarm_description")).hasPrefix(#""No invocations for ${var.idle_hours} h:"#))
    let topic = try #require(module.resource(TerraformAddress("aws_sns_topic", "alarm_topic")))
    #expect(topic.attribute("kms_master_key_id") == .traversal("aws_kms_key.logs_key.key_id"))
    let email = try #require(module.resource(TerraformAddress("aws_sns_topic_subscription", "alarm_email")))
    #expect(email.attribute("protocol") == .string("email") && email.attribute("endpoint") == .traversal("var.alarm_email"))
}

@Test func theExpiryScheduleDeletesTheEndpointInTerraform() throws {
    let module = try defaultModule(operationsConfig())
    let schedule = try #require(module.resource(TerraformAddress("aws_scheduler_schedule", "expiry_schedule")))
    #expect(text(schedule.attribute("schedule_expression")) == #""at(${var.expires_at})""#)
    #expect(schedule.attribute("schedule_expression_timezone") == .string("UTC"))
    #expect(schedule.blocks("flexible_time_window").first?.attribute("mode") == .string("OFF"))
    #expect(schedule.attribute("kms_key_arn") == .traversal("aws_kms_key.logs_key.arn"))
    let target = try #require(schedule.blocks("target").first)
    #expect(target.attribute("arn") == .string("arn:aws:scheduler:::aws-sdk:sagemaker:deleteEndpoint"))
    #expect(target.attribute("role_arn") == .traversal("aws_iam_role.expiry_role.arn"))
    #expect(text(target.attribute("input")) == """
        jsonencode({
          EndpointName = local.running ? one(aws_sagemaker_endpoint.endpoint[*].name) : "paused"
        })
        """)
    #expect(target.blocks("retry_policy").first?.attribute("maximum_retry_attempts") == .number(185))
    #expect(target.blocks("dead_letter_config").first?.attribute("arn") == .traversal("aws_sqs_queue.expiry_dead_letter_queue.arn"))
    #expect(schedule.comments.contains { $0.contains("there is no CloudFormation stack to delete") })
    // Without exactly one endpoint there is nothing to stand for deleting the stack.
    let config = try operationsConfig()
    var stack = Stack.slmService(config)
    stack.resources.removeAll { $0 is Endpoint }
    #expect(throws: TerraformSynthError.self) { try TerraformSynth.translate(stack, config: config) }
}

@Test func autoscalingTranslatesToATargetAndATargetTrackingPolicy() throws {
    let module = try defaultModule(operationsConfig())
    let target = try #require(module.resource(TerraformAddress("aws_appautoscaling_target", "scalable_target")))
    #expect(text(target.attribute("resource_id")) == #""endpoint/${aws_sagemaker_endpoint.endpoint[0].name}/variant/AllTraffic""#)
    #expect(target.attribute("scalable_dimension") == .string("sagemaker:variant:DesiredInstanceCount"))
    #expect(target.attribute("service_namespace") == .string("sagemaker"))
    // Without min-instances the minimum is instance-count, as the setting says.
    #expect(target.attribute("min_capacity") == .traversal("var.instance_count") && target.attribute("max_capacity") == .traversal("var.max_instances"))
    let policy = try #require(module.resource(TerraformAddress("aws_appautoscaling_policy", "scaling_policy")))
    #expect(policy.attribute("policy_type") == .string("TargetTrackingScaling"))
    let tracking = try #require(policy.blocks("target_tracking_scaling_policy_configuration").first)
    #expect(tracking.attribute("target_value") == .traversal("var.scaling_target"))
    #expect(tracking.blocks("predefined_metric_specification").first?.attribute("predefined_metric_type") == .string("SageMakerVariantInvocationsPerInstance"))

    var config = try operationsConfig()
    try ServiceConfig.setting("min-instances")!.apply(&config, "2")
    let scaled = try defaultModule(config)
    let variant = scaled.resource(TerraformAddress("aws_sagemaker_endpoint_configuration", "endpoint_config"))?.blocks("production_variants").first
    #expect(variant?.attribute("initial_instance_count") == .traversal("var.min_instances"))
    let bounded = try #require(scaled.resource(TerraformAddress("aws_appautoscaling_target", "scalable_target")))
    #expect(bounded.attribute("min_capacity") == .traversal("var.min_instances"))
    #expect(text(bounded.blocks("lifecycle").first?.blocks("precondition").first?.attribute("condition")) == "var.min_instances <= var.max_instances")
}

@Test func aFunctionWithoutSubnetsHasNoVpcConfigAndKeepsItsOwnSizes() throws {
    var config = try operationsConfig()
    config.lambdaMemoryMB = 128
    let module = try defaultModule(config)
    let pause = try #require(module.resource(TerraformAddress("aws_lambda_function", "idle_pause_function")))
    #expect(pause.blocks("vpc_config").isEmpty)
    // lambda-memory sizes the shim; the idle pause function's 128 MB is its own even when they are equal.
    // It reserves nothing: a new account (10 executions) refuses any reservation.
    #expect(pause.attribute("memory_size") == .number(128) && pause.attribute("reserved_concurrent_executions") == .traversal("null"))
    #expect(pause.comments.contains { $0.contains("terraform apply -var paused=true") })
    let shim = try #require(module.resource(TerraformAddress("aws_lambda_function", "shim_function")))
    #expect(shim.blocks("vpc_config").count == 1 && shim.attribute("memory_size") == .traversal("var.lambda_memory"))
    #expect(module.archives.map(\.name) == ["idle-pause.zip", "shim.zip"])
}

@Test func operationsSettingsAreVariablesOnlyWhereTheySetAProperty() throws {
    func variables(_ settings: [(String, String)]) throws -> Set<String> {
        var config = ServiceConfig()
        for (key, text) in settings { try ServiceConfig.setting(key)!.apply(&config, text) }
        return Set(try defaultModule(config).file("variables.tf")!.blocks.filter { $0.type == "variable" }.map { $0.labels[0] })
    }
    let operations = ["idle_hours", "alarm_email", "min_instances", "max_instances", "scaling_target", "expires_at"]
    #expect(try variables([]).intersection(operations) == ["idle_hours"])
    #expect(try variables([("idle-hours", "0"), ("alarms", "off")]).intersection(operations) == [])
    #expect(try variables([("alarm-email", "a@b.co"), ("ttl", "2h")]).intersection(operations) == ["idle_hours", "alarm_email", "expires_at"])
    #expect(try variables([("max-instances", "4"), ("min-instances", "2")]).intersection(operations)
            == ["idle_hours", "min_instances", "max_instances", "scaling_target"])
    for name in ["ttl", "idle_pause", "alarms"] { #expect(try !variables([("ttl", "1h")]).contains(name)) }
    let module = try defaultModule(operationsConfig())
    let email = module.file("variables.tf")!.blocks.first { $0.labels == ["alarm_email"] }
    #expect(text(email?.blocks("validation").first?.attribute("condition")) == #"can(regex("^[^@ ]+@[^@ ]*[.][^@ ]*$", var.alarm_email)) && length(var.alarm_email) <= 254"#)
}

/// The e-mail validation accepts what `alarm-email` accepts, on a few edge cases (the regex is
/// evaluated with NSRegularExpression, as Terraform's RE2 would for this pattern).
@Test(arguments: ["a@b.co", "ops@example.com", "a@b@c.d", "@b.co", "a@bco", "a b@c.d", "a@.", "x@y.z."])
func emailValidationMatchesTheSetting(address: String) throws {
    var config = ServiceConfig()
    let accepted = (try? ServiceConfig.setting("alarm-email")!.apply(&config, address)) != nil
    let regex = try NSRegularExpression(pattern: "^[^@ ]+@[^@ ]*[.][^@ ]*$")
    let matched = regex.firstMatch(in: address, range: NSRange(address.startIndex..., in: address)) != nil && address.count <= 254
    #expect(accepted == matched, "\(address)")
}

// MARK: - Zip

@Test(arguments: [("", UInt32(0)), ("a", UInt32(0xE8B7_BE43)), ("123456789", UInt32(0xCBF4_3926)),
                  ("The quick brown fox jumps over the lazy dog", UInt32(0x414F_A339))])
func crc32Vectors(text: String, expected: UInt32) {
    #expect(CRC32.checksum(Array(text.utf8)) == expected)
}

@Test func zipIsStoredWithFixedTimestampsAndReadableLayout() throws {
    let module = try defaultModule()
    let (name, archive) = try #require(module.archives.first)
    #expect(name == "shim.zip")
    #expect(archive.entries.map(\.path) == ["index.py"])
    #expect(archive.entries[0].bytes == Array(LambdaSource.inlined().utf8))
    let bytes = archive.bytes
    #expect(bytes.prefix(4) == [0x50, 0x4B, 0x03, 0x04])
    #expect(bytes[8..<10] == [0, 0], "method: stored")
    #expect(bytes[10..<14] == [0, 0, 0x21, 0], "time 00:00, date 1980-01-01")
    let crc = CRC32.checksum(archive.entries[0].bytes)
    #expect(Array(bytes[14..<18]) == [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)])
    #expect(bytes.suffix(22).prefix(4) == [0x50, 0x4B, 0x05, 0x06], "end of central directory last")
    #expect(bytes == ZipArchive(archive.entries).bytes)
}

// MARK: - Equivalence with the CloudFormation renderer

func equivalence(cloudFormation cfnStack: Stack, terraform tfStack: Stack, config: ServiceConfig = ServiceConfig()) throws -> [String] {
    let template = try CloudFormationSynth.translate(cfnStack)
    let module = try TerraformSynth.translate(tfStack, config: config)
    return equivalenceDifferences(template: template, module: module, stack: tfStack)
}

@Test(arguments: [
    ("default", [String]()),
    ("eu-west-2 g6 3 AZs", ["region=eu-west-2", "instance-type=ml.g6.xlarge", "az-count=3"]),
    ("no NAT", ["nat-gateway=off"]),
    ("no API Gateway account", ["api-gateway-account=off"]),
    ("short Lambda timeout", ["lambda-timeout=10"]),
    ("hermes on g6e", ["model-id=NousResearch/Hermes-3-Llama-3.1-8B", "instance-type=ml.g6e.xlarge", "max-input-tokens=4096",
                       "max-total-tokens=8192", "max-batch-prefill-tokens=8192", "log-retention-days=30", "tags=team=ml,env=dev"]),
    ("ttl, idle pause, e-mail, autoscaling", ["ttl=4h", "idle-pause=on", "alarm-email=a@b.co", "max-instances=3"]),
    ("alarms off, no idle alarm", ["alarms=off", "idle-hours=0"]),
    ("autoscaling from 2, short Lambda timeout, 12 idle hours", ["min-instances=2", "max-instances=5", "scaling-target=80",
                                                                 "lambda-timeout=10", "idle-hours=12", "stack-name=ops-test"]),
])
func bothRenderersSayTheSame(name: String, settings: [String]) throws {
    var config = ServiceConfig()
    for pair in settings {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        try ServiceConfig.setting(parts[0])!.apply(&config, parts[1])
    }
    #expect(config.validate().isEmpty)
    let stack = Stack.slmService(config)
    let differences = try equivalence(cloudFormation: stack, terraform: stack, config: config)
    #expect(differences == [], "\(name):\n\(differences.joined(separator: "\n"))")
}

/// Applies `change` to resources of type `R` in a copy of the stack.
func altered<R: Resource>(_ stack: Stack, _ type: R.Type, _ change: (inout R) -> Void) -> Stack {
    var copy = stack
    copy.resources = copy.resources.map { resource in
        guard var typed = resource as? R else { return resource }
        change(&typed)
        return typed
    }
    return copy
}

@Test func aChangeOnTheTerraformSideOnlyIsReportedExactly() throws {
    let stack = Stack.slmService(ServiceConfig())
    let changed = altered(stack, EndpointConfig.self) { $0.instanceType = "ml.g5.2xlarge" }
    let differences = try equivalence(cloudFormation: stack, terraform: changed)
    #expect(differences == [#"EndpointConfig ProductionVariants.0.InstanceType: cloudformation "ml.g5.xlarge", terraform "ml.g5.2xlarge""#])
}

@Test func aChangeOnTheCloudFormationSideOnlyIsReportedExactly() throws {
    let stack = Stack.slmService(ServiceConfig())
    let changed = altered(stack, UsagePlan.self) { $0.throttleRate = 25 }
    let differences = try equivalence(cloudFormation: changed, terraform: stack)
    #expect(differences == ["UsagePlan Throttle.RateLimit: cloudformation 25, terraform 5"])
    let env = altered(stack, LambdaFunction.self) { $0.environment["LOG_PROMPTS"] = "true" }
    let envDifferences = try equivalence(cloudFormation: env, terraform: stack)
    #expect(envDifferences.count == 1 && envDifferences[0].hasPrefix("ShimFunction Environment.Variables:"), "\(envDifferences)")
}

@Test func aChangeToAnOperationsResourceOnOneSideIsReportedExactly() throws {
    let config = try operationsConfig()
    let stack = Stack.slmService(config)
    let alarm = altered(stack, MetricAlarm.self) { if $0.id == "ShimErrorsAlarm" { $0.threshold = 5 } }
    #expect(try equivalence(cloudFormation: stack, terraform: alarm, config: config) == ["ShimErrorsAlarm Threshold: cloudformation 1, terraform 5"])
    let policy = altered(stack, TargetTrackingPolicy.self) { $0.targetValue = 50 }
    #expect(try equivalence(cloudFormation: policy, terraform: stack, config: config)
            == ["ScalingPolicy TargetTrackingScalingPolicyConfiguration.TargetValue: cloudformation 50, terraform 30"])
    let at = altered(stack, OneTimeSchedule.self) { $0.at = "2030-01-01T00:00:00" }
    #expect(try equivalence(cloudFormation: stack, terraform: at, config: config)
            == [#"ExpirySchedule ScheduleExpression: cloudformation join("at(" + <parameter ExpiresAt> + ")"), terraform "at(2030-01-01T00:00:00)""#])
    // A model schedule that already deletes the endpoint keeps its input in Terraform, which no
    // longer matches what CloudFormation's stack deletion stands for.
    let schedule = altered(stack, OneTimeSchedule.self) { $0.targetArn = "arn:aws:scheduler:::aws-sdk:sagemaker:deleteEndpoint" }
    let differences = try equivalence(cloudFormation: stack, terraform: schedule, config: config)
    #expect(differences == [#"ExpirySchedule Target.Input: cloudformation join("{"StackName":"arn:" + <AWS::Partition> + ":cloudformation:" + <AWS::Region> + ":" + <AWS::AccountId> + ":stack/slmstack/*"}"), terraform {StackName: join("arn:" + <AWS::Partition> + ":cloudformation:" + <AWS::Region> + ":" + <AWS::AccountId> + ":stack/slmstack/*")}"#])
}

@Test func aConditionOrParameterChangedOnOneSideIsReportedExactly() throws {
    let config = ServiceConfig()
    let stack = Stack.slmService(config)
    var unconditional = stack
    unconditional.conditionByResource["NatGateway"] = nil
    #expect(try equivalence(cloudFormation: stack, terraform: unconditional) == [#"NatGateway Condition: cloudformation "Running", terraform absent"#])
    var pausedByDefault = stack
    pausedByDefault.parameters[0].kind = .flag(default: true)
    #expect(try equivalence(cloudFormation: pausedByDefault, terraform: stack)
            == [#"Parameter Paused Definition: cloudformation {default: true, kind: "flag"}, terraform {default: false, kind: "flag"}"#])
    var inverted = stack
    inverted.conditions[0].holdsWhen = true
    #expect(try equivalence(cloudFormation: stack, terraform: inverted)
            == [#"Condition Running Definition: cloudformation {flag: <parameter Paused>, holdsWhen: "false"}, terraform {flag: <parameter Paused>, holdsWhen: "true"}"#])
}

@Test func aChangedTerraformRenderingIsReportedExactly() throws {
    // A test-only change to the Terraform output: the retention variable's default. Every log
    // group reads it, so each differs, and nothing else.
    let config = ServiceConfig()
    let stack = Stack.slmService(config)
    var module = try TerraformSynth.translate(stack, config: config)
    let index = module.files.firstIndex { $0.name == "variables.tf" }!
    module.files[index].blocks = module.files[index].blocks.map { block in
        guard block.labels == ["log_retention_days"] else { return block }
        var copy = block
        copy.body = copy.body.map { if case .attribute("default", _) = $0 { .attribute("default", .number(30)) } else { $0 } }
        return copy
    }
    let differences = equivalenceDifferences(template: try CloudFormationSynth.translate(stack), module: module, stack: stack)
    #expect(differences == ["ApiAccessLogGroup RetentionInDays: cloudformation 365, terraform 30",
                            "ApiExecutionLogGroup RetentionInDays: cloudformation 365, terraform 30",
                            "EndpointLogGroup RetentionInDays: cloudformation 365, terraform 30",
                            "FlowLogGroup RetentionInDays: cloudformation 365, terraform 30",
                            "ShimLogGroup RetentionInDays: cloudformation 365, terraform 30"])
}

@Test func aMissingOrExtraTerraformResourceIsReported() throws {
    let config = ServiceConfig()
    let stack = Stack.slmService(config)
    var module = try TerraformSynth.translate(stack, config: config)
    let index = module.files.firstIndex { $0.name == "network.tf" }!
    module.files[index].blocks.removeAll { $0.labels == ["aws_flow_log", "vpc_flow_log"] }
    module.files[index].blocks.append(HCLBlock("resource", ["aws_default_security_group", "extra"]))
    let differences = equivalenceDifferences(template: try CloudFormationSynth.translate(stack), module: module, stack: stack)
    #expect(differences == ["VpcFlowLog: no aws_flow_log.vpc_flow_log in the Terraform output",
                            "aws_default_security_group.extra: in the Terraform output but from no CloudFormation resource"])
}

/// Terraform refuses a streaming stack with one line naming the route, why, and what to use.
@Test func terraformRefusesStreamingNamingCloudFormation() throws {
    var config = ServiceConfig()
    config.streaming = true
    #expect {
        try TerraformSynth.synthesize(Stack.slmService(config), config: config)
    } throws: { error in
        let text = "\(error)"
        return text.hasPrefix("ApiMethod 'ChatCompletionsMethod': response streaming") && text.contains("CloudFormation")
            && !text.contains("\n")
    }
}

/// Terraform refuses scale to zero with one line: no inference component resource in the provider.
@Test func terraformRefusesScaleToZeroNamingCloudFormation() throws {
    var config = ServiceConfig()
    config.scaling = .zero
    #expect {
        try TerraformSynth.synthesize(Stack.slmService(config), config: config)
    } throws: { error in
        let text = "\(error)"
        return text.hasPrefix("InferenceComponent 'InferenceComponent': scaling zero") && text.contains("#35226")
            && text.contains("CloudFormation") && !text.contains("\n")
    }
}
