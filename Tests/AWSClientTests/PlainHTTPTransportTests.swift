#if canImport(Glibc)
import Foundation
import Glibc
import Testing
@testable import AWSClient

/// `PlainHTTPTransport` against real loopback servers (ScriptedServer): framings, streaming, large
/// bodies both ways, timeouts, refused and broken connections, IPv6, cancellation.
@Suite("Plain HTTP on sockets")
struct PlainHTTPTransportTests {
    static func get(_ url: String, method: String = "GET", body: Data = Data(), timeout: TimeInterval = 10, idle: TimeInterval? = nil,
                    onBody: (@Sendable (Data) -> Void)? = nil) async throws -> HTTPResponse {
        try await PlainHTTPTransport(timeout: 10).send(HTTPRequest(method: method, url: url, headers: [("X-Test", "1")], body: body,
                                                                   timeout: timeout, idleTimeout: idle, onBody: onBody))
    }

    /// The transport's error for `url`, or a recorded issue when it answered.
    static func failure(_ url: String, timeout: TimeInterval = 10, idle: TimeInterval? = nil) async -> TransportError? {
        do {
            let response = try await get(url, timeout: timeout, idle: idle)
            Issue.record("expected a transport error, got HTTP \(response.status)")
        } catch let error as TransportError {
            return error
        } catch {
            Issue.record("expected a TransportError, got \(error)")
        }
        return nil
    }

    @Test func contentLengthAnswerAndTheRequestAsSent() async throws {
        let server = try ScriptedServer { connection in
            connection.send("HTTP/1.1 200 OK\r\nContent-Length: 11\r\nx-amzn-RequestId: abc\r\n\r\nhello world")
        }
        let response = try await Self.get(server.url + "/path?Action=Describe&x=%2F", method: "POST", body: Data("a=b".utf8))
        #expect(response.status == 200 && String(decoding: response.body, as: UTF8.self) == "hello world")
        #expect(response.headers["x-amzn-requestid"] == "abc")
        let request = try #require(server.requests.first)
        #expect(request.method == "POST" && request.path == "/path?Action=Describe&x=%2F" && request.bodyText == "a=b")
        #expect(request.headers["host"] == "127.0.0.1:\(server.port)" && request.headers["x-test"] == "1")
        #expect(request.headers["content-length"] == "3" && request.headers["connection"] == "close" && request.headers["expect"] == nil)
        #expect(request.headers["user-agent"] == "slmstack")
    }

    @Test func chunkedAnswerSplitAcrossWrites() async throws {
        let server = try ScriptedServer { connection in
            for piece in ["HTTP/1.1 200 OK\r\nTransfer-", "Encoding: chunked\r\n\r\n4\r", "\nwiki\r\n5\r\npedia\r\n", "E\r\n in\r\n\r\nchunks.\r\n0", "\r\n\r\n"] {
                connection.send(piece)
                connection.pause(0.02)
            }
        }
        let response = try await Self.get(server.url)
        #expect(String(decoding: response.body, as: UTF8.self) == "wikipedia in\r\n\r\nchunks.")
    }

    @Test func closeDelimitedAnswer() async throws {
        let server = try ScriptedServer { connection in
            connection.send("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nread ")
            connection.pause(0.05)
            connection.send("until the close")
        }
        let response = try await Self.get(server.url)
        #expect(String(decoding: response.body, as: UTF8.self) == "read until the close")
    }

    /// HEAD, 204 and 304 end with their head: the server keeps the connection open, and the call
    /// returns long before the idle timeout.
    @Test func answersWithoutABodyDoNotWaitForOne() async throws {
        let server = try ScriptedServer { connection in
            let status = connection.request.path == "/204" ? "204 No Content" : connection.request.path == "/304" ? "304 Not Modified" : "200 OK"
            connection.send("HTTP/1.1 \(status)\r\nContent-Length: 100\r\n\r\n")
            _ = connection.clientClosed(within: 10)
        }
        let started = Date()
        let head = try await Self.get(server.url + "/", method: "HEAD", idle: 5)
        let noContent = try await Self.get(server.url + "/204", method: "DELETE", idle: 5)
        let notModified = try await Self.get(server.url + "/304", idle: 5)
        #expect(head.status == 200 && noContent.status == 204 && notModified.status == 304)
        #expect(head.body.isEmpty && noContent.body.isEmpty && notModified.body.isEmpty)
        #expect(Date().timeIntervalSince(started) < 4)
    }

