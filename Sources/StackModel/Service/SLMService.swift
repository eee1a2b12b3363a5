/// The reference service as one construct: VPC, SageMaker TGI endpoint, Lambda shim and a
/// key-protected REST API, built from a `ServiceConfig`.
///
/// Call `ServiceConfig.validate()` first: the construct assumes known catalog entries.
public struct SLMService: Construct {
    public var config: ServiceConfig

    public init(_ config: ServiceConfig) { self.config = config }

    /// The tag every resource carries so `destroy` and `scan` can find what belongs to a stack.
    public static let ownerTagKey = "slmstack:stack"

    /// Routes of the public API: path segments, logical-ID stem.
    public static let routes: [(segments: [String], stem: String)] = [
        (["invoke"], "Invoke"),
        (["v1", "chat", "completions"], "ChatCompletions"),
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

    public var body: StackContent {
        SLMService.pausedParameter
        if config.ttlMinutes != nil { SLMService.expiresAtParameter }
        let network = Network(config: config)
        network
        let inference = Inference(config: config, network: network)
        inference
        let shim = Shim(config: config, network: network, inference: inference)
        shim
        let api = PublicApi(config: config, network: network, shim: shim)
        api
        Operations(config: config, network: network, inference: inference, shim: shim, api: api)
        Outputs(config: config, api: api, inference: inference)
    }
}

// MARK: - Network

extension SLMService {
    /// VPC, subnets over `azCount` zones, internet and NAT gateways, routes, security groups,
    /// the SageMaker Runtime interface endpoint and REJECT flow logs.
    struct Network: Construct {
        let config: ServiceConfig
        let vpc: Vpc
        let publicSubnets: [Subnet]
        let privateSubnets: [Subnet]
        let lambdaGroup: SecurityGroup
        let sageMakerGroup: SecurityGroup
        let endpointGroup: SecurityGroup
        let logsKey: KmsKey

        init(config: ServiceConfig) {
            self.config = config
            let vpc = Vpc("Vpc", cidr: config.vpcCidr)
                .suppress("CKV2_AWS_12", because: "CloudFormation cannot manage the default security group; nothing in this stack uses it")
            self.vpc = vpc
            let block = (try? CIDRBlock(parsing: config.vpcCidr)) ?? CIDRBlock(address: 0x0A14_0000, prefix: 16)
            let subnetPrefix = min(block.prefix + 4, 28)
            func cidr(_ index: Int) -> String { block.subnet(prefix: subnetPrefix, index: index)?.description ?? "invalid" }
            publicSubnets = config.natGateway
                ? (0..<config.azCount).map { Subnet(LogicalID("PublicSubnet\($0 + 1)"), vpc: vpc, cidr: cidr($0), zoneIndex: $0, tier: .public) }
                : []
            privateSubnets = (0..<config.azCount).map {
                Subnet(LogicalID("PrivateSubnet\($0 + 1)"), vpc: vpc, cidr: cidr(8 + $0), zoneIndex: $0, tier: .private)
            }
            lambdaGroup = SecurityGroup("ShimSecurityGroup", vpc: vpc, description: "Lambda shim: HTTPS to the SageMaker Runtime endpoint only",
                                        egress: [.tcp(443, .cidr(config.vpcCidr), "HTTPS to the SageMaker Runtime VPC endpoint")])
            sageMakerGroup = SecurityGroup("ModelSecurityGroup", vpc: vpc, description: "SageMaker endpoint: HTTPS out for the image and the model weights",
                                           egress: [.tcp(443, .cidr("0.0.0.0/0"), "HTTPS to ECR, S3 and the Hugging Face Hub")])
                .suppress("CKV2_AWS_5", because: "the SageMaker model's VpcConfig uses this group; checkov's attachment check does not follow SageMaker models")
            endpointGroup = SecurityGroup("RuntimeEndpointSecurityGroup", vpc: vpc, description: "SageMaker Runtime VPC endpoint: HTTPS from the shim only",
                                          ingress: [.tcp(443, .securityGroup(lambdaGroup.attribute(.groupID)), "HTTPS from the Lambda shim")],
                                          egress: [.denyAll])
            logsKey = KmsKey("LogsKey", description: "Encrypts this stack's CloudWatch log groups", policy: PolicyDocument([
                PolicyStatement(sid: "AccountAdministers", effect: "Allow", actions: ["kms:*"], resources: ["*"], servicePrincipals: [],
                                awsPrincipals: [.join(["arn:", .pseudo(.partition), ":iam::", .pseudo(.accountID), ":root"])], conditions: [:]),
                PolicyStatement(sid: "LogsUseKey", effect: "Allow",
                                actions: ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                                resources: ["*"], servicePrincipals: ["logs.\(config.region).amazonaws.com"],
                                awsPrincipals: [], conditions: [
                                    "ArnLike": ["kms:EncryptionContext:aws:logs:arn": .join(["arn:", .pseudo(.partition), ":logs:", .pseudo(.region), ":", .pseudo(.accountID), ":log-group:*"])],
                                ]),
            ] + (config.hasAlarmTopic ? [
                PolicyStatement(sid: "AlarmsPublishToTopic", effect: "Allow", actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
                                resources: ["*"], servicePrincipals: ["cloudwatch.amazonaws.com"], awsPrincipals: [],
                                conditions: ["StringEquals": ["aws:SourceAccount": .pseudo(.accountID)]]),
            ] : [])))
        }

