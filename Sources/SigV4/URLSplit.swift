import Foundation

/// A URL split the way SigV4 needs it, on bytes, without Foundation's URL (which rejects raw
/// spaces and UTF-8 and may re-encode the path). Ranges index the URL's UTF-8 bytes.
struct URLSplit {
    var host: Range<Int>
    var port: Int?
    var path: Range<Int>
    var query: Range<Int>
    var defaultPort: Int?

    init(_ bytes: UnsafeBufferPointer<UInt8>, original: @autoclosure () -> String) throws {
        var colon = 0
        while colon < bytes.count, bytes[colon] != 0x3a { colon += 1 }
        guard colon > 0, colon + 2 < bytes.count, bytes[colon + 1] == 0x2f, bytes[colon + 2] == 0x2f else {
            throw SigV4Error.invalidURL(original())
        }
        func schemeIs(_ name: StaticString) -> Bool {
            guard colon == name.utf8CodeUnitCount else { return false }
            for index in 0..<colon where bytes[index] | 0x20 != name.utf8Start[index] { return false }
            return true
        }
        defaultPort = schemeIs("https") ? 443 : schemeIs("http") ? 80 : nil
        var index = colon + 3
        var authorityStart = index
        while index < bytes.count, bytes[index] != 0x2f, bytes[index] != 0x3f, bytes[index] != 0x23 {
            if bytes[index] == 0x40 { authorityStart = index + 1 }
            index += 1
        }
        let authorityEnd = index
        guard authorityStart < authorityEnd else { throw SigV4Error.invalidURL(original()) }
        let pathStart = index
        while index < bytes.count, bytes[index] != 0x3f, bytes[index] != 0x23 { index += 1 }
        path = pathStart..<index
        query = index..<index
        if index < bytes.count, bytes[index] == 0x3f {
            var end = index + 1
            while end < bytes.count, bytes[end] != 0x23 { end += 1 }
            query = (index + 1)..<end
        }
        // Host and port; IPv6 literals keep their brackets.
        var hostEnd = authorityEnd
        var portStart: Int?
        if bytes[authorityStart] == 0x5b {
            var close = authorityStart
            while close < authorityEnd, bytes[close] != 0x5d { close += 1 }
            guard close < authorityEnd else { throw SigV4Error.invalidURL(original()) }
            hostEnd = close + 1
            if hostEnd < authorityEnd {
                guard bytes[hostEnd] == 0x3a else { throw SigV4Error.invalidURL(original()) }
                portStart = hostEnd + 1
            }
        } else {
            var scan = authorityEnd - 1
            while scan > authorityStart, bytes[scan] != 0x3a { scan -= 1 }
            if bytes[scan] == 0x3a {
                hostEnd = scan
                portStart = scan + 1
            }
        }
        host = authorityStart..<hostEnd
        guard !host.isEmpty else { throw SigV4Error.invalidURL(original()) }
        if let portStart {
            var number = 0
            guard portStart < authorityEnd, authorityEnd - portStart <= 5 else { throw SigV4Error.invalidURL(original()) }
            for position in portStart..<authorityEnd {
                let digit = bytes[position]
                guard digit >= 0x30, digit <= 0x39 else { throw SigV4Error.invalidURL(original()) }
                number = number * 10 + Int(digit - 0x30)
            }
            port = number
        }
    }

    /// Writes the `host` header value: lower-case host, the port only when it is not the scheme's default.
    func writeHost(_ bytes: UnsafeBufferPointer<UInt8>, into w: inout Writer) {
        for index in host {
            let byte = bytes[index]
            w.append(byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte)
        }
        if let port, port != defaultPort {
            w.append(0x3a)
            w.appendDecimal(port)
        }
    }
}
