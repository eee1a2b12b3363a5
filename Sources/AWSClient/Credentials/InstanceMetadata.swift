import Foundation
import SigV4

/// Step 10 of the chain: the EC2 instance profile from the instance metadata service, as
/// botocore's `InstanceMetadataFetcher` (botocore/utils.py):
///
/// 1. `PUT /latest/api/token` with `x-aws-ec2-metadata-token-ttl-seconds: 21600` (IMDSv2);
/// 2. `GET /latest/meta-data/iam/security-credentials/` → the role name;
/// 3. `GET /latest/meta-data/iam/security-credentials/<role>` → JSON credentials.
///
/// The GETs carry `x-aws-ec2-metadata-token`. When the token request answers 403, 404 or 405, or
/// times out, the GETs go without a token (IMDSv1), as the SDKs do, unless
/// `AWS_EC2_METADATA_V1_DISABLED=true` (or `ec2_metadata_v1_disabled`); 400 ends the attempt.
///
/// Settings (environment first, then the profile): `AWS_EC2_METADATA_DISABLED=true` turns it off;
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT` / `ec2_metadata_service_endpoint` replaces the address;
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` / `ec2_metadata_service_endpoint_mode` (`IPv4`, the
/// default `http://169.254.169.254`, or `IPv6`, `http://[fd00:ec2::254]`);
/// `AWS_METADATA_SERVICE_TIMEOUT` / `metadata_service_timeout` (seconds per request, default 1) and
/// `AWS_METADATA_SERVICE_NUM_ATTEMPTS` / `metadata_service_num_attempts` (default 1).
/// Not finding the service is not an error: the chain reports that nothing was found.
struct InstanceMetadata: Sendable {
    static let ipv4Endpoint = "http://169.254.169.254"
    static let ipv6Endpoint = "http://[fd00:ec2::254]"
    static let tokenTTL = "21600"
    static let credentialsPath = "/latest/meta-data/iam/security-credentials/"

    /// The base URL, without a trailing `/`.
    let endpoint: String
    /// Seconds per request and attempts per request.
    let timeout: TimeInterval
    let attempts: Int
    /// Whether the GETs may go without a token.
    let allowV1: Bool
    let transport: any HTTPTransport
    /// `--debug` lines (never the session token or the credentials).
    var logger: (@Sendable (String) -> Void)? = nil

    /// Why no credentials came back; becomes a line of the chain's error.
    struct Unavailable: Error { var reason: String }

    /// Reads the settings; nil when `AWS_EC2_METADATA_DISABLED` is true.
    ///
    /// - Parameters:
    ///   - setting: the value of an environment variable, else of a profile key.
    ///   - origin: where that value came from, for messages: the variable, or the profile key.
    /// - Throws: `AWSClientError.invalidConfiguration` for an unknown mode, a bad endpoint, timeout
    ///   or number of attempts, naming where the value came from.
    static func settings(_ setting: (String, String) -> String?,
                         origin: (String, String) -> String = { variable, _ in variable }) throws -> (endpoint: String, timeout: TimeInterval, attempts: Int, allowV1: Bool)? {
        if setting("AWS_EC2_METADATA_DISABLED", "")?.lowercased() == "true" { return nil }
        var endpoint = ipv4Endpoint
        let modeNames = ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode")
        if let mode = setting(modeNames.0, modeNames.1) {
            switch mode.lowercased() {
            case "ipv4": endpoint = ipv4Endpoint
            case "ipv6": endpoint = ipv6Endpoint
            default: throw AWSClientError.invalidConfiguration("\(origin(modeNames.0, modeNames.1)) '\(mode)': expected IPv4 or IPv6")
            }
        }
        let endpointNames = ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint")
        if let custom = setting(endpointNames.0, endpointNames.1) {
            endpoint = try EndpointResolver.validated(custom, name: origin(endpointNames.0, endpointNames.1))
        }
        let timeoutNames = ("AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout")
        let timeoutText = setting(timeoutNames.0, timeoutNames.1) ?? "1"
        guard let timeout = Double(timeoutText), (1...60).contains(timeout) else {
            throw AWSClientError.invalidConfiguration("\(origin(timeoutNames.0, timeoutNames.1)) '\(timeoutText)': expected seconds from 1 to 60")
        }
        let attemptNames = ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts")
        let attemptsText = setting(attemptNames.0, attemptNames.1) ?? "1"
        guard let attempts = Int(attemptsText), (1...10).contains(attempts) else {
            throw AWSClientError.invalidConfiguration("\(origin(attemptNames.0, attemptNames.1)) '\(attemptsText)': expected a whole number from 1 to 10")
        }
        let v1Disabled = setting("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled")?.lowercased() == "true"
        return (endpoint, timeout, attempts, !v1Disabled)
    }

    /// Token, role, credentials.
    ///
    /// - Throws: `Unavailable` when the service gives no credentials.
    func fetch() async throws -> AWSCredentials {
        let token = try await sessionToken()
        guard token != nil || allowV1 else {
            throw Unavailable(reason: "no IMDSv2 token from \(endpoint) and IMDSv1 is disabled (AWS_EC2_METADATA_V1_DISABLED)")
        }
        let roleBody = try await get(Self.credentialsPath, token: token, what: "the role name")
        guard let role = String(decoding: roleBody, as: UTF8.self).split(whereSeparator: \.isNewline).first
            .map({ $0.trimmingCharacters(in: .whitespaces) }), !role.isEmpty else {
            throw Unavailable(reason: "\(endpoint) lists no instance profile role")
        }
        let body = try await get(Self.credentialsPath + role, token: token, what: "the credentials of role \(role)")
        do {
            return try ContainerCredentials.parse(body, source: .instanceMetadata(role: role, version: token == nil ? 1 : 2),
                                                  what: "instance metadata GET \(Self.credentialsPath)\(role)")
        } catch let error as AWSClientError {
            throw Unavailable(reason: error.description)
        }
    }

    /// Sends one request and logs it with its answer.
    private func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        logger?("→ \(request.method) \(request.url) (EC2 instance metadata, timeout \(request.timeout) s)")
        do {
            let response = try await transport.send(request)
            logger?("← HTTP \(response.status), \(response.body.count) bytes")
            return response
        } catch let error as TransportError {
            logger?("← \(error.reason)")
            throw error
        }
    }

    /// The IMDSv2 session token, or nil when the service does not offer one (then IMDSv1).
    private func sessionToken() async throws -> String? {
        let request = HTTPRequest(method: "PUT", url: endpoint + "/latest/api/token",
                                  headers: [("x-aws-ec2-metadata-token-ttl-seconds", Self.tokenTTL)], body: Data(), timeout: timeout)
        var failure = "no answer"
        for _ in 0..<attempts {
            do {
                let response = try await send(request)
                switch response.status {
                case 200: return String(decoding: response.body, as: UTF8.self)
                case 403, 404, 405: return nil
                case 400: throw Unavailable(reason: "\(endpoint) refused the token request (HTTP 400)")
                default: failure = "HTTP \(response.status)"
                }
            } catch let error as TransportError {
                if error.reason == "timed out" { return nil }
                failure = error.reason
            }
        }
        throw Unavailable(reason: "PUT \(endpoint)/latest/api/token: \(failure) after \(attempts) attempt\(attempts == 1 ? "" : "s") (not on EC2?)")
    }

    /// A GET, tried `attempts` times while the answer is not a non-empty 200.
    private func get(_ path: String, token: String?, what: String) async throws -> Data {
        var headers: [(name: String, value: String)] = []
        if let token { headers.append(("x-aws-ec2-metadata-token", token)) }
        var failure = "no answer"
        for _ in 0..<attempts {
            do {
                let response = try await send(HTTPRequest(method: "GET", url: endpoint + path, headers: headers, body: Data(), timeout: timeout))
                if response.status == 200, !response.body.isEmpty { return response.body }
                failure = response.status == 404 ? "HTTP 404 (no instance profile attached?)" : "HTTP \(response.status)"
            } catch let error as TransportError {
                failure = error.reason
            }
        }
        throw Unavailable(reason: "GET \(endpoint)\(path) for \(what): \(failure)")
    }
}

