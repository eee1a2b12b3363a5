import Foundation
import SigV4
import Testing
@testable import AWSClient

/// Builds the chain as `AWSClient.resolve` does, with every metadata request behind the loopback guard.
enum TestChain {
    static let dummy = StaticCredentialsProvider(AWSCredentials(credentials: SigV4Credentials(accessKeyID: "-", secretAccessKey: "-"), source: .explicit))

    static func provider(_ settings: AWSSettings = AWSSettings(region: "us-east-1"), _ environment: [String: String],
                         transport: (any HTTPTransport)? = nil, clock: @escaping @Sendable () -> Date = Date.init,
                         containerHost: String? = nil, refused: Locked<[String]> = Locked([]),
                         allowRefusals: Bool = false, log: Locked<[String]>? = nil) async throws -> any CredentialsProvider {
        var chain = try CredentialsChain(settings: settings, environment: environment, clock: clock)
        if let log { chain.logger = { line in log.withLock { $0.append(line) } } }
        chain.metadataTransport = { LoopbackOnlyTransport(timeout: $0, refused: refused, allowRefusals: allowRefusals) }
        chain.metadataSleep = { _ in }
        if let containerHost { chain.containerHost = containerHost }
        let bootstrap = AWSClient(credentials: dummy, region: try chain.region(),
                                  endpoints: try EndpointResolver(flag: nil, environment: environment),
                                  transport: transport ?? LoopbackOnlyTransport(timeout: 5, refused: refused),
                                  retry: RetryPolicy(maxAttempts: 1, sleep: { _ in }), clock: clock)
        return try await chain.provider(bootstrap: bootstrap)
    }
}

/// A clock the test moves.
final class TestClock: @unchecked Sendable {
    let now: Locked<Date>
    init(_ date: Date = Date()) { now = Locked(date) }
    func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { [now] in now.withLock { $0 } } }
}

enum Answers {
    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    static func metadataJSON(_ key: String, expiresIn seconds: TimeInterval = 3600, from now: Date = Date()) -> String {
        #"{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"\#(key)","SecretAccessKey":"secret-\#(key)","Token":"token-\#(key)","Expiration":"\#(iso(now.addingTimeInterval(seconds)))","AccountId":"123456789012"}"#
    }

    static func webIdentityXML(_ key: String, expiration: Date) -> String {
        """
        <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>
          <Credentials><AccessKeyId>\(key)</AccessKeyId><SecretAccessKey>secret-\(key)</SecretAccessKey>
          <SessionToken>token-\(key)</SessionToken><Expiration>\(iso(expiration))</Expiration></Credentials>
        </AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>
        """
    }

    static func assumeRoleXML(_ key: String) -> String {
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>\(key)</AccessKeyId><SecretAccessKey>secret-\(key)</SecretAccessKey><SessionToken>token-\(key)</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
    }

    /// Form fields of a query body.
    static func form(_ body: String) -> [String: String] {
        Dictionary(body.split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }, uniquingKeysWith: { $1 })
    }
}

/// Web identity and container credentials against real HTTP servers on 127.0.0.1.
@Suite("Credentials: web identity and container providers")
struct CredentialsProvidersTests {
    typealias Home = CredentialsTests.Home

