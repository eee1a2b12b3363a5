import Foundation

/// How long an AWS call may take.
///
/// Three clocks; the first two as the AWS SDKs have them (the Java SDK's `apiCallAttemptTimeout`
/// and `apiCallTimeout`, botocore's `read_timeout`):
/// 1. `call`: the whole call, every attempt and the backoff between them. No retry starts when
///    the budget is spent, and the last attempt gets only what is left, so a server that drips its
///    answers holds a command for `call` seconds, not `maxAttempts × attempt`.
/// 2. `attempt`: one attempt, connect + first byte + the whole body.
/// 3. `idle`: no byte from the server for this long.
///
/// Each is capped at the one above (`idle ≤ attempt ≤ call`).
public struct AWSTimeouts: Sendable, Equatable {
    /// Seconds without data before an attempt is abandoned.
    public var idle: TimeInterval
    /// Seconds one attempt may take in all.
    public var attempt: TimeInterval
    /// Seconds one call may take in all, retries and backoff included.
    public var call: TimeInterval

    /// Creates timeouts; `attempt` is capped at `call` and `idle` at `attempt`.
    ///
    /// - Parameter call: nil: the standard budget, or one whole attempt when that is longer.
    public init(idle: TimeInterval, attempt: TimeInterval, call: TimeInterval? = nil) {
        self.call = call ?? max(Self.standardCall, attempt)
        self.attempt = min(attempt, self.call)
        self.idle = min(idle, self.attempt)
    }

    static let standardCall: TimeInterval = 60
    /// 30 s idle, 30 s per attempt, 60 s per call: a server that drips its answer gets two attempts.
    public static let standard = AWSTimeouts(idle: 30, attempt: 30, call: standardCall)
    /// The environment variable for the idle timeout.
    public static let idleVariable = "SLMSTACK_READ_TIMEOUT"
    /// The environment variable for the per-attempt deadline.
    public static let attemptVariable = "SLMSTACK_ATTEMPT_TIMEOUT"
    /// The environment variable for the per-call budget.
    public static let callVariable = "SLMSTACK_CALL_TIMEOUT"
    /// The accepted range, in seconds.
    public static let range: ClosedRange<TimeInterval> = 0.1...3600

    /// The timeouts from flags, else the environment, else `standard`.
    ///
    /// - Parameters:
    ///   - idle: the `--read-timeout` value, if given.
    ///   - attempt: the `--attempt-timeout` value, if given.
    ///   - call: the `--call-timeout` value, if given.
    /// - Throws: `AWSClientError.invalidConfiguration` naming the flag or variable and the range.
    public static func resolve(idle: String?, attempt: String?, call: String? = nil, environment: [String: String]) throws -> AWSTimeouts {
        func seconds(_ flag: String?, _ flagName: String, _ variable: String) throws -> TimeInterval? {
            let (text, name) = flag.map { ($0, flagName) } ?? environment[variable].flatMap { $0.isEmpty ? nil : ($0, variable) } ?? ("", "")
            guard !name.isEmpty else { return nil }
            guard let value = TimeInterval(text), value.isFinite, range.contains(value) else {
                throw AWSClientError.invalidConfiguration("\(name): expected seconds from 0.1 to 3600 (for example 30), got '\(text)'")
            }
            return value
        }
        let callSeconds = try seconds(call, "--call-timeout", callVariable)
        let attemptSeconds = try seconds(attempt, "--attempt-timeout", attemptVariable) ?? min(standard.attempt, callSeconds ?? standard.attempt)
        let idleSeconds = try seconds(idle, "--read-timeout", idleVariable) ?? min(standard.idle, attemptSeconds)
        return AWSTimeouts(idle: idleSeconds, attempt: attemptSeconds, call: callSeconds)
    }
}

extension AWSClient {
    /// `resolve(_:environment:…)` with these timeouts on every call, those made to find
    /// credentials (STS, the SSO portal) included.
    public static func resolve(_ settings: AWSSettings, timeouts: AWSTimeouts, environment: [String: String],
                               logger: (@Sendable (String) -> Void)? = nil) async throws -> AWSClient {
        try await resolve(settings, environment: environment, transport: StandardTransport(timeout: timeouts.idle),
                          timeouts: timeouts, logger: logger)
    }
}
