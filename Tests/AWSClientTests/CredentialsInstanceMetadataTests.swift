import Foundation
import SigV4
import Testing
@testable import AWSClient

/// IMDSv2 and `credential_source` against real HTTP servers on 127.0.0.1; the endpoint is always
/// set, and the transport guard fails any test that would reach 169.254.169.254.
@Suite("Credentials: EC2 instance metadata and credential_source")
struct CredentialsInstanceMetadataTests {
    typealias Home = CredentialsTests.Home

    /// A fake IMDS: token, role name, credentials; `tokenStatus` other than 200 refuses the token.
    static func imds(tokenStatus: Int = 200, delay: TimeInterval = 0, key: String = "ASIAIMDS",
                     also: (@Sendable (LoopbackServer.Request) -> LoopbackServer.Response?)? = nil) throws -> LoopbackServer {
        try LoopbackServer { request in
            if let answer = also?(request) { return answer }
            let tokenOK = request.headers["x-aws-ec2-metadata-token"] == "imds-session-token"
            let v1Allowed = tokenStatus != 200
            switch (request.method, request.path) {
            case ("PUT", "/latest/api/token"):
                guard request.headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600" else { return .json("", status: 400) }
                return LoopbackServer.Response(status: tokenStatus, body: tokenStatus == 200 ? "imds-session-token" : "", delay: delay)
            case ("GET", "/latest/meta-data/iam/security-credentials/"):
                if delay > 0 { return LoopbackServer.Response(status: 200, body: "ec2-role\n", delay: delay) }
                return tokenOK || v1Allowed ? LoopbackServer.Response(status: 200, body: "ec2-role\n", delay: delay) : .json("", status: 401)
            case ("GET", "/latest/meta-data/iam/security-credentials/ec2-role"):
                return tokenOK || v1Allowed ? .json(Answers.metadataJSON(key)) : .json("", status: 401)
            default:
                return .json("", status: 404)
            }
        }
    }

    static func environment(_ home: Home, _ extra: [String: String]) -> [String: String] {
        home.environment.merging(extra) { $1 }
    }

