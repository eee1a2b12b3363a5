import AWSClient
import Foundation

/// What a stack operation ended with.
public struct OperationOutcome: Sendable {
    /// The final stack status, or nil when the stack is gone (deleted).
    public var status: String?
    public var statusReason: String?
    /// The operation's events, oldest first.
    public var events: [StackEvent]
    /// The stack as the last poll saw it (nil when it is gone).
    public var final: StackDescription? = nil

    /// Whether the operation did what was asked.
    public var succeeded: Bool {
        guard let status else { return true }
        return ["CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE", "IMPORT_COMPLETE"].contains(status)
    }

    /// The first resource that failed, and why: the root cause, not the cascade of
    /// "Resource creation cancelled" that follows it.
    public var rootCause: StackEvent? {
        let failures = events.filter { $0.status.hasSuffix("_FAILED") && !$0.isStackEvent }
        return failures.first { !($0.reason ?? "").localizedCaseInsensitiveContains("cancelled") } ?? failures.first
    }

    /// Every resource that failed, with its reason, in order.
    public var failures: [StackEvent] { events.filter { $0.status.hasSuffix("_FAILED") && !$0.isStackEvent } }
}

/// Statuses in which no operation is running.
public enum StackStatus {
    /// Whether an operation is running (REVIEW_IN_PROGRESS is a stack waiting for its first change
    /// set, not an operation).
    public static func isInProgress(_ status: String) -> Bool {
        status.hasSuffix("_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS"
    }
}

/// Follows a stack operation through its events until the stack reaches a terminal status,
/// showing progress as it goes.
public struct EventFollower: Sendable {
    public let api: CloudFormationAPI
    public let console: any DeployConsole
    public let clock: PollClock
    public let backoff: Backoff

    public init(api: CloudFormationAPI, console: any DeployConsole, clock: PollClock = .system, backoff: Backoff = Backoff()) {
        self.api = api
        self.console = console
        self.clock = clock
        self.backoff = backoff
    }

    /// Polls until the operation that started at `since` ends.
    ///
    /// - Parameters:
    ///   - stack: the stack's name or ID (use the ID after a delete: the name stops resolving).
    ///   - since: events before this moment belong to earlier operations.
    ///   - total: how many resources the operation touches, for the progress bar.
    ///   - verb: what the progress line says, for example `Deploying`.
    /// - Throws: `DeployError.timedOut` past the backoff's timeout, or AWS errors.
    public func follow(stack: String, since: Date, total: Int, verb: String, clientToken: String? = nil) async throws -> OperationOutcome {
        let started = clock.now()
        var seen = Set<String>()
        var events: [StackEvent] = []
        var rows: [String: (status: String, since: Date, reason: String?)] = [:]
        var order: [String] = []
        var attempt = 0
        var spinner = 0
        let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
        // Events of this operation: those carrying its client request token, or (see newEvents) from
        // its start event on, by the server's clock (the local one corrected by the measured skew).
        let floor = since.addingTimeInterval(api.client.clockOffset - 2)
        var start: String?
        while true {
            let description = try await api.describeStack(stack)
            let fresh = try await newEvents(stack, seen: seen, clientToken: clientToken, floor: floor, start: &start).reversed()
            for event in fresh {
                seen.insert(event.id)
                events.append(event)
                if !event.isStackEvent {
                    if rows[event.logicalID] == nil { order.append(event.logicalID) }
                    let previous = rows[event.logicalID]
                    let start = previous.map { $0.status.hasSuffix("_IN_PROGRESS") ? $0.since : event.timestamp } ?? event.timestamp
                    rows[event.logicalID] = (event.status, start, event.reason)
                }
                if !console.isInteractive {
                    console.say(Self.plainLine(event))
                }
            }
            if console.isInteractive {
                let done = rows.values.filter { !$0.status.hasSuffix("_IN_PROGRESS") }.count
                let now = clock.now()
                var lines = order.map { id -> String in
                    let row = rows[id]!
                    let mark = row.status.hasSuffix("_FAILED") ? "✗" : row.status.hasSuffix("_IN_PROGRESS") ? frames[spinner % frames.count] : "✓"
                    let elapsed = Int((row.status.hasSuffix("_IN_PROGRESS") ? now : row.since).timeIntervalSince(row.since).rounded())
                    let reason = row.status.hasSuffix("_FAILED") ? "  \(row.reason ?? "")" : ""
                    return " \(mark) \(id.padding(toLength: 34, withPad: " ", startingAt: 0)) \(row.status.padding(toLength: 20, withPad: " ", startingAt: 0)) \(Self.duration(elapsed))\(reason)"
                }
                let width = 24
                let filled = total > 0 ? min(width, width * min(done, total) / total) : 0
                lines.append("\(frames[spinner % frames.count]) \(verb) \(stack) [\(String(repeating: "█", count: filled))\(String(repeating: "░", count: width - filled))] \(min(done, max(total, done)))/\(max(total, done)) resources, \(Self.duration(Int(now.timeIntervalSince(started))))")
                console.redraw(lines)
                spinner += 1
            }
            let status = description?.status
            if status == nil || !StackStatus.isInProgress(status!) {
                if console.isInteractive { console.endLive() }
                return OperationOutcome(status: status, statusReason: description?.statusReason, events: events, final: description)
            }
            if clock.now().timeIntervalSince(started) > backoff.timeout {
                if console.isInteractive { console.endLive() }
                throw DeployError.timedOut(stack: stack, status: status!, seconds: Int(backoff.timeout))
            }
            try await clock.sleep(fresh.isEmpty ? backoff.interval(attempt) : backoff.first)
            attempt = fresh.isEmpty ? attempt + 1 : 0
        }
    }

