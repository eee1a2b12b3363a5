import AWSClient
import Foundation
import SigV4
import StackModel

/// What to deploy and how.
public struct DeployRequest: Sendable {
    public var stackName: String
    /// The CloudFormation template text (sent without whitespace).
    public var template: String
    /// Resources in the template, for the progress bar.
    public var resourceCount: Int
    /// Stack-level tags (CloudFormation copies them to every resource that takes tags).
    public var tags: [String: String]
    /// Go ahead without asking.
    public var assumeYes: Bool
    /// Keep what was created when the operation fails (CloudFormation `DisableRollback`).
    public var noRollback: Bool
    /// The `ttl` setting in minutes: `ExpiresAt` is now + this on a create, when the stack gets a
    /// TTL, and when `ttlGiven`.
    public var ttlMinutes: Int?
    /// Whether `--ttl` was given on this command line: then the deadline moves to now + ttl.
    public var ttlGiven: Bool
    /// The template with the TTL kept, for a stack that has one when this template has none and
    /// the ttl setting was not turned off explicitly; nil removes the TTL.
    public var keepingExpiry: (@Sendable () throws -> (template: String, resourceCount: Int))?
    /// Lambda code packages the template names in the assets bucket (object key, zip bytes),
    /// uploaded before the change set.
    public var packages: [(key: String, bytes: [UInt8])]

    public init(stackName: String, template: String, resourceCount: Int, tags: [String: String], assumeYes: Bool, noRollback: Bool,
                ttlMinutes: Int? = nil, ttlGiven: Bool = false,
                keepingExpiry: (@Sendable () throws -> (template: String, resourceCount: Int))? = nil, packages: [(key: String, bytes: [UInt8])] = []) {
        self.stackName = stackName
        self.template = template
        self.resourceCount = resourceCount
        self.tags = tags
        self.assumeYes = assumeYes
        self.noRollback = noRollback
        self.ttlMinutes = ttlMinutes
        self.ttlGiven = ttlGiven
        self.keepingExpiry = keepingExpiry
        self.packages = packages
    }
}

/// How a deploy ended.
public enum DeployResult: Sendable, Equatable {
    /// The stack is up to date; its outputs.
    case deployed(StackDescription)
    /// The template changes nothing.
    case noChanges(StackDescription)
}

/// Deploys a template through CloudFormation change sets, as `aws cloudformation deploy` and
/// rain do: plan, show, confirm, execute, follow, report.
public struct Deployer: Sendable {
    public let api: CloudFormationAPI
    public let console: any DeployConsole
    public let clock: PollClock
    public let backoff: Backoff
    /// Makes unique tokens and names (tests inject a counter).
    public let makeToken: @Sendable () -> String

    /// CreateStack's limit on an inline `TemplateBody`.
    public static let templateBodyLimit = 51_200

