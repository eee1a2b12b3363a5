import Testing
@testable import StackModel

@Test func defaultServiceHasTheReferenceResources() {
    let stack = Stack.slmService(ServiceConfig())
    #expect(stack.validate().isEmpty)
    #expect(stack.resources(of: Subnet.self).map(\.cidr) == ["10.20.0.0/20", "10.20.16.0/20", "10.20.128.0/20", "10.20.144.0/20"])
    #expect(stack.resources(of: Subnet.self).map(\.tier) == [.public, .public, .private, .private])
    #expect(stack.resources(of: NatGateway.self).count == 1)
    #expect(stack.resources(of: InterfaceEndpoint.self).map(\.service) == ["sagemaker.runtime"])
    #expect(stack.resources(of: ApiMethod.self).map(\.path) == ["/invoke", "/v1/chat/completions", "/v1/models"])
    #expect(stack.resources(of: ApiMethod.self).allSatisfy { $0.apiKeyRequired })
    #expect(stack.resources(of: EndpointConfig.self).map(\.instanceType) == ["ml.g5.xlarge"])
    #expect(stack.outputs.map(\.name) == ["ApiUrl", "InvokeUrl", "ChatCompletionsUrl", "ApiKeyId", "EndpointName", "GetApiKeyCommand", "CurlExample"])
    #expect(stack.tags[SLMService.ownerTagKey] == "slmstack")
}

@Test func shimInvokesExactlyThisEndpointByItsOwnArn() throws {
    let stack = Stack.slmService(ServiceConfig())
    let role = try #require(stack.resources(of: Role.self).first { $0.id == "ShimRole" })
    let invoke = try #require(role.policies["invoke-endpoint"]?.statements.first)
    #expect(invoke.actions == ["sagemaker:InvokeEndpoint"])
    guard case .ifCondition(let condition, let running, let paused)? = invoke.resources.first, invoke.resources.count == 1 else {
        Issue.record("expected one resource chosen by the Running condition, got \(invoke.resources)"); return
    }
    #expect(condition == SLMService.running.name)
    #expect(running == .ref("Endpoint"), "the endpoint's Ref is its lower-case ARN; never a hand-built one")
    // paused, the shim may invoke nothing: '.' cannot occur in an endpoint name
    guard case .join(let parts) = paused, case .string(let last)? = parts.last else { Issue.record("\(paused)"); return }
    #expect(last.hasSuffix("endpoint/paused.none"))
}

@Test func modelEnvironmentCarriesTheTokenLimits() throws {
    var config = ServiceConfig()
    config.instanceType = "ml.g5.12xlarge"
    let model = try #require(Stack.slmService(config).resources(of: SageMakerModel.self).first)
    #expect(model.environment == ["HF_MODEL_ID": "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "SM_NUM_GPUS": "4",
                                  "MAX_INPUT_TOKENS": "1536", "MAX_TOTAL_TOKENS": "2048", "MAX_BATCH_PREFILL_TOKENS": "3072"])
}

@Test(arguments: [(28, "25"), (10, "7"), (4, "1"), (1, "1")])
func shimWaitsForSageMakerThreeSecondsLessThanItsTimeout(lambdaTimeout: Int, expected: String) throws {
    var config = ServiceConfig()
    config.lambdaTimeoutSeconds = lambdaTimeout
    let function = try #require(Stack.slmService(config).resources(of: LambdaFunction.self).first)
    #expect(function.timeoutSeconds == lambdaTimeout)
    #expect(function.environment["SAGEMAKER_TIMEOUT"] == .string(expected))
}

@Test func noNatMeansNoPublicSubnetsOrGateways() {
    var config = ServiceConfig()
    config.natGateway = false
    let stack = Stack.slmService(config)
    #expect(stack.validate().isEmpty)
    #expect(stack.resources(of: Subnet.self).allSatisfy { $0.tier == .private })
    #expect(stack.resources(of: InternetGateway.self).isEmpty && stack.resources(of: NatGateway.self).isEmpty)
}

@Test(arguments: [true, false])
func apiGatewayAccountSettingIsOptional(_ on: Bool) throws {
    var config = ServiceConfig()
    try ServiceConfig.setting("api-gateway-account")!.apply(&config, on ? "on" : "off")
    let stack = Stack.slmService(config)
    #expect(stack.validate().isEmpty)
    #expect(stack.resources(of: ApiGatewayAccount.self).map(\.id) == (on ? ["ApiGatewayAccount"] : []))
    #expect(stack.resources(of: Role.self).contains { $0.id == "ApiGatewayLogsRole" } == on)
    let stage = try #require(stack.resources(of: ApiStage.self).first)
    #expect(stage.dependsOn == (on ? ["ApiGatewayAccount"] : []))
}

@Test func threeZonesGiveThreeSubnetsPerTier() {
    var config = ServiceConfig()
    config.azCount = 3
    config.vpcCidr = "172.16.0.0/20"
    let stack = Stack.slmService(config)
    #expect(stack.validate().isEmpty)
    #expect(stack.resources(of: Subnet.self).map(\.cidr) == ["172.16.0.0/24", "172.16.1.0/24", "172.16.2.0/24",
                                                             "172.16.8.0/24", "172.16.9.0/24", "172.16.10.0/24"])
}

@Test func deploymentIdChangesWhenTheRoutesChange() {
    let stack = Stack.slmService(ServiceConfig())
    let deployment = stack.resources(of: ApiDeployment.self)[0]
    #expect(deployment.id.rawValue.hasPrefix("ApiDeployment") && deployment.id.rawValue.count == "ApiDeployment".count + 8)
    #expect(deployment.dependsOn == ["InvokeMethod", "ChatCompletionsMethod", "ModelsMethod", "Default4xxResponse", "Default5xxResponse"])
    // Same routes, same ID: a redeploy of an unchanged API changes nothing.
    #expect(Stack.slmService(ServiceConfig()).resources(of: ApiDeployment.self)[0].id == deployment.id)
}

@Test func chatTemplateJsonIsCompactAndEscaped() throws {
    let template = try #require(ModelCatalog.models["TinyLlama/TinyLlama-1.1B-Chat-v1.0"]?.chatTemplate)
    #expect(template.json == #"{"system":"<|system|>\n{}</s>\n","user":"<|user|>\n{}</s>\n","assistant":"<|assistant|>\n{}</s>\n","generation":"<|assistant|>\n","stop":["</s>"]}"#)
}

@Test func inlinedSourceDropsOnlyBlankAndCommentLines() {
    let source = "# header\nimport json\n\n    # indented comment\ndef f():\n    x = '#not a comment'  # trailing\n    \n    return x\n"
    #expect(LambdaSource.inlined(source) == "import json\ndef f():\n    x = '#not a comment'  # trailing\n    return x\n")
}
