import Foundation
import StackModel

/// Traffic assumptions for usage-priced components. Every figure is printed with the estimate.
public struct Usage: Sendable, Hashable, Codable {
    public var requestsPerMonth: Double = 100_000
    /// Average time a request spends in the Lambda shim, mostly waiting for the model.
    public var averageLatencyMs: Double = 2_000
    /// Response bytes sent to callers, in GB per month.
    public var gbOutPerMonth: Double = 1
    /// Bytes per request between the shim and the SageMaker Runtime endpoint (prompt + answer).
    public var bytesPerRequestInVpc: Double = 4_096
    /// Log bytes written per request (shim log line + API access log line).
    public var logBytesPerRequest: Double = 800
    /// VPC flow log data (REJECT records only), GB per month.
    public var flowLogGBPerMonth: Double = 0.05
    /// Model starts per instance per month (each downloads the weights through the NAT gateway).
    public var modelStartsPerMonth: Double = 1

    public init() {}
}

/// Whether a line is billed by the hour whatever the traffic, by use, or not at all.
public enum CostKind: String, Sendable, Codable {
    case baseline, usage, free
}

/// One line of an estimate: a cost component of one resource.
public struct CostLine: Sendable, Hashable, Codable {
    public var resource: String
    public var resourceType: String
    public var component: String
    public var kind: CostKind
    public var quantity: Double
    public var unit: String
    /// USD per unit, or nil when no price is known.
    public var unitPrice: Double?
    /// USD per month, or nil when no price is known.
    public var monthly: Double?
    public var priceSource: String?
}

/// A whole estimate: lines, totals, the assumptions and any warnings.
public struct Estimate: Sendable, Codable {
    public var region: String
    public var lines: [CostLine]
    public var assumptions: [String]
    public var warnings: [String]

    /// Hours in a billing month, as AWS's calculators use.
    public static let hoursPerMonth = 730.0

    public var baselineMonthly: Double { sum(.baseline) }
    public var usageMonthly: Double { sum(.usage) }
    public var totalMonthly: Double { baselineMonthly + usageMonthly }
    public var totalHourly: Double { totalMonthly / Self.hoursPerMonth }
    /// Lines that could not be priced: the total is a lower bound while any exist.
    public var unpriced: [CostLine] { lines.filter { $0.kind != .free && $0.monthly == nil } }

    private func sum(_ kind: CostKind) -> Double {
        lines.filter { $0.kind == kind }.compactMap(\.monthly).reduce(0, +)
    }
}

/// Why an estimate could not be made.
public enum CostError: Error, CustomStringConvertible, Equatable {
    case unreadableTemplate(String)
    case livePrices(String)

    public var description: String {
        switch self {
        case .unreadableTemplate(let why): "cannot read the committed template: \(why)"
        case .livePrices(let why): "live prices: \(why)"
        }
    }
}

