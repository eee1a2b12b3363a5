import Foundation
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

/// Every type the reference service uses has a price rule or is explicitly free, from the model and
/// from its committed template: a type added without a rule would be a "not priced" line here.
@Test(arguments: ["default", "operations", "streaming", "account-role", "weights-s3"])
func everyTypeOfTheServiceIsPricedOrFree(variant: String) throws {
    var config = ServiceConfig()
    switch variant {
    case "operations": config.ttlMinutes = 240; config.idlePause = true; config.alarmEmail = "ops@example.com"; config.maxInstances = 3
    case "streaming": config.streaming = true
    case "account-role": config.apiGatewayAccount = .on
    case "weights-s3": config.weights = .s3
    default: break
    }
    let estimate = Estimator.estimate(Stack.slmService(config), config: config)
    #expect(estimate.unpriced.isEmpty, "\(estimate.unpriced.map(\.resource))")
    #expect(!estimate.warnings.contains { $0.contains("is not priced") })
}

@Test func theCommittedTemplateHasNoUnpricedType() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let data = try Data(contentsOf: root.appendingPathComponent("templates/cloudformation/slmstack.template.json"))
    let inventory = try Inventory.of(template: data, region: "us-east-1", weightsGB: 2.2)
    #expect(inventory.notPriced.isEmpty, "\(inventory.notPriced.map(\.type))")
    // and a type slmstack does not render is not priced, not free
    var text = String(decoding: data, as: UTF8.self)
    text = text.replacingOccurrences(of: "\"Resources\": {", with: "\"Resources\": {\n    \"Extra\": {\"Type\": \"AWS::DynamoDB::Table\", \"Properties\": {}},")
    let extra = try Inventory.of(template: Data(text.utf8), region: "us-east-1", weightsGB: 2.2)
    #expect(extra.notPriced.map(\.type) == ["AWS::DynamoDB::Table"])
}

/// Prices follow the CloudFormation type, not the Swift type: a raw NAT gateway and a raw log group
/// are priced by the same rules as the model's own, from the model and from its template alike.
@Test func rawResourcesOfAPricedTypeArePricedByTheirType() throws {
    let stack = Stack("custom", description: "raw resources of priced types") {
        RawResource("Nat", type: "AWS::EC2::NatGateway", properties: ["SubnetId": "subnet-1", "AllocationId": "eipalloc-1"])
        RawResource("Logs", type: "AWS::Logs::LogGroup", properties: ["RetentionInDays": 30])
        RawResource("Gateway", type: "AWS::EC2::VPCEndpoint", properties: ["VpcEndpointType": "Gateway", "VpcId": "vpc-1"])
    }
    let fromModel = Inventory.of(stack, config: ServiceConfig())
    #expect(fromModel.natGateways == ["Nat"])
    #expect(fromModel.logGroups.map(\.retentionDays) == [30])
    #expect(fromModel.free.map(\.id) == ["Gateway"])
    #expect(fromModel.notPriced.isEmpty)
    let template = try JSONSerialization.data(withJSONObject: ["Resources": [
        "Nat": ["Type": "AWS::EC2::NatGateway", "Properties": [:]],
        "Logs": ["Type": "AWS::Logs::LogGroup", "Properties": ["RetentionInDays": 30]],
        "Gateway": ["Type": "AWS::EC2::VPCEndpoint", "Properties": ["VpcEndpointType": "Gateway"]],
    ]])
    let fromTemplate = try Inventory.of(template: template, region: "us-east-1", weightsGB: 0)
    #expect(fromTemplate.natGateways == fromModel.natGateways)
    #expect(fromTemplate.logGroups.map(\.retentionDays) == [30])
    #expect(fromTemplate.free.map(\.id) == ["Gateway"])
}
