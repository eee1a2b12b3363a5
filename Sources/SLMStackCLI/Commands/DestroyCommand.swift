import AWSClient
import CloudFormationSynth
import Cost
import Deploy
import Foundation
import StackModel

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
    ] + AWSContext.identitySpecs

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
