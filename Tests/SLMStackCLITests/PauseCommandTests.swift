import Cost
import Deploy
import Foundation
import StackModel
import Testing
@testable import SLMStackCLI

/// An endpoint nothing listens on: a command that fails with exit 2 against it made no AWS call.
private let nowhere = ["--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1"]
private let credentials = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"]

private func run(_ arguments: [String]) -> Run {
    let out = Buffer(), err = Buffer()
    let io = CommandIO(environment: credentials, isInteractive: false, out: out.append, err: err.append)
    return Run(code: SLMStack.run(arguments, io: io), out: out.value, err: err.value)
}

@Test(arguments: ["4m", "29m", "0", "soon", "4 hours", "1h1h"])
func aBadTTLIsOneLineNamingTheFieldAndExit2BeforeAnyCall(ttl: String) {
    for command in [["deploy", "--yes"], ["diff"]] {
        let result = run(command + ["--ttl", ttl] + nowhere)
        #expect(result.code == .usage, "\(command) --ttl \(ttl): \(result.err)")
        #expect(result.err.hasPrefix("error: --ttl: expected a duration from 30m") && result.err.split(separator: "\n").count == 1, "\(result.err)")
    }
}

@Test(arguments: [([], "extend needs a duration"), (["soon"], "DURATION: expected a duration"), (["0m"], "DURATION: expected a duration"),
                  (["2h", "3h"], "unexpected argument '3h'")] as [([String], String)])
func extendRefusesBadDurationsBeforeAnyCall(words: [String], message: String) {
    let result = run(["extend"] + words + nowhere)
    #expect(result.code == .usage)
    #expect(result.err.contains(message), "\(result.err)")
}

@Test func pauseResumeAndExtendAreListedWithTheirOptions() {
    let help = run(["--help"]).out
    for name in ["pause", "resume", "extend"] { #expect(help.contains("  \(name) "), "\(name) in the command list") }
    let pause = run(["pause", "--help"])
    #expect(pause.code == .success && pause.out.contains("--yes") && pause.out.contains("--stack-name NAME") && pause.out.contains("503"))
    #expect(run(["resume", "--help"]).out.contains("Paused=false"))
    #expect(run(["extend", "--help"]).out.contains("Usage: slmstack extend [options] DURATION"))
}

/// The default stack and a larger variant (TTL, alarm e-mail, autoscaling).
private let variants: [[String]] = [[], ["--ttl", "4h", "--alarm-email", "ops@example.com", "--max-instances", "3", "--idle-pause", "on"]]

@Test(arguments: variants)
func deploySendsTheTemplateCompact(flags: [String]) throws {
    let config = try ServiceOptions.config(from: ArgumentParser.parse(flags, options: ServiceOptions.specs))
    let stack = try Synthesis.stack(for: config)
    let pretty = try #require(try Synthesis.cloudFormation(stack).text)
    let compact = try Synthesis.compactCloudFormation(stack)
    #expect(TemplateText.compact(pretty) == compact, "the deployer's compaction and the renderer's agree: the same document")
    // the default goes inline; the larger variant is over CreateStack's 51,200 bytes and goes through the assets bucket
    #expect(flags.isEmpty ? compact.utf8.count <= 51_200 : compact.utf8.count <= 1_000_000, "\(compact.utf8.count) bytes")
    #expect(pretty.utf8.count > compact.utf8.count * 5 / 4)
}

@Test func bothStatesArePricedFromTheDeployedTemplateAndItsParameters() throws {
    let config = try ServiceOptions.config(from: ArgumentParser.parse(["--ttl", "4h"], options: ServiceOptions.specs))
    let template = try Synthesis.compactCloudFormation(try Synthesis.stack(for: config))
    // The stack is paused now: both states are priced all the same.
    let costs = try #require(StateCosts.of(template: template, parameters: ["Paused": "true", "ExpiresAt": "2026-11-22T18:00:00"],
                                           region: "us-east-1", config: config))
    #expect(costs.running - costs.paused > 1_000, "the endpoint instance is most of the bill")
    #expect(costs.paused > 0, "the interface endpoint, KMS key, alarms and logs still bill")
    #expect(StateCosts.of(template: "not json", parameters: [:], region: "us-east-1", config: config) == nil)
}

@Test func deploysCostSummaryNamesThePausedStateAndTheTTLCeiling() throws {
    let config = try ServiceOptions.config(from: ArgumentParser.parse(["--ttl", "4h", "--max-instances", "3"], options: ServiceOptions.specs))
    let lines = DeployCommand.summary(Estimator.estimate(try Synthesis.stack(for: config), config: config))
    #expect(lines.count == 2)
    #expect(lines[0].contains("up to $") && lines[0].contains("at 3 instances (autoscaling maximum)") && lines[0].contains("; paused $"))
    #expect(lines[1].hasPrefix("ttl 4h: at most $") && lines[1].contains("before the stack deletes itself"))
}

@Test func aPauseWhoseTemplateCannotBeReadSaysTheCostWasSkippedAndWhy() throws {
    let config = try ServiceOptions.config(from: ArgumentParser.parse([], options: ServiceOptions.specs))
    let template = try Synthesis.compactCloudFormation(try Synthesis.stack(for: config))
    let priced = PauseCommand.costLine(paused: true, template: .success(template), parameters: ["Paused": "true"], config: config)
    #expect(priced.hasPrefix("monthly cost: $") && priced.contains(" running → $") && priced.contains("priced from the deployed template"))
    let unread = PauseCommand.costLine(paused: true, template: .failure(.init(cause: "cloudformation GetTemplate: not an AWS answer: HTTP 200\nsecond line")),
                                       parameters: [:], config: config)
    #expect(unread == "monthly cost: skipped, the deployed template could not be read (cloudformation GetTemplate: not an AWS answer: HTTP 200); 'slmstack cost' prices the model")
    #expect(PauseCommand.costLine(paused: false, template: .success("not json"), parameters: [:], config: config).hasPrefix("monthly cost: skipped, the deployed template could not be priced"))
}
