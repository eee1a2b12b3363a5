import Foundation
import SigV4

/// Step 9 of the chain: the container credentials endpoint of ECS, EKS Pod Identity and CodeBuild,
/// as botocore's `ContainerProvider` and `ContainerMetadataFetcher` (botocore/utils.py).
///
/// - `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (wins when both are set): `http://169.254.170.2` + it.
/// - `AWS_CONTAINER_CREDENTIALS_FULL_URI`: any `https` URL; `http` only to a loopback address,
///   `localhost`, or the ECS / EKS addresses 169.254.170.2, 169.254.170.23 and fd00:ec2::23.
/// - `Authorization` header: the contents of `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read again
///   on each refresh: EKS rotates it), else `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
/// - 2 s per attempt, 3 attempts 1 s apart; the answer is JSON with `AccessKeyId`,
///   `SecretAccessKey`, `Token` and `Expiration`.
///
/// When either variable is set, a failure ends the search (the process runs in a container that
/// was meant to give it a role), as in botocore.
enum ContainerCredentials {
    /// The ECS agent's address for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
    static let ecsHost = "169.254.170.2"
    /// Hosts allowed over plain http besides loopback addresses (ECS, EKS Pod Identity IPv4 and IPv6).
    static let allowedHosts = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"]
    /// Seconds per attempt, attempts, and the pause between them (botocore's values).
    static let timeout: TimeInterval = 2
    static let attempts = 3
    static let pause: Double = 1

    /// Whether `host` (brackets removed) is an IPv4 loopback address (127.0.0.0/8) or `::1`.
    static func isLoopback(_ host: String) -> Bool {
        if host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// The host of an `http(s)://host[:port]/…` URL, without IPv6 brackets, lower-cased.
    static func host(of url: String) -> String? {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else { return nil }
        return host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
    }

    /// Checks a `AWS_CONTAINER_CREDENTIALS_FULL_URI` value against the SDKs' rules.
    static func validateFullURI(_ url: String) throws {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), let host = host(of: url) else {
            throw AWSClientError.invalidConfiguration("AWS_CONTAINER_CREDENTIALS_FULL_URI '\(url)': expected an http(s) URL such as http://169.254.170.23/v1/credentials")
        }
        if lower.hasPrefix("https://") || isLoopback(host) || allowedHosts.contains(host) { return }
        throw AWSClientError.invalidConfiguration("AWS_CONTAINER_CREDENTIALS_FULL_URI '\(url)': plain http is allowed only to a loopback address or \(allowedHosts.joined(separator: ", ")): use https or one of those hosts")
    }

    /// One short sanitized line about an error answer, for messages (`ResponseText.line`): the
    /// `Code` and `Message` of a JSON answer, or a page's title or a text's first words; any other
    /// document is not quoted (it may hold credentials).
    static func errorLine(_ body: Data) -> String {
        if case .object? = try? JSONValue.parse(body), let json = try? JSONValue.parse(body) {
            let parts = [json["Code"] ?? json["code"], json["Message"] ?? json["message"]].compactMap { $0?.string }
            return ResponseText.line(Data(parts.joined(separator: ": ").utf8))
        }
        return ResponseText.quotable(body) ? ResponseText.line(body) : ""
    }

    /// Parses the JSON both metadata services answer with (`Token`, not `SessionToken`).
    static func parse(_ body: Data, source: CredentialSource, what: String) throws -> AWSCredentials {
        guard let json = try? JSONValue.parse(body) else {
            throw AWSClientError.invalidResponse(operation: what, reason: "the answer is not JSON")
        }
        guard let key = json["AccessKeyId"]?.string, let secret = json["SecretAccessKey"]?.string,
              let token = json["Token"]?.string, let expirationText = json["Expiration"]?.string else {
            let code = json["Code"]?.string.map { " (Code \($0): \(json["Message"]?.string ?? ""))" } ?? ""
            throw AWSClientError.invalidResponse(operation: what, reason: "AccessKeyId, SecretAccessKey, Token or Expiration missing\(code)")
        }
        guard let expiration = parseISO8601(expirationText) else {
            throw AWSClientError.invalidResponse(operation: what, reason: "Expiration '\(expirationText)' is not an ISO-8601 time")
        }
        return AWSCredentials(credentials: SigV4Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token),
                              expiration: expiration, source: source)
    }
}

extension CredentialsChain {
    func containerProvider(tried: inout [String]) async throws -> (any CredentialsProvider)? {
        let variable: String
        let url: String
        if let relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            variable = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
            url = "http://\(containerHost)" + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            variable = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
            try ContainerCredentials.validateFullURI(full)
            url = full
        } else {
            tried.append("container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set")
            return nil
        }
        let tokenFile = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        let tokenValue = env("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        let transport = metadataTransport(ContainerCredentials.timeout)
        let sleep = metadataSleep
        let source = CredentialSource.container(variable: variable)
        let logger = self.logger
        let fetch: @Sendable () async throws -> AWSCredentials = {
            var headers: [(name: String, value: String)] = [("Accept", "application/json")]
            var token = tokenValue
            if let tokenFile {
                guard let data = FileManager.default.contents(atPath: tokenFile) else {
                    throw AWSClientError.invalidConfiguration("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(tokenFile) cannot be read: check the path and its permissions")
                }
                token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if let token {
                guard !token.contains("\r"), !token.contains("\n") else {
                    throw AWSClientError.invalidConfiguration("the container authorization token (\(tokenFile == nil ? "AWS_CONTAINER_AUTHORIZATION_TOKEN" : "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) has a line break: it must be one line")
                }
                headers.append(("Authorization", token))
            }
            var failure = ""
            for attempt in 1...ContainerCredentials.attempts {
                if attempt > 1 { await sleep(ContainerCredentials.pause) }
                logger?("→ GET \(url) (container credentials, \(variable), attempt \(attempt)/\(ContainerCredentials.attempts)\(token == nil ? "" : ", with an Authorization token"))")
                do {
                    let response = try await transport.send(HTTPRequest(method: "GET", url: url, headers: headers, body: Data(),
                                                                        timeout: ContainerCredentials.timeout))
                    logger?("← HTTP \(response.status), \(response.body.count) bytes")
                    guard response.status == 200 else {
                        let text = ContainerCredentials.errorLine(response.body)
                        failure = "HTTP \(response.status)\(text.isEmpty ? "" : ": \"\(text)\"")"
                        continue
                    }
                    return try ContainerCredentials.parse(response.body, source: source, what: "container credentials GET \(url)")
                } catch let error as TransportError {
                    failure = error.reason
                    logger?("← \(error.reason)")
                } catch let error as AWSClientError {
                    failure = error.description
                }
            }
            throw AWSClientError.noCredentials(
                tried: ["container credentials: GET \(url) (\(variable)) failed \(ContainerCredentials.attempts) times, last: \(failure)"],
                fix: "check that the task or pod has a role and that \(variable) and the authorization token are the ones the container was given")
        }
        do {
            return RefreshingCredentialsProvider(initial: try await fetch(), clock: clock, fetch: fetch)
        } catch AWSClientError.noCredentials(let lines, let fix) {
            throw AWSClientError.noCredentials(tried: tried + lines, fix: fix)
        }
    }
}
