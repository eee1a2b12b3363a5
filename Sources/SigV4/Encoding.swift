/// Lower-case hex encoding.
public enum Hex {
    @usableFromInline static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The lower-case hex form of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the lower-case hex form of `bytes` to `out`.
    @inlinable
    public static func append<C: Collection>(_ bytes: C, to out: inout [UInt8]) where C.Element == UInt8 {
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
    }
}

/// SigV4's percent-encoding (`UriEncode` in the AWS docs): every byte except `A-Z a-z 0-9 - . _ ~`
/// becomes `%XX` with upper-case hex.
public enum URIEncoding {
    private static let upper: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Whether `byte` is one of the unreserved characters `A-Z a-z 0-9 - . _ ~`.
    @inline(__always)
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x41...0x5a, 0x61...0x7a, 0x30...0x39, 0x2d, 0x2e, 0x5f, 0x7e: true
        default: false
        }
    }

    /// Appends the encoded form of `bytes` to `out`; `/` is kept when `keepSlash` is set.
    public static func append<C: Collection>(_ bytes: C, keepSlash: Bool, to out: inout [UInt8]) where C.Element == UInt8 {
        for byte in bytes {
            if isUnreserved(byte) || (keepSlash && byte == 0x2f) {
                out.append(byte)
            } else {
                out.append(0x25)
                out.append(upper[Int(byte >> 4)])
                out.append(upper[Int(byte & 0x0f)])
            }
        }
    }

    /// Encodes `text` (as UTF-8); `/` is kept when `keepSlash` is set.
    ///
    /// Use it for URL path segments (`keepSlash: false` for a label, `true` for an S3 key) and
    /// for query names and values.
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        append(text.utf8, keepSlash: keepSlash, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes; malformed escapes and `+` are kept as they are.
    public static func decode<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8, C.Index == Int {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == 0x25, index + 2 < bytes.endIndex,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
