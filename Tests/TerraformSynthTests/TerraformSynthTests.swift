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
