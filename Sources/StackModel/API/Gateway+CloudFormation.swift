// The API Gateway types' CloudFormation forms: type, properties and whether they take tags.

extension RestApi {
    public var cloudFormationType: String { "AWS::ApiGateway::RestApi" }
    public var properties: [String: Value] {
        ["Name": name, "Description": .string(description), "EndpointConfiguration": ["Types": ["REGIONAL"]],
         "ApiKeySourceType": .string(apiKeySource.rawValue)]
    }
    public var takesTags: Bool { true }
}

extension ApiResource {
    public var cloudFormationType: String { "AWS::ApiGateway::Resource" }
    public var properties: [String: Value] { ["RestApiId": api, "ParentId": parent, "PathPart": .string(pathPart)] }
}

extension ApiMethod {
    public var cloudFormationType: String { "AWS::ApiGateway::Method" }
    /// A Lambda proxy integration, behind the `CUSTOM` authorizer when there is one.
    public var properties: [String: Value] {
        var integration: [String: Value] = ["Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": integrationURI]
        if responseTransferMode == .stream { integration["ResponseTransferMode"] = .string(responseTransferMode.rawValue) }
        if let timeoutMillis { integration["TimeoutInMillis"] = .int(timeoutMillis) }
        var properties: [String: Value] = [
            "RestApiId": api, "ResourceId": resource, "HttpMethod": .string(httpMethod),
            "AuthorizationType": authorizer == nil ? "NONE" : "CUSTOM", "ApiKeyRequired": .bool(apiKeyRequired),
            "Integration": .object(integration),
        ]
        if let authorizer { properties["AuthorizerId"] = authorizer }
        return properties
    }
}

extension ApiAuthorizer {
    public var cloudFormationType: String { "AWS::ApiGateway::Authorizer" }
    public var properties: [String: Value] {
        var properties: [String: Value] = [
            "RestApiId": api, "Name": name, "Type": "REQUEST", "AuthorizerUri": authorizerURI,
            "AuthorizerResultTtlInSeconds": .int(resultTtlSeconds),
        ]
        if !identitySource.isEmpty { properties["IdentitySource"] = .string(identitySource.joined(separator: ",")) }
        return properties
    }
}

extension GatewayResponse {
    public var cloudFormationType: String { "AWS::ApiGateway::GatewayResponse" }
    public var properties: [String: Value] {
        var properties: [String: Value] = ["RestApiId": api, "ResponseType": .string(responseType),
                                           "ResponseTemplates": ["application/json": .string(template)]]
        if let statusCode { properties["StatusCode"] = .string(String(statusCode)) }
        return properties
    }
}

extension ApiDeployment {
    public var cloudFormationType: String { "AWS::ApiGateway::Deployment" }
    public var properties: [String: Value] { ["RestApiId": api, "Description": .string(description)] }
}

extension ApiStage {
    public var cloudFormationType: String { "AWS::ApiGateway::Stage" }
    /// X-Ray tracing, access logs, and one method setting for every method (`/*`, `*`).
    public var properties: [String: Value] {
        let settings: Value = ["ResourcePath": "/*", "HttpMethod": "*", "LoggingLevel": .string(loggingLevel),
                               "MetricsEnabled": true, "DataTraceEnabled": false]
        var properties: [String: Value] = [
            "RestApiId": api, "DeploymentId": deployment, "StageName": .string(stageName), "TracingEnabled": true,
            "AccessLogSetting": ["DestinationArn": accessLogGroup, "Format": .string(accessLogFormat)],
            "MethodSettings": [settings],
        ]
        if let description { properties["Description"] = description }
        return properties
    }
    public var takesTags: Bool { true }
}

extension ApiKey {
    public var cloudFormationType: String { "AWS::ApiGateway::ApiKey" }
    public var properties: [String: Value] { ["Description": .string(description), "Enabled": true] }
    public var takesTags: Bool { true }
}

extension UsagePlan {
    public var cloudFormationType: String { "AWS::ApiGateway::UsagePlan" }
    public var properties: [String: Value] {
        ["Description": .string(description), "ApiStages": [["ApiId": api, "Stage": stage]],
         "Throttle": ["RateLimit": .number(throttleRate), "BurstLimit": .int(throttleBurst)],
         "Quota": ["Limit": .int(quotaLimit), "Period": .string(quotaPeriod.rawValue)]]
    }
    public var takesTags: Bool { true }
}

extension UsagePlanKey {
    public var cloudFormationType: String { "AWS::ApiGateway::UsagePlanKey" }
    public var properties: [String: Value] { ["KeyId": key, "KeyType": "API_KEY", "UsagePlanId": plan] }
}

extension ApiGatewayAccount {
    public var cloudFormationType: String { "AWS::ApiGateway::Account" }
    public var properties: [String: Value] { ["CloudWatchRoleArn": cloudWatchRole] }
}
