import Foundation
import SLMStackCLI
import Testing
@testable import AWSClient

/// `slmstack debug sign`, run in process.
@Suite("debug sign")
struct DebugSignTests {
    static func run(_ stdin: String, _ arguments: [String] = ["debug", "sign"]) -> (code: ExitCode, out: String, err: String) {
        let out = LogLines(), err = LogLines()
        let io = CommandIO(environment: [:], out: { out.add($0) }, err: { err.add($0) }, stdin: { Data(stdin.utf8) })
        let code = SLMStack.run(arguments, io: io)
        return (code, out.text, err.text)
    }

    static let vanilla = #"{"method":"GET","url":"https://example.amazonaws.com/","headers":{},"region":"us-east-1","service":"service","access_key":"AKIDEXAMPLE","secret_key":"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY","timestamp":"20150830T123600Z","mode":"header"}"#

    @Test func headerModeMatchesTheSuite() throws {
        let result = Self.run(Self.vanilla)
        #expect(result.code == .success, "\(result.err)")
        let json = try JSONValue.parse(Data(result.out.utf8))
        #expect(json["signature"]?.string == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(json["authorization"]?.string == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(json["canonical_request"]?.string == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(json.object.map { Array($0.keys).sorted() } == ["authorization", "canonical_request", "credential_scope", "payload_hash", "signature", "signed_headers", "string_to_sign"])
        // Deterministic: keys sorted, same bytes every time.
        #expect(Self.run(Self.vanilla).out == result.out)
        #expect(!result.out.contains("wJalrXUtnFEMI"))
    }

    @Test func queryModeWithTokenAndListHeaders() throws {
        let input = #"{"method":"GET","url":"https://examplebucket.s3.amazonaws.com/test.txt","headers":[["X-Amz-Meta-A","1"],["x-amz-meta-a","2"]],"region":"us-east-1","service":"s3","s3":true,"access_key":"AKIAIOSFODNN7EXAMPLE","secret_key":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","session_token":"TOK/EN+1","timestamp":"20130524T000000Z","mode":"query","expires":86400}"#
        let result = Self.run(input)
        #expect(result.code == .success, "\(result.err)")
        let json = try JSONValue.parse(Data(result.out.utf8))
        let url = try #require(json["url"]?.string)
        #expect(url.hasPrefix("https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&"))
        #expect(url.contains("X-Amz-Security-Token=TOK%2FEN%2B1") && url.contains("X-Amz-Expires=86400"))
        #expect(json["canonical_request"]?.string?.contains("\nx-amz-meta-a:1,2\n") == true)
        #expect(json["payload_hash"]?.string == "UNSIGNED-PAYLOAD")
        #expect(json["authorization"] == nil)
        #expect(!result.out.contains("wJalrXUtnFEMI"))
    }

    @Test(arguments: [
        ("not json", "stdin: expected one JSON object"),
        (#"{"url":"https://h/","region":"r","service":"s","access_key":"a"}"#, #"missing field "secret_key""#),
        (#"{"url":"https://h/","region":"r","service":"s","access_key":"a","secret_key":"b","mode":"body"}"#, #"mode must be "header" or "query""#),
        (#"{"url":"https://h/","region":"r","service":"s","access_key":"a","secret_key":"b","timestamp":"yesterday"}"#, "invalid signing time"),
        (#"{"url":"h/x","region":"r","service":"s","access_key":"a","secret_key":"b"}"#, "invalid url 'h/x'"),
        (#"{"url":"https://h/","region":"r","service":"s","acess_key":"a","secret_key":"b"}"#, #"unknown field "acess_key": did you mean "access_key"?"#),
        (#"{"url":"https://h/","region":"r","service":"s","access_key":"a","secret_key":"b","body_base64":"***"}"#, "body_base64 is not valid base64"),
    ])
    func badInputExitsWithTwo(input: String, message: String) {
        let result = Self.run(input)
        #expect(result.code == .usage)
        #expect(result.err.contains(message), "\(result.err)")
        #expect(result.out.isEmpty)
    }

    @Test func benchSignPrintsTimingAndACheckSignature() throws {
        let result = Self.run("", ["debug", "bench-sign", "--iterations", "200"])
        #expect(result.code == .success)
        let json = try JSONValue.parse(Data(result.out.utf8))
        #expect((json["ns_per_op"]?.number ?? 0) > 0)
        #expect(json["signature_at_20260101T000000Z"]?.string?.count == 64)
        #expect(Self.run("", ["debug", "bench-sign", "--iterations", "0"]).code == .usage)
    }
}
