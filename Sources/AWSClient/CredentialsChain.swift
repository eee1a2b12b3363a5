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
    /// region, endpoints, retries, and credentials from the chain (flags, environment, profile
    /// keys, `credential_process`, `role_arn` + `source_profile`, SSO).
    ///
    /// - Parameters:
    ///   - settings: the flags.
    ///   - environment: the process environment (tests pass their own).
    ///   - transport: the HTTP layer.
    ///   - logger: `--debug` lines (never secrets).
    /// - Throws: `AWSClientError.noCredentials` listing what was tried and the fix, `.noRegion`,
    ///   `.invalidConfiguration`, `.invalidEndpoint`, or errors from STS / the SSO portal.
    public static func resolve(_ settings: AWSSettings, environment: [String: String],
                               transport: any HTTPTransport = URLSessionTransport(),
                               retry: RetryPolicy? = nil, clock: @escaping @Sendable () -> Date = Date.init,
                               logger: (@Sendable (String) -> Void)? = nil) async throws -> AWSClient {
        let chain = try CredentialsChain(settings: settings, environment: environment, clock: clock)
        let region = try chain.region()
        let endpoints = try EndpointResolver(flag: settings.endpointURL, environment: environment)
        var policy = retry ?? RetryPolicy()
        if let attempts = try chain.maxAttempts() { policy.maxAttempts = attempts }
        let bootstrap = AWSClient(credentials: StaticCredentialsProvider(AWSCredentials(
                                      credentials: SigV4Credentials(accessKeyID: "-", secretAccessKey: "-"), source: .explicit)),
                                  region: region, endpoints: endpoints, transport: transport, retry: policy,
                                  timeout: settings.timeout, clock: clock, logger: logger)
        let provider = try await chain.provider(bootstrap: bootstrap)
        return bootstrap.with(credentials: provider)
    }
}

