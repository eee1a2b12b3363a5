import AWSClient
import CloudFormationSynth
import Cost
import Deploy
import Foundation
import StackModel

/// What the commands that talk to AWS share: AWS flags, the stack's settings, a resolved client.
struct AWSContext {
    /// AWS flags plus the stack's settings; `--region` serves both.
    static let specs: [OptionSpec] = ServiceOptions.specs + AWSCommandOptions.specs.filter { $0.name != "region" }

    let settings: AWSSettings
    /// The read and attempt timeouts (flags, environment, defaults).
    let timeouts: AWSTimeouts
    let config: ServiceConfig
    let debug: Bool
    /// Whether `--ttl` was given on the command line (deploy then moves the deadline).
    let ttlGiven: Bool
    /// Whether the ttl setting was given at all, by flag or config file (`--ttl off` included).
    let ttlSet: Bool

    /// Reads the flags and config file. The region is the stack setting when given (flag or file),
    /// else the AWS CLI's region chain (AWS_REGION, AWS_DEFAULT_REGION, the profile).
    init(arguments: ParsedArguments, io: CommandIO) throws {
        var settings = try AWSCommandOptions.settings(arguments)
        var config = try ServiceOptions.config(from: arguments)
        if arguments["region"] == nil, !(try ServiceOptions.fileSetsRegion(arguments)) {
            do {
                config.region = try CredentialsChain(settings: settings, environment: io.environment).region()
            } catch {
                throw CLIError.usage("\(error)")
            }
        }
        settings.region = config.region
        self.settings = settings
        timeouts = try AWSCommandOptions.timeouts(arguments, environment: io.environment)
        self.config = config
        debug = arguments.flag("debug")
        ttlGiven = arguments["ttl"] != nil
        ttlSet = try ttlGiven || ServiceOptions.fileSets("ttl", arguments)
    }

    /// Resolves credentials and builds the client (may call STS or SSO).
    func client(io: CommandIO) async throws -> AWSClient {
        let logger: (@Sendable (String) -> Void)? = debug ? { @Sendable line in io.note("debug: " + line) } : nil
        return try await AWSClient.resolve(settings, timeouts: timeouts, environment: io.environment, logger: logger)
    }

    /// Runs AWS work, mapping deploy errors to exit codes: a confirmation with no terminal, and a
    /// command that does not apply to the stack, are bad input (2); so is a missing stack when
    /// `missingStackIsUsage` (pause, resume, extend); the rest are failures (1).
    static func run<T: Sendable>(missingStackIsUsage: Bool = false, _ work: @escaping @Sendable () async throws -> T) throws -> T {
        let interruption = Interruption.watch()
        defer { interruption.cancel() }
        do {
            return try AWSCommandOptions.blocking(work)
        } catch let error as DeployError {
            switch error {
            case .needsConfirmation, .notApplicable: throw CLIError.usage(error.description)
            case .noStack where missingStackIsUsage: throw CLIError.usage(error.description)
            default: throw CLIError.failure(error.description)
            }
        }
    }

    /// The server's clock: the local one corrected by the skew the client measured.
    static func serverNow(_ client: AWSClient) -> Date { Date().addingTimeInterval(client.clockOffset) }
}

/// Ctrl-C during AWS work: CloudFormation carries on with whatever was sent, so say so and how to
/// look, instead of vanishing silently; exit 130 as a shell expects.
enum Interruption {
    /// Handles SIGINT until the returned source is cancelled.
    static func watch() -> DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            FileHandle.standardError.write(Data(("\ninterrupted: what slmstack already sent goes on in CloudFormation; "
                + "'slmstack status' (same options) shows where the stack is, and running the command again attaches to it\n").utf8))
            exit(130)
        }
        source.setCancelHandler { signal(SIGINT, SIG_DFL) }
        source.resume()
        return source
    }
}

