import Foundation
import SigV4

extension AWSService {
    /// IAM Identity Center OIDC (CreateToken), REST-JSON, host `oidc.{region}`; called unsigned.
    public static let ssoOIDC = AWSService(id: "SSO OIDC", endpointPrefix: "oidc", signingName: "sso-oauth", apiVersion: "2019-06-10")
}

/// Step 5 of the chain: IAM Identity Center (SSO).
///
/// The access token comes from the cache `aws sso login` writes (`~/.aws/sso/cache/<sha1>.json`,
/// named after the `sso_session` name, or the start URL for a legacy profile). For an
/// `sso_session` profile, a token with less than 15 minutes left is refreshed as botocore's
/// `SSOTokenProvider` does: SSO OIDC CreateToken with `grantType=refresh_token` and the cached
/// `refreshToken`, `clientId` and `clientSecret` (while `registrationExpiresAt` is ahead), and the
/// new token is written back to the cache. The role credentials come from the portal's
/// GetRoleCredentials; each refresh of them reads (and if needed refreshes) the token again.
extension CredentialsChain {
    /// Seconds before expiry when the cached SSO token is refreshed (botocore's `_REFRESH_WINDOW`).
    static let ssoTokenRefreshWindow: TimeInterval = 15 * 60

    func ssoProvider(_ name: String, settings settingOf: (String) -> String?, bootstrap: AWSClient,
                     tried: inout [String], fix: inout String) async throws -> (any CredentialsProvider)? {
        var startURL = settingOf("sso_start_url")
        var ssoRegion = settingOf("sso_region")
        var cacheKey = startURL
        var sessionName: String?
        if let session = settingOf("sso_session") {
            guard let section = files.ssoSession(session) else {
                throw AWSClientError.invalidConfiguration("profile '\(name)': sso_session '\(session)' has no [sso-session \(session)] section in \(files.configPath)")
            }
            startURL = section["sso_start_url"] ?? startURL
            ssoRegion = section["sso_region"] ?? ssoRegion
            cacheKey = session
            sessionName = session
        }
        guard let accountID = settingOf("sso_account_id"), let roleName = settingOf("sso_role_name"),
              let ssoRegion, let startURL, let cacheKey else {
            throw AWSClientError.invalidConfiguration("profile '\(name)': an SSO profile needs sso_start_url and sso_region (or an sso_session with them), sso_account_id and sso_role_name")
        }
        let cache = SSOTokenCache(path: files.home + "/.aws/sso/cache/" + (try SHA1.hexHash(Array(cacheKey.utf8))) + ".json",
                                  startURL: startURL, region: ssoRegion, refreshable: sessionName != nil)
        fix = "log in again: make sso-login PROFILE=\(name) (or aws sso login --profile \(name))"
        let client = bootstrap.with(credentials: bootstrap.credentialsProvider, region: ssoRegion)
        let clock = self.clock
        let loginFix = fix
        let fetch: @Sendable () async throws -> AWSCredentials = {
            let accessToken: String
            do {
                accessToken = try await cache.accessToken(client: client, now: clock())
            } catch let problem as SSOTokenCache.Problem {
                throw AWSClientError.noCredentials(tried: ["profile '\(name)': \(problem.reason)"], fix: loginFix)
            }
            let response = try await client.send(AWSRequest(
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
        } catch AWSClientError.noCredentials(let lines, let fix) {
            throw AWSClientError.noCredentials(tried: tried + lines, fix: fix)
        } catch AWSClientError.service(let error) where error.httpStatus == 401 || error.code == "UnauthorizedException" {
            throw AWSClientError.noCredentials(tried: tried + ["profile '\(name)': the SSO portal rejected the cached token (\(error.code))"], fix: fix)
        }
    }
}

/// One SSO token cache file: reads it, refreshes the token through SSO OIDC, writes it back.
struct SSOTokenCache: Sendable {
    /// Why no usable token was found (becomes a line of `noCredentials`).
    struct Problem: Error { var reason: String }

    let path: String
    let startURL: String
    let region: String
    /// Only `sso_session` profiles carry a refreshable token (botocore refreshes only those).
    let refreshable: Bool

    /// A token that is valid now, refreshed first when it has less than 15 minutes left and can be.
    func accessToken(client: AWSClient, now: Date) async throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(reason: "SSO token cache \(path) not found (not logged in)")
        }
        guard let token = try? JSONValue.parse(data), let accessToken = token["accessToken"]?.string,
              let expiresText = token["expiresAt"]?.string, let expiresAt = parseISO8601(expiresText) else {
            throw Problem(reason: "SSO token cache \(path) has no accessToken/expiresAt")
        }
        if expiresAt.timeIntervalSince(now) < CredentialsChain.ssoTokenRefreshWindow, refreshable {
            do {
                if let fresh = try await refreshed(token, client: client, now: now) { return fresh }
            } catch where expiresAt > now {
                // A failed refresh (network, a bad answer, a cache that cannot be written) does not
                // end a token that still has time left; the portal decides whether it is still
                // good. botocore/tokens.py goes part of the way: `_refresh_access_token` ignores
                // ClientError, and `DeferredRefreshableToken._protected_refresh` any error in the
                // advisory window (15 to 10 minutes left); here any error, until expiry.
            }
        }
        guard expiresAt > now else {
            let why = refreshable ? "" : " (a legacy sso_start_url profile cannot refresh it: use an sso_session)"
            throw Problem(reason: "SSO token in \(path) expired at \(expiresText)\(why)")
        }
        return accessToken
    }

