import Foundation
import SigV4

/// One call to an AWS service, before endpoint resolution and signing.
public struct AWSRequest: Sendable {
    /// The service.
    public var service: AWSService
    /// The operation name, for errors and logs (`DescribeStacks`).
    public var operation: String
    /// The HTTP method.
    public var method: String
    /// The path in wire form (labels percent-encoded once), starting with `/`.
    public var path: String
    /// Query parameters, not encoded (the client encodes them).
    public var query: [(name: String, value: String)]
    /// Headers to send and sign (Content-Type, X-Amz-Target …); `Host` and the `X-Amz-Date`,
    /// `X-Amz-Security-Token` and `Authorization` headers are added by the client.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: [UInt8]
    /// Virtual-hosted S3: a host prefix such as `bucket.`; ignored for custom endpoints.
    public var hostPrefix: String?
    /// Whether to sign (the SSO portal's GetRoleCredentials takes a bearer token instead).
    public var signed: Bool
    /// Whether sending the call twice does no more than sending it once: read-only operations,
    /// `GET`/`PUT`/`DELETE`, and calls made idempotent by a client token. Only these are sent again
    /// after a failure that may have reached the server (a reset, a connection closed mid-answer,
    /// a timeout, a 2xx that is not the promised document).
    public var idempotent: Bool
    /// The document a 2xx must be before it is believed.
    public var expect: ResponseShape

    /// Creates a request.
    ///
    /// - Parameter idempotent: nil decides by method (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS` are).
    public init(service: AWSService, operation: String, method: String = "POST", path: String = "/",
                query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
                body: [UInt8] = [], hostPrefix: String? = nil, signed: Bool = true, idempotent: Bool? = nil,
                expect: ResponseShape = .any) {
        self.service = service
        self.operation = operation
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.hostPrefix = hostPrefix
        self.signed = signed
        self.idempotent = idempotent ?? ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(method.uppercased())
        self.expect = expect
    }
}

/// A successful answer.
public struct AWSResponse: Sendable {
    /// The HTTP status (2xx).
    public var status: Int
    /// The headers, names lower-cased.
    public var headers: [String: String]
    /// The body.
    public var body: Data
    /// The request id from the headers, when present.
    public var requestID: String? {
        headers["x-amzn-requestid"] ?? headers["x-amz-request-id"] ?? headers["x-amzn-request-id"]
    }
}

/// The AWS client core: endpoints, SigV4 signing, retries, clock-skew correction and the four
/// protocols (query, JSON 1.1, REST-JSON, REST-XML).
///
/// ```swift
/// let client = try await AWSClient.resolve(AWSSettings(profile: "ml", region: nil), environment: env)
/// let stacks = try await client.query(.cloudFormation, action: "ListStacks")
/// ```
public final class AWSClient: Sendable {
    /// The configured region.
    public let region: String
    /// Where each service is reached.
    public let endpoints: EndpointResolver
    /// Where credentials come from.
    public let credentialsProvider: any CredentialsProvider
    /// The HTTP layer.
    public let transport: any HTTPTransport
    /// Retry behaviour.
    public let retry: RetryPolicy
    /// Seconds one attempt may take in all: connect, send, first byte and the whole body.
    public let timeout: TimeInterval
    /// Seconds without a byte from the server before an attempt is abandoned; nil leaves it to the
    /// transport (`StandardTransport(timeout:)`).
    public let idleTimeout: TimeInterval?
    /// Seconds one call may take in all, every attempt and backoff included (see `AWSTimeouts`);
    /// nil: no budget beyond `retry.maxAttempts` attempts.
    public let callTimeout: TimeInterval?
    private let clock: @Sendable () -> Date
    /// Seconds on a monotonic clock, for the call budget (tests move their own).
    private let uptime: @Sendable () -> TimeInterval
    private let logger: (@Sendable (String) -> Void)?
    private let warn: @Sendable (String) -> Void
    private let state = Locked(State())

