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
    /// Seconds the whole attempt may take: connecting, sending, waiting for the first byte and
    /// reading the whole body. A server that drips its answer is cut off here.
    public var timeout: TimeInterval
    /// Seconds without a byte from the server before the attempt is abandoned; nil takes the
    /// transport's own (never more than `timeout`).
    public var idleTimeout: TimeInterval?
    /// Called with the body's bytes as they arrive, for an answer read while it streams (server-sent
    /// events); the response still carries the whole body. Transports that cannot stream never call it.
    public var onBody: (@Sendable (Data) -> Void)?

    /// Creates a request.
    public init(method: String, url: String, headers: [(name: String, value: String)], body: Data, timeout: TimeInterval,
                idleTimeout: TimeInterval? = nil, onBody: (@Sendable (Data) -> Void)? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.idleTimeout = idleTimeout
        self.onBody = onBody
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
    /// What happened, short and stable, for example `connection refused` or `timed out`.
    public var reason: String
    /// The particulars, for messages: which timeout, how much of the answer had arrived.
    public var detail: String
    /// Whether another attempt may succeed (timeouts, refused or lost connections, DNS hiccups).
    public var isRetryable: Bool
    /// False only when the request certainly never reached the server (refused connection, unknown
    /// host): then even a call that is not idempotent may be sent again.
    public var mayHaveReachedServer: Bool

    /// Creates a transport error.
    public init(reason: String, isRetryable: Bool, mayHaveReachedServer: Bool = true, detail: String = "") {
        self.reason = reason
        self.isRetryable = isRetryable
        self.mayHaveReachedServer = mayHaveReachedServer
        self.detail = detail
    }

    /// The reason and its particulars: `timed out: no data for 30 s (the idle timeout), after 512 body bytes`.
    public var description: String { detail.isEmpty ? reason : "\(reason): \(detail)" }
}

/// Sends HTTP requests. The client sits on top of it, so tests and a fault proxy can sit below.
public protocol HTTPTransport: Sendable {
    /// Sends one request and returns whatever status the server answered with. Redirects are
    /// returned as they are, never followed.
    ///
    /// - Throws: `TransportError` when no complete HTTP response arrived in time.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// The `https://` transport (and, where `PlainHTTPTransport` is not built, the only one; see
/// `StandardTransport`): FoundationNetworking's `URLSession`, driven through a delegate so that
///
/// 1. redirects are never followed (URLSession follows them by default and would send the signed
///    headers, session token included, to whatever host `Location` names): a 3xx is the answer;
/// 2. an attempt has a total deadline (connect + first byte + whole body, `HTTPRequest.timeout`)
///    as well as an idle timeout (no byte for `idleTimeout` seconds);
/// 3. a connection that breaks after the answer began is told apart from one never made.
///
/// URLSession on Linux adds `Accept`, `Accept-Encoding`, `Accept-Language`, `Connection` and
/// `User-Agent` by itself; none of them is signed.
public final class URLSessionTransport: HTTPTransport, @unchecked Sendable {
    private let session: URLSession
    private let router: TaskRouter
    /// Seconds without a byte from the server before an attempt is abandoned.
    public let idleTimeout: TimeInterval

    /// Creates a transport with its own session (no cookies, no cache, no redirects).
    ///
    /// - Parameter timeout: the idle timeout: seconds an attempt may wait for the next byte from
    ///   the server. Each request's `timeout` bounds the whole attempt.
    public init(userAgent: String = "slmstack", timeout: TimeInterval = 30) {
        idleTimeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        // A backstop only: the router's own timers fire first (URLSession's timer counts whole seconds).
        configuration.timeoutIntervalForRequest = max(60, timeout.rounded(.up) + 5)
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpAdditionalHeaders = ["User-Agent": userAgent]
        router = TaskRouter()
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: router, delegateQueue: queue)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let url = URL(string: request.url) else {
            throw TransportError(reason: "malformed url \(request.url)", isRetryable: false, mayHaveReachedServer: false)
        }
        let deadline = max(0.05, request.timeout)
        let idle = min(deadline, max(0.05, request.idleTimeout ?? idleTimeout))
        var urlRequest = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: max(deadline, idle).rounded(.up) + 5)
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
        let task = session.dataTask(with: urlRequest)
        let exchange = Exchange(deadline: deadline, idle: idle, onBody: request.onBody)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                exchange.start(continuation: continuation, task: task, router: router)
            }
        } onCancel: {
            exchange.finish(.failure(TransportError(reason: "cancelled", isRetryable: false)))
            task.cancel()
        }
    }

    static func transportError(_ error: Error) -> TransportError {
        guard let urlError = error as? URLError else {
            return TransportError(reason: "\(error)", isRetryable: true)
        }
        switch urlError.code {
        case .cannotConnectToHost: return TransportError(reason: "connection refused", isRetryable: true, mayHaveReachedServer: false)
        case .cannotFindHost, .dnsLookupFailed: return TransportError(reason: "host not found", isRetryable: true, mayHaveReachedServer: false)
        case .notConnectedToInternet: return TransportError(reason: "no network", isRetryable: true, mayHaveReachedServer: false)
        case .timedOut: return TransportError(reason: "timed out", isRetryable: true)
        case .networkConnectionLost: return TransportError(reason: "connection lost", isRetryable: true, detail: "reset by the peer")
        case .badServerResponse: return TransportError(reason: "connection closed without an answer", isRetryable: true)
        case .secureConnectionFailed: return TransportError(reason: "TLS handshake failed", isRetryable: true, mayHaveReachedServer: false)
        case .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot,
             .clientCertificateRejected:
            return TransportError(reason: "TLS certificate rejected: \(urlError.localizedDescription)", isRetryable: false, mayHaveReachedServer: false)
        case .badURL, .unsupportedURL: return TransportError(reason: "unusable url: \(urlError.localizedDescription)", isRetryable: false, mayHaveReachedServer: false)
        case .cancelled: return TransportError(reason: "cancelled", isRetryable: false)
        default:
            // libcurl's other failures (a send error, a broken pipe) are transient network trouble.
            return TransportError(reason: urlError.localizedDescription, isRetryable: true)
        }
    }
}

