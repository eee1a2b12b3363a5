import Foundation
import GoldenFiles
import Testing
@testable import SLMStackCLI

/// Every command's `--help`, and the command list, against committed snapshots in
/// Tests/SLMStackCLITests/help/ (`RECORD_SNAPSHOTS=1 swift test` rewrites them): an option that
/// appears on, or vanishes from, a command is a reviewed change.
@Test(arguments: SLMStack.commands.map { $0.name } + ["slmstack"])
func helpMatchesItsSnapshot(command: String) throws {
    let run = command == "slmstack" ? slmstack("--help") : slmstack(command, "--help")
    #expect(run.code == .success)
    if let problem = try GoldenFiles.check(run.out, matches: "Tests/SLMStackCLITests/help/\(command.replacingOccurrences(of: " ", with: "-")).txt") {
        Issue.record(Comment(rawValue: problem))
    }
}

/// Commands that act on a deployed stack take its identity and the AWS flags, never the model's
/// settings: those are unknown options there (exit 2, before any AWS call).
@Test(arguments: ["status", "pause", "resume", "destroy", "invoke"])
func deployedStackCommandsRefuseModelSettings(command: String) {
    let run = slmstack(command, "--instance-type", "ml.g5.2xlarge", "--stack-name", "s", "--region", "eu-west-2")
    #expect(run.code == .usage)
    #expect(run.err.contains("unknown option '--instance-type'"))
    let help = slmstack(command, "--help").out
    for identity in ["--stack-name", "--region", "--profile", "--config", "--endpoint-url"] {
        #expect(help.contains(identity), "\(command) --help lacks \(identity)")
    }
    #expect(!help.contains("--max-total-tokens"))
}

/// The commands that build the model keep every setting.
@Test(arguments: ["synth", "validate", "cost", "deploy", "diff", "preflight"])
func modelCommandsTakeEverySetting(command: String) {
    let help = slmstack(command, "--help").out
    for setting in ["--instance-type", "--max-total-tokens", "--stack-name", "--region"] {
        #expect(help.contains(setting), "\(command) --help lacks \(setting)")
    }
}
