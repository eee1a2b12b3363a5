import Foundation
import SigV4

/// Steps 3–8 of the chain: a profile's `role_arn`, web identity, SSO, keys and `credential_process`.
extension CredentialsChain {
    /// The `credential_source` values the SDKs accept, compared without case (botocore's
    /// `CanonicalNameCredentialSourcer`).
    static let credentialSources = ["Environment", "Ec2InstanceMetadata", "EcsContainer"]

    /// Credentials of profile `name`, or nil when it has none (with the reasons in `tried`).
    ///
    /// - Parameters:
    ///   - useEnvironment: whether `AWS_WEB_IDENTITY_TOKEN_FILE` and friends apply (not with
    ///     `--profile`, and not for a `source_profile`, as botocore).
    ///   - visited: the profiles above this one in a `source_profile` chain, to find loops.
    func profileProvider(_ name: String, bootstrap: AWSClient, tried: inout [String], fix: inout String,
                         useEnvironment: Bool, visited: [String]) async throws -> (any CredentialsProvider)? {
        let config = files.configProfile(name)
        let keys = files.credentialsProfile(name)
        let settingOf = { (key: String) -> String? in config?[key] ?? keys?[key] }
        let isSource = !visited.isEmpty
        let hasStaticKeys = settingOf("aws_access_key_id") != nil || settingOf("aws_secret_access_key") != nil

        // 3. role_arn (a source profile's own keys win over its role_arn, as botocore).
        if let roleARN = settingOf("role_arn"), settingOf("web_identity_token_file") == nil, !(isSource && hasStaticKeys) {
            return try await assumeRoleProvider(name, roleARN: roleARN, settingOf: settingOf, bootstrap: bootstrap,
                                                tried: &tried, fix: &fix, visited: visited)
        }
        // 4. Web identity, from the environment or the profile.
        if let provider = try await webIdentityProvider(profile: name, settingOf: settingOf, bootstrap: bootstrap,
                                                        useEnvironment: useEnvironment, tried: &tried) {
            return provider
        }
        if config == nil && keys == nil {
            let where1 = files.credentials == nil ? "\(files.credentialsPath) does not exist" : "no [\(name)] in \(files.credentialsPath)"
            let where2 = files.config == nil ? "\(files.configPath) does not exist" : "no [\(name == "default" ? "default" : "profile \(name)")] in \(files.configPath)"
            tried.append("profile '\(name)': \(where1); \(where2)")
            return nil
        }
        // 5. SSO: the token cache written by `aws sso login`, then the portal's GetRoleCredentials.
        if settingOf("sso_session") != nil || settingOf("sso_start_url") != nil {
            return try await ssoProvider(name, settings: settingOf, bootstrap: bootstrap, tried: &tried, fix: &fix)
        }
        // 6. Static keys in the credentials file.
        if let provider = Self.staticKeys(keys, source: .profile(name: name, file: "credentials file")) { return provider }
        // 7. credential_process.
        if let command = settingOf("credential_process") {
            let clock = self.clock
            let fetch: @Sendable () async throws -> AWSCredentials = {
                try CredentialProcess.run(command, profile: name, clock: clock)
            }
            let first = try await fetch()
            return RefreshingCredentialsProvider(initial: first, clock: clock, fetch: fetch)
        }
        // 8. Static keys in the config file.
        if let provider = Self.staticKeys(config, source: .profile(name: name, file: "config file")) { return provider }
        tried.append("profile '\(name)': found, but it has no aws_access_key_id/aws_secret_access_key, role_arn, web_identity_token_file, sso_session, sso_start_url or credential_process")
        return nil
    }

