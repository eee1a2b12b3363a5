/// One price: what is billed, in which region, how much per unit, and where the figure came from.
public struct Price: Sendable, Hashable, Codable {
    /// What is billed, for example `sagemaker.hosting.ml.g5.xlarge` or `nat.hours`.
    public var key: String
    public var region: String
    /// US dollars per `unit`.
    public var usd: Double
    /// The billing unit, for example `hour`, `GB`, `1M requests`.
    public var unit: String
    /// Where the figure was read.
    public var source: String
    /// When it was read (YYYY-MM-DD).
    public var asOf: String

    public init(key: String, region: String, usd: Double, unit: String, source: String, asOf: String) {
        self.key = key
        self.region = region
        self.usd = usd
        self.unit = unit
        self.source = source
        self.asOf = asOf
    }
}

/// The prices slmstack knows, offline.
///
/// Every entry carries its region, unit, source and date. Only figures checked against the AWS
/// pricing pages are embedded (us-east-1); other regions fall back to the us-east-1 figure with a
/// visible warning, and `--live-prices` asks the AWS Price List API for the real ones.
public struct PriceTable: Sendable {
    public var prices: [Price]

    public init(prices: [Price]) { self.prices = prices }

    /// The region whose figures stand in for a region the table does not cover.
    public static let fallbackRegion = "us-east-1"

    /// API Gateway REST request tiers: up to this many requests per month (nil: the rest), price key.
    public static let apiGatewayTiers: [(upTo: Double?, key: String)] = [
        (333_000_000, "apigateway.rest.tier1"),
        (1_000_000_000, "apigateway.rest.tier2"),
        (20_000_000_000, "apigateway.rest.tier3"),
        (nil, "apigateway.rest.tier4"),
    ]

    /// The price key of SageMaker real-time hosting on `instanceType`, per instance-hour: the one
    /// place the key is spelled.
    public static func hostingKey(_ instanceType: String) -> String { "sagemaker.hosting.\(instanceType)" }

    /// The embedded table.
    public static let embedded: PriceTable = {
        let date = "2026-11-22"
        func p(_ key: String, _ usd: Double, _ unit: String, _ source: String) -> Price {
            Price(key: key, region: "us-east-1", usd: usd, unit: unit, source: source, asOf: date)
        }
        let sagemaker = "aws.amazon.com/sagemaker/pricing, real-time inference, on-demand"
        return PriceTable(prices: [
            p(hostingKey("ml.g5.xlarge"), 1.4084, "hour", sagemaker),
            p(hostingKey("ml.g5.2xlarge"), 1.515, "hour", sagemaker),
            p(hostingKey("ml.g4dn.xlarge"), 0.7364, "hour", sagemaker),
            p(hostingKey("ml.g6.xlarge"), 1.1267, "hour", sagemaker),
            p(hostingKey("ml.inf2.xlarge"), 0.99, "hour", sagemaker),
            p(hostingKey("ml.m5.xlarge"), 0.23, "hour", sagemaker),
            p("nat.hours", 0.045, "hour", "aws.amazon.com/vpc/pricing, NAT gateway"),
            p("nat.gb", 0.045, "GB", "aws.amazon.com/vpc/pricing, NAT gateway data processed"),
            p("ipv4.hours", 0.005, "hour", "aws.amazon.com/vpc/pricing, public IPv4 address"),
            p("vpce.az-hours", 0.01, "hour", "aws.amazon.com/privatelink/pricing, interface endpoint per AZ"),
            p("vpce.gb", 0.01, "GB", "aws.amazon.com/privatelink/pricing, data processed (first PB)"),
            p("apigateway.rest.tier1", 3.50, "1M requests", "aws.amazon.com/api-gateway/pricing, REST, first 333M"),
            p("apigateway.rest.tier2", 2.80, "1M requests", "aws.amazon.com/api-gateway/pricing, REST, next 667M"),
            p("apigateway.rest.tier3", 2.38, "1M requests", "aws.amazon.com/api-gateway/pricing, REST, next 19B"),
            p("apigateway.rest.tier4", 1.51, "1M requests", "aws.amazon.com/api-gateway/pricing, REST, over 20B"),
            p("lambda.requests", 0.20, "1M requests", "aws.amazon.com/lambda/pricing, x86"),
            p("lambda.gb-seconds", 0.0000166667, "GB-second", "aws.amazon.com/lambda/pricing, x86"),
            p("logs.ingest", 0.50, "GB", "aws.amazon.com/cloudwatch/pricing, logs ingestion (standard)"),
            p("logs.storage", 0.03, "GB-month", "aws.amazon.com/cloudwatch/pricing, logs storage"),
            p("cloudwatch.alarm", 0.10, "alarm-month", "aws.amazon.com/cloudwatch/pricing, standard-resolution alarm, per alarm metric (any statistic, percentiles included; first 10 per account free)"),
            p("cloudwatch.alarm.high-resolution", 0.30, "alarm-month", "aws.amazon.com/cloudwatch/pricing, high-resolution alarm (period under 60 s), per alarm metric"),
            p("sns.requests", 0.50, "1M requests", "aws.amazon.com/sns/pricing, standard topic requests (publishes; first 1M per account free)"),
            p("sns.email", 20.00, "1M notifications", "aws.amazon.com/sns/pricing, EMAIL/EMAIL-JSON deliveries, $2.00 per 100,000 (first 1,000 per account free)"),
            p("scheduler.invocations", 1.00, "1M invocations", "aws.amazon.com/eventbridge/pricing, EventBridge Scheduler invocations (first 14M per account free)"),
            p("kms.key", 1.00, "key-month", "aws.amazon.com/kms/pricing, customer managed key"),
            p("xray.traces", 5.00, "1M traces", "aws.amazon.com/xray/pricing, traces recorded"),
            p("transfer.out", 0.09, "GB", "aws.amazon.com/ec2/pricing/on-demand, data transfer out to the internet (first 10 TB)"),
        ])
    }()

    /// The price for `key` in `region`, the us-east-1 figure with a warning when the region has
    /// none, or nil with a warning when nothing is known.
    public func lookup(_ key: String, region: String, warnings: inout [String]) -> Price? {
        if let exact = prices.first(where: { $0.key == key && $0.region == region }) { return exact }
        if let fallback = prices.first(where: { $0.key == key && $0.region == Self.fallbackRegion }) {
            let warning = "no \(key) price for \(region) in the embedded table: used the \(Self.fallbackRegion) figure ($\(fallback.usd)/\(fallback.unit)); run with --live-prices for \(region)'s"
            if !warnings.contains(warning) { warnings.append(warning) }
            return fallback
        }
        let warning = "no \(key) price in the embedded table for any region: that line is unpriced; run with --live-prices"
        if !warnings.contains(warning) { warnings.append(warning) }
        return nil
    }

    /// This table with `overrides` taking precedence (live prices over embedded ones).
    public func overlaid(with overrides: [Price]) -> PriceTable {
        let replaced = Set(overrides.map { "\($0.key)|\($0.region)" })
        return PriceTable(prices: overrides + prices.filter { !replaced.contains("\($0.key)|\($0.region)") })
    }
}
