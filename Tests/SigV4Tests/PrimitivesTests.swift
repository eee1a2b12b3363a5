import Foundation
import Testing
@testable import SigV4

@Suite("SHA-256, HMAC, encodings, time")
struct PrimitivesTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256(input: String, expected: String) throws {
        #expect(try SHA256.hexHash(Array(input.utf8)) == expected)
    }

    /// RFC 4231 test cases 1, 2 and 6 (the last with a key longer than the block).
    @Test(arguments: [
        ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ])
    func hmac(key: [UInt8], message: [UInt8], expected: String) throws {
        #expect(Hex.encode(try HMACSHA256.mac(key: key, message: message)) == expected)
        // The hot path (precomputed pad states, copied contexts) gives the same MAC.
        let worker = try DigestWorker()
        var out = [UInt8](repeating: 0, count: 32)
        try message.withUnsafeBytes { try worker.hmac(HMACKey(key), $0, into: &out) }
        #expect(Hex.encode(out) == expected)
    }

    @Test func hotPathMatchesOneShotFunctions() throws {
        var generator = SplitMix64(seed: 7)
        let worker = try DigestWorker()
        for length in [0, 1, 55, 56, 63, 64, 65, 127, 128, 1000, 4099] {
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var out = [UInt8](repeating: 0, count: 32)
            try message.withUnsafeBytes { try worker.sha256($0, into: &out) }
            #expect(out == (try SHA256.hash(message)), "sha256 length \(length)")
        }
    }

    /// The signing-key example of the IAM User Guide (secret …EXAMPLEKEY, 20120215, us-east-1, iam).
    @Test func signingKeyDerivation() throws {
        let signer = SigV4Signer(credentials: SigV4Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))
        #expect(Hex.encode(try signer.signingKey(dateStamp: "20120215", region: "us-east-1", service: "iam"))
                == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test(arguments: [
        ("a b", false, "a%20b"), ("a/b", false, "a%2Fb"), ("a/b", true, "a/b"), ("~-._", false, "~-._"),
        ("ሴ", false, "%E1%88%B4"), ("+=&%", false, "%2B%3D%26%25"), ("", false, ""),
    ])
    func uriEncode(input: String, keepSlash: Bool, expected: String) {
        #expect(URIEncoding.encode(input, keepSlash: keepSlash) == expected)
    }

    @Test func uriDecodeKeepsMalformedEscapesAndPlus() {
        #expect(URIEncoding.decode(Array("a%20b+c%zz%4".utf8)) == Array("a b+c%zz%4".utf8))
        #expect(URIEncoding.decode(Array("%e1%88%B4".utf8)) == Array("ሴ".utf8))
    }

    @Test(arguments: [
        (Int64(0), "19700101T000000Z"), (Int64(1_440_938_160), "20150830T123600Z"),
        (Int64(1_709_210_096), "20240229T123456Z"), (Int64(951_782_400), "20000229T000000Z"),
        (Int64(4_102_444_799), "20991231T235959Z"), (Int64(-1), "19691231T235959Z"),
    ])
    func signingTime(seconds: Int64, amzDate: String) throws {
        let time = SigningTime(secondsSince1970: seconds)
        #expect(time.amzDate == amzDate)
        #expect(try SigningTime(parsing: amzDate).secondsSince1970 == seconds)
        #expect(SigningTime(Date(timeIntervalSince1970: TimeInterval(seconds) + 0.9)).amzDate == amzDate)
    }

    @Test func signingTimeParsesISO8601AndRejectsNonsense() throws {
        #expect(try SigningTime(parsing: "2015-08-30T12:36:00Z").amzDate == "20150830T123600Z")
        for bad in ["", "20150830", "20150830T123600", "2015-02-30T00:00:00Z", "20151330T000000Z", "2015083OT123600Z"] {
            #expect(throws: SigV4Error.invalidTimestamp(bad)) { try SigningTime(parsing: bad) }
        }
    }

    @Test func errorsExplainTheFix() {
        let error = SigV4Error.invalidURL("nope")
        #expect(error.description.contains("expected scheme://host"))
        #expect(!error.description.hasSuffix("."))
        #expect(throws: SigV4Error.invalidURL("example.com/x")) {
            try SigV4Signer(credentials: SigV4Credentials(accessKeyID: "a", secretAccessKey: "b"))
                .sign(SigV4Request(method: "GET", url: "example.com/x"), region: "us-east-1", service: "s", time: SigningTime(secondsSince1970: 0))
        }
        #expect(throws: SigV4Error.invalidExpires(0)) {
            try SigV4Signer(credentials: SigV4Credentials(accessKeyID: "a", secretAccessKey: "b"))
                .sign(SigV4Request(method: "GET", url: "https://h/"), region: "us-east-1", service: "s",
                      time: SigningTime(secondsSince1970: 0), mode: .query(expires: 0))
        }
    }

    @Test func credentialsNeverPrintSecrets() {
        let credentials = SigV4Credentials(accessKeyID: "AKIDX", secretAccessKey: "SECRET123", sessionToken: "TOKEN456")
        let text = "\(credentials) \(String(reflecting: credentials.description))"
        #expect(!text.contains("SECRET123") && !text.contains("TOKEN456") && text.contains("AKIDX"))
    }

    @Test(arguments: [
        ("https://Example.COM:443/x", "example.com"), ("http://127.0.0.1:5000/x?y", "127.0.0.1:5000"),
        ("http://h:80", "h"), ("https://user:pw@[::1]:8443/", "[::1]:8443"), ("HTTPS://h:0443/", "h"), ("https://h:80/", "h:80"),
    ])
    func hostHeaderDropsDefaultPortsAndLowercases(url: String, host: String) throws {
        let signer = SigV4Signer(credentials: SigV4Credentials(accessKeyID: "a", secretAccessKey: "b"))
        let result = try signer.sign(SigV4Request(method: "GET", url: url), region: "r", service: "s", time: SigningTime(secondsSince1970: 0))
        #expect(result.canonicalRequest.split(separator: "\n").contains { $0 == "host:\(host)" })
    }

    @Test(arguments: ["https://h:x/", "https://h:123456/", "https:///x", "ftp:/x", "https://[::1/"])
    func malformedURLsAreRejected(url: String) {
        let signer = SigV4Signer(credentials: SigV4Credentials(accessKeyID: "a", secretAccessKey: "b"))
        #expect(throws: SigV4Error.invalidURL(url)) {
            try signer.sign(SigV4Request(method: "GET", url: url), region: "r", service: "s", time: SigningTime(secondsSince1970: 0))
        }
    }

    @Test func signingKeyCacheKeepsDaysAndScopesApart() throws {
        let signer = SigV4Signer(credentials: SigV4Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))
        let request = SigV4Request(method: "GET", url: "https://example.amazonaws.com/")
        var seen = Set<String>()
        for (day, region, service) in [(0, "us-east-1", "service"), (1, "us-east-1", "service"), (0, "eu-west-1", "service"),
                                       (0, "us-east-1", "iam"), (0, "us-east-1", "service")] {
            let time = SigningTime(secondsSince1970: 1_440_938_160 + Int64(day) * 86_400)
            let cached = try signer.sign(request, region: region, service: service, time: time)
            // A fresh signer (empty cache) must agree with the cached one.
            let fresh = try SigV4Signer(credentials: signer.credentials).sign(request, region: region, service: service, time: time)
            #expect(cached.signature == fresh.signature)
            seen.insert(cached.signature)
        }
        #expect(seen.count == 4)
        #expect(try signer.sign(request, region: "us-east-1", service: "service", time: SigningTime(parsing: "20150830T123600Z")).signature
                == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }
}

/// A small seeded generator (SplitMix64), so generated requests are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