    /// STS AssumeRole for `role_arn`, signed with the `source_profile`'s or the `credential_source`'s
    /// credentials.
    private func assumeRoleProvider(_ name: String, roleARN: String, settingOf: (String) -> String?, bootstrap: AWSClient,
                                    tried: inout [String], fix: inout String, visited: [String]) async throws -> (any CredentialsProvider)? {
        let sourceName = settingOf("source_profile")
        let credentialSource = settingOf("credential_source")
        let sourceProvider: any CredentialsProvider
        switch (sourceName, credentialSource) {
        case (.some, .some):
            throw AWSClientError.invalidConfiguration("profile '\(name)': has both source_profile and credential_source: keep one of them")
        case (nil, nil):
            throw AWSClientError.invalidConfiguration("profile '\(name)': role_arn needs source_profile or credential_source: add 'source_profile = <profile with keys>' or 'credential_source = Ec2InstanceMetadata' (or Environment, EcsContainer)")
        case (nil, let source?):
            sourceProvider = try await credentialSourceProvider(source, profile: name, tried: &tried)
        case (let sourceName?, nil):
            let chain = visited + [name]
            if chain.contains(sourceName), !(sourceName == name && (settingOf("aws_access_key_id") != nil)) {
                throw AWSClientError.invalidConfiguration("profile '\(name)': source_profile loop \((chain + [sourceName]).joined(separator: " → ")): point source_profile at a profile with credentials")
            }
            guard files.configProfile(sourceName) != nil || files.credentialsProfile(sourceName) != nil else {
                throw AWSClientError.invalidConfiguration("profile '\(name)': source_profile '\(sourceName)' does not exist in \(files.configPath) or \(files.credentialsPath)")
            }
            var sourceTried: [String] = []
            guard let found = try await profileProvider(sourceName, bootstrap: bootstrap, tried: &sourceTried, fix: &fix,
                                                        useEnvironment: false, visited: chain) else {
                tried.append("profile '\(name)': role_arn \(roleARN) with source_profile '\(sourceName)', which has no credentials (" + sourceTried.joined(separator: "; ") + ")")
                fix = "give profile '\(sourceName)' keys in \(files.credentialsPath), or point source_profile at a profile that has them"
                return nil
            }
            sourceProvider = found
        }
        let sessionName = settingOf("role_session_name") ?? "slmstack-\(Int(clock().timeIntervalSince1970))"
        let externalID = settingOf("external_id")
        var duration: Int?
        if let text = settingOf("duration_seconds") {
            guard let seconds = Int(text), (900...43_200).contains(seconds) else {
                throw AWSClientError.invalidConfiguration("profile '\(name)': duration_seconds '\(text)': expected 900 to 43200")
            }
            duration = seconds
        }
        let canonical = credentialSource.flatMap { value in Self.credentialSources.first { $0.lowercased() == value.lowercased() } }
        let source = CredentialSource.assumeRole(profile: name, roleARN: roleARN, credentialSource: canonical)
        let durationSeconds = duration
        let stsClient = bootstrap.with(credentials: sourceProvider)
        let fetch: @Sendable () async throws -> AWSCredentials = {
            try await stsClient.assumeRole(roleARN: roleARN, sessionName: sessionName, externalID: externalID,
                                           durationSeconds: durationSeconds, source: source)
        }
        return RefreshingCredentialsProvider(initial: try await fetch(), clock: clock, fetch: fetch)
    }

    /// The provider a `credential_source` names; its failure ends the search, as in botocore.
    private func credentialSourceProvider(_ value: String, profile: String, tried: inout [String]) async throws -> any CredentialsProvider {
        guard let canonical = Self.credentialSources.first(where: { $0.lowercased() == value.lowercased() }) else {
            throw AWSClientError.invalidConfiguration("profile '\(profile)': credential_source '\(value)' is not one of \(Self.credentialSources.joined(separator: ", "))")
        }
        var sourceTried: [String] = []
        let found: (any CredentialsProvider)?
        switch canonical {
        case "Environment": found = environmentProvider(tried: &sourceTried)
        case "EcsContainer": found = try await containerProvider(tried: &sourceTried)
        default: found = try await instanceMetadataProvider(tried: &sourceTried)
        }
        guard let found else {
            throw AWSClientError.noCredentials(
                tried: tried + sourceTried.map { "profile '\(profile)': credential_source \(canonical): " + $0 },
                fix: "make credentials available to credential_source \(canonical) (\(Self.credentialSourceHint[canonical]!)), or use source_profile instead")
        }
        return found
    }

    static let credentialSourceHint = [
        "Environment": "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        "EcsContainer": "run in a task or pod with a role: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "Ec2InstanceMetadata": "run on an EC2 instance with an instance profile, and leave AWS_EC2_METADATA_DISABLED unset",
    ]
}
