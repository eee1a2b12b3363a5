import Foundation
import SigV4
@testable import AWSClient

/// A transport that records requests and answers from a script.
final class FakeTransport: HTTPTransport, @unchecked Sendable {
    typealias Handler = @Sendable (HTTPRequest, Int) throws -> HTTPResponse
    private let lock = NSLock()
    private var recorded: [HTTPRequest] = []
    private let handler: Handler

    init(_ handler: @escaping Handler) { self.handler = handler }

    /// Answers each request with the next response; the last one repeats.
    convenience init(responses: [HTTPResponse]) {
        self.init { _, index in responses[min(index, responses.count - 1)] }
    }

    var requests: [HTTPRequest] { lock.withLock { recorded } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let index = lock.withLock { () -> Int in
            recorded.append(request)
            return recorded.count - 1
        }
        return try handler(request, index)
    }
}

extension HTTPResponse {
    static func xml(_ status: Int, _ body: String, headers: [String: String] = [:]) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/xml"].merging(headers) { $1 }, body: Data(body.utf8))
    }

    static func json(_ status: Int, _ body: String, headers: [String: String] = [:]) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/x-amz-json-1.1"].merging(headers) { $1 }, body: Data(body.utf8))
    }
}

extension HTTPRequest {
    func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Records backoff delays instead of sleeping.
final class SleepRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var delays: [Double] = []
    var recorded: [Double] { lock.withLock { delays } }
    func record(_ seconds: Double) { lock.withLock { delays.append(seconds) } }
}

enum Fixture {
    static let credentials = SigV4Credentials(accessKeyID: "AKIDTEST", secretAccessKey: "SECRET/KEY+TEST", sessionToken: "TOKEN/abc+def==")
    static let identityXML = """
        <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <GetCallerIdentityResult>
            <Arn>arn:aws:iam::123456789012:user/alice</Arn>
            <UserId>AIDAEXAMPLE</UserId>
            <Account>123456789012</Account>
          </GetCallerIdentityResult>
          <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>
        </GetCallerIdentityResponse>
        """

    static func client(_ transport: FakeTransport, region: String = "us-east-1", endpoints: EndpointResolver = EndpointResolver(),
                       sleeps: SleepRecorder = SleepRecorder(), maxAttempts: Int = 3, clock: @escaping @Sendable () -> Date = Date.init,
                       logger: (@Sendable (String) -> Void)? = nil) -> AWSClient {
        AWSClient(credentials: StaticCredentialsProvider(AWSCredentials(credentials: credentials, source: .explicit)),
                  region: region, endpoints: endpoints, transport: transport,
                  retry: RetryPolicy(maxAttempts: maxAttempts, sleep: { sleeps.record($0) }, random: { 0.5 }),
                  clock: clock, logger: logger)
    }

    /// Checks a recorded request's signature by signing it again from its own parts.
    static func signatureIsValid(_ request: HTTPRequest, region: String, service: String,
                                 credentials: SigV4Credentials = credentials) throws -> Bool {
        guard let authorization = request.header("Authorization"), let date = request.header("X-Amz-Date") else { return false }
        let signedNames = authorization.components(separatedBy: "SignedHeaders=")[1].components(separatedBy: ",")[0].split(separator: ";")
        let signed = request.headers.filter { header in signedNames.contains { $0 == header.name.lowercased() } && header.name.lowercased() != "host" }
        let result = try SigV4Signer(credentials: credentials).sign(
            SigV4Request(method: request.method, url: request.url, headers: signed, body: Array(request.body)),
            region: region, service: service, time: SigningTime(parsing: date),
            options: SigV4Options(s3: service == "s3"))
        return result.authorization == authorization
    }
}
