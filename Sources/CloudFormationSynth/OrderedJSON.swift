import StackModel

/// A JSON document with objects in a chosen key order: the renderer decides the order, never a
/// dictionary.
public indirect enum OrderedJSON: Hashable, Sendable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    public static func == (lhs: OrderedJSON, rhs: OrderedJSON) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .string(let s): hasher.combine(s)
        case .int(let i): hasher.combine(i)
        case .double(let d): hasher.combine(d)
        case .bool(let b): hasher.combine(b)
        case .null: hasher.combine(0)
        case .array(let a): hasher.combine(a)
        case .object(let o): for (k, v) in o { hasher.combine(k); hasher.combine(v) }
        }
    }

    /// An object whose keys are written in sorted order.
    public static func sorted(_ fields: [String: OrderedJSON]) -> OrderedJSON {
        .object(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// The value of `key` in an object.
    public subscript(_ key: String) -> OrderedJSON? {
        guard case .object(let fields) = self else { return nil }
        return fields.first { $0.0 == key }?.1
    }

    /// The text: 2-space indent, `": "` after keys, no escaping of `/` or non-ASCII, and a trailing
    /// newline, so the same value always gives the same bytes.
    public func rendered() -> String {
        var out = ""
        out.reserveCapacity(64 * 1024)
        write(to: &out, indent: 0)
        out.append("\n")
        return out
    }

    /// The same document without any whitespace between tokens: what deploy sends as the
    /// `TemplateBody` (a third smaller, so the default stack stays under CreateStack's 51,200 bytes).
    public func compact() -> String {
        var out = ""
        out.reserveCapacity(48 * 1024)
        writeCompact(to: &out)
        return out
    }

    private func writeCompact(to out: inout String) {
        switch self {
        case .array(let items):
            out.append("[")
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(",") }
                item.writeCompact(to: &out)
            }
            out.append("]")
        case .object(let fields):
            out.append("{")
            for (index, (key, value)) in fields.enumerated() {
                if index > 0 { out.append(",") }
                OrderedJSON.quote(key, into: &out)
                out.append(":")
                value.writeCompact(to: &out)
            }
            out.append("}")
        default:
            write(to: &out, indent: 0)
        }
    }

    private func write(to out: inout String, indent: Int) {
        switch self {
        case .string(let text): OrderedJSON.quote(text, into: &out)
        case .int(let number): out.append(String(number))
        case .double(let number):
            if number == number.rounded(), abs(number) < 1e15 { out.append(String(Int(number))) } else { out.append(String(number)) }
        case .bool(let flag): out.append(flag ? "true" : "false")
        case .null: out.append("null")
        case .array(let items):
            if items.isEmpty { out.append("[]"); return }
            out.append("[\n")
            for (index, item) in items.enumerated() {
                out.append(OrderedJSON.indent(indent + 2))
                item.write(to: &out, indent: indent + 2)
                out.append(index == items.count - 1 ? "\n" : ",\n")
            }
            out.append(OrderedJSON.indent(indent) + "]")
        case .object(let fields):
            if fields.isEmpty { out.append("{}"); return }
            out.append("{\n")
            for (index, (key, value)) in fields.enumerated() {
                out.append(OrderedJSON.indent(indent + 2))
                OrderedJSON.quote(key, into: &out)
                out.append(": ")
                value.write(to: &out, indent: indent + 2)
                out.append(index == fields.count - 1 ? "\n" : ",\n")
            }
            out.append(OrderedJSON.indent(indent) + "}")
        }
    }

    /// Runs of spaces for indentation, made once.
    static let indents: [String] = (0...64).map { String(repeating: " ", count: $0) }
    static func indent(_ width: Int) -> String { width < indents.count ? indents[width] : String(repeating: " ", count: width) }

    /// Appends `text` as a JSON string literal (`JSONText.appendQuoted`).
    public static func quote(_ text: String, into out: inout String) {
        JSONText.appendQuoted(text, into: &out)
    }
}
