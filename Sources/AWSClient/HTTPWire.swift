import Foundation

/// HTTP/1.1 on the wire, without sockets: where a plain `http://` URL goes, the request's bytes,
/// and an incremental reader of the answer (RFC 9112). `PlainHTTPTransport` moves the bytes.
enum HTTPWire {
    /// Where a plain `http://` URL goes.
    struct Target: Equatable, Sendable {
        /// The host for the resolver: a name or an address, an IPv6 literal without brackets.
        var host: String
        /// The port (80 when the URL names none).
        var port: Int
        /// The `Host` header, as SigV4 signs it: the host lower-cased (IPv6 brackets kept), the port
        /// only when it is not 80.
        var hostHeader: String
        /// The request target: path and query, `/` when the URL has no path; never the fragment.
        var path: String

        /// Splits `http://host[:port][/path][?query][#fragment]`; nil for any other scheme, an
        /// empty host, a bad port, or bytes an HTTP request line cannot carry (controls, spaces,
        /// non-ASCII: a URL is sent already encoded).
        init?(url: String) {
            let bytes = Array(url.utf8)
            guard bytes.count > 7, String(decoding: bytes[0..<7], as: UTF8.self).lowercased() == "http://",
                  bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return nil }
            var end = 7
            while end < bytes.count, ![0x2f, 0x3f, 0x23].contains(bytes[end]) { end += 1 }  // / ? #
            var authority = String(decoding: bytes[7..<end], as: UTF8.self)
            if let at = authority.lastIndex(of: "@") { authority = String(authority[authority.index(after: at)...]) }
            var rest = String(decoding: bytes[end...], as: UTF8.self)
            if let hash = rest.firstIndex(of: "#") { rest = String(rest[..<hash]) }
            path = rest.hasPrefix("/") ? rest : "/" + rest
            var hostText = authority
            var portText: Substring?
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { return nil }
                hostText = String(authority[...close])
                let after = authority[authority.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":") else { return nil }
                    portText = after.dropFirst()
                }
                host = String(hostText.dropFirst().dropLast())
            } else {
                if let colon = authority.lastIndex(of: ":") {
                    hostText = String(authority[..<colon])
                    portText = authority[authority.index(after: colon)...]
                }
                host = hostText
            }
            guard !host.isEmpty else { return nil }
            if let portText {
                guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCIIDigit), let number = Int(portText),
                      (1...65535).contains(number) else { return nil }
                port = number
            } else {
                port = 80
            }
            hostHeader = hostText.lowercased() + (port == 80 ? "" : ":\(port)")
        }
    }

    /// Header names the transport writes itself (framing and connection), dropped from the caller's.
    static let ownHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection"]

    /// The request head: request line, `Host`, the caller's headers in their order, `User-Agent`
    /// unless given, `Content-Length` when there is a body (or the method carries one), and
    /// `Connection: close`.
    ///
    /// - Returns: nil when a header name or value holds a line break or another control character.
    static func requestHead(method: String, target: Target, headers: [(name: String, value: String)], bodyLength: Int,
                            userAgent: String) -> [UInt8]? {
        func clean(_ text: String) -> Bool { text.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7f || $0 == 0x09 } }
        guard !method.isEmpty, method.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return nil }
        var text = "\(method) \(target.path) HTTP/1.1\r\nHost: \(target.hostHeader)\r\n"
        var hasAgent = false
        for header in headers where !ownHeaders.contains(header.name.lowercased()) {
            guard !header.name.isEmpty, header.name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != 0x3a }), clean(header.value) else { return nil }
            hasAgent = hasAgent || header.name.lowercased() == "user-agent"
            text += "\(header.name): \(header.value)\r\n"
        }
        if !hasAgent { text += "User-Agent: \(userAgent)\r\n" }
        if bodyLength > 0 || ["POST", "PUT", "PATCH"].contains(method) { text += "Content-Length: \(bodyLength)\r\n" }
        text += "Connection: close\r\n\r\n"
        return Array(text.utf8)
    }

    /// An answer that is not HTTP/1.1 as RFC 9112 frames it.
    struct Malformed: Error, Equatable {
        var detail: String
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Reads one HTTP/1.1 answer from bytes as they arrive: interim 1xx answers skipped, the head
/// parsed (header names lower-cased, repeated headers joined with `, `, folded lines unfolded),
/// then the body framed by RFC 9112 §6.3: none for HEAD, 204 and 304; chunked when the last
/// transfer coding is `chunked`; else `Content-Length`; else up to the close.
struct HTTPResponseReader {
    /// The status, once the head is complete.
    private(set) var status: Int?
    /// The headers, names lower-cased, once the head is complete.
    private(set) var headers: [String: String] = [:]
    /// The body so far (de-chunked).
    private(set) var body = Data()
    /// Whether the whole answer has arrived.
    private(set) var isComplete = false
    /// The body's length as `Content-Length` announced it, for messages.
    private(set) var expectedLength: Int?
    /// Bytes of the answer read so far, head included.
    private(set) var bytesRead = 0

    private enum Framing { case none, length(Int), chunked, untilClose }
    private enum Chunk { case size, data(Int), dataEnd, trailer }

    private let isHead: Bool
    private var framing = Framing.untilClose
    private var chunk = Chunk.size
    /// Head bytes, or a chunk-size or trailer line, not complete yet.
    private var pending: [UInt8] = []
    /// The longest head (and the longest chunk line) accepted.
    static let headLimit = 64 * 1024
    static let lineLimit = 4096

    /// - Parameter method: the request's method (a HEAD answer has no body whatever it says).
    init(method: String) { isHead = method.uppercased() == "HEAD" }

    /// Takes the next bytes from the connection.
    ///
    /// - Returns: how many body bytes they added (the newest bytes of `body`).
    /// - Throws: `HTTPWire.Malformed` for an answer that cannot be framed.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        bytesRead += bytes.count
        let before = body.count
        var input = bytes[...]
        while !input.isEmpty, !isComplete {
            if status == nil {
                try readHead(&input)
            } else {
                try readBody(&input)
            }
        }
        return body.count - before
    }

    /// The connection was closed: completes an answer read up to the close.
    ///
    /// - Returns: whether the answer is complete.
    mutating func end() -> Bool {
        if status != nil, case .untilClose = framing { isComplete = true }
        return isComplete
    }

    private mutating func readHead(_ input: inout Slice<UnsafeRawBufferPointer>) throws {
        var scanFrom = max(0, pending.count - 3)
        pending.append(contentsOf: input)
        input = input[input.endIndex...]
        while status == nil {  // interim 1xx answers come before the real head
            guard let end = Self.headEnd(pending, from: scanFrom) else {
                if pending.count > Self.headLimit { throw HTTPWire.Malformed(detail: "an answer head over \(Self.headLimit) bytes") }
                return
            }
            try parseHead(pending[..<end.head])
            pending.removeFirst(end.body)
            scanFrom = 0
        }
        framing = try Self.framing(status: status ?? 0, headers: headers, isHead: isHead)
        switch framing {
        case .none:
            isComplete = true
        case .length(let length):
            expectedLength = length
            isComplete = length == 0
            body.reserveCapacity(min(length, 16 << 20))
        default: break
        }
        let rest = pending
        pending = []
        guard !rest.isEmpty, !isComplete else { return }
        try rest.withUnsafeBytes { raw in
            var more = raw[...]
            while !more.isEmpty, !isComplete { try readBody(&more) }
        }
    }

    /// Where the head ends (the blank line: CRLF CRLF, or bare LF LF) and the body starts.
    private static func headEnd(_ bytes: [UInt8], from start: Int) -> (head: Int, body: Int)? {
        var index = start
        while index < bytes.count {
            if bytes[index] == 0x0a {
                if index + 1 < bytes.count, bytes[index + 1] == 0x0a { return (index, index + 2) }
                if index + 2 < bytes.count, bytes[index + 1] == 0x0d, bytes[index + 2] == 0x0a { return (index, index + 3) }
            }
            index += 1
        }
        return nil
    }

    private mutating func parseHead(_ head: ArraySlice<UInt8>) throws {
        var lines = head.split(separator: 0x0a, omittingEmptySubsequences: false).map { line -> String in
            String(decoding: line.last == 0x0d ? line.dropLast() : line, as: UTF8.self)
        }
        // Leading blank lines before the status line are tolerated (RFC 9112 §2.2).
        while lines.first?.isEmpty == true { lines.removeFirst() }
        guard let statusLine = lines.first else { throw HTTPWire.Malformed(detail: "an empty answer head") }
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let code = Int(parts[1]), (100...599).contains(code) else {
            throw HTTPWire.Malformed(detail: "not an HTTP/1.x status line: \(statusLine.prefix(80))")
        }
        if (100..<200).contains(code) {
            guard code != 101 else { throw HTTPWire.Malformed(detail: "HTTP 101 Switching Protocols, which was never asked for") }
            return
        }
        var fields: [(String, String)] = []
        for line in lines.dropFirst() where !line.isEmpty {
            if line.first == " " || line.first == "\t" {  // obsolete line folding: part of the previous value
                guard !fields.isEmpty else { throw HTTPWire.Malformed(detail: "a folded line before any header") }
                fields[fields.count - 1].1 += " " + line.trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw HTTPWire.Malformed(detail: "a header line without a name: \(line.prefix(80))")
            }
            let name = line[..<colon]
            guard !name.contains(where: { $0 == " " || $0 == "\t" }) else {
                throw HTTPWire.Malformed(detail: "whitespace in the header name '\(name.prefix(40))'")
            }
            fields.append((name.lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var joined: [String: String] = [:]
        for (name, value) in fields { joined[name] = joined[name].map { $0 + ", " + value } ?? value }
        headers = joined
        status = code
    }

    private static func framing(status: Int, headers: [String: String], isHead: Bool) throws -> Framing {
        if isHead || status == 204 || status == 304 { return .none }
        if let codings = headers["transfer-encoding"] {
            let last = codings.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            return last == "chunked" ? .chunked : .untilClose
        }
        if let text = headers["content-length"] {
            let values = Set(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            guard values.count == 1, let value = values.first, !value.isEmpty, value.count <= 18, value.allSatisfy(\.isASCIIDigit),
                  let length = Int(value) else {
                throw HTTPWire.Malformed(detail: "Content-Length '\(text.prefix(40))' is not one length")
            }
            return .length(length)
        }
        return .untilClose
    }

    private mutating func readBody(_ input: inout Slice<UnsafeRawBufferPointer>) throws {
        switch framing {
        case .none:
            isComplete = true
        case .untilClose:
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input))
            input = input[input.endIndex...]
        case .length(let length):
            let take = min(length - body.count, input.count)
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input.prefix(take)))
            input = input.dropFirst(take)
            if body.count == length { isComplete = true }
        case .chunked:
            try readChunked(&input)
        }
    }

    private mutating func readChunked(_ input: inout Slice<UnsafeRawBufferPointer>) throws {
        switch chunk {
        case .data(let left):
            let take = min(left, input.count)
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input.prefix(take)))
            input = input.dropFirst(take)
            chunk = take == left ? .dataEnd : .data(left - take)
        case .size, .dataEnd, .trailer:
            guard let line = try takeLine(&input) else { return }
            switch chunk {
            case .size:
                let sizeText = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
                    .trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
                guard !sizeText.isEmpty, sizeText.count <= 15, let size = Int(sizeText, radix: 16), size >= 0 else {
                    throw HTTPWire.Malformed(detail: "a chunk size that is not hexadecimal: '\(line.prefix(40))'")
                }
                chunk = size == 0 ? .trailer : .data(size)
            case .dataEnd:
                guard line.isEmpty else { throw HTTPWire.Malformed(detail: "a chunk longer than its size line said") }
                chunk = .size
            default:  // trailer fields, up to the blank line; not kept
                if line.isEmpty { isComplete = true }
            }
        }
    }

    /// One line (without CRLF or LF) when it is complete; its bytes are kept until then.
    private mutating func takeLine(_ input: inout Slice<UnsafeRawBufferPointer>) throws -> String? {
        guard let newline = input.firstIndex(of: 0x0a) else {
            pending.append(contentsOf: input)
            input = input[input.endIndex...]
            if pending.count > Self.lineLimit { throw HTTPWire.Malformed(detail: "a chunk line over \(Self.lineLimit) bytes") }
            return nil
        }
        pending.append(contentsOf: input[..<newline])
        input = input[(newline + 1)...]
        var line = pending
        pending = []
        if line.last == 0x0d { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
    }
}
