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
    var config = ServiceConfig()
    config.stackName = "Demo-Stack"
    let stack = Stack.slmService(config)
    let role = try #require(stack.resources(of: Role.self).first { $0.id == "ShimRole" })
    let invoke = try #require(role.policies["invoke-endpoint"]?.statements.first)
    #expect(invoke.actions == ["sagemaker:InvokeEndpoint"])
    // Built from the fixed name, never from the endpoint, so the shim does not wait for the GPU; in
    // lower case, as SageMaker writes endpoint ARNs (IAM compares ARNs case-sensitively).
    guard case .join(let parts)? = invoke.resources.first, invoke.resources.count == 1, case .string(let last)? = parts.last else {
        Issue.record("expected one ARN built from the endpoint name, got \(invoke.resources)"); return
    }
    #expect(last == ":endpoint/\(config.endpointName)" && config.endpointName == config.endpointName.lowercased())
    let endpoint = try #require(stack.resources(of: Endpoint.self).first)
    #expect(endpoint.name == config.endpointName)
    #expect(!role.referencedIDs.contains("Endpoint"))
    let shim = try #require(stack.resources(of: LambdaFunction.self).first { $0.id == "ShimFunction" })
    #expect(shim.environment["ENDPOINT_NAME"] == .string(config.endpointName))
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

@Test(arguments: ["auto", "on", "off"])
func apiGatewayAccountSettingIsAutoOnOrOff(_ mode: String) throws {
    var config = ServiceConfig()
    try ServiceConfig.setting("api-gateway-account")!.apply(&config, mode)
    let stack = Stack.slmService(config)
    #expect(stack.validate().isEmpty)
    let makesRole = mode != "off"
    #expect(stack.resources(of: ApiGatewayAccount.self).map(\.id) == (makesRole ? ["ApiGatewayAccount"] : []))
    #expect(stack.resources(of: Role.self).contains { $0.id == "ApiGatewayLogsRole" } == makesRole)
    // A role that became the account setting outlives the stack: the setting never names a deleted role.
    #expect(stack.deletionPolicies["ApiGatewayLogsRole"] == (makesRole ? .retain : nil))
    // auto: both exist only when deploy found no role in the account (ApiGatewayRole=true).
    #expect(stack.parameters.contains { $0.name == "ApiGatewayRole" } == (mode == "auto"))
    #expect(stack.condition(of: "ApiGatewayAccount")?.name == (mode == "auto" ? "CreatesApiGatewayRole" : nil))
    #expect(stack.condition(of: "ApiGatewayLogsRole")?.name == (mode == "auto" ? "CreatesApiGatewayRole" : nil))
    let stage = try #require(stack.resources(of: ApiStage.self).first)
    #expect(stage.dependsOn == ["ApiExecutionLogGroup"] + (mode == "on" ? ["ApiGatewayAccount"] : []))
    // auto cannot DependsOn a resource that may not exist: it waits through an Fn::If instead.
    #expect(stage.referencedIDs.contains("ApiGatewayAccount") == makesRole)
    #expect(throws: SettingError.self) { try ServiceConfig.setting("api-gateway-account")!.apply(&config, "sometimes") }
}

@Test func serviceLogGroupsAreTheStacksAndComeFirst() throws {
    let stack = Stack.slmService(ServiceConfig())
    let groups = Dictionary(uniqueKeysWithValues: stack.resources(of: LogGroup.self).map { ($0.id, $0) })
    let endpointGroup = try #require(groups["EndpointLogGroup"])
    #expect(endpointGroup.name == .join(["/aws/sagemaker/Endpoints/", .string(ServiceConfig().endpointName)]))
    #expect(endpointGroup.kmsKey == .attribute("LogsKey", .arn) && endpointGroup.retentionDays == 365)
    #expect(stack.condition(of: "EndpointLogGroup") == nil, "it stays while paused: the endpoint comes back under the same name")
    let execution = try #require(groups["ApiExecutionLogGroup"])
    #expect(execution.name == .join(["API-Gateway-Execution-Logs_", .ref("Api"), "/prod"]))
    #expect(execution.kmsKey == .attribute("LogsKey", .arn))
    let endpoint = try #require(stack.resources(of: Endpoint.self).first)
    #expect(endpoint.dependsOn.contains("EndpointLogGroup"))
}

@Test func theGpuEndpointIsCreatedAfterTheShimAndTheApi() throws {
    let stack = Stack.slmService(ServiceConfig())
    let endpoint = try #require(stack.resources(of: Endpoint.self).first)
    #expect(Set(endpoint.dependsOn).isSuperset(of: ["ShimFunction", "ApiStage"]))
    // Nothing the shim or the API is built from may wait for the endpoint, or DependsOn would cycle.
    var seen: Set<LogicalID> = []
    func reaches(_ id: LogicalID) -> Bool {
        if id == "Endpoint" { return true }
        guard seen.insert(id).inserted, let resource = stack.resource(id) else { return false }
        return resource.referencedIDs.contains { reaches($0) }
    }
    for id in ["ShimFunction", "ShimRole", "ApiStage", "UsagePlan"] + stack.resources(of: ApiDeployment.self).map(\.id) {
        seen = []
        #expect(!reaches(id), "\(id) waits for the endpoint")
    }
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
