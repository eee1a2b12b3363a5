import Foundation

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

    private func budgetLine(_ budget: Double?) -> String? {
        guard let budget else { return nil }
        if !unpriced.isEmpty { return "budget \(Self.money(budget)): cannot tell, \(unpriced.count) line(s) unpriced" }
        return totalMonthly > budget
            ? "budget \(Self.money(budget)): OVER by \(Self.money(totalMonthly - budget))"
            : "budget \(Self.money(budget)): within, \(Self.money(budget - totalMonthly)) to spare"
    }

    func table(budget: Double?) -> String {
        let header = ["Resource", "Component", "Monthly qty", "Unit", "Unit price", "Monthly cost"]
        var rows: [[String]] = []
        for kind in [CostKind.baseline, .usage] {
            let section = priced.filter { $0.kind == kind }
            if section.isEmpty { continue }
            rows.append([kind == .baseline ? "Baseline (billed every hour the stack exists)" : "Usage (scales with traffic)", "", "", "", "", ""])
            for line in section {
                rows.append(["  " + line.resource, line.component, Self.quantity(line.quantity), line.unit, Self.unitPrice(line.unitPrice), Self.money(line.monthly)])
            }
        }
        let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func format(_ row: [String]) -> String {
            row.enumerated().map { index, cell in
                index >= 2 && index != 3 ? String(repeating: " ", count: widths[index] - cell.count) + cell
                    : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = "Cost estimate for \(region) (USD)\n\n"
        out += format(header) + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        out += rows.map(format).joined(separator: "\n") + "\n\n"
        out += "Baseline  \(Self.money(baselineMonthly))/month\n"
        out += "Usage     \(Self.money(usageMonthly))/month\n"
        out += "Total     \(Self.money(totalMonthly))/month, \(Self.money(totalHourly))/hour\n"
        if let line = budgetLine(budget) { out += line + "\n" }
        if !freeResources.isEmpty { out += "\nFree (\(lines.filter { $0.kind == .free }.count) resources, no charge): " + freeResources.joined(separator: ", ") + "\n" }
        out += "\nAssumptions:\n" + assumptions.map { "  - \($0)" }.joined(separator: "\n") + "\n"
        if !warnings.isEmpty { out += "\nWarnings:\n" + warnings.map { "  ! \($0)" }.joined(separator: "\n") + "\n" }
        return out
    }

    func markdown(budget: Double?) -> String {
        var out = "### slmstack cost estimate (\(region))\n\n"
        out += "**\(Self.money(totalMonthly))/month** (\(Self.money(totalHourly))/hour): baseline \(Self.money(baselineMonthly)), usage \(Self.money(usageMonthly))\n\n"
        if let line = budgetLine(budget) { out += "**\(line)**\n\n" }
        out += "| Resource | Component | Kind | Monthly qty | Unit | Unit price | Monthly cost |\n|---|---|---|---:|---|---:|---:|\n"
        for line in priced {
            out += "| \(line.resource) | \(line.component) | \(line.kind.rawValue) | \(Self.quantity(line.quantity)) | \(line.unit) | \(Self.unitPrice(line.unitPrice)) | \(Self.money(line.monthly)) |\n"
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
            var monthly: Totals
            var hourly: Double
            var budget: Double?
            var overBudget: Bool?
            var lines: [CostLine]
            var assumptions: [String]
            var warnings: [String]
        }
        struct Totals: Encodable { var baseline: Double; var usage: Double; var total: Double }
        let document = Document(region: region, monthly: Totals(baseline: baselineMonthly, usage: usageMonthly, total: totalMonthly),
                                hourly: totalHourly, budget: budget, overBudget: budget.map { totalMonthly > $0 || !unpriced.isEmpty },
                                lines: lines, assumptions: assumptions, warnings: warnings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self) + "\n"
    }
}