        var body: StackContent {
            vpc
            if config.natGateway {
                let gateway = InternetGateway("InternetGateway")
                gateway
                let attachment = GatewayAttachment("InternetGatewayAttachment", vpc: vpc, gateway: gateway)
                attachment
                for subnet in publicSubnets { subnet }
                let publicTable = RouteTable("PublicRouteTable", vpc: vpc)
                publicTable
                Route("PublicDefaultRoute", table: publicTable, target: .internetGateway(gateway.ref)).dependsOn(attachment)
                for subnet in publicSubnets {
                    RouteTableAssociation(LogicalID("\(subnet.id)RouteTableAssociation"), table: publicTable, subnet: subnet)
                }
                // Nothing but the endpoint's downloads needs the NAT gateway, so a paused stack drops it.
                let address = ElasticIP("NatAddress").dependsOn(attachment)
                let nat = NatGateway("NatGateway", subnet: publicSubnets[0], address: address)
                Conditional(SLMService.running) {
                    address
                    nat
                }
                for subnet in privateSubnets { subnet }
                let privateTable = RouteTable("PrivateRouteTable", vpc: vpc)
                privateTable
                Conditional(SLMService.running) {
                    Route("PrivateDefaultRoute", table: privateTable, target: .natGateway(nat.ref))
                }
                for subnet in privateSubnets {
                    RouteTableAssociation(LogicalID("\(subnet.id)RouteTableAssociation"), table: privateTable, subnet: subnet)
                }
            } else {
                for subnet in privateSubnets { subnet }
                let privateTable = RouteTable("PrivateRouteTable", vpc: vpc)
                privateTable
                for subnet in privateSubnets {
                    RouteTableAssociation(LogicalID("\(subnet.id)RouteTableAssociation"), table: privateTable, subnet: subnet)
                }
            }
            lambdaGroup
            sageMakerGroup
            endpointGroup
            InterfaceEndpoint("SageMakerRuntimeEndpoint", vpc: vpc, service: "sagemaker.runtime",
                              subnets: privateSubnets, securityGroups: [endpointGroup])
            logsKey
            let flowLogGroup = LogGroup("FlowLogGroup", retentionDays: config.logRetentionDays, kmsKey: logsKey)
            flowLogGroup
            let flowLogRole = Role("FlowLogRole", description: "Lets VPC flow logs write to their log group", assumedBy: "vpc-flow-logs.amazonaws.com",
                                   trustConditions: ["StringEquals": ["aws:SourceAccount": .pseudo(.accountID)]],
                                   policies: ["flow-logs": PolicyDocument([.allow(
                                       ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                                       on: [flowLogGroup.attribute(.arn)])])])
            flowLogRole
            FlowLog("VpcFlowLog", vpc: vpc, logGroup: flowLogGroup, role: flowLogRole)
        }
    }
}

// MARK: - Inference

extension SLMService {
    /// The SageMaker execution role, model, endpoint configuration and endpoint.
    struct Inference: Construct {
        let config: ServiceConfig
        let network: Network
        let endpoint: Endpoint

        static let modelID: LogicalID = "Model"

        init(config: ServiceConfig, network: Network) {
            self.config = config
            self.network = network
            self.endpoint = Endpoint("Endpoint", config: Self.endpointConfig(config, model: Self.model(config, network: network, role: Self.role(config, network: network))))
        }

