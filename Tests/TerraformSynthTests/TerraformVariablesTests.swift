import CloudFormationSynth
import Foundation
import StackModel
import GoldenFiles
import Testing
@testable import TerraformSynth

// MARK: - Variables

@Test(arguments: ["default", "operations"])
func everySettingThatSetsAPropertyIsAVariable(variant: String) throws {
    let config = variant == "default" ? ServiceConfig() : try operationsConfig()
    let module = try defaultModule(config)
    let parameters = Stack.slmService(config).parameters.map { TerraformNames.snakeCase($0.name.rawValue) }
    let variables = module.file("variables.tf")!.blocks.filter { $0.type == "variable" && !parameters.contains($0.labels[0]) }
    let bindings = Bindings(config: config)
    // budget is a setting of cost and deploy: it sets nothing in the module, so it is no variable
    let settings = ServiceConfig.settings.filter { bindings.applies($0.key) && $0.key != "budget" }
    #expect(variables.map { $0.labels[0] } == settings.map(\.key).map(TerraformNames.variable))
    // and every variable is used: by a resource, local, output or provider, or another variable's validation
    let elsewhere = module.files.filter { $0.name != "variables.tf" }.map { $0.rendered() }.joined()
        + HCLFile(name: "", header: [], blocks: module.file("variables.tf")!.blocks.filter { $0.type == "locals" }).rendered()
    for variable in variables {
        let name = variable.labels[0]
        let inOthers = module.file("variables.tf")!.blocks.filter { $0.labels.first != name }.map { HCLFile(name: "", header: [], blocks: [$0]).rendered() }.joined()
        #expect(elsewhere.contains("var.\(name)") || inOthers.contains("var.\(name)"), "var.\(name) is declared and never used")
    }
    for (block, setting) in zip(variables, settings) {
        #expect(block.attribute("description") == .string(setting.help))
        #expect(block.attribute("type") == .traversal(setting.terraformType))
        #expect(block.attribute("default") != nil)
    }
    #expect(!variables.contains { $0.labels[0] == "az_count" || $0.labels[0] == "nat_gateway" })
}

/// Each numeric setting carries its range, and parsing accepts exactly that range at its edges.
@Test(arguments: ServiceConfig.settings.filter { $0.range != nil }.map(\.key))
func aSettingParsesWithTheRangeItCarries(key: String) throws {
    let setting = try #require(ServiceConfig.setting(key))
    let range = try #require(setting.range)
    let step = range.whole ? 1.0 : range.lowerBound > 0 ? range.lowerBound / 2 : 0.5
    func accepts(_ value: Double) -> Bool {
        var config = ServiceConfig()
        return (try? setting.apply(&config, HCLRenderer.formatNumber(value))) != nil
    }
    #expect(accepts(range.lowerBound) && accepts(range.upperBound))
    #expect(!accepts(range.lowerBound - step) && !accepts(range.upperBound + (range.whole ? 1 : 0.5)))
    if range.whole && range.lowerBound < range.upperBound {
        #expect(!accepts(range.lowerBound + 0.5), "a whole-number setting refuses a fraction")
    }
}

/// The variable's validation is written from the range it is given (the setting's), whatever it is.
@Test func theVariableValidationIsWrittenFromTheSettingsRange() throws {
    let bindings = Bindings(config: ServiceConfig())
    let whole = bindings.validations("instance-count", range: SettingRange(3...7), variable: "var.n")
    #expect(whole.map { text($0.0) } == ["var.n >= 3 && var.n <= 7 && floor(var.n) == var.n"])
    #expect(whole.map(\.1) == ["Expected a whole number from 3 to 7."])
    let decimal = bindings.validations("throttle-rate", range: SettingRange(0.25...2.5), variable: "var.r")
    #expect(decimal.map { text($0.0) } == ["var.r >= 0.25 && var.r <= 2.5"])
    // and the module's blocks use each setting's own range
    let module = try defaultModule()
    let count = try #require(module.file("variables.tf")!.blocks.first { $0.labels == ["instance_count"] })
    let range = try #require(ServiceConfig.setting("instance-count")?.range)
    #expect(text(count.blocks("validation").first?.attribute("condition"))
            == "var.instance_count >= \(Int(range.lowerBound)) && var.instance_count <= \(Int(range.upperBound)) && floor(var.instance_count) == var.instance_count")
    // parsing refuses with the same bounds
    #expect(throws: SettingError.self) { try SettingRange(3...7).int("n", "8") }
    #expect(SettingRange(3...7).contains(7) && !SettingRange(3...7).contains(8) && !SettingRange(3...7).contains(3.5))
}

