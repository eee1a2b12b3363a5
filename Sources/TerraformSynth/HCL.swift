/// An HCL expression, as the translator builds it and the renderer writes it.
///
/// References are traversals (`aws_vpc.vpc.id`, `var.region`), never strings, so a test can walk the
/// tree and resolve them; only validation conditions are written as `raw` text.
public indirect enum HCLExpression: Hashable, Sendable {
    /// A quoted string literal; the renderer escapes `"`, `\`, control characters, `${` and `%{`.
    case string(String)
    /// A number: written without a fraction when it is whole.
    case number(Double)
    case bool(Bool)
    /// A list: on one line when every item is a scalar, else one item per line with trailing commas.
    case list([HCLExpression])
    /// An object, keys in the given order, one `key = value` per line.
    case object([HCLObjectItem])
    /// A reference: `var.region`, `local.tgi_image`, `aws_vpc.vpc.id`, `data.aws_region.current.name`.
    case traversal(String)
    /// `collection[key]`.
    case index(HCLExpression, HCLExpression)
    /// `value.name`.
    case getAttribute(HCLExpression, String)
    /// `name(arguments…)`.
    case call(String, [HCLExpression])
    /// `condition ? whenTrue : whenFalse`.
    case conditional(HCLExpression, HCLExpression, HCLExpression)
    /// `!operand`.
    case not(HCLExpression)
    /// `left operator right`, for arithmetic on variables (`max(1, var.lambda_timeout - 3) * 800000`).
    case binary(String, HCLExpression, HCLExpression)
    /// `base[*].attribute`: an attribute of every instance of a resource with `count`, a list of zero
    /// or one here (`one(aws_sagemaker_endpoint.endpoint[*].name)`).
    case splat(HCLExpression, String)
    /// An interpolated string: `"arn:${data.aws_partition.current.partition}:…"`.
    case template([HCLTemplatePart])
    /// Expression text written by hand: validation and precondition conditions, and arithmetic on a
    /// variable (`var.lambda_timeout - 3`).
    case raw(String)

    /// A resource or data attribute reference built from its parts.
    public static func reference(_ address: String, _ attribute: String) -> HCLExpression {
        .traversal("\(address).\(attribute)")
    }

    /// `var.name`.
    public static func variable(_ name: String) -> HCLExpression { .traversal("var.\(name)") }

    /// `local.name`.
    public static func local(_ name: String) -> HCLExpression { .traversal("local.\(name)") }

    /// Whether it renders on one line.
    var isSingleLine: Bool {
        switch self {
        case .string, .number, .bool, .traversal, .template: true
        case .raw(let text): !text.contains("\n")
        case .list(let items):
            items.allSatisfy(\.isScalar)
                && items.reduce(0) { $0 + HCLRenderer.render($1, indent: 0).count + 2 } <= HCLRenderer.inlineListLimit
        case .object(let items): items.isEmpty
        case .index(let base, let key): base.isSingleLine && key.isSingleLine
        case .getAttribute(let base, _), .splat(let base, _), .not(let base): base.isSingleLine
        case .call(_, let arguments): arguments.allSatisfy(\.isSingleLine)
        case .conditional(let condition, let whenTrue, let whenFalse):
            condition.isSingleLine && whenTrue.isSingleLine && whenFalse.isSingleLine
        case .binary(_, let left, let right): left.isSingleLine && right.isSingleLine
        }
    }

    private var isScalar: Bool {
        switch self {
        case .list, .object: false
        case .call(_, let arguments): arguments.allSatisfy(\.isScalar)
        default: isSingleLine
        }
    }
}

/// One `key = value` of an object.
public struct HCLObjectItem: Hashable, Sendable {
    public var key: String
    public var value: HCLExpression

    public init(_ key: String, _ value: HCLExpression) {
        self.key = key
        self.value = value
    }
}

/// A piece of an interpolated string.
public enum HCLTemplatePart: Hashable, Sendable {
    case literal(String)
    case interpolation(HCLExpression)
}

