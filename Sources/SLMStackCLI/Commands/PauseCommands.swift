import AWSClient
import Cost
import Deploy
import Foundation
import StackModel

/// `slmstack pause` and `slmstack resume`: flip the stack's `Paused` parameter.
struct PauseCommand: SubCommand {
    static let name = "pause"
    static let abstract = "Remove the billable parts (endpoint, NAT gateway) and keep the rest; resume brings them back."
    static let discussion = """
        A change set on the deployed template with Paused=true and every other parameter kept: it deletes the
        SageMaker endpoint, the NAT gateway with its address and route, and the endpoint's alarms; the API, its key,
        the network and the logs stay, and the API answers 503 {"error":{"code":"paused"}} until 'slmstack resume'.
        Shows what goes, asks (--yes in CI), executes, follows the events, and prints the monthly cost running and
        paused. A stack that is already paused is left alone (exit 0); one that does not exist is exit 2.
        """
    static let options: [OptionSpec] = [.flag("yes", "Pause without asking (for CI).")] + AWSContext.identitySpecs

    let context: AWSContext
    let yes: Bool

    init(arguments: ParsedArguments, io: CommandIO) throws {
        context = try AWSContext(arguments: arguments, io: io)
        yes = arguments.flag("yes")
    }

    func run(io: CommandIO) throws -> ExitCode {
        try PauseCommand.set(paused: true, context: context, yes: yes, io: io)
    }

    /// Pauses or resumes, then prints the outcome and the cost of both states.
    static func set(paused: Bool, context: AWSContext, yes: Bool, io: CommandIO, preflight: Bool = false) throws -> ExitCode {
        let name = context.config.stackName
        let console = CLIConsole(io: io)
        let (result, template) = try AWSContext.run(missingStackIsUsage: true) {
            let client = try await context.client(io: io)
            let deployer = Deployer(api: CloudFormationAPI(client: client), console: console)
            if !yes, !io.isInteractive {
                // Ask nothing of AWS that changes anything when the answer could not be given.
                if let stack = try await deployer.api.describeStack(name), let current = stack.parameters[StackParameters.paused], current != String(paused) {
                    throw DeployError.needsConfirmation("\(paused ? "pausing" : "resuming") \(name)")
                }
            }
            if preflight, let stack = try await deployer.api.describeStack(name), stack.parameters[StackParameters.paused] == "true" {
                try await PreflightGate.check(client: client, template: try await deployer.api.template(stack.id), stack: name, io: io)
            }
            let result = try await deployer.setPaused(paused, stack: name, assumeYes: yes)
            guard case .updated(let stack, _) = result else { return (result, Result<String, TemplateUnread>.failure(TemplateUnread(cause: ""))) }
            // The update is done: a template that cannot be read now costs the price line only.
            do {
                return (result, .success(try await deployer.api.template(stack.id)))
            } catch {
                return (result, .failure(TemplateUnread(cause: "\(error)")))
            }
        }
        guard case .updated(let stack, _) = result else { return .success }
        io.line("\(paused ? "paused" : "resumed") \(stack.name): \(stack.status)")
        io.line(costLine(paused: paused, template: template, parameters: stack.parameters, config: context.config))
        if paused {
            io.line("resume with: slmstack resume --stack-name \(stack.name)")
        } else {
            io.line("the endpoint is back: 'slmstack status --stack-name \(stack.name)' shows it, 'slmstack invoke' calls it")
        }
        return .success
    }
}

extension PauseCommand {
    /// Why the deployed template was not read after a pause or resume.
    struct TemplateUnread: Error { var cause: String }

    /// The monthly cost before and after, priced from the deployed template; or a line that says
    /// it was skipped and why (the pause or resume itself succeeded).
    static func costLine(paused: Bool, template: Result<String, TemplateUnread>, parameters: [String: String], config: ServiceConfig) -> String {
        let text: String
        switch template {
        case .success(let value): text = value
        case .failure(let unread):
            let cause = unread.cause.split(separator: "\n").first.map(String.init) ?? ""
            return "monthly cost: skipped, the deployed template could not be read (\(cause)); 'slmstack cost' prices the model"
        }
        guard let costs = StateCosts.of(template: text, parameters: parameters, region: config.region, config: config) else {
            return "monthly cost: skipped, the deployed template could not be priced; 'slmstack cost' prices the model"
        }
        let (from, to) = paused ? (costs.running, costs.paused) : (costs.paused, costs.running)
        let saving = costs.running - costs.paused
        return "monthly cost: \(Estimate.money(from)) \(paused ? "running" : "paused") → \(Estimate.money(to)) \(paused ? "paused" : "running")"
            + " (pausing saves \(Estimate.money(saving))/month, \(Estimate.money(saving / Estimate.hoursPerMonth))/hour; priced from the deployed template)"
    }
}

