#if canImport(Glibc)
import Foundation
import Glibc

/// Plain `http://` over POSIX sockets: the local AWS, EC2 instance metadata, container credentials.
///
/// Why not `URLSession`: on Linux, swift-corelibs-foundation's URLSession spins while it waits for
/// an answer (an 8 s wait cost 1.3 s user and 4.3 s sys CPU), and the local AWS answers a whole
/// stack operation inside one request. Here each request runs on a thread of its own, outside
/// Swift's cooperative pool, and every wait is one `poll()` that sleeps until a byte moves, a
/// clock runs out, or the task is cancelled.
///
/// The same contract as `URLSessionTransport`, with the same `TransportError`s (so retries and
/// messages do not depend on the scheme):
/// 1. redirects are never followed: a 3xx is the answer;
/// 2. `HTTPRequest.timeout` bounds the whole attempt (connect, send, answer); the idle timeout
///    bounds each wait for the connection to move (connect, a write, the next byte);
/// 3. a connection that breaks after the answer began is told apart from one never made, and a
///    refused connection is known not to have reached the server.
///
/// One connection per request, closed after it (`Connection: close`), as the URLSession transport
/// does: a pooled connection the server has dropped cannot be told from a request the server got,
/// and a loopback handshake costs microseconds next to the answers waited for.
public final class PlainHTTPTransport: HTTPTransport {
    /// Seconds the connection may stay still before an attempt is abandoned.
    public let idleTimeout: TimeInterval
    /// The `User-Agent` sent when the request names none.
    public let userAgent: String

    /// Creates a transport.
    ///
    /// - Parameter timeout: the idle timeout; each request's `timeout` bounds the whole attempt.
    public init(userAgent: String = "slmstack", timeout: TimeInterval = 30) {
        self.userAgent = userAgent
        idleTimeout = timeout
    }

    /// Sends one `http://` request.
    ///
    /// - Throws: `TransportError`; `unusable url` (not retryable) for any other scheme.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let target = HTTPWire.Target(url: request.url) else {
            throw TransportError(reason: "malformed url \(request.url)", isRetryable: false, mayHaveReachedServer: false)
        }
        guard let head = HTTPWire.requestHead(method: request.method, target: target, headers: request.headers,
                                              bodyLength: request.body.count, userAgent: userAgent) else {
            throw TransportError(reason: "unusable request", isRetryable: false, mayHaveReachedServer: false,
                                 detail: "a method or header with a line break or another control character")
        }
        let deadline = max(0.05, request.timeout)
        let idle = min(deadline, max(0.05, request.idleTimeout ?? idleTimeout))
        let exchange = try SocketExchange(target: target, head: head, request: request, deadline: deadline, idle: idle)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, Error>) in
                // A thread of its own: the waits block, and must never hold one of the cooperative pool's threads.
                let thread = Thread { continuation.resume(with: exchange.run().mapError { $0 as Error }) }
                thread.name = "slmstack-http"
                thread.start()
            }
        } onCancel: {
            exchange.cancel()
        }
    }
}

/// One request on one connection, run on its own thread; `cancel()` may come from any thread.
final class SocketExchange: @unchecked Sendable {
    private let target: HTTPWire.Target
    private let head: [UInt8]
    private let body: Data
    private let onBody: (@Sendable (Data) -> Void)?
    private let deadline: TimeInterval
    private let idle: TimeInterval
    private var reader: HTTPResponseReader
    /// A pipe whose read end wakes `poll()` when the task is cancelled.
    private let wake: (read: Int32, write: Int32)
    private let state = Locked((cancelled: false, closed: false))
    private var socket: Int32 = -1
    private var started: TimeInterval = 0
    private var lastActivity: TimeInterval = 0

