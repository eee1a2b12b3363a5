import Foundation
import SigV4

/// Step 4 of the chain: STS AssumeRoleWithWebIdentity with a token from a file (EKS IRSA, OIDC
/// federation from CI), as botocore's `AssumeRoleWithWebIdentityProvider`.
///
/// Each setting is read from its environment variable first, then from the profile:
/// `AWS_WEB_IDENTITY_TOKEN_FILE` / `web_identity_token_file`, `AWS_ROLE_ARN` / `role_arn`,
/// `AWS_ROLE_SESSION_NAME` / `role_session_name`. The environment is ignored with `--profile` and
/// for a `source_profile`. The token file is read again on every refresh (EKS rotates it), and the
/// call is not signed: the token is the proof.
extension CredentialsChain {
    func webIdentityProvider(profile: String, settingOf: (String) -> String?, bootstrap: AWSClient,
                             useEnvironment: Bool, tried: inout [String]) async throws -> (any CredentialsProvider)? {
        func setting(_ variable: String, _ key: String) -> (value: String, origin: String)? {
            if useEnvironment, let value = env(variable) { return (value, variable) }
            return settingOf(key).map { ($0, "profile \(profile)") }
        }
        guard let tokenFile = setting("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file") else {
            tried.append(useEnvironment
                ? "web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set and profile '\(profile)' has no web_identity_token_file"
                : "web identity: profile '\(profile)' has no web_identity_token_file")
            return nil
        }
        guard let roleARN = setting("AWS_ROLE_ARN", "role_arn")?.value else {
            throw AWSClientError.invalidConfiguration("web identity token file given by \(tokenFile.origin) but no role: set AWS_ROLE_ARN or role_arn in profile '\(profile)'")
        }
        let sessionName = setting("AWS_ROLE_SESSION_NAME", "role_session_name")?.value ?? "slmstack-\(Int(clock().timeIntervalSince1970))"
        let path = tokenFile.value.hasPrefix("~/") ? files.home + tokenFile.value.dropFirst(1) : tokenFile.value
        let origin = tokenFile.origin == "AWS_WEB_IDENTITY_TOKEN_FILE" ? tokenFile.origin : "\(tokenFile.origin) web_identity_token_file"
        let source = CredentialSource.webIdentity(roleARN: roleARN, origin: origin)
        let fetch: @Sendable () async throws -> AWSCredentials = {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AWSClientError.invalidConfiguration("web identity token file \(path) (\(origin)) cannot be read: check the path and its permissions")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else {
                throw AWSClientError.invalidConfiguration("web identity token file \(path) (\(origin)) is empty: check what writes it")
            }
            return try await bootstrap.assumeRoleWithWebIdentity(roleARN: roleARN, sessionName: sessionName, token: token, source: source)
        }
        return RefreshingCredentialsProvider(initial: try await fetch(), clock: clock, fetch: fetch)
    }
}

extension AWSClient {
    /// STS AssumeRoleWithWebIdentity, unsigned (the web identity token is the proof).
    ///
    /// - Returns: temporary credentials marked as coming from `source`.
    /// - Throws: `AWSClientError.service` (for example `InvalidIdentityToken`, `ExpiredTokenException`,
    ///   `AccessDenied`), `.transport`, `.invalidResponse`.
    public func assumeRoleWithWebIdentity(roleARN: String, sessionName: String, token: String,
                                          durationSeconds: Int? = nil, source: CredentialSource) async throws -> AWSCredentials {
        var parameters = [("RoleArn", roleARN), ("RoleSessionName", sessionName), ("WebIdentityToken", token)]
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        var form = "Action=AssumeRoleWithWebIdentity&Version=" + Self.formEncode(AWSService.sts.apiVersion)
        for (name, value) in parameters { form += "&" + Self.formEncode(name) + "=" + Self.formEncode(value) }
        let response = try await send(AWSRequest(
            service: .sts, operation: "AssumeRoleWithWebIdentity", method: "POST", path: "/",
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: Array(form.utf8), signed: false))
        let operation = "sts AssumeRoleWithWebIdentity"
        guard let root = try? XMLNode.parse(response.body), let credentials = root["AssumeRoleWithWebIdentityResult", "Credentials"],
              let accessKey = credentials.value("AccessKeyId"), let secret = credentials.value("SecretAccessKey") else {
            throw AWSClientError.invalidResponse(operation: operation, reason: "no AssumeRoleWithWebIdentityResult/Credentials in the answer")
        }
        return AWSCredentials(credentials: SigV4Credentials(accessKeyID: accessKey, secretAccessKey: secret,
                                                            sessionToken: credentials.value("SessionToken")),
                              expiration: credentials.value("Expiration").flatMap(parseISO8601), source: source)
    }
}