        static func arn(_ service: String, _ resource: String, global: Bool = false) -> Value {
            .join(["arn:", .pseudo(.partition), .string(":\(service):"), global ? "" : .pseudo(.region), ":", .pseudo(.accountID), .string(":\(resource)")])
        }

        static func role(_ config: ServiceConfig, network: Network) -> Role {
            let registry = RegionCatalog.tgiRegistryAccounts[config.region] ?? "763104351884"
            return Role("ModelExecutionRole", description: "What the TGI container needs: ECR pull, its logs and metrics, VPC network interfaces",
                        assumedBy: "sagemaker.amazonaws.com", policies: [
                "ecr-pull": PolicyDocument([
                    .allow(["ecr:GetAuthorizationToken"], on: ["*"], sid: "EcrToken"),
                    .allow(["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                           on: [.join(["arn:", .pseudo(.partition), ":ecr:", .pseudo(.region), .string(":\(registry):repository/\(TGICatalog.repository)")])],
                           sid: "PullTgiImage"),
                ]),
                "logs-and-metrics": PolicyDocument([
                    .allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                           on: [arn("logs", "log-group:/aws/sagemaker/Endpoints/*")], sid: "EndpointLogs"),
                    .allow(["cloudwatch:PutMetricData"], on: ["*"], sid: "EndpointMetrics",
                           conditions: ["StringLike": ["cloudwatch:namespace": "/aws/sagemaker/*"]]),
                ]),
                "vpc-interfaces": PolicyDocument([
                    .allow(["ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups",
                            "ec2:DescribeSubnets", "ec2:DescribeVpcs"], on: ["*"], sid: "DescribeNetwork"),
                    .allow(["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
                            "ec2:DeleteNetworkInterfacePermission"],
                           on: [arn("ec2", "network-interface/*"), arn("ec2", "subnet/*"), arn("ec2", "security-group/*")], sid: "ManageInterfaces"),
                ]),
            ])
        }

        static func model(_ config: ServiceConfig, network: Network, role: Role) -> SageMakerModel {
            let gpus = InstanceCatalog.types[config.instanceType]?.acceleratorCount ?? 1
            return SageMakerModel(modelID, role: role,
                                  image: TGICatalog.image(region: config.region, version: config.tgiVersion) ?? "unknown",
                                  environment: [
                                      "HF_MODEL_ID": config.modelID,
                                      "SM_NUM_GPUS": String(max(1, gpus)),
                                      "MAX_INPUT_TOKENS": String(config.maxInputTokens),
                                      "MAX_TOTAL_TOKENS": String(config.maxTotalTokens),
                                      "MAX_BATCH_PREFILL_TOKENS": String(config.maxBatchPrefillTokens),
                                  ],
                                  subnets: network.privateSubnets, securityGroups: [network.sageMakerGroup])
                .suppress("CKV_AWS_370", because: "TGI downloads the weights from the Hugging Face Hub at start-up; network isolation would block that")
        }

        static func endpointConfig(_ config: ServiceConfig, model: SageMakerModel) -> EndpointConfig {
            EndpointConfig("EndpointConfig", model: model, instanceType: config.instanceType, instanceCount: config.initialInstanceCount,
                           startupHealthCheckTimeoutSeconds: config.startupHealthCheckTimeoutSeconds,
                           modelDataDownloadTimeoutSeconds: config.modelDownloadTimeoutSeconds)
                .suppress("CKV_AWS_98", because: "GPU instance types have NVMe instance storage, for which SageMaker rejects a KmsKeyId; it is encrypted with a hardware key")
        }

        var body: StackContent {
            let role = Self.role(config, network: network)
            role
            let model = Self.model(config, network: network, role: role)
            model
            Self.endpointConfig(config, model: model)
            Conditional(SLMService.running) { endpoint }
        }
    }
}

// MARK: - Lambda shim

extension SLMService {
    /// The Lambda shim, its role and its log group.
    struct Shim: Construct {
        let config: ServiceConfig
        let function: LambdaFunction
        let logGroup: LogGroup
        let role: Role

