// Settings that meet account-wide limits: API Gateway's CloudWatch role (one per account and
// region) and Lambda concurrency (one pool per account and region).

/// Whether a stack sets API Gateway's account-wide CloudWatch role (`api-gateway-account`).
public enum ApiGatewayAccountMode: String, Sendable, Hashable, CaseIterable {
    /// Only when the account has none: the template carries the role under a condition that deploy
    /// sets from API Gateway's GetAccount (the `ApiGatewayRole` parameter).
    case auto
    /// Always: the stack's role replaces whatever the account had.
    case on
    /// Never: the account must already have a role, or the stage's logging fails.
    case off
}

extension ServiceConfig {
    /// The concurrent shim executions the usage plan can ask for: the steady rate times the seconds
    /// each request takes (Little's law), or the burst when that is more (a burst's requests arrive
    /// together). Lambda answers requests over the function's concurrency with a throttle, which API
    /// Gateway passes on as a 5xx, not a 429; so a reservation must be at least this, and without one
    /// the account's unreserved concurrency should be (`slmstack preflight` checks that).
    public var shimConcurrencyNeeded: Int {
        max(Int((throttleRate * requestSeconds - 1e-9).rounded(.up)), throttleBurst)
    }
}
