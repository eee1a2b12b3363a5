import Testing
import Cost
import StackModel

/// A type a library user declares, which `cost` has no rule for.
private struct Table: DeclaredResource {
    static let kind = "Table"
    var id: LogicalID
    var dependsOn: [LogicalID] = []
    var suppressions: [Suppression] = []
    var cloudFormationType: String { "AWS::DynamoDB::Table" }
    var properties: [String: Value] { ["BillingMode": "PAY_PER_REQUEST"] }
}

private func customStack() -> Stack {
    Stack("custom", description: "declared and raw") {
        Vpc("Vpc", cidr: "10.0.0.0/16")
        RawResource("Bucket", type: "AWS::S3::Bucket")
        Table(id: "Table")
    }
}

/// Raw and declared types are "not priced" lines with a warning (as Infracost lists unsupported
/// resources), never free; the budget gate then cannot prove a total.
@Test func declaredAndRawResourcesAreNotPricedAndSaySo() throws {
    let estimate = Estimator.estimate(customStack(), config: ServiceConfig())
    let unpriced = estimate.unpriced.map(\.resource).sorted()
    #expect(unpriced == ["Bucket", "Table"])
    #expect(estimate.lines.first { $0.resource == "Bucket" }?.resourceType == "AWS::S3::Bucket")
    #expect(estimate.warnings.contains { $0.hasPrefix("Table (AWS::DynamoDB::Table) is not priced") })
    #expect(!estimate.lines.contains { $0.resource == "Table" && $0.kind == .free })
}