    @Test func imdsV2TokenThenRoleThenCredentials() async throws {
        let server = try Self.imds()
        let home = try Home()
        let log = Locked<[String]>([])
        let found = try await TestChain.provider(AWSSettings(region: "us-east-1"),
                                                 Self.environment(home, ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url + "/"]), log: log).credentials()
        #expect(log.withLock { $0 }.first == "→ PUT \(server.url)/latest/api/token (EC2 instance metadata, timeout 1.0 s)")
        #expect(log.withLock { $0 }.count == 6 && !log.withLock { $0 }.joined().contains("imds-session-token"))
        #expect(found.credentials == SigV4Credentials(accessKeyID: "ASIAIMDS", secretAccessKey: "secret-ASIAIMDS", sessionToken: "token-ASIAIMDS"))
        #expect(found.source.description == "EC2 instance metadata (IMDSv2, role ec2-role)")
        #expect(found.expiration.map { abs($0.timeIntervalSinceNow - 3600) < 10 } == true)
        #expect(server.requests.map { "\($0.method) \($0.path)" } == [
            "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
            "GET /latest/meta-data/iam/security-credentials/ec2-role",
        ])
        #expect(server.requests.dropFirst().allSatisfy { $0.headers["x-aws-ec2-metadata-token"] == "imds-session-token" })
    }

    @Test(arguments: [403, 404, 405])
    func imdsFallsBackToV1WhenTheTokenIsRefused(status: Int) async throws {
        let server = try Self.imds(tokenStatus: status)
        let home = try Home()
        let found = try await TestChain.provider(AWSSettings(region: "us-east-1"),
                                                 Self.environment(home, ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url])).credentials()
        #expect(found.source.description == "EC2 instance metadata (IMDSv1, role ec2-role)")
        #expect(server.requests.dropFirst().allSatisfy { $0.headers["x-aws-ec2-metadata-token"] == nil })
    }

    @Test func imdsV1CanBeDisabled() async throws {
        let server = try Self.imds(tokenStatus: 403)
        let home = try Home()
        let environment = Self.environment(home, ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url, "AWS_EC2_METADATA_V1_DISABLED": "true"])
        await #expect { try await TestChain.provider(AWSSettings(region: "us-east-1"), environment) } throws: { error in
            "\(error)".contains("6. EC2 instance metadata: no IMDSv2 token from \(server.url) and IMDSv1 is disabled (AWS_EC2_METADATA_V1_DISABLED)")
        }
        #expect(server.requests.count == 1)
    }

    @Test func imdsGivesUpAfterTheOneSecondTimeoutPerRequest() async throws {
        // The service answers only after 4 s; with the SDKs' 1 s timeout and 1 attempt the token
        // request times out, the IMDSv1 role request times out, and the chain reports it (without
        // the timeout the two requests alone would take 8 s).
        let server = try Self.imds(delay: 4)
        let home = try Home()
        let started = Date()
        await #expect { try await TestChain.provider(AWSSettings(region: "us-east-1"),
                                                     Self.environment(home, ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url])) } throws: { error in
            "\(error)".contains("EC2 instance metadata: GET \(server.url)/latest/meta-data/iam/security-credentials/ for the role name: timed out")
        }
        #expect(Date().timeIntervalSince(started) < 6, "two requests of about 1 s each, not the server's 4 s each")
        #expect(server.requests.map(\.method) == ["PUT", "GET"])
    }

    @Test func disabledMetadataSendsNothing() async throws {
        let server = try Self.imds()
        let home = try Home()
        let environment = Self.environment(home, ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url, "AWS_EC2_METADATA_DISABLED": "TRUE"])
        await #expect { try await TestChain.provider(AWSSettings(region: "us-east-1"), environment) } throws: { error in
            "\(error)".contains("6. EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED")
        }
        #expect(server.requests.isEmpty)
    }

    @Test func endpointModeSelectsTheAddressAndAnExplicitEndpointWins() throws {
        func endpoint(_ values: [String: String]) throws -> String? {
            try InstanceMetadata.settings { variable, _ in values[variable] }?.endpoint
        }
        #expect(try endpoint([:]) == "http://169.254.169.254")
        #expect(try endpoint(["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"]) == "http://[fd00:ec2::254]")
        #expect(try endpoint(["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "ipv4"]) == "http://169.254.169.254")
        #expect(try endpoint(["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1/"]) == "http://127.0.0.1:1")
        #expect(throws: AWSClientError.self) { try endpoint(["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "ipv5"]) }
        #expect(throws: AWSClientError.self) { try endpoint(["AWS_EC2_METADATA_SERVICE_ENDPOINT": "169.254.169.254"]) }
        let defaults = try #require(try InstanceMetadata.settings { _, _ in nil })
        #expect(defaults.timeout == 1 && defaults.attempts == 1 && defaults.allowV1)
    }

    @Test func theIPv6ModeFromTheProfileTargetsFd00Ec2_254AndTheGuardStopsIt() async throws {
        let home = try Home(config: "[default]\nec2_metadata_service_endpoint_mode = IPv6\n")
        let refused = Locked<[String]>([])
        var environment = home.environment
        environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = nil
        await #expect(throws: AWSClientError.self) {
            try await TestChain.provider(AWSSettings(region: "us-east-1"), environment, refused: refused, allowRefusals: true)
        }
        #expect(refused.withLock { $0 } == ["http://[fd00:ec2::254]/latest/api/token"])
    }

    @Test func credentialSourceEc2InstanceMetadataSignsAssumeRole() async throws {
        let server = try Self.imds { request in
            request.method == "POST" ? .xml(Answers.assumeRoleXML("ASIAROLE")) : nil
        }
        let home = try Home(config: "[profile deploy]\nrole_arn = arn:aws:iam::1:role/deploy\ncredential_source = ec2instancemetadata\nrole_session_name = s\n")
        let environment = Self.environment(home, ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url, "AWS_ENDPOINT_URL_STS": server.url])
        let found = try await TestChain.provider(AWSSettings(profile: "deploy", region: "us-east-1"), environment).credentials()
        #expect(found.credentials.accessKeyID == "ASIAROLE")
        #expect(found.source.description == "assume-role arn:aws:iam::1:role/deploy (profile deploy, credential_source Ec2InstanceMetadata)")
        let assume = try #require(server.requests.first { $0.method == "POST" })
        #expect(assume.headers["authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=ASIAIMDS/") == true)
        #expect(assume.headers["x-amz-security-token"] == "token-ASIAIMDS")
    }

    @Test func credentialSourceEnvironmentAndEcsContainer() async throws {
        let sts = try LoopbackServer { request in
            request.method == "POST" ? .xml(Answers.assumeRoleXML("ASIAFROM" + (request.headers["authorization"]?.contains("Credential=AKIAENV/") == true ? "ENV" : "ECS"))) : .json(Answers.metadataJSON("ASIAECS"))
        }
        let home = try Home(config: """
            [profile from-env]
            role_arn = arn:aws:iam::1:role/a
            credential_source = Environment
            [profile from-ecs]
            role_arn = arn:aws:iam::1:role/b
            credential_source = EcsContainer
            [profile both]
            role_arn = arn:aws:iam::1:role/c
            credential_source = Environment
            source_profile = from-env
            [profile wrong]
            role_arn = arn:aws:iam::1:role/d
            credential_source = Ec2Instance
            """)
        let base = Self.environment(home, ["AWS_ENDPOINT_URL_STS": sts.url, "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s",
                                           "AWS_CONTAINER_CREDENTIALS_FULL_URI": sts.url + "/creds"])
        // Environment serves as a credential_source even with --profile (which skips step 2).
        let fromEnv = try await TestChain.provider(AWSSettings(profile: "from-env", region: "us-east-1"), base).credentials()
        #expect(fromEnv.credentials.accessKeyID == "ASIAFROMENV")
        let fromECS = try await TestChain.provider(AWSSettings(profile: "from-ecs", region: "us-east-1"), base).credentials()
        #expect(fromECS.credentials.accessKeyID == "ASIAFROMECS")
        #expect(fromECS.source.description == "assume-role arn:aws:iam::1:role/b (profile from-ecs, credential_source EcsContainer)")
        await #expect { try await TestChain.provider(AWSSettings(profile: "both", region: "us-east-1"), base) } throws: { error in
            "\(error)" == "profile 'both': has both source_profile and credential_source: keep one of them"
        }
        await #expect { try await TestChain.provider(AWSSettings(profile: "wrong", region: "us-east-1"), base) } throws: { error in
            "\(error)" == "profile 'wrong': credential_source 'Ec2Instance' is not one of Environment, Ec2InstanceMetadata, EcsContainer"
        }
        var noKeys = base
        noKeys["AWS_ACCESS_KEY_ID"] = nil
        await #expect { try await TestChain.provider(AWSSettings(profile: "from-env", region: "us-east-1"), noKeys) } throws: { error in
            "\(error)".contains("profile 'from-env': credential_source Environment: environment: only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set")
                && "\(error)".contains("fix: make credentials available to credential_source Environment (export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
        }
    }

    @Test func roleChainsThroughSourceProfilesAndAWebIdentitySource() async throws {
        let server = try LoopbackServer { request in
            let form = Answers.form(request.bodyText)
            if form["Action"] == "AssumeRoleWithWebIdentity" {
                return .xml(Answers.webIdentityXML("ASIAWEB", expiration: Date().addingTimeInterval(3600)))
            }
            return .xml(Answers.assumeRoleXML("ASIA" + (form["RoleArn"]?.split(separator: "/").last.map(String.init)?.uppercased() ?? "")))
        }
        let home = try Home(credentials: "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n")
        let token = try home.write("jwt", to: "token")
        _ = try home.write("""
            [profile middle]
            role_arn = arn:aws:iam::1:role/middle
            source_profile = base
            [profile top]
            role_arn = arn:aws:iam::1:role/top
            source_profile = middle
            [profile oidc]
            role_arn = arn:aws:iam::1:role/oidc
            web_identity_token_file = \(token)
            [profile cross]
            role_arn = arn:aws:iam::2:role/cross
            source_profile = oidc
            [profile loop-a]
            role_arn = arn:aws:iam::1:role/a
            source_profile = loop-b
            [profile loop-b]
            role_arn = arn:aws:iam::1:role/b
            source_profile = loop-a
            """, to: ".aws/config")
        let environment = Self.environment(home, ["AWS_ENDPOINT_URL_STS": server.url])
        let top = try await TestChain.provider(AWSSettings(profile: "top", region: "us-east-1"), environment).credentials()
        #expect(top.credentials.accessKeyID == "ASIATOP")
        let calls = server.requests.map { ($0.headers["authorization"]?.components(separatedBy: "Credential=").last?.split(separator: "/").first.map(String.init) ?? "-", Answers.form($0.bodyText)["RoleArn"] ?? "") }
        #expect(calls.map(\.0) == ["AKIABASE", "ASIAMIDDLE"])
        #expect(calls.map(\.1) == ["arn:aws:iam::1:role/middle", "arn:aws:iam::1:role/top"])
        let cross = try await TestChain.provider(AWSSettings(profile: "cross", region: "us-east-1"), environment).credentials()
        #expect(cross.credentials.accessKeyID == "ASIACROSS")
        #expect(server.requests.suffix(2).map { Answers.form($0.bodyText)["Action"] } == ["AssumeRoleWithWebIdentity", "AssumeRole"])
        await #expect { try await TestChain.provider(AWSSettings(profile: "loop-a", region: "us-east-1"), environment) } throws: { error in
            "\(error)".hasPrefix("profile 'loop-b': source_profile loop loop-a → loop-b → loop-a")
        }
    }

    @Test func badSettingsNameWhereTheyCameFromAndTheRangeIsTheOneEnforced() async throws {
        // From the profile: the message names the profile key, not the variable that was never set.
        for (key, value, expected) in [
            ("metadata_service_timeout", "0.5", "metadata_service_timeout in profile 'default' '0.5': expected seconds from 1 to 60"),
            ("metadata_service_timeout", "61", "metadata_service_timeout in profile 'default' '61': expected seconds from 1 to 60"),
            ("metadata_service_num_attempts", "0", "metadata_service_num_attempts in profile 'default' '0': expected a whole number from 1 to 10"),
            ("ec2_metadata_service_endpoint_mode", "IPv5", "ec2_metadata_service_endpoint_mode in profile 'default' 'IPv5': expected IPv4 or IPv6"),
        ] {
            let home = try Home(config: "[default]\n\(key) = \(value)\n")
            await #expect { try await TestChain.provider(AWSSettings(region: "us-east-1"), Self.environment(home, [:])) } throws: { error in
                "\(error)" == expected
            }
        }
        let home = try Home(config: "[default]\nec2_metadata_service_endpoint = 169.254.169.254\n")
        var environment = home.environment
        environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = nil
        await #expect { try await TestChain.provider(AWSSettings(region: "us-east-1"), environment) } throws: { error in
            "\(error)".contains("in ec2_metadata_service_endpoint in profile 'default'")
        }
        // From the environment: the variable, which wins over the profile.
        await #expect { try await TestChain.provider(AWSSettings(region: "us-east-1"), Self.environment(try Home(config: "[default]\nmetadata_service_timeout = 2\n"), ["AWS_METADATA_SERVICE_TIMEOUT": "0"])) } throws: { error in
            "\(error)" == "AWS_METADATA_SERVICE_TIMEOUT '0': expected seconds from 1 to 60"
        }
        #expect(try InstanceMetadata.settings { variable, _ in variable == "AWS_METADATA_SERVICE_TIMEOUT" ? "1.5" : nil }?.timeout == 1.5)
    }
}