    public init(api: CloudFormationAPI, console: any DeployConsole, clock: PollClock = .system, backoff: Backoff = Backoff(),
                makeToken: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }) {
        self.api = api
        self.console = console
        self.clock = clock
        self.backoff = backoff
        self.makeToken = makeToken
    }

    var follower: EventFollower { EventFollower(api: api, console: console, clock: clock, backoff: backoff) }

    /// Runs the whole deploy.
    ///
    /// 1. Looks at the stack: none → CREATE; a running operation → attach and follow it first;
    ///    ROLLBACK_COMPLETE (a failed first create) → offer to delete it and create again.
    /// 2. Uploads Lambda packages, and the template when it is over 51,200 bytes, to the assets bucket.
    /// 3. Creates a change set and waits for it; no changes → deletes it and stops.
    /// 4. Prints the changes, asks (or takes `--yes`), executes, and follows the events.
    /// 5. On failure throws with the first failed resource and its reason first.
    public func deploy(_ request: DeployRequest) async throws -> DeployResult {
        let stack = request.stackName
        var existing = try await api.describeStack(stack)
        if let current = existing, StackStatus.isInProgress(current.status) {
            console.say("stack \(stack) is \(current.status): attaching to the operation in progress instead of starting another")
            let outcome = try await follower.follow(stack: current.id, since: current.lastUpdatedTime ?? current.creationTime ?? clock.now(),
                                                    total: request.resourceCount, verb: "Following")
            try report(outcome, stack: stack)
            existing = try await api.describeStack(stack)
        }
        if let current = existing, current.status == "ROLLBACK_COMPLETE" {
            console.warn("stack \(stack) is ROLLBACK_COMPLETE: its first create failed and CloudFormation cannot update it; it holds no running resources")
            try confirm("Delete stack \(stack) and create it again?", assumeYes: request.assumeYes, what: "replacing the failed stack \(stack)")
            let token = "slmstack-delete-\(makeToken())"
            let since = clock.now()
            try await api.deleteStack(current.id, clientToken: token)
            let outcome = try await follower.follow(stack: current.id, since: since, total: 0, verb: "Deleting")
            try report(outcome, stack: stack)
            existing = nil
        }
        if let current = existing, ["DELETE_FAILED", "UPDATE_ROLLBACK_FAILED", "ROLLBACK_FAILED"].contains(current.status) {
            throw DeployError.stuck(stack: stack, status: current.status,
                                    advice: current.status == "DELETE_FAILED" ? "finish deleting it with 'slmstack destroy' first"
                                        : "continue or roll back the update in the CloudFormation console, then deploy again")
        }
        let type = existing == nil || existing?.status == "REVIEW_IN_PROGRESS" ? "CREATE" : "UPDATE"
        let accountRole = try await apiGatewayRoleValue(template: request.template, existing: type == "UPDATE" ? existing : nil)
        let (request, parameters) = try planParameters(request, previous: type == "UPDATE" ? existing?.parameters : nil, apiGatewayRole: accountRole)
        if type == "UPDATE", let current = existing {
            // Log groups SageMaker or API Gateway created before the stack did: adopted first, or
            // the update that creates them fails ("already exists").
            _ = try await importServiceLogGroups(current, template: request.template, assumeYes: request.assumeYes)
        }

        for package in request.packages {
            let url = try await AssetsBucket(client: api.client).put(package.bytes, key: package.key, contentType: "application/zip", stack: stack)
            console.say("Lambda package \(package.key) (\(package.bytes.count) bytes) is in \(url)")
        }
        let source = try await templateSource(request)
        let changeSetName = "slmstack-\(Self.stamp(clock.now()))"
        let changeSetID: String
        do {
            changeSetID = try await api.createChangeSet(stack: stack, name: changeSetName, type: type, template: source, parameters: parameters,
                                                        tags: request.tags, clientToken: "slmstack-\(makeToken())", description: "slmstack deploy")
        } catch DeployError.noChanges {
            return try await noChanges(stack)
        }
        let changeSet = try await waitForChangeSet(changeSetID, stack: stack)
        if changeSet.isEmpty {
            try? await api.deleteChangeSet(changeSetID, stack: stack)
            return try await noChanges(stack)
        }
        guard changeSet.status == "CREATE_COMPLETE" else {
            try? await api.deleteChangeSet(changeSetID, stack: stack)
            if type == "CREATE" { await removeEmptyStack(stack) }
            throw DeployError.changeSetFailed(stack: stack, reason: changeSet.statusReason ?? changeSet.status)
        }
        console.say(Self.describe(changeSet.changes, stack: stack, type: type))
        do {
            try confirm("Deploy these \(changeSet.changes.count) changes to \(stack) in \(api.client.region)?", assumeYes: request.assumeYes,
                        what: "deploying \(changeSet.changes.count) changes to \(stack)")
        } catch {
            try? await api.deleteChangeSet(changeSetID, stack: stack)
            if type == "CREATE" { await removeEmptyStack(stack) }
            throw error
        }
        let since = clock.now()
        let executeToken = "slmstack-exec-\(makeToken())"
        try await api.executeChangeSet(changeSetID, stack: stack, clientToken: executeToken, disableRollback: request.noRollback)
        let outcome = try await followStarted(type == "CREATE" ? "the create" : "the update", stack: stack) {
            try await follower.follow(stack: stack, since: since, total: max(request.resourceCount, changeSet.changes.count),
                                      verb: type == "CREATE" ? "Creating" : "Updating", clientToken: executeToken)
        }
        try report(outcome, stack: stack)
        guard let final = outcome.final else { throw DeployError.noStack(stack, region: api.client.region) }
        return .deployed(final)
    }

    func noChanges(_ stack: String) async throws -> DeployResult {
        console.say("no changes: stack \(stack) already matches the template")
        guard let current = try await api.describeStack(stack) else { throw DeployError.noStack(stack, region: api.client.region) }
        return .noChanges(current)
    }

    /// The server's clock: the local one corrected by the skew the client measured.
    var serverNow: Date { clock.now().addingTimeInterval(api.client.clockOffset) }

    /// The deploy's parameters (see `StackParameters.forDeploy`), and the request with the TTL kept
    /// when the stack has one and the template has none.
    ///
    /// - Parameters:
    ///   - previous: the stack's parameter values on an update, nil on a create.
    func planParameters(_ request: DeployRequest, previous: [String: String]?,
                        apiGatewayRole: StackParameter.Value? = nil) throws -> (DeployRequest, [StackParameter]) {
        var request = request
        let stack = request.stackName
        var declared = StackParameters.declared(in: request.template)
        if let deadline = previous?[StackParameters.expiresAt], !declared.contains(StackParameters.expiresAt) {
            let when = ExpiryTime.date(deadline).map { ExpiryTime.relative($0, now: serverNow) } ?? deadline
            if let keep = request.keepingExpiry {
                (request.template, request.resourceCount) = try keep()
                declared = StackParameters.declared(in: request.template)
                console.say("stack \(stack) expires \(when): keeping its TTL (deploy with --ttl DURATION to move it, or --ttl off to remove it)")
            } else {
                console.warn("this deploy removes the TTL of stack \(stack) (it was to delete itself \(when)): it stays until 'slmstack destroy'")
            }
        }
        let parameters = try StackParameters.forDeploy(declared: declared, previous: previous, ttlMinutes: request.ttlMinutes,
                                                       ttlGiven: request.ttlGiven, now: serverNow, stack: stack, apiGatewayRole: apiGatewayRole)
        if previous?[StackParameters.paused] == "true", declared.contains(StackParameters.paused) {
            console.say("stack \(stack) is paused and stays paused (Paused keeps its value): run 'slmstack resume --stack-name \(stack)' to bring the endpoint back")
        }
        return (request, parameters)
    }

    /// Deletes the empty stack (REVIEW_IN_PROGRESS) a CREATE change set leaves when it is not executed.
    func removeEmptyStack(_ stack: String) async {
        guard let current = try? await api.describeStack(stack), current.status == "REVIEW_IN_PROGRESS" else { return }
        try? await api.deleteStack(current.id, clientToken: "slmstack-cleanup-\(makeToken())")
    }

    /// Throws with the root cause first when the operation failed.
    func report(_ outcome: OperationOutcome, stack: String) throws {
        guard outcome.succeeded else {
            let cause = outcome.rootCause.map { "\($0.logicalID) (\($0.resourceType)) \($0.status): \($0.reason ?? "no reason given")" }
                ?? outcome.statusReason.map { "reason: \($0)" }
            throw DeployError.operationFailed(stack: stack, status: outcome.status ?? "DELETED", rootCause: cause)
        }
    }

    func confirm(_ question: String, assumeYes: Bool, what: String) throws {
        if assumeYes { return }
        guard let answer = console.confirm(question) else { throw DeployError.needsConfirmation(what) }
        if !answer { throw DeployError.declined }
    }

    func waitForChangeSet(_ id: String, stack: String) async throws -> ChangeSetDescription {
        let started = clock.now()
        var attempt = 0
        while true {
            let changeSet = try await api.describeChangeSet(id, stack: stack)
            if !["CREATE_PENDING", "CREATE_IN_PROGRESS"].contains(changeSet.status) { return changeSet }
            if clock.now().timeIntervalSince(started) > 600 {
                throw DeployError.changeSetFailed(stack: stack, reason: "change set still \(changeSet.status) after 10 minutes")
            }
            try await clock.sleep(Backoff(first: 0.2, factor: 1.5, maxInterval: 5).interval(attempt))
            attempt += 1
        }
    }

    /// The template without whitespace, inline up to 51,200 bytes; above that, uploaded to the
    /// private, encrypted assets bucket.
    func templateSource(_ request: DeployRequest) async throws -> CloudFormationAPI.TemplateSource {
        let text = TemplateText.compact(request.template)
        let bytes = Data(text.utf8)
        guard bytes.count > Self.templateBodyLimit else { return .body(text) }
        let assets = AssetsBucket(client: api.client)
        let url = try await assets.upload(bytes, stack: request.stackName)
        console.say("template is \(bytes.count) bytes without whitespace (over CreateStack's 51,200): uploaded to \(url)")
        return .url(url)
    }

    /// The change list as people read it: `+` add, `~` modify (with replacement), `-` remove.
    public static func describe(_ changes: [PlannedChange], stack: String, type: String) -> String {
        describe(changes, heading: "Changes to \(stack) (\(type == "CREATE" ? "new stack" : "update")):")
    }

    /// The change list under `heading`.
    public static func describe(_ changes: [PlannedChange], heading: String) -> String {
        var lines = [heading]
        for change in changes {
            let mark = change.action == "Add" ? "+" : change.action == "Remove" ? "-" : "~"
            var line = "  \(mark) \(change.action.padding(toLength: 7, withPad: " ", startingAt: 0)) \(change.logicalID.padding(toLength: 36, withPad: " ", startingAt: 0)) \(change.resourceType)"
            if change.action == "Modify" {
                switch change.replacement {
                case "True": line += "  (REPLACES the resource)"
                case "Conditional": line += "  (may replace the resource)"
                default: line += "  (in place)"
                }
            }
            lines.append(line)
        }
        let counts = ["Add", "Modify", "Remove"].map { action in changes.filter { $0.action == action }.count }
        lines.append("  \(counts[0]) to add, \(counts[1]) to modify, \(counts[2]) to remove")
        return lines.joined(separator: "\n")
    }

    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}
