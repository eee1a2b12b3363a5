import AWSClient
import Cost
import Deploy
import Foundation

/// `slmstack scan`: every SageMaker endpoint in the account and region, its cost, use and owner.
struct ScanCommand: SubCommand {
    static let name = "scan"
    static let abstract = "List every SageMaker endpoint with its cost, use and owner, and stacks whose TTL passed; exit 3 on any of them flagged."
    static let discussion = """
        For each SageMaker endpoint in the account and region: status, age, instance type and count
        (DescribeEndpoint, DescribeEndpointConfig), hourly price (embedded table; 'unknown' with a warning),
        month-to-date cost (hours since the later of its creation and the start of this UTC month, times the
        hourly price), invocations in the last 7 days (CloudWatch AWS/SageMaker Invocations, daily sums; no
        datapoints counts as 0) and the owner (the 'slmstack:stack' or 'aws:cloudformation:stack-name' tag).
        An endpoint whose instances bill is flagged when it had no invocations in the last 7 days and is older
        than --idle-hours, or when it runs on a GPU type (unknown types count as GPU) and no stack owns it.
        It also lists every stack (DescribeStacks) whose ExpiresAt parameter is more than an hour past and
        that still exists: its TTL deletion failed or was refused and it keeps billing (with the messages in
        its expiry dead-letter queue, SQS GetQueueAttributes, and the destroy command).
        Exit codes: 0 all owned and used, 3 something flagged (each with the reason, for scheduled CI),
        1 an AWS call failed, 2 bad flags (nothing sent to AWS).
        """
    static let options: [OptionSpec] = [
        .value("format", "table|json", "Output format (default table)."),
        .value("idle-hours", "N", "Age in hours after which an endpoint with no invocations in 7 days is idle (default 168)."),
    ] + AWSCommandOptions.specs

    enum Format: String { case table, json }

    let settings: AWSSettings
    let timeouts: AWSTimeouts
    let format: Format
    let idleHours: Int
    let debug: Bool

    init(arguments: ParsedArguments, io: CommandIO) throws {
        settings = try AWSCommandOptions.settings(arguments)
        timeouts = try AWSCommandOptions.timeouts(arguments, environment: io.environment)
        let text = arguments["format"] ?? "table"
        guard let format = Format(rawValue: text.lowercased()) else {
            throw CLIError.usage("--format: expected table or json, got '\(text)'")
        }
        self.format = format
        idleHours = try arguments.int("idle-hours", in: 0...87_600) ?? 168
        debug = arguments.flag("debug")
    }

    func run(io: CommandIO) throws -> ExitCode {
        let settings = self.settings, idleHours = self.idleHours, timeouts = self.timeouts
        let logger: (@Sendable (String) -> Void)? = debug ? { @Sendable line in io.note("debug: " + line) } : nil
        let now = Date()
        let (facts, overdue, region) = try AWSCommandOptions.blocking {
            let client = try await AWSClient.resolve(settings, timeouts: timeouts, environment: io.environment, logger: logger)
            let facts = try await EndpointScanner(client: client).collect(now: now)
            return (facts, try await CloudFormationAPI(client: client).overdueStacks(now: now), client.region)
        }
        let report = EndpointScan.classify(facts, region: region, idleHours: Double(idleHours), now: now)
        switch format {
        case .table: io.write(Self.table(report) + Self.overdueTable(overdue))
        case .json: io.write(try Self.json(report, idleHours: idleHours, overdue: overdue))
        }
        for warning in report.warnings { io.note("warning: \(warning)") }
        for stack in overdue { io.note("flagged: stack \(stack.name): \(stack.reason)") }
        let flagged = report.flagged
        guard !flagged.isEmpty else {
            if !overdue.isEmpty {
                io.note("scan: \(overdue.count) stack\(overdue.count == 1 ? "" : "s") in \(region) past \(overdue.count == 1 ? "its" : "their") TTL (exit 3)")
                return .gate
            }
            if format == .table { io.line(report.endpoints.isEmpty ? "no SageMaker endpoints in \(region)" : "all \(report.endpoints.count) endpoints are owned and used") }
            return .success
        }
        for endpoint in flagged {
            for finding in endpoint.findings { io.note("flagged: \(endpoint.facts.name): \(finding)") }
        }
        io.note("scan: \(flagged.count) of \(report.endpoints.count) endpoints in \(region) flagged" +
                (overdue.isEmpty ? "" : ", \(overdue.count) stack\(overdue.count == 1 ? "" : "s") past \(overdue.count == 1 ? "its" : "their") TTL") + " (exit 3)")
        return .gate
    }