    /// SSO OIDC CreateToken with the refresh token; nil when the cache cannot refresh or the call
    /// is refused (the cached token is then used while it lasts, as botocore does). Other failures
    /// are thrown; `accessToken(client:now:)` ignores them too while the cached token lasts.
    private func refreshed(_ token: JSONValue, client: AWSClient, now: Date) async throws -> String? {
        guard let refreshToken = token["refreshToken"]?.string, let clientID = token["clientId"]?.string,
              let clientSecret = token["clientSecret"]?.string,
              let registrationText = token["registrationExpiresAt"]?.string,
              let registrationExpiresAt = parseISO8601(registrationText), registrationExpiresAt > now else {
            return nil
        }
        let body = JSONValue.object(["clientId": .string(clientID), "clientSecret": .string(clientSecret),
                                     "grantType": .string("refresh_token"), "refreshToken": .string(refreshToken)])
        let answer: JSONValue
        do {
            let response = try await client.send(AWSRequest(
                service: .ssoOIDC, operation: "CreateToken", method: "POST", path: "/token",
                headers: [("Content-Type", "application/json")], body: body.encoded(), signed: false))
            answer = try AWSClient.decodeJSON(response, operation: "sso-oidc CreateToken")
        } catch AWSClientError.service {
            return nil
        }
        guard let accessToken = answer["accessToken"]?.string, let expiresIn = answer["expiresIn"]?.number else {
            throw AWSClientError.invalidResponse(operation: "sso-oidc CreateToken", reason: "no accessToken/expiresIn in the answer")
        }
        var members = token.object ?? [:]
        members["startUrl"] = .string(startURL)
        members["region"] = .string(region)
        members["accessToken"] = .string(accessToken)
        members["expiresAt"] = .string(Self.timestamp(now.addingTimeInterval(expiresIn)))
        if let next = answer["refreshToken"]?.string { members["refreshToken"] = .string(next) }
        try write(JSONValue.object(members))
        return accessToken
    }

    /// Replaces the cache file atomically, readable by its owner only (it holds secrets).
    private func write(_ value: JSONValue) throws {
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(value.encoded()), attributes: [.posixPermissions: 0o600]) else {
            throw AWSClientError.invalidConfiguration("cannot write the refreshed SSO token to \(temporary): check the permissions of \((path as NSString).deletingLastPathComponent)")
        }
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw AWSClientError.invalidConfiguration("cannot replace \(path) with the refreshed SSO token: check its permissions")
        }
    }

    /// `2026-01-02T03:04:05Z`, the format botocore writes.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