/// `slmstack deploy`.
struct DeployCommand: SubCommand {
    static let name = "deploy"
    static let abstract = "Deploy the stack through a CloudFormation change set, with live progress."
    static let discussion = """
        Validates and synthesizes the stack, shows the cost estimate (refusing above --budget), creates a
        change set, shows what it adds, modifies (and whether it replaces) and removes, asks for confirmation
        (--yes in CI: with no terminal and no --yes nothing is applied), executes it, follows the stack events
        until the end, and prints the outputs. A stack already being changed is followed, not changed twice;
        a failed first create (ROLLBACK_COMPLETE) is deleted and created again after confirmation. On failure
        the first resource that failed and its reason come first; exit 1.
        """
    static let options: [OptionSpec] = [
        .flag("yes", "Apply without asking (for CI)."),
        .flag("show-api-key", "Print the API key's value (from API Gateway GetApiKey)."),
        .flag("no-rollback", "Keep what was created if the deploy fails, for debugging."),
        .value("template", "FILE", "Deploy this CloudFormation template as it is (for example the committed one) instead of synthesizing."),
        PreflightGate.skipSpec,
    ] + AWSContext.specs

    let context: AWSContext
    let yes: Bool
    let showKey: Bool
    let noRollback: Bool
    let templateFile: String?
    let skipPreflight: Bool

    init(arguments: ParsedArguments, io: CommandIO) throws {
        context = try AWSContext(arguments: arguments, io: io)
        yes = arguments.flag("yes")
        skipPreflight = arguments.flag("skip-preflight")
        showKey = arguments.flag("show-api-key")
        noRollback = arguments.flag("no-rollback")
        templateFile = arguments["template"]
    }

    /// The template to deploy, its resource count and its cost estimate: synthesized from the model,
    /// or read from `--template` (priced from what the file contains).
    func plan(io: CommandIO) throws -> (text: String, resources: Int, tags: [String: String], estimate: Estimate) {
        let config = context.config
        let stack = try Synthesis.stack(for: config)
        guard let templateFile else {
            let template = try Synthesis.compactCloudFormation(stack)
            io.line("\(stack.name) in \(config.region): \(stack.resources.count) resources, \(config.modelID) on \(config.instanceCount) x \(config.instanceType)")
            return (template, stack.resources.count, stack.tags, Estimator.estimate(stack, config: config))
        }
        guard let data = FileManager.default.contents(atPath: templateFile), let text = String(data: data, encoding: .utf8) else {
            throw CLIError.usage("--template: cannot read '\(templateFile)': check the path")
        }
        let named = Self.regionsNamed(in: text)
        if let other = named.first(where: { $0 != config.region }) {
            throw CLIError.usage("--template \(templateFile): it was synthesized for \(other) (its image and log principal name that region) but would deploy to \(config.region): pass --region \(other), or synthesize it for \(config.region) with 'slmstack synth --region \(config.region)'")
        }
        let estimate: Estimate
        do {
            estimate = try Estimator.estimate(template: data, region: config.region, weightsGB: (config.modelSpec?.weightBytes ?? 0) / 1e9,
                                              ttlMinutes: config.ttlMinutes)
        } catch {
            throw CLIError.usage("--template \(templateFile): \(error)")
        }
        let resources = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["Resources"] as? [String: Any]
        let count = resources?.count ?? 0
        io.line("\(stack.name) in \(config.region): \(count) resources from \(templateFile)")
        return (text, count, stack.tags, estimate)
    }

    /// The estimate in two lines: running (with the autoscaling maximum) and paused; the most a TTL
    /// lets it cost.
    static func summary(_ estimate: Estimate) -> [String] {
        var line = "estimated cost: \(Estimate.money(estimate.totalMonthly))/month (\(Estimate.money(estimate.totalHourly))/hour; baseline \(Estimate.money(estimate.baselineMonthly)), usage \(Estimate.money(estimate.usageMonthly)))"
        if let instances = estimate.instances, estimate.hasRange {
            line += ", up to \(Estimate.money(estimate.totalMonthlyMax))/month at \(instances.upperBound) instances (autoscaling maximum)"
        }
        if let paused = estimate.whenPaused { line += "; paused \(Estimate.money(paused.totalMonthly))/month" }
        var lines = [line + "; 'slmstack cost' for the breakdown"]
        if let minutes = estimate.ttlMinutes, let most = estimate.ttlMaxCost {
            lines.append("ttl \(DurationText.format(minutes: minutes)): at most \(Estimate.money(most)) of standing charges before the stack deletes itself (usage on top)")
        }
        return lines
    }

    /// Regions a template names literally in AWS host names (`….dkr.ecr.eu-west-2.amazonaws.com`,
    /// `logs.eu-west-2.amazonaws.com`), sorted.
    static func regionsNamed(in template: String) -> [String] {
        var found = Set<String>()
        let pattern = /\.?([a-z]{2}(?:-gov)?-[a-z]+-[0-9])\.amazonaws\.com/
        for match in template.matches(of: pattern) { found.insert(String(match.output.1)) }
        return found.sorted()
    }