    private struct State {
        var clockOffset: TimeInterval = 0
        var signer: SigV4Signer?
    }

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - credentials: where credentials come from (see `CredentialsChain` and `AWSClient.resolve`).
    ///   - region: the region for regional services.
    ///   - endpoints: overrides (`--endpoint-url`, `AWS_ENDPOINT_URL*`); standard hosts otherwise.
    ///   - transport: the HTTP layer; `StandardTransport` by default (sockets for http, URLSession for https).
    ///   - retry: attempts and backoff.
    ///   - timeout: seconds one attempt may take in all (see `AWSTimeouts`).
    ///   - idleTimeout: seconds without data before an attempt is abandoned; nil: the transport's.
    ///   - callTimeout: seconds the whole call may take, retries included; nil: no budget.
    ///   - clock: the current time (tests inject a skewed one).
    ///   - uptime: a monotonic clock in seconds, for the call budget.
    ///   - logger: receives `--debug` lines; they never contain secrets.
    ///   - warn: receives warnings (plain HTTP to a host that is not loopback); stderr by default.
    public init(credentials: any CredentialsProvider, region: String, endpoints: EndpointResolver = EndpointResolver(),
                transport: any HTTPTransport = StandardTransport(), retry: RetryPolicy = RetryPolicy(),
                timeout: TimeInterval = AWSTimeouts.standard.attempt, idleTimeout: TimeInterval? = nil,
                callTimeout: TimeInterval? = AWSTimeouts.standard.call,
                clock: @escaping @Sendable () -> Date = Date.init,
                uptime: @escaping @Sendable () -> TimeInterval = { ProcessInfo.processInfo.systemUptime },
                logger: (@Sendable (String) -> Void)? = nil, warn: (@Sendable (String) -> Void)? = nil) {
        self.region = region
        self.endpoints = endpoints
        self.credentialsProvider = credentials
        self.transport = transport
        self.retry = retry
        self.timeout = timeout
        self.idleTimeout = idleTimeout
        self.callTimeout = callTimeout
        self.clock = clock
        self.uptime = uptime
        self.logger = logger
        self.warn = warn ?? { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// The correction added to the local clock after a server reported skew, in seconds.
    public var clockOffset: TimeInterval { state.withLock { $0.clockOffset } }

    /// The same client with other credentials (used for role chaining and SSO), and optionally
    /// other endpoints or another region.
    public func with(credentials: any CredentialsProvider, endpoints: EndpointResolver? = nil, region: String? = nil) -> AWSClient {
        AWSClient(credentials: credentials, region: region ?? self.region, endpoints: endpoints ?? self.endpoints, transport: transport,
                  retry: retry, timeout: timeout, idleTimeout: idleTimeout, callTimeout: callTimeout, clock: clock, uptime: uptime,
                  logger: logger, warn: warn)
    }

    /// The same client with other timeouts.
    public func with(timeouts: AWSTimeouts) -> AWSClient {
        AWSClient(credentials: credentialsProvider, region: region, endpoints: endpoints, transport: transport, retry: retry,
                  timeout: timeouts.attempt, idleTimeout: timeouts.idle, callTimeout: timeouts.call, clock: clock, uptime: uptime,
                  logger: logger, warn: warn)
    }

    // MARK: - Core

    /// Sends one request: resolves the endpoint, checks its scheme, signs, retries, checks the
    /// answer's shape, and maps errors.
    ///
    /// Retries, as the AWS SDKs' standard mode: throttling, transient codes and 5xx for any call;
    /// network failures and 2xx answers that are not the promised document only for idempotent
    /// calls (`AWSRequest.idempotent`), unless the request certainly never left (refused
    /// connection). S3's region redirect is signed again for the bucket's region, never followed;
    /// no other redirect is followed.
    ///
    /// - Returns: the 2xx response, of the shape `request.expect` names.
    /// - Throws: `AWSClientError.service` with the parsed `AWSError`, `.transport` when the network
    ///   failed on every attempt, `.invalidResponse` for a 2xx that is not an AWS answer,
    ///   `.invalidConfiguration` for plain HTTP to an AWS host, or credential errors.
    public func send(_ request: AWSRequest) async throws -> AWSResponse {
        var endpoint = endpoints.endpoint(for: request.service, region: region)
        try checkScheme(endpoint, service: request.service)
        var url = Self.url(endpoint: endpoint, request: request)
        let label = "\(request.service.endpointPrefix) \(request.operation)"
        var attempt = 0
        var skewRetried = false
        var regionRedirected = false
        let started = uptime()
        var budgetSpent = false
        func remaining() -> TimeInterval { callTimeout.map { $0 - (uptime() - started) } ?? .infinity }
        // Whether another attempt is worth making: attempts left, and time left in the call's budget
        // after the backoff (the wait is skipped when there is none).
        func backoff(_ why: String) async -> Bool {
            guard attempt < retry.maxAttempts else { return false }
            let delay = retry.delay(afterAttempt: attempt)
            guard remaining() - delay >= Self.shortestAttempt else {
                logger?("  \(why): no retry, the call's \(Self.seconds(callTimeout ?? 0)) s budget is spent (--call-timeout)")
                budgetSpent = true
                return false
            }
            logger?("  \(why): retrying in \(String(format: "%.2f", delay)) s")
            await retry.sleep(delay)
            return true
        }
        var budgetNote: String {
            budgetSpent ? " (no time left for another attempt in the call's \(Self.seconds(callTimeout ?? 0)) s budget: --call-timeout, \(AWSTimeouts.callVariable))" : ""
        }
        while true {
            attempt += 1
            var headers = request.headers
            var secrets: [String] = []
            if request.signed {
                let credentials = try await credentialsProvider.credentials()
                if let token = credentials.credentials.sessionToken { secrets = [token, URIEncoding.encode(token)] }
                let signer = signer(for: credentials.credentials)
                let now = clock().addingTimeInterval(clockOffset)
                let result: SigV4Result
                do {
                    result = try signer.sign(SigV4Request(method: request.method, url: url, headers: headers, body: request.body),
                                             region: endpoint.signingRegion, service: endpoint.signingName,
                                             time: SigningTime(now), options: SigV4Options(s3: request.service == .s3))
                } catch {
                    throw AWSClientError.signing("\(error)")
                }
                headers = result.headers
                if let logger {
                    logger("→ \(request.method) \(url) (\(label), attempt \(attempt)/\(retry.maxAttempts), \(request.body.count) bytes)")
                    logger("  signed as \(endpoint.signingName)/\(endpoint.signingRegion) at \(SigningTime(now).amzDate), headers \(result.signedHeaders)")
                    logger("  canonical request:\n" + Self.redact(result.canonicalRequest, secrets).split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
                }
            } else {
                logger?("→ \(request.method) \(url) (\(label), unsigned, attempt \(attempt)/\(retry.maxAttempts))")
            }
            // The attempt gets its own deadline or what is left of the call's budget, whichever is shorter.
            let left = remaining()
            guard left >= Self.shortestAttempt || attempt == 1 else {
                throw AWSClientError.transport(url: url, reason: "the call's \(Self.seconds(callTimeout ?? 0)) s budget was spent before attempt \(attempt) (--call-timeout, \(AWSTimeouts.callVariable))",
                                               attempts: attempt - 1, operation: label)
            }
            let attemptTimeout = max(Self.shortestAttempt, min(timeout, left))
            let attemptStarted = Date()
            let response: HTTPResponse
            do {
                response = try await transport.send(HTTPRequest(method: request.method, url: url, headers: headers, body: Data(request.body),
                                                                timeout: attemptTimeout, idleTimeout: idleTimeout.map { min($0, attemptTimeout) }))
            } catch let error as TransportError {
                logger?("← \(error) after \(String(format: "%.2f", Date().timeIntervalSince(attemptStarted))) s")
                let repeatable = request.idempotent || !error.mayHaveReachedServer
                if error.isRetryable, repeatable, await backoff("network failure") {
                    continue
                }
                let note = error.isRetryable && !repeatable
                    ? " (\(request.operation) is not idempotent and may have reached the server, so it was not sent again: check its effect before repeating)" : budgetNote
                throw AWSClientError.transport(url: url, reason: error.description + note, attempts: attempt, operation: label)
            }
            let requestID = response.headers["x-amzn-requestid"] ?? response.headers["x-amz-request-id"] ?? response.headers["x-amzn-request-id"]
            logger?("← HTTP \(response.status) in \(String(format: "%.2f", Date().timeIntervalSince(attemptStarted))) s, \(response.body.count) bytes\(requestID.map { ", request id \($0)" } ?? "")")
            if (200..<300).contains(response.status) {
                guard let problem = request.expect.problem(in: response, operation: request.operation) else {
                    return AWSResponse(status: response.status, headers: response.headers, body: response.body)
                }
                logger?("  not an AWS answer: \(problem)")
                if request.idempotent, await backoff("unexpected document") {
                    continue
                }
                throw AWSClientError.invalidResponse(operation: label, reason: problem + (attempt > 1 ? " (\(attempt) attempts)" : "") + budgetNote)
            }
            // S3 answers a request for a bucket in another region with that region in a header:
            // sign again for the bucket's regional endpoint (as the SDKs do) instead of following.
            if request.service == .s3, !endpoint.isCustom, !regionRedirected, [301, 307, 400].contains(response.status),
               let bucketRegion = response.headers["x-amz-bucket-region"], !bucketRegion.isEmpty, bucketRegion != endpoint.signingRegion,
               bucketRegion.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) {
                regionRedirected = true
                endpoint = endpoints.endpoint(for: .s3, region: bucketRegion)
                url = Self.url(endpoint: endpoint, request: request)
                logger?("  the bucket is in \(bucketRegion): signing again for \(endpoint.url)")
                attempt -= 1
                continue
            }
            let error = Self.parseError(response, operation: label)
            if !skewRetried, RetryPolicy.clockSkewCodes.contains(error.code), let correction = skewCorrection(error, response) {
                skewRetried = true
                state.withLock { $0.clockOffset = correction }
                logger?("  \(error.code): server clock differs by \(Int(correction)) s; retrying once with the corrected time")
                attempt -= 1
                continue
            }
            if RetryPolicy.isRetryable(error), await backoff(error.code) {
                continue
            }
            throw AWSClientError.service(error)
        }
    }

    /// Refuses plain HTTP to AWS's hosts; warns once per process about plain HTTP to other hosts
    /// that are not loopback (see `EndpointPolicy`).
    private func checkScheme(_ endpoint: ResolvedEndpoint, service: AWSService) throws {
        switch EndpointPolicy.verdict(for: endpoint.url, name: endpoints.source(for: service)) {
        case .allowed:
            return
        case .refused(let message):
            throw AWSClientError.invalidConfiguration(message)
        case .warn(let message):
            let first = Self.warned.withLock { $0.insert(endpoint.url).inserted }
            if first { warn(message) }
        }
    }

    private static let warned = Locked(Set<String>())

    /// No attempt is started with less time than this left in the call's budget.
    static let shortestAttempt: TimeInterval = 0.1

    /// `90` or `1.5`, for messages.
    static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
    }

    private func signer(for credentials: SigV4Credentials) -> SigV4Signer {
        state.withLock { state in
            if let signer = state.signer, signer.credentials == credentials { return signer }
            let signer = SigV4Signer(credentials: credentials)
            state.signer = signer
            return signer
        }
    }

    /// The clock offset to use after a skew error, or nil when the server's `Date` shows no real skew.
    private func skewCorrection(_ error: AWSError, _ response: HTTPResponse) -> TimeInterval? {
        guard let header = response.headers["date"], let serverDate = Self.parseHTTPDate(header) else { return nil }
        let offset = serverDate.timeIntervalSince(clock())
        let current = clockOffset
        // RequestTimeTooSkewed says so itself; for the others demand a real gap (4 minutes, as botocore).
        let threshold: TimeInterval = error.code == "RequestTimeTooSkewed" ? 1 : 240
        guard abs(offset - current) >= threshold else { return nil }
        return offset
    }

    static func parseHTTPDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    static func url(endpoint: ResolvedEndpoint, request: AWSRequest) -> String {
        var base = endpoint.url
        if let prefix = request.hostPrefix, !endpoint.isCustom, let schemeEnd = base.range(of: "://") {
            base.insert(contentsOf: prefix, at: schemeEnd.upperBound)
        }
        var url = base + (request.path.hasPrefix("/") ? request.path : "/" + request.path)
        if !request.query.isEmpty {
            url += "?" + request.query.map { URIEncoding.encode($0.name) + "=" + URIEncoding.encode($0.value) }.joined(separator: "&")
        }
        return url
    }

    static func redact(_ text: String, _ secrets: [String]) -> String {
        var text = text
        for secret in secrets where !secret.isEmpty { text = text.replacingOccurrences(of: secret, with: "<redacted>") }
        return text
    }
}