/// `slmstack resume`.
struct ResumeCommand: SubCommand {
    static let name = "resume"
    static let abstract = "Bring a paused stack's endpoint and NAT gateway back."
    static let discussion = """
        A change set on the deployed template with Paused=false and every other parameter kept: it creates the
        SageMaker endpoint (which bills by the hour again once created and takes minutes to come up), the NAT gateway
        with its address and route, and the endpoint's alarms. Shows what comes back, asks (--yes in CI), executes,
        follows the events, and prints the monthly cost paused and running. A running stack is left alone (exit 0);
        one that does not exist is exit 2.
        """
    static let options: [OptionSpec] = [.flag("yes", "Resume without asking (for CI)."), PreflightGate.skipSpec] + AWSContext.identitySpecs

    let context: AWSContext
    let yes: Bool
    let skipPreflight: Bool

    init(arguments: ParsedArguments, io: CommandIO) throws {
        context = try AWSContext(arguments: arguments, io: io)
        yes = arguments.flag("yes")
        skipPreflight = arguments.flag("skip-preflight")
    }

    func run(io: CommandIO) throws -> ExitCode {
        try PauseCommand.set(paused: false, context: context, yes: yes, io: io, preflight: !skipPreflight)
    }
}

/// `slmstack extend 2h`: move the stack's expiry.
struct ExtendCommand: SubCommand {
    static let name = "extend"
    static let abstract = "Move the stack's expiry (its TTL) later by a duration such as 2h."
    static let discussion = """
        Sets ExpiresAt to the current deadline plus DURATION (from now when the deadline has passed) with a change set
        on the deployed template that changes nothing else; prints the old and the new deadline. The stack must have
        a TTL ('slmstack deploy --ttl 4h'); otherwise, or for a stack that does not exist, exit 2. It only moves the
        expiry schedule, so it does not ask for confirmation.
        """
    static let positionals = (max: 1, usage: "DURATION")
    static let options: [OptionSpec] = AWSContext.identitySpecs

    let context: AWSContext
    let minutes: Int

    init(arguments: ParsedArguments, io: CommandIO) throws {
        guard let text = arguments.positionals.first else {
            throw CLIError.usage("extend needs a duration: slmstack extend 2h (or 90m, 1d, 1h30m)")
        }
        guard let minutes = DurationText.minutes(text), (1...(366 * 1440)).contains(minutes) else {
            throw CLIError.usage("DURATION: expected a duration from 1m to 366d such as 2h, 90m or 1d12h, got '\(text)'")
        }
        self.minutes = minutes
        context = try AWSContext(arguments: arguments, io: io)
    }

    func run(io: CommandIO) throws -> ExitCode {
        let context = self.context, minutes = self.minutes
        let name = context.config.stackName
        let console = CLIConsole(io: io)
        let (result, now) = try AWSContext.run(missingStackIsUsage: true) {
            let client = try await context.client(io: io)
            let result = try await Deployer(api: CloudFormationAPI(client: client), console: console).extend(stack: name, byMinutes: minutes)
            return (result, AWSContext.serverNow(client))
        }
        let before = result.before.map { ExpiryTime.text($0) + "Z" } ?? "unknown"
        io.line("extended \(name) by \(DurationText.format(minutes: minutes)): expires \(before) → \(ExpiryTime.text(result.after))Z (in \(ExpiryTime.span(result.after.timeIntervalSince(now))))")
        return .success
    }
}

/// The monthly cost of a deployed template running and paused.
enum StateCosts {
    /// Both totals, priced from the deployed template with the stack's parameter values (Paused
    /// false, then true), or nil when the template cannot be read.
    static func of(template: String, parameters: [String: String], region: String, config: ServiceConfig) -> (running: Double, paused: Double)? {
        var running = parameters
        running[StackParameters.paused] = "false"
        guard let estimate = try? Estimator.estimate(template: Data(template.utf8), region: region,
                                                     weightsGB: (config.modelSpec?.weightBytes ?? 0) / 1e9, parameters: running),
              let paused = estimate.whenPaused else { return nil }
        return (estimate.totalMonthly, paused.totalMonthly)
    }
}
