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

    /// Creates a request.
    public init(service: AWSService, operation: String, method: String = "POST", path: String = "/",
                query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
                body: [UInt8] = [], hostPrefix: String? = nil, signed: Bool = true) {
        self.service = service
        self.operation = operation
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.hostPrefix = hostPrefix
        self.signed = signed
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
    /// Seconds per attempt.
    public let timeout: TimeInterval
    private let clock: @Sendable () -> Date
    private let logger: (@Sendable (String) -> Void)?
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
    ///   - transport: the HTTP layer; URLSession by default.
    ///   - retry: attempts and backoff.
    ///   - timeout: seconds per attempt.
    ///   - clock: the current time (tests inject a skewed one).
    ///   - logger: receives `--debug` lines; they never contain secrets.
    public init(credentials: any CredentialsProvider, region: String, endpoints: EndpointResolver = EndpointResolver(),
                transport: any HTTPTransport = URLSessionTransport(), retry: RetryPolicy = RetryPolicy(),
                timeout: TimeInterval = 30, clock: @escaping @Sendable () -> Date = Date.init,
                logger: (@Sendable (String) -> Void)? = nil) {
        self.region = region
        self.endpoints = endpoints
        self.credentialsProvider = credentials
        self.transport = transport
        self.retry = retry
        self.timeout = timeout
        self.clock = clock
        self.logger = logger
    }

    /// The correction added to the local clock after a server reported skew, in seconds.
    public var clockOffset: TimeInterval { state.withLock { $0.clockOffset } }

    /// The same client with other credentials (used for role chaining and SSO).
    public func with(credentials: any CredentialsProvider) -> AWSClient {
        AWSClient(credentials: credentials, region: region, endpoints: endpoints, transport: transport, retry: retry,
                  timeout: timeout, clock: clock, logger: logger)
    }

    // MARK: - Core

    /// Sends one request: resolves the endpoint, signs, retries, and maps errors.
    ///
    /// - Returns: the 2xx response.
    /// - Throws: `AWSClientError.service` with the parsed `AWSError`, `.transport` when the network
    ///   failed on every attempt, or credential errors.
    public func send(_ request: AWSRequest) async throws -> AWSResponse {
        let endpoint = endpoints.endpoint(for: request.service, region: region)
        let url = Self.url(endpoint: endpoint, request: request)
        let label = "\(request.service.endpointPrefix) \(request.operation)"
        var attempt = 0
        var skewRetried = false
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
            let started = Date()
            let response: HTTPResponse
            do {
                response = try await transport.send(HTTPRequest(method: request.method, url: url, headers: headers,
                                                                body: Data(request.body), timeout: timeout))
            } catch let error as TransportError {
                logger?("← \(error.reason) after \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
                if error.isRetryable, attempt < retry.maxAttempts {
                    let delay = retry.delay(afterAttempt: attempt)
                    logger?("  retrying in \(String(format: "%.2f", delay)) s")
                    await retry.sleep(delay)
                    continue
                }
                throw AWSClientError.transport(url: url, reason: error.reason, attempts: attempt)
            }
            let requestID = response.headers["x-amzn-requestid"] ?? response.headers["x-amz-request-id"] ?? response.headers["x-amzn-request-id"]
            logger?("← HTTP \(response.status) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s, \(response.body.count) bytes\(requestID.map { ", request id \($0)" } ?? "")")
            if (200..<300).contains(response.status) {
                return AWSResponse(status: response.status, headers: response.headers, body: response.body)
            }
            let error = Self.parseError(response, operation: label)
            if !skewRetried, RetryPolicy.clockSkewCodes.contains(error.code), let correction = skewCorrection(error, response) {
                skewRetried = true
                state.withLock { $0.clockOffset = correction }
                logger?("  \(error.code): server clock differs by \(Int(correction)) s; retrying once with the corrected time")
                attempt -= 1
                continue
            }
            if RetryPolicy.isRetryable(error), attempt < retry.maxAttempts {
                let delay = retry.delay(afterAttempt: attempt)
                logger?("  \(error.code): retrying in \(String(format: "%.2f", delay)) s")
                await retry.sleep(delay)
                continue
            }
            throw AWSClientError.service(error)
        }
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

    /// Reads the error code, message and request id from an XML or JSON body and the headers.
    public static func parseError(_ response: HTTPResponse, operation: String) -> AWSError {
        var code: String?
        var message: String?
        var requestID = response.headers["x-amzn-requestid"] ?? response.headers["x-amz-request-id"] ?? response.headers["x-amzn-request-id"]
        let body = response.body
        let firstByte = body.first { ![0x20, 0x0a, 0x0d, 0x09].contains($0) }
        if firstByte == UInt8(ascii: "<"), let root = try? XMLNode.parse(body) {
            code = root.first(named: "Code")?.text ?? (root.name == "Code" ? root.text : nil)
            message = root.first(named: "Message")?.text ?? root.first(named: "message")?.text
            requestID = requestID ?? root.first(named: "RequestId")?.text ?? root.first(named: "RequestID")?.text
        } else if firstByte == UInt8(ascii: "{"), let json = try? JSONValue.parse(body) {
            code = (json["__type"] ?? json["code"] ?? json["Code"])?.string
            message = (json["message"] ?? json["Message"] ?? json["errorMessage"])?.string
        }
        if let header = response.headers["x-amzn-errortype"], !header.isEmpty {
            code = code ?? header
        }
        var cleaned = code ?? "HTTP\(response.status)"
        if let hash = cleaned.lastIndex(of: "#") { cleaned = String(cleaned[cleaned.index(after: hash)...]) }
        if let colon = cleaned.firstIndex(of: ":") { cleaned = String(cleaned[..<colon]) }
        if message == nil, code == nil, !body.isEmpty {
            message = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return AWSError(code: cleaned, message: message ?? "", requestID: requestID, httpStatus: response.status, operation: operation)
    }
}
