import Foundation
import Testing
@testable import Cost
@testable import StackModel

/// The API key authorizer (`x-api-key` or `Authorization: Bearer`) runs the shim once more per
/// request, uncached: its lines and the figures docs/cost.md quotes per million requests.
@Test func theAuthorizerIsOneShortShimInvocationPerRequest() {
    var usage = Usage()
    usage.requestsPerMonth = 1_000_000
    let config = ServiceConfig()
    let inventory = Inventory.of(Stack.slmService(config), config: config)
    #expect(inventory.authorizerFunctions.map(\.id) == ["ShimFunction"])
    #expect(inventory.functions.map(\.id).contains("ShimFunction"))  // still billed as the API's function too
    let e = Estimator.estimate(inventory, usage: usage)
    let shim = e.lines.filter { $0.resource == "ShimFunction" }
    let requests = shim.first { $0.component == "Requests (authorizer, one per API request)" }
    #expect(requests?.quantity == 1_000_000)
    #expect(close(requests?.monthly, 0.20))
    let duration = shim.first { $0.component == "Duration (\(config.lambdaMemoryMB) MB x 5 ms)" }
    #expect(close(duration?.monthly, 1_000_000 * 0.005 * Double(config.lambdaMemoryMB) / 1024 * 0.0000166667, within: 1e-9))
    #expect(e.assumptions.contains { $0.contains("one uncached authorizer invocation per request") })
}

@Test func aTemplateAuthorizerFunctionIsFoundThroughItsUri() throws {
    // By hand: an authorizer whose AuthorizerUri names the function, as the renderer writes it.
    let uri = ["Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"]
    let template: [String: Any] = ["Resources": [
        "Fn": ["Type": "AWS::Lambda::Function", "Properties": ["MemorySize": 512]],
        "Other": ["Type": "AWS::Lambda::Function", "Properties": ["MemorySize": 128]],
        "Auth": ["Type": "AWS::ApiGateway::Authorizer", "Properties": ["AuthorizerUri": uri, "Type": "REQUEST"]],
    ]]
    let inventory = try Inventory.of(template: JSONSerialization.data(withJSONObject: template), region: "us-east-1", weightsGB: 0)
    #expect(inventory.authorizerFunctions.map(\.id) == ["Fn"])
    #expect(inventory.authorizerFunctions.map(\.memoryMB) == [512])
}

/// With streaming on, each API request reaches either the shim or the streaming function: the
/// Lambda request and duration cost of the route functions is the same as without streaming, split.
@Test func streamingSplitsTheRequestsBetweenTheTwoFunctions() {
    var usage = Usage()
    usage.requestsPerMonth = 1_000_000
    var streaming = ServiceConfig()
    streaming.streaming = true
    func routeLines(_ config: ServiceConfig) -> [CostLine] {
        Estimator.estimate(Inventory.of(Stack.slmService(config), config: config), usage: usage).lines
            .filter { ["ShimFunction", "StreamFunction"].contains($0.resource) && !$0.component.contains("authorizer") }
    }
    let split = routeLines(streaming), single = routeLines(ServiceConfig())
    #expect(Set(split.map(\.resource)) == ["ShimFunction", "StreamFunction"])
    let requests = split.filter { $0.component.hasPrefix("Requests") }
    #expect(requests.map(\.quantity) == [500_000, 500_000])
    #expect(requests.allSatisfy { $0.component.contains("each reaches one function") })
    #expect(close(split.reduce(0) { $0 + ($1.monthly ?? 0) }, single.reduce(0) { $0 + ($1.monthly ?? 0) }, within: 1e-9))
}
