import Foundation
import SigV4
import Testing
@testable import AWSClient

/// Refresh before expiry: the shared refreshing provider, and the SSO token refresh through SSO OIDC.
@Suite("Credentials: refresh")
struct CredentialsRefreshTests {
    typealias Home = CredentialsTests.Home

    /// A provider whose fetch counts calls and returns credentials expiring an hour after `clock`.
    static func counting(_ clock: TestClock, fail: Locked<Bool> = Locked(false), pause: UInt64 = 0) -> (RefreshingCredentialsProvider, Locked<Int>) {
        let fetches = Locked(0)
        let now = clock.function
        let provider = RefreshingCredentialsProvider(initial: nil, clock: now) {
            let count = fetches.withLock { $0 += 1; return $0 }
            if pause > 0 { try await Task.sleep(nanoseconds: pause) }
            if fail.withLock({ $0 }) { throw AWSClientError.invalidResponse(operation: "test", reason: "refresh failed") }
            return AWSCredentials(credentials: SigV4Credentials(accessKeyID: "K\(count)", secretAccessKey: "S"),
                                  expiration: now().addingTimeInterval(3600), source: .explicit)
        }
        return (provider, fetches)
    }

    @Test func windowsAreFifteenMinutesAdvisoryAndTenMandatory() async throws {
        #expect(RefreshingCredentialsProvider.advisoryWindow == 900 && RefreshingCredentialsProvider.mandatoryWindow == 600)
        let clock = TestClock()
        let fail = Locked(false)
        let (provider, fetches) = Self.counting(clock, fail: fail)
        #expect(try await provider.credentials().credentials.accessKeyID == "K1")
        clock.advance(44 * 60) // 16 minutes left: cached
        #expect(try await provider.credentials().credentials.accessKeyID == "K1")
        #expect(fetches.withLock { $0 } == 1)
        // 12 minutes left (advisory): a failed refresh is ignored and the cached credentials are used.
        clock.advance(4 * 60)
        fail.withLock { $0 = true }
        #expect(try await provider.credentials().credentials.accessKeyID == "K1")
        #expect(fetches.withLock { $0 } == 2)
        // Within a minute of that attempt, nothing is fetched again.
        clock.advance(30)
        #expect(try await provider.credentials().credentials.accessKeyID == "K1")
        #expect(fetches.withLock { $0 } == 2)
        // 9 minutes left (mandatory): the failure reaches the caller.
        clock.advance(150)
        await #expect(throws: AWSClientError.self) { try await provider.credentials() }
        fail.withLock { $0 = false }
        clock.advance(61)
        #expect(try await provider.credentials().credentials.accessKeyID == "K4")
    }

    @Test func concurrentCallersShareOneFetch() async throws {
        let clock = TestClock()
        let (provider, fetches) = Self.counting(clock, pause: 200_000_000)
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<40 { group.addTask { try await provider.credentials().credentials.accessKeyID } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(keys) == ["K1"] && fetches.withLock { $0 } == 1)
        clock.advance(55 * 60) // 5 minutes left: mandatory, every caller waits for the same refresh
        let after = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<40 { group.addTask { try await provider.credentials().credentials.accessKeyID } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(after) == ["K2"] && fetches.withLock { $0 } == 2)
    }

    @Test func credentialsWithoutExpiryAreNeverFetchedAgain() async throws {
        let fetches = Locked(0)
        let provider = RefreshingCredentialsProvider(initial: nil) {
            fetches.withLock { $0 += 1 }
            return AWSCredentials(credentials: SigV4Credentials(accessKeyID: "K", secretAccessKey: "S"), source: .explicit)
        }
        for _ in 0..<3 { _ = try await provider.credentials() }
        #expect(fetches.withLock { $0 } == 1)
    }

    // MARK: SSO

    static let config = """
        [profile sso-dev]
        sso_session = corp
        sso_account_id = 111122223333
        sso_role_name = Admin
        region = us-west-2
        [sso-session corp]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = eu-central-1
        """

