import Foundation

/// Exit codes of `slmstack`, the same for every subcommand.
public enum ExitCode: Int32, Sendable {
    /// The work was done.
    case success = 0
    /// The work itself failed (an AWS error, a failed deploy, a drift found).
    case failure = 1
    /// Bad input: a flag, a config file, a value the model rejects. Nothing was sent to AWS.
    case usage = 2
    /// A safety gate stopped the work: over budget, or an idle or orphaned endpoint found.
    case gate = 3
}

/// An error the CLI reports as `error: <description>` with its exit code.
public enum CLIError: Error, CustomStringConvertible, Equatable {
    /// Bad flags or values; exit 2.
    case usage(String)
    /// The model failed validation; every problem is listed, exit 2.
    case invalid([String])
    /// The work failed; exit 1.
    case failure(String)
    /// A gate stopped the work; exit 3.
    case gate(String)

    /// The exit code this error ends the process with.
    public var exitCode: ExitCode {
        switch self {
        case .usage, .invalid: .usage
        case .failure: .failure
        case .gate: .gate
        }
    }

    public var description: String {
        switch self {
        case .usage(let message), .failure(let message), .gate(let message): message
        case .invalid(let problems):
            problems.count == 1
                ? problems[0]
                : "\(problems.count) problems:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }
}
