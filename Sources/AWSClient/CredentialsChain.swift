import Foundation
import SigV4

/// What the command line said about AWS access; nil fields were not given.
public struct AWSSettings: Sendable {
    /// `--profile`.
    public var profile: String?
    /// `--region`.
    public var region: String?
    /// `--endpoint-url`.
    public var endpointURL: String?
    /// Explicit keys (flags or code); both or neither.
    public var accessKeyID: String?
    /// Explicit secret key.
    public var secretAccessKey: String?
    /// Explicit session token.
    public var sessionToken: String?
    /// Total attempts per call; `AWS_MAX_ATTEMPTS`, the profile's `max_attempts`, or 3.
    public var maxAttempts: Int?
    /// Seconds per attempt.
    public var timeout: TimeInterval

    /// Creates settings.
    public init(profile: String? = nil, region: String? = nil, endpointURL: String? = nil, accessKeyID: String? = nil,
                secretAccessKey: String? = nil, sessionToken: String? = nil, maxAttempts: Int? = nil, timeout: TimeInterval = 30) {
        self.profile = profile
        self.region = region
        self.endpointURL = endpointURL
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.maxAttempts = maxAttempts
        self.timeout = timeout
    }
}

extension AWSClient {
    /// Builds a client from command-line settings and the environment, as the AWS CLI would:
    /// region, endpoints, retries, and credentials from the chain (see `CredentialsChain`).
    ///
    /// `--endpoint-url` (`settings.endpointURL`) applies to the returned client only, never to the
    /// calls that find credentials (STS AssumeRole and AssumeRoleWithWebIdentity, SSO OIDC, the SSO
    /// portal): those carry web identity tokens, SSO bearer tokens and OIDC client secrets, and go
    /// to `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL` or the standard host. The AWS CLI does
    /// the same: awscli/clidriver.py `CLIOperationCaller.invoke` (awscli 1.45) passes
    /// `parsed_globals.endpoint_url` to the command's own client only, while botocore's credential
    /// providers create theirs without one (botocore/credentials.py `_get_client_creator`,
    /// botocore/tokens.py `SSOTokenProvider._client`), so `_compute_configured_endpoint_url` in
    /// botocore/args.py gives them only the configured endpoints (environment, config file).
    ///
    /// - Parameters:
    ///   - settings: the flags.
    ///   - environment: the process environment (tests pass their own).
    ///   - transport: the HTTP layer.
    ///   - timeouts: the timeouts of every call, credential calls included; nil: `settings.timeout`
    ///     per attempt and the standard call budget.
    ///   - logger: `--debug` lines (never secrets).
    /// - Throws: `AWSClientError.noCredentials` listing what was tried and the fix, `.noRegion`,
    ///   `.invalidConfiguration`, `.invalidEndpoint`, or errors from STS, the SSO portal, the
    ///   container endpoint or the instance metadata service.
    public static func resolve(_ settings: AWSSettings, environment: [String: String],
                               transport: any HTTPTransport = StandardTransport(),
                               retry: RetryPolicy? = nil, clock: @escaping @Sendable () -> Date = Date.init,
                               timeouts: AWSTimeouts? = nil, logger: (@Sendable (String) -> Void)? = nil) async throws -> AWSClient {
        var chain = try CredentialsChain(settings: settings, environment: environment, clock: clock)
        chain.logger = logger
        let region = try chain.region()
        let endpoints = try EndpointResolver(flag: settings.endpointURL, environment: environment)
        var configured = endpoints
        configured.override = nil
        var policy = retry ?? RetryPolicy()
        if let attempts = try chain.maxAttempts() { policy.maxAttempts = attempts }
        let bootstrap = AWSClient(credentials: StaticCredentialsProvider(AWSCredentials(
                                      credentials: SigV4Credentials(accessKeyID: "-", secretAccessKey: "-"), source: .explicit)),
                                  region: region, endpoints: configured, transport: transport, retry: policy,
                                  timeout: timeouts?.attempt ?? settings.timeout, idleTimeout: timeouts?.idle,
                                  callTimeout: timeouts?.call ?? AWSTimeouts.standard.call, clock: clock, logger: logger)
        let provider = try await chain.provider(bootstrap: bootstrap)
        return bootstrap.with(credentials: provider, endpoints: endpoints)
    }
}

