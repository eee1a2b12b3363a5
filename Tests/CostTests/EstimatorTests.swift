import Foundation
import Testing
@testable import Cost
@testable import StackModel

func estimate(_ change: (inout ServiceConfig) -> Void = { _ in }, usage: Usage = Usage()) -> Estimate {
    var config = ServiceConfig()
    change(&config)
    return Estimator.estimate(Inventory.of(Stack.slmService(config), config: config), usage: usage)
}

func monthly(_ estimate: Estimate, _ resource: String, _ component: String) -> Double? {
    estimate.lines.first { $0.resource == resource && $0.component.hasPrefix(component) }?.monthly
}

func close(_ a: Double?, _ b: Double, within: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= within
}

@Test func defaultStackBaselineLinesByHand() {
    let e = estimate()
    #expect(close(monthly(e, "EndpointConfig", "Instance usage (ml.g5.xlarge"), 1.4084 * 730))
    #expect(Estimate.money(monthly(e, "EndpointConfig", "Instance usage")) == "$1,028.13")
    #expect(close(monthly(e, "NatGateway", "NAT gateway hours"), 0.045 * 730))
    #expect(close(monthly(e, "NatAddress", "Public IPv4"), 0.005 * 730))
    #expect(close(monthly(e, "SageMakerRuntimeEndpoint", "Interface endpoint AZ-hours"), 0.01 * 730 * 2))
    #expect(close(monthly(e, "LogsKey", "Customer managed key"), 1.0))
    // Six standard alarms: idle, endpoint 5XX, model latency (p90), shim errors, shim throttles, API 5XX.
    #expect(e.lines.filter { $0.resourceType == "AWS::CloudWatch::Alarm" }.compactMap(\.monthly) == Array(repeating: 0.10, count: 6))
    #expect(close(e.baselineMonthly, (1.4084 + 0.045 + 0.005 + 0.02) * 730 + 1 + 6 * 0.10, within: 1e-6))
    #expect(e.warnings.isEmpty && e.unpriced.isEmpty)
}

@Test func defaultStackUsageLinesByHand() {
    let e = estimate()
    // 100,000 requests, 2,000 ms, 256 MB.
    #expect(close(monthly(e, "Api", "REST requests (first 333M)"), 100_000 * 3.50 / 1e6))
    #expect(close(monthly(e, "ShimFunction", "Requests"), 100_000 * 0.20 / 1e6))
    #expect(close(monthly(e, "ShimFunction", "Duration"), 100_000 * 2.0 * 0.25 * 0.0000166667, within: 1e-9))
    #expect(close(monthly(e, "NatGateway", "Data processed"), 2.2 * 0.045))
    #expect(close(monthly(e, "SageMakerRuntimeEndpoint", "Data processed"), 100_000 * 4096 / 1e9 * 0.01))
    #expect(close(monthly(e, "Api", "Data transfer out"), 0.09))
    // 800 log bytes per request, plus 350 for the API key authorizer's invocation
    let ingest = 100_000 * (800 + 350) / 1e9 + 0.05
    #expect(close(monthly(e, "ApiAccessLogGroup, ApiExecutionLogGroup, EndpointLogGroup, FlowLogGroup, ShimLogGroup", "Log ingestion"), ingest * 0.50))
    #expect(close(monthly(e, "ApiAccessLogGroup, ApiExecutionLogGroup, EndpointLogGroup, FlowLogGroup, ShimLogGroup", "Log storage"), ingest * 365 / (730.0 / 24) * 0.03))
    #expect(close(monthly(e, "ShimFunction, ApiStage", "Traces recorded"), 100_000 * 5.0 / 1e6))
    #expect(close(e.totalHourly, e.totalMonthly / 730))
}

@Test func variantTwoInstancesOfTheLargerTypeWithoutNat() {
    let e = estimate { $0.instanceType = "ml.g5.2xlarge"; $0.instanceCount = 2; $0.natGateway = false }
    #expect(close(monthly(e, "EndpointConfig", "Instance usage (ml.g5.2xlarge"), 1.515 * 730 * 2))
    #expect(monthly(e, "NatGateway", "NAT gateway hours") == nil)
    #expect(monthly(e, "NatAddress", "Public IPv4") == nil)
    #expect(close(e.baselineMonthly, (1.515 * 2 + 0.02) * 730 + 1 + 6 * 0.10, within: 1e-6))
}