    func run(io: CommandIO) throws -> ExitCode {
        let config = context.config
        let (text, resourceCount, tags, estimate) = try plan(io: io)
        for line in Self.summary(estimate) { io.line(line) }
        for warning in estimate.warnings { io.note("warning: \(warning)") }
        _ = try BudgetGate.check(estimate, budget: config.budgetUSD, io: io)
        if !yes, !io.isInteractive {
            throw CLIError.usage("deploy needs confirmation and there is no terminal to ask on: pass --yes to apply without asking")
        }
        let request = DeployRequest(stackName: config.stackName, template: text, resourceCount: resourceCount,
                                    tags: tags, assumeYes: yes, noRollback: noRollback, ttlMinutes: config.ttlMinutes,
                                    ttlGiven: context.ttlGiven, keepingExpiry: templateFile == nil ? Self.keepingExpiry(config, ttlSet: context.ttlSet) : nil)
        let context = self.context
        let showKey = self.showKey, preflight = !skipPreflight
        let console = CLIConsole(io: io)
        let (result, key, now) = try AWSContext.run {
            let client = try await context.client(io: io)
            if preflight { try await PreflightGate.check(client: client, template: text, stack: config.stackName, io: io) }
            let deployer = Deployer(api: CloudFormationAPI(client: client), console: console)
            let result = try await deployer.deploy(request)
            var key: String?
            if showKey, case .deployed(let s) = result, let id = s.output("ApiKeyId") { key = try await Invoker(client: client).apiKeyValue(id: id) }
            if showKey, case .noChanges(let s) = result, let id = s.output("ApiKeyId") { key = try await Invoker(client: client).apiKeyValue(id: id) }
            return (result, key, AWSContext.serverNow(client))
        }
        let description: StackDescription
        switch result {
        case .deployed(let s): description = s; io.line("deployed \(s.name): \(s.status)")
        case .noChanges(let s): description = s
        }
        StackState.print(description, now: now, io: io)
        Outputs.print(description, io: io)
        if let key { io.line("api key value   \(key)") }
        return .success
    }

    /// The template with a TTL, for a stack that has one when the settings give none: a deploy
    /// keeps a deployed TTL unless the ttl setting is given (`--ttl off` removes it). The ttl value
    /// does not matter: `ExpiresAt` keeps the stack's value.
    static func keepingExpiry(_ config: ServiceConfig, ttlSet: Bool) -> (@Sendable () throws -> (template: String, resourceCount: Int))? {
        guard !ttlSet, config.ttlMinutes == nil else { return nil }
        return {
            var kept = config
            kept.ttlMinutes = 60
            let stack = try Synthesis.stack(for: kept)
            return (try Synthesis.compactCloudFormation(stack), stack.resources.count)
        }
    }
}

/// The deploy-time state of a stack: paused or running, and when it expires.
enum StackState {
    /// `expires at 2026-11-22T18:00:00Z (in 3h 59m)` after a deploy; `paused` when it is.
    static func print(_ stack: StackDescription, now: Date, io: CommandIO) {
        if stack.parameters[StackParameters.paused] == "true" {
            io.line("paused: the endpoint and the NAT gateway are removed and the API answers 503 paused; 'slmstack resume --stack-name \(stack.name)' brings them back")
        }
        if let text = stack.parameters[StackParameters.expiresAt] {
            let deadline = ExpiryTime.date(text)
            io.line("expires at \(text)Z" + (deadline.map { date in
                date >= now ? " (in \(ExpiryTime.span(date.timeIntervalSince(now))))" : " (\(ExpiryTime.span(now.timeIntervalSince(date))) ago)"
            } ?? "") + ": the stack deletes itself then; 'slmstack extend 2h' moves it")
        }
    }
}

/// Printing stack outputs.
enum Outputs {
    static func print(_ stack: StackDescription, io: CommandIO) {
        guard !stack.outputs.isEmpty else { return }
        io.line("outputs:")
        let width = stack.outputs.map(\.key.count).max() ?? 0
        for output in stack.outputs {
            io.line("  " + output.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + output.value)
        }
    }
}

