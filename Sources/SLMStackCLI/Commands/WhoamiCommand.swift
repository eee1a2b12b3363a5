import AWSClient
import Foundation

/// `slmstack whoami`: who the configured credentials belong to (STS GetCallerIdentity).
struct WhoamiCommand: SubCommand {
    static let name = "whoami"
    static let abstract = "Show the AWS account, ARN and region the credentials resolve to."
    static let discussion = """
        Calls STS GetCallerIdentity (query protocol, SigV4-signed by slmstack itself) and prints the
        account, the ARN, the region and the source of the credentials (the "credentials" line, for
        example "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)"). Credentials are looked
        up in the AWS CLI's order: environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
        AWS_SESSION_TOKEN; skipped with --profile), then the profile (--profile, AWS_PROFILE, default)
        in ~/.aws/config and ~/.aws/credentials: role_arn with source_profile or credential_source,
        web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or web_identity_token_file), SSO
        (refreshing the cached token), keys, credential_process; then container credentials
        (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI) and the EC2 instance profile (IMDSv2).
        Temporary credentials are refreshed before they expire. Secrets are never printed.
        Exit codes: 0 ok, 1 the call failed (for example SignatureDoesNotMatch), 2 bad flags.
        """
    static let options: [OptionSpec] = AWSCommandOptions.specs

    let settings: AWSSettings
    let timeouts: AWSTimeouts
    let debug: Bool

    init(arguments: ParsedArguments, io: CommandIO) throws {
        settings = try AWSCommandOptions.settings(arguments)
        timeouts = try AWSCommandOptions.timeouts(arguments, environment: io.environment)
        debug = arguments.flag("debug")
    }

    func run(io: CommandIO) throws -> ExitCode {
        let settings = self.settings, timeouts = self.timeouts
        let environment = io.environment
        let logger: (@Sendable (String) -> Void)? = debug ? { @Sendable line in io.note("debug: " + line) } : nil
        let (identity, client, credentials) = try AWSCommandOptions.blocking {
            let client = try await AWSClient.resolve(settings, timeouts: timeouts, environment: environment, logger: logger)
            let credentials = try await client.credentialsProvider.credentials()
            return (try await client.getCallerIdentity(), client, credentials)
        }
        var rows = [
            ("account", identity.account), ("arn", identity.arn), ("user id", identity.userID),
            ("region", client.region), ("credentials", credentials.source.description),
        ]
        if let expiration = credentials.expiration {
            rows.append(("expires", ISO8601DateFormatter().string(from: expiration)))
        }
        let sts = client.endpoints.endpoint(for: .sts, region: client.region)
        if sts.isCustom { rows.append(("endpoint", sts.url)) }
        for (label, value) in rows {
            io.line(label.padding(toLength: 12, withPad: " ", startingAt: 0) + value)
        }
        return .success
    }
}

/// The AWS flags every command that talks to AWS accepts, and how they become `AWSSettings`.
enum AWSCommandOptions {
    static let specs: [OptionSpec] = [
        .value("profile", "NAME", "Profile in ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE or 'default')."),
        .value("region", "REGION", "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region)."),
        .value("endpoint-url", "URL", "Send every AWS call to this URL (for example a local moto server)."),
        .value("max-attempts", "N", "Attempts per AWS call, with backoff on throttling, 5xx and network failures (default 3)."),
        .value("read-timeout", "SECONDS", "Abandon an attempt after this long without data from AWS (default 30; env SLMSTACK_READ_TIMEOUT)."),
        .value("attempt-timeout", "SECONDS", "Abandon an attempt that takes longer than this in all (default 30; env SLMSTACK_ATTEMPT_TIMEOUT)."),
        .value("call-timeout", "SECONDS", "Give up a call, retries and backoff included, after this long (default 60; env SLMSTACK_CALL_TIMEOUT)."),
        .flag("debug", "Log each AWS request and response to stderr (never secrets)."),
    ]

    /// Validates the flags; nothing is sent to AWS here.
    static func settings(_ arguments: ParsedArguments) throws -> AWSSettings {
        var settings = AWSSettings(profile: arguments["profile"], region: arguments["region"])
        if let profile = settings.profile, profile.isEmpty || profile.contains(where: { $0.isWhitespace || $0 == "]" }) {
            throw CLIError.usage("--profile: expected a profile name such as 'default' or 'ml-sage', got '\(profile)'")
        }
        if let region = settings.region,
           region.isEmpty || !region.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) || !region.contains("-") {
            throw CLIError.usage("--region: expected a region code such as us-east-1, got '\(region)'")
        }
        if let url = arguments["endpoint-url"] {
            do {
                settings.endpointURL = try EndpointResolver.validated(url, name: "--endpoint-url")
            } catch {
                throw CLIError.usage("\(error)")
            }
        }
        settings.maxAttempts = try arguments.int("max-attempts", in: 1...20)
        return settings
    }

    /// `--read-timeout`, `--attempt-timeout` and `--call-timeout`, else `SLMSTACK_READ_TIMEOUT`,
    /// `SLMSTACK_ATTEMPT_TIMEOUT` and `SLMSTACK_CALL_TIMEOUT`, else 30 s, 30 s and 60 s.
    static func timeouts(_ arguments: ParsedArguments, environment: [String: String]) throws -> AWSTimeouts {
        do {
            return try AWSTimeouts.resolve(idle: arguments["read-timeout"], attempt: arguments["attempt-timeout"],
                                           call: arguments["call-timeout"], environment: environment)
        } catch {
            throw CLIError.usage("\(error)")
        }
    }

    /// Runs async AWS work from the synchronous CLI and maps its errors to exit codes.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        do {
            return try runBlocking(work)
        } catch let error as AWSClientError {
            switch error {
            case .invalidConfiguration, .invalidEndpoint, .noRegion: throw CLIError.usage(error.description)
            default: throw CLIError.failure(error.description)
            }
        }
    }
}
