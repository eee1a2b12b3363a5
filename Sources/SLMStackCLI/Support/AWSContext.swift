import AWSClient
import CloudFormationSynth
import Cost
import Deploy
import Foundation
import StackModel

/// What the commands that talk to AWS share: AWS flags, the stack's settings, a resolved client.
struct AWSContext {
    /// AWS flags plus the stack's settings; `--region` serves both. For the commands that build the
    /// model: deploy, diff, preflight.
    static let specs: [OptionSpec] = ServiceOptions.specs + AWSCommandOptions.specs.filter { $0.name != "region" }

    /// The stack identity alone: `--stack-name`, `--region` and the AWS flags (`--profile`, …), plus
    /// `--config` for a file the other commands share (its other keys are read, never needed). For
    /// the commands that act on a deployed stack: status, invoke, pause, resume, extend, destroy;
    /// model settings mean nothing there and are refused as unknown options.
    static let identitySpecs: [OptionSpec] = ServiceOptions.specs.filter { ServiceOptions.identityKeys.contains($0.name) }
        + AWSCommandOptions.specs.filter { $0.name != "region" }

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