extension HCLExpression {
    /// Calls `visit` with the path of every reference in the expression, in order: each traversal
    /// (`var.region`, `aws_vpc.vpc.id`, `data.aws_region.current.name`) and each `var.`, `local.` or
    /// `data.` path written inside `raw` text.
    func forEachTraversal(_ visit: (String) -> Void) {
        switch self {
        case .traversal(let path): visit(path)
        case .raw(let text): for match in text.matches(of: /\b(?:var|local|data)(?:\.[A-Za-z0-9_]+)+/) { visit(String(match.output)) }
        case .list(let items): items.forEach { $0.forEachTraversal(visit) }
        case .object(let items): items.forEach { $0.value.forEachTraversal(visit) }
        case .index(let base, let key), .binary(_, let base, let key): base.forEachTraversal(visit); key.forEachTraversal(visit)
        case .getAttribute(let base, _), .splat(let base, _), .not(let base): base.forEachTraversal(visit)
        case .conditional(let condition, let whenTrue, let whenFalse): [condition, whenTrue, whenFalse].forEach { $0.forEachTraversal(visit) }
        case .call(_, let arguments): arguments.forEach { $0.forEachTraversal(visit) }
        case .template(let parts): for case .interpolation(let inner) in parts { inner.forEachTraversal(visit) }
        case .string, .number, .bool: break
        }
    }
}

extension HCLBlock {
    /// `HCLExpression.forEachTraversal` over every attribute of the block and its nested blocks.
    func forEachTraversal(_ visit: (String) -> Void) {
        for item in body {
            switch item {
            case .attribute(_, let value): value.forEachTraversal(visit)
            case .block(let block): block.forEachTraversal(visit)
            case .comment, .blankLine: break
            }
        }
    }
}

/// One line of a block body.
public enum HCLBodyItem: Hashable, Sendable {
    /// `name = value`.
    case attribute(String, HCLExpression)
    /// A nested block.
    case block(HCLBlock)
    /// A `#` comment line (checkov skips are written this way).
    case comment(String)
    /// An empty line that separates groups.
    case blankLine
}

/// A block: `resource "aws_vpc" "vpc" { … }`, `variable "region" { … }`, `lifecycle { … }`.
public struct HCLBlock: Hashable, Sendable {
    public var type: String
    public var labels: [String]
    public var body: [HCLBodyItem]

    public init(_ type: String, _ labels: [String] = [], _ body: [HCLBodyItem] = []) {
        self.type = type
        self.labels = labels
        self.body = body
    }

    /// The value of the first attribute called `name` directly in this block.
    public func attribute(_ name: String) -> HCLExpression? {
        for item in body { if case .attribute(name, let value) = item { return value } }
        return nil
    }

    /// Nested blocks of one type, in order.
    public func blocks(_ type: String) -> [HCLBlock] {
        body.compactMap { if case .block(let block) = $0, block.type == type { block } else { nil } }
    }

    /// The `#` comments directly in this block.
    public var comments: [String] {
        body.compactMap { if case .comment(let text) = $0 { text } else { nil } }
    }
}

/// A `.tf` file: a header comment and top-level blocks separated by blank lines.
public struct HCLFile: Hashable, Sendable {
    /// The file name, for example `network.tf`.
    public var name: String
    /// Comment lines at the top of the file, without `# `.
    public var header: [String]
    public var blocks: [HCLBlock]

    public init(name: String, header: [String] = [], blocks: [HCLBlock]) {
        self.name = name
        self.header = header
        self.blocks = blocks
    }

    /// The text as `terraform fmt` would leave it: 2-space indent, `=` aligned within each run of
    /// one-line attributes, one blank line between top-level blocks, a trailing newline.
    public func rendered() -> String {
        var out = ""
        for line in header { out += line.isEmpty ? "#\n" : "# \(line)\n" }
        if !header.isEmpty && !blocks.isEmpty { out += "\n" }
        for (index, block) in blocks.enumerated() {
            if index > 0 { out += "\n" }
            HCLRenderer.write(block, indent: 0, into: &out)
        }
        return out
    }
}

/// Writes the HCL tree as text with `terraform fmt`'s layout rules.
///
/// The rules that matter: `terraform fmt` aligns the `=` of consecutive one-line attributes (and of
/// one-line object items); a multi-line value, a comment, a blank line or a nested block ends such a
/// run, and a multi-line attribute itself keeps a single space before `=`.
enum HCLRenderer {
    /// Lists of scalars longer than this (in characters) are written one item per line.
    static let inlineListLimit = 100

