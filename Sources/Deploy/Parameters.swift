import Foundation

/// The stack parameters slmstack sets at deploy time, and the rules for their values.
///
/// `Paused` is flipped only by `slmstack pause` and `resume`; a deploy keeps it. `ExpiresAt` is set
/// from the TTL when the stack gets one (create, or a TTL added later) and when `--ttl` is given on
/// the command line; otherwise it keeps its value, so a redeploy never moves the deadline by itself.
public enum StackParameters {
    /// `Paused`: "true" removes the billable parts.
    public static let paused = "Paused"
    /// `ExpiresAt`: when the stack deletes itself, UTC `yyyy-mm-ddThh:mm:ss`.
    public static let expiresAt = "ExpiresAt"
    /// `ApiGatewayRole` (`api-gateway-account auto`): "true" makes the stack set API Gateway's
    /// account-wide CloudWatch role.
    public static let apiGatewayRole = "ApiGatewayRole"
    /// The logical ID of the role that becomes API Gateway's account setting.
    public static let apiGatewayLogsRole = "ApiGatewayLogsRole"

    /// Whether this deploy makes the stack set API Gateway's CloudWatch role (`ApiGatewayRole`).
    ///
    /// - "true" when the account has no role (the stage's logging would fail without one), or when
    ///   its role is this stack's own (`stackRoleName`, e.g. a stack deployed with the old default
    ///   `on`: dropping the role from the stack would delete it and leave the setting dangling).
    /// - A stack that set it keeps doing so (its previous value), so a later deploy never takes the
    ///   role away from under the setting.
    /// - Otherwise "false": the account's role, someone else's, is left as it is.
    ///
    /// - Parameters:
    ///   - previous: the stack's current value, nil on a create or for a stack without the parameter.
    ///   - accountRoleARN: the account's `cloudwatchRoleArn` (apigateway GetAccount), nil when unset.
    ///   - stackRoleName: the physical name of the stack's `ApiGatewayLogsRole`, if it has one.
    public static func apiGatewayRole(previous: String?, accountRoleARN: String?, stackRoleName: String?) -> StackParameter.Value {
        if previous == "true" { return .previous }
        guard let arn = accountRoleARN, !arn.isEmpty else { return .value("true") }
        if let stackRoleName, !stackRoleName.isEmpty, arn.hasSuffix("/" + stackRoleName) { return .value("true") }
        return previous == nil ? .value("false") : .previous
    }

    /// The parameter names a JSON template declares, sorted; empty for a template that is not JSON.
    public static func declared(in template: String) -> [String] {
        guard let document = try? JSONSerialization.jsonObject(with: Data(template.utf8)) as? [String: Any],
              let parameters = document["Parameters"] as? [String: Any] else { return [] }
        return parameters.keys.sorted()
    }

    /// The parameters of a deploy's change set.
    ///
    /// - Parameters:
    ///   - declared: the parameter names of the template being deployed.
    ///   - previous: the stack's current parameter values on an update, nil on a create.
    ///   - ttlMinutes: the `ttl` setting, if any.
    ///   - ttlGiven: whether `--ttl` was given on this command line (then the deadline moves).
    ///   - now: the current time by the server's clock.
    ///   - apiGatewayRole: `ApiGatewayRole` as `apiGatewayRole(previous:accountRoleARN:stackRoleName:)`
    ///     decided it; nil keeps the stack's value, or "false" on a create.
    /// - Returns: one entry per declared parameter the deploy sets or keeps; a parameter that is
    ///   neither ours nor the stack's takes the template's default.
    /// - Throws: `DeployError.notApplicable` when the template has `ExpiresAt` but there is no TTL
    ///   to compute it from and no value to keep.
    public static func forDeploy(declared: [String], previous: [String: String]?, ttlMinutes: Int?, ttlGiven: Bool,
                                 now: Date, stack: String, apiGatewayRole decided: StackParameter.Value? = nil) throws -> [StackParameter] {
        var result: [StackParameter] = []
        for name in declared {
            switch name {
            case paused:
                // A paused stack stays paused through a deploy; a new stack (or one deployed before
                // the parameter existed) runs.
                result.append(StackParameter(name, previous?[name] != nil ? .previous : .value("false")))
            case expiresAt:
                if let ttlMinutes, ttlGiven || previous?[name] == nil {
                    result.append(StackParameter(name, .value(ExpiryTime.text(now.addingTimeInterval(Double(ttlMinutes) * 60)))))
                } else if previous?[name] != nil {
                    result.append(StackParameter(name, .previous))
                } else {
                    throw DeployError.notApplicable(stack: stack, reason: "is to get a template with an ExpiresAt parameter but no ttl is set: pass --ttl (for example --ttl 4h)")
                }
            case apiGatewayRole:
                result.append(StackParameter(name, decided ?? (previous?[name] != nil ? .previous : .value("false"))))
            default:
                if previous?[name] != nil { result.append(StackParameter(name, .previous)) }
            }
        }
        return result
    }