/// One request in flight: the answer as it arrives, and the two clocks that may cut it off.
private final class Exchange: @unchecked Sendable {
    private let lock = NSLock()
    private let deadline: TimeInterval
    private let idle: TimeInterval
    private var continuation: CheckedContinuation<HTTPResponse, Error>?
    private var task: URLSessionTask?
    private var router: TaskRouter?
    private var timer: DispatchSourceTimer?
    private var started = Date()
    private var lastByte = Date()
    private var response: HTTPURLResponse?
    private var data = Data()
    private var done = false
    private let onBody: (@Sendable (Data) -> Void)?

    init(deadline: TimeInterval, idle: TimeInterval, onBody: (@Sendable (Data) -> Void)?) {
        self.deadline = deadline
        self.idle = idle
        self.onBody = onBody
    }

    func start(continuation: CheckedContinuation<HTTPResponse, Error>, task: URLSessionTask, router: TaskRouter) {
        let tick = min(0.5, max(0.02, min(deadline, idle) / 5))
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + tick, repeating: tick)
        timer.setEventHandler { [weak self] in self?.check() }
        timer.resume()  // a suspended source must never be released
        let cancelled = lock.withLock { () -> Bool in
            if done { return true }
            self.continuation = continuation
            self.task = task
            self.router = router
            self.timer = timer
            started = Date()
            lastByte = started
            return false
        }
        if cancelled {
            timer.cancel()
            continuation.resume(throwing: TransportError(reason: "cancelled", isRetryable: false))
            return
        }
        router.register(task, self)
        task.resume()
    }

    func received(_ response: HTTPURLResponse) {
        lock.withLock {
            self.response = response
            lastByte = Date()
        }
    }

    func received(_ chunk: Data) {
        let finished = lock.withLock { () -> Bool in
            data.append(chunk)
            lastByte = Date()
            return done
        }
        if !finished { onBody?(chunk) }
    }

    func completed(_ error: Error?) {
        let (response, body) = lock.withLock { (self.response, data) }
        if let error {
            var failure = URLSessionTransport.transportError(error)
            if let response, failure.isRetryable || (error as? URLError)?.code == .unknown {
                // The server answered, then the connection broke: a partial answer is no answer.
                let expected = response.value(forHTTPHeaderField: "Content-Length").map { " of \($0)" } ?? ""
                failure = TransportError(reason: "connection closed mid-answer", isRetryable: true,
                                         detail: "after \(body.count)\(expected) body bytes of an HTTP \(response.statusCode) answer (\(failure))")
            }
            finish(.failure(failure))
            return
        }
        guard let response else {
            finish(.failure(TransportError(reason: "no HTTP response", isRetryable: true)))
            return
        }
        var headers: [String: String] = [:]
        for (key, value) in response.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        finish(.success(HTTPResponse(status: response.statusCode, headers: headers, body: body)))
    }

    private func check() {
        let now = Date()
        let (started, lastByte, count, answered) = lock.withLock { (self.started, self.lastByte, data.count, response != nil) }
        let received = answered ? "after \(count) body bytes" : "before the answer's headers were complete"
        if now.timeIntervalSince(started) >= deadline {
            fail(TransportError(reason: "timed out", isRetryable: true,
                                detail: "the attempt took over \(Self.seconds(deadline)) s (the per-attempt deadline), \(received)"))
        } else if now.timeIntervalSince(lastByte) >= idle {
            let what = answered ? "no data for" : "no answer within"
            fail(TransportError(reason: "timed out", isRetryable: true, detail: "\(what) \(Self.seconds(idle)) s (the idle timeout), \(received)"))
        }
    }

    private func fail(_ error: TransportError) {
        let task = lock.withLock { self.task }
        finish(.failure(error))
        task?.cancel()
    }

    /// Resumes the caller once; later events of the task are ignored.
    func finish(_ result: Result<HTTPResponse, Error>) {
        let (continuation, timer, router, task) = lock.withLock { () -> (CheckedContinuation<HTTPResponse, Error>?, DispatchSourceTimer?, TaskRouter?, URLSessionTask?) in
            if done { return (nil, nil, nil, nil) }
            done = true
            defer { self.continuation = nil; self.timer = nil; self.router = nil }
            return (self.continuation, self.timer, self.router, self.task)
        }
        timer?.cancel()
        if let router, let task { router.unregister(task) }
        continuation?.resume(with: result)
    }

    static func seconds(_ value: TimeInterval) -> String {
        value.rounded() == value ? String(Int(value)) : String(format: "%.2g", value)
    }
}

/// The session's delegate: hands each task's events to its `Exchange`, and refuses every redirect.
private final class TaskRouter: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var exchanges: [Int: Exchange] = [:]

    func register(_ task: URLSessionTask, _ exchange: Exchange) { lock.withLock { exchanges[task.taskIdentifier] = exchange } }
    func unregister(_ task: URLSessionTask) { _ = lock.withLock { exchanges.removeValue(forKey: task.taskIdentifier) } }
    private func exchange(_ task: URLSessionTask) -> Exchange? { lock.withLock { exchanges[task.taskIdentifier] } }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse { exchange(dataTask)?.received(http) }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        exchange(dataTask)?.received(data)
    }

    /// Never follows: the 3xx itself becomes the answer, so no signed header leaves for another host.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        exchange(task)?.completed(error)
    }
}
