import Foundation
import SigV4
import Testing
@testable import AWSClient

/// `--endpoint-url` is for the command's own calls. The calls that find credentials carry web
/// identity tokens, SSO bearer tokens and OIDC client secrets: they go to `AWS_ENDPOINT_URL_<SERVICE>`,
/// `AWS_ENDPOINT_URL` or AWS's host, as the AWS CLI sends them. The transport is a fake: nothing
/// leaves the process.
@Suite("Credential calls never go to --endpoint-url")
struct CredentialEndpointTests {
    typealias Home = CredentialsTests.Home
    static let flag = "http://127.0.0.1:4566"
    static let roleCredentials = #"{"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"s","sessionToken":"t","expiration":4070908800000}}"#

    /// STS, SSO OIDC, the SSO portal and GetCallerIdentity, whatever the host.
    static func transport() -> FakeTransport {
        FakeTransport { request, _ in
            let body = request.bodyText
            if body.hasPrefix("Action=AssumeRoleWithWebIdentity&") {
                return .xml(200, Answers.webIdentityXML("ASIAWEB", expiration: Date().addingTimeInterval(3600)))
            }
            if body.hasPrefix("Action=AssumeRole&") { return .xml(200, Answers.assumeRoleXML("ASIAROLE")) }
            if request.url.contains("/federation/credentials") { return .json(200, Self.roleCredentials) }
            if request.url.hasSuffix("/token") { return .json(200, #"{"accessToken":"fresh-access","expiresIn":28800,"tokenType":"Bearer"}"#) }
            return .xml(200, Fixture.identityXML)
        }
    }

    /// Resolves a client with `--endpoint-url` and makes one call with it; the requests in order.
    static func requests(_ environment: [String: String], profile: String? = nil) async throws -> [HTTPRequest] {
        let transport = Self.transport()
        let client = try await AWSClient.resolve(AWSSettings(profile: profile, region: "us-east-1", endpointURL: Self.flag),
                                                 environment: environment, transport: transport)
        _ = try await client.getCallerIdentity()
        let requests = transport.requests
        #expect(requests.last?.url == Self.flag + "/", "the command's own call goes to --endpoint-url")
        return requests
    }

    @Test func webIdentityGoesToTheConfiguredSTSNotTheFlag() async throws {
        let home = try Home()
        let tokenFile = try home.write("jwt-secret-token", to: "token")
        let environment = home.environment.merging(["AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci"]) { $1 }
        let standard = try await Self.requests(environment)
        #expect(standard.count == 2 && standard[0].url == "https://sts.us-east-1.amazonaws.com/")
        #expect(!standard.contains { $0.url.hasPrefix(Self.flag) && $0.bodyText.contains("jwt-secret-token") })
        // The environment's endpoints do apply to credential calls, the per-service one first.
        let global = try await Self.requests(environment.merging(["AWS_ENDPOINT_URL": "http://127.0.0.1:5001"]) { $1 })
        #expect(global[0].url == "http://127.0.0.1:5001/" && global[0].bodyText.contains("jwt-secret-token"))
        let perService = try await Self.requests(environment.merging(["AWS_ENDPOINT_URL": "http://127.0.0.1:5001",
                                                                      "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:5002"]) { $1 })
        #expect(perService[0].url == "http://127.0.0.1:5002/")
    }

    @Test func ssoTokenRefreshAndThePortalGoToAWSNotTheFlag() async throws {
        let home = try Home(config: CredentialsRefreshTests.config)
        _ = try CredentialsRefreshTests.cache(home, expiresIn: 5 * 60)  // refreshed first: clientSecret and refreshToken sent
        let requests = try await Self.requests(home.environment, profile: "sso-dev")
        #expect(requests.map { URLComponents(string: $0.url)?.host ?? "" }
                == ["oidc.eu-central-1.amazonaws.com", "portal.sso.eu-central-1.amazonaws.com", "127.0.0.1"])
        let toFlag = requests.filter { $0.url.hasPrefix(Self.flag) }
        #expect(toFlag.count == 1 && toFlag.allSatisfy { $0.header("x-amz-sso_bearer_token") == nil && !$0.bodyText.contains("client-secret-1") })
    }

    @Test func assumeRoleGoesToTheConfiguredSTSNotTheFlag() async throws {
        let home = try Home(credentials: "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = basesecret\n",
                            config: "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\n")
        let requests = try await Self.requests(home.environment, profile: "dev")
        #expect(requests.map(\.url) == ["https://sts.us-east-1.amazonaws.com/", Self.flag + "/"])
        #expect(requests[1].header("Authorization")?.contains("Credential=ASIAROLE/") == true)
    }
}
