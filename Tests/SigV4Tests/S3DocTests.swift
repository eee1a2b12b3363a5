import Testing
import SigV4

/// The examples published in the Amazon S3 API Reference
/// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html and
/// sigv4-query-string-auth.html): bucket `examplebucket`, 2013-05-24, us-east-1.
@Suite("S3 API Reference examples")
struct S3DocTests {
    static let signer = SigV4Signer(credentials: SigV4Credentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))

    static func sign(_ method: String, _ url: String, _ headers: [(name: String, value: String)] = [], body: String = "",
                     mode: SigV4Mode = .header) throws -> SigV4Result {
        try signer.sign(SigV4Request(method: method, url: url, headers: headers, body: Array(body.utf8)),
                        region: "us-east-1", service: "s3", time: try SigningTime(parsing: "20130524T000000Z"),
                        mode: mode, options: .s3)
    }

    @Test func getObject() throws {
        let result = try Self.sign("GET", "https://examplebucket.s3.amazonaws.com/test.txt", [("Range", "bytes=0-9")])
        #expect(result.canonicalRequest == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(result.stringToSign == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        #expect(result.authorization == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func putObject() throws {
        // The doc example signs a Date header as well as X-Amz-Date; the key is encoded once, never twice.
        let result = try Self.sign("PUT", "https://examplebucket.s3.amazonaws.com/test%24file.text", [
            ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ], body: "Welcome to Amazon S3.")
        #expect(result.canonicalRequest == """
            PUT
            /test%24file.text

            date:Fri, 24 May 2013 00:00:00 GMT
            host:examplebucket.s3.amazonaws.com
            x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
            x-amz-date:20130524T000000Z
            x-amz-storage-class:REDUCED_REDUNDANCY

            date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class
            44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
            """)
        #expect(result.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func getBucketLifecycle() throws {
        let result = try Self.sign("GET", "https://examplebucket.s3.amazonaws.com/?lifecycle")
        #expect(result.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2] == "lifecycle=")
        #expect(result.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func listObjects() throws {
        let result = try Self.sign("GET", "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J")
        #expect(result.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func presignedGetObject() throws {
        let result = try Self.sign("GET", "https://examplebucket.s3.amazonaws.com/test.txt", mode: .query(expires: 86400))
        #expect(result.canonicalRequest == """
            GET
            /test.txt
            X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host
            host:examplebucket.s3.amazonaws.com

            host
            UNSIGNED-PAYLOAD
            """)
        #expect(result.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(result.url == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(result.authorization == nil)
    }

    @Test func unsignedPayloadHeaderMode() throws {
        let result = try Self.signer.sign(SigV4Request(method: "PUT", url: "https://examplebucket.s3.amazonaws.com/a%20b//c/./d", body: Array("x".utf8)),
                                          region: "us-east-1", service: "s3", time: try SigningTime(parsing: "20130524T000000Z"),
                                          options: SigV4Options(s3: true, unsignedPayload: true))
        let lines = result.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1] == "/a%20b//c/./d") // no normalisation, no second encoding
        #expect(lines.last == "UNSIGNED-PAYLOAD")
        #expect(result.headers.contains { $0.name == "X-Amz-Content-SHA256" && $0.value == "UNSIGNED-PAYLOAD" })
    }
}
