/// The reference service as one construct: VPC, SageMaker TGI endpoint, Lambda shim and a
/// key-protected REST API, built from a `ServiceConfig`.
///
/// Call `ServiceConfig.validate()` first: the construct assumes known catalog entries.
public struct SLMService: Construct {
    public var config: ServiceConfig

    public init(_ config: ServiceConfig) { self.config = config }

    /// The tag every resource carries so `destroy` and `scan` can find what belongs to a stack.
    public static let ownerTagKey = "slmstack:stack"

    /// Routes of the public API: path segments, logical-ID stem, HTTP method.
    public static let routes: [(segments: [String], stem: String, httpMethod: String)] = [
        (["invoke"], "Invoke", "POST"),
        (["v1", "chat", "completions"], "ChatCompletions", "POST"),
        (["v1", "models"], "Models", "GET"),
    ]

    /// How long the shim waits for the endpoint (`SAGEMAKER_TIMEOUT`): 3 s under the Lambda timeout,
    /// at least 1 s, so the shim answers 504 before Lambda stops it and API Gateway answers a bare 502.
    public static func sageMakerTimeout(lambdaTimeout: Int) -> Int { max(1, lambdaTimeout - 3) }

    /// The API Gateway access log line: JSON with the request context, never the body or the key value.
    public static let accessLogFormat = #"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","apiKeyId":"$context.identity.apiKeyId","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","integrationLatency":"$context.integration.latency"}"#

    /// `Paused`: true removes the billable parts; `slmstack pause` and `resume` flip it.
    public static let pausedParameter = Parameter("Paused",
        "true removes the billable parts (the SageMaker endpoint and the NAT gateway) and the API answers 503 paused; slmstack pause and resume set it",
        .flag(default: false))

    /// `ExpiresAt`: when the stack deletes itself (with `ttl`); `slmstack extend` moves it.
    public static let expiresAtParameter = Parameter("ExpiresAt",
        "UTC time at which the stack deletes itself, as yyyy-mm-ddThh:mm:ss; slmstack deploy --ttl and slmstack extend set it",
        .text(pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", example: "2026-11-22T18:00:00"))

    /// Holds while the stack is not paused: the endpoint, the NAT gateway and what needs them exist.
    public static let running = StackCondition("Running", whenFlag: pausedParameter.name, is: false)

    /// `ApiGatewayRole` (`api-gateway-account auto`): true makes the stack set API Gateway's
    /// account-wide CloudWatch role; deploy sets it from GetAccount, true only when the account has none.
    public static let apiGatewayRoleParameter = Parameter("ApiGatewayRole",
        "true: the stack creates API Gateway's CloudWatch role and sets it for the account and region (kept after delete); slmstack deploy sets true only when get-account shows none",
        .flag(default: false))

    /// Holds when the stack sets API Gateway's CloudWatch role itself (`ApiGatewayRole` true).
    public static let createsApiGatewayRole = StackCondition("CreatesApiGatewayRole", whenFlag: apiGatewayRoleParameter.name, is: true)

    /// The role that becomes API Gateway's account setting: retained when the stack is deleted.
    public static let apiGatewayLogsRoleID: LogicalID = "ApiGatewayLogsRole"
    /// The log groups the services would create by name: `deploy` imports them into a stack
    /// deployed before the stack created them (`Deploy.ServiceLogGroups`).
    public static let apiExecutionLogGroupID: LogicalID = "ApiExecutionLogGroup"
    public static let endpointLogGroupID: LogicalID = "EndpointLogGroup"

    public var body: StackContent {
        SLMService.pausedParameter
        if config.ttlMinutes != nil { SLMService.expiresAtParameter }
        let network = Network(config: config)
        // Built in the order CloudFormation creates them: the shim and the API (cheap, quota-bound)
        // before the GPU endpoint, which waits for them, so a failure there rolls back before the
        // GPU bills. The template keeps its order.
        let shim = Shim(config: config, network: network)
        let api = PublicApi(config: config, network: network, shim: shim)
        let inference = Inference(config: config, network: network, after: [shim.function.id, api.stage.id])
        network
        inference
        shim
        api
        Operations(config: config, network: network, inference: inference, shim: shim, api: api)
        Outputs(config: config, api: api, inference: inference)
    }
}

// MARK: - Outputs

extension SLMService {
    struct Outputs: Construct {
        let config: ServiceConfig
        let api: PublicApi
        let inference: Inference

        var body: StackContent {
            let base: [Value] = ["https://", api.api.ref, ".execute-api.", .pseudo(.region), ".", .pseudo(.urlSuffix), "/", api.stage.ref, "/"]
            let getKey: [Value] = ["aws apigateway get-api-key --api-key ", api.key.ref, " --include-value --query value --output text --region ", .pseudo(.region)]
            Output("ApiUrl", "Base URL of the API stage", .join(base))
            Output("InvokeUrl", "POST a prompt here with the x-api-key header", .join(base + ["invoke"]))
            Output("ChatCompletionsUrl", "OpenAI-style chat completions (base URL for OpenAI clients: this without /chat/completions)",
                   .join(base + ["v1/chat/completions"]))
            Output("ApiKeyId", "ID of the API key (its value is shown only with --show-api-key)", api.key.ref)
            Output("EndpointName", "Name of the SageMaker endpoint (paused: none)",
                   .ifCondition(SLMService.running.name, inference.endpoint.attribute(.endpointName), "paused"))
            if config.scalesToZero {
                Output("InferenceComponentName", "The model's inference component (scale to zero); slmstack status shows its copies",
                       .string(config.inferenceComponentName))
                if config.components.count > 1 {
                    Output("InferenceComponentNames", "Every model's inference component, comma-separated, in the order of models",
                           .string(config.components.map(\.name).joined(separator: ",")))
                }
            }
            Output("GetApiKeyCommand", "Prints the API key's value", .join(getKey))
            Output("CurlExample", "Calls the API with the key",
                   .join(["curl -sS -X POST -H \"x-api-key: $("] + getKey
                         + [")\" -H 'Content-Type: application/json' -d '{\"prompt\":\"What is the capital of France?\",\"parameters\":{\"max_new_tokens\":64}}' "]
                         + base + ["invoke"]))
        }
    }
}

extension Stack {
    /// The reference service as a stack: `SLMService` plus the owner tag and the user's tags.
    public static func slmService(_ config: ServiceConfig) -> Stack {
        var tags = config.tags
        tags[SLMService.ownerTagKey] = config.stackName
        let count = config.scalesToZero ? "0-\(config.maxComponentInstances)"
            : config.autoscaling.map { "\($0.lowerBound)-\($0.upperBound)" } ?? String(config.instanceCount)
        // several models: the first three by name (a template description holds at most 1,024 characters)
        let ids = config.scalesToZero ? config.components.map(\.modelID) : [config.modelID]
        let models = ids.prefix(3).joined(separator: ", ") + (ids.count > 3 ? " and \(ids.count - 3) more" : "")
        var stack = Stack(config.stackName, description: "slmstack: \(models) on \(count) x \(config.instanceType) behind a key-protected REST API",
                          tags: tags) {
            SLMService(config)
        }
        // The stack's deletion by its TTL runs on the expiry role's credentials: deleting the role
        // would first remove the policy that allows it, so the role stays (see docs/cost.md, cost safety).
        if config.ttlMinutes != nil {
            stack.retain(SLMService.Operations.expiryRoleID)
            stack.retain(SLMService.Operations.deadLetterQueueID)
        }
        if config.apiGatewayAccount != .off { stack.retain(SLMService.apiGatewayLogsRoleID) }
        return stack
    }
}
