import AWSClient
import Cost
import Foundation
import StackModel

// `slmstack scan`: every SageMaker endpoint of an account and region, what it costs, whether it is
// used and who owns it.
//
// 1. `EndpointScanner.collect` asks AWS for the facts of each endpoint (SageMaker, CloudWatch).
// 2. `EndpointScan.classify` turns facts into prices, ages and findings: a pure function with an
//    injected clock, so tests need no AWS.

/// What AWS says about one SageMaker endpoint; the input of `EndpointScan.classify`.
public struct EndpointFacts: Sendable, Equatable {
    /// The endpoint's name.
    public var name: String
    /// Its status, for example `InService`.
    public var status: String
    /// When it was created, if AWS said.
    public var creationTime: Date?
    /// The instance type of its first production variant, if its configuration could be read.
    public var instanceType: String?
    /// The initial instance count of its first production variant.
    public var instanceCount: Int?
    /// The name of its first production variant (the CloudWatch `VariantName` dimension).
    public var variantName: String?
    /// Its tags.
    public var tags: [String: String]
    /// The sum of `Invocations` over the window, or nil when CloudWatch returned no datapoints.
    public var invocations: Double?

    public init(name: String, status: String, creationTime: Date?, instanceType: String?, instanceCount: Int?,
                variantName: String?, tags: [String: String], invocations: Double?) {
        self.name = name
        self.status = status
        self.creationTime = creationTime
        self.instanceType = instanceType
        self.instanceCount = instanceCount
        self.variantName = variantName
        self.tags = tags
        self.invocations = invocations
    }
}

/// Why `scan` flags an endpoint.
public enum ScanFinding: Sendable, Equatable, CustomStringConvertible {
    /// No invocations in the window although the endpoint is older than the idle threshold.
    case idle(windowDays: Int, ageHours: Double)
    /// A GPU endpoint that no stack claims by tag.
    case unownedGPU

    public var description: String {
        switch self {
        case .idle(let days, let age):
            "idle: 0 invocations in the last \(days) days, running for \(Int(age.rounded(.down))) hours: delete it, or destroy its stack"
        case .unownedGPU:
            "unowned GPU endpoint: no '\(SLMService.ownerTagKey)' or 'aws:cloudformation:stack-name' tag, so no destroy will remove it: delete it by hand or tag it with its owner"
        }
    }
}

/// One endpoint after classification: its facts, its cost so far and what is wrong with it.
public struct ScannedEndpoint: Sendable, Equatable {
    /// What AWS said.
    public var facts: EndpointFacts
    /// Hours since creation, or nil when the creation time is unknown.
    public var ageHours: Double?
    /// Price per hour for all its instances, or nil when the instance type is not in the price table.
    public var hourlyUSD: Double?
    /// Hours billed this UTC month × hourly price, or nil when either is unknown.
    public var monthToDateUSD: Double?
    /// The stack that owns it (from its tags), or nil.
    public var owner: String?
    /// Whether its instance type has NVIDIA GPUs; unknown types count as GPU to be safe.
    public var isGPU: Bool
    /// Why it is flagged; empty when it is owned and used.
    public var findings: [ScanFinding]
}

/// The result of a scan: the endpoints in name order and the warnings met on the way.
public struct ScanReport: Sendable, Equatable {
    /// Every endpoint, sorted by name.
    public var endpoints: [ScannedEndpoint]
    /// Unknown prices, unreadable configurations, missing metrics.
    public var warnings: [String]
    /// The region that was scanned.
    public var region: String

    /// The endpoints with at least one finding.
    public var flagged: [ScannedEndpoint] { endpoints.filter { !$0.findings.isEmpty } }
}

/// The pure part of `scan`: prices, ages, ownership and findings from facts.
public enum EndpointScan {
    /// The CloudWatch window for invocations, in days.
    public static let windowDays = 7

    /// Statuses in which an endpoint's instances are billed.
    static let billingStatuses: Set<String> = ["InService", "Creating", "Updating", "SystemUpdating", "RollingBack", "UpdateRollbackFailed"]

    /// The stack that owns an endpoint: the slmstack owner tag, else CloudFormation's own tag.
    public static func owner(_ tags: [String: String]) -> String? {
        for key in [SLMService.ownerTagKey, "aws:cloudformation:stack-name"] {
            if let value = tags[key], !value.isEmpty { return value }
        }
        return nil
    }

    /// Whether an instance type has NVIDIA GPUs; unknown or missing types count as GPU.
    public static func isGPU(_ instanceType: String?) -> Bool {
        guard let instanceType, let known = InstanceCatalog.types[instanceType] else { return true }
        return known.accelerator == .nvidia
    }

