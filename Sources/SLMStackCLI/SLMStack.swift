import Foundation
import StackModel

/// The `slmstack` command: dispatches to subcommands, prints errors, sets the exit code.
public enum SLMStack {
    /// The version printed by `--version`.
    public static let version = "0.1.0"

    /// Every subcommand, in the order `--help` lists them.
    static let commands: [any SubCommand.Type] = [
        SynthCommand.self,
        ValidateCommand.self,
        DiffCommand.self,
        CostCommand.self,
        PreflightCommand.self,
        StageModelCommand.self,
        DeployCommand.self,
        StatusCommand.self,
        InvokeCommand.self,
        PauseCommand.self,
        ResumeCommand.self,
        ExtendCommand.self,
        DestroyCommand.self,
        ScanCommand.self,
        GraphCommand.self,
        WhoamiCommand.self,
        DebugSignCommand.self,
        DebugBenchSignCommand.self,
    ]

    /// Runs the process's own arguments and exits with the result.
    public static func main() -> Never {
        let io = CommandIO.process()
        let code = run(Array(CommandLine.arguments.dropFirst()), io: io)
        exit(code.rawValue)
    }

    /// Runs one invocation.
    ///
    /// - Parameters:
    ///   - arguments: argv without the program name.
    ///   - io: where to read and write.
    /// - Returns: the exit code.
    public static func run(_ arguments: [String], io: CommandIO) -> ExitCode {
        guard let first = arguments.first else {
            io.write(rootHelp)
            return .usage
        }
        if first == "--help" || first == "-h" || first == "help" {
            if first == "help", arguments.count > 1, let command = find(arguments[1]) {
                io.write(command.helpText)
            } else {
                io.write(rootHelp)
            }
            return .success
        }
        if first == "--version" {
            io.line("slmstack \(version)")
            return .success
        }
        var words = Array(arguments.dropFirst())
        var found = find(first)
        // Two-word commands (`debug sign`) are registered with their full name.
        if let second = words.first, let nested = find("\(first) \(second)") {
            found = nested
            words.removeFirst()
        }
        guard let command = found else {
            let group = commands.map { $0.name }.filter { $0.hasPrefix(first + " ") }
            let hint = !group.isEmpty ? ": it needs a subcommand: \(group.joined(separator: ", "))"
                : Suggest.closest(to: first, in: commands.map { $0.name }).map { ": did you mean '\($0)'?" } ?? ": see slmstack --help"
            io.note("error: unknown command '\(first)'\(hint)")
            return .usage
        }
        do {
            let parsed = try ArgumentParser.parse(words, options: command.options, maxPositionals: command.positionals.max)
            if parsed.flag("help") {
                io.write(command.helpText)
                return .success
            }
            let instance = try command.init(arguments: parsed, io: io)
            return try instance.run(io: io)
        } catch let error as CLIError {
            io.note("error: \(error.description)")
            return error.exitCode
        } catch {
            io.note("error: \(error)")
            return .failure
        }
    }

    static func find(_ name: String) -> (any SubCommand.Type)? {
        commands.first { $0.name == name }
    }

    static var rootHelp: String {
        let width = commands.map { $0.name.count }.max() ?? 0
        let list = commands.map { "  " + $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.abstract }
        return """
        slmstack \(version): a small language model behind a private, key-protected HTTPS API on AWS.

        Usage: slmstack <command> [options]

        Commands:
        \(list.joined(separator: "\n"))

        Run 'slmstack <command> --help' for a command's options.
        Exit codes: 0 ok, 1 failure, 2 usage or validation error, 3 budget or safety gate.

        """
    }
}
