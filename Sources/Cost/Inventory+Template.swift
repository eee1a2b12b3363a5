import Foundation
import StackModel

// The template half: the priced resources of a CloudFormation template (for `cost --diff` against
// committed files), with its conditions evaluated for the given parameter values.
extension Inventory {
    /// Counts the priced resources of a CloudFormation template with its parameters at their
    /// defaults (for `cost --diff` against committed files).
    ///
    /// - Throws: `CostError.unreadableTemplate` when the text is not a template.
    public static func of(template data: Data, region: String, weightsGB: Double) throws -> Inventory {
        try of(template: data, region: region, weightsGB: weightsGB, parameters: [:])
    }

    /// Counts the priced resources of a CloudFormation template deployed with `Paused` set to
    /// `paused` (other parameters at their defaults).
    ///
    /// - Throws: `CostError.unreadableTemplate` when the text is not a template.
    public static func of(template data: Data, region: String, weightsGB: Double, paused: Bool) throws -> Inventory {
        try of(template: data, region: region, weightsGB: weightsGB, parameters: [SLMService.pausedParameter.name.rawValue: paused ? "true" : "false"])
    }

    /// Counts the priced resources of a CloudFormation template deployed with these parameter
    /// values; parameters not given take their `Default`.
    ///
    /// Resources whose `Condition` is false for those values are left out, as CloudFormation
    /// leaves them out: `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or` and `Condition` over `Ref`s to
    /// parameters and literals are evaluated; a condition that cannot be is taken as true (its
    /// resources are priced) with a warning.
    ///
    /// - Parameters:
    ///   - data: the template's JSON text.
    ///   - region: the region it is deployed to (also the value of `AWS::Region`).
    ///   - weightsGB: GB of model weights each instance downloads through the NAT gateway.
    ///   - parameters: parameter values by name, for example `["Paused": "true"]`.
    /// - Throws: `CostError.unreadableTemplate` when the text is not a template.
    public static func of(template data: Data, region: String, weightsGB: Double, parameters: [String: String]) throws -> Inventory {
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let resources = document["Resources"] as? [String: Any] else {
            throw CostError.unreadableTemplate("not a CloudFormation template with a Resources section")
        }
        var inventory = Inventory(region: region)
        inventory.weightsGB = weightsGB
        let evaluator = TemplateConditions(document: document, given: parameters, region: region)
        inventory.paused = evaluator.values[SLMService.pausedParameter.name.rawValue] == "true"
        var present: [PricedResource] = []
        var all: [PricedResource] = []
        for id in resources.keys.sorted() {
            guard let resource = resources[id] as? [String: Any], let type = resource["Type"] as? String else { continue }
            let entry = PricedResource(id: id, type: type, label: type, properties: resource["Properties"] as? [String: Any] ?? [:])
            all.append(entry)
            guard let condition = resource["Condition"] as? String else {
                present.append(entry)
                continue
            }
            switch evaluator.holds(condition) {
            case true?: present.append(entry)
            case false?: continue
            case nil:
                present.append(entry)
                let warning = "condition '\(condition)' could not be evaluated: resources under it are priced as present"
                if !inventory.warnings.contains(warning) { inventory.warnings.append(warning) }
            }
        }
        // the template does not say how long a component host is awake: the default awake hours
        inventory.count(present: present, all: all, weightsGB: weightsGB, awakeHoursPerDay: ServiceConfig().awakeHoursPerDay)
        return inventory
    }

    /// A whole number from a template value (a JSON number, or a string of digits).
    static func integer(_ value: Any?) -> Int? {
        if let number = value as? NSNumber { return number.intValue }
        if let text = value as? String { return Int(text) }
        return nil
    }

