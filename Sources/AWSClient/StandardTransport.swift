import Foundation

/// The transport slmstack uses: plain `http://` on POSIX sockets (`PlainHTTPTransport`, Linux),
/// `https://` on `URLSession` (`URLSessionTransport`, for TLS).
///
/// Plain HTTP is the local AWS, EC2 instance metadata and container credentials: the endpoints
/// where a request may wait long (the local AWS answers a whole stack operation inside one
/// request), and where URLSession on Linux would spin a core while it waits. Both sides give the
/// same `TransportError`s and follow no redirect. Where the sockets transport is not built (not
/// Linux), every request goes to URLSession.
public final class StandardTransport: HTTPTransport {
    private let userAgent: String
    /// Seconds without a byte from the server before an attempt is abandoned.
    public let idleTimeout: TimeInterval
    /// Made at the first `https://` request: a command against the local AWS never starts a session.
    private let secure = Locked<URLSessionTransport?>(nil)
    #if canImport(Glibc)
    private let plain: PlainHTTPTransport
    #endif

    /// Creates a transport.
    ///
    /// - Parameter timeout: the idle timeout; each request's `timeout` bounds the whole attempt.
    public init(userAgent: String = "slmstack", timeout: TimeInterval = 30) {
        self.userAgent = userAgent
        idleTimeout = timeout
        #if canImport(Glibc)
        plain = PlainHTTPTransport(userAgent: userAgent, timeout: timeout)
        #endif
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        #if canImport(Glibc)
        if request.url.utf8.count > 7, request.url.prefix(7).lowercased() == "http://" {
            return try await plain.send(request)
        }
        #endif
        let session = secure.withLock { transport in
            if let transport { return transport }
            let made = URLSessionTransport(userAgent: userAgent, timeout: idleTimeout)
            transport = made
            return made
        }
        return try await session.send(request)
    }
}
