import CloudFormationSynth
import Foundation
import StackModel
import GoldenFiles
import Testing
@testable import TerraformSynth

/// The package root, from this file's path.
let packageRoot = GoldenFiles.packageRoot

func defaultModule(_ config: ServiceConfig = ServiceConfig()) throws -> TerraformModule {
    try TerraformSynth.translate(Stack.slmService(config), config: config)
}


// MARK: - Golden files and determinism

@Test func goldenDefaultModuleMatchesTheCommittedFiles() throws {
    let config = ServiceConfig()
    let files = try TerraformSynth.synthesize(Stack.slmService(config), config: config)
    for file in files {
        if let problem = try GoldenFiles.check(file.bytes, matches: "templates/terraform/\(file.path)") { Issue.record(Comment(rawValue: problem)) }
    }
    let folder = GoldenFiles.packageRoot.appendingPathComponent("templates/terraform")
    let committed = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
    #expect(committed == files.map(\.path).sorted(), "templates/terraform holds other files than the synth writes")
}

@Test func twoSynthsAreByteIdentical() throws {
    let config = ServiceConfig()
    let first = try TerraformSynth.synthesize(Stack.slmService(config), config: config)
    let second = try TerraformSynth.synthesize(Stack.slmService(config), config: config)
    #expect(first.map(\.path) == second.map(\.path))
    #expect(first.map(\.bytes) == second.map(\.bytes))
    #expect(first.map(\.path) == ["versions.tf", "providers.tf", "variables.tf", "network.tf", "sagemaker.tf", "lambda.tf", "api.tf",
                                  "operations.tf", "outputs.tf", "shim.zip"])
    for file in first where file.path.hasSuffix(".tf") {
        let text = String(decoding: file.bytes, as: UTF8.self)
        #expect(text.hasSuffix("}\n") && !text.hasSuffix("\n\n"), "\(file.path) must end in one newline")
        #expect(!text.contains("\t") && !text.contains(" \n"), "\(file.path): no tabs or trailing spaces")
    }
}

// MARK: - Renderer

