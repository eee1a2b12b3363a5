// MARK: - API

extension SLMService {
    /// The REST API: routes with API keys and Lambda proxy integrations, deployment, logged stage
    /// with its execution log group, API key, usage plan, and (`api-gateway-account` auto or on) the
    /// account's CloudWatch role.
    public struct PublicApi: Construct {
        public let config: ServiceConfig
        public let api: RestApi
        public let stage: ApiStage
        public let key: ApiKey
        public let parts: [any Resource]
        /// The CloudWatch role and the account setting, under `createsApiGatewayRole` when auto.
        public let accountParts: [any Resource]
        /// Where `accountParts` go among `parts`, to keep the template's order.
        public let accountIndex: Int

        public init(config: ServiceConfig, network: Network, shim: Shim) {
            self.config = config
            let api = RestApi("Api", name: .join([.pseudo(.stackName), "-api"]), description: "slmstack: key-protected access to \(config.modelID)",
                              apiKeySource: .authorizer)
            self.api = api
            // Keys come from x-api-key or Authorization: Bearer, through the authorizer (SLMService+Auth.swift).
            let keys = KeyAuthorizer(shim: shim, api: api)
            var parts: [any Resource] = [api] + keys.parts
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
                // With streaming on, the chat route goes to the streaming function, streamed, up to its timeout.
                let streamed = route.segments == ["v1", "chat", "completions"] ? shim.stream?.function : nil
                let method = ApiMethod(LogicalID("\(route.stem)Method"), api: api, resource: parent!, httpMethod: route.httpMethod,
                                       function: streamed ?? shim.function, authorizer: keys.authorizer,
                                       responseTransferMode: streamed == nil ? .buffered : .stream,
                                       timeoutMillis: streamed == nil ? nil : SLMService.streamSeconds * 1000)
                    .suppress("CKV2_AWS_53", because: route.httpMethod == "GET" ? "it takes no body and no parameters"
                              : "the Lambda shim validates the JSON body and answers 400 with the reason; the method takes no parameters, and a request validator without a schema would check nothing")
                methods.append(method)
                parts.append(method)
            }
            // One permission for every route and the authorizer (API/STAGE/METHOD/PATH and
            // API/authorizers/ID): one per route cost 300 bytes each of a template close to its limit.
            parts.append(LambdaPermission("ApiPermission", function: shim.function, principal: "apigateway.amazonaws.com",
                                          sourceArn: .join(["arn:", .pseudo(.partition), ":execute-api:", .pseudo(.region), ":", .pseudo(.accountID),
                                                            ":", api.ref, "/*"])))
            if let stream = shim.stream?.function {
                parts.append(LambdaPermission("StreamPermission", function: stream, principal: "apigateway.amazonaws.com",
                                              sourceArn: .join(["arn:", .pseudo(.partition), ":execute-api:", .pseudo(.region), ":", .pseudo(.accountID),
                                                                ":", api.ref, "/*/POST/v1/chat/completions"])))
            }
            let signature = methods.map { "\($0.httpMethod) \($0.path) key=\($0.apiKeyRequired)" + ($0.responseTransferMode == .stream ? " stream" : "") }
                .sorted().joined(separator: ";")
                + ";" + keys.signature
            // Gateway responses take effect with a deployment, so it waits for them too.
            let deployment = ApiDeployment(LogicalID("ApiDeployment\(StableHash.hex8(signature))"), api: api,
                                           description: "Routes: \(methods.map { "\($0.httpMethod) \($0.path)" }.joined(separator: ", "))",
                                           methods: methods)
                .dependsOn(all: keys.responses)
            parts.append(deployment)
            let accessLogs = LogGroup("ApiAccessLogGroup", retentionDays: config.logRetentionDays, kmsKey: network.logsKey).fromSetting(\.$retentionDays, "log-retention-days")
            parts.append(accessLogs)
            // API Gateway writes execution logs (LoggingLevel ERROR) to a group it names itself; created
            // here first, it gets the stack's key and retention and goes with the stack.
            let executionLogs = LogGroup(SLMService.apiExecutionLogGroupID,
                                         name: .join(["API-Gateway-Execution-Logs_", api.ref, .string("/\(config.stageName)")]),
                                         retentionDays: config.logRetentionDays, kmsKey: network.logsKey)
                .fromSetting(\.$retentionDays, "log-retention-days")
            parts.append(executionLogs)
            // The account's CloudWatch role is one setting per account and region. auto sets it only when
            // the account has none (deploy reads GetAccount into ApiGatewayRole); the role is retained
            // (Stack.slmService), so after destroy the setting still names a live role.
            var account: ApiGatewayAccount?
            var accountParts: [any Resource] = []
            accountIndex = parts.count
            if config.apiGatewayAccount != .off {
                let cloudWatchRole = Role(SLMService.apiGatewayLogsRoleID, description: "Lets API Gateway write execution and access logs in this account",
                                          assumedBy: "apigateway.amazonaws.com", policies: ["push-logs": PolicyDocument([.allow(
                                              ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams",
                                               "logs:FilterLogEvents", "logs:GetLogEvents", "logs:PutLogEvents"],
                                              on: [Inference.arn("logs", "log-group:*")])])])
                let setting = ApiGatewayAccount("ApiGatewayAccount", cloudWatchRole: cloudWatchRole)
                accountParts = [cloudWatchRole, setting]
                account = setting
            }
            self.accountParts = accountParts
            // DependsOn cannot name a resource that may not exist: under auto the stage waits for the
            // account setting through an Fn::If in its description.
            let described: Value? = config.apiGatewayAccount == .auto && account != nil
                ? .ifCondition(SLMService.createsApiGatewayRole.name, .join(["Logs via this stack's account role (", account!.ref, ")"]),
                               "Logs via the account's CloudWatch role")
                : nil
            var loggedStage = ApiStage("ApiStage", api: api, deployment: deployment, stageName: config.stageName, accessLogGroup: accessLogs,
                                       accessLogFormat: SLMService.accessLogFormat, description: described)
                .dependsOn(executionLogs).fromSetting(\.$stageName, "stage-name")
            if let account, config.apiGatewayAccount == .on { loggedStage = loggedStage.dependsOn(account) }
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
                .fromSetting(\.$throttleRate, "throttle-rate").fromSetting(\.$throttleBurst, "throttle-burst")
                .fromSetting(\.$quotaLimit, "quota").fromSetting(\.$quotaPeriod, "quota-period")
            parts.append(plan)
            parts.append(UsagePlanKey("UsagePlanKey", key: key, plan: plan))
            self.parts = parts
        }

        public var body: StackContent {
            StackContent(resources: Array(parts[..<accountIndex]))
            if config.apiGatewayAccount == .auto {
                SLMService.apiGatewayRoleParameter
                Conditional(SLMService.createsApiGatewayRole) { StackContent(resources: accountParts) }
            } else {
                StackContent(resources: accountParts)
            }
            StackContent(resources: Array(parts[accountIndex...]))
        }
    }
}