    /// The parameters of a parameter-only update: `changes` set, every other parameter the stack
    /// has kept (`UsePreviousValue`), in name order.
    public static func update(_ changes: [String: String], keeping previous: [String: String]) -> [StackParameter] {
        Set(previous.keys).union(changes.keys).sorted().map { name in
            changes[name].map { StackParameter(name, .value($0)) } ?? StackParameter(name, .previous)
        }
    }
}

/// `ExpiresAt` values and the time left until them.
public enum ExpiryTime {
    static var formatter: DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter
    }

    /// `2026-11-22T18:00:00`: UTC, whole seconds (the fraction is dropped), as `ExpiresAt` takes it.
    public static func text(_ date: Date) -> String {
        formatter.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }

    /// The date of an `ExpiresAt` value, or nil when it is not one.
    public static func date(_ text: String) -> Date? {
        guard text.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}/) != nil else { return nil }
        return formatter.date(from: text)
    }

    /// A span as people read it, in whole minutes rounded down: `3h 59m`, `2d 4h`, `45m`,
    /// `under a minute`.
    public static func span(_ seconds: TimeInterval) -> String {
        let minutes = Int(max(0, seconds) / 60)
        guard minutes > 0 else { return "under a minute" }
        let parts = [(minutes / 1440, "d"), (minutes % 1440 / 60, "h"), (minutes % 60, "m")].filter { $0.0 > 0 }
        return parts.map { "\($0.0)\($0.1)" }.joined(separator: " ")
    }

    /// `in 3h 12m (at 2026-11-22T18:00:00Z)`, or `2m ago (at …Z)` once it has passed.
    public static func relative(_ deadline: Date, now: Date) -> String {
        let left = deadline.timeIntervalSince(now)
        return (left >= 0 ? "in \(span(left))" : "\(span(-left)) ago") + " (at \(text(deadline))Z)"
    }

    /// The new deadline of `extend`: `minutes` after the current deadline, or after now when that
    /// has already passed (or there is none).
    public static func extended(_ deadline: Date?, by minutes: Int, now: Date) -> Date {
        let base = max(deadline ?? now, now)
        return Date(timeIntervalSince1970: base.timeIntervalSince1970.rounded(.down) + Double(minutes) * 60)
    }
}

/// JSON template text without the whitespace between tokens: the same document, about a third
/// smaller, so the default stack goes inline (CreateStack takes at most 51,200 bytes).
public enum TemplateText {
    /// `text` with whitespace outside strings removed; text that is not a JSON object (a YAML
    /// template) is returned as it is.
    public static func compact(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.first(where: { !Self.isSpace($0) }) == UInt8(ascii: "{") else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var inString = false, escaped = false
        for byte in bytes {
            if inString {
                out.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                out.append(byte)
            } else if !isSpace(byte) {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }
}