@Test func rendererAlignsRunsOfOneLineAttributesOnly() {
    let block = HCLBlock("resource", ["aws_x", "y"], [
        .comment("checkov:skip=CKV_1:why"),
        .attribute("a", .number(1)),
        .attribute("bbbb", .string("x")),
        .attribute("tags", .object([HCLObjectItem("k", .string("v")), HCLObjectItem("long-key", .bool(true))])),
        .attribute("c", .traversal("var.c")),
        .block(HCLBlock("lifecycle", [], [.attribute("create_before_destroy", .bool(true))])),
        .attribute("dd", .number(2.5)),
    ])
    let text = HCLFile(name: "x.tf", blocks: [block, HCLBlock("data", ["aws_region", "current"])]).rendered()
    #expect(text == """
        resource "aws_x" "y" {
          #checkov:skip=CKV_1:why
          a    = 1
          bbbb = "x"
          tags = {
            k          = "v"
            "long-key" = true
          }
          c = var.c
          lifecycle {
            create_before_destroy = true
          }
          dd = 2.5
        }

        data "aws_region" "current" {}

        """)
}

@Test func stringsEscapeQuotesBackslashesAndTemplateSequences() {
    let text = HCLRenderer.render(.string("a \"b\" \\ ${x} %{y} $z\n"), indent: 0)
    #expect(text == #""a \"b\" \\ $${x} %%{y} $z\n""#)
    let template = HCLRenderer.render(.template([.literal("arn:"), .interpolation(.traversal("data.aws_partition.current.partition")), .literal(":x")]), indent: 0)
    #expect(template == #""arn:${data.aws_partition.current.partition}:x""#)
}

@Test func longScalarListsGoOneItemPerLine() {
    let short = HCLRenderer.render(.list([.string("a"), .string("b")]), indent: 1)
    #expect(short == #"["a", "b"]"#)
    let long = HCLRenderer.render(.call("contains", [.list((1...30).map { .string("item-\($0)") }), .traversal("var.x")]), indent: 1)
    #expect(long.hasPrefix("contains([\n    \"item-1\",\n") && long.hasSuffix("\n  ], var.x)"))
}

// MARK: - Names and references

@Test(arguments: [
    ("PrivateSubnet1", "private_subnet_1"), ("ShimFunction", "shim_function"), ("V1ChatCompletionsResource", "v1_chat_completions_resource"),
    ("SageMakerRuntimeEndpoint", "sagemaker_runtime_endpoint"), ("PublicSubnet2RouteTableAssociation", "public_subnet_2_route_table_association"),
    ("APIKey", "api_key"), ("Vpc", "vpc"), ("LogsKey", "logs_key"),
])
func snakeCaseNames(id: String, expected: String) {
    #expect(TerraformNames.snakeCase(id) == expected)
}

@Test func deploymentLosesItsHashButRedeploysThroughTriggers() throws {
    let stack = Stack.slmService(ServiceConfig())
    let deployment = try #require(stack.resources(of: ApiDeployment.self).first)
    let hash = try #require(TerraformNames.deploymentHash(deployment.id))
    #expect(deployment.id.rawValue == "ApiDeployment" + hash)
    let module = try defaultModule()
    let block = try #require(module.resource(TerraformAddress("aws_api_gateway_deployment", "api_deployment")))
    #expect(block.attribute("triggers") == .object([HCLObjectItem("redeployment", .string(hash))]))
    #expect(block.blocks("lifecycle").first?.attribute("create_before_destroy") == .bool(true))
    // Its depends_on covers each method and its integration, so the deployment sees the routes.
    guard case .list(let depends)? = block.attribute("depends_on") else { Issue.record("no depends_on"); return }
    #expect(depends.contains(.traversal("aws_api_gateway_integration.invoke_method")))
    #expect(depends.contains(.traversal("aws_api_gateway_method.chat_completions_method")))
}

@Test func clashingNamesAreRejected() {
    var stack = Stack.slmService(ServiceConfig())
    stack.resources.append(Vpc("VPC", cidr: "10.0.0.0/16"))
    #expect(throws: TerraformSynthError.duplicateAddress(address: "aws_vpc.vpc", ids: ["Vpc", "VPC"])) {
        try TerraformSynth.translate(stack, config: ServiceConfig())
    }
}

/// Every traversal in an expression.
func traversals(_ expression: HCLExpression) -> [String] {
    switch expression {
    case .traversal(let path): [path]
    case .list(let items): items.flatMap(traversals)
    case .object(let items): items.flatMap { traversals($0.value) }
    case .index(let a, let b), .binary(_, let a, let b): traversals(a) + traversals(b)
    case .getAttribute(let base, _), .splat(let base, _), .not(let base): traversals(base)
    case .conditional(let test, let a, let b): traversals(test) + traversals(a) + traversals(b)
    case .call(_, let arguments): arguments.flatMap(traversals)
    case .template(let parts): parts.flatMap { part -> [String] in if case .interpolation(let inner) = part { traversals(inner) } else { [] } }
    default: []
    }
}

func allTraversals(_ items: [HCLBodyItem]) -> [String] {
    items.flatMap { item -> [String] in
        switch item {
        case .attribute(_, let value): traversals(value)
        case .block(let block): allTraversals(block.body)
        default: []
        }
    }
}

/// The configuration with every operations feature: expiry, idle pause, e-mail, autoscaling.
func operationsConfig() throws -> ServiceConfig {
    var config = ServiceConfig()
    for (key, text) in [("ttl", "4h"), ("idle-pause", "on"), ("alarm-email", "ops@example.com"), ("max-instances", "3")] {
        try ServiceConfig.setting(key)!.apply(&config, text)
    }
    return config
}

@Test(arguments: ["default", "operations"])
func everyModelReferenceIsATerraformReferenceToADeclaredResource(variant: String) throws {
    let config = variant == "default" ? ServiceConfig() : try operationsConfig()
    let stack = Stack.slmService(config)
    let module = try defaultModule(config)
    let declared = Set(module.blocks.filter { $0.type == "resource" || $0.type == "data" }.map { block in
        (block.type == "data" ? "data." : "") + block.labels.joined(separator: ".")
    })
    var references = 0
    for block in module.blocks {
        for path in allTraversals(block.body) where path.hasPrefix("aws_") || path.hasPrefix("data.") {
            let parts = path.split(separator: ".")
            let address = path.hasPrefix("data.") ? parts.prefix(3).joined(separator: ".") : parts.prefix(2).joined(separator: ".")
            #expect(declared.contains(address), "\(path) refers to nothing declared")
            references += 1
        }
    }
    #expect(references > 100)
    // No logical ID survives as a literal: model references are never rendered as strings.
    let text = module.files.map { $0.rendered() }.joined()
    for resource in stack.resources where resource.id.rawValue.count > 4 {
        #expect(!text.contains("\"\(resource.id.rawValue)\""), "\(resource.id) appears as a literal string")
    }
}

@Test func referencesUseEachTypesIdentifyingAttribute() throws {
    let module = try defaultModule()
    let role = try #require(module.resource(TerraformAddress("aws_iam_role_policy", "shim_role_invoke_endpoint")))
    guard case .call("jsonencode", let arguments)? = role.attribute("policy"), case .object(let document) = arguments[0],
          case .list(let statements) = document.first(where: { $0.key == "Statement" })!.value,
          case .object(let statement) = statements[0] else { Issue.record("policy shape"); return }
    // The endpoint's ARN is built from its fixed name, so the shim's role does not wait for it.
    let resource = statement.first(where: { $0.key == "Resource" })?.value
    let rendered = resource.map { HCLRenderer.render($0, indent: 0) } ?? "absent"
    #expect(rendered.contains(":endpoint/") && rendered.hasSuffix("-endpoint\"") && !rendered.contains("aws_sagemaker_endpoint"), "\(rendered)")
    let logs = try #require(module.resource(TerraformAddress("aws_iam_role_policy", "shim_role_logs")))
    // A log group's ARN in a policy gets CloudFormation's ":*" back, so the streams are covered.
    #expect(HCLRenderer.render(logs.attribute("policy")!, indent: 0).contains(#"Resource = "${aws_cloudwatch_log_group.shim_log_group.arn}:*""#))
    let usagePlan = try #require(module.resource(TerraformAddress("aws_api_gateway_usage_plan", "usage_plan")))
    #expect(usagePlan.blocks("api_stages").first?.attribute("stage") == .traversal("aws_api_gateway_stage.api_stage.stage_name"))
    let function = try #require(module.resource(TerraformAddress("aws_lambda_function", "shim_function")))
    #expect(function.blocks("logging_config").first?.attribute("log_group") == .traversal("aws_cloudwatch_log_group.shim_log_group.name"))
    #expect(function.attribute("source_code_hash") == .call("filebase64sha256", [.template([.interpolation(.traversal("path.module")), .literal("/shim.zip")])]))
}

@Test func suppressionsBecomeInlineCheckovSkips() throws {
    let stack = Stack.slmService(ServiceConfig())
    let module = try defaultModule()
    var count = 0
    for resource in stack.resources where !resource.suppressions.isEmpty {
        let address = TerraformAddress(TerraformNames.primaryType(resource)!, TerraformNames.resourceName(resource))
        let block = try #require(module.resource(address))
        #expect(block.comments.filter { $0.hasPrefix("checkov:") } == resource.suppressions.map { "checkov:skip=\($0.check):\($0.reason)" })
        count += resource.suppressions.count
    }
    #expect(count >= 10)
}

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

/// Every numeric range in a validation block accepts exactly what `Setting.apply` accepts at its edges.
@Test(arguments: Array(Bindings.ranges.keys).sorted())
func variableRangesMatchTheSettings(key: String) throws {
    let (range, whole) = try #require(Bindings.ranges[key])
    let setting = try #require(ServiceConfig.setting(key))
    let step = whole ? 1.0 : range.lowerBound / 2
    func accepts(_ value: Double) -> Bool {
        var config = ServiceConfig()
        return (try? setting.apply(&config, HCLRenderer.formatNumber(value))) != nil
    }
    #expect(accepts(range.lowerBound) && accepts(range.upperBound))
    #expect(!accepts(range.lowerBound - step) && !accepts(range.upperBound + (whole ? 1 : 0.5)))
}

@Test func retentionValuesMatchTheSetting() throws {
    let setting = try #require(ServiceConfig.setting("log-retention-days"))
    var config = ServiceConfig()
    for days in 0...3700 {
        let accepted = (try? setting.apply(&config, String(days))) != nil
        #expect(accepted == Bindings.retentionDays.contains(days), "\(days)")
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
