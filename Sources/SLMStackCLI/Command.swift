import Foundation

/// Where a command writes and what it can read: the process's streams and environment,
/// or buffers in tests.
public final class CommandIO: @unchecked Sendable {
    /// The environment variables the command sees.
    public let environment: [String: String]
    /// Whether standard output is an interactive terminal (and `CI` is not set).
    public let isInteractive: Bool
    private let writeOut: (String) -> Void
    private let writeErr: (String) -> Void
    private let readIn: () -> Data
    private let readLine: () -> String?

    /// Creates an IO over explicit functions (tests pass buffers).
    public init(
        environment: [String: String],
        isInteractive: Bool = false,
        out: @escaping (String) -> Void,
        err: @escaping (String) -> Void,
        stdin: @escaping () -> Data = { Data() },
        readLine: @escaping () -> String? = { nil }
    ) {
        self.environment = environment
        self.isInteractive = isInteractive
        self.writeOut = out
        self.writeErr = err
        self.readIn = stdin
        self.readLine = readLine
    }

    /// The real process: stdout, stderr, stdin, `ProcessInfo` environment.
    public static func process() -> CommandIO {
        let environment = ProcessInfo.processInfo.environment
        let ci = (environment["CI"] ?? "").lowercased()
        let interactive = isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1 && !(ci == "true" || ci == "1")
        return CommandIO(
            environment: environment,
            isInteractive: interactive,
            out: { FileHandle.standardOutput.write(Data($0.utf8)) },
            err: { FileHandle.standardError.write(Data($0.utf8)) },
            stdin: { FileHandle.standardInput.readDataToEndOfFile() },
            readLine: { Swift.readLine(strippingNewline: true) }
        )
    }

    /// Writes text to standard output as it is.
    public func write(_ text: String) { writeOut(text) }
    /// Writes one line to standard output.
    public func line(_ text: String = "") { writeOut(text + "\n") }
    /// Writes one line to standard error.
    public func note(_ text: String) { writeErr(text + "\n") }
    /// Reads all of standard input.
    public func readStdin() -> Data { readIn() }
    /// Reads one answer from the terminal, or nil at end of input.
    public func ask() -> String? { readLine() }
}

/// One `slmstack` subcommand: its help text, its options, and what it does.
///
/// Parsing and validation (`init(arguments:io:)`) are kept apart from the work (`run`), so a
/// usage error never reaches AWS.
public protocol SubCommand: Sendable {
    /// The word that selects it, for example `synth`.
    static var name: String { get }
    /// One line for the command list.
    static var abstract: String { get }
    /// Longer help shown by `slmstack NAME --help`.
    static var discussion: String { get }
    /// The options it accepts.
    static var options: [OptionSpec] { get }
    /// How many positional words it accepts, and how they are shown in the usage line.
    static var positionals: (max: Int, usage: String) { get }

    /// Validates the parsed arguments.
    ///
    /// - Throws: `CLIError.usage` or `CLIError.invalid` (exit 2) for bad input.
    init(arguments: ParsedArguments, io: CommandIO) throws

    /// Does the work.
    ///
    /// - Returns: the exit code.
    /// - Throws: `CLIError` with the exit code to use.
    func run(io: CommandIO) throws -> ExitCode
}

extension SubCommand {
    public static var discussion: String { "" }
    public static var positionals: (max: Int, usage: String) { (0, "") }

    /// The `--help` text.
    static var helpText: String {
        var text = "\(abstract)\n\nUsage: slmstack \(name) [options]\(positionals.usage.isEmpty ? "" : " " + positionals.usage)\n"
        if !discussion.isEmpty { text += "\n\(discussion)\n" }
        text += "\nOptions:\n"
        let rows = options.map { option -> (String, String) in
            switch option.kind {
            case .flag: ("--\(option.name)", option.help)
            case .value(let placeholder): ("--\(option.name) \(placeholder)", option.help)
            }
        } + [("--help", "Show this help.")]
        let width = rows.map(\.0.count).max() ?? 0
        for (left, right) in rows {
            text += "  " + left.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + right + "\n"
        }
        return text
    }
}
