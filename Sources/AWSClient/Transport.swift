import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request on the wire.
public struct HTTPRequest: Sendable {
    /// The method, for example `POST`.
    public var method: String
    /// The full URL, already encoded.
    public var url: String
    /// The headers to send (the signed ones and `Authorization`); the transport may add its own.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: Data
    /// Seconds before the request is abandoned.
    public var timeout: TimeInterval

    /// Creates a request.
    public init(method: String, url: String, headers: [(name: String, value: String)], body: Data, timeout: TimeInterval) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// One HTTP response.
public struct HTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The headers, names lower-cased.
    public var headers: [String: String]
    /// The body.
    public var body: Data

    /// Creates a response; header names are lower-cased.
    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.body = body
    }
}

/// A network failure below HTTP: the connection could not be made or broke.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// What happened, for example `connection refused` or `timed out`.
    public var reason: String
    /// Whether another attempt may succeed (timeouts, refused or lost connections, DNS hiccups).
    public var isRetryable: Bool

    /// Creates a transport error.
    public init(reason: String, isRetryable: Bool) {
        self.reason = reason
        self.isRetryable = isRetryable
    }

    public var description: String { reason }
}

/// Sends HTTP requests. The client sits on top of it, so tests and a fault proxy can sit below.
public protocol HTTPTransport: Sendable {
    /// Sends one request and returns whatever status the server answered with.
    ///
    /// - Throws: `TransportError` when no HTTP response arrived.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// The real transport: FoundationNetworking's `URLSession`.
///
/// URLSession on Linux adds `Accept`, `Accept-Encoding`, `Accept-Language`, `Connection` and
/// `User-Agent` by itself; none of them is signed.
public final class URLSessionTransport: HTTPTransport, @unchecked Sendable {
    private let session: URLSession

    /// Creates a transport with its own session (no cookies, no cache).
    ///
    /// - Parameter timeout: seconds an attempt may wait for the server; set on the session because
    ///   URLSession on Linux does not apply a request's own `timeoutInterval`.
    public init(userAgent: String = "slmstack", timeout: TimeInterval = 30) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpAdditionalHeaders = ["User-Agent": userAgent]
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let url = URL(string: request.url) else {
            throw TransportError(reason: "malformed url \(request.url)", isRetryable: false)
        }
        var urlRequest = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: request.timeout)
        urlRequest.httpMethod = request.method
        for header in request.headers where header.name.lowercased() != "host" {
            urlRequest.addValue(header.value, forHTTPHeaderField: header.name)
        }
        // No keep-alive: when a pooled connection has been dropped, libcurl under URLSession re-sends
        // the request with its headers but without the body, and the server then waits for a body
        // until the timeout. One handshake per call is cheap next to that. Not signed, like the
        // headers URLSession adds by itself.
        urlRequest.setValue("close", forHTTPHeaderField: "Connection")
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            urlRequest.httpBody = request.body
        }
        let session = self.session
        return try await withCheckedThrowingContinuation { continuation in
            let task = session.dataTask(with: urlRequest) { data, response, error in
                if let error {
                    continuation.resume(throwing: Self.transportError(error))
                    return
                }
                guard let http = response as? HTTPURLResponse else {
                    continuation.resume(throwing: TransportError(reason: "no HTTP response", isRetryable: true))
                    return
                }
                var headers: [String: String] = [:]
                for (key, value) in http.allHeaderFields {
                    if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
                }
                continuation.resume(returning: HTTPResponse(status: http.statusCode, headers: headers, body: data ?? Data()))
            }
            task.resume()
        }
    }

    static func transportError(_ error: Error) -> TransportError {
        guard let urlError = error as? URLError else {
            return TransportError(reason: "\(error)", isRetryable: true)
        }
        let retryable: Set<URLError.Code> = [
            .timedOut, .cannotConnectToHost, .networkConnectionLost, .cannotFindHost, .dnsLookupFailed,
            .notConnectedToInternet, .secureConnectionFailed, .badServerResponse, .resourceUnavailable,
        ]
        let reason: String
        switch urlError.code {
        case .timedOut: reason = "timed out"
        case .cannotConnectToHost: reason = "connection refused"
        case .networkConnectionLost: reason = "connection lost"
        case .cannotFindHost, .dnsLookupFailed: reason = "host not found"
        case .notConnectedToInternet: reason = "no network"
        default: reason = urlError.localizedDescription
        }
        return TransportError(reason: reason, isRetryable: retryable.contains(urlError.code))
    }
}
