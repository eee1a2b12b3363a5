import Foundation

/// Where the deployer talks to the person (or CI) running it.
public protocol DeployConsole: Sendable {
    /// Whether there is a terminal: live progress and confirmation prompts.
    var isInteractive: Bool { get }
    /// One line to standard output.
    func say(_ line: String)
    /// One line to standard error.
    func warn(_ line: String)
    /// Asks a yes/no question on the terminal; nil when there is none.
    func confirm(_ question: String) -> Bool?
    /// Replaces the live block of lines drawn last (terminal only).
    func redraw(_ lines: [String])
    /// Ends the live block so later lines print below it.
    func endLive()
}

/// The clock and sleep the follower uses, so tests can run without waiting.
public struct PollClock: Sendable {
    public var now: @Sendable () -> Date
    public var sleep: @Sendable (Double) async throws -> Void

    public init(now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (Double) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    public static let system = PollClock(now: Date.init) { seconds in
        try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }
}

/// How polling backs off: fast at first (a change set or a moto stack is ready in well under a
/// second), slower while a SageMaker endpoint takes minutes, never longer than `maxInterval`, and
/// never past `timeout` in all.
public struct Backoff: Sendable {
    public var first: Double = 0.25
    public var factor: Double = 1.5
    public var maxInterval: Double = 10
    public var timeout: Double = 3 * 3600

    public init(first: Double = 0.25, factor: Double = 1.5, maxInterval: Double = 10, timeout: Double = 3 * 3600) {
        self.first = first
        self.factor = factor
        self.maxInterval = maxInterval
        self.timeout = timeout
    }

    /// The wait before poll number `attempt` (0-based).
    public func interval(_ attempt: Int) -> Double {
        min(maxInterval, first * pow(factor, Double(attempt)))
    }
}