@Test func variantThreeZonesAndMoreMemory() {
    let e = estimate({ $0.azCount = 3; $0.lambdaMemoryMB = 1024; $0.instanceType = "ml.g4dn.xlarge" },
                     usage: { var u = Usage(); u.requestsPerMonth = 2_000_000; u.averageLatencyMs = 500; return u }())
    #expect(close(monthly(e, "SageMakerRuntimeEndpoint", "Interface endpoint AZ-hours (3 AZs)"), 0.01 * 730 * 3))
    #expect(close(monthly(e, "EndpointConfig", "Instance usage (ml.g4dn.xlarge"), 0.7364 * 730))
    #expect(close(monthly(e, "ShimFunction", "Duration"), 2_000_000 * 0.5 * 1.0 * 0.0000166667, within: 1e-9))
    #expect(close(monthly(e, "Api", "REST requests (first 333M)"), 2 * 3.50))
}

@Test func apiGatewayTierBoundaries() {
    func requests(_ n: Double) -> [Double] {
        var usage = Usage()
        usage.requestsPerMonth = n
        return estimate(usage: usage).lines.filter { $0.resource == "Api" && $0.component.hasPrefix("REST requests") }.map(\.quantity)
    }
    #expect(requests(333_000_000) == [333_000_000])
    #expect(requests(333_000_001) == [333_000_000, 1])
    #expect(requests(1_000_000_000) == [333_000_000, 667_000_000])
    #expect(requests(25_000_000_000) == [333_000_000, 667_000_000, 19_000_000_000, 5_000_000_000])
    var usage = Usage()
    usage.requestsPerMonth = 25_000_000_000
    let total = estimate(usage: usage).lines.filter { $0.resource == "Api" && $0.component.hasPrefix("REST requests") }.compactMap(\.monthly).reduce(0, +)
    #expect(close(total, 333 * 3.50 + 667 * 2.80 + 19_000 * 2.38 + 5_000 * 1.51, within: 1e-6))
}

@Test func lambdaScalesLinearlyWithRequestsAndMemory() {
    var usage = Usage()
    usage.requestsPerMonth = 0
    #expect(monthly(estimate(usage: usage), "ShimFunction", "Duration") == 0)
    usage.requestsPerMonth = 1_000_000
    usage.averageLatencyMs = 1_000
    let a = monthly(estimate({ $0.lambdaMemoryMB = 512 }, usage: usage), "ShimFunction", "Duration")!
    let b = monthly(estimate({ $0.lambdaMemoryMB = 1024 }, usage: usage), "ShimFunction", "Duration")!
    #expect(close(b, 2 * a, within: 1e-9))
    #expect(close(a, 1_000_000 * 1.0 * 0.5 * 0.0000166667, within: 1e-9))
}

@Test func otherRegionFallsBackToUsEast1WithAWarning() {
    let e = estimate { $0.region = "eu-west-2" }
    #expect(close(monthly(e, "EndpointConfig", "Instance usage"), 1.4084 * 730))
    #expect(e.warnings.contains { $0.contains("no sagemaker.hosting.ml.g5.xlarge price for eu-west-2") && $0.contains("used the us-east-1 figure") })
    #expect(e.rendered(.table).contains("Warnings:\n  ! no "))
}

@Test func unknownInstancePriceIsUnpricedAndSaidSo() {
    let e = estimate { $0.instanceType = "ml.g6e.2xlarge" }
    #expect(e.unpriced.map(\.resource) == ["EndpointConfig"])
    #expect(e.warnings.contains { $0.contains("no sagemaker.hosting.ml.g6e.2xlarge price in the embedded table") })
    #expect(e.rendered(.table).contains("unknown"))
    #expect(e.rendered(.table, budget: 5_000).contains("cannot tell, 1 line(s) unpriced"))
}

@Test func jsonOutputShape() throws {
    let text = estimate().rendered(.json, budget: 1_200)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(Set(object.keys) == ["region", "currency", "paused", "monthly", "hourly", "budget", "budgetChecks", "overBudget", "lines", "assumptions", "warnings"])
    #expect(object["paused"] as? Bool == false && object["budgetChecks"] as? String == "total")
    let monthly = try #require(object["monthly"] as? [String: Double])
    #expect(Set(monthly.keys) == ["baseline", "usage", "total"])
    #expect(abs(monthly["total"]! - monthly["baseline"]! - monthly["usage"]!) < 1e-9)
    #expect(object["overBudget"] as? Bool == false)
    let lines = try #require(object["lines"] as? [[String: Any]])
    #expect(lines.first?["resource"] as? String == "EndpointConfig")
    #expect(Set(lines.first!.keys).isSuperset(of: ["resource", "resourceType", "component", "kind", "quantity", "unit", "unitPrice", "monthly"]))
    #expect(lines.contains { $0["kind"] as? String == "free" && $0["resource"] as? String == "Vpc" })
}