/// The AWS CLI's credential and region lookup, in botocore's order (`create_credential_resolver`
/// in botocore/credentials.py); the first source that has credentials wins:
///
/// 1. explicit keys (flags);
/// 2. `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`), skipped when `--profile`
///    was given (as the AWS CLI does);
/// 3. the profile's `role_arn` (without `web_identity_token_file`): STS AssumeRole signed with the
///    credentials of its `source_profile` (resolved by steps 4–8 of that profile, or its own
///    `role_arn`) or of its `credential_source` (`Environment`, `Ec2InstanceMetadata`, `EcsContainer`);
/// 4. web identity: `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (+ `AWS_ROLE_SESSION_NAME`), or the
///    profile's `web_identity_token_file` + `role_arn`: unsigned STS AssumeRoleWithWebIdentity;
/// 5. SSO (`sso_session` or `sso_start_url`): the token cache of `aws sso login`, refreshed through
///    SSO OIDC CreateToken when it has a refresh token, then the portal's GetRoleCredentials;
/// 6. keys in the credentials file;
/// 7. `credential_process`;
/// 8. keys in the config file;
/// 9. container credentials: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on 169.254.170.2) or
///    `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or
///    `AWS_CONTAINER_AUTHORIZATION_TOKEN`;
/// 10. the EC2 instance profile through IMDSv2 (unless `AWS_EC2_METADATA_DISABLED=true`).
///
/// The profile is `--profile`, `AWS_PROFILE`, `AWS_DEFAULT_PROFILE` or `default`.
/// Region: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`.
public struct CredentialsChain: Sendable {
    /// The settings from the command line.
    public let settings: AWSSettings
    /// The environment.
    public let environment: [String: String]
    /// The shared files.
    public let files: SharedConfigFiles
    /// The profile in use.
    public let profileName: String
    let clock: @Sendable () -> Date
    /// The HTTP layer for the container and instance metadata endpoints, given the seconds an
    /// attempt may take (tests wrap it to refuse anything but loopback).
    var metadataTransport: @Sendable (TimeInterval) -> any HTTPTransport = { StandardTransport(timeout: $0) }
    /// Waits between container endpoint attempts.
    var metadataSleep: @Sendable (Double) async -> Void = { seconds in
        try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
    }
    /// The host of `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (fixed by the SDKs; tests change it).
    var containerHost = ContainerCredentials.ecsHost
    /// `--debug` lines for the container and instance metadata requests (never tokens or keys).
    var logger: (@Sendable (String) -> Void)?

    /// Reads the shared files and picks the profile.
    public init(settings: AWSSettings, environment: [String: String], clock: @escaping @Sendable () -> Date = Date.init) throws {
        self.settings = settings
        self.environment = environment
        self.files = try SharedConfigFiles(environment: environment)
        self.profileName = settings.profile ?? environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["AWS_DEFAULT_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        self.clock = clock
    }

    func env(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }

    /// The region, or `AWSClientError.noRegion` naming each place looked at.
    public func region() throws -> String {
        if let region = settings.region ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? files.configProfile(profileName)?["region"],
           !region.isEmpty {
            guard region.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) else {
                throw AWSClientError.invalidConfiguration("invalid region '\(region)': expected a region code such as us-east-1")
            }
            return region
        }
        throw AWSClientError.noRegion(tried: ["--region", "AWS_REGION", "AWS_DEFAULT_REGION", "region in profile '\(profileName)' of \(files.configPath)"])
    }

