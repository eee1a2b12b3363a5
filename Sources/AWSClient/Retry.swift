import Foundation

/// When and how long to wait before trying a call again.
///
/// Exponential backoff with full jitter (`random(0, min(maxBackoff, base * 2^(attempt-1)))`), as
/// the AWS SDKs' standard retry mode
/// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html):
/// 1. throttling codes, HTTP 429 and 5xx, and transient codes: any call (the server said it did
///    not do it, or failed);
/// 2. transient network failures (a reset, a connection closed mid-answer, a timeout) and a 2xx
///    that is not the promised document: idempotent calls only (`AWSRequest.idempotent`: reads,
///    `GET`/`PUT`/`DELETE`, and calls made idempotent by a client token), since the first attempt
///    may have done its work;
/// 3. a connection refused or a host not found: any call (nothing was sent).
///
/// The SDKs' retry quota (a token bucket shared by a client's calls) is not kept: each command
/// makes few calls, one at a time.
public struct RetryPolicy: Sendable {
    /// Total attempts including the first (default 3, like the SDKs' standard mode).
    public var maxAttempts: Int
    /// The first backoff ceiling in seconds.
    public var baseDelay: Double
    /// The largest backoff in seconds.
    public var maxBackoff: Double
    /// Waits for the given number of seconds (tests record instead of sleeping).
    public var sleep: @Sendable (Double) async -> Void
    /// A number in [0, 1) for the jitter (tests make it deterministic).
    public var random: @Sendable () -> Double

    /// Creates a policy.
    public init(maxAttempts: Int = 3, baseDelay: Double = 0.5, maxBackoff: Double = 20,
                sleep: @escaping @Sendable (Double) async -> Void = { seconds in
                    try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
                },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxBackoff = maxBackoff
        self.sleep = sleep
        self.random = random
    }

    /// The wait before attempt `attempt + 1`, after `attempt` failed (1-based).
    public func delay(afterAttempt attempt: Int) -> Double {
        let ceiling = min(maxBackoff, baseDelay * pow(2, Double(attempt - 1)))
        return random() * ceiling
    }

    /// Error codes that mean "slow down".
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    /// Error codes of transient server trouble.
    public static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "InternalServerError",
        "ServiceUnavailable", "ServiceUnavailableException",
    ]
    /// Error codes that may mean the local clock is off.
    public static let clockSkewCodes: Set<String> = [
        "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException", "SignatureDoesNotMatch",
        "AuthFailure",
    ]

    /// Whether a service error is worth another attempt.
    public static func isRetryable(_ error: AWSError) -> Bool {
        throttlingCodes.contains(error.code) || transientCodes.contains(error.code)
            || error.httpStatus == 429 || [500, 502, 503, 504].contains(error.httpStatus)
    }
}