@Test func retentionValuesMatchTheSetting() throws {
    let setting = try #require(ServiceConfig.setting("log-retention-days"))
    var config = ServiceConfig()
    for days in 0...3700 {
        let accepted = (try? setting.apply(&config, String(days))) != nil
        #expect(accepted == ServiceConfig.logRetentionValues.contains(days), "\(days)")
    }
}

@Test func tunablePropertiesRenderAsVariablesAndDerivedOnesAsExpressions() throws {
    var config = ServiceConfig()
    config.instanceType = "ml.g6e.xlarge"
    config.region = "eu-west-2"
    let module = try defaultModule(config)
    let endpointConfig = try #require(module.resource(TerraformAddress("aws_sagemaker_endpoint_configuration", "endpoint_config")))
    #expect(endpointConfig.blocks("production_variants").first?.attribute("instance_type") == .traversal("var.instance_type"))
    let variable = module.file("variables.tf")!.blocks.first { $0.labels == ["instance_type"] }
    #expect(variable?.attribute("default") == .string("ml.g6e.xlarge"))
    let subnet = try #require(module.resource(TerraformAddress("aws_subnet", "private_subnet_2")))
    #expect(subnet.attribute("cidr_block") == .call("cidrsubnet", [.traversal("var.vpc_cidr"), .number(4), .number(9)]))
    let model = try #require(module.resource(TerraformAddress("aws_sagemaker_model", "model")))
    #expect(model.blocks("primary_container").first?.attribute("image") == .traversal("local.tgi_image"))
    // The ECR pull policy follows var.region through the registry table, not the synthesized account.
    let ecr = HCLRenderer.render(module.resource(TerraformAddress("aws_iam_role_policy", "model_execution_role_ecr_pull"))!.attribute("policy")!, indent: 0)
    #expect(ecr.contains(":${local.tgi_registry_account}:repository/huggingface-pytorch-tgi-inference"))
    #expect(!ecr.contains("763104351884"))
}

@Test func aModelChangedOnItsOwnKeepsItsLiteral() throws {
    let config = ServiceConfig()
    var stack = Stack.slmService(config)
    stack.resources = stack.resources.map { resource in
        guard var endpointConfig = resource as? EndpointConfig else { return resource }
        endpointConfig.instanceType = "ml.g5.2xlarge"
        return endpointConfig
    }
    let module = try TerraformSynth.translate(stack, config: config)
    let block = try #require(module.resource(TerraformAddress("aws_sagemaker_endpoint_configuration", "endpoint_config")))
    #expect(block.blocks("production_variants").first?.attribute("instance_type") == .string("ml.g5.2xlarge"))
}

@Test func structuralChoicesChangeTheResourceSet() throws {
    var config = ServiceConfig()
    config.azCount = 3
    config.natGateway = false
    let module = try defaultModule(config)
    #expect(module.resource(TerraformAddress("aws_subnet", "private_subnet_3")) != nil)
    #expect(module.resource(TerraformAddress("aws_nat_gateway", "nat_gateway")) == nil)
    #expect(module.resource(TerraformAddress("aws_internet_gateway", "internet_gateway")) == nil)
}

@Test func apiGatewayAccountOffLeavesOutTheAccountAndItsDependency() throws {
    var config = ServiceConfig()
    config.apiGatewayAccount = .off
    let module = try defaultModule(config)
    #expect(module.resource(TerraformAddress("aws_api_gateway_account", "api_gateway_account")) == nil)
    #expect(module.resource(TerraformAddress("aws_iam_role", "api_gateway_logs_role")) == nil)
    let stage = try #require(module.resource(TerraformAddress("aws_api_gateway_stage", "api_stage")))
    #expect(text(stage.attribute("depends_on")) == "[aws_cloudwatch_log_group.api_execution_log_group]")
    #expect(!(module.file("variables.tf")!.blocks.contains { $0.labels == ["api_gateway_role"] }))
}