    /// `AWS_MAX_ATTEMPTS`, the profile's `max_attempts`, or the flag.
    public func maxAttempts() throws -> Int? {
        guard let text = settings.maxAttempts.map(String.init) ?? env("AWS_MAX_ATTEMPTS") ?? files.configProfile(profileName)?["max_attempts"] else {
            return nil
        }
        guard let number = Int(text), (1...20).contains(number) else {
            throw AWSClientError.invalidConfiguration("invalid max attempts '\(text)': expected a whole number from 1 to 20")
        }
        return number
    }

    /// Finds credentials; the bootstrap client (any credentials) is used for STS, SSO OIDC and the
    /// SSO portal, with its endpoints: pass one without the `--endpoint-url` override (see
    /// `AWSClient.resolve`).
    ///
    /// - Throws: `AWSClientError.noCredentials` with every step tried when nothing usable is found,
    ///   or when a source that is configured (an SSO profile, a container endpoint, a
    ///   `credential_source`) fails; `.invalidConfiguration` for settings that cannot work.
    public func provider(bootstrap: AWSClient) async throws -> any CredentialsProvider {
        var configured = bootstrap.endpoints
        configured.override = nil
        let bootstrap = bootstrap.endpoints.override == nil ? bootstrap : bootstrap.with(credentials: bootstrap.credentialsProvider, endpoints: configured)
        var tried: [String] = []
        // 1. Explicit keys.
        switch (settings.accessKeyID, settings.secretAccessKey) {
        case (let key?, let secret?):
            return StaticCredentialsProvider(AWSCredentials(
                credentials: SigV4Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: settings.sessionToken), source: .explicit))
        case (.some, nil), (nil, .some):
            throw AWSClientError.invalidConfiguration("give both the access key id and the secret access key, or neither")
        case (nil, nil):
            tried.append("explicit keys: none given")
        }
        // 2. Environment (skipped when --profile was given, as the AWS CLI does).
        let useEnvironment = settings.profile == nil
        if !useEnvironment {
            tried.append("environment: skipped because --profile \(profileName) was given")
        } else if let provider = environmentProvider(tried: &tried) {
            return provider
        }
        // 3.–8. The profile, and web identity from the environment.
        var fix = "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add profile '\(profileName)' to \(files.credentialsPath) (aws configure --profile \(profileName)), or pass --profile NAME"
        if let provider = try await profileProvider(profileName, bootstrap: bootstrap, tried: &tried, fix: &fix,
                                                    useEnvironment: useEnvironment, visited: []) {
            return provider
        }
        // 9. Container credentials.
        if let provider = try await containerProvider(tried: &tried) { return provider }
        // 10. EC2 instance metadata.
        if let provider = try await instanceMetadataProvider(tried: &tried) { return provider }
        throw AWSClientError.noCredentials(tried: tried, fix: fix)
    }

    /// `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY`; nil (and a line in `tried`) when unset.
    func environmentProvider(tried: inout [String]) -> (any CredentialsProvider)? {
        if let key = env("AWS_ACCESS_KEY_ID"), let secret = env("AWS_SECRET_ACCESS_KEY") {
            return StaticCredentialsProvider(AWSCredentials(
                credentials: SigV4Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: env("AWS_SESSION_TOKEN")), source: .environment))
        } else if env("AWS_ACCESS_KEY_ID") != nil || env("AWS_SECRET_ACCESS_KEY") != nil {
            tried.append("environment: only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set")
        } else {
            tried.append("environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set")
        }
        return nil
    }

    /// Static keys in a profile section, if it has both.
    static func staticKeys(_ section: [String: String]?, source: CredentialSource) -> StaticCredentialsProvider? {
        guard let section, let key = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] else { return nil }
        return StaticCredentialsProvider(AWSCredentials(
            credentials: SigV4Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: section["aws_session_token"]),
            source: source))
    }
}
