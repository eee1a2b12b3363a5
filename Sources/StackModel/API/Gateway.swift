/// A regional REST API (`AWS::ApiGateway::RestApi`, `aws_api_gateway_rest_api`).
public struct RestApi: Resource {
    public static let kind = "RestApi"
    public let id: LogicalID
    public var name: Value
    public var description: String
    /// Where API Gateway reads the API key of methods that require one.
    public var apiKeySource: ApiKeySource
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, name: Value, description: String, apiKeySource: ApiKeySource = .header) {
        self.id = id
        self.name = name
        self.description = description
        self.apiKeySource = apiKeySource
    }
}

/// One path segment of a REST API (`AWS::ApiGateway::Resource`, `aws_api_gateway_resource`).
public struct ApiResource: Resource {
    public static let kind = "ApiResource"
    public let id: LogicalID
    public var api: Value
    public var parent: Value
    public var pathPart: String
    /// The full path from the root, for example `/v1/chat/completions`.
    public var path: String
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    /// A segment directly under the API's root.
    public init(_ id: LogicalID, api: RestApi, pathPart: String) {
        self.id = id
        self.api = api.ref
        self.parent = api.attribute(.rootResourceID)
        self.pathPart = pathPart
        self.path = "/" + pathPart
    }

    /// A segment under another segment.
    public init(_ id: LogicalID, api: RestApi, parent: ApiResource, pathPart: String) {
        self.id = id
        self.api = api.ref
        self.parent = parent.ref
        self.pathPart = pathPart
        self.path = parent.path + "/" + pathPart
    }
}

/// A method with an API key required and a Lambda proxy integration
/// (`AWS::ApiGateway::Method`; Terraform `aws_api_gateway_method` + `aws_api_gateway_integration`).
public struct ApiMethod: Resource {
    public static let kind = "ApiMethod"
    public let id: LogicalID
    public var api: Value
    public var resource: Value
    /// The path of the resource, for permissions and docs.
    public var path: String
    public var httpMethod: String
    public var apiKeyRequired: Bool
    /// The Lambda function the proxy integration calls.
    public var function: Value
    /// The Lambda authorizer that runs first (`AuthorizationType` CUSTOM), or nil for none.
    public var authorizer: Value?
    /// Whether API Gateway sends the answer as the function streams it (`STREAM`: the function is
    /// invoked with InvokeWithResponseStream) or once it is complete (`BUFFERED`, the default).
    public var responseTransferMode: ResponseTransferMode
    /// The integration timeout (`TimeoutInMillis`), or nil for API Gateway's default (29 s).
    public var timeoutMillis: Int?
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, api: RestApi, resource: ApiResource, httpMethod: String = "POST",
                apiKeyRequired: Bool = true, function: LambdaFunction, authorizer: ApiAuthorizer? = nil,
                responseTransferMode: ResponseTransferMode = .buffered, timeoutMillis: Int? = nil) {
        self.id = id
        self.api = api.ref
        self.resource = resource.ref
        self.path = resource.path
        self.httpMethod = httpMethod
        self.apiKeyRequired = apiKeyRequired
        self.function = function.attribute(.arn)
        self.authorizer = authorizer?.ref
        self.responseTransferMode = responseTransferMode
        self.timeoutMillis = timeoutMillis
    }

    /// The integration URI: `arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations`
    /// (Invoke), or `.../2021-11-15/functions/ARN/response-streaming-invocations` (InvokeWithResponseStream)
    /// when the route streams.
    public var integrationURI: Value {
        switch responseTransferMode {
        case .buffered:
            .join(["arn:", .pseudo(.partition), ":apigateway:", .pseudo(.region), ":lambda:path/2015-03-31/functions/", function, "/invocations"])
        case .stream:
            .join(["arn:", .pseudo(.partition), ":apigateway:", .pseudo(.region), ":lambda:path/2021-11-15/functions/", function,
                   "/response-streaming-invocations"])
        }
    }
}

/// How API Gateway returns an integration's answer (`Integration.ResponseTransferMode`).
public enum ResponseTransferMode: String, Sendable, Hashable {
    case buffered = "BUFFERED"
    case stream = "STREAM"
}

