#if canImport(Glibc)
import Foundation
import Testing
@testable import AWSClient

/// The sockets transport (plain http) and the URLSession one (https, and where there are no sockets)
/// answer alike: the same statuses, the same `TransportError` reasons and retry flags, so the
/// client's retries and messages do not depend on the scheme. Both run against the same servers.
@Suite("Both transports answer alike")
struct TransportContractTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case sockets, urlSession
        var testDescription: String { rawValue }
        func transport() -> any HTTPTransport {
            self == .sockets ? PlainHTTPTransport(timeout: 5) : URLSessionTransport(timeout: 5)
        }
    }

    static func send(_ kind: Kind, _ url: String, method: String = "GET", idle: TimeInterval = 5) async -> Result<HTTPResponse, TransportError> {
        do {
            return .success(try await kind.transport().send(HTTPRequest(method: method, url: url, headers: [], body: Data(),
                                                                        timeout: 5, idleTimeout: idle)))
        } catch let error as TransportError {
            return .failure(error)
        } catch {
            return .failure(TransportError(reason: "not a TransportError: \(error)", isRetryable: false))
        }
    }

    @Test(arguments: Kind.allCases) func answersAndFailures(kind: Kind) async throws {
        let elsewhere = try ScriptedServer { connection in connection.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") }
        let server = try ScriptedServer { connection in
            switch connection.request.path {
            case "/ok": connection.send("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
            case "/redirect": connection.send("HTTP/1.1 301 Moved\r\nLocation: \(elsewhere.url)/\r\nContent-Length: 0\r\n\r\n")
            case "/throttled": connection.send("HTTP/1.1 400 Bad Request\r\nContent-Length: 9\r\n\r\nThrottled")
            case "/midbody": connection.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
            case "/silent": _ = connection.clientClosed(within: 5)
            default: break
            }
        }
        let ok = try await Self.send(kind, server.url + "/ok").get()
        #expect(ok.status == 200 && ok.body == Data("ok".utf8) && ok.headers["content-type"] == "text/xml")
        let redirect = try await Self.send(kind, server.url + "/redirect").get()
        #expect(redirect.status == 301 && elsewhere.requests.isEmpty)
        let throttled = try await Self.send(kind, server.url + "/throttled").get()
        #expect(throttled.status == 400 && throttled.body == Data("Throttled".utf8))

        let mid = await Self.send(kind, server.url + "/midbody")
        #expect(mid.failure?.reason == "connection closed mid-answer" && mid.failure?.isRetryable == true)
        #expect(mid.failure?.detail.hasPrefix("after 5 of 10 body bytes of an HTTP 200 answer (") == true, "\(String(describing: mid.failure))")
        let silent = await Self.send(kind, server.url + "/silent", idle: 0.3)
        #expect(silent.failure?.description == "timed out: no answer within 0.3 s (the idle timeout), before the answer's headers were complete")
        let refused = await Self.send(kind, "http://127.0.0.1:\(try ScriptedServer.closedPort())/")
        #expect(refused.failure?.reason == "connection refused" && refused.failure?.mayHaveReachedServer == false)
    }
}
#endif
