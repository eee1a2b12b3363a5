import Foundation
import StackModel

/// How an estimate is printed.
public enum ReportFormat: String, Sendable, CaseIterable {
    case table, json, markdown
}

extension Estimate {
    /// The estimate as text in `format`. Money is shown to the cent; JSON keeps full precision.
    public func rendered(_ format: ReportFormat, budget: Double? = nil) -> String {
        switch format {
        case .json: return json(budget: budget)
        case .table: return table(budget: budget)
        case .markdown: return markdown(budget: budget)
        }
    }

    /// Dollars to the cent with thousands separators, or `unknown`.
    ///
    /// Formatted by hand: Foundation's locale-aware formatting loads ICU, which costs more start-up
    /// time than the whole estimate.
    public static func money(_ value: Double?) -> String {
        guard let value else { return "unknown" }
        let cents = Int64((abs(value) * 100).rounded())
        return (value < 0 && cents > 0 ? "-$" : "$") + grouped(cents / 100) + "." + twoDigits(Int(cents % 100))
    }

    static func quantity(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return (value < 0 ? "-" : "") + grouped(Int64(abs(value))) }
        return significant(value, digits: 6)
    }

    static func unitPrice(_ value: Double?) -> String {
        guard let value else { return "unknown" }
        if value >= 0.01 {
            // At least 2 and at most 6 decimals, like a price list.
            var text = String(format: "%.6f", value)
            while text.hasSuffix("0"), let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 { text.removeLast() }
            let parts = text.split(separator: ".")
            return "$" + grouped(Int64(parts[0]) ?? 0) + "." + parts[1]
        }
        return "$" + significant(value, digits: 6)
    }

    /// `1234567` → `1,234,567`.
    static func grouped(_ number: Int64) -> String {
        let digits = String(number)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    static func twoDigits(_ number: Int) -> String { number < 10 ? "0\(number)" : String(number) }

    /// A number with up to `digits` significant digits and no trailing zeros.
    static func significant(_ value: Double, digits: Int) -> String {
        var text = String(format: "%.\(digits)g", value)
        if text.contains("e") { text = String(format: "%.10f", value) }
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    private var priced: [CostLine] { lines.filter { $0.kind != .free } }
    /// Free resources grouped by type: `Subnet ×4`, `Vpc`.
    private var freeResources: [String] {
        let types = lines.filter { $0.kind == .free }.map(\.resourceType)
        return Set(types).sorted().map { type in
            let count = types.filter { $0 == type }.count
            return count == 1 ? type : "\(type) ×\(count)"
        }
    }

    /// `1 instance` or `3 instances`.
    private static func instances(_ count: Int) -> String { count == 1 ? "1 instance" : "\(count) instances" }

    /// A line's monthly quantity, as a range when it scales with autoscaling.
    private static func quantityText(_ line: CostLine) -> String {
        line.quantityMax.map { "\(quantity(line.quantity)) to \(quantity($0))" } ?? quantity(line.quantity)
    }

    /// A line's monthly cost, as a range when it scales with autoscaling.
    private static func monthlyText(_ line: CostLine) -> String {
        line.monthlyMax.map { "\(money(line.monthly)) to \(money($0))" } ?? money(line.monthly)
    }

    /// What the budget is checked against, in words, when that is not simply the total.
    private var budgetBasis: String? {
        instances.map { "checked against the autoscaling maximum, \(Self.instances($0.upperBound))" }
    }

    private func budgetLine(_ budget: Double?) -> String? {
        guard let budget else { return nil }
        if !unpriced.isEmpty { return "budget \(Self.money(budget)): cannot tell, \(unpriced.count) line(s) unpriced" }
        let basis = budgetBasis.map { " (\($0))" } ?? ""
        return worstCaseMonthly > budget
            ? "budget \(Self.money(budget)): OVER by \(Self.money(worstCaseMonthly - budget))\(basis)"
            : "budget \(Self.money(budget)): within, \(Self.money(budget - worstCaseMonthly)) to spare\(basis)"
    }

    /// The lines pausing removes or lowers, with what each saves, largest first.
    var pauseChanges: [CostDelta.Change] {
        guard let whenPaused else { return [] }
        return CostDelta(from: self, to: whenPaused.asEstimate(region: region)).changes
            .filter { $0.delta < 0 }.sorted { $0.delta < $1.delta }
    }

    /// `4h` for a TTL in minutes, with the hours spelled out when they are not whole.
    private var ttlText: String? { ttlMinutes.map { DurationText.format(minutes: $0) } }

    func table(budget: Double?) -> String {
        let header = ["Resource", "Component", "Monthly qty", "Unit", "Unit price", "Monthly cost"]
        var rows: [[String]] = []
        for kind in [CostKind.baseline, .usage] {
            let section = priced.filter { $0.kind == kind }
            if section.isEmpty { continue }
            rows.append([kind == .baseline ? "Baseline (billed every hour the stack exists)" : "Usage (scales with traffic)", "", "", "", "", ""])
            for line in section {
                rows.append(["  " + line.resource, line.component, Self.quantityText(line), line.unit, Self.unitPrice(line.unitPrice), Self.monthlyText(line)])
            }
        }
        let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func format(_ row: [String]) -> String {
            row.enumerated().map { index, cell in
                index >= 2 && index != 3 ? String(repeating: " ", count: widths[index] - cell.count) + cell
                    : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = "Cost estimate for \(region) (USD)\(isPaused ? ", paused (Paused=true)" : "")\n\n"
        out += format(header) + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        out += rows.map(format).joined(separator: "\n") + "\n\n"
        if let instances {
            out += "Baseline  \(Self.money(baselineMonthly)) to \(Self.money(baselineMonthlyMax))/month\n"
            out += "Usage     \(Self.money(usageMonthly)) to \(Self.money(usageMonthlyMax))/month\n"
            out += "Total     \(Self.money(totalMonthly))/month, \(Self.money(totalHourly))/hour at \(Self.instances(instances.lowerBound)) (autoscaling minimum)\n"
            out += "Max       \(Self.money(totalMonthlyMax))/month, \(Self.money(totalHourlyMax))/hour at \(Self.instances(instances.upperBound)) (autoscaling maximum)\n"
        } else {
            out += "Baseline  \(Self.money(baselineMonthly))/month\n"
            out += "Usage     \(Self.money(usageMonthly))/month\n"
            out += "Total     \(Self.money(totalMonthly))/month, \(Self.money(totalHourly))/hour\n"
        }
        if let scaleToZero { out += scaleToZero.tableLines.joined(separator: "\n") + "\n" }
        if let whenPaused, let saving = pauseSavingMonthly {
            out += "Paused    \(Self.money(whenPaused.totalMonthly))/month, \(Self.money(whenPaused.totalHourly))/hour with Paused=true (slmstack pause): saves \(Self.money(saving))/month\n"
            let changes = pauseChanges
            let width = changes.map { CostDelta.signed($0.delta).count }.max() ?? 0
            for change in changes {
                let amount = CostDelta.signed(change.delta)
                out += "          " + String(repeating: " ", count: width - amount.count) + amount + "  \(change.resource): \(change.component)\n"
            }
        }
        if let ttlText, let cost = ttlMaxCost, let terraform = terraformTTL {
            let hourly = Self.money(standingHourlyMax) + "/hour" + (instances.map { " at \(Self.instances($0.upperBound))" } ?? "")
            out += "TTL \(ttlText)\(String(repeating: " ", count: max(1, 6 - ttlText.count)))CloudFormation: at most \(Self.money(cost)) before the stack deletes itself: baseline \(hourly) x \(Self.hours(ttlMinutes!)) (usage on top)\n"
            out += "          \(terraform.sentence)\n"
        }
        if let line = budgetLine(budget) { out += line + "\n" }
        if !freeResources.isEmpty { out += "\nFree (\(lines.filter { $0.kind == .free }.count) resources, no charge): " + freeResources.joined(separator: ", ") + "\n" }
        out += "\nAssumptions:\n" + assumptions.map { "  - \($0)" }.joined(separator: "\n") + "\n"
        if !warnings.isEmpty { out += "\nWarnings:\n" + warnings.map { "  ! \($0)" }.joined(separator: "\n") + "\n" }
        return out
    }

    /// `4 hours`, `1.5 hours`, `1 hour`.
    static func hours(_ minutes: Int) -> String {
        let value = Double(minutes) / 60
        return (value == 1 ? "1 hour" : "\(significant(value, digits: 6)) hours")
    }

    func markdown(budget: Double?) -> String {
        var out = "### slmstack cost estimate (\(region)\(isPaused ? ", paused" : ""))\n\n"
        out += "**\(Self.money(totalMonthly))/month** (\(Self.money(totalHourly))/hour): baseline \(Self.money(baselineMonthly)), usage \(Self.money(usageMonthly))"
        if let instances { out += " at \(Self.instances(instances.lowerBound)) (autoscaling minimum)" }
        out += "\n\n"
        var facts: [String] = []
        if let instances {
            facts.append("**Autoscaling maximum: \(Self.money(totalMonthlyMax))/month** (\(Self.money(totalHourlyMax))/hour) at \(Self.instances(instances.upperBound))")
        }
        if let whenPaused, let saving = pauseSavingMonthly {
            facts.append("**Paused: \(Self.money(whenPaused.totalMonthly))/month** (\(Self.money(whenPaused.totalHourly))/hour) with `slmstack pause`, saving \(Self.money(saving))/month: "
                + pauseChanges.map { "\($0.resource) \($0.component.components(separatedBy: " (").first ?? $0.component) \(CostDelta.signed($0.delta))" }.joined(separator: ", "))
        }
        if let ttlText, let cost = ttlMaxCost, let terraform = terraformTTL {
            let at = instances.map { " at \(Self.instances($0.upperBound))" } ?? ""
            facts.append("**TTL \(ttlText): at most \(Self.money(cost))** with CloudFormation, before the stack deletes itself (baseline \(Self.money(standingHourlyMax))/hour\(at) x \(Self.hours(ttlMinutes!)); usage on top). \(terraform.sentence)")
        }
        if let scaleToZero { facts += scaleToZero.tableLines.map { $0.replacingOccurrences(of: "  +", with: ": ", options: .regularExpression) } }
        if let line = budgetLine(budget) { facts.append("**\(line)**") }
        if !facts.isEmpty { out += facts.map { "- \($0)" }.joined(separator: "\n") + "\n\n" }
        out += "| Resource | Component | Kind | Monthly qty | Unit | Unit price | Monthly cost |\n|---|---|---|---:|---|---:|---:|\n"
        for line in priced {
            out += "| \(line.resource) | \(line.component) | \(line.kind.rawValue) | \(Self.quantityText(line)) | \(line.unit) | \(Self.unitPrice(line.unitPrice)) | \(Self.monthlyText(line)) |\n"
        }
        if !freeResources.isEmpty { out += "\nFree: " + freeResources.joined(separator: ", ") + "\n" }
        out += "\nAssumptions: " + assumptions.joined(separator: "; ") + "\n"
        if !warnings.isEmpty { out += "\n" + warnings.map { "> ⚠️ \($0)" }.joined(separator: "\n") + "\n" }
        return out
    }

    func json(budget: Double?) -> String {
        struct Document: Encodable {
            var region: String
            var currency = "USD"
            var paused: Bool
            var monthly: Totals
            var hourly: Double
            var budget: Double?
            var budgetChecks: String?
            var overBudget: Bool?
            var autoscaling: Range?
            var whenPaused: Paused?
            var ttl: TTL?
            var scaleToZero: ScaleToZeroFigures?
            var lines: [CostLine]
            var assumptions: [String]
            var warnings: [String]
        }
        struct Totals: Encodable { var baseline: Double; var usage: Double; var total: Double }
        struct Range: Encodable { var minInstances: Int; var maxInstances: Int; var monthlyMax: Totals; var hourlyMax: Double }
        struct Paused: Encodable { var monthly: Totals; var hourly: Double; var savingMonthly: Double; var lines: [CostLine] }
        struct TTL: Encodable { var minutes: Int; var hours: Double; var standingHourly: Double; var maxCost: Double; var terraform: TerraformTTL? }
        let document = Document(
            region: region, paused: isPaused,
            monthly: Totals(baseline: baselineMonthly, usage: usageMonthly, total: totalMonthly),
            hourly: totalHourly, budget: budget, budgetChecks: budget.map { _ in instances == nil ? "total" : "autoscaling maximum" },
            overBudget: budget.map { worstCaseMonthly > $0 || !unpriced.isEmpty },
            autoscaling: instances.map { Range(minInstances: $0.lowerBound, maxInstances: $0.upperBound,
                                               monthlyMax: Totals(baseline: baselineMonthlyMax, usage: usageMonthlyMax, total: totalMonthlyMax),
                                               hourlyMax: totalHourlyMax) },
            whenPaused: whenPaused.map { Paused(monthly: Totals(baseline: $0.baselineMonthly, usage: $0.usageMonthly, total: $0.totalMonthly),
                                               hourly: $0.totalHourly, savingMonthly: totalMonthly - $0.totalMonthly, lines: $0.lines) },
            ttl: ttlMinutes.map { TTL(minutes: $0, hours: Double($0) / 60, standingHourly: standingHourlyMax, maxCost: ttlMaxCost ?? 0, terraform: terraformTTL) },
            scaleToZero: scaleToZero, lines: lines, assumptions: assumptions, warnings: warnings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self) + "\n"
    }
}

/// What a TTL means in Terraform: no function in the account can delete Terraform's state, so the
/// schedule deletes only the SageMaker endpoint; the rest bills until `terraform destroy`.
public struct TerraformTTL: Sendable, Encodable {
    /// The most the endpoint costs before the schedule deletes it (hourly at the most instances x TTL).
    public var endpointMaxCost: Double
    /// Standing charges per month that stay after the endpoint is gone.
    public var keepsBillingMonthly: Double
    /// The resources behind those charges, most expensive first.
    public var keepsBilling: [String]

    /// One sentence for the table and markdown reports.
    var sentence: String {
        "Terraform: at most \(Estimate.money(endpointMaxCost)) for the endpoint, which the schedule deletes; "
            + "\(Estimate.money(keepsBillingMonthly))/month keeps billing until terraform destroy (\(keepsBilling.joined(separator: ", ")))"
    }
}

extension Estimate {
    /// The TTL as Terraform means it, when the stack has one.
    public var terraformTTL: TerraformTTL? {
        guard let ttlMinutes else { return nil }
        let endpoint = Set(endpointResources)
        let endpointHourlyMax = lines.filter { $0.kind == .baseline && endpoint.contains($0.resource) }
            .compactMap { $0.monthlyMax ?? $0.monthly }.reduce(0, +) / Self.hoursPerMonth
        let kept = lines.filter { $0.kind == .baseline && !endpoint.contains($0.resource) && ($0.monthly ?? 0) > 0 }
        var byResource: [String: Double] = [:]
        for line in kept { byResource[line.resource, default: 0] += line.monthly ?? 0 }
        return TerraformTTL(endpointMaxCost: endpointHourlyMax * Double(ttlMinutes) / 60,
                            keepsBillingMonthly: kept.compactMap(\.monthly).reduce(0, +),
                            keepsBilling: byResource.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key))
    }
}