@Test func apiGatewayAccountAutoIsAVariableAndDestroyResetsTheSetting() throws {
    let module = try defaultModule()
    let variable = try #require(module.file("variables.tf")!.blocks.first { $0.labels == ["api_gateway_role"] })
    #expect(variable.attribute("type") == .traversal("bool") && variable.attribute("default") == .bool(false))
    let account = try #require(module.resource(TerraformAddress("aws_api_gateway_account", "api_gateway_account")))
    #expect(text(account.attribute("count")) == "local.creates_api_gateway_role ? 1 : 0")
    #expect(account.attribute("reset_on_delete") == .bool(true), "Terraform has no Retain: destroy clears the setting it made")
    let stage = try #require(module.resource(TerraformAddress("aws_api_gateway_stage", "api_stage")))
    #expect(text(stage.attribute("description")).contains("one(aws_api_gateway_account.api_gateway_account[*].id)"),
            "the stage waits for the setting when the module makes it")
}

@Test func noReservationByDefaultAndTheVariableIsNullable() throws {
    let module = try defaultModule()
    let shim = try #require(module.resource(TerraformAddress("aws_lambda_function", "shim_function")))
    #expect(text(shim.attribute("reserved_concurrent_executions")) == "var.lambda_concurrency")
    let variable = try #require(module.file("variables.tf")!.blocks.first { $0.labels == ["lambda_concurrency"] })
    #expect(variable.attribute("default") == .traversal("null"))
    var reserved = ServiceConfig()
    reserved.lambdaReservedConcurrency = 20
    let reservedVariable = try #require(try defaultModule(reserved).file("variables.tf")!.blocks.first { $0.labels == ["lambda_concurrency"] })
    #expect(reservedVariable.attribute("default") == .number(20))
}

// MARK: - Parameters and conditions

/// The rendered text of an expression.
func text(_ expression: HCLExpression?) -> String { expression.map { HCLRenderer.render($0, indent: 0) } ?? "absent" }

@Test func parametersAreVariablesAndConditionsAreLocals() throws {
    let plain = try defaultModule().file("variables.tf")!.blocks
    let paused = try #require(plain.first { $0.labels == ["paused"] })
    #expect(paused.attribute("type") == .traversal("bool") && paused.attribute("default") == .bool(false))
    #expect(!plain.contains { $0.labels == ["expires_at"] }, "no expires_at without a ttl")
    #expect(plain.last?.type == "locals" && text(plain.last?.attribute("running")) == "!var.paused")

    let blocks = try defaultModule(operationsConfig()).file("variables.tf")!.blocks
    let expires = try #require(blocks.first { $0.labels == ["expires_at"] })
    #expect(expires.attribute("type") == .traversal("string") && expires.attribute("default") == nil)
    #expect(text(expires.blocks("validation").first?.attribute("condition"))
            == #"can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", var.expires_at))"#)
    #expect(blocks.prefix(2).map { $0.labels[0] } == ["paused", "expires_at"], "the parameters come first")
}

@Test(arguments: ["default", "operations"])
func resourcesUnderAConditionHaveCountAndTheOthersNot(variant: String) throws {
    let config = variant == "default" ? ServiceConfig() : try operationsConfig()
    let stack = Stack.slmService(config)
    let module = try defaultModule(config)
    let paused = Set(stack.resources(flags: ["Paused": true, "ApiGatewayRole": true]).map(\.id))
    var conditional: [String] = []
    for resource in stack.resources {
        let block = try #require(module.resource(TerraformAddress(TerraformNames.primaryType(resource)!, TerraformNames.resourceName(resource))))
        if stack.condition(of: resource.id)?.name == "CreatesApiGatewayRole" {
            #expect(text(block.attribute("count")) == "local.creates_api_gateway_role ? 1 : 0", "\(resource.id)")
        } else if paused.contains(resource.id) {
            #expect(block.attribute("count") == nil, "\(resource.id)")
        } else {
            #expect(text(block.attribute("count")) == "local.running ? 1 : 0", "\(resource.id)")
            conditional.append(resource.id.rawValue)
        }
    }
    let expected = ["NatAddress", "NatGateway", "PrivateDefaultRoute", "Endpoint", "EndpointErrorsAlarm", "ModelLatencyAlarm", "IdleAlarm"]
        + (variant == "default" ? [] : ["ScalableTarget", "ScalingPolicy"])
    #expect(Set(conditional) == Set(expected))
}

