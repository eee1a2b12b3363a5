/// Where API Gateway reads a request's API key (`ApiKeySourceType` of a REST API).
public enum ApiKeySource: String, Sendable, CaseIterable {
    /// The `x-api-key` header.
    case header = "HEADER"
    /// The `usageIdentifierKey` a Lambda authorizer returns.
    case authorizer = "AUTHORIZER"
}

/// A Lambda authorizer of type REQUEST (`AWS::ApiGateway::Authorizer`, `aws_api_gateway_authorizer`).
///
/// API Gateway invokes the function with the request's headers before the method runs. With the
/// API's key source `AUTHORIZER`, the `usageIdentifierKey` it returns is the API key API Gateway
/// checks against the usage plan (and throttles and counts), as if it had come in `x-api-key`
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html).
public struct ApiAuthorizer: Resource {
    public static let kind = "ApiAuthorizer"
    public let id: LogicalID
    public var api: Value
    public var name: Value
    /// The Lambda function API Gateway invokes (its ARN).
    public var function: Value
    /// Mapping expressions of the request parts that must be present (`method.request.header.X`);
    /// empty: none is required, which only an uncached authorizer may have.
    public var identitySource: [String]
    /// How long API Gateway caches a policy per identity source value; 0 invokes the function on
    /// every request.
    public var resultTtlSeconds: Int
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, api: RestApi, name: Value, function: LambdaFunction, identitySource: [String] = [],
                resultTtlSeconds: Int = 0) {
        self.id = id
        self.api = api.ref
        self.name = name
        self.function = function.attribute(.arn)
        self.identitySource = identitySource
        self.resultTtlSeconds = resultTtlSeconds
    }

    /// The authorizer URI (`arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations`).
    public var authorizerURI: Value {
        .join(["arn:", .pseudo(.partition), ":apigateway:", .pseudo(.region),
               ":lambda:path/2015-03-31/functions/", function, "/invocations"])
    }

    /// The ARN API Gateway invokes the function from (`…:execute-api:REGION:ACCOUNT:API/authorizers/ID`),
    /// for the function's permission.
    public var sourceArn: Value {
        .join(["arn:", .pseudo(.partition), ":execute-api:", .pseudo(.region), ":", .pseudo(.accountID), ":", api,
               "/authorizers/", ref])
    }
}

/// What API Gateway answers itself for one kind of failure (`AWS::ApiGateway::GatewayResponse`,
/// `aws_api_gateway_gateway_response`): a missing or wrong key, throttling, a quota, an unknown route.
///
/// Types and default status codes:
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
public struct GatewayResponse: Resource {
    public static let kind = "GatewayResponse"
    public let id: LogicalID
    public var api: Value
    /// `UNAUTHORIZED`, `INVALID_API_KEY`, `THROTTLED`, `DEFAULT_4XX` …
    public var responseType: String
    /// The status code, or nil for the type's default.
    public var statusCode: Int?
    /// The `application/json` body template (`$context.error.messageString` is the quoted message).
    public var template: String
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, api: RestApi, responseType: String, statusCode: Int? = nil, template: String) {
        self.id = id
        self.api = api.ref
        self.responseType = responseType
        self.statusCode = statusCode
        self.template = template
    }
}

extension ApiAuthorizer { public var values: [Value] { [api, name, function] } }
extension GatewayResponse { public var values: [Value] { [api] } }
