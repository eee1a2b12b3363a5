import Foundation
import SigV4
import Testing
@testable import AWSClient

/// The credentials chain with temporary config files, scripts and fake STS / SSO servers.
@Suite("Credentials chain")
struct CredentialsTests {
    /// A temporary HOME with `.aws/credentials` and `.aws/config`.
    final class Home: @unchecked Sendable {
        let url: URL
        init(credentials: String? = nil, config: String? = nil) throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("slmstack-home-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url.appendingPathComponent(".aws/sso/cache"), withIntermediateDirectories: true)
            if let credentials { try credentials.write(to: url.appendingPathComponent(".aws/credentials"), atomically: true, encoding: .utf8) }
            if let config { try config.write(to: url.appendingPathComponent(".aws/config"), atomically: true, encoding: .utf8) }
        }
        deinit { try? FileManager.default.removeItem(at: url) }
        /// HOME, and an instance metadata endpoint on a closed loopback port, so that no test can
        /// reach 169.254.169.254 (the transport guard would fail it anyway).
        var environment: [String: String] { ["HOME": url.path, "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9"] }
        func write(_ text: String, to path: String, executable: Bool = false) throws -> String {
            let file = url.appendingPathComponent(path)
            try text.write(to: file, atomically: true, encoding: .utf8)
            if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path) }
            return file.path
        }
    }

    /// The chain's first credentials; AWS calls go to `transport`, metadata calls through the loopback guard.
    static func resolve(_ settings: AWSSettings = AWSSettings(region: "us-east-1"), _ environment: [String: String],
                        transport: FakeTransport = FakeTransport(responses: [.xml(500, "")])) async throws -> AWSCredentials {
        try await TestChain.provider(settings, environment, transport: transport).credentials()
    }

    @Test func explicitKeysWinOverEverything() async throws {
        let home = try Home(credentials: "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n")
        let found = try await Self.resolve(AWSSettings(region: "us-east-1", accessKeyID: "FLAGKEY", secretAccessKey: "flagsecret"),
                                           home.environment.merging(["AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret"]) { $1 })
        #expect(found.credentials.accessKeyID == "FLAGKEY" && found.source == .explicit)
    }

    @Test func environmentComesBeforeTheDefaultProfile() async throws {
        let home = try Home(credentials: "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n")
        let found = try await Self.resolve(AWSSettings(region: "us-east-1"), home.environment.merging(
            ["AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "envtoken"]) { $1 })
        #expect(found.credentials == SigV4Credentials(accessKeyID: "ENVKEY", secretAccessKey: "envsecret", sessionToken: "envtoken"))
        #expect(found.source.description == "environment (AWS_ACCESS_KEY_ID)")
    }

    @Test func profileFlagSkipsTheEnvironmentAndReadsTheCredentialsFile() async throws {
        let home = try Home(credentials: """
            # comment
            [default]
            aws_access_key_id = DEFAULTKEY
            aws_secret_access_key = defaultsecret
            [ml-sage]
            aws_access_key_id = SAGEKEY
            aws_secret_access_key = sagesecret ; trailing comment
            """)
        let found = try await Self.resolve(AWSSettings(profile: "ml-sage", region: "us-east-1"), home.environment.merging(
            ["AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret"]) { $1 })
        #expect(found.credentials.accessKeyID == "SAGEKEY" && found.credentials.secretAccessKey == "sagesecret")
        #expect(found.source.description == "profile ml-sage (credentials file)")
        // AWS_PROFILE picks the profile too, but then the environment keys still come first (AWS CLI order).
        let viaEnvironment = try await Self.resolve(AWSSettings(region: "us-east-1"), home.environment.merging(["AWS_PROFILE": "ml-sage"]) { $1 })
        #expect(viaEnvironment.credentials.accessKeyID == "SAGEKEY")
    }

    @Test func configFileProfilesAndCustomFileLocations() async throws {
        let home = try Home()
        let config = try home.write("[profile dev]\nregion = eu-north-1\naws_access_key_id = CFGKEY\naws_secret_access_key = cfgsecret\n", to: "my-config")
        let environment = home.environment.merging(["AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": home.url.path + "/none"]) { $1 }
        let chain = try CredentialsChain(settings: AWSSettings(profile: "dev"), environment: environment)
        #expect(try chain.region() == "eu-north-1")
        let found = try await Self.resolve(AWSSettings(profile: "dev"), environment)
        #expect(found.credentials.accessKeyID == "CFGKEY" && found.source.description == "profile dev (config file)")
    }

    @Test func regionOrder() throws {
        let home = try Home(config: "[default]\nregion = ap-south-1\n")
        func region(_ settings: AWSSettings, _ extra: [String: String]) throws -> String {
            try CredentialsChain(settings: settings, environment: home.environment.merging(extra) { $1 }).region()
        }
        #expect(try region(AWSSettings(region: "us-west-1"), ["AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-2"]) == "us-west-1")
        #expect(try region(AWSSettings(), ["AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-2"]) == "eu-west-1")
        #expect(try region(AWSSettings(), ["AWS_DEFAULT_REGION": "eu-west-2"]) == "eu-west-2")
        #expect(try region(AWSSettings(), [:]) == "ap-south-1")
        let empty = try Home()
        #expect(throws: AWSClientError.self) { try CredentialsChain(settings: AWSSettings(), environment: empty.environment).region() }
    }

    @Test func credentialProcessOutputIsUsedAndItsExpiryHonoured() async throws {
        let home = try Home()
        let future = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
        let script = try home.write("#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"PROCKEY\", \"SecretAccessKey\": \"procsecret\", \"SessionToken\": \"proctoken\", \"Expiration\": \"\(future)\"}'\n",
                                    to: "creds.sh", executable: true)
        _ = try home.write("[profile proc]\ncredential_process = \(script) --flag\n", to: ".aws/config")
        let found = try await Self.resolve(AWSSettings(profile: "proc", region: "us-east-1"), home.environment)
        #expect(found.credentials == SigV4Credentials(accessKeyID: "PROCKEY", secretAccessKey: "procsecret", sessionToken: "proctoken"))
        #expect(found.source.description == "profile proc (credential_process)")
        #expect(found.expiration.map { abs($0.timeIntervalSinceNow - 3600) < 5 } == true)

        let expired = try home.write("#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"K\", \"SecretAccessKey\": \"S\", \"Expiration\": \"2020-01-01T00:00:00Z\"}'\n",
                                     to: "old.sh", executable: true)
        _ = try home.write("[profile old]\ncredential_process = \(expired)\n[profile broken]\ncredential_process = /bin/false\n", to: ".aws/config")
        await #expect { try await Self.resolve(AWSSettings(profile: "old", region: "us-east-1"), home.environment) } throws: { error in
            "\(error)".contains("expired at 2020-01-01T00:00:00Z")
        }
        await #expect { try await Self.resolve(AWSSettings(profile: "broken", region: "us-east-1"), home.environment) } throws: { error in
            "\(error)".contains("credential_process of profile 'broken' failed: exit status 1")
        }
    }

    @Test func credentialProcessWithALotOfErrorOutputDoesNotHang() async throws {
        let home = try Home()
        // 256 KB on stderr before the JSON: more than a pipe holds, so reading stdout first would deadlock.
        let script = try home.write("#!/bin/sh\nhead -c 262144 /dev/zero | tr '\\0' x >&2\necho '{\"Version\": 1, \"AccessKeyId\": \"NOISY\", \"SecretAccessKey\": \"s\"}'\n",
                                    to: "noisy.sh", executable: true)
        _ = try home.write("[profile noisy]\ncredential_process = \(script)\n", to: ".aws/config")
        let found = try await Self.resolve(AWSSettings(profile: "noisy", region: "us-east-1"), home.environment)
        #expect(found.credentials.accessKeyID == "NOISY")
    }

    @Test func assumeRoleIsSignedWithTheSourceProfile() async throws {
        let home = try Home(credentials: "[base]\naws_access_key_id = BASEKEY\naws_secret_access_key = basesecret\n",
                            config: "[profile deployer]\nrole_arn = arn:aws:iam::111122223333:role/Deploy\nsource_profile = base\nrole_session_name = slm-test\nexternal_id = ext-1\nduration_seconds = 1800\nregion = eu-west-1\n")
        let transport = FakeTransport(responses: [.xml(200, """
            <AssumeRoleResponse><AssumeRoleResult><Credentials>
              <AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>rolesecret</SecretAccessKey>
              <SessionToken>roletoken</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>
            </Credentials></AssumeRoleResult></AssumeRoleResponse>
            """)])
        let found = try await Self.resolve(AWSSettings(profile: "deployer"), home.environment, transport: transport)
        #expect(found.credentials == SigV4Credentials(accessKeyID: "ASIAROLE", secretAccessKey: "rolesecret", sessionToken: "roletoken"))
        #expect(found.source.description == "assume-role arn:aws:iam::111122223333:role/Deploy (profile deployer)")
        let request = try #require(transport.requests.first)
        #expect(request.url == "https://sts.eu-west-1.amazonaws.com/")
        #expect(request.bodyText == "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FDeploy&RoleSessionName=slm-test&ExternalId=ext-1&DurationSeconds=1800")
        #expect(try Fixture.signatureIsValid(request, region: "eu-west-1", service: "sts",
                                             credentials: SigV4Credentials(accessKeyID: "BASEKEY", secretAccessKey: "basesecret")))
    }

    static let ssoConfig = """
        [profile sso-dev]
        sso_session = corp
        sso_account_id = 111122223333
        sso_role_name = Admin Role
        region = us-west-2
        [sso-session corp]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = eu-central-1
        """

    @Test func ssoReadsTheTokenCacheAndCallsGetRoleCredentials() async throws {
        let home = try Home(config: Self.ssoConfig)
        let cacheName = try SHA1.hexHash(Array("corp".utf8))
        _ = try home.write(#"{"accessToken": "sso-bearer", "expiresAt": "2099-01-01T00:00:00Z", "region": "eu-central-1"}"#,
                           to: ".aws/sso/cache/\(cacheName).json")
        let transport = FakeTransport(responses: [HTTPResponse(status: 200, headers: [:], body: Data(
            #"{"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"ssosecret","sessionToken":"ssotoken","expiration":4070908800000}}"#.utf8))])
        let found = try await Self.resolve(AWSSettings(profile: "sso-dev"), home.environment, transport: transport)
        #expect(found.credentials == SigV4Credentials(accessKeyID: "ASIASSO", secretAccessKey: "ssosecret", sessionToken: "ssotoken"))
        #expect(found.source.description == "sso (profile sso-dev)")
        #expect(found.expiration == Date(timeIntervalSince1970: 4_070_908_800))
        let request = try #require(transport.requests.first)
        #expect(request.method == "GET")
        #expect(request.url == "https://portal.sso.eu-central-1.amazonaws.com/federation/credentials?account_id=111122223333&role_name=Admin%20Role")
        #expect(request.header("x-amz-sso_bearer_token") == "sso-bearer")
        #expect(request.header("Authorization") == nil)
    }

    @Test func expiredSSOTokenGivesOneErrorWithTheLoginFix() async throws {
        let home = try Home(config: Self.ssoConfig)
        _ = try home.write(#"{"accessToken": "old", "expiresAt": "2020-01-01T00:00:00Z"}"#,
                           to: ".aws/sso/cache/\(try SHA1.hexHash(Array("corp".utf8))).json")
        do {
            _ = try await Self.resolve(AWSSettings(profile: "sso-dev"), home.environment)
            Issue.record("expected an error")
        } catch let error as AWSClientError {
            guard case .noCredentials(let tried, let fix) = error else { Issue.record("wrong error \(error)"); return }
            #expect(tried.count == 4)
            #expect(tried[2] == "web identity: profile 'sso-dev' has no web_identity_token_file")
            #expect(tried[3].contains("expired at 2020-01-01T00:00:00Z"))
            #expect(fix.contains("make sso-login PROFILE=sso-dev"))
        }
    }

    @Test func legacySSOProfileUsesTheStartURLForTheCacheName() async throws {
        let home = try Home(config: "[profile legacy]\nsso_start_url = https://old.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = R\n")
        do {
            _ = try await Self.resolve(AWSSettings(profile: "legacy", region: "us-east-1"), home.environment)
            Issue.record("expected an error")
        } catch {
            let name = try SHA1.hexHash(Array("https://old.awsapps.com/start".utf8))
            #expect("\(error)".contains(".aws/sso/cache/\(name).json not found"))
            #expect("\(error)".contains("make sso-login PROFILE=legacy"))
        }
    }

    @Test func nothingFoundListsEveryStepInOrder() async throws {
        let home = try Home(credentials: "[other]\naws_access_key_id = X\naws_secret_access_key = Y\n")
        do {
            _ = try await Self.resolve(AWSSettings(region: "us-east-1"), home.environment)
            Issue.record("expected an error")
        } catch {
            let lines = "\(error)".components(separatedBy: "\n")
            #expect(lines.count == 8, "\(error)")
            #expect(lines[0] == "no AWS credentials found; tried, in order:")
            #expect(lines[1] == "  1. explicit keys: none given")
            #expect(lines[2] == "  2. environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set")
            #expect(lines[3] == "  3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set and profile 'default' has no web_identity_token_file")
            #expect(lines[4].hasPrefix("  4. profile 'default': no [default] in "))
            #expect(lines[5] == "  5. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set")
            #expect(lines[6] == "  6. EC2 instance metadata: PUT http://127.0.0.1:9/latest/api/token: connection refused after 1 attempt (not on EC2?)")
            #expect(lines[7].hasPrefix("fix: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"))
            #expect(!"\(error)".contains("Y\n") && !"\(error)".hasSuffix("."))
        }
    }

    @Test func sha1MatchesTheKnownVector() throws {
        #expect(try SHA1.hexHash(Array("abc".utf8)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

}
