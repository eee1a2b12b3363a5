import Foundation

import StackModel

// Model values as CloudFormation JSON: intrinsic functions, numbers, JSON text.
extension CloudFormationSynth {
    /// A model value as CloudFormation JSON: literals as they are, references as intrinsic
    /// functions, joins as `Fn::Sub` (or a plain string when every part is literal).
    public static func value(_ value: Value) -> OrderedJSON {
        switch value {
        case .string(let text): return .string(text)
        case .int(let number): return .int(number)
        case .double(let number): return self.number(number)
        case .bool(let flag): return .bool(flag)
        case .list(let items): return .array(items.map(self.value))
        case .object(let fields): return .sorted(fields.mapValues(self.value))
        case .orderedObject(let fields): return .object(fields.map { ($0.key, self.value($0.value)) })
        case .ref(let id): return .object([("Ref", .string(id.rawValue))])
        case .attribute(let id, let attribute): return .object([("Fn::GetAtt", .array([.string(id.rawValue), .string(attribute.rawValue)]))])
        case .pseudo(let parameter): return .object([("Ref", .string(parameter.rawValue))])
        case .availabilityZone(let index):
            return .object([("Fn::Select", .array([.int(index), .object([("Fn::GetAZs", .string(""))])]))])
        case .document(let inner): return self.value(inner)
        case .parameter(let name): return .object([("Ref", .string(name.rawValue))])
        case .ifCondition(let condition, let whenTrue, let whenFalse):
            return .object([("Fn::If", .array([.string(condition.rawValue), self.value(whenTrue), self.value(whenFalse)]))])
        case .join(let parts):
            var text = ""
            var literal = true
            for part in parts {
                switch part {
                case .string(let piece): text += piece.replacingOccurrences(of: "${", with: "${!")
                case .int(let number): text += String(number)
                case .ref(let id): text += "${\(id.rawValue)}"; literal = false
                case .attribute(let id, let attribute): text += "${\(id.rawValue).\(attribute.rawValue)}"; literal = false
                case .pseudo(let parameter): text += "${\(parameter.rawValue)}"; literal = false
                case .parameter(let name): text += "${\(name.rawValue)}"; literal = false
                default:
                    return .object([("Fn::Join", .array([.string(""), .array(parts.map(self.value))]))])
                }
            }
            if literal {
                return .string(parts.map { if case .string(let s) = $0 { s } else if case .int(let n) = $0 { String(n) } else { "" } }.joined())
            }
            return .object([("Fn::Sub", .string(text))])
        }
    }

    /// A number as JSON: whole numbers without a fraction.
    static func number(_ value: Double) -> OrderedJSON {
        value == value.rounded() && abs(value) < 1e15 ? .int(Int(value)) : .double(value)
    }
}
