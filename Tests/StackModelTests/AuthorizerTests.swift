import Foundation
import Testing
@testable import StackModel

/// API keys from `x-api-key` or `Authorization: Bearer`: the API's key source is the authorizer,
/// every route runs it and still requires the key, and API Gateway's own errors have OpenAI's shape.
@Test func everyRouteRunsTheKeyAuthorizerAndRequiresTheKey() throws {
    let stack = Stack.slmService(ServiceConfig())
    let api = try #require(stack.resources(of: RestApi.self).first)
    #expect(api.apiKeySource == .authorizer)
    let authorizer = try #require(stack.resources(of: ApiAuthorizer.self).first)
    #expect(authorizer.resultTtlSeconds == 0 && authorizer.identitySource.isEmpty)  // uncached: either header may carry the key
    #expect(authorizer.function.references == [LogicalID("ShimFunction")])
    let methods = stack.resources(of: ApiMethod.self)
    #expect(Set(methods.map { "\($0.httpMethod) \($0.path)" }) == ["POST /invoke", "POST /v1/chat/completions", "GET /v1/models"])
    for method in methods {
        #expect(method.apiKeyRequired, "\(method.id)")
        #expect(method.authorizer?.references == [authorizer.id], "\(method.id)")
    }
    // One permission lets API Gateway invoke the shim for every route and for the authorizer.
    let permissions = stack.resources(of: LambdaPermission.self).filter { $0.principal == "apigateway.amazonaws.com" }
    #expect(permissions.count == 1)
    guard case .join(let parts)? = permissions.first?.sourceArn else { Issue.record("no source ARN"); return }
    #expect(parts.suffix(2) == [api.ref, .string("/*")])
}

@Test func gatewayResponsesAreOpenAIErrorsAndTheDeploymentWaitsForThem() throws {
    let stack = Stack.slmService(ServiceConfig())
    let responses = stack.resources(of: GatewayResponse.self)
    #expect(responses.map(\.responseType) == ["DEFAULT_4XX", "DEFAULT_5XX"])
    for response in responses {
        // What API Gateway renders: $context.error.messageString is the quoted message.
        let rendered = response.template.replacingOccurrences(of: "$context.error.messageString", with: #""Forbidden""#)
            .replacingOccurrences(of: "$context.error.responseType", with: "INVALID_API_KEY")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(rendered.utf8)) as? [String: Any])
        let error = try #require(body["error"] as? [String: Any])
        #expect(Set(error.keys) == ["message", "type", "param", "code"])
        #expect(error["message"] as? String == "Forbidden" && error["code"] as? String == "INVALID_API_KEY")
        #expect(error["param"] is NSNull)
        #expect(error["type"] as? String == (response.responseType == "DEFAULT_5XX" ? "server_error" : "invalid_request_error"))
    }
    let deployment = try #require(stack.resources(of: ApiDeployment.self).first)
    #expect(Set(responses.map(\.id)).isSubset(of: Set(deployment.dependsOn)))
}