    static func pad(_ indent: Int) -> String { String(repeating: "  ", count: indent) }

    static func write(_ block: HCLBlock, indent: Int, into out: inout String) {
        out += pad(indent) + block.type
        for label in block.labels { out += " " + quoted(label) }
        if block.body.isEmpty {
            out += " {}\n"
            return
        }
        out += " {\n"
        writeBody(block.body, indent: indent + 1, into: &out)
        out += pad(indent) + "}\n"
    }

    /// Body items with `=` alignment over runs of one-line attributes.
    static func writeBody(_ items: [HCLBodyItem], indent: Int, into out: inout String) {
        var index = 0
        while index < items.count {
            if case .attribute(_, let value) = items[index], value.isSingleLine {
                var end = index
                var width = 0
                while end < items.count, case .attribute(let name, let value) = items[end], value.isSingleLine {
                    width = max(width, name.count)
                    end += 1
                }
                for item in items[index..<end] {
                    guard case .attribute(let name, let value) = item else { continue }
                    out += pad(indent) + name + String(repeating: " ", count: width - name.count) + " = "
                        + render(value, indent: indent) + "\n"
                }
                index = end
                continue
            }
            switch items[index] {
            case .attribute(let name, let value):
                out += pad(indent) + name + " = " + render(value, indent: indent) + "\n"
            case .block(let block):
                write(block, indent: indent, into: &out)
            case .comment(let text):
                out += pad(indent) + "#" + text + "\n"
            case .blankLine:
                out += "\n"
            }
            index += 1
        }
    }

    /// An expression whose first line continues the current line and whose later lines are indented
    /// from `indent`.
    static func render(_ expression: HCLExpression, indent: Int) -> String {
        switch expression {
        case .string(let text): return quoted(text)
        case .number(let number): return formatNumber(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .traversal(let path): return path
        case .raw(let text): return text
        case .index(let base, let key): return render(base, indent: indent) + "[" + render(key, indent: indent) + "]"
        case .getAttribute(let base, let name): return render(base, indent: indent) + "." + name
        case .splat(let base, let name): return render(base, indent: indent) + "[*]." + name
        case .not(let operand): return "!" + render(operand, indent: indent)
        case .binary(let op, let left, let right): return render(left, indent: indent) + " \(op) " + render(right, indent: indent)
        case .conditional(let condition, let whenTrue, let whenFalse):
            return render(condition, indent: indent) + " ? " + render(whenTrue, indent: indent) + " : " + render(whenFalse, indent: indent)
        case .template(let parts):
            var text = "\""
            for part in parts {
                switch part {
                case .literal(let literal): text += escaped(literal)
                case .interpolation(let inner): text += "${" + render(inner, indent: indent) + "}"
                }
            }
            return text + "\""
        case .call(let name, let arguments):
            return name + "(" + arguments.map { render($0, indent: indent) }.joined(separator: ", ") + ")"
        case .list(let items):
            if expression.isSingleLine {
                return "[" + items.map { render($0, indent: indent) }.joined(separator: ", ") + "]"
            }
            var text = "[\n"
            for item in items { text += pad(indent + 1) + render(item, indent: indent + 1) + ",\n" }
            return text + pad(indent) + "]"
        case .object(let items):
            if items.isEmpty { return "{}" }
            var text = "{\n"
            writeBody(items.map { .attribute(objectKey($0.key), $0.value) }, indent: indent + 1, into: &text)
            return text + pad(indent) + "}"
        }
    }

    /// An object key: bare when it is an identifier, else quoted.
    static func objectKey(_ key: String) -> String {
        isIdentifier(key) ? key : quoted(key)
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || first == "_" else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }

    static func formatNumber(_ number: Double) -> String {
        if number == number.rounded(), abs(number) < 1e15 { return String(Int(number)) }
        return String(number)
    }

    static func quoted(_ text: String) -> String { "\"" + escaped(text) + "\"" }

    /// Escapes a literal for a quoted HCL string: `${` and `%{` are doubled so they stay literal.
    static func escaped(_ text: String) -> String {
        var out = ""
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "{" where previous == "$" || previous == "%":
                // `${` → `$${`, `%{` → `%%{`: insert the doubled sigil before the brace.
                out.unicodeScalars.append(previous!)
                out += "{"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            previous = scalar
        }
        return out
    }
}
