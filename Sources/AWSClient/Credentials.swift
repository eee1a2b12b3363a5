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
    /// STS AssumeRole for the profile's `role_arn`; `credentialSource` is the profile's
    /// `credential_source` when that, not a `source_profile`, signed the call.
    case assumeRole(profile: String, roleARN: String, credentialSource: String? = nil)
    /// STS AssumeRoleWithWebIdentity; `origin` is `AWS_WEB_IDENTITY_TOKEN_FILE` or `profile NAME`.
    case webIdentity(roleARN: String, origin: String)
    /// IAM Identity Center (SSO) role credentials for the profile.
    case sso(profile: String)
    /// The ECS / EKS Pod Identity / CodeBuild container endpoint; `variable` is the environment
    /// variable that named it (`AWS_CONTAINER_CREDENTIALS_FULL_URI` or `…_RELATIVE_URI`).
    case container(variable: String)
    /// The EC2 instance profile from the instance metadata service (`version` 2 or 1).
    case instanceMetadata(role: String, version: Int)

    public var description: String {
        switch self {
        case .explicit: "command-line flags"
        case .environment: "environment (AWS_ACCESS_KEY_ID)"
        case .profile(let name, let file): "profile \(name) (\(file))"
        case .credentialProcess(let profile): "profile \(profile) (credential_process)"
        case .assumeRole(let profile, let roleARN, let credentialSource):
            "assume-role \(roleARN) (profile \(profile)\(credentialSource.map { ", credential_source \($0)" } ?? ""))"
        case .webIdentity(let roleARN, let origin): "web identity \(roleARN) (\(origin))"
        case .sso(let profile): "sso (profile \(profile))"
        case .container(let variable): "container credentials (\(variable))"
        case .instanceMetadata(let role, let version): "EC2 instance metadata (IMDSv\(version), role \(role))"
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

/// Temporary credentials fetched again before they expire, with botocore's windows
/// (`RefreshableCredentials` in botocore/credentials.py):
///
/// - more than 15 minutes left: the cached credentials are used;
/// - 15 to 10 minutes left (advisory): one caller refreshes, the others keep using the cached
///   credentials, and a failed refresh is ignored;
/// - under 10 minutes left (mandatory): callers wait for the refresh and its error reaches them.
///
/// One fetch runs at a time, however many calls ask at once. While the cached credentials are
/// still valid, a fetch is tried at most once a minute, so a source that keeps handing out the same
/// soon-to-expire credentials (IMDS does in the last minutes) is not asked on every call.
public final class RefreshingCredentialsProvider: CredentialsProvider, @unchecked Sendable {
    /// Seconds before expiry when a refresh is first tried (botocore's advisory timeout).
    public static let advisoryWindow: TimeInterval = 15 * 60
    /// Seconds before expiry from which a refresh must succeed (botocore's mandatory timeout).
    public static let mandatoryWindow: TimeInterval = 10 * 60
    /// Least seconds between two fetches while the cached credentials are still valid.
    public static let retryInterval: TimeInterval = 60

    private let fetch: @Sendable () async throws -> AWSCredentials
    private let clock: @Sendable () -> Date
    private let state: Locked<State>

    private struct State {
        var current: AWSCredentials?
        var lastAttempt: Date?
        var inFlight: (id: Int, task: Task<AWSCredentials, Error>)?
        var nextID = 0
    }

    private enum Plan {
        case use(AWSCredentials)
        case wait(id: Int, task: Task<AWSCredentials, Error>, fallback: AWSCredentials?)
    }

    /// Creates a provider from a first value (just fetched, or nil to fetch on first use) and a way
    /// to get the next one.
    public init(initial: AWSCredentials?, clock: @escaping @Sendable () -> Date = Date.init,
                fetch: @escaping @Sendable () async throws -> AWSCredentials) {
        self.fetch = fetch
        self.clock = clock
        self.state = Locked(State(current: initial, lastAttempt: initial == nil ? nil : clock()))
    }

    public func credentials() async throws -> AWSCredentials {
        let now = clock()
        let fetch = self.fetch
        let plan: Plan = state.withLock { state in
            var fallback: AWSCredentials?
            if let current = state.current {
                guard let expiration = current.expiration else { return .use(current) }
                let remaining = expiration.timeIntervalSince(now)
                if remaining >= Self.advisoryWindow { return .use(current) }
                let mandatory = remaining < Self.mandatoryWindow
                if let inFlight = state.inFlight {
                    return mandatory ? .wait(id: inFlight.id, task: inFlight.task, fallback: nil) : .use(current)
                }
                if remaining > 0, let last = state.lastAttempt, now.timeIntervalSince(last) < Self.retryInterval {
                    return .use(current)
                }
                fallback = mandatory ? nil : current
            } else if let inFlight = state.inFlight {
                return .wait(id: inFlight.id, task: inFlight.task, fallback: nil)
            }
            state.nextID += 1
            let task = Task { try await fetch() }
            state.inFlight = (state.nextID, task)
            state.lastAttempt = now
            return .wait(id: state.nextID, task: task, fallback: fallback)
        }
        switch plan {
        case .use(let credentials):
            return credentials
        case .wait(let id, let task, let fallback):
            do {
                let fresh = try await task.value
                state.withLock { state in
                    if state.inFlight?.id == id {
                        state.current = fresh
                        state.inFlight = nil
                    }
                }
                return fresh
            } catch {
                state.withLock { state in if state.inFlight?.id == id { state.inFlight = nil } }
                if let fallback { return fallback }
                throw error
            }
        }
    }
}