/// The AWS CLI's credential and region lookup.
///
/// Credentials, first match wins:
/// 1. explicit keys (flags);
/// 2. `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`), skipped when `--profile`
///    was given (as the AWS CLI does);
/// 3. the profile (`--profile`, `AWS_PROFILE`, `default`): `role_arn` with `source_profile`, then SSO
///    (`sso_session` or `sso_start_url`), then keys in the credentials file, then
///    `credential_process`, then keys in the config file.
///
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

    /// Reads the shared files and picks the profile.
    public init(settings: AWSSettings, environment: [String: String], clock: @escaping @Sendable () -> Date = Date.init) throws {
        self.settings = settings
        self.environment = environment
        self.files = try SharedConfigFiles(environment: environment)
        self.profileName = settings.profile ?? environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["AWS_DEFAULT_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        self.clock = clock
    }

    private func env(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }

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

    /// Finds credentials; the bootstrap client (any credentials) is used for STS and the SSO portal.
    ///
    /// - Throws: `AWSClientError.noCredentials` with every step tried when nothing usable is found.
    public func provider(bootstrap: AWSClient) async throws -> any CredentialsProvider {
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
        if settings.profile != nil {
            tried.append("environment: skipped because --profile \(profileName) was given")
        } else if let key = env("AWS_ACCESS_KEY_ID"), let secret = env("AWS_SECRET_ACCESS_KEY") {
            return StaticCredentialsProvider(AWSCredentials(
                credentials: SigV4Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: env("AWS_SESSION_TOKEN")), source: .environment))
        } else if env("AWS_ACCESS_KEY_ID") != nil || env("AWS_SECRET_ACCESS_KEY") != nil {
            tried.append("environment: only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set")
        } else {
            tried.append("environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set")
        }
        // 3. The profile.
        var fix = "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add profile '\(profileName)' to \(files.credentialsPath) (aws configure --profile \(profileName)), or pass --profile NAME"
        if let provider = try await profileProvider(profileName, bootstrap: bootstrap, tried: &tried, fix: &fix, depth: 0) {
            return provider
        }
        throw AWSClientError.noCredentials(tried: tried, fix: fix)
    }

    private func profileProvider(_ name: String, bootstrap: AWSClient, tried: inout [String], fix: inout String,
                                 depth: Int) async throws -> (any CredentialsProvider)? {
        let config = files.configProfile(name)
        let keys = files.credentialsProfile(name)
        if config == nil && keys == nil {
            let where1 = files.credentials == nil ? "\(files.credentialsPath) does not exist" : "no [\(name)] in \(files.credentialsPath)"
            let where2 = files.config == nil ? "\(files.configPath) does not exist" : "no [\(name == "default" ? "default" : "profile \(name)")] in \(files.configPath)"
            tried.append("profile '\(name)': \(where1); \(where2)")
            return nil
        }
        let settingsOf = { (key: String) -> String? in config?[key] ?? keys?[key] }

        // role_arn + source_profile: STS AssumeRole signed with the source profile's credentials.
        if let roleARN = settingsOf("role_arn") {
            guard depth < 5 else {
                throw AWSClientError.invalidConfiguration("profile '\(name)': role chain deeper than 5 profiles: check source_profile for a loop")
            }
            guard let sourceName = settingsOf("source_profile") else {
                let other = settingsOf("credential_source").map { "credential_source = \($0) is not supported" } ?? "no source_profile"
                throw AWSClientError.invalidConfiguration("profile '\(name)': role_arn needs source_profile (\(other)): add 'source_profile = <profile with keys>'")
            }
            var sourceTried: [String] = []
            let sourceProvider: (any CredentialsProvider)?
            if sourceName == name, let keys, let key = keys["aws_access_key_id"], let secret = keys["aws_secret_access_key"] {
                sourceProvider = StaticCredentialsProvider(AWSCredentials(
                    credentials: SigV4Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: keys["aws_session_token"]),
                    source: .profile(name: name, file: "credentials file")))
            } else {
                sourceProvider = try await profileProvider(sourceName, bootstrap: bootstrap, tried: &sourceTried, fix: &fix, depth: depth + 1)
            }
            guard let sourceProvider else {
                tried.append("profile '\(name)': role_arn \(roleARN) with source_profile '\(sourceName)', which has no credentials (" + sourceTried.joined(separator: "; ") + ")")
                fix = "give profile '\(sourceName)' keys in \(files.credentialsPath), or point source_profile at a profile that has them"
                return nil
            }
            let sessionName = settingsOf("role_session_name") ?? "slmstack-\(Int(clock().timeIntervalSince1970))"
            let externalID = settingsOf("external_id")
            var duration: Int?
            if let text = settingsOf("duration_seconds") {
                guard let seconds = Int(text), (900...43_200).contains(seconds) else {
                    throw AWSClientError.invalidConfiguration("profile '\(name)': duration_seconds '\(text)': expected 900 to 43200")
                }
                duration = seconds
            }
            let source = CredentialSource.assumeRole(profile: name, roleARN: roleARN)
            let durationSeconds = duration
            let stsClient = bootstrap.with(credentials: sourceProvider)
            let fetch: @Sendable () async throws -> AWSCredentials = {
                try await stsClient.assumeRole(roleARN: roleARN, sessionName: sessionName, externalID: externalID,
                                               durationSeconds: durationSeconds, source: source)
            }
            return RefreshingCredentialsProvider(initial: try await fetch(), clock: clock, fetch: fetch)
        }

        // SSO: the token cache written by `aws sso login`, then the portal's GetRoleCredentials.
        if settingsOf("sso_session") != nil || settingsOf("sso_start_url") != nil {
            return try await ssoProvider(name, settings: settingsOf, bootstrap: bootstrap, tried: &tried, fix: &fix)
        }

        // Static keys in the credentials file.
        if let keys, let key = keys["aws_access_key_id"], let secret = keys["aws_secret_access_key"] {
            return StaticCredentialsProvider(AWSCredentials(
                credentials: SigV4Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: keys["aws_session_token"]),
                source: .profile(name: name, file: "credentials file")))
        }

        // credential_process.
        if let command = settingsOf("credential_process") {
            let clock = self.clock
            let fetch: @Sendable () async throws -> AWSCredentials = {
                try CredentialProcess.run(command, profile: name, clock: clock)
            }
            let first = try await fetch()
            return RefreshingCredentialsProvider(initial: first, clock: clock, fetch: fetch)
        }

        // Static keys in the config file.
        if let config, let key = config["aws_access_key_id"], let secret = config["aws_secret_access_key"] {
            return StaticCredentialsProvider(AWSCredentials(
                credentials: SigV4Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: config["aws_session_token"]),
                source: .profile(name: name, file: "config file")))
        }
        tried.append("profile '\(name)': found, but it has no aws_access_key_id/aws_secret_access_key, role_arn, sso_session, sso_start_url or credential_process")
        return nil
    }

    private func ssoProvider(_ name: String, settings settingsOf: (String) -> String?, bootstrap: AWSClient,
                             tried: inout [String], fix: inout String) async throws -> (any CredentialsProvider)? {
        var startURL = settingsOf("sso_start_url")
        var ssoRegion = settingsOf("sso_region")
        var cacheKey = startURL
        if let session = settingsOf("sso_session") {
            guard let section = files.ssoSession(session) else {
                throw AWSClientError.invalidConfiguration("profile '\(name)': sso_session '\(session)' has no [sso-session \(session)] section in \(files.configPath)")
            }
            startURL = section["sso_start_url"] ?? startURL
            ssoRegion = section["sso_region"] ?? ssoRegion
            cacheKey = session
        }
        guard let accountID = settingsOf("sso_account_id"), let roleName = settingsOf("sso_role_name"),
              let ssoRegion, startURL != nil, let cacheKey else {
            throw AWSClientError.invalidConfiguration("profile '\(name)': an SSO profile needs sso_start_url and sso_region (or an sso_session with them), sso_account_id and sso_role_name")
        }
        let cacheFile = files.home + "/.aws/sso/cache/" + (try SHA1.hexHash(Array(cacheKey.utf8))) + ".json"
        fix = "log in again: make sso-login PROFILE=\(name) (or aws sso login --profile \(name))"
        guard let data = FileManager.default.contents(atPath: cacheFile) else {
            tried.append("profile '\(name)': SSO token cache \(cacheFile) not found (not logged in)")
            return nil
        }
        guard let token = try? JSONValue.parse(data), let accessToken = token["accessToken"]?.string,
              let expiresText = token["expiresAt"]?.string, let expiresAt = parseISO8601(expiresText) else {
            tried.append("profile '\(name)': SSO token cache \(cacheFile) has no accessToken/expiresAt")
            return nil
        }
        guard expiresAt > clock() else {
            tried.append("profile '\(name)': SSO token in \(cacheFile) expired at \(expiresText)")
            return nil
        }
        let portal = AWSClient(credentials: bootstrap.credentialsProvider, region: ssoRegion, endpoints: bootstrap.endpoints,
                               transport: bootstrap.transport, retry: bootstrap.retry, timeout: bootstrap.timeout)
        let fetch: @Sendable () async throws -> AWSCredentials = {
            let response = try await portal.send(AWSRequest(
                service: .sso, operation: "GetRoleCredentials", method: "GET", path: "/federation/credentials",
                query: [("account_id", accountID), ("role_name", roleName)],
                headers: [("x-amz-sso_bearer_token", accessToken)], signed: false))
            let json = try AWSClient.decodeJSON(response, operation: "sso GetRoleCredentials")
            guard let role = json["roleCredentials"], let key = role["accessKeyId"]?.string,
                  let secret = role["secretAccessKey"]?.string else {
                throw AWSClientError.invalidResponse(operation: "sso GetRoleCredentials", reason: "no roleCredentials in the answer")
            }
            let expiration = role["expiration"]?.number.map { Date(timeIntervalSince1970: $0 / 1000) }
            return AWSCredentials(credentials: SigV4Credentials(accessKeyID: key, secretAccessKey: secret,
                                                                sessionToken: role["sessionToken"]?.string),
                                  expiration: expiration, source: .sso(profile: name))
        }
        do {
            return RefreshingCredentialsProvider(initial: try await fetch(), clock: clock, fetch: fetch)
        } catch AWSClientError.service(let error) where error.httpStatus == 401 || error.code == "UnauthorizedException" {
            tried.append("profile '\(name)': the SSO portal rejected the cached token (\(error.code))")
            return nil
        }
    }
}

