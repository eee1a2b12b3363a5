import Foundation
import SigV4
import Testing
@testable import AWSClient

/// The call budget: a server that drips its answers holds a call for `AWSTimeouts.call` seconds in
/// all, not `maxAttempts × attempt` plus the backoff. Time is simulated: each attempt "takes" its
/// whole deadline and each backoff its delay, on a clock the test moves.
@Suite("Call budget: every attempt and backoff of one call within --call-timeout")
struct CallBudgetTests {
    final class Uptime: @unchecked Sendable {
        let seconds = Locked(0.0)
        func advance(_ by: TimeInterval) { seconds.withLock { $0 += by } }
        var now: TimeInterval { seconds.withLock { $0 } }
    }

    /// A server that never finishes an answer: each attempt runs into its deadline.
    static func dripping(_ uptime: Uptime) -> FakeTransport {
        FakeTransport { request, _ in
            uptime.advance(request.timeout)
            throw TransportError(reason: "timed out", isRetryable: true, detail: "the attempt took longer than \(request.timeout) s")
        }
    }

    static func client(_ transport: FakeTransport, _ uptime: Uptime, timeouts: AWSTimeouts, maxAttempts: Int = 3) -> AWSClient {
        AWSClient(credentials: StaticCredentialsProvider(AWSCredentials(credentials: Fixture.credentials, source: .explicit)),
                  region: "us-east-1", transport: transport,
                  retry: RetryPolicy(maxAttempts: maxAttempts, sleep: { uptime.advance($0) }, random: { 0.99 }),
                  uptime: { uptime.now }).with(timeouts: timeouts)
    }

    @Test func theDefaultsCapADrippingReadAtTheCallBudget() async throws {
        let uptime = Uptime()
        let transport = Self.dripping(uptime)
        let standard = AWSTimeouts.standard
        await #expect {
            _ = try await Self.client(transport, uptime, timeouts: standard).query(.cloudFormation, action: "DescribeStacks")
        } throws: { error in
            "\(error)".contains("timed out") && "\(error)".contains("--call-timeout")
        }
        #expect(uptime.now <= standard.call, "the call took \(uptime.now) s, over its \(standard.call) s budget")
        #expect(uptime.now <= 90, "issue 21: a dripping server must not hold status for minutes")
        let deadlines = transport.requests.map(\.timeout)
        #expect(deadlines.count == 2 && deadlines[0] == standard.attempt && deadlines[1] < standard.attempt,
                "the last attempt gets only what is left: \(deadlines)")
        #expect(transport.requests.allSatisfy { ($0.idleTimeout ?? 0) <= $0.timeout })
        // Without a budget the same server would have held the call for every attempt in full.
        let unbounded = Uptime()
        let client = AWSClient(credentials: StaticCredentialsProvider(AWSCredentials(credentials: Fixture.credentials, source: .explicit)),
                               region: "us-east-1", transport: Self.dripping(unbounded), retry: RetryPolicy(sleep: { _ in }),
                               timeout: standard.attempt, callTimeout: nil,
                               uptime: { unbounded.now })
        await #expect(throws: AWSClientError.self) { _ = try await client.query(.cloudFormation, action: "DescribeStacks") }
        #expect(unbounded.now == 3 * standard.attempt)
    }

    @Test func noRetryStartsWhenTheBackoffWouldSpendTheBudget() async throws {
        let uptime = Uptime()
        let throttled = FakeTransport { _, _ in
            uptime.advance(1)
            return .xml(400, "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>")
        }
        // 1 s per answer, backoff ceilings 0.5 and 1 s (x 0.99): a 2 s budget leaves room for one retry only.
        let client = Self.client(throttled, uptime, timeouts: AWSTimeouts(idle: 1, attempt: 1, call: 2), maxAttempts: 5)
        await #expect { _ = try await client.query(.cloudFormation, action: "DescribeStacks") } throws: { error in
            (error as? AWSClientError)?.serviceError?.code == "Throttling"
        }
        #expect(throttled.requests.count == 2 && uptime.now <= 2.5)
    }

    @Test func flagsThenTheEnvironmentThenTheDefaults() throws {
        #expect(AWSTimeouts.standard == AWSTimeouts(idle: 30, attempt: 30, call: 60))
        #expect(try AWSTimeouts.resolve(idle: nil, attempt: nil, call: "20", environment: [:]) == AWSTimeouts(idle: 20, attempt: 20, call: 20))
        #expect(try AWSTimeouts.resolve(idle: nil, attempt: nil, environment: [AWSTimeouts.callVariable: "45"]).call == 45)
        #expect(try AWSTimeouts.resolve(idle: nil, attempt: nil, call: "10", environment: [AWSTimeouts.callVariable: "45"]).call == 10)
        // A longer attempt given alone raises the budget to one whole attempt; a shorter budget caps the attempt.
        #expect(try AWSTimeouts.resolve(idle: nil, attempt: "120", environment: [:]) == AWSTimeouts(idle: 30, attempt: 120, call: 120))
        #expect(try AWSTimeouts.resolve(idle: "50", attempt: "40", call: "5", environment: [:]) == AWSTimeouts(idle: 5, attempt: 5, call: 5))
        #expect {
            _ = try AWSTimeouts.resolve(idle: nil, attempt: nil, environment: [AWSTimeouts.callVariable: "0"])
        } throws: { error in
            "\(error)" == "SLMSTACK_CALL_TIMEOUT: expected seconds from 0.1 to 3600 (for example 30), got '0'"
        }
    }
}