/// A deployment of a REST API (`AWS::ApiGateway::Deployment`, `aws_api_gateway_deployment`).
///
/// Its logical ID carries a hash of the API's methods, so that changing a route makes a new
/// deployment instead of leaving the stage on the old one.
public struct ApiDeployment: Resource {
    public static let kind = "ApiDeployment"
    public let id: LogicalID
    public var api: Value
    public var description: String
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, api: RestApi, description: String, methods: [ApiMethod]) {
        self.id = id
        self.api = api.ref
        self.description = description
        self.dependsOn = methods.map(\.id)
    }
}

/// A stage with access logging, X-Ray tracing, metrics and execution logging
/// (`AWS::ApiGateway::Stage`; Terraform `aws_api_gateway_stage` + `aws_api_gateway_method_settings`).
///
/// Throttling lives on the usage plan alone: every caller needs a key, so a stage-wide copy of the
/// same limits would only make one setting change two resources.
public struct ApiStage: Resource {
    public static let kind = "ApiStage"
    public let id: LogicalID
    public var api: Value
    public var deployment: Value
    @FromSetting public var stageName: String
    public var accessLogGroup: Value
    /// The access log line format (JSON with `$context` variables).
    public var accessLogFormat: String
    /// Execution logging level: `OFF`, `ERROR` or `INFO`.
    public var loggingLevel: String
    /// The stage's description, or nil for none. Through an `ifCondition` it can also wait for a
    /// resource that exists only under a condition, which `DependsOn` cannot name.
    public var description: Value?
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, api: RestApi, deployment: ApiDeployment, stageName: String, accessLogGroup: LogGroup,
                accessLogFormat: String, loggingLevel: String = "ERROR", description: Value? = nil) {
        self.id = id
        self.description = description
        self.api = api.ref
        self.deployment = deployment.ref
        self.stageName = stageName
        self.accessLogGroup = accessLogGroup.attribute(.arn)
        self.accessLogFormat = accessLogFormat
        self.loggingLevel = loggingLevel
    }
}

/// An API key (`AWS::ApiGateway::ApiKey`, `aws_api_gateway_api_key`). Its value is generated by
/// API Gateway and never appears in the template or the outputs.
public struct ApiKey: Resource {
    public static let kind = "ApiKey"
    public let id: LogicalID
    public var description: String
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, description: String) {
        self.id = id
        self.description = description
    }
}

/// How often a usage-plan quota resets.
public enum QuotaPeriod: String, Sendable, CaseIterable {
    case day = "DAY", week = "WEEK", month = "MONTH"
}

/// A usage plan: throttle and quota for the keys on it (`AWS::ApiGateway::UsagePlan`,
/// `aws_api_gateway_usage_plan`).
public struct UsagePlan: Resource {
    public static let kind = "UsagePlan"
    public let id: LogicalID
    public var description: String
    public var api: Value
    public var stage: Value
    public var stageName: String
    @FromSetting public var throttleRate: Double
    @FromSetting public var throttleBurst: Int
    @FromSetting public var quotaLimit: Int
    @FromSetting public var quotaPeriod: QuotaPeriod
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, description: String, api: RestApi, stage: ApiStage, throttleRate: Double,
                throttleBurst: Int, quotaLimit: Int, quotaPeriod: QuotaPeriod) {
        self.id = id
        self.description = description
        self.api = api.ref
        self.stage = stage.ref
        self.stageName = stage.stageName
        self.throttleRate = throttleRate
        self.throttleBurst = throttleBurst
        self.quotaLimit = quotaLimit
        self.quotaPeriod = quotaPeriod
    }
}

/// Puts an API key on a usage plan (`AWS::ApiGateway::UsagePlanKey`, `aws_api_gateway_usage_plan_key`).
public struct UsagePlanKey: Resource {
    public static let kind = "UsagePlanKey"
    public let id: LogicalID
    public var key: Value
    public var plan: Value
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, key: ApiKey, plan: UsagePlan) {
        self.id = id
        self.key = key.ref
        self.plan = plan.ref
    }
}

/// The account-wide role API Gateway uses to write CloudWatch logs (`AWS::ApiGateway::Account`,
/// `aws_api_gateway_account`). Stage logging fails without it in a fresh account.
public struct ApiGatewayAccount: Resource {
    public static let kind = "ApiGatewayAccount"
    public let id: LogicalID
    public var cloudWatchRole: Value
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, cloudWatchRole: Role) {
        self.id = id
        self.cloudWatchRole = cloudWatchRole.attribute(.arn)
    }
}