    /// A fake SSO OIDC (`POST /token`) and portal (`GET /federation/credentials`) in one server.
    static func ssoServer(oidcStatus: Int = 200, oidcBody: String? = nil) throws -> LoopbackServer {
        try LoopbackServer { request in
            if request.method == "POST", request.path == "/token" {
                guard oidcStatus == 200 else { return .json(#"{"error":"invalid_grant"}"#, status: oidcStatus) }
                if let oidcBody { return .json(oidcBody) }
                return .json(#"{"accessToken":"fresh-access","expiresIn":28800,"refreshToken":"next-refresh","tokenType":"Bearer"}"#)
            }
            let key = request.headers["x-amz-sso_bearer_token"] == "fresh-access" ? "ASIAFRESH" : "ASIACACHED"
            return .json(#"{"roleCredentials":{"accessKeyId":"\#(key)","secretAccessKey":"s","sessionToken":"t","expiration":4070908800000}}"#)
        }
    }

    static func cache(_ home: Home, expiresIn seconds: TimeInterval, registrationExpiresIn registration: TimeInterval = 86400 * 30) throws -> String {
        let now = Date()
        return try home.write("""
            {"startUrl": "https://corp.awsapps.com/start", "region": "eu-central-1", "accessToken": "cached-access",
             "expiresAt": "\(Answers.iso(now.addingTimeInterval(seconds)))", "clientId": "client-1", "clientSecret": "client-secret-1",
             "registrationExpiresAt": "\(Answers.iso(now.addingTimeInterval(registration)))", "refreshToken": "refresh-1"}
            """, to: ".aws/sso/cache/\(try SHA1.hexHash(Array("corp".utf8))).json")
    }

    @Test func ssoTokenNearExpiryIsRefreshedThroughOIDCAndWrittenBack() async throws {
        let server = try Self.ssoServer()
        let home = try Home(config: Self.config)
        let cacheFile = try Self.cache(home, expiresIn: 5 * 60)
        let environment = home.environment.merging(["AWS_ENDPOINT_URL_SSO_OIDC": server.url, "AWS_ENDPOINT_URL_SSO": server.url]) { $1 }
        let found = try await TestChain.provider(AWSSettings(profile: "sso-dev"), environment).credentials()
        #expect(found.credentials.accessKeyID == "ASIAFRESH" && found.source.description == "sso (profile sso-dev)")
        let create = try #require(server.requests.first)
        #expect(create.method == "POST" && create.path == "/token" && create.headers["authorization"] == nil)
        #expect(try JSONValue.parse(create.body) == JSONValue.parse(Data(#"{"clientId":"client-1","clientSecret":"client-secret-1","grantType":"refresh_token","refreshToken":"refresh-1"}"#.utf8)))
        let written = try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: cacheFile)))
        #expect(written["accessToken"]?.string == "fresh-access" && written["refreshToken"]?.string == "next-refresh")
        #expect(written["clientId"]?.string == "client-1" && written["startUrl"]?.string == "https://corp.awsapps.com/start")
        let expiresAt = try #require(written["expiresAt"]?.string.flatMap(parseISO8601))
        #expect(abs(expiresAt.timeIntervalSinceNow - 28800) < 10)
        let mode = try FileManager.default.attributesOfItem(atPath: cacheFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func ssoTokenWithTimeLeftIsNotRefreshed() async throws {
        let server = try Self.ssoServer()
        let home = try Home(config: Self.config)
        _ = try Self.cache(home, expiresIn: 3600)
        let environment = home.environment.merging(["AWS_ENDPOINT_URL_SSO_OIDC": server.url, "AWS_ENDPOINT_URL_SSO": server.url]) { $1 }
        let found = try await TestChain.provider(AWSSettings(profile: "sso-dev"), environment).credentials()
        #expect(found.credentials.accessKeyID == "ASIACACHED")
        #expect(server.requests.map(\.path) == ["/federation/credentials?account_id=111122223333&role_name=Admin"])
    }

    @Test func refusedRefreshKeepsAValidTokenAndReportsAnExpiredOne() async throws {
        let server = try Self.ssoServer(oidcStatus: 400)
        let home = try Home(config: Self.config)
        let environment = home.environment.merging(["AWS_ENDPOINT_URL_SSO_OIDC": server.url, "AWS_ENDPOINT_URL_SSO": server.url]) { $1 }
        _ = try Self.cache(home, expiresIn: 5 * 60)
        #expect(try await TestChain.provider(AWSSettings(profile: "sso-dev"), environment).credentials().credentials.accessKeyID == "ASIACACHED")
        _ = try Self.cache(home, expiresIn: -60)
        await #expect { try await TestChain.provider(AWSSettings(profile: "sso-dev"), environment) } throws: { error in
            "\(error)".contains("SSO token in ") && "\(error)".contains("fix: log in again: make sso-login PROFILE=sso-dev")
        }
        // An expired client registration is not used for a refresh at all.
        _ = try Self.cache(home, expiresIn: -60, registrationExpiresIn: -1)
        let before = server.requests.count
        await #expect(throws: AWSClientError.self) { try await TestChain.provider(AWSSettings(profile: "sso-dev"), environment) }
        #expect(server.requests.count == before)
    }

    @Test func aFailedRefreshOfAnyKindKeepsATokenWithTimeLeft() async throws {
        // A bad answer (200 without accessToken) and no answer at all (a closed port) alike.
        let server = try Self.ssoServer(oidcBody: #"{"unexpected":true}"#)
        let home = try Home(config: Self.config)
        for oidc in [server.url, "http://127.0.0.1:9"] {
            let environment = home.environment.merging(["AWS_ENDPOINT_URL_SSO_OIDC": oidc, "AWS_ENDPOINT_URL_SSO": server.url]) { $1 }
            let cacheFile = try Self.cache(home, expiresIn: 5 * 60)
            let found = try await TestChain.provider(AWSSettings(profile: "sso-dev"), environment).credentials()
            #expect(found.credentials.accessKeyID == "ASIACACHED", "refresh through \(oidc)")
            let kept = try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: cacheFile)))
            #expect(kept["accessToken"]?.string == "cached-access" && kept["refreshToken"]?.string == "refresh-1")
            // Once the token has expired, the failure is the answer.
            _ = try Self.cache(home, expiresIn: -60)
            await #expect(throws: AWSClientError.self) { try await TestChain.provider(AWSSettings(profile: "sso-dev"), environment) }
        }
        #expect(server.requests.filter { $0.path == "/token" }.count == 2)
    }
}
