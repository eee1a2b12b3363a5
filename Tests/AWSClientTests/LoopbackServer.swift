import Foundation
import Testing
@testable import AWSClient
#if canImport(Glibc)
import Glibc
#endif

/// A small real HTTP/1.1 server on 127.0.0.1 for the credential provider tests: a thread per
/// connection, `Connection: close`, answers from a handler, every request recorded.
final class LoopbackServer: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        /// Header names lower-cased.
        var headers: [String: String]
        var body: Data
        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    struct Response: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: String = ""
        /// Seconds to wait before answering (to make a client time out).
        var delay: TimeInterval = 0

        static func json(_ body: String, status: Int = 200) -> Response {
            Response(status: status, headers: ["Content-Type": "application/json"], body: body)
        }

        static func xml(_ body: String, status: Int = 200) -> Response {
            Response(status: status, headers: ["Content-Type": "text/xml"], body: body)
        }
    }

    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    private let listener: Int32
    private let handler: @Sendable (Request) -> Response
    private let log = Locked<[Request]>([])

    /// Starts listening on a free port.
    init(_ handler: @escaping @Sendable (Request) -> Response) throws {
        self.handler = handler
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 32) == 0 else {
            close(listener)
            throw TransportError(reason: "loopback server: bind/listen failed (errno \(errno))", isRetryable: false)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        // The accept loop holds the server weakly, so that `deinit` (which shuts the socket down and
        // so ends the loop) runs when the test lets go of it.
        Thread { [weak self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { break }
                guard let self else { close(client); break }
                Thread { self.serve(client) }.start()
            }
        }.start()
    }

    deinit { stop() }

    /// Stops accepting (shutdown wakes the blocked `accept`).
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Every request received so far.
    var requests: [Request] { log.withLock { $0 } }

    private func serve(_ client: Int32) {
        defer { close(client) }
        guard let request = Self.readRequest(client) else { return }
        log.withLock { $0.append(request) }
        let response = handler(request)
        if response.delay > 0 { Thread.sleep(forTimeInterval: response.delay) }
        let payload = Array(response.body.utf8)
        var text = "HTTP/1.1 \(response.status) \(response.status == 200 ? "OK" : "Status")\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n"
        for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
        write(client, Array((text + "\r\n").utf8) + payload)
    }

    /// Reads one request: the head, then as many body bytes as `Content-Length` says (answering
    /// `Expect: 100-continue`); nil when the connection ends first.
    static func readRequest(_ client: Int32) -> Request? {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let separator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        while headerEnd == nil {
            let count = read(client, &chunk, chunk.count)
            if count <= 0 { return nil }
            let scanFrom = max(0, buffer.count - 3)
            buffer += chunk[0..<count]
            headerEnd = buffer.indices.dropFirst(scanFrom).dropLast(3).first { Array(buffer[$0..<$0 + 4]) == separator }
        }
        let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head[0].split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if headers["expect"]?.lowercased() == "100-continue" { writeAll(client, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) }
        var body = Array(buffer[(headerEnd! + 4)...])
        let expected = Int(headers["content-length"] ?? "0") ?? 0
        body.reserveCapacity(expected)
        while body.count < expected {
            let count = read(client, &chunk, chunk.count)
            if count <= 0 { break }
            body += chunk[0..<count]
        }
        return Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: Data(body))
    }

    /// Writes every byte (or stops at the first failure).
    @discardableResult
    static func writeAll(_ client: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return false }
            sent += count
        }
        return true
    }

    private func write(_ client: Int32, _ bytes: [UInt8]) { Self.writeAll(client, bytes) }
}

/// The real transport (`StandardTransport`: sockets for http) behind a guard: a request to anything
/// but a loopback address fails the test and is never sent (so no test reaches 169.254.169.254 or
/// another host). With `allowRefusals` (a test that checks which address would be used) the refusal
/// is only recorded.
struct LoopbackOnlyTransport: HTTPTransport {
    let inner: StandardTransport
    let refused: Locked<[String]>
    let allowRefusals: Bool

    init(timeout: TimeInterval = 5, refused: Locked<[String]> = Locked([]), allowRefusals: Bool = false) {
        inner = StandardTransport(timeout: timeout)
        self.refused = refused
        self.allowRefusals = allowRefusals
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let host = ContainerCredentials.host(of: request.url) ?? ""
        guard ContainerCredentials.isLoopback(host) || host == "localhost" else {
            refused.withLock { $0.append(request.url) }
            if !allowRefusals { Issue.record("a test tried to reach \(request.url), which is not a loopback address") }
            throw TransportError(reason: "test guard: \(request.url) is not a loopback address", isRetryable: false)
        }
        return try await inner.send(request)
    }
}
