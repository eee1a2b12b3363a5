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
    /// Alarm notifications per month: each is one publish to the alarm topic and one e-mail per
    /// subscription (about one a day).
    public var alarmNotificationsPerMonth: Double = 30
    /// Times per month the idle alarm invokes the pause function (with `idle-pause`).
    public var idlePausesPerMonth: Double = 30
    /// Average run time of the pause function (one DescribeStacks and one UpdateStack call).
    public var pauseFunctionMs: Double = 2_000
    /// Average billed time of an API key authorizer invocation (it reads two headers; cold starts
    /// included).
    public var authorizerMs: Double = 5
    /// Log bytes an authorizer invocation writes (Lambda's START, END and REPORT lines).
    public var authorizerLogBytesPerRequest: Double = 350
    /// With scale to zero: wakes per day (each starts an instance, which downloads the weights).
    public var wakesPerDay: Double = 1

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
    /// Monthly quantity at the autoscaling maximum, when the line scales with the instance count.
    public var quantityMax: Double?
    /// USD per month at the autoscaling maximum, when the line scales with the instance count.
    public var monthlyMax: Double?
}

/// A whole estimate: lines, totals, the assumptions and any warnings; with the same stack paused,
/// the autoscaling range and the most a TTL lets it cost, when those apply.
public struct Estimate: Sendable, Codable {
    public var region: String
    /// The lines of the stack as estimated (running, unless `isPaused`), at the autoscaling minimum.
    public var lines: [CostLine]
    public var assumptions: [String]
    public var warnings: [String]
    /// Whether these lines are those of a paused stack (`Paused=true`).
    public var isPaused: Bool = false
    /// Total instances across endpoints, when autoscaling makes it a range.
    public var instances: ClosedRange<Int>?
    /// The stack's time to live in minutes (`ttl`), when it deletes itself.
    public var ttlMinutes: Int?
    /// The same stack with `Paused=true`, when it can be paused and these lines are of it running.
    public var whenPaused: PausedEstimate?
    /// The SageMaker endpoints' resources: all that Terraform's TTL deletes (see `terraformTTL`).
    public var endpointResources: [String] = []
    /// With `scaling zero`: idle and awake rates, the monthly figure and the break-even against
    /// always-on (Estimator+ScaleToZero.swift).
    public var scaleToZero: ScaleToZeroFigures?

    /// Hours in a billing month, as AWS's calculators use.
    public static let hoursPerMonth = 730.0

    public var baselineMonthly: Double { sum(.baseline) }
    public var usageMonthly: Double { sum(.usage) }
    public var totalMonthly: Double { baselineMonthly + usageMonthly }
    public var totalHourly: Double { totalMonthly / Self.hoursPerMonth }
    /// Lines that could not be priced: the total is a lower bound while any exist.
    public var unpriced: [CostLine] { lines.filter { $0.kind != .free && $0.monthly == nil } }

    /// Whether some lines are a range (autoscaling between a minimum and a maximum instance count).
    public var hasRange: Bool { lines.contains { $0.monthlyMax != nil } }
    /// Baseline at the autoscaling maximum (the baseline when there is no autoscaling).
    public var baselineMonthlyMax: Double { sum(.baseline, atMax: true) }
    /// Usage at the autoscaling maximum (the usage when there is no autoscaling).
    public var usageMonthlyMax: Double { sum(.usage, atMax: true) }
    /// The total at the autoscaling maximum: the worst case, which the budget gate checks.
    public var totalMonthlyMax: Double { baselineMonthlyMax + usageMonthlyMax }
    public var totalHourlyMax: Double { totalMonthlyMax / Self.hoursPerMonth }
    /// The monthly figure a budget is checked against: the total at the autoscaling maximum.
    public var worstCaseMonthly: Double { totalMonthlyMax }
    /// Standing charges per hour at the autoscaling maximum: the baseline, which accrues by the
    /// hour whatever the traffic.
    public var standingHourlyMax: Double { baselineMonthlyMax / Self.hoursPerMonth }
    /// The most the stack's standing charges can come to before its TTL deletes it: standing
    /// charges per hour (at the autoscaling maximum) times the TTL in hours. Usage comes on top.
    public var ttlMaxCost: Double? { ttlMinutes.map { standingHourlyMax * Double($0) / 60 } }
    /// What pausing saves per month against running (at the autoscaling minimum).
    public var pauseSavingMonthly: Double? { whenPaused.map { totalMonthly - $0.totalMonthly } }

