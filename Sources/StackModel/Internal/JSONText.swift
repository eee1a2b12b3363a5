/// JSON string literals, as every renderer writes them: `"`, `\\` and control characters escaped,
/// `/` and non-ASCII left as they are.
public enum JSONText {
    /// Appends `text` as a JSON string literal, copying runs that need no escaping in one go.
    public static func appendQuoted(_ text: String, into out: inout String) {
        out.append("\"")
        let bytes = text.utf8
        var runStart = bytes.startIndex
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out.append(contentsOf: text[runStart..<index])
                switch byte {
                case UInt8(ascii: "\""): out.append("\\\"")
                case UInt8(ascii: "\\"): out.append("\\\\")
                case 0x0A: out.append("\\n")
                case 0x0D: out.append("\\r")
                case 0x09: out.append("\\t")
                case 0x08: out.append("\\b")
                case 0x0C: out.append("\\f")
                default:
                    let hex = String(byte, radix: 16)
                    out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                }
                bytes.formIndex(after: &index)
                runStart = index
            } else {
                bytes.formIndex(after: &index)
            }
        }
        out.append(contentsOf: text[runStart..<bytes.endIndex])
        out.append("\"")
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        var out = ""
        appendQuoted(text, into: &out)
        return out
    }
}