/// Runs a profile's `credential_process` and reads its JSON (Version 1).
enum CredentialProcess {
    static func run(_ command: String, profile: String, clock: () -> Date) throws -> AWSCredentials {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        // stderr goes to a file, not a second pipe: reading stdout to its end while the process fills a
        // full stderr pipe would deadlock both.
        let errorsURL = FileManager.default.temporaryDirectory.appendingPathComponent("slmstack-credential-process-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil, attributes: [.posixPermissions: 0o600])
        defer { try? FileManager.default.removeItem(at: errorsURL) }
        guard let errors = try? FileHandle(forWritingTo: errorsURL) else {
            throw AWSClientError.credentialProcess(profile: profile, reason: "could not create a temporary file for its error output")
        }
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw AWSClientError.credentialProcess(profile: profile, reason: "could not start /bin/sh: \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errors.close()
        let errorText = String(decoding: (try? Data(contentsOf: errorsURL)) ?? Data(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            let last = errorText.split(separator: "\n").last.map { ": \($0)" } ?? ""
            throw AWSClientError.credentialProcess(profile: profile, reason: "exit status \(process.terminationStatus)\(last)")
        }
        guard let json = try? JSONValue.parse(data) else {
            throw AWSClientError.credentialProcess(profile: profile, reason: "its output is not JSON")
        }
        guard json["Version"]?.int == 1 else {
            throw AWSClientError.credentialProcess(profile: profile, reason: "unsupported Version \(json["Version"]?.description ?? "(missing)"), expected 1")
        }
        guard let key = json["AccessKeyId"]?.string, let secret = json["SecretAccessKey"]?.string else {
            throw AWSClientError.credentialProcess(profile: profile, reason: "AccessKeyId or SecretAccessKey missing")
        }
        var expiration: Date?
        if let text = json["Expiration"]?.string {
            guard let date = parseISO8601(text) else {
                throw AWSClientError.credentialProcess(profile: profile, reason: "Expiration '\(text)' is not an ISO-8601 time")
            }
            guard date > clock() else {
                throw AWSClientError.noCredentials(
                    tried: ["profile '\(profile)': credential_process returned credentials that expired at \(text)"],
                    fix: "make the credential_process command return fresh credentials (log in to its identity provider again)")
            }
            expiration = date
        }
        return AWSCredentials(credentials: SigV4Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: json["SessionToken"]?.string),
                              expiration: expiration, source: .credentialProcess(profile: profile))
    }
}