/// `slmstack destroy`.
struct DestroyCommand: SubCommand {
    static let name = "destroy"
    static let abstract = "Delete the stack, follow it to the end, and check nothing is left billing."
    static let discussion = """
        Asks for confirmation (--yes in CI), deletes the stack, follows the events to DELETE_COMPLETE, then checks
        that no SageMaker endpoint tagged for the stack remains. A stack that does not exist is a no-op (exit 0).
        When the delete fails, the resources that could not be deleted are named with the reason; fix the cause
        and run destroy again, or keep them with --retain ID,ID.
        """
    static let options: [OptionSpec] = [
        .flag("yes", "Destroy without asking (for CI)."),
        .value("retain", "ID,…", "After DELETE_FAILED: logical IDs to keep instead of deleting."),
        .flag("keep-logs", "Keep the log groups (and the KMS key that encrypts them) instead of deleting them."),
    ] + AWSContext.specs

    let context: AWSContext
    let yes: Bool
    let retain: [String]
    let keepLogs: Bool

    init(arguments: ParsedArguments, io: CommandIO) throws {
        context = try AWSContext(arguments: arguments, io: io)
        yes = arguments.flag("yes")
        keepLogs = arguments.flag("keep-logs")
        retain = (arguments["retain"] ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let bad = retain.first(where: { !LogicalID($0).isWellFormed }) {
            throw CLIError.usage("--retain: '\(bad)' is not a logical ID: give the IDs the failed destroy named, separated by commas")
        }
    }

    func run(io: CommandIO) throws -> ExitCode {
        let name = context.config.stackName
        let context = self.context, yes = self.yes, retain = self.retain, keepLogs = self.keepLogs
        let console = CLIConsole(io: io)
        _ = try AWSContext.run {
            let client = try await context.client(io: io)
            let deployer = Deployer(api: CloudFormationAPI(client: client), console: console)
            if !yes, !io.isInteractive, try await deployer.api.describeStack(name) != nil {
                throw DeployError.needsConfirmation("destroying \(name)")
            }
            return try await deployer.destroy(stack: name, assumeYes: yes, retain: retain, keepLogs: keepLogs)
        }
        return .success
    }
}

/// `slmstack status`.
struct StatusCommand: SubCommand {
    static let name = "status"
    static let abstract = "Show the stack, its outputs, the endpoint's state and what it has cost so far."
    static let options: [OptionSpec] = AWSContext.specs

    let context: AWSContext

    init(arguments: ParsedArguments, io: CommandIO) throws {
        context = try AWSContext(arguments: arguments, io: io)
    }

    func run(io: CommandIO) throws -> ExitCode {
        let context = self.context
        let name = context.config.stackName
        let console = CLIConsole(io: io)
        let report = try AWSContext.run {
            let client = try await context.client(io: io)
            return try await Deployer(api: CloudFormationAPI(client: client), console: console).status(stack: name)
        }
        let stack = report.stack
        io.line("stack       \(stack.name) (\(context.config.region))")
        io.line("status      \(stack.status)\(stack.statusReason.map { ": \($0)" } ?? "")")
        if let created = stack.creationTime { io.line("created     \(ISO8601DateFormatter().string(from: created))") }
        if let updated = stack.lastUpdatedTime { io.line("updated     \(ISO8601DateFormatter().string(from: updated))") }
        switch report.isPaused {
        case true?: io.line("state       Paused: no endpoint or NAT gateway, the API answers 503 paused ('slmstack resume --stack-name \(stack.name)' brings them back)")
        case false?: io.line("state       Running ('slmstack pause --stack-name \(stack.name)' removes the endpoint and the NAT gateway until resumed)")
        case nil: break
        }
        if let deadline = report.expiresAt {
            // A stack deletes in minutes: one still here well after its TTL had its deletion fail or
            // refused (Scheduler does not retry a ValidationError), and keeps billing.
            let overdue = report.now.timeIntervalSince(deadline)
            io.line("expires     \(ExpiryTime.relative(deadline, now: report.now))" + (overdue <= 0 ? ""
                : overdue < 3_600 ? ": the expiry schedule is deleting the stack"
                : ": TTL PASSED and the stack is still here (\(stack.status)): its deletion failed or was refused; 'slmstack destroy --stack-name \(stack.name)' removes it"))
        } else if report.isPaused != nil {
            io.line("expires     never (no TTL; deploy with --ttl 4h to set one)")
        }
        if report.isPaused == true {
            // No endpoint while paused: nothing bills by the hour for it.
        } else if let endpoint = report.endpoint {
            io.line("endpoint    \(endpoint.name): \(endpoint.status)\(endpoint.failureReason.map { " (\($0))" } ?? "")")
            if let type = report.instanceType, let count = report.instanceCount {
                var warnings: [String] = []
                let price = PriceTable.embedded.lookup("sagemaker.hosting.\(type)", region: context.config.region, warnings: &warnings)
                let hourly = price.map { $0.usd * Double(count) }
                io.line("instances   \(count) x \(type)\(hourly.map { ", \(Estimate.money($0))/hour" } ?? ", price unknown")")
                if let created = endpoint.creationTime, let hourly {
                    let hours = max(0, Date().timeIntervalSince(created) / 3600)
                    io.line("cost so far \(Estimate.money(hours * hourly)) for \(String(format: "%.1f", hours)) hours since \(ISO8601DateFormatter().string(from: created)) (endpoint instances only)")
                }
                for warning in warnings { io.note("warning: \(warning)") }
            }
        } else if let name = stack.output("EndpointName") {
            io.line("endpoint    \(name): not found")
        }
        Outputs.print(stack, io: io)
        return .success
    }
}

/// `slmstack invoke "prompt"`.
struct InvokeCommand: SubCommand {
    static let name = "invoke"
    static let abstract = "Send a prompt to the deployed API with its key and print the answer."
    static let positionals = (max: 1, usage: "\"PROMPT\"")
    static let options: [OptionSpec] = [
        .value("max-new-tokens", "N", "Longest answer in tokens (default: the shim's)."),
        .flag("chat", "Use the OpenAI-style /v1/chat/completions route."),
    ] + AWSContext.specs