        init(config: ServiceConfig, network: Network, inference: Inference) {
            self.config = config
            logGroup = LogGroup("ShimLogGroup", retentionDays: config.logRetentionDays, kmsKey: network.logsKey)
            role = Role("ShimRole", description: "Lambda shim: invoke this stack's endpoint, write its log group, run in the VPC",
                        assumedBy: "lambda.amazonaws.com", policies: [
                "invoke-endpoint": PolicyDocument([.allow(["sagemaker:InvokeEndpoint"],
                                                          on: [.ifCondition(SLMService.running.name, inference.endpoint.ref, Inference.arn("sagemaker", "endpoint/paused.none"))],
                                                          sid: "InvokeThisEndpoint")]),
                "logs": PolicyDocument([.allow(["logs:CreateLogStream", "logs:PutLogEvents"], on: [logGroup.attribute(.arn)], sid: "WriteOwnLogGroup")]),
                "vpc-and-tracing": PolicyDocument([
                    .allow(["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                           on: ["*"], sid: "DescribeAndTrace"),
                    .allow(["ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses"],
                           on: [Inference.arn("ec2", "network-interface/*"), Inference.arn("ec2", "subnet/*"), Inference.arn("ec2", "security-group/*")],
                           sid: "ManageInterfaces"),
                ]),
            ])
            let template = ModelCatalog.models[config.modelID]?.chatTemplate
                ?? ChatTemplate(system: "{}\n", user: "{}\n", assistant: "{}\n", generation: "", stop: [])
            function = LambdaFunction(
                "ShimFunction", description: "slmstack shim: API Gateway to the SageMaker TGI endpoint",
                runtime: "python3.13", handler: "index.handler", code: LambdaSource.inlinedHandler, role: role,
                memoryMB: config.lambdaMemoryMB, timeoutSeconds: config.lambdaTimeoutSeconds,
                reservedConcurrency: config.lambdaReservedConcurrency,
                environment: [
                    "ENDPOINT_NAME": .ifCondition(SLMService.running.name, inference.endpoint.attribute(.endpointName), "paused"),
                    "PAUSED": SLMService.pausedParameter.value,
                    "MODEL_ID": .string(config.modelID),
                    "CHAT_TEMPLATE": .string(template.json),
                    "MAX_INPUT_TOKENS": .string(String(config.maxInputTokens)),
                    "MAX_TOTAL_TOKENS": .string(String(config.maxTotalTokens)),
                    "LOG_PROMPTS": .string(config.logPrompts ? "true" : "false"),
                    "SAGEMAKER_TIMEOUT": .string(String(SLMService.sageMakerTimeout(lambdaTimeout: config.lambdaTimeoutSeconds))),
                ],
                subnets: network.privateSubnets, securityGroups: [network.lambdaGroup], logGroup: logGroup)
                .suppress("CKV_AWS_116", because: "API Gateway invokes the shim synchronously; a dead-letter queue only receives failed asynchronous invocations")
                .suppress("CKV_AWS_173", because: "the environment holds only the endpoint name, model ID and limits, no secrets")
                .suppress("CKV_AWS_272", because: "the code is the reviewed handler from this repository, deployed inline or as the synthesized zip; code signing needs a signing profile and S3-hosted packages")
        }

        var body: StackContent {
            logGroup
            role
            function
        }
    }
}

// MARK: - API

extension SLMService {
    /// The REST API: routes with API keys and Lambda proxy integrations, deployment, logged stage,
    /// API key, usage plan, and (with `api-gateway-account` on) the account's CloudWatch role.
    struct PublicApi: Construct {
        let config: ServiceConfig
        let api: RestApi
        let stage: ApiStage
        let key: ApiKey
        let parts: [any Resource]