/// Prices an inventory with a price table and usage assumptions.
public enum Estimator {
    /// The estimate for `inventory`.
    public static func estimate(_ inventory: Inventory, usage: Usage = Usage(), prices: PriceTable = .embedded) -> Estimate {
        var warnings: [String] = []
        var lines: [CostLine] = []
        let hours = Estimate.hoursPerMonth
        let region = inventory.region

        func line(_ resource: String, _ type: String, _ component: String, _ kind: CostKind, _ quantity: Double, _ key: String) {
            let price = prices.lookup(key, region: region, warnings: &warnings)
            let perUnit = price.map { $0.unit.hasPrefix("1M") ? $0.usd / 1_000_000 : $0.usd }
            lines.append(CostLine(resource: resource, resourceType: type, component: component, kind: kind, quantity: quantity,
                                  unit: price.map { $0.unit.hasPrefix("1M") ? String($0.unit.dropFirst(3)).trimmingCharacters(in: .whitespaces) : $0.unit } ?? "",
                                  unitPrice: perUnit, monthly: perUnit.map { $0 * quantity }, priceSource: price?.source))
        }

        // Baseline: billed every hour the stack exists.
        for endpoint in inventory.endpoints {
            line(endpoint.id, "AWS::SageMaker::EndpointConfig", "Instance usage (\(endpoint.instanceType), on-demand) x \(endpoint.count)",
                 .baseline, hours * Double(endpoint.count), "sagemaker.hosting.\(endpoint.instanceType)")
        }
        for nat in inventory.natGateways {
            line(nat, "AWS::EC2::NatGateway", "NAT gateway hours", .baseline, hours, "nat.hours")
        }
        for address in inventory.elasticIPs {
            line(address, "AWS::EC2::EIP", "Public IPv4 address hours", .baseline, hours, "ipv4.hours")
        }
        for endpoint in inventory.interfaceEndpoints {
            line(endpoint.id, "AWS::EC2::VPCEndpoint", "Interface endpoint AZ-hours (\(endpoint.zones) AZs)", .baseline, hours * Double(endpoint.zones), "vpce.az-hours")
        }
        for key in inventory.kmsKeys {
            line(key, "AWS::KMS::Key", "Customer managed key", .baseline, 1, "kms.key")
        }
        for alarm in inventory.alarms {
            line(alarm, "AWS::CloudWatch::Alarm", "Standard alarm", .baseline, 1, "cloudwatch.alarm")
        }

        // Usage: scales with traffic.
        let requests = usage.requestsPerMonth
        for api in inventory.restApis {
            var remaining = requests
            var floor = 0.0
            for (index, tier) in PriceTable.apiGatewayTiers.enumerated() where remaining > 0 {
                let size = tier.upTo.map { $0 - floor } ?? remaining
                let inTier = min(remaining, size)
                let label = ["first 333M", "next 667M", "next 19B", "over 20B"][index]
                line(api, "AWS::ApiGateway::RestApi", "REST requests (\(label))", .usage, inTier, tier.key)
                remaining -= inTier
                floor = tier.upTo ?? floor
            }
            line(api, "AWS::ApiGateway::RestApi", "Data transfer out", .usage, usage.gbOutPerMonth, "transfer.out")
        }
        for function in inventory.functions {
            line(function.id, "AWS::Lambda::Function", "Requests", .usage, requests, "lambda.requests")
            let gbSeconds = requests * usage.averageLatencyMs / 1000 * Double(function.memoryMB) / 1024
            line(function.id, "AWS::Lambda::Function", "Duration (\(function.memoryMB) MB x \(Int(usage.averageLatencyMs)) ms)", .usage, gbSeconds, "lambda.gb-seconds")
        }
        for nat in inventory.natGateways {
            let downloads = inventory.weightsGB * usage.modelStartsPerMonth * Double(inventory.endpoints.map(\.count).reduce(0, +))
            line(nat, "AWS::EC2::NatGateway", "Data processed (model weights)", .usage, downloads, "nat.gb")
        }
        for endpoint in inventory.interfaceEndpoints {
            line(endpoint.id, "AWS::EC2::VPCEndpoint", "Data processed", .usage, requests * usage.bytesPerRequestInVpc / 1e9, "vpce.gb")
        }
        if !inventory.logGroups.isEmpty {
            let ingest = requests * usage.logBytesPerRequest / 1e9 + usage.flowLogGBPerMonth
            let retentionMonths = Double(inventory.logGroups.map(\.retentionDays).max() ?? 30) / (hours / 24)
            let owner = inventory.logGroups.map(\.id).sorted().joined(separator: ", ")
            line(owner, "AWS::Logs::LogGroup", "Log ingestion", .usage, ingest, "logs.ingest")
            line(owner, "AWS::Logs::LogGroup", "Log storage (steady state, \(Int(retentionMonths.rounded())) months kept)", .usage,
                 ingest * retentionMonths, "logs.storage")
        }
        if inventory.tracing {
            line("ShimFunction, ApiStage", "AWS::XRay", "Traces recorded", .usage, requests, "xray.traces")
        }
        for free in inventory.free {
            lines.append(CostLine(resource: free.id, resourceType: free.type, component: "no charge", kind: .free, quantity: 0, unit: "",
                                  unitPrice: 0, monthly: 0, priceSource: nil))
        }

        let assumptions = [
            "\(Int(hours)) hours per month; on-demand prices; no free tier, Savings Plans or taxes",
            "\(format(requests)) requests per month, \(format(usage.averageLatencyMs)) ms average in the shim, \(format(usage.gbOutPerMonth)) GB out",
            "\(format(usage.bytesPerRequestInVpc)) bytes per request through the VPC endpoint, \(format(usage.logBytesPerRequest)) log bytes per request, \(format(usage.flowLogGBPerMonth)) GB flow logs",
            "model weights (\(format(inventory.weightsGB)) GB) downloaded through NAT \(format(usage.modelStartsPerMonth)) time(s) per instance per month",
        ]
        return Estimate(region: region, lines: lines, assumptions: assumptions, warnings: warnings)
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? Estimate.quantity(value) : String(format: "%.2f", value)
    }
}