    let context: AWSContext
    let prompt: String
    let maxNewTokens: Int?
    let chat: Bool

    init(arguments: ParsedArguments, io: CommandIO) throws {
        guard let prompt = arguments.positionals.first, !prompt.isEmpty else {
            throw CLIError.usage("invoke needs a prompt: slmstack invoke \"What is the capital of France?\"")
        }
        self.prompt = prompt
        maxNewTokens = try arguments.int("max-new-tokens", in: 1...100_000)
        chat = arguments.flag("chat")
        context = try AWSContext(arguments: arguments, io: io)
    }

    func run(io: CommandIO) throws -> ExitCode {
        let context = self.context, prompt = self.prompt, chat = self.chat, maxNewTokens = self.maxNewTokens
        let name = context.config.stackName
        var body: [String: Any]
        if chat {
            body = ["model": context.config.modelID, "messages": [["role": "user", "content": prompt]]]
            if let maxNewTokens { body["max_tokens"] = maxNewTokens }
        } else {
            body = ["prompt": prompt]
            if let maxNewTokens { body["parameters"] = ["max_new_tokens": maxNewTokens] }
        }
        let payload = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let (status, answer) = try AWSContext.run {
            let client = try await context.client(io: io)
            guard let stack = try await CloudFormationAPI(client: client).describeStack(name) else {
                throw DeployError.noStack(name, region: client.region)
            }
            let output = chat ? "ChatCompletionsUrl" : "InvokeUrl"
            guard let url = stack.output(output) else { throw DeployError.missingOutput(stack: name, output: output) }
            guard let keyID = stack.output("ApiKeyId") else { throw DeployError.missingOutput(stack: name, output: "ApiKeyId") }
            let invoker = Invoker(client: client)
            let key = try await invoker.apiKeyValue(id: keyID)
            return try await invoker.post(url: url, apiKey: key, body: payload)
        }
        let text = String(decoding: answer, as: UTF8.self)
        guard (200..<300).contains(status) else {
            let code = ((try? JSONSerialization.jsonObject(with: answer)) as? [String: Any]).flatMap { ($0["error"] as? [String: Any])?["code"] as? String }
            let hint = status == 503 && code == "paused" ? "\nstack \(name) is paused: 'slmstack resume --stack-name \(name)' brings the endpoint back" : ""
            throw CLIError.failure("the API answered HTTP \(status): \(text.trimmingCharacters(in: .whitespacesAndNewlines))\(hint)")
        }
        let object = (try? JSONSerialization.jsonObject(with: answer)) as? [String: Any]
        let generated = (object?["generated_text"] as? String)
            ?? (((object?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String)
        io.line(generated ?? text)
        return .success
    }
}