    /// Logical IDs and parameter names a template value refers to: `Ref`, `Fn::GetAtt` and the
    /// `${Name}` / `${Name.Attribute}` variables of `Fn::Sub`.
    static func templateReferences(_ value: Any?) -> [String] {
        if let list = value as? [Any] { return list.flatMap(templateReferences) }
        guard let object = value as? [String: Any] else { return [] }
        if let target = object["Ref"] as? String { return [target] }
        if let attribute = object["Fn::GetAtt"] {
            if let parts = attribute as? [Any], let target = parts.first as? String { return [target] }
            if let text = attribute as? String { return [String(text.split(separator: ".").first ?? "")] }
        }
        if let sub = object["Fn::Sub"] {
            let text = (sub as? String) ?? ((sub as? [Any])?.first as? String) ?? ""
            var found: [String] = []
            var rest = Substring(text)
            while let open = rest.range(of: "${") {
                guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
                let name = rest[open.upperBound..<close]
                if !name.hasPrefix("!") { found.append(String(name.split(separator: ".").first ?? name)) }
                rest = rest[rest.index(after: close)...]
            }
            return found + ((sub as? [Any])?.dropFirst().flatMap(templateReferences) ?? [])
        }
        return object.keys.sorted().flatMap { templateReferences(object[$0]) }
    }

    /// The text of a schedule expression, with `${...}` variables of an `Fn::Sub` kept as written.
    static func scheduleExpression(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let object = value as? [String: Any], let sub = object["Fn::Sub"] {
            return (sub as? String) ?? ((sub as? [Any])?.first as? String)
        }
        return nil
    }

    /// Invocations per 730-hour month of `at(…)` (one), `rate(N minutes|hours|days)`, or nil.
    static func invocationsPerMonth(_ expression: String) -> Double? {
        if expression.hasPrefix("at(") { return 1 }
        guard expression.hasPrefix("rate("), expression.hasSuffix(")") else { return nil }
        let parts = expression.dropFirst(5).dropLast().split(separator: " ")
        guard parts.count == 2, let count = Double(parts[0]), count > 0 else { return nil }
        let minutes: Double
        switch parts[1].hasSuffix("s") ? String(parts[1].dropLast()) : String(parts[1]) {
        case "minute": minutes = count
        case "hour": minutes = count * 60
        case "day": minutes = count * 1_440
        default: return nil
        }
        return Estimate.hoursPerMonth * 60 / minutes
    }
}

/// The parameter values and `Conditions` of one template, evaluated for one deployment.
struct TemplateConditions {
    /// Parameter values: given ones, else each parameter's `Default`, plus `AWS::Region`.
    let values: [String: String]
    let conditions: [String: Any]

    init(document: [String: Any], given: [String: String], region: String) {
        var values: [String: String] = ["AWS::Region": region]
        for (name, declaration) in document["Parameters"] as? [String: Any] ?? [:] {
            if let value = given[name] {
                values[name] = value
            } else if let fallback = (declaration as? [String: Any])?["Default"] {
                values[name] = fallback as? String ?? (fallback as? NSNumber)?.stringValue
            }
        }
        self.values = values
        conditions = document["Conditions"] as? [String: Any] ?? [:]
    }

    /// Whether the named condition holds, or nil when it cannot be evaluated.
    func holds(_ name: String, depth: Int = 0) -> Bool? {
        guard depth < 32, let expression = conditions[name] else { return nil }
        return evaluate(expression, depth: depth + 1)
    }

    private func evaluate(_ expression: Any, depth: Int) -> Bool? {
        guard let object = expression as? [String: Any], object.count == 1, let (function, argument) = object.first else { return nil }
        let arguments = argument as? [Any] ?? []
        switch function {
        case "Fn::Equals":
            guard arguments.count == 2, let a = scalar(arguments[0]), let b = scalar(arguments[1]) else { return nil }
            return a == b
        case "Fn::Not":
            guard arguments.count == 1 else { return nil }
            return evaluate(arguments[0], depth: depth + 1).map(!)
        case "Fn::And", "Fn::Or":
            let results = arguments.map { evaluate($0, depth: depth + 1) }
            if results.contains(where: { $0 == nil }) { return nil }
            return function == "Fn::And" ? results.allSatisfy { $0 == true } : results.contains { $0 == true }
        case "Condition":
            return (argument as? String).flatMap { holds($0, depth: depth + 1) }
        default:
            return nil
        }
    }

    private func scalar(_ value: Any) -> String? {
        if let text = value as? String { return text }
        if let number = value as? NSNumber { return number.stringValue }
        if let object = value as? [String: Any], object.count == 1, let name = object["Ref"] as? String { return values[name] }
        return nil
    }
}
