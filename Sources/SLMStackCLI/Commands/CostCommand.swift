import AWSClient
import Cost
import Foundation
import StackModel

/// `slmstack cost`: price the stack that `synth` would write, before anything is created.
struct CostCommand: SubCommand {
    static let name = "cost"
    static let abstract = "Estimate the monthly bill of the stack, offline, before deploying it."
    static let discussion = """
        Prices every resource the model would deploy: fixed hourly costs (baseline) apart from traffic-driven
        ones (usage), with the assumptions used. Also prices the stack paused (what 'slmstack pause' leaves and
        saves), the range from --min-instances to --max-instances with autoscaling, and with --ttl the most the
        stack's standing charges can cost before it deletes itself. --budget USD exits 3 when the monthly total
        (at the autoscaling maximum) is over it, or cannot be proven under it. --diff prices the committed
        template in DIR (default: templates) against the current model and prints the monthly delta. In CI:
          slmstack cost --budget 1200 --format markdown >> $GITHUB_STEP_SUMMARY
        """
    static let options: [OptionSpec] = [
        .value("format", "FORMAT", "table, json or markdown (default: table)"),
        .value("requests-per-month", "N", "Requests per month (default: 100000)"),
        .value("avg-latency-ms", "MS", "Average time per request in the shim (default: 2000)"),
        .value("gb-out-per-month", "GB", "Response data sent to callers per month (default: 1)"),
        .value("diff", "DIR", "Price the change from DIR/cloudformation/<stack>.template.json to the current model"),
        .flag("live-prices", "Ask the AWS Price List API for this region's SageMaker prices (needs credentials; cached for the day)."),
    ] + ServiceOptions.specs + AWSCommandOptions.specs.filter { $0.name != "region" }

    let config: ServiceConfig
    let format: ReportFormat
    let usage: Usage
    let diffAgainst: String?
    let live: AWSSettings?
    /// The timeouts for the Price List API calls of --live-prices.
    var liveTimeouts = AWSTimeouts.standard

    init(arguments: ParsedArguments, io: CommandIO) throws {
        config = try ServiceOptions.config(from: arguments)
        let formatText = arguments["format"] ?? "table"
        guard let format = ReportFormat(rawValue: formatText) else {
            throw CLIError.usage("--format: expected table, json or markdown, got '\(formatText)'")
        }
        self.format = format
        var usage = Usage()
        if let value = try arguments.double("requests-per-month", in: 0...1e13) { usage.requestsPerMonth = value }
        if let value = try arguments.double("avg-latency-ms", in: 1...900_000) { usage.averageLatencyMs = value }
        if let value = try arguments.double("gb-out-per-month", in: 0...1e9) { usage.gbOutPerMonth = value }
        self.usage = usage
        diffAgainst = arguments["diff"]
        if arguments.flag("live-prices") {
            var settings = try AWSCommandOptions.settings(arguments)
            settings.region = "us-east-1"  // the Price List API's own region, whatever the stack's
            live = settings
            liveTimeouts = try AWSCommandOptions.timeouts(arguments, environment: io.environment)
        } else {
            live = nil
        }
    }

    /// The embedded table, overlaid with live prices when `--live-prices` was given.
    func prices(for inventory: Inventory, io: CommandIO) throws -> PriceTable {
        guard let live else { return .embedded }
        let today = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        let cache = PriceCache.standard(environment: io.environment)
        let (prices, cached) = try AWSCommandOptions.blocking {
            let client = try await AWSClient.resolve(live, timeouts: liveTimeouts, environment: io.environment)
            return try await LivePricing.prices(for: inventory, source: PriceListAPI(client: client, today: today), cache: cache, today: today)
        }
        io.note("live prices: \(prices.count) from \(cached ? "the cache (\(cache.file.path), read \(today))" : "the AWS Price List API")"
            + prices.map { " \($0.key) $\($0.usd)/\($0.unit)" }.joined(separator: ","))
        return PriceTable.embedded.overlaid(with: prices)
    }

    func run(io: CommandIO) throws -> ExitCode {
        let stack = try Synthesis.stack(for: config)
        let inventory = Inventory.of(stack, config: config, paused: false)
        let table = try prices(for: inventory, io: io)
        var current = Estimator.estimate(running: inventory, paused: Inventory.of(stack, config: config, paused: true),
                                         usage: usage, prices: table)
        Estimator.addScaleToZero(&current, config: config, usage: usage, prices: table)
        if let diffAgainst {
            return try diff(current: current, stack: stack, folder: diffAgainst, prices: table, io: io)
        }
        io.write(current.rendered(format, budget: config.budgetUSD))
        for warning in current.warnings where format == .json { io.note("warning: \(warning)") }
        return try BudgetGate.check(current, budget: config.budgetUSD, io: io)
    }

    private func diff(current: Estimate, stack: Stack, folder: String, prices: PriceTable, io: CommandIO) throws -> ExitCode {
        let path = URL(fileURLWithPath: folder).appendingPathComponent("cloudformation/\(stack.name).template.json").path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError.usage("--diff: no committed template at \(path): synthesize it with 'slmstack synth --out \(folder)' first")
        }
        let committed: Estimate
        do {
            let inventory = try Inventory.of(template: data, region: config.region, weightsGB: (config.modelSpec?.weightBytes ?? 0) / 1e9)
            committed = Estimator.estimate(inventory, usage: usage, prices: prices)
        } catch {
            throw CLIError.failure("--diff \(path): \(error)")
        }
        let delta = CostDelta(from: committed, to: current)
        io.write(delta.rendered(format, fromName: path))
        return try BudgetGate.check(current, budget: config.budgetUSD, io: io)
    }
}

/// The budget gate shared by `cost` and `deploy`.
enum BudgetGate {
    /// Exit 3 (via `CLIError.gate`) when the estimate is over `budget` or cannot be proven under it.
    ///
    /// With autoscaling the worst case counts: the total at the maximum instance count.
    static func check(_ estimate: Estimate, budget: Double?, io: CommandIO) throws -> ExitCode {
        guard let budget else { return .success }
        if !estimate.unpriced.isEmpty {
            throw CLIError.gate("cannot prove the stack is within the budget of \(Estimate.money(budget))/month: no price for "
                + estimate.unpriced.map { "\($0.resource) \($0.component)" }.joined(separator: ", ") + "; run with --live-prices")
        }
        let worst = estimate.worstCaseMonthly
        guard worst > budget else { return .success }
        let atMax = estimate.instances.map { " at the autoscaling maximum (\($0.upperBound) instances)" } ?? ""
        let cost = { (line: CostLine) in line.monthlyMax ?? line.monthly ?? 0 }
        let top = estimate.lines.filter { cost($0) > 0 }.sorted { cost($0) > cost($1) }.prefix(3)
        throw CLIError.gate("over budget: \(Estimate.money(worst))/month\(atMax) is \(Estimate.money(worst - budget)) over \(Estimate.money(budget)); top costs: "
            + top.map { "\($0.resource) \($0.component) \(Estimate.money(cost($0)))" }.joined(separator: "; "))
    }
}