@Test func templateInventoryMatchesModelInventory() throws {
    let config = ServiceConfig()
    let stack = Stack.slmService(config)
    // Build the template JSON by hand from the parts the inventory reads, independent of the renderer.
    let template: [String: Any] = ["Resources": [
        "EndpointConfig": ["Type": "AWS::SageMaker::EndpointConfig", "Properties": ["ProductionVariants": [["InstanceType": "ml.g5.xlarge", "InitialInstanceCount": 1]]]],
        "Endpoint": ["Type": "AWS::SageMaker::Endpoint", "Properties": ["EndpointConfigName": ["Fn::GetAtt": ["EndpointConfig", "EndpointConfigName"]]]],
        "NatGateway": ["Type": "AWS::EC2::NatGateway"],
        "NatAddress": ["Type": "AWS::EC2::EIP"],
        "SageMakerRuntimeEndpoint": ["Type": "AWS::EC2::VPCEndpoint", "Properties": ["SubnetIds": ["a", "b"]]],
    ]]
    let fromTemplate = try Inventory.of(template: JSONSerialization.data(withJSONObject: template), region: "us-east-1", weightsGB: 2.2)
    let fromModel = Inventory.of(stack, config: config)
    #expect(fromTemplate.endpoints.map(\.instanceType) == fromModel.endpoints.map(\.instanceType))
    #expect(fromTemplate.interfaceEndpoints.map(\.zones) == fromModel.interfaceEndpoints.map(\.zones))
    #expect(throws: CostError.self) { try Inventory.of(template: Data("[]".utf8), region: "us-east-1", weightsGB: 0) }
}

@Test func deltaOfALargerInstanceIsPricedPerLine() {
    let before = estimate()
    let after = estimate { $0.instanceType = "ml.g5.2xlarge" }
    let delta = CostDelta(from: before, to: after)
    #expect(CostDelta.signed(delta.delta) == "+$77.82")
    #expect(delta.changes.count == 1, "one change: the endpoint's instance line")
    #expect(delta.changes.first?.component == "Instance usage (ml.g5.xlarge, on-demand) x 1 → Instance usage (ml.g5.2xlarge, on-demand) x 1")
    #expect(delta.rendered(.table, fromName: "x").contains("Total: +$77.82/month"))
}

@Test func liveOverridesReplaceEmbeddedPrices() {
    let live = Price(key: "sagemaker.hosting.ml.g5.xlarge", region: "eu-west-2", usd: 1.6, unit: "hour", source: "AWS Price List API", asOf: "2026-11-22")
    let table = PriceTable.embedded.overlaid(with: [live])
    var warnings: [String] = []
    #expect(table.lookup("sagemaker.hosting.ml.g5.xlarge", region: "eu-west-2", warnings: &warnings)?.usd == 1.6)
    #expect(warnings.isEmpty)
}

@Test func moneyAndQuantitiesAreFormattedWithoutALocaleLibrary() {
    #expect(Estimate.money(1028.132) == "$1,028.13")
    #expect(Estimate.money(1234567.891) == "$1,234,567.89")
    #expect(Estimate.money(-77.816) == "-$77.82")
    #expect(Estimate.money(0.004) == "$0.00")
    #expect(Estimate.money(0.005) == "$0.01")
    #expect(Estimate.money(nil) == "unknown")
    #expect(Estimate.quantity(1460) == "1,460")
    #expect(Estimate.quantity(100_000) == "100,000")
    #expect(Estimate.quantity(0.4096) == "0.4096")
    #expect(Estimate.unitPrice(1.4084) == "$1.4084")
    #expect(Estimate.unitPrice(1) == "$1.00")
    #expect(Estimate.unitPrice(0.0000166667) == "$0.0000166667")
    #expect(Estimate.unitPrice(0.0000035) == "$0.0000035")
    #expect(Estimate.unitPrice(1234.5) == "$1,234.50")
}