        init(config: ServiceConfig, network: Network, shim: Shim) {
            self.config = config
            let api = RestApi("Api", name: .join([.pseudo(.stackName), "-api"]), description: "slmstack: key-protected access to \(config.modelID)")
            self.api = api
            var parts: [any Resource] = [api]
            var resourcesByPath: [String: ApiResource] = [:]
            var methods: [ApiMethod] = []
            for route in SLMService.routes {
                var parent: ApiResource?
                var path = ""
                for segment in route.segments {
                    path += "/" + segment
                    if let existing = resourcesByPath[path] {
                        parent = existing
                        continue
                    }
                    let id = LogicalID(path.split(separator: "/").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "Resource")
                    let resource = parent.map { ApiResource(id, api: api, parent: $0, pathPart: segment) }
                        ?? ApiResource(id, api: api, pathPart: segment)
                    resourcesByPath[path] = resource
                    parts.append(resource)
                    parent = resource
                }
                let method = ApiMethod(LogicalID("\(route.stem)Method"), api: api, resource: parent!, function: shim.function)
                    .suppress("CKV2_AWS_53", because: "the Lambda shim validates the JSON body and answers 400 with the reason; the method takes no parameters, and a request validator without a schema would check nothing")
                methods.append(method)
                parts.append(method)
                parts.append(LambdaPermission(LogicalID("\(route.stem)Permission"), function: shim.function, principal: "apigateway.amazonaws.com",
                                              sourceArn: .join(["arn:", .pseudo(.partition), ":execute-api:", .pseudo(.region), ":", .pseudo(.accountID),
                                                                ":", api.ref, .string("/*/\(method.httpMethod)\(method.path)")])))
            }
            let signature = methods.map { "\($0.httpMethod) \($0.path) key=\($0.apiKeyRequired)" }.sorted().joined(separator: ";")
            let deployment = ApiDeployment(LogicalID("ApiDeployment\(StableHash.hex8(signature))"), api: api,
                                           description: "Routes: \(methods.map { "\($0.httpMethod) \($0.path)" }.joined(separator: ", "))",
                                           methods: methods)
            parts.append(deployment)
            let accessLogs = LogGroup("ApiAccessLogGroup", retentionDays: config.logRetentionDays, kmsKey: network.logsKey)
            parts.append(accessLogs)
            // The account's CloudWatch role is one setting per account and region: a second copy of the
            // stack (or another tool that owns it) turns this off rather than overwrite it and, on
            // destroy, leave it pointing at a deleted role.
            var account: ApiGatewayAccount?
            if config.apiGatewayAccount {
                let cloudWatchRole = Role("ApiGatewayLogsRole", description: "Lets API Gateway write execution and access logs in this account",
                                          assumedBy: "apigateway.amazonaws.com", policies: ["push-logs": PolicyDocument([.allow(
                                              ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams",
                                               "logs:FilterLogEvents", "logs:GetLogEvents", "logs:PutLogEvents"],
                                              on: [Inference.arn("logs", "log-group:*")])])])
                parts.append(cloudWatchRole)
                let setting = ApiGatewayAccount("ApiGatewayAccount", cloudWatchRole: cloudWatchRole)
                parts.append(setting)
                account = setting
            }
            var loggedStage = ApiStage("ApiStage", api: api, deployment: deployment, stageName: config.stageName, accessLogGroup: accessLogs,
                                       accessLogFormat: SLMService.accessLogFormat)
            if let account { loggedStage = loggedStage.dependsOn(account) }
            stage = loggedStage
                .suppress("CKV_AWS_120", because: "model answers are not deterministic and differ per caller; a cache would serve one caller's answer to another")
                .suppress("CKV_AWS_225", because: "model answers are not deterministic and differ per caller; a cache would serve one caller's answer to another")
                .suppress("CKV2_AWS_51", because: "client certificates authenticate API Gateway to HTTP back ends; this API's back end is a Lambda proxy integration")
                .suppress("CKV2_AWS_29", because: "callers need an API key and are throttled by a usage plan; WAF is optional and billed separately")
            parts.append(stage)
            key = ApiKey("ApiKey", description: "slmstack API key").dependsOn(stage)
            parts.append(key)
            let plan = UsagePlan("UsagePlan", description: "slmstack: throttle and quota per API key", api: api, stage: stage,
                                 throttleRate: config.throttleRate, throttleBurst: config.throttleBurst,
                                 quotaLimit: config.quotaLimit, quotaPeriod: config.quotaPeriod)
            parts.append(plan)
            parts.append(UsagePlanKey("UsagePlanKey", key: key, plan: plan))
            self.parts = parts
        }

        var body: StackContent {
            StackContent(resources: parts)
        }
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
        let count = config.autoscaling.map { "\($0.lowerBound)-\($0.upperBound)" } ?? String(config.instanceCount)
        var stack = Stack(config.stackName, description: "slmstack: \(config.modelID) on \(count) x \(config.instanceType) behind a key-protected REST API",
                          tags: tags) {
            SLMService(config)
        }
        if config.ttlMinutes != nil { stack.deleteLast(SLMService.Operations.expiryRoleID) }
        return stack
    }
}