    /// "3d 4h", "5h", or "?" for an unknown age.
    static func age(_ hours: Double?) -> String {
        guard let hours else { return "?" }
        let whole = Int(hours.rounded(.down))
        return whole >= 24 ? "\(whole / 24)d \(whole % 24)h" : "\(whole)h"
    }

    static func invocations(_ value: Double?) -> String {
        guard let value else { return "0 (no datapoints)" }
        return String(Int(value.rounded()))
    }

    /// Aligned columns, one row per endpoint.
    static func table(_ report: ScanReport) -> String {
        let header = ["NAME", "STATUS", "AGE", "INSTANCES", "HOURLY", "MONTH-TO-DATE", "INVOCATIONS 7D", "OWNER", "FLAGS"]
        let rows = report.endpoints.map { endpoint -> [String] in
            let facts = endpoint.facts
            let flags = endpoint.findings.map { finding -> String in
                switch finding {
                case .idle: "idle"
                case .unownedGPU: "unowned-gpu"
                }
            }
            return [facts.name, facts.status, age(endpoint.ageHours),
                    facts.instanceType.map { "\(facts.instanceCount ?? 1) x \($0)" } ?? "unknown",
                    Estimate.money(endpoint.hourlyUSD), Estimate.money(endpoint.monthToDateUSD),
                    invocations(facts.invocations), endpoint.owner ?? "none", flags.isEmpty ? "ok" : flags.joined(separator: ",")]
        }
        guard !rows.isEmpty else { return "" }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }
        return ([header] + rows).map(line).joined()
    }

    /// Stacks whose TTL passed, after the endpoint table: name, status, how long ago, the command.
    static func overdueTable(_ stacks: [OverdueStack]) -> String {
        guard !stacks.isEmpty else { return "" }
        let rows = [["STACK", "STATUS", "TTL PASSED", "DLQ MESSAGES", "REMOVE WITH"]] + stacks.map {
            [$0.name, $0.status, ExpiryTime.span($0.overdueHours * 3600) + " ago",
             $0.deadLetterMessages.map(String.init) ?? "-", $0.destroyCommand]
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return "\n" + rows.map { cells in
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }.joined()
    }

    /// The report as JSON with sorted keys; prices in USD, null when unknown.
    static func json(_ report: ScanReport, idleHours: Int, overdue: [OverdueStack] = []) throws -> String {
        let formatter = ISO8601DateFormatter()
        let endpoints: [[String: Any]] = report.endpoints.map { endpoint in
            let facts = endpoint.facts
            func rounded(_ value: Double?) -> Any { value.map { ($0 * 10_000).rounded() / 10_000 } ?? NSNull() }
            return [
                "name": facts.name,
                "status": facts.status,
                "created": facts.creationTime.map { formatter.string(from: $0) } ?? NSNull(),
                "ageHours": rounded(endpoint.ageHours),
                "instanceType": facts.instanceType ?? NSNull(),
                "instanceCount": facts.instanceCount ?? NSNull(),
                "variantName": facts.variantName ?? NSNull(),
                "gpu": endpoint.isGPU,
                "hourlyUSD": rounded(endpoint.hourlyUSD),
                "monthToDateUSD": rounded(endpoint.monthToDateUSD),
                "invocations7d": facts.invocations ?? 0,
                "invocationsDatapoints": facts.invocations != nil,
                "owner": endpoint.owner ?? NSNull(),
                "findings": endpoint.findings.map { finding -> [String: String] in
                    switch finding {
                    case .idle: ["kind": "idle", "reason": finding.description]
                    case .unownedGPU: ["kind": "unowned-gpu", "reason": finding.description]
                    }
                },
            ]
        }
        let document: [String: Any] = [
            "region": report.region,
            "idleHours": idleHours,
            "windowDays": EndpointScan.windowDays,
            "endpoints": endpoints,
            "flagged": report.flagged.map(\.facts.name),
            "ttlPassed": overdue.map { stack -> [String: Any] in [
                "stack": stack.name, "status": stack.status, "expiresAt": ExpiryTime.text(stack.expiresAt) + "Z",
                "overdueHours": (stack.overdueHours * 100).rounded() / 100, "reason": stack.reason, "destroy": stack.destroyCommand,
                "deadLetterQueueUrl": stack.deadLetterQueueURL ?? NSNull(), "deadLetterMessages": stack.deadLetterMessages ?? NSNull(),
            ] },
            "warnings": report.warnings,
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