    @Test func webIdentityFromTheEnvironmentCallsSTSUnsignedAndRereadsTheTokenOnRefresh() async throws {
        let clock = TestClock()
        let start = clock.function()
        let server = try LoopbackServer { request in
            let form = Answers.form(request.bodyText)
            return .xml(Answers.webIdentityXML(form["WebIdentityToken"] == "jwt-2" ? "ASIAWEB2" : "ASIAWEB1", expiration: start.addingTimeInterval(3600)))
        }
        let home = try Home()
        let tokenFile = try home.write("jwt-1\n", to: "token")
        let environment = home.environment.merging([
            "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci",
            "AWS_ROLE_SESSION_NAME": "ci-run", "AWS_ENDPOINT_URL_STS": server.url,
        ]) { $1 }
        let provider = try await TestChain.provider(AWSSettings(region: "eu-west-1"), environment, clock: clock.function)
        let first = try await provider.credentials()
        #expect(first.credentials == SigV4Credentials(accessKeyID: "ASIAWEB1", secretAccessKey: "secret-ASIAWEB1", sessionToken: "token-ASIAWEB1"))
        #expect(first.source.description == "web identity arn:aws:iam::123456789012:role/ci (AWS_WEB_IDENTITY_TOKEN_FILE)")
        let request = try #require(server.requests.first)
        #expect(request.method == "POST" && request.path == "/")
        #expect(request.headers["authorization"] == nil && request.headers["x-amz-security-token"] == nil)
        #expect(Answers.form(request.bodyText) == ["Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15",
                                                   "RoleArn": "arn:aws:iam::123456789012:role/ci", "RoleSessionName": "ci-run",
                                                   "WebIdentityToken": "jwt-1"])
        // EKS rotates the token file; the refresh 50 minutes later reads the new one.
        _ = try home.write("jwt-2", to: "token")
        clock.advance(50 * 60)
        #expect(try await provider.credentials().credentials.accessKeyID == "ASIAWEB2")
        #expect(server.requests.count == 2)
    }

    @Test func webIdentityFromTheProfileAndTheEnvironmentIgnoredWithProfileFlag() async throws {
        let server = try LoopbackServer { _ in .xml(Answers.webIdentityXML("ASIAPROFILE", expiration: Date().addingTimeInterval(3600))) }
        let home = try Home()
        let profileToken = try home.write("profile-jwt", to: "profile-token")
        _ = try home.write("[profile oidc]\nweb_identity_token_file = \(profileToken)\nrole_arn = arn:aws:iam::1:role/p\nrole_session_name = p-session\n", to: ".aws/config")
        let environment = home.environment.merging([
            "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/env-token", "AWS_ROLE_ARN": "arn:aws:iam::1:role/env",
            "AWS_ENDPOINT_URL_STS": server.url,
        ]) { $1 }
        let found = try await TestChain.provider(AWSSettings(profile: "oidc", region: "us-east-1"), environment).credentials()
        #expect(found.source.description == "web identity arn:aws:iam::1:role/p (profile oidc web_identity_token_file)")
        #expect(Answers.form(server.requests[0].bodyText)["WebIdentityToken"] == "profile-jwt")
        #expect(Answers.form(server.requests[0].bodyText)["RoleSessionName"] == "p-session")
    }

    @Test func webIdentityWithoutARoleIsAConfigurationError() async throws {
        let home = try Home()
        let token = try home.write("jwt", to: "token")
        await #expect { try await TestChain.provider(AWSSettings(region: "us-east-1"), home.environment.merging(["AWS_WEB_IDENTITY_TOKEN_FILE": token]) { $1 }) } throws: { error in
            "\(error)" == "web identity token file given by AWS_WEB_IDENTITY_TOKEN_FILE but no role: set AWS_ROLE_ARN or role_arn in profile 'default'"
        }
    }

    @Test func webIdentityRejectedBySTSSurfacesTheServiceError() async throws {
        let server = try LoopbackServer { _ in
            .xml("<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Couldn't retrieve verification key from your identity provider</Message></Error></ErrorResponse>", status: 400)
        }
        let home = try Home()
        let token = try home.write("jwt-secret-value", to: "token")
        let environment = home.environment.merging(["AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": "arn:aws:iam::1:role/r",
                                                    "AWS_ENDPOINT_URL_STS": server.url]) { $1 }
        await #expect { try await TestChain.provider(AWSSettings(region: "us-east-1"), environment) } throws: { error in
            "\(error)".hasPrefix("sts AssumeRoleWithWebIdentity: InvalidIdentityToken (HTTP 400)") && !"\(error)".contains("jwt-secret-value")
        }
    }

    @Test func containerFullURIWithAnAuthorizationTokenFileReadAgainOnRefresh() async throws {
        let clock = TestClock()
        let now = clock.function()
        let server = try LoopbackServer { request in
            switch request.headers["authorization"] {
            case "pod-token-1": .json(Answers.metadataJSON("ASIAPOD1", from: now))
            case "pod-token-2": .json(Answers.metadataJSON("ASIAPOD2", expiresIn: 7200, from: now))
            default: .json(#"{"Message":"unauthorized"}"#, status: 401)
            }
        }
        let home = try Home()
        let tokenFile = try home.write("pod-token-1\n", to: "eks-pod-identity-token")
        let environment = home.environment.merging(["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/v1/credentials",
                                                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
                                                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored-when-the-file-is-set"]) { $1 }
        let log = Locked<[String]>([])
        let provider = try await TestChain.provider(AWSSettings(region: "us-east-1"), environment, clock: clock.function, log: log)
        let first = try await provider.credentials()
        #expect(log.withLock { $0 } == ["→ GET \(server.url)/v1/credentials (container credentials, AWS_CONTAINER_CREDENTIALS_FULL_URI, attempt 1/3, with an Authorization token)",
                                        "← HTTP 200, \(Answers.metadataJSON("ASIAPOD1", from: now).utf8.count) bytes"])
        #expect(first.credentials == SigV4Credentials(accessKeyID: "ASIAPOD1", secretAccessKey: "secret-ASIAPOD1", sessionToken: "token-ASIAPOD1"))
        #expect(first.source.description == "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)")
        #expect(server.requests[0].method == "GET" && server.requests[0].path == "/v1/credentials")
        #expect(server.requests[0].headers["accept"] == "application/json")
        _ = try home.write("pod-token-2", to: "eks-pod-identity-token")
        clock.advance(50 * 60)
        #expect(try await provider.credentials().credentials.accessKeyID == "ASIAPOD2")
        #expect(server.requests.map { $0.headers["authorization"] } == ["pod-token-1", "pod-token-2"])
    }

    @Test func containerRelativeURIGoesToTheECSAddressWithTheTokenVariable() async throws {
        let server = try LoopbackServer { request in
            request.path == "/v2/credentials/abc?x=1" && request.headers["authorization"] == "ecs-token"
                ? .json(Answers.metadataJSON("ASIAECS")) : .json("{}", status: 404)
        }
        let home = try Home()
        let environment = home.environment.merging(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc?x=1",
                                                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9/ignored",
                                                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ecs-token"]) { $1 }
        // The SDKs fix the host to 169.254.170.2; here it points at the loopback server instead.
        #expect(ContainerCredentials.ecsHost == "169.254.170.2")
        let found = try await TestChain.provider(AWSSettings(region: "us-east-1"), environment,
                                                 containerHost: "127.0.0.1:\(server.port)").credentials()
        #expect(found.credentials.accessKeyID == "ASIAECS")
        #expect(found.source.description == "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)")
    }

    @Test(arguments: [
        ("http://169.254.170.23/v1/credentials", true), ("http://[fd00:ec2::23]/v1/credentials", true),
        ("http://169.254.170.2/creds", true), ("http://127.0.0.2:8080/creds", true), ("http://[::1]:80/c", true),
        ("http://localhost:1/c", true), ("https://creds.example.com/v1", true),
        ("http://169.254.169.254/latest", false), ("http://10.0.0.1/creds", false), ("http://creds.example.com/v1", false),
        ("ftp://127.0.0.1/c", false),
    ])
    func containerFullURIHosts(url: String, allowed: Bool) {
        #expect(((try? ContainerCredentials.validateFullURI(url)) != nil) == allowed, "\(url)")
    }

    @Test func containerFullURIOnAnotherHostIsRefusedBeforeAnyRequest() async throws {
        let home = try Home()
        await #expect { try await TestChain.provider(AWSSettings(region: "us-east-1"), home.environment.merging(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://10.1.2.3/creds"]) { $1 }) } throws: { error in
            "\(error)".hasPrefix("AWS_CONTAINER_CREDENTIALS_FULL_URI 'http://10.1.2.3/creds': plain http is allowed only to a loopback address or 169.254.170.2")
        }
    }

    @Test func containerFailureIsRetriedThreeTimesAndEndsTheSearch() async throws {
        let server = try LoopbackServer { _ in .json(#"{"Message":"bad token"}"#, status: 401) }
        let imds = try LoopbackServer { _ in .json("{}", status: 500) }
        let home = try Home()
        let environment = home.environment.merging(["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds",
                                                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "secret-bearer",
                                                    "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url]) { $1 }
        do {
            _ = try await TestChain.provider(AWSSettings(region: "us-east-1"), environment)
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.contains("  5. container credentials: GET \(server.url)/creds (AWS_CONTAINER_CREDENTIALS_FULL_URI) failed 3 times, last: HTTP 401: \"bad token\""), "\(text)")
            #expect(!text.contains("secret-bearer"))
        }
        #expect(server.requests.count == 3)
        #expect(imds.requests.isEmpty, "the instance metadata service comes after the container and is not asked")
    }

    @Test func aContainerErrorBodyIsQuotedAsOneShortSanitizedLine() async throws {
        let body = "upstream failed\n\u{1b}[31mred alert\u{7}\r\n" + String(repeating: "x", count: 300)
        let server = try LoopbackServer { _ in LoopbackServer.Response(status: 502, headers: ["Content-Type": "text/plain"], body: body) }
        let home = try Home()
        let environment = home.environment.merging(["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds"]) { $1 }
        await #expect { try await TestChain.provider(AWSSettings(region: "us-east-1"), environment) } throws: { error in
            let text = "\(error)"
            guard let line = text.split(separator: "\n").first(where: { $0.contains("container credentials: GET") }) else { return false }
            let quoted = line.components(separatedBy: "last: HTTP 502: ").last ?? ""
            return quoted.hasPrefix("\"upstream failed [31mred alert") && quoted.count <= 82
                && !text.contains("\u{1b}") && !text.contains("\u{7}") && !text.contains(String(repeating: "x", count: 100))
        }
        // A JSON document that is not an error (no Code or Message) is not quoted at all.
        #expect(ContainerCredentials.errorLine(Data(#"{"AccessKeyId":"AKIA","SecretAccessKey":"s3cr3t"}"#.utf8)) == "")
        #expect(ContainerCredentials.errorLine(Data(#"{"Code":"InvalidToken","Message":"bad\ntoken"}"#.utf8)) == "InvalidToken: bad token")
    }
}