    init(target: HTTPWire.Target, head: [UInt8], request: HTTPRequest, deadline: TimeInterval, idle: TimeInterval) throws {
        self.target = target
        self.head = head
        body = request.body
        onBody = request.onBody
        self.deadline = deadline
        self.idle = idle
        reader = HTTPResponseReader(method: request.method)
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw TransportError(reason: "no file descriptors", isRetryable: true, mayHaveReachedServer: false, detail: Self.errorText(errno))
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        wake = (fds[0], fds[1])
    }

    /// Stops the exchange at its next wait (or at once, when it is waiting).
    func cancel() {
        state.withLock { state in
            guard !state.cancelled, !state.closed else { return }
            state.cancelled = true
            var byte: UInt8 = 1
            _ = Glibc.write(wake.write, &byte, 1)
        }
    }

    /// Connects, sends, reads the answer; closes everything it opened.
    func run() -> Result<HTTPResponse, TransportError> {
        started = Self.now()
        lastActivity = started
        defer {
            if socket >= 0 { close(socket) }
            state.withLock { state in
                state.closed = true
                close(wake.read)
                close(wake.write)
            }
        }
        do {
            if state.withLock({ $0.cancelled }) { throw Self.cancelled }
            socket = try connect()
            try sendAll()
            return .success(try receive())
        } catch let error as TransportError {
            return .failure(error)
        } catch let error as HTTPWire.Malformed {
            // As URLSession's "bad server response": retryable, and it may have reached the server.
            return .failure(TransportError(reason: "malformed answer", isRetryable: true, detail: error.detail))
        } catch {
            return .failure(TransportError(reason: "\(error)", isRetryable: true))
        }
    }

    // MARK: - Connecting