    /// `onBody` gets each piece as it arrives: the server sends its second event only after the
    /// client has seen the first.
    @Test func onBodyStreamsAsBytesArrive() async throws {
        let seenFirst = DispatchSemaphore(value: 0)
        let waited = Locked<Bool?>(nil)
        let server = try ScriptedServer { connection in
            connection.send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            connection.send("d\r\ndata: first\n\n\r\n")
            waited.withLock { $0 = seenFirst.wait(timeout: .now() + 10) == .success }
            connection.send("e\r\ndata: second\n\n\r\n0\r\n\r\n")
        }
        let pieces = Locked<[String]>([])
        let response = try await Self.get(server.url, method: "POST", body: Data("{}".utf8)) { chunk in
            let text = String(decoding: chunk, as: UTF8.self)
            pieces.withLock { $0.append(text) }
            if text.contains("first") { seenFirst.signal() }
        }
        #expect(waited.withLock { $0 } == true, "the first event reached onBody only after the whole answer")
        #expect(pieces.withLock { $0 } == ["data: first\n\n", "data: second\n\n"])
        #expect(String(decoding: response.body, as: UTF8.self) == "data: first\n\ndata: second\n\n")
    }

    /// `count` bytes: a 65,521-byte pattern (a prime length, so a piece out of place shows) repeated.
    static func pattern(count: Int, seed: Int) -> [UInt8] {
        let block = (0..<65_521).map { UInt8(truncatingIfNeeded: $0 &* seed &+ $0 >> 8) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count { bytes += block.prefix(count - bytes.count) }
        return bytes
    }

    /// 8 MiB up (Content-Length) and 12 MiB down, by length and chunked, byte for byte.
    @Test func largeBodiesBothWays() async throws {
        let upload = Data(Self.pattern(count: 8 << 20, seed: 31))
        let download = Self.pattern(count: 12 << 20, seed: 7)
        let server = try ScriptedServer { connection in
            let echoed = connection.request.body == upload ? "same" : "differs (\(connection.request.body.count) bytes)"
            if connection.request.path == "/chunked" {
                connection.send("HTTP/1.1 200 OK\r\nX-Upload: \(echoed)\r\nTransfer-Encoding: chunked\r\n\r\n")
                var start = 0
                while start < download.count {
                    let end = min(download.count, start + 1_000_003)
                    connection.send(Array(String(end - start, radix: 16).utf8) + [13, 10] + download[start..<end] + [13, 10])
                    start = end
                }
                connection.send("0\r\n\r\n")
            } else {
                connection.send(Array("HTTP/1.1 200 OK\r\nX-Upload: \(echoed)\r\nContent-Length: \(download.count)\r\n\r\n".utf8) + download)
            }
        }
        for path in ["/length", "/chunked"] {
            let response = try await Self.get(server.url + path, method: "PUT", body: upload, timeout: 60)
            #expect(response.headers["x-upload"] == "same", "\(path)")
            #expect(response.body.count == download.count && response.body == Data(download), "\(path)")
        }
    }

    @Test func idleTimeoutBeforeAndDuringTheAnswer() async throws {
        let server = try ScriptedServer { connection in
            if connection.request.path == "/body" { connection.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello") }
            _ = connection.clientClosed(within: 10)
        }
        let started = Date()
        let silent = await Self.failure(server.url + "/silent", idle: 0.3)
        #expect(silent?.reason == "timed out" && silent?.isRetryable == true)
        #expect(silent?.detail == "no answer within 0.3 s (the idle timeout), before the answer's headers were complete")
        let stalled = await Self.failure(server.url + "/body", idle: 0.3)
        #expect(stalled?.description == "timed out: no data for 0.3 s (the idle timeout), after 5 body bytes")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func deadlineCutsADrippingAnswer() async throws {
        let server = try ScriptedServer { connection in
            connection.send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            for _ in 0..<1000 {
                guard connection.send("x") else { return }
                connection.pause(0.05)
            }
        }
        let started = Date()
        let error = await Self.failure(server.url, timeout: 0.5, idle: 0.4)
        #expect(error?.reason == "timed out" && error?.detail.hasPrefix("the attempt took over 0.5 s (the per-attempt deadline), after ") == true)
        #expect(Date().timeIntervalSince(started) < 3)
    }

    @Test func refusedConnectionNeverReachedTheServer() async throws {
        let port = try ScriptedServer.closedPort()
        let error = await Self.failure("http://127.0.0.1:\(port)/")
        #expect(error?.description == "connection refused" && error?.isRetryable == true && error?.mayHaveReachedServer == false)
        let unknown = await Self.failure("http://no-such-host.invalid/")
        #expect(unknown?.reason == "host not found" && unknown?.mayHaveReachedServer == false)
    }

    @Test func brokenConnectionsSayWhereTheyBroke() async throws {
        let server = try ScriptedServer { connection in
            switch connection.request.path {
            case "/midbody": connection.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
            case "/midchunk": connection.send("HTTP/1.1 502 Bad Gateway\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
            case "/reset": connection.reset()
            case "/midhead": connection.send("HTTP/1.1 200 OK\r\nContent-")
            case "/garbage": connection.send("SSH-2.0-OpenSSH_9.2\r\n\r\n")
            default: break  // closed without a byte
            }
        }
        let mid = await Self.failure(server.url + "/midbody")
        #expect(mid?.description == "connection closed mid-answer: after 5 of 10 body bytes of an HTTP 200 answer (the server closed the connection)")
        #expect(mid?.isRetryable == true && mid?.mayHaveReachedServer == true)
        let chunk = await Self.failure(server.url + "/midchunk")
        #expect(chunk?.description.hasPrefix("connection closed mid-answer: after 3 body bytes of an HTTP 502 answer") == true)
        let reset = await Self.failure(server.url + "/reset")
        #expect(reset?.description == "connection lost: reset by the peer" && reset?.mayHaveReachedServer == true)
        let empty = await Self.failure(server.url + "/empty")
        #expect(empty?.description == "connection closed without an answer" && empty?.isRetryable == true)
        let head = await Self.failure(server.url + "/midhead")
        #expect(head?.reason == "connection closed without an answer" && head?.detail.hasPrefix("after 25 bytes of an incomplete head") == true)
        let garbage = await Self.failure(server.url + "/garbage")
        #expect(garbage?.reason == "malformed answer" && garbage?.detail.contains("SSH-2.0") == true)
    }

    /// A redirect is the answer: nothing is sent to `Location`.
    @Test func redirectsAreNotFollowed() async throws {
        let elsewhere = try ScriptedServer { connection in connection.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") }
        let server = try ScriptedServer { connection in
            connection.send("HTTP/1.1 307 Temporary Redirect\r\nLocation: \(elsewhere.url)/stolen\r\nContent-Length: 0\r\n\r\n")
        }
        let response = try await Self.get(server.url)
        #expect(response.status == 307 && response.headers["location"] == elsewhere.url + "/stolen")
        #expect(elsewhere.requests.isEmpty)
    }

    @Test func ipv6AndLocalhost() async throws {
        guard ScriptedServer.hasIPv6Loopback else { return }  // no ::1 here: nothing to test
        let server = try ScriptedServer(ipv6: true) { connection in
            connection.send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n[v6]")
        }
        let response = try await Self.get(server.url + "/x")
        #expect(String(decoding: response.body, as: UTF8.self) == "[v6]")
        #expect(server.requests.first?.headers["host"] == "[::1]:\(server.port)")
        // localhost: the resolver's addresses in turn, whichever family listens.
        let v4 = try ScriptedServer { connection in connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv4") }
        #expect(try await Self.get("http://localhost:\(v4.port)/").body == Data("v4".utf8))
    }

    /// A cancelled task stops its request at once, and the server sees the connection close.
    @Test func cancellationEndsTheWait() async throws {
        let closed = Locked<Bool?>(nil)
        let server = try ScriptedServer { connection in closed.withLock { $0 = connection.clientClosed(within: 10) } }
        let started = Date()
        let task = Task { try await Self.get(server.url, timeout: 30, idle: 30) }
        try await Task.sleep(nanoseconds: 300_000_000)
        task.cancel()
        let result = await task.result
        #expect((result.failure as? TransportError)?.reason == "cancelled")
        #expect(Date().timeIntervalSince(started) < 5)
        for _ in 0..<50 where closed.withLock({ $0 }) == nil { try await Task.sleep(nanoseconds: 100_000_000) }
        #expect(closed.withLock { $0 } == true)
    }

    @Test func otherSchemesAndUnsafeHeadersAreRefusedBeforeAnyConnection() async throws {
        for (url, headers) in [("https://127.0.0.1/", [(name: String, value: String)]()), ("http://127.0.0.1:1/", [("X", "a\r\nB: c")])] {
            do {
                _ = try await PlainHTTPTransport().send(HTTPRequest(method: "GET", url: url, headers: headers, body: Data(), timeout: 5))
                Issue.record("\(url) was sent")
            } catch let error as TransportError {
                #expect(!error.isRetryable && !error.mayHaveReachedServer)
            }
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
#endif
