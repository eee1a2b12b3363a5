import Foundation

/// An error answer from an AWS service: its code, message, request id and HTTP status.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error code, for example `ValidationError`, `SignatureDoesNotMatch`, `ThrottlingException`.
    public var code: String
    /// The service's message.
    public var message: String
    /// The request id, when the service sent one (quote it to AWS support).
    public var requestID: String?
    /// The HTTP status code.
    public var httpStatus: Int
    /// The service and operation that failed, for example `cloudformation DescribeStacks`.
    public var operation: String

    /// Creates an error.
    public init(code: String, message: String, requestID: String? = nil, httpStatus: Int, operation: String = "") {
        self.code = code
        self.message = message
        self.requestID = requestID
        self.httpStatus = httpStatus
        self.operation = operation
    }

    public var description: String {
        var text = operation.isEmpty ? "" : "\(operation): "
        text += code == "HTTP\(httpStatus)" ? "HTTP \(httpStatus) without an AWS error code" : "\(code) (HTTP \(httpStatus))"
        if !message.isEmpty { text += ": \(message)" }
        if let requestID, !requestID.isEmpty { text += " [request id \(requestID)]" }
        if let hint = AWSError.hints[code] { text += "; \(hint)" }
        return text
    }

    /// What to do about the errors users meet first.
    static let hints: [String: String] = [
        "SignatureDoesNotMatch": "the secret access key does not match the access key id, or the clock is off: check the credentials (slmstack whoami) and run 'slmstack debug sign' to compare signatures",
        "InvalidClientTokenId": "the access key id is unknown to AWS: check AWS_ACCESS_KEY_ID or the profile's aws_access_key_id",
        "UnrecognizedClientException": "the access key id or session token is unknown to AWS: refresh the credentials",
        "InvalidAccessKeyId": "the access key id is unknown to AWS: check AWS_ACCESS_KEY_ID or the profile's aws_access_key_id",
        "AuthFailure": "AWS rejected the credentials: check the access key pair, then run 'slmstack whoami'",
        "ExpiredToken": "the session token has expired: refresh the credentials (for SSO: make sso-login PROFILE=<profile>)",
        "ExpiredTokenException": "the session token has expired: refresh the credentials (for SSO: make sso-login PROFILE=<profile>)",
        "RequestExpired": "the request was signed too long ago: check the system clock",
        "AccessDenied": "the identity lacks a permission: see the message for the action and attach a policy that allows it",
        "AccessDeniedException": "the identity lacks a permission: see the message for the action and attach a policy that allows it",
    ]
}

/// Everything the AWS client core can report.
public enum AWSClientError: Error, CustomStringConvertible, Sendable {
    /// The service answered with an error.
    case service(AWSError)
    /// No usable credentials: each place looked at, in order, and the fix.
    case noCredentials(tried: [String], fix: String)
    /// No region was configured.
    case noRegion(tried: [String])
    /// A configuration value (file, profile, flag, environment variable) is unusable.
    case invalidConfiguration(String)
    /// An endpoint URL is malformed.
    case invalidEndpoint(name: String, value: String)
    /// The network failed after all retries (connection refused, timeout, DNS, a connection
    /// closed mid-answer), or after one attempt of a call that is not idempotent.
    case transport(url: String, reason: String, attempts: Int, operation: String = "")
    /// The answer is not the document the service promises (an HTML page with HTTP 200 from a
    /// captive portal, a body without an element AWS always sends).
    case invalidResponse(operation: String, reason: String)
    /// `credential_process` failed or printed something unusable.
    case credentialProcess(profile: String, reason: String)
    /// Signing failed.
    case signing(String)

    /// The service error, when this is one.
    public var serviceError: AWSError? {
        if case .service(let error) = self { return error }
        return nil
    }

    public var description: String {
        switch self {
        case .service(let error):
            return error.description
        case .noCredentials(let tried, let fix):
            return "no AWS credentials found; tried, in order:\n" + tried.enumerated().map { "  \($0.offset + 1). \($0.element)" }.joined(separator: "\n") + "\nfix: \(fix)"
        case .noRegion(let tried):
            return "no AWS region configured; tried \(tried.joined(separator: ", ")); fix: pass --region us-east-1, set AWS_REGION, or add 'region = …' to the profile"
        case .invalidConfiguration(let message):
            return message
        case .invalidEndpoint(let name, let value):
            return "invalid endpoint url '\(value)' in \(name): expected http(s)://host[:port], for example http://127.0.0.1:5000"
        case .transport(let url, let reason, let attempts, let operation):
            return (operation.isEmpty ? "" : "\(operation): ") + "no complete answer from \(url) after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(reason); check the network, the region, any proxy and any --endpoint-url / AWS_ENDPOINT_URL override (timeouts: --read-timeout, --attempt-timeout, --call-timeout)"
        case .invalidResponse(let operation, let reason):
            return "\(operation): not an AWS answer: \(reason); a proxy or captive portal may be answering instead of AWS"
        case .credentialProcess(let profile, let reason):
            return "credential_process of profile '\(profile)' failed: \(reason); run the command by hand and check that it prints JSON with Version 1, AccessKeyId and SecretAccessKey"
        case .signing(let message):
            return "could not sign the request: \(message)"
        }
    }
}