    private func connect() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(target.host, String(target.port), &hints, &list)
        guard status == 0, let first = list else {
            let why = status == EAI_SYSTEM ? Self.errorText(errno) : String(cString: gai_strerror(status))
            throw TransportError(reason: "host not found", isRetryable: true, mayHaveReachedServer: false, detail: "\(target.host): \(why)")
        }
        defer { freeaddrinfo(first) }
        // Each address in the resolver's order (localhost: ::1, then 127.0.0.1) until one answers.
        var lastError: Int32 = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = Glibc.socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                                  address.pointee.ai_protocol)
            guard fd >= 0 else { lastError = errno; continue }
            var yes: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return fd }
            var failure = errno
            if failure == EINPROGRESS {
                do {
                    try wait(fd, for: Int16(POLLOUT))
                } catch {
                    close(fd)
                    throw error
                }
                var code: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
                if code == 0 { return fd }
                failure = code
            }
            close(fd)
            lastError = failure
        }
        throw Self.connectError(lastError)
    }

    static func connectError(_ code: Int32) -> TransportError {
        switch code {
        case ECONNREFUSED: return TransportError(reason: "connection refused", isRetryable: true, mayHaveReachedServer: false)
        case ENETUNREACH: return TransportError(reason: "no network", isRetryable: true, mayHaveReachedServer: false, detail: errorText(code))
        default: return TransportError(reason: "could not connect", isRetryable: true, mayHaveReachedServer: false, detail: errorText(code))
        }
    }

    // MARK: - Sending

    private func sendAll() throws {
        if body.count <= 64 * 1024 {
            try write(head + body)  // one segment for a small request
            return
        }
        try write(head)
        try body.withUnsafeBytes { try write($0) }
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        var sent = 0
        while sent < bytes.count {
            let count = Glibc.send(socket, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            if count > 0 {
                sent += count
                lastActivity = Self.now()
                continue
            }
            let failure = errno
            if failure == EINTR { continue }
            if failure == EAGAIN || failure == EWOULDBLOCK {
                try wait(socket, for: Int16(POLLOUT))
                continue
            }
            // The server closed or reset the connection while the request was going out; it may
            // have answered already (an error status before reading the whole body): read it.
            if failure == EPIPE || failure == ECONNRESET { return }
            throw TransportError(reason: "connection lost", isRetryable: true, detail: "while sending: \(Self.errorText(failure))")
        }
    }

    // MARK: - Receiving

    private func receive() throws -> HTTPResponse {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.recv(socket, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                lastActivity = Self.now()
                let added = try buffer.withUnsafeBytes { try reader.feed(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                if added > 0, let onBody {
                    onBody(reader.body.subdata(in: (reader.body.count - added)..<reader.body.count))
                }
                if reader.isComplete { return response() }
                continue
            }
            if count == 0 {
                if reader.end() { return response() }
                throw brokenAnswer(cause: "the server closed the connection")
            }
            let failure = errno
            if failure == EINTR { continue }
            if failure == EAGAIN || failure == EWOULDBLOCK {
                try wait(socket, for: Int16(POLLIN))
                continue
            }
            throw brokenAnswer(cause: failure == ECONNRESET ? "connection lost: reset by the peer" : "connection lost: \(Self.errorText(failure))")
        }
    }

    private func response() -> HTTPResponse {
        HTTPResponse(status: reader.status ?? 0, headers: reader.headers, body: reader.body)
    }

    /// The connection ended before the whole answer: before any byte, inside the head, or mid-body.
    private func brokenAnswer(cause: String) -> TransportError {
        let (status, bodyCount, expected, bytesRead) = (reader.status, reader.body.count, reader.expectedLength, reader.bytesRead)
        guard let status else {
            if bytesRead == 0, cause.hasPrefix("connection lost: reset") {
                return TransportError(reason: "connection lost", isRetryable: true, detail: "reset by the peer")
            }
            return TransportError(reason: "connection closed without an answer", isRetryable: true,
                                  detail: bytesRead == 0 ? "" : "after \(bytesRead) bytes of an incomplete head (\(cause))")
        }
        return TransportError(reason: "connection closed mid-answer", isRetryable: true,
                              detail: "after \(bodyCount)\(expected.map { " of \($0)" } ?? "") body bytes of an HTTP \(status) answer (\(cause))")
    }

    // MARK: - Waiting

    /// Sleeps in `poll()` until `fd` is ready for `events`; throws when a clock runs out or the task is cancelled.
    private func wait(_ fd: Int32, for events: Int16) throws {
        while true {
            let now = Self.now()
            let left = min(started + deadline - now, lastActivity + idle - now)
            if left <= 0 { throw timedOut(now: now) }
            var fds = [pollfd(fd: fd, events: events, revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, Int32(min(left * 1000, 3_600_000).rounded(.up)))
            if ready < 0 {
                if errno == EINTR { continue }
                throw TransportError(reason: "poll failed", isRetryable: true, detail: Self.errorText(errno))
            }
            if fds[1].revents != 0 { throw Self.cancelled }
            if fds[0].revents != 0 { return }  // ready, or an error or hang-up the next call reports
        }
    }

    /// The timeout error, worded as `URLSessionTransport`'s.
    private func timedOut(now: TimeInterval) -> TransportError {
        let (answered, count) = (reader.status != nil, reader.body.count)
        let received = answered ? "after \(count) body bytes" : "before the answer's headers were complete"
        if now - started >= deadline {
            return TransportError(reason: "timed out", isRetryable: true,
                                  detail: "the attempt took over \(Self.seconds(deadline)) s (the per-attempt deadline), \(received)")
        }
        let what = answered ? "no data for" : "no answer within"
        return TransportError(reason: "timed out", isRetryable: true, detail: "\(what) \(Self.seconds(idle)) s (the idle timeout), \(received)")
    }

    static let cancelled = TransportError(reason: "cancelled", isRetryable: false)

    static func now() -> TimeInterval {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return TimeInterval(time.tv_sec) + TimeInterval(time.tv_nsec) / 1e9
    }

    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

    static func seconds(_ value: TimeInterval) -> String {
        value.rounded() == value ? String(Int(value)) : String(format: "%.2g", value)
    }
}
#endif
