import Foundation
import Testing
@testable import SigV4

/// Every case of the aws-c-auth v4 suite (header and presigned-query signing) and of botocore's
/// aws4_testsuite, read from the vendored `Tests/Fixtures/sigv4-suite` at test time.
@Suite("SigV4 test suites", .enabled(if: SuiteFiles.available, "Tests/Fixtures/sigv4-suite is missing"))
struct SuiteTests {
    struct Context: Decodable {
        struct Credentials: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }
        var credentials: Credentials
        var expiration_in_seconds: Int?
        var normalize: Bool?
        var region: String
        var service: String
        var sign_body: Bool?
        var timestamp: String
        var omit_session_token: Bool?
    }

    static func load(_ name: String) throws -> (Context, RawRequest, URL) {
        let dir = SuiteFiles.suiteRoot.appendingPathComponent("aws-c-auth/v4/\(name)")
        let context = try JSONDecoder().decode(Context.self, from: Data(contentsOf: dir.appendingPathComponent("context.json")))
        let request = RawRequest(try SuiteFiles.text(dir.appendingPathComponent("request.txt")))
        return (context, request, dir)
    }

    static func sign(_ context: Context, _ raw: RawRequest, mode: SigV4Mode) throws -> SigV4Result {
        let credentials = SigV4Credentials(accessKeyID: context.credentials.access_key_id,
                                           secretAccessKey: context.credentials.secret_access_key,
                                           sessionToken: context.credentials.token)
        var options = SigV4Options(normalizePath: context.normalize ?? true,
                                   omitSessionToken: context.omit_session_token ?? false)
        // sign_body: a signed x-amz-content-sha256 header, in header mode only (presigned URLs do not carry it).
        if mode == .header { options.addContentSHA256Header = context.sign_body ?? false }
        return try SigV4Signer(credentials: credentials).sign(
            SigV4Request(method: raw.method, url: raw.url, headers: raw.headers, body: raw.body),
            region: context.region, service: context.service,
            time: try SigningTime(parsing: context.timestamp), mode: mode, options: options)
    }

    @Test("aws-c-auth v4, header signing", arguments: SuiteFiles.cAuthCases)
    func cAuthHeader(name: String) throws {
        let (context, raw, dir) = try Self.load(name)
        let result = try Self.sign(context, raw, mode: .header)
        #expect(result.canonicalRequest == (try SuiteFiles.text(dir.appendingPathComponent("header-canonical-request.txt"))))
        #expect(result.stringToSign == (try SuiteFiles.text(dir.appendingPathComponent("header-string-to-sign.txt"))))
        #expect(result.signature == (try SuiteFiles.text(dir.appendingPathComponent("header-signature.txt"))).trimmingCharacters(in: .whitespacesAndNewlines))
        // The signed request: the same headers (names case-folded, values trimmed), which covers
        // Authorization, X-Amz-Date, the security token and x-amz-content-sha256.
        let signed = RawRequest(try SuiteFiles.text(dir.appendingPathComponent("header-signed-request.txt")))
        func normalised(_ headers: [(name: String, value: String)]) -> [String] {
            headers.map { $0.name.lowercased() + ":" + String(decoding: SigV4Signer.trimAll($0.value), as: UTF8.self) }.sorted()
        }
        #expect(normalised(result.headers) == normalised(signed.headers))
        #expect(result.authorization == signed.header("Authorization")?.trimmingCharacters(in: .whitespaces))
    }

    @Test("aws-c-auth v4, presigned query signing", arguments: SuiteFiles.cAuthCases)
    func cAuthQuery(name: String) throws {
        let (context, raw, dir) = try Self.load(name)
        let result = try Self.sign(context, raw, mode: .query(expires: context.expiration_in_seconds ?? 3600))
        #expect(result.canonicalRequest == (try SuiteFiles.text(dir.appendingPathComponent("query-canonical-request.txt"))))
        #expect(result.stringToSign == (try SuiteFiles.text(dir.appendingPathComponent("query-string-to-sign.txt"))))
        #expect(result.signature == (try SuiteFiles.text(dir.appendingPathComponent("query-signature.txt"))).trimmingCharacters(in: .whitespacesAndNewlines))
        // The presigned URL: the same parameters (the expected file orders them differently; only
        // the sorted canonical form is signed, so order is not significant).
        let signed = RawRequest(try SuiteFiles.text(dir.appendingPathComponent("query-signed-request.txt")))
        let expectedQuery = signed.target.split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
        let gotQuery = result.url.split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
        #expect(decodedQuery(gotQuery) == decodedQuery(expectedQuery))
        #expect(result.headers.count == raw.headers.count)
    }

    @Test("botocore aws4_testsuite", arguments: SuiteFiles.botocoreCases)
    func botocore(path: String) throws {
        let base = SuiteFiles.suiteRoot.appendingPathComponent("botocore/aws4_testsuite/\(path)")
        func file(_ ext: String) throws -> String { try SuiteFiles.text(base.appendingPathExtension(ext)) }
        let raw = RawRequest(try file("req"))
        let signedRequest = RawRequest(try file("sreq"))
        // The token is an input the suite keeps only in the signed request: get-vanilla-with-session-token
        // signs it; post-sts-header-after (see post-sts-token/readme.txt) adds it after signing.
        var token: String?
        var omit = false
        if raw.header("X-Amz-Security-Token") == nil, let sent = signedRequest.header("X-Amz-Security-Token") {
            token = sent
            omit = path.hasSuffix("post-sts-header-after")
        }
        let signer = SigV4Signer(credentials: SigV4Credentials(accessKeyID: SuiteFiles.accessKey,
                                                               secretAccessKey: SuiteFiles.secretKey, sessionToken: token))
        let result = try signer.sign(SigV4Request(method: raw.method, url: raw.url, headers: raw.headers, body: raw.body),
                                     region: "us-east-1", service: "service",
                                     time: try SigningTime(parsing: "20150830T123600Z"),
                                     options: SigV4Options(omitSessionToken: omit))
        #expect(result.canonicalRequest == (try file("creq")))
        #expect(result.stringToSign == (try file("sts")))
        #expect(result.authorization == (try file("authz")).trimmingCharacters(in: .whitespacesAndNewlines))
        let expectedAuthorization = signedRequest.header("Authorization")?.trimmingCharacters(in: .whitespaces)
        if path.hasSuffix("get-vanilla-with-session-token") {
            // Known quirk 2 (suite README §4): botocore's copy of this .sreq carries get-vanilla's
            // signature 5fa00fa3…; the case's own .authz (checked above) and aws-c-auth's
            // header-signature.txt hold the right one. Assert the data error, so a fixed file shows up.
            #expect(expectedAuthorization?.hasSuffix("Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31") == true)
            #expect(result.signature != "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        } else {
            #expect(result.authorization == expectedAuthorization)
        }
    }

    @Test("the suites hold the expected number of cases")
    func caseCounts() {
        #expect(SuiteFiles.cAuthCases.count == 38)
        #expect(SuiteFiles.botocoreCases.count == 34)
    }
}