    private func sum(_ kind: CostKind, atMax: Bool = false) -> Double {
        lines.filter { $0.kind == kind }.compactMap { atMax ? ($0.monthlyMax ?? $0.monthly) : $0.monthly }.reduce(0, +)
    }
}

/// The bill of a stack while paused (`Paused=true`): the lines that remain.
public struct PausedEstimate: Sendable, Codable {
    public var lines: [CostLine]

    public init(lines: [CostLine]) { self.lines = lines }

    public var baselineMonthly: Double { lines.filter { $0.kind == .baseline }.compactMap(\.monthly).reduce(0, +) }
    public var usageMonthly: Double { lines.filter { $0.kind == .usage }.compactMap(\.monthly).reduce(0, +) }
    public var totalMonthly: Double { baselineMonthly + usageMonthly }
    public var totalHourly: Double { totalMonthly / Estimate.hoursPerMonth }
    /// The paused lines as an estimate, for `CostDelta`.
    func asEstimate(region: String) -> Estimate {
        Estimate(region: region, lines: lines, assumptions: [], warnings: [], isPaused: true)
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
    /// The estimate for `inventory`, in the state it was counted in (running or paused).
    public static func estimate(_ inventory: Inventory, usage: Usage = Usage(), prices: PriceTable = .embedded) -> Estimate {
        var warnings: [String] = inventory.warnings
        var lines: [CostLine] = []
        let hours = Estimate.hoursPerMonth
        let region = inventory.region

        func line(_ resource: String, _ type: String, _ component: String, _ kind: CostKind, _ quantity: Double, _ key: String,
                  max quantityMax: Double? = nil) {
            let price = prices.lookup(key, region: region, warnings: &warnings)
            let perUnit = price.map { $0.unit.hasPrefix("1M") ? $0.usd / 1_000_000 : $0.usd }
            lines.append(CostLine(resource: resource, resourceType: type, component: component, kind: kind, quantity: quantity,
                                  unit: price.map { $0.unit.hasPrefix("1M") ? String($0.unit.dropFirst(3)).trimmingCharacters(in: .whitespaces) : $0.unit } ?? "",
                                  unitPrice: perUnit, monthly: perUnit.map { $0 * quantity }, priceSource: price?.source,
                                  quantityMax: quantityMax, monthlyMax: quantityMax.flatMap { q in perUnit.map { $0 * q } }))
        }

        // Baseline: billed every hour the stack exists.
        var instancesLow = 0, instancesHigh = 0
        for endpoint in inventory.endpoints {
            let range = inventory.scaling[endpoint.id]
            let low = range?.lowerBound ?? endpoint.count
            instancesLow += low
            instancesHigh += range?.upperBound ?? endpoint.count
            let count = range.map { "\($0.lowerBound) to \($0.upperBound) (autoscaling)" } ?? String(endpoint.count)
            line(endpoint.id, "AWS::SageMaker::EndpointConfig", "Instance usage (\(endpoint.instanceType), on-demand) x \(count)",
                 .baseline, hours * Double(low), PriceTable.hostingKey(endpoint.instanceType),
                 max: range.map { hours * Double($0.upperBound) })
        }
        for host in inventory.componentHosts {
            // scale to zero: no instance while idle; while awake the instances one copy of each model needs
            let awake = inventory.awakeInstances > 1 ? " x \(inventory.awakeInstances) (one copy of each model)" : ""
            line(host.id, "AWS::SageMaker::EndpointConfig",
                 "Instance usage (\(host.instanceType), on-demand)\(awake) while awake, \(format(inventory.awakeHoursPerDay)) h/day (scale to zero, up to \(host.maxInstances))",
                 .usage, inventory.awakeHoursPerDay * hours / 24 * Double(inventory.awakeInstances), PriceTable.hostingKey(host.instanceType),
                 max: hours * Double(host.maxInstances))
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
        if inventory.stagedWeightsGB > 0 {
            line("slmstack-assets bucket", "AWS::S3::Bucket", "Staged model weights (\(format(inventory.stagedWeightsGB)) GB, S3 Standard; read through the free S3 gateway endpoint)",
                 .baseline, inventory.stagedWeightsGB, "s3.storage")
        }
        for key in inventory.kmsKeys {
            line(key, "AWS::KMS::Key", "Customer managed key", .baseline, 1, "kms.key")
        }
        for alarm in inventory.alarms {
            let detail = inventory.alarmDetails[alarm] ?? Inventory.AlarmDetail()
            var notes: [String] = []
            if detail.metrics > 1 { notes.append("\(detail.metrics) metrics") }
            if let percentile = detail.percentile { notes.append("\(percentile) percentile, same price") }
            let name = (detail.highResolution ? "High-resolution alarm" : "Standard alarm") + (notes.isEmpty ? "" : " (\(notes.joined(separator: ", ")))")
            line(alarm, "AWS::CloudWatch::Alarm", name, .baseline, Double(detail.metrics),
                 detail.highResolution ? "cloudwatch.alarm.high-resolution" : "cloudwatch.alarm")
        }
        for policy in inventory.scalingPolicies {
            line(policy.id, "AWS::ApplicationAutoScaling::ScalingPolicy",
                 "Target tracking alarms (\(policy.alarms == 2 ? "scale-out and scale-in" : "scale-out"), created by Application Auto Scaling)",
                 .baseline, Double(policy.alarms),
                 inventory.highResolutionPolicies.contains(policy.id) ? "cloudwatch.alarm.high-resolution" : "cloudwatch.alarm")
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
        // Each API request reaches one function: with several (the shim and the streaming chat
        // function) the requests are split between them, assumed evenly, never counted twice.
        let perFunction = requests / Double(max(1, inventory.functions.count))
        let share = inventory.functions.count > 1 ? " (1/\(inventory.functions.count) of the API's: each reaches one function)" : ""
        for function in inventory.functions {
            line(function.id, "AWS::Lambda::Function", "Requests" + share, .usage, perFunction, "lambda.requests")
            let gbSeconds = perFunction * usage.averageLatencyMs / 1000 * Double(function.memoryMB) / 1024
            line(function.id, "AWS::Lambda::Function", "Duration (\(function.memoryMB) MB x \(Int(usage.averageLatencyMs)) ms)", .usage, gbSeconds, "lambda.gb-seconds")
        }
        // An uncached authorizer runs once per request (see docs/http-api.md, API keys).
        for function in inventory.authorizerFunctions {
            line(function.id, "AWS::Lambda::Function", "Requests (authorizer, one per API request)", .usage, requests, "lambda.requests")
            let gbSeconds = requests * usage.authorizerMs / 1000 * Double(function.memoryMB) / 1024
            line(function.id, "AWS::Lambda::Function", "Duration (\(function.memoryMB) MB x \(format(usage.authorizerMs)) ms)", .usage, gbSeconds, "lambda.gb-seconds")
        }
        for function in inventory.alarmFunctions {
            let invocations = function.armed ? usage.idlePausesPerMonth : 0
            line(function.id, "AWS::Lambda::Function", "Requests (idle alarm invocations)", .usage, invocations, "lambda.requests")
            let gbSeconds = invocations * usage.pauseFunctionMs / 1000 * Double(function.memoryMB) / 1024
            line(function.id, "AWS::Lambda::Function", "Duration (\(function.memoryMB) MB x \(Int(usage.pauseFunctionMs)) ms)", .usage, gbSeconds, "lambda.gb-seconds")
        }
        for nat in inventory.natGateways {
            let perInstance = inventory.weightsGB * usage.modelStartsPerMonth
            // each wake starts an instance that downloads the weights
            let wakes = inventory.awakeHoursPerDay > 0 ? Double(inventory.componentHosts.count) * usage.wakesPerDay * hours / 24 : 0
            line(nat, "AWS::EC2::NatGateway", "Data processed (model weights)" + (wakes > 0 ? ", \(format(usage.wakesPerDay)) wake(s) a day" : ""), .usage,
                 perInstance * Double(instancesLow) + inventory.weightsGB * wakes, "nat.gb",
                 max: instancesHigh != instancesLow ? perInstance * Double(instancesHigh) : nil)
        }
        for endpoint in inventory.interfaceEndpoints {
            line(endpoint.id, "AWS::EC2::VPCEndpoint", "Data processed", .usage, requests * usage.bytesPerRequestInVpc / 1e9, "vpce.gb")
        }
        if !inventory.logGroups.isEmpty {
            let authorizerLogs = inventory.authorizerFunctions.isEmpty ? 0 : usage.authorizerLogBytesPerRequest
            let ingest = requests * (usage.logBytesPerRequest + authorizerLogs) / 1e9 + usage.flowLogGBPerMonth
            let retentionMonths = Double(inventory.logGroups.map(\.retentionDays).max() ?? 30) / (hours / 24)
            let owner = inventory.logGroups.map(\.id).sorted().joined(separator: ", ")
            line(owner, "AWS::Logs::LogGroup", "Log ingestion", .usage, ingest, "logs.ingest")
            line(owner, "AWS::Logs::LogGroup", "Log storage (steady state, \(Int(retentionMonths.rounded())) months kept)", .usage,
                 ingest * retentionMonths, "logs.storage")
        }
        if inventory.tracing {
            line("ShimFunction, ApiStage", "AWS::XRay", "Traces recorded", .usage, requests, "xray.traces")
        }
        for topic in inventory.topics {
            line(topic, "AWS::SNS::Topic", "Alarm notifications published", .usage, usage.alarmNotificationsPerMonth, "sns.requests")
        }
        for subscription in inventory.emailSubscriptions {
            line(subscription, "AWS::SNS::Subscription", "E-mail notifications", .usage, usage.alarmNotificationsPerMonth, "sns.email")
        }
        for schedule in inventory.schedules {
            line(schedule.id, "AWS::Scheduler::Schedule", schedule.invocationsPerMonth == 1 ? "Scheduled invocation (one-time)" : "Scheduled invocations",
                 .usage, schedule.invocationsPerMonth, "scheduler.invocations")
        }
        for other in inventory.notPriced {
            lines.append(CostLine(resource: other.id, resourceType: other.type, component: "not priced", kind: .baseline, quantity: 0, unit: "",
                                  unitPrice: nil, monthly: nil, priceSource: nil))
            warnings.append("\(other.id) (\(other.type)) is not priced: slmstack has no price rule for that type, so the totals leave it out; check its pricing page")
        }
        for free in inventory.free {
            lines.append(CostLine(resource: free.id, resourceType: free.type, component: "no charge", kind: .free, quantity: 0, unit: "",
                                  unitPrice: 0, monthly: 0, priceSource: nil))
        }

        var assumptions = [
            "\(Int(hours)) hours per month; on-demand prices; no free tier (CloudWatch's 10 alarms, Lambda's 1M requests, SNS's 1M publishes and 1,000 e-mails, Scheduler's 14M invocations are per account), Savings Plans or taxes",
            "\(format(requests)) requests per month, \(format(usage.averageLatencyMs)) ms average in the shim, \(format(usage.gbOutPerMonth)) GB out",
            "\(format(usage.bytesPerRequestInVpc)) bytes per request through the VPC endpoint, \(format(usage.logBytesPerRequest)) log bytes per request, \(format(usage.flowLogGBPerMonth)) GB flow logs",
            inventory.stagedWeightsGB > 0
                ? "model weights (\(format(inventory.weightsGB)) GB) staged in the assets bucket by stage-model and read through the S3 gateway endpoint (no charge) at each start; no NAT gateway"
                : "model weights (\(format(inventory.weightsGB)) GB) downloaded through NAT \(format(usage.modelStartsPerMonth)) time(s) per instance per month",
        ]
        if !inventory.topics.isEmpty {
            assumptions.append("\(format(usage.alarmNotificationsPerMonth)) alarm notifications per month; CloudWatch alarms are billed per alarm metric by resolution, whatever the statistic (percentiles included)")
        }
        if !inventory.authorizerFunctions.isEmpty {
            assumptions.append("API keys from x-api-key or Authorization: Bearer: one uncached authorizer invocation per request, \(format(usage.authorizerMs)) ms and \(format(usage.authorizerLogBytesPerRequest)) log bytes each")
        }
        if !inventory.alarmFunctions.isEmpty {
            assumptions.append("the idle alarm pauses the stack \(format(usage.idlePausesPerMonth)) time(s) per month, \(format(usage.pauseFunctionMs)) ms each")
        }
        if inventory.free.contains(where: { ["SqsQueue", "AWS::SQS::Queue"].contains($0.type) }) {
            // aws.amazon.com/sqs/pricing: standard queues bill per request ($0.40 per million, first million a month free), nothing per queue or stored message
            assumptions.append("the TTL's dead-letter queue is priced at $0: SQS bills requests only ($0.40 per million; nothing per queue or stored message), and it gets at most one message per TTL plus one read per status or scan")
        }
        if instancesLow != instancesHigh {
            assumptions.append("autoscaling from \(instancesLow) to \(instancesHigh) instance(s): totals at the minimum, with the maximum beside them; the budget is checked against the maximum")
        }
        if let ttl = inventory.ttlMinutes {
            assumptions.append("TTL \(DurationText.format(minutes: ttl)): the stack deletes itself after that; its standing charges cost at most their hourly rate (at the most instances) times the TTL, usage on top, plus the minutes the deletion takes")
        }
        var estimate = Estimate(region: region, lines: lines, assumptions: assumptions, warnings: warnings, isPaused: inventory.paused,
                                instances: instancesLow != instancesHigh ? instancesLow...instancesHigh : nil, ttlMinutes: inventory.ttlMinutes)
        estimate.endpointResources = inventory.endpoints.map(\.id)
        return estimate
    }

    /// The estimate of a stack running, with the same stack paused beside it (what `slmstack pause`
    /// leaves, and so what it saves).
    ///
    /// - Parameters:
    ///   - running: the stack as it runs (`Paused=false`).
    ///   - paused: the same stack with `Paused=true`, or nil when it cannot be paused.
    public static func estimate(running: Inventory, paused: Inventory?, usage: Usage = Usage(), prices: PriceTable = .embedded) -> Estimate {
        var estimate = Self.estimate(running, usage: usage, prices: prices)
        guard let paused, paused.paused, !running.paused else { return estimate }
        let whenPaused = Self.estimate(paused, usage: usage, prices: prices)
        estimate.whenPaused = PausedEstimate(lines: whenPaused.lines)
        for warning in whenPaused.warnings where !estimate.warnings.contains(warning) { estimate.warnings.append(warning) }
        estimate.assumptions.append("paused (Paused=true): the endpoint, the NAT gateway and its address, and the alarms and scaling on them are removed; the same traffic is assumed (the API answers 503 paused)")
        return estimate
    }

    /// The estimate of a model stack running, with it paused beside it, and its TTL if it has one.
    public static func estimate(_ stack: Stack, config: ServiceConfig, usage: Usage = Usage(), prices: PriceTable = .embedded) -> Estimate {
        var estimate = estimate(running: Inventory.of(stack, config: config, paused: false), paused: Inventory.of(stack, config: config, paused: true),
                                usage: usage, prices: prices)
        addScaleToZero(&estimate, config: config, usage: usage, prices: prices)
        return estimate
    }

    /// The estimate of a CloudFormation template deployed with these parameter values (the rest at
    /// their defaults); when that is the stack running and it has a `Paused` parameter, with the
    /// paused stack beside it.
    ///
    /// - Parameters:
    ///   - parameters: parameter values by name, for example `["Paused": "true"]` for a paused stack.
    ///   - ttlMinutes: the stack's TTL, which a template does not record as a duration.
    /// - Throws: `CostError.unreadableTemplate` when the text is not a template.
    public static func estimate(template data: Data, region: String, weightsGB: Double, parameters: [String: String] = [:],
                                ttlMinutes: Int? = nil, usage: Usage = Usage(), prices: PriceTable = .embedded) throws -> Estimate {
        var given = try Inventory.of(template: data, region: region, weightsGB: weightsGB, parameters: parameters)
        given.ttlMinutes = ttlMinutes
        var paused = parameters
        paused[SLMService.pausedParameter.name.rawValue] = "true"
        let whenPaused = given.paused ? nil : try Inventory.of(template: data, region: region, weightsGB: weightsGB, parameters: paused)
        return estimate(running: given, paused: whenPaused, usage: usage, prices: prices)
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? Estimate.quantity(value) : String(format: "%.2f", value)
    }
}
