import Foundation
import StackModel

/// What a stack contains that costs money, counted from the model or from a template.
public struct Inventory: Sendable, Hashable {
    public var region: String
    /// (logical ID, instance type, count) per SageMaker endpoint configuration.
    public var endpoints: [(id: String, instanceType: String, count: Int)] = []
    public var natGateways: [String] = []
    public var elasticIPs: [String] = []
    /// (logical ID, number of subnets = AZs) per interface endpoint.
    public var interfaceEndpoints: [(id: String, zones: Int)] = []
    public var restApis: [String] = []
    /// (logical ID, memory MB) per Lambda function.
    public var functions: [(id: String, memoryMB: Int)] = []
    /// (logical ID, retention days) per log group.
    public var logGroups: [(id: String, retentionDays: Int)] = []
    public var kmsKeys: [String] = []
    public var alarms: [String] = []
    public var tracing: Bool = false
    /// Resources that cost nothing by themselves: (logical ID, type).
    public var free: [(id: String, type: String)] = []
    /// GB of model weights each instance downloads through the NAT gateway when it starts.
    public var weightsGB: Double = 0

    public init(region: String) { self.region = region }

    public static func == (a: Inventory, b: Inventory) -> Bool { a.summary == b.summary }
    public func hash(into hasher: inout Hasher) { hasher.combine(summary) }
    var summary: String {
        "\(region)|\(endpoints.map { "\($0.id):\($0.instanceType)x\($0.count)" })|\(natGateways)|\(elasticIPs)|\(interfaceEndpoints.map { "\($0.id):\($0.zones)" })|\(functions.map { "\($0.id):\($0.memoryMB)" })|\(logGroups.map { "\($0.id):\($0.retentionDays)" })|\(kmsKeys)|\(alarms)|\(tracing)"
    }

    /// Counts the priced resources of a model stack.
    public static func of(_ stack: Stack, config: ServiceConfig) -> Inventory {
        var inventory = Inventory(region: config.region)
        inventory.weightsGB = (config.modelSpec?.weightBytes ?? 0) / 1e9
        for resource in stack.resources {
            let id = resource.id.rawValue
            switch resource {
            case let r as EndpointConfig: inventory.endpoints.append((id, r.instanceType, r.instanceCount))
            case is NatGateway: inventory.natGateways.append(id)
            case is ElasticIP: inventory.elasticIPs.append(id)
            case let r as InterfaceEndpoint: inventory.interfaceEndpoints.append((id, r.subnets.count))
            case is RestApi: inventory.restApis.append(id)
            case let r as LambdaFunction:
                inventory.functions.append((id, r.memoryMB))
                inventory.tracing = inventory.tracing || r.tracing
            case let r as LogGroup: inventory.logGroups.append((id, r.retentionDays))
            case is KmsKey: inventory.kmsKeys.append(id)
            default: inventory.free.append((id, type(of: resource).kind))
            }
        }
        return inventory
    }

    /// Counts the priced resources of a CloudFormation template (for `cost --diff` against
    /// committed files).
    ///
    /// - Throws: `CostError.unreadableTemplate` when the text is not a template.
    public static func of(template data: Data, region: String, weightsGB: Double) throws -> Inventory {
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let resources = document["Resources"] as? [String: Any] else {
            throw CostError.unreadableTemplate("not a CloudFormation template with a Resources section")
        }
        var inventory = Inventory(region: region)
        inventory.weightsGB = weightsGB
        for id in resources.keys.sorted() {
            guard let resource = resources[id] as? [String: Any], let type = resource["Type"] as? String else { continue }
            let properties = resource["Properties"] as? [String: Any] ?? [:]
            switch type {
            case "AWS::SageMaker::EndpointConfig":
                for case let variant as [String: Any] in properties["ProductionVariants"] as? [Any] ?? [] {
                    inventory.endpoints.append((id, variant["InstanceType"] as? String ?? "?", (variant["InitialInstanceCount"] as? NSNumber)?.intValue ?? 1))
                }
            case "AWS::EC2::NatGateway": inventory.natGateways.append(id)
            case "AWS::EC2::EIP": inventory.elasticIPs.append(id)
            case "AWS::EC2::VPCEndpoint": inventory.interfaceEndpoints.append((id, (properties["SubnetIds"] as? [Any])?.count ?? 0))
            case "AWS::ApiGateway::RestApi": inventory.restApis.append(id)
            case "AWS::Lambda::Function":
                inventory.functions.append((id, (properties["MemorySize"] as? NSNumber)?.intValue ?? 128))
                inventory.tracing = inventory.tracing || (properties["TracingConfig"] as? [String: Any])?["Mode"] as? String == "Active"
            case "AWS::Logs::LogGroup": inventory.logGroups.append((id, (properties["RetentionInDays"] as? NSNumber)?.intValue ?? 3653))
            case "AWS::KMS::Key": inventory.kmsKeys.append(id)
            case "AWS::CloudWatch::Alarm": inventory.alarms.append(id)
            default: inventory.free.append((id, type))
            }
        }
        return inventory
    }
}
