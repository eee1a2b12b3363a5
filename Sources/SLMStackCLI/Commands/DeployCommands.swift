import AWSClient
import CloudFormationSynth
import Cost
import Deploy
import Foundation
import StackModel

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
    func plan(io: CommandIO) throws -> (text: String, resources: Int, tags: [String: String], estimate: Estimate, packages: [(key: String, bytes: [UInt8])]) {
        let config = context.config
        let stack = try Synthesis.stack(for: config)
        guard let templateFile else {
            let template = try Synthesis.compactCloudFormation(stack)
            io.line("\(stack.name) in \(config.region): \(stack.resources.count) resources, \(config.modelID) on \(config.instanceCount) x \(config.instanceType)")
            let packages = stack.resources(of: LambdaFunction.self).compactMap(\.package).map { (key: $0.key, bytes: $0.archive.bytes) }
            return (template, stack.resources.count, stack.tags, Estimator.estimate(stack, config: config), packages)
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
        return (text, count, stack.tags, estimate, try Self.packages(named: text, beside: templateFile))
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

    /// The Lambda packages a template file names (`"S3Key": "lambda/….zip"`), read from beside it
    /// where `synth` wrote them.
    ///
    /// - Throws: `CLIError.usage` naming the missing file.
    static func packages(named text: String, beside templateFile: String) throws -> [(key: String, bytes: [UInt8])] {
        let folder = URL(fileURLWithPath: templateFile).deletingLastPathComponent()
        var found: [(key: String, bytes: [UInt8])] = []
        for line in text.components(separatedBy: "\"S3Key\"").dropFirst() {
            let quoted = line.drop { $0 != "\"" }.dropFirst()
            let key = String(quoted.prefix { $0 != "\"" })
            guard key.hasPrefix("lambda/"), key.hasSuffix(".zip"), !key.contains(".."), !found.contains(where: { $0.key == key }) else { continue }
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(key).path) else {
                throw CLIError.usage("--template \(templateFile): its Lambda package \(key) is not beside it: synthesize both with 'slmstack synth --out DIR'")
            }
            found.append((key, Array(data)))
        }
        return found
    }

    func run(io: CommandIO) throws -> ExitCode {
        let config = context.config
        let (text, resourceCount, tags, estimate, packages) = try plan(io: io)
        for line in Self.summary(estimate) { io.line(line) }
        for warning in estimate.warnings { io.note("warning: \(warning)") }
        _ = try BudgetGate.check(estimate, budget: config.budgetUSD, io: io)
        if !yes, !io.isInteractive {
            throw CLIError.usage("deploy needs confirmation and there is no terminal to ask on: pass --yes to apply without asking")
        }
        let request = DeployRequest(stackName: config.stackName, template: text, resourceCount: resourceCount,
                                    tags: tags, assumeYes: yes, noRollback: noRollback, ttlMinutes: config.ttlMinutes,
                                    ttlGiven: context.ttlGiven, keepingExpiry: templateFile == nil ? Self.keepingExpiry(config, ttlSet: context.ttlSet) : nil,
                                    packages: packages)
        let context = self.context
        let showKey = self.showKey, preflight = !skipPreflight
        let console = CLIConsole(io: io)
        let (result, key, now) = try AWSContext.run {
            let client = try await context.client(io: io)
            if preflight { try await PreflightGate.check(client: client, template: text, stack: config.stackName, io: io) }
            if config.weights == .s3, let problem = try await StagedWeightsCheck.problem(client: client, modelID: config.modelID, revision: config.weightsRevision) {
                throw CLIError.usage(problem)
            }
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
