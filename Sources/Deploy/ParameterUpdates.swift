import Foundation

/// How a pause or resume ended.
public enum PauseResult: Sendable, Equatable {
    /// The stack was already in the state asked for: nothing was changed.
    case unchanged(StackDescription)
    /// The stack was updated; the planned changes it applied.
    case updated(StackDescription, changes: [PlannedChange])
}

/// How an extend ended.
public struct ExtendResult: Sendable, Equatable {
    /// The deadline before (nil when it could not be read).
    public var before: Date?
    /// The new deadline.
    public var after: Date
    /// The stack after the update.
    public var stack: StackDescription
}

/// Parameter-only updates of the deployed template: pause, resume, extend.
///
/// Each is a change set with `UsePreviousTemplate`, the parameter it is about set, and every other
/// parameter of the stack kept with `UsePreviousValue`, so nothing else about the stack changes.
extension Deployer {
    /// Sets `Paused` to `paused`: pausing removes the endpoint, the NAT gateway (with its address
    /// and route) and the endpoint's alarms; resuming creates them again.
    ///
    /// 1. Reads the stack (following an operation in progress first).
    /// 2. Already in that state: says so and changes nothing.
    /// 3. Creates the change set, shows what goes or comes back, asks (or takes `assumeYes`),
    ///    executes it and follows the events.
    ///
    /// - Throws: `DeployError.noStack`; `.notApplicable` for a stack without a `Paused` parameter;
    ///   `.declined`, `.needsConfirmation`, `.operationFailed` as deploy does.
    public func setPaused(_ paused: Bool, stack: String, assumeYes: Bool) async throws -> PauseResult {
        let current = try await settled(stack)
        let name = StackParameters.paused
        guard let value = current.parameters[name] else {
            throw DeployError.notApplicable(stack: stack, reason: "has no \(name) parameter (it was deployed by an older slmstack): deploy it with this version first")
        }
        if value == String(paused) {
            console.say(paused
                ? "stack \(stack) is already paused: nothing to do ('slmstack resume --stack-name \(stack)' brings the endpoint back)"
                : "stack \(stack) is already running: nothing to do")
            return .unchanged(current)
        }
        let region = api.client.region
        let (after, changes) = try await updateParameters(current, [name: String(paused)], action: paused ? "pause" : "resume",
            heading: paused ? "Pausing \(stack) (resume undoes each change):" : "Resuming \(stack):",
            question: paused ? "Pause \(stack) in \(region)? The API answers 503 paused until you resume."
                             : "Resume \(stack) in \(region)? The endpoint bills by the hour again once it is created.",
            verb: paused ? "Pausing" : "Resuming", assumeYes: assumeYes)
        return .updated(after, changes: changes)
    }

    /// Moves `ExpiresAt` by `minutes`: from the current deadline, or from now when that has
    /// passed. No confirmation: it only moves the expiry schedule.
    ///
    /// - Throws: `DeployError.noStack`; `.notApplicable` for a stack without a TTL.
    public func extend(stack: String, byMinutes minutes: Int) async throws -> ExtendResult {
        let current = try await settled(stack)
        let name = StackParameters.expiresAt
        guard let text = current.parameters[name] else {
            throw DeployError.notApplicable(stack: stack, reason: "has no TTL (no \(name) parameter): deploy it with --ttl first, for example 'slmstack deploy --ttl 4h'")
        }
        let before = ExpiryTime.date(text)
        let now = serverNow
        let after = ExpiryTime.extended(before, by: minutes, now: now)
        if before.map({ $0 < now }) ?? true {
            console.say("the deadline of \(stack) (\(text)Z) has passed or cannot be read: counting from now")
        }
        let (updated, _) = try await updateParameters(current, [name: ExpiryTime.text(after)], action: "extend",
                                                      heading: "Extending \(stack) changes:", question: "", verb: "Extending", assumeYes: true)
        return ExtendResult(before: before, after: after, stack: updated)
    }

    /// The stack once no operation is running on it.
    ///
    /// - Throws: `DeployError.noStack` when it does not exist.
    func settled(_ stack: String) async throws -> StackDescription {
        guard let current = try await api.describeStack(stack), current.status != "REVIEW_IN_PROGRESS" else {
            throw DeployError.noStack(stack, region: api.client.region)
        }
        guard StackStatus.isInProgress(current.status) else { return current }
        console.say("stack \(stack) is \(current.status): waiting for that operation to end first")
        try report(try await follower.follow(stack: current.id, since: current.lastUpdatedTime ?? current.creationTime ?? clock.now(),
                                             total: 0, verb: "Following"), stack: stack)
        guard let after = try await api.describeStack(stack) else { throw DeployError.noStack(stack, region: api.client.region) }
        return after
    }

    /// A change set on the deployed template with `changes` set and every other parameter kept:
    /// shown, confirmed, executed and followed. Returns the stack after it and the changes applied
    /// (none when CloudFormation found nothing to change). Once executed, a failure to follow it is
    /// `DeployError.lostTrack`: the update goes on in CloudFormation.
    func updateParameters(_ current: StackDescription, _ changes: [String: String], action: String, heading: String,
                          question: String, verb: String, assumeYes: Bool) async throws -> (StackDescription, [PlannedChange]) {
        let stack = current.name
        let parameters = StackParameters.update(changes, keeping: current.parameters)
        let id: String
        do {
            id = try await api.createChangeSet(stack: stack, name: "slmstack-\(action)-\(Self.stamp(clock.now()))", type: "UPDATE",
                                               template: .previous, parameters: parameters, tags: current.tags,
                                               clientToken: "slmstack-\(action)-\(makeToken())", description: "slmstack \(action)")
        } catch DeployError.noChanges {
            console.say("no changes: CloudFormation has nothing to update in \(stack)")
            return (current, [])
        }
        let changeSet = try await waitForChangeSet(id, stack: stack)
        if changeSet.isEmpty {
            try? await api.deleteChangeSet(id, stack: stack)
            console.say("no changes: CloudFormation has nothing to update in \(stack)")
            return (current, [])
        }
        guard changeSet.status == "CREATE_COMPLETE" else {
            try? await api.deleteChangeSet(id, stack: stack)
            throw DeployError.changeSetFailed(stack: stack, reason: changeSet.statusReason ?? changeSet.status)
        }
        console.say(Self.describe(changeSet.changes, heading: heading))
        do {
            try confirm(question, assumeYes: assumeYes, what: "\(action) of \(stack)")
        } catch {
            try? await api.deleteChangeSet(id, stack: stack)
            throw error
        }
        let since = clock.now()
        let executeToken = "slmstack-\(action)-exec-\(makeToken())"
        try await api.executeChangeSet(id, stack: stack, clientToken: executeToken, disableRollback: false)
        let outcome = try await followStarted("the \(action)", stack: stack) {
            try await follower.follow(stack: stack, since: since, total: changeSet.changes.count, verb: verb, clientToken: executeToken)
        }
        try report(outcome, stack: stack)
        guard let final = outcome.final else { throw DeployError.noStack(stack, region: api.client.region) }
        return (final, changeSet.changes)
    }
}