    /// The operation's events not seen yet, newest first; reads further pages until it reaches an
    /// event seen before, so a burst of events between two polls is not cut off.
    ///
    /// An event with a client request token belongs when the token is the operation's. Without one
    /// (the local AWS, or an operation started elsewhere), the operation's events are those from
    /// its start (the stack's own CREATE, UPDATE, DELETE or IMPORT_IN_PROGRESS event, at or after
    /// `floor`) on: the floor alone, with its 2 s margin for clock skew, let the end of an earlier
    /// operation in, and the demo's pause, resume, extend and destroy re-printed it. Until the start
    /// event is there, such events wait for the next poll.
    func newEvents(_ stack: String, seen: Set<String>, clientToken: String?, floor: Date, start: inout String?) async throws -> [StackEvent] {
        var found: [(event: StackEvent, byTime: Bool)] = []
        var token: String?
        scan: for _ in 0..<5 {
            let (page, next) = try await api.stackEventsPage(stack, nextToken: token)
            for event in page {
                if seen.contains(event.id) || event.id == start { break scan }
                if let clientToken, let eventToken = event.clientRequestToken, !eventToken.isEmpty {
                    if eventToken == clientToken { found.append((event, false)) }
                    continue
                }
                if event.timestamp < floor { break scan }
                found.append((event, true))
                if event.isStackEvent && Self.startsOperation(event.status) {
                    start = event.id
                    break scan
                }
            }
            guard let next else { break }
            token = next
        }
        return found.filter { start != nil || !$0.byTime }.map(\.event)
    }

    /// Whether a stack's own event starts an operation (rollbacks and clean-ups continue one).
    static func startsOperation(_ status: String) -> Bool {
        ["CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "IMPORT_IN_PROGRESS"].contains(status)
    }

    static func plainLine(_ event: StackEvent) -> String {
        let time = ISO8601DateFormatter().string(from: event.timestamp)
        var line = "\(time)  \(event.status.padding(toLength: 20, withPad: " ", startingAt: 0))  \(event.resourceType.padding(toLength: 34, withPad: " ", startingAt: 0))  \(event.logicalID)"
        if let reason = event.reason, !reason.isEmpty { line += "  \(reason)" }
        return line
    }

    static func duration(_ seconds: Int) -> String {
        seconds >= 60 ? "\(seconds / 60)m\(String(format: "%02d", seconds % 60))s" : "\(seconds)s"
    }
}
