import Foundation
import SigV4

/// Where a set of credentials came from, for `whoami` and error messages.
public enum CredentialSource: Sendable, Equatable, CustomStringConvertible {
    /// `--access-key-id` / `--secret-access-key` flags (or values passed in code).
    case explicit
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
    case environment
    /// Static keys of a profile; `file` is `credentials file` or `config file`.
    case profile(name: String, file: String)
    /// The profile's `credential_process`.
    case credentialProcess(profile: String)
    /// STS AssumeRole for the profile's `role_arn`.
    case assumeRole(profile: String, roleARN: String)
    /// IAM Identity Center (SSO) role credentials for the profile.
    case sso(profile: String)

    public var description: String {
        switch self {
        case .explicit: "command-line flags"
        case .environment: "environment"
        case .profile(let name, let file): "profile \(name) (\(file))"
        case .credentialProcess(let profile): "profile \(profile) (credential_process)"
        case .assumeRole(let profile, let roleARN): "assume-role \(roleARN) (profile \(profile))"
        case .sso(let profile): "sso (profile \(profile))"
        }
    }
}

/// Credentials with their expiry and origin.
public struct AWSCredentials: Sendable, CustomStringConvertible {
    /// The key pair and session token.
    public var credentials: SigV4Credentials
    /// When temporary credentials stop working; nil for long-term keys.
    public var expiration: Date?
    /// Where they came from.
    public var source: CredentialSource

    /// Creates credentials.
    public init(credentials: SigV4Credentials, expiration: Date? = nil, source: CredentialSource) {
        self.credentials = credentials
        self.expiration = expiration
        self.source = source
    }

    public var description: String { "\(credentials) from \(source)" }
}

/// Supplies credentials for each call.
public protocol CredentialsProvider: Sendable {
    /// Current credentials, refreshed when they are about to expire.
    func credentials() async throws -> AWSCredentials
}

/// Credentials that never change.
public struct StaticCredentialsProvider: CredentialsProvider {
    /// The credentials.
    public let value: AWSCredentials

    /// Creates a provider.
    public init(_ value: AWSCredentials) { self.value = value }

    public func credentials() async throws -> AWSCredentials { value }
}

/// Temporary credentials fetched again five minutes before they expire.
public final class RefreshingCredentialsProvider: CredentialsProvider, @unchecked Sendable {
    private let fetch: @Sendable () async throws -> AWSCredentials
    private let clock: @Sendable () -> Date
    private let cached: Locked<AWSCredentials?>

    /// Creates a provider from a first value and a way to get the next one.
    public init(initial: AWSCredentials?, clock: @escaping @Sendable () -> Date = Date.init,
                fetch: @escaping @Sendable () async throws -> AWSCredentials) {
        self.fetch = fetch
        self.clock = clock
        self.cached = Locked(initial)
    }

    public func credentials() async throws -> AWSCredentials {
        if let current = cached.withLock({ $0 }),
           current.expiration.map({ $0.timeIntervalSince(clock()) > 300 }) ?? true {
            return current
        }
        let fresh = try await fetch()
        cached.withLock { $0 = fresh }
        return fresh
    }
}