    /// The start of `date`'s month in UTC.
    public static func startOfUTCMonth(_ date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: date)
        return calendar.date(from: parts) ?? date
    }

    /// Hours billed this UTC month: from max(creation, start of month) to `now`, never negative.
    public static func monthToDateHours(created: Date, now: Date) -> Double {
        max(0, now.timeIntervalSince(max(created, startOfUTCMonth(now))) / 3600)
    }

    /// Classifies endpoints.
    ///
    /// An endpoint is flagged when its instances bill (`InService`, `Creating`, …) and either
    /// 1. it had no invocations in the last `windowDays` days (no datapoints counts as none) and is
    ///    older than `idleHours`, or
    /// 2. it is a GPU endpoint (unknown types included) that no stack owns by tag.
    ///
    /// - Parameters:
    ///   - facts: what AWS said, one per endpoint.
    ///   - region: the region, for prices.
    ///   - idleHours: how old an endpoint without invocations must be to count as idle.
    ///   - now: the clock.
    ///   - prices: the price table (`sagemaker.hosting.<type>` per instance-hour).
    /// - Returns: the report, endpoints in name order.
    public static func classify(_ facts: [EndpointFacts], region: String, idleHours: Double, now: Date,
                                prices: PriceTable = .embedded) -> ScanReport {
        var warnings: [String] = []
        var scanned: [ScannedEndpoint] = []
        for fact in facts.sorted(by: { $0.name < $1.name }) {
            var hourly: Double?
            if let type = fact.instanceType {
                var priceWarnings: [String] = []
                if let price = prices.lookup(PriceTable.hostingKey(type), region: region, warnings: &priceWarnings) {
                    hourly = price.usd * Double(fact.instanceCount ?? 1)
                    warnings += priceWarnings.filter { !warnings.contains($0) }
                } else {
                    warnings.append("\(fact.name): no price for \(type) in the embedded table: hourly and month-to-date cost are unknown")
                }
            } else {
                warnings.append("\(fact.name): its endpoint configuration could not be read: instance type, price and cost are unknown")
            }
            let age = fact.creationTime.map { max(0, now.timeIntervalSince($0) / 3600) }
            let monthToDate = fact.creationTime.flatMap { created in hourly.map { monthToDateHours(created: created, now: now) * $0 } }
            let owner = Self.owner(fact.tags)
            let gpu = isGPU(fact.instanceType)
            var findings: [ScanFinding] = []
            if billingStatuses.contains(fact.status) {
                if (fact.invocations ?? 0) == 0, let age, age > idleHours {
                    findings.append(.idle(windowDays: windowDays, ageHours: age))
                }
                if owner == nil, gpu { findings.append(.unownedGPU) }
            }
            scanned.append(ScannedEndpoint(facts: fact, ageHours: age, hourlyUSD: hourly, monthToDateUSD: monthToDate,
                                           owner: owner, isGPU: gpu, findings: findings))
        }
        return ScanReport(endpoints: scanned, warnings: warnings, region: region)
    }
}

/// The AWS part of `scan`: lists endpoints and reads their configuration, tags and invocations.
public struct EndpointScanner: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) { self.client = client }

    /// The facts of every endpoint in the client's region.
    ///
    /// - Parameter now: the end of the invocation window.
    /// - Returns: one `EndpointFacts` per endpoint; a configuration that cannot be read leaves the
    ///   instance type nil (the endpoint is then priced as unknown and treated as GPU).
    /// - Throws: `AWSClientError` when listing, describing or tagging fails.
    public func collect(now: Date) async throws -> [EndpointFacts] {
        let sagemaker = SageMakerAPI(client: client)
        var facts: [EndpointFacts] = []
        for listed in try await sagemaker.listEndpoints() {
            // An endpoint deleted since the listing (SageMaker says so) keeps what the listing said;
            // any other failure fails the scan.
            let endpoint = try await sagemaker.endpointIfExists(listed.name) ?? listed
            var variant: (name: String?, type: String?, count: Int?) = (nil, nil, nil)
            if let config = endpoint.configName {
                // The configuration may be gone while the endpoint still runs on it.
                let answer: JSONValue?
                do {
                    answer = try await client.json(.sageMaker, operation: "DescribeEndpointConfig", body: ["EndpointConfigName": .string(config)])
                } catch where SageMakerAPI.isMissing(error, "endpoint configuration") || SageMakerAPI.isMissing(error, "endpoint_config") {
                    answer = nil
                }
                if let answer {
                    guard let first = try answer.require("ProductionVariants", operation: "sagemaker DescribeEndpointConfig").array?.first else {
                        throw AWSClientError.invalidResponse(operation: "sagemaker DescribeEndpointConfig", reason: "ProductionVariants is not a list with a variant")
                    }
                    variant = (first["VariantName"]?.string, first["InstanceType"]?.string, first["InitialInstanceCount"]?.int)
                }
            }
            let tags = try await sagemaker.tags(endpoint.arn.isEmpty ? listed.arn : endpoint.arn)
            let invocations = try await self.invocations(endpoint: endpoint.name, variant: variant.name ?? "AllTraffic", now: now)
            facts.append(EndpointFacts(name: endpoint.name, status: endpoint.status, creationTime: endpoint.creationTime ?? listed.creationTime,
                                       instanceType: variant.type, instanceCount: variant.count, variantName: variant.name,
                                       tags: tags, invocations: invocations))
        }
        return facts
    }

    /// The sum of `AWS/SageMaker` `Invocations` for one variant over the last `EndpointScan.windowDays`
    /// days (daily periods), or nil when CloudWatch has no datapoints.
    public func invocations(endpoint: String, variant: String, now: Date) async throws -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        let start = now.addingTimeInterval(-Double(EndpointScan.windowDays) * 86_400)
        let answer = try await client.query(.cloudWatch, action: "GetMetricStatistics", parameters: [
            ("Namespace", "AWS/SageMaker"),
            ("MetricName", "Invocations"),
            ("Dimensions.member.1.Name", "EndpointName"), ("Dimensions.member.1.Value", endpoint),
            ("Dimensions.member.2.Name", "VariantName"), ("Dimensions.member.2.Value", variant),
            ("StartTime", formatter.string(from: start)),
            ("EndTime", formatter.string(from: now)),
            ("Period", "86400"),
            ("Statistics.member.1", "Sum"),
        ])
        let points = try answer.require("GetMetricStatisticsResult", operation: "monitoring GetMetricStatistics").child("Datapoints")?.members ?? []
        guard !points.isEmpty else { return nil }
        return points.compactMap { $0.value("Sum").flatMap(Double.init) }.reduce(0, +)
    }
}
