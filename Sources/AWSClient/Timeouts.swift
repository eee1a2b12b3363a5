import Foundation

/// How long one attempt of an AWS call may take.
///
/// Two clocks, as the AWS SDKs have them (the Java SDK's `apiCallAttemptTimeout`, botocore's
/// `read_timeout`):
/// 1. `attempt`: the whole attempt, connect + first byte + the whole body. A server that drips its
///    answer a byte at a time is cut off here.
/// 2. `idle`: no byte from the server for this long.
///
/// A timed-out attempt of an idempotent call is retried (see `RetryPolicy`), so a command waits at
/// most about `maxAttempts × attempt` plus the backoff.
public struct AWSTimeouts: Sendable, Equatable {
    /// Seconds without data before an attempt is abandoned.
    public var idle: TimeInterval
    /// Seconds one attempt may take in all.
    public var attempt: TimeInterval

    /// Creates timeouts; `idle` is capped at `attempt`.
    public init(idle: TimeInterval, attempt: TimeInterval) {
        self.idle = min(idle, attempt)
        self.attempt = attempt
    }

    /// 30 s idle, 60 s per attempt.
    public static let standard = AWSTimeouts(idle: 30, attempt: 60)
    /// The environment variable for the idle timeout.
    public static let idleVariable = "SLMSTACK_READ_TIMEOUT"
    /// The environment variable for the per-attempt deadline.
    public static let attemptVariable = "SLMSTACK_ATTEMPT_TIMEOUT"
    /// The accepted range, in seconds.
    public static let range: ClosedRange<TimeInterval> = 0.1...3600

    /// The timeouts from flags, else the environment, else `standard`.
    ///
    /// - Parameters:
    ///   - idle: the `--read-timeout` value, if given.
    ///   - attempt: the `--attempt-timeout` value, if given.
    /// - Throws: `AWSClientError.invalidConfiguration` naming the flag or variable and the range.
    public static func resolve(idle: String?, attempt: String?, environment: [String: String]) throws -> AWSTimeouts {
        func seconds(_ flag: String?, _ flagName: String, _ variable: String, _ fallback: TimeInterval) throws -> TimeInterval {
            let (text, name) = flag.map { ($0, flagName) } ?? environment[variable].flatMap { $0.isEmpty ? nil : ($0, variable) } ?? ("", "")
            guard !name.isEmpty else { return fallback }
            guard let value = TimeInterval(text), value.isFinite, range.contains(value) else {
                throw AWSClientError.invalidConfiguration("\(name): expected seconds from 0.1 to 3600 (for example 30), got '\(text)'")
            }
            return value
        }
        let attemptSeconds = try seconds(attempt, "--attempt-timeout", attemptVariable, standard.attempt)
        let idleSeconds = try seconds(idle, "--read-timeout", idleVariable, min(standard.idle, attemptSeconds))
        return AWSTimeouts(idle: idleSeconds, attempt: attemptSeconds)
    }
}

extension AWSClient {
    /// `resolve(_:environment:…)` with these timeouts on every call, those made to find
    /// credentials (STS, the SSO portal) included.
    public static func resolve(_ settings: AWSSettings, timeouts: AWSTimeouts, environment: [String: String],
                               logger: (@Sendable (String) -> Void)? = nil) async throws -> AWSClient {
        var settings = settings
        settings.timeout = timeouts.attempt
        let client = try await resolve(settings, environment: environment, transport: URLSessionTransport(timeout: timeouts.idle), logger: logger)
        return client.with(timeouts: timeouts)
    }
}