@Test func referencesToConditionalResourcesAreIndexedOrGuarded() throws {
    let module = try defaultModule(operationsConfig())
    // Under the same condition: the one instance.
    let route = try #require(module.resource(TerraformAddress("aws_route", "private_default_route")))
    #expect(text(route.attribute("nat_gateway_id")) == "aws_nat_gateway.nat_gateway[0].id")
    let policy = try #require(module.resource(TerraformAddress("aws_appautoscaling_policy", "scaling_policy")))
    #expect(text(policy.attribute("resource_id")) == "aws_appautoscaling_target.scalable_target[0].resource_id")
    // From what always exists, inside Fn::If: null rather than an error while paused.
    let shim = try #require(module.resource(TerraformAddress("aws_lambda_function", "shim_function")))
    guard case .object(let environment)? = shim.blocks("environment").first?.attribute("variables") else { Issue.record("no environment"); return }
    // The shim names the endpoint by its fixed name, never through the endpoint (which waits for it).
    let endpointName = text(environment.first { $0.key == "ENDPOINT_NAME" }?.value)
    #expect(endpointName.hasSuffix("-endpoint\"") && !endpointName.contains("aws_sagemaker_endpoint"), "\(endpointName)")
    let invoke = text(module.resource(TerraformAddress("aws_iam_role_policy", "shim_role_invoke_endpoint"))?.attribute("policy"))
    #expect(invoke.contains(":endpoint/") && invoke.contains("-endpoint\"") && !invoke.contains("aws_sagemaker_endpoint.endpoint"), "\(invoke)")
    let output = module.blocks.first { $0.type == "output" && $0.labels == ["endpoint_name"] }
    #expect(text(output?.attribute("value")) == #"local.running ? one(aws_sagemaker_endpoint.endpoint[*].name) : "paused""#)
}

@Test func anOutputUnderAConditionIsNullWhileItDoesNotHold() throws {
    let config = ServiceConfig()
    var stack = Stack.slmService(config)
    stack.outputs.append(Output("EndpointArn", "The endpoint's ARN", .ref("Endpoint"), condition: "Running"))
    let module = try TerraformSynth.translate(stack, config: config)
    let output = module.blocks.first { $0.type == "output" && $0.labels == ["endpoint_arn"] }
    #expect(text(output?.attribute("value")) == "local.running ? one(aws_sagemaker_endpoint.endpoint[*].arn) : null")
    let differences = equivalenceDifferences(template: try CloudFormationSynth.translate(stack), module: module, stack: stack)
    #expect(differences == [])
}

@Test func terraformRolesKeepOnlyWhatTheirCallsUseOnTheStacksOwnEndpoint() throws {
    let module = try defaultModule(operationsConfig())
    // no stack: the statements on AWS::StackId and those allowed only through CloudFormation are left out
    let role = text(module.resource(TerraformAddress("aws_iam_role_policy", "idle_pause_role_pause_stack"))?.attribute("policy"))
    #expect(!role.contains("cloudformation") && !role.contains("aws:CalledVia"), "\(role)")
    // the endpoint's fixed name follows var.stack_name by the model's rule
    let endpoint = #":endpoint/${lower(substr(var.stack_name, 0, 54))}-endpoint""#
    #expect(role.contains(endpoint), "\(role)")
    let expiry = text(module.resource(TerraformAddress("aws_iam_role_policy", "expiry_role_delete_stack"))?.attribute("policy"))
    #expect(expiry.contains(endpoint) && !expiry.contains("aws:ResourceTag") && !expiry.contains("DeleteStack"), "\(expiry)")
}
