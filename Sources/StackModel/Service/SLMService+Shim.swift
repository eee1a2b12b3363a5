// MARK: - Lambda shim

extension SLMService {
    /// The Lambda shim, its role and its log group; with `streaming` on, also the streaming chat
    /// function (SLMService+Stream.swift), which shares the role.
    public struct Shim: Construct {
        public let config: ServiceConfig
        public let function: LambdaFunction
        public let logGroup: LogGroup
        public let role: Role
        /// The chat route's function when `streaming` is on, and its log group.
        public let stream: (function: LambdaFunction, logGroup: LogGroup)?

        public init(config: ServiceConfig, network: Network) {
            self.config = config
            logGroup = LogGroup("ShimLogGroup", retentionDays: config.logRetentionDays, kmsKey: network.logsKey).fromSetting(\.$retentionDays, "log-retention-days")
            let streamLogs = config.streaming ? LogGroup("StreamLogGroup", retentionDays: config.logRetentionDays, kmsKey: network.logsKey).fromSetting(\.$retentionDays, "log-retention-days") : nil
            role = Role("ShimRole", description: "Lambda shim: invoke this stack's endpoint, write its log group, run in the VPC",
                        assumedBy: "lambda.amazonaws.com", policies: [
                "invoke-endpoint": PolicyDocument([.allow(["sagemaker:InvokeEndpoint"] + (config.streaming ? ["sagemaker:InvokeEndpointWithResponseStream"] : []),
                                                          on: [Inference.arn("sagemaker", "endpoint/\(config.endpointName)")] + SLMService.componentInvokeResources(config),
                                                          sid: "InvokeThisEndpoint")]),
                "logs": PolicyDocument([.allow(["logs:CreateLogStream", "logs:PutLogEvents"], on: [logGroup.attribute(.arn)] + (streamLogs.map { [$0.attribute(.arn)] } ?? []),
                                               sid: "WriteOwnLogGroup")]),
                "vpc-and-tracing": PolicyDocument([
                    .allow(["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                           on: ["*"], sid: "DescribeAndTrace"),
                    .allow(["ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses"],
                           on: [Inference.arn("ec2", "network-interface/*"), Inference.arn("ec2", "subnet/*"), Inference.arn("ec2", "security-group/*")],
                           sid: "ManageInterfaces"),
                ]),
            ])
            let shimFunction = LambdaFunction(
                "ShimFunction", description: "slmstack shim: API Gateway to the SageMaker TGI endpoint",
                runtime: "python3.13", handler: "index.handler", code: LambdaSource.inlinedHandler, role: role,
                memoryMB: config.lambdaMemoryMB, timeoutSeconds: config.lambdaTimeoutSeconds,
                reservedConcurrency: config.lambdaReservedConcurrency,
                environment: [
                    // Fixed whether paused or not, so a pause does not update the function (see docs/cost.md, cost safety).
                    "ENDPOINT_NAME": .string(config.endpointName),
                    "MODEL_ID": .string(config.modelID),
                    // The engine the shim speaks to: chat goes to its own chat API, so the model's own chat template renders it.
                    "ENGINE": .string(config.engine.rawValue),
                    "MAX_INPUT_TOKENS": .string(String(config.maxInputTokens)),
                    "MAX_TOTAL_TOKENS": .string(String(config.maxTotalTokens)),
                    "LOG_PROMPTS": .string(config.logPrompts ? "true" : "false"),
                    "SAGEMAKER_TIMEOUT": .string(String(SLMService.sageMakerTimeout(lambdaTimeout: config.lambdaTimeoutSeconds))),
                ].merging(SLMService.componentEnvironment(config)) { fixed, _ in fixed },
                subnets: network.privateSubnets, securityGroups: [network.lambdaGroup], logGroup: logGroup)
                .suppress("CKV_AWS_116", because: "API Gateway invokes the shim synchronously; a dead-letter queue only receives failed asynchronous invocations")
                // the lambda-* settings size the shim (the stream and idle pause functions have timeouts of their own)
                .fromSetting(\.$memoryMB, "lambda-memory").fromSetting(\.$timeoutSeconds, "lambda-timeout")
                .fromSetting(\.$reservedConcurrency, "lambda-concurrency")
                .markingEnvironment(["MODEL_ID": "model-id", "MAX_INPUT_TOKENS": "max-input-tokens", "MAX_TOTAL_TOKENS": "max-total-tokens",
                                            "LOG_PROMPTS": "log-prompts"])
                .suppress("CKV_AWS_173", because: "the environment holds only the endpoint name, model ID and limits, no secrets")
                .suppress("CKV_AWS_272", because: "the code is the reviewed handler from this repository, deployed inline or as the synthesized zip; code signing needs a signing profile and S3-hosted packages")
            // Reserving is opt-in (lambda-concurrency): a new account has 10 executions in all and Lambda
            // refuses a reservation that leaves it fewer; the usage plan's throttle bounds the calls.
            function = config.lambdaReservedConcurrency == nil
                ? shimFunction.suppress("CKV_AWS_115", because: "reserving is opt-in (lambda-concurrency): new accounts have 10 executions in all and Lambda refuses a reservation that leaves fewer; the usage plan throttles callers")
                : shimFunction
            if let streamLogs {
                stream = (SLMService.streamFunction(config: config, network: network, shim: shimFunction, role: role, logGroup: streamLogs), streamLogs)
            } else {
                stream = nil
            }
        }

        public var body: StackContent {
            logGroup
            role
            function
            if let stream {
                stream.logGroup
                stream.function
            }
        }
    }
}
