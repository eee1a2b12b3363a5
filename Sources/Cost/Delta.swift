import Foundation

/// The monthly difference between two estimates, line by line.
public struct CostDelta: Sendable {
    public struct Change: Sendable, Encodable {
        public var resource: String
        public var component: String
        public var before: Double
        public var after: Double
        public var delta: Double { after - before }
    }

    public var changes: [Change]
    public var beforeTotal: Double
    public var afterTotal: Double
    public var delta: Double { afterTotal - beforeTotal }
    /// The totals at the autoscaling maximum (the totals when a side does not autoscale).
    public var beforeTotalMax: Double
    public var afterTotalMax: Double
    /// Whether either side autoscales, so that its maximum differs from its total.
    public var hasRange: Bool

    /// Matches lines by resource and component name (the part before any parenthesised detail, so
    /// `Instance usage (ml.g5.xlarge …)` and `Instance usage (ml.g5.2xlarge …)` are one change);
    /// lines only on one side count from or to zero.
    public init(from before: Estimate, to after: Estimate) {
        func key(_ line: CostLine) -> String {
            "\(line.resource)|\(line.component.components(separatedBy: " (").first ?? line.component)"
        }
        let old = Dictionary(before.lines.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        let new = Dictionary(after.lines.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        var changes: [Change] = []
        var seen = Set<String>()
        for line in after.lines + before.lines where !seen.contains(key(line)) {
            seen.insert(key(line))
            let was = old[key(line)]?.monthly ?? 0
            let now = new[key(line)]?.monthly ?? 0
            if abs(now - was) >= 0.005 {
                let label = [old[key(line)]?.component, new[key(line)]?.component].compactMap { $0 }
                let component = Set(label).count == 2 ? "\(label[0]) → \(label[1])" : line.component
                changes.append(Change(resource: line.resource, component: component, before: was, after: now))
            }
        }
        self.changes = changes
        beforeTotal = before.totalMonthly
        afterTotal = after.totalMonthly
        beforeTotalMax = before.totalMonthlyMax
        afterTotalMax = after.totalMonthlyMax
        hasRange = before.hasRange || after.hasRange
    }

    public static func signed(_ value: Double) -> String { (value < 0 ? "-" : "+") + Estimate.money(abs(value)) }

    /// The delta as text.
    public func rendered(_ format: ReportFormat, fromName: String) -> String {
        switch format {
        case .json:
            struct Maximum: Encodable { var before: Double; var after: Double; var delta: Double }
            struct Document: Encodable { var from: String; var before: Double; var after: Double; var delta: Double; var atMax: Maximum?; var changes: [Change] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let document = Document(from: fromName, before: beforeTotal, after: afterTotal, delta: delta,
                                    atMax: hasRange ? Maximum(before: beforeTotalMax, after: afterTotalMax, delta: afterTotalMax - beforeTotalMax) : nil,
                                    changes: changes)
            return String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self) + "\n"
        case .markdown:
            var out = "### slmstack cost change\n\n**\(Self.signed(delta))/month** (\(Estimate.money(beforeTotal)) → \(Estimate.money(afterTotal)))\n\n"
            if hasRange { out += "At the autoscaling maximum: **\(Self.signed(afterTotalMax - beforeTotalMax))/month** (\(Estimate.money(beforeTotalMax)) → \(Estimate.money(afterTotalMax)))\n\n" }
            if !changes.isEmpty {
                out += "| Resource | Component | Before | After | Change |\n|---|---|---:|---:|---:|\n"
                for change in changes {
                    out += "| \(change.resource) | \(change.component) | \(Estimate.money(change.before)) | \(Estimate.money(change.after)) | \(Self.signed(change.delta)) |\n"
                }
            }
            return out
        case .table:
            var out = "Monthly cost change from \(fromName) to the current model\n\n"
            for change in changes {
                out += "  \(Self.signed(change.delta).padding(toLength: 12, withPad: " ", startingAt: 0)) \(change.resource): \(change.component) (\(Estimate.money(change.before)) → \(Estimate.money(change.after)))\n"
            }
            if changes.isEmpty { out += "  no change\n" }
            out += "\nTotal: \(Self.signed(delta))/month (\(Estimate.money(beforeTotal)) → \(Estimate.money(afterTotal)))\n"
            if hasRange { out += "Max:   \(Self.signed(afterTotalMax - beforeTotalMax))/month (\(Estimate.money(beforeTotalMax)) → \(Estimate.money(afterTotalMax))) at the autoscaling maximum\n" }
            return out
        }
    }
}
