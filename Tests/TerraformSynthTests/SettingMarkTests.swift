import StackModel
import Testing
@testable import TerraformSynth

// Settings are values of the model: Terraform writes `var.<setting>` where the model marks a value
// as a setting's (`FromSetting`), and nowhere else, whatever the values are.

/// A hand-built stack: one VPC whose block is marked as `vpc-cidr`, one log group whose retention
/// is the configuration's too but not marked, and one that is marked.
private func handStack(_ config: ServiceConfig) -> Stack {
    Stack("hand", description: "settings marked by hand") {
        Vpc("Vpc", cidr: config.vpcCidr).fromSetting(\.$cidr, "vpc-cidr")
        LogGroup("Plain", retentionDays: config.logRetentionDays, kmsKey: nil)
        LogGroup("Tuned", retentionDays: config.logRetentionDays, kmsKey: nil).fromSetting(\.$retentionDays, "log-retention-days")
    }
}

@Test func aMarkedValueIsItsVariableAndAnEqualUnmarkedValueStaysLiteral() throws {
    let config = ServiceConfig()
    let module = try TerraformSynth.translate(handStack(config), config: config)
    let vpc = try #require(module.resource(TerraformAddress("aws_vpc", "vpc")))
    #expect(vpc.attribute("cidr_block") == .traversal("var.vpc_cidr"))
    let tuned = try #require(module.resource(TerraformAddress("aws_cloudwatch_log_group", "tuned")))
    #expect(tuned.attribute("retention_in_days") == .traversal("var.log_retention_days"))
    // the same number, not marked: a literal, though it equals the setting's value
    let plain = try #require(module.resource(TerraformAddress("aws_cloudwatch_log_group", "plain")))
    #expect(plain.attribute("retention_in_days") == .number(Double(config.logRetentionDays)))
    // and the stack declares the variables it marks (and the provider's region), no other setting's
    let variables = module.file("variables.tf")!.blocks.filter { $0.type == "variable" }.map { $0.labels[0] }
    #expect(variables == ["region", "vpc_cidr", "log_retention_days"])
}

@Test func theServiceMarksItsSettingsAndAValueSetByHandLosesItsMark() throws {
    let config = ServiceConfig()
    let stack = Stack.slmService(config)
    let endpointConfig = try #require(stack.resources(of: EndpointConfig.self).first)
    #expect(endpointConfig.$instanceType.setting == "instance-type" && endpointConfig.$instanceCount.setting == "instance-count")
    #expect(stack.resources(of: LogGroup.self).allSatisfy { $0.$retentionDays.setting == "log-retention-days" })
    // the idle pause function is sized by no setting, the shim by the lambda-* settings
    let functions = stack.resources(of: LambdaFunction.self)
    #expect(functions.map(\.$memoryMB.setting) == functions.map { $0.id == "ShimFunction" ? "lambda-memory" : nil })

    // Setting the value by hand, even to the same value, makes it the model's own.
    var handSet = endpointConfig
    handSet.instanceType = config.instanceType
    #expect(handSet.$instanceType.setting == nil && handSet.instanceType == config.instanceType)
    var changed = stack
    changed.resources = stack.resources.map { $0 is EndpointConfig ? handSet : $0 }
    let module = try TerraformSynth.translate(changed, config: config)
    let variant = try #require(module.resource(TerraformAddress("aws_sagemaker_endpoint_configuration", "endpoint_config"))?.blocks("production_variants").first)
    #expect(variant.attribute("instance_type") == .string(config.instanceType))
    #expect(variant.attribute("initial_instance_count") == .traversal("var.instance_count"), "the other marks stay")
}

@Test func aMarkedValueWhoseSettingHasNoVariableHereIsLiteral() throws {
    // idle-hours 0 removes the idle alarm, and with it the variable: a value marked idle-hours is then written as is
    var config = ServiceConfig()
    config.idleHours = 0
    config.alarms = true
    let bindings = Bindings(config: config)
    #expect(bindings.marked(FromSetting(3, setting: "idle-hours")) == .number(3))
    #expect(bindings.marked(FromSetting(3, setting: "no-such-setting")) == .number(3))
    #expect(bindings.marked(FromSetting(config.instanceCount, setting: "instance-count")) == .traversal("var.instance_count"))
}

@Test func environmentEntriesFollowTheirMarksAndAChangedEntryLosesIt() throws {
    let config = ServiceConfig()
    let stack = Stack.slmService(config)
    let model = try #require(stack.resources(of: SageMakerModel.self).first)
    #expect(model.environmentSettings["HF_MODEL_ID"] == "model-id" && model.environmentSettings["SM_NUM_GPUS"] == nil)
    var changed = model
    changed.environment["MAX_INPUT_TOKENS"] = "1000"  // changed by hand
    #expect(changed.environmentSettings["MAX_INPUT_TOKENS"] == nil && changed.environmentSettings["HF_MODEL_ID"] == "model-id")
    var edited = stack
    edited.resources = stack.resources.map { $0 is SageMakerModel ? changed : $0 }
    let module = try TerraformSynth.translate(edited, config: config)
    guard case .object(let environment)? = module.resource(TerraformAddress("aws_sagemaker_model", "model"))?
        .blocks("primary_container").first?.attribute("environment") else { Issue.record("no environment"); return }
    let values = Dictionary(uniqueKeysWithValues: environment.map { ($0.key, text($0.value)) })
    #expect(values["HF_MODEL_ID"] == "var.model_id")
    #expect(values["MAX_TOTAL_TOKENS"] == "tostring(var.max_total_tokens)")
    #expect(values["MAX_INPUT_TOKENS"] == "\"1000\"")
}

@Test func aMarkedValueTheConfigurationDisagreesWithIsRefused() throws {
    // built from one configuration, written from another: var.vpc_cidr's default would not be the VPC's block
    var built = ServiceConfig()
    built.vpcCidr = "10.1.0.0/16"
    #expect(throws: TerraformSynthError.noEquivalent(kind: "Vpc", id: "Vpc",
        reason: "its value 10.1.0.0/16 is marked as setting vpc-cidr, which is \(ServiceConfig().vpcCidr) in the configuration: build the stack from the configuration the module is written from, or set the value by hand (which drops the mark)")) {
        try TerraformSynth.translate(handStack(built), config: ServiceConfig())
    }
    // the same numbers in another form agree (2.50 and 2.5)
    var config = ServiceConfig()
    config.throttleRate = 2.5
    #expect(Bindings(config: config).marked(FromSetting(2.50, setting: "throttle-rate")) == .traversal("var.throttle_rate"))
}