extension CredentialsChain {
    func instanceMetadataProvider(tried: inout [String]) async throws -> (any CredentialsProvider)? {
        guard let settings = try InstanceMetadata.settings({ variable, key in
            env(variable) ?? (key.isEmpty ? nil : files.setting(key, profile: profileName))
        }, origin: { variable, key in
            env(variable) != nil || key.isEmpty ? variable : "\(key) in profile '\(profileName)'"
        }) else {
            tried.append("EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED")
            return nil
        }
        let service = InstanceMetadata(endpoint: settings.endpoint, timeout: settings.timeout, attempts: settings.attempts,
                                       allowV1: settings.allowV1, transport: metadataTransport(settings.timeout), logger: logger)
        let fetch: @Sendable () async throws -> AWSCredentials = {
            do {
                return try await service.fetch()
            } catch let unavailable as InstanceMetadata.Unavailable {
                throw AWSClientError.invalidResponse(operation: "EC2 instance metadata", reason: unavailable.reason)
            }
        }
        do {
            return RefreshingCredentialsProvider(initial: try await service.fetch(), clock: clock, fetch: fetch)
        } catch let unavailable as InstanceMetadata.Unavailable {
            tried.append("EC2 instance metadata: \(unavailable.reason)")
            return nil
        }
    }
}
