import Foundation
import SigV4
import Testing
@testable import AWSClient

/// What the client does with answers that are not AWS's, broken connections, redirects, plain HTTP.
@Suite("Client resilience: response shapes, idempotent retries, redirects, plain HTTP")
struct ResilienceTests {
    static let portal = HTTPResponse(status: 200, headers: ["Content-Type": "text/html"], body: Data("""
        <?xml version="1.0"?><html><head><title>Network login required</title></head>
        <body><h1>Welcome</h1>\(String(repeating: "<p>Please accept the terms of use.</p>", count: 20))</body></html>
        """.utf8))

    @Test func anHTMLPageWithHTTP200IsAnErrorRetriedForAReadOnlyCall() async throws {
        let transport = FakeTransport(responses: [Self.portal])
        let sleeps = SleepRecorder()
        do {
            _ = try await Fixture.client(transport, sleeps: sleeps).query(.cloudFormation, action: "DescribeStacks", parameters: [("StackName", "s")])
            Issue.record("a portal page was believed")
        } catch let error as AWSClientError {
            guard case .invalidResponse(let operation, let reason) = error else { Issue.record("wrong error \(error)"); return }
            #expect(operation == "cloudformation DescribeStacks")
            #expect(reason.contains("HTTP 200") && reason.contains("<DescribeStacksResponse>") && reason.contains("\"Network login required\""))
            #expect(reason.contains("its root element is <html>") && !reason.contains("Please accept"))
        }
        #expect(transport.requests.count == 3 && sleeps.recorded.count == 2)
    }

    @Test func theRightDocumentAfterAPortalPageIsBelieved() async throws {
        let transport = FakeTransport(responses: [Self.portal, .xml(200, Fixture.identityXML)])
        let identity = try await Fixture.client(transport).getCallerIdentity()
        #expect(identity.account == "123456789012" && transport.requests.count == 2)
    }

    @Test func aCallThatIsNotIdempotentIsSentOnce() async throws {
        // CreateStack without a client token: a second attempt could create a second stack.
        let html = FakeTransport(responses: [Self.portal])
        await #expect(throws: AWSClientError.self) {
            _ = try await Fixture.client(html).query(.cloudFormation, action: "CreateStack", parameters: [("StackName", "s")])
        }
        #expect(html.requests.count == 1)
        let cut = FakeTransport { _, _ in throw TransportError(reason: "connection closed mid-answer", isRetryable: true, detail: "after 10 of 20 body bytes") }
        await #expect {
            _ = try await Fixture.client(cut).query(.cloudFormation, action: "CreateStack", parameters: [("StackName", "s")])
        } throws: { error in
            "\(error)".contains("connection closed mid-answer: after 10 of 20 body bytes (CreateStack is not idempotent and may have reached the server")
        }
        #expect(cut.requests.count == 1)
    }

    @Test func aClientTokenMakesACallRepeatableAndARefusedConnectionAlwaysIs() async throws {
        let answer = HTTPResponse.xml(200, "<ExecuteChangeSetResponse><ExecuteChangeSetResult/></ExecuteChangeSetResponse>")
        let cut = FakeTransport { _, index in
            if index == 0 { throw TransportError(reason: "connection closed mid-answer", isRetryable: true, detail: "after 3 body bytes") }
            return answer
        }
        _ = try await Fixture.client(cut).query(.cloudFormation, action: "ExecuteChangeSet", parameters: [("ChangeSetName", "c"), ("ClientRequestToken", "t")])
        #expect(cut.requests.count == 2)
        let refused = FakeTransport { _, index in
            if index == 0 { throw TransportError(reason: "connection refused", isRetryable: true, mayHaveReachedServer: false) }
            return .xml(200, "<CreateStackResponse><CreateStackResult><StackId>arn:s</StackId></CreateStackResult></CreateStackResponse>")
        }
        _ = try await Fixture.client(refused).query(.cloudFormation, action: "CreateStack", parameters: [("StackName", "s")])
        #expect(refused.requests.count == 2)
    }

    @Test(arguments: [
        ("DescribeStacks", true), ("ListEndpoints", true), ("GetTemplate", true), ("DeleteChangeSet", true),
        ("CreateStack", false), ("ExecuteChangeSet", false), ("Getaway", false), ("UpdateStack", false),
    ])
    func idempotencyByOperationName(operation: String, readOnly: Bool) {
        #expect(AWSClient.isReadOnly(operation) == readOnly)
    }

    @Test func jsonAnswersMustBeObjects() async throws {
        let page = FakeTransport(responses: [Self.portal])
        await #expect(throws: AWSClientError.self) { _ = try await Fixture.client(page, maxAttempts: 1).json(.sageMaker, operation: "ListEndpoints") }
        // The body decides, not the Content-Type.
        let labelled = FakeTransport(responses: [HTTPResponse(status: 200, headers: ["Content-Type": "text/html"], body: Data(#"{"Endpoints":[]}"#.utf8))])
        #expect(try await Fixture.client(labelled).json(.sageMaker, operation: "ListEndpoints")["Endpoints"] == .array([]))
    }

    @Test func aSecretInAJSONBodyIsNeverQuoted() {
        let body = Data(#"{"id":"k1","value":"Aevnpkqcdo49X2hDT1tW7ZOsMH6uNQBLC5zbYy3l"}"#.utf8)
        let problem = ResponseShape.queryXML.problem(in: HTTPResponse(status: 200, headers: [:], body: body), operation: "GetApiKey")
        #expect(problem != nil && !problem!.contains("Aevnpkqc"))
        let error = AWSClient.parseError(HTTPResponse(status: 500, headers: [:], body: Data(#"["Aevnpkqcdo49X2hDT1tW7ZOsMH6uNQBLC5zbYy3l"]"#.utf8)), operation: "x")
        #expect(!error.description.contains("Aevnpkqc"))
    }

    @Test func anHTMLErrorIsQuotedAsOneShortLine() {
        let page = "<!DOCTYPE html><html><head><title>502 Bad\n Gateway</title></head><body>" + String(repeating: "<p>upstream went away</p>", count: 30) + "</body></html>"
        let error = AWSClient.parseError(HTTPResponse(status: 502, headers: ["Content-Type": "text/html"], body: Data(page.utf8)), operation: "cloudformation DescribeStacks")
        #expect(error.code == "HTTP502")
        #expect(error.description == "cloudformation DescribeStacks: HTTP 502 without an AWS error code: not an AWS error document (text/html, \(page.utf8.count) bytes): \"502 Bad Gateway\"")
        #expect(ResponseText.line(Data("a\u{0}b\u{1b}[31mc\td   e".utf8)) == "a b [31mc d e")
        #expect(ResponseText.line(Data(String(repeating: "x", count: 500).utf8)).count == 80)
    }

    @Test func aRedirectIsNeverFollowedAndNamesItsTarget() async throws {
        let transport = FakeTransport(responses: [HTTPResponse(status: 307, headers: ["Location": "http://evil.example.net/steal?x=1"], body: Data("moved".utf8))])
        do {
            _ = try await Fixture.client(transport).query(.cloudFormation, action: "DescribeStacks")
            Issue.record("a redirect was believed")
        } catch let error as AWSClientError {
            #expect(error.serviceError?.httpStatus == 307)
            #expect(error.description.contains("redirected to evil.example.net, not followed"))
        }
        #expect(transport.requests.count == 1 && transport.requests.allSatisfy { $0.url.hasPrefix("https://cloudformation.us-east-1.amazonaws.com") })
    }

    @Test func s3RegionRedirectIsSignedAgainForTheBucketRegion() async throws {
        let transport = FakeTransport { request, index in
            if index == 0 {
                return .xml(301, "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><Endpoint>b.s3.eu-west-1.amazonaws.com</Endpoint></Error>",
                            headers: ["x-amz-bucket-region": "eu-west-1", "Location": "https://elsewhere.example.com/"])
            }
            return HTTPResponse(status: 200, headers: ["ETag": "\"e\""], body: Data())
        }
        _ = try await Fixture.client(transport).putObject(bucket: "my-bucket", key: "k", body: Data("x".utf8))
        let requests = transport.requests
        #expect(requests.count == 2)
        #expect(requests[1].url == "https://my-bucket.s3.eu-west-1.amazonaws.com/k")
        #expect(requests[1].header("Authorization")?.contains("/eu-west-1/s3/aws4_request") == true)
        #expect(try Fixture.signatureIsValid(requests[1], region: "eu-west-1", service: "s3"))
    }

    @Test(arguments: [
        ("http://cloudformation.us-east-1.amazonaws.com", "refused"), ("http://s3.cn-north-1.amazonaws.com.cn", "refused"),
        ("http://sts.api.aws", "refused"), ("HTTP://AMAZONAWS.COM", "refused"), ("https://cloudformation.us-east-1.amazonaws.com", "allowed"),
        ("http://127.0.0.1:5000", "allowed"), ("http://localhost:4566", "allowed"), ("http://[::1]:5000", "allowed"),
        ("http://127.9.9.9", "allowed"), ("http://192.0.2.10", "warn"), ("http://amazonaws.com.evil.net", "warn"),
        ("http://notamazonaws.com", "warn"),
    ])
    func plainHTTPPolicy(url: String, verdict: String) {
        switch EndpointPolicy.verdict(for: url, name: "--endpoint-url") {
        case .allowed: #expect(verdict == "allowed")
        case .warn(let message): #expect(verdict == "warn" && message.hasPrefix("warning: --endpoint-url is plain HTTP to ") && !message.contains("\n"))
        case .refused(let message): #expect(verdict == "refused" && message.contains("use https://") && !message.contains("\n"))
        }
    }

    @Test func plainHTTPToAnAWSHostIsRefusedWhereverItComesFrom() throws {
        #expect(throws: AWSClientError.self) { try EndpointResolver(flag: "http://cloudformation.us-east-1.amazonaws.com", environment: [:]) }
        #expect(throws: AWSClientError.self) { try EndpointResolver(flag: nil, environment: ["AWS_ENDPOINT_URL_STS": "http://sts.amazonaws.com"]) }
        #expect(throws: Never.self) { try EndpointResolver(flag: "http://127.0.0.1:5000", environment: ["AWS_ENDPOINT_URL": "http://10.0.0.5:4566"]) }
    }

    @Test func plainHTTPToAnotherHostWarnsOncePerProcess() async throws {
        let warnings = LogLines()
        let transport = FakeTransport(responses: [.xml(200, Fixture.identityXML)])
        let client = AWSClient(credentials: StaticCredentialsProvider(AWSCredentials(credentials: Fixture.credentials, source: .explicit)),
                               region: "us-east-1", endpoints: EndpointResolver(globalOverride: "http://192.0.2.77:4566"), transport: transport,
                               warn: { warnings.add($0) })
        _ = try await client.getCallerIdentity()
        _ = try await client.getCallerIdentity()
        #expect(warnings.text.hasPrefix("warning: AWS_ENDPOINT_URL is plain HTTP to 192.0.2.77") && !warnings.text.contains("\n"))
        // An AWS host reached over plain HTTP by any route is refused before anything is sent.
        let direct = FakeTransport(responses: [.xml(200, Fixture.identityXML)])
        await #expect(throws: AWSClientError.self) {
            _ = try await Fixture.client(direct, endpoints: EndpointResolver(override: "http://sts.us-east-1.amazonaws.com")).getCallerIdentity()
        }
        #expect(direct.requests.isEmpty)
    }

    @Test func theClientSendsItsTimeoutsWithEveryAttempt() async throws {
        let transport = FakeTransport(responses: [.xml(200, Fixture.identityXML)])
        let client = Fixture.client(transport).with(timeouts: AWSTimeouts(idle: 2, attempt: 7))
        _ = try await client.getCallerIdentity()
        #expect(transport.requests.map(\.timeout) == [7] && transport.requests.map(\.idleTimeout) == [2])
    }

    @Test func timeoutsComeFromFlagsThenTheEnvironment() throws {
        let environment = [AWSTimeouts.idleVariable: "5", AWSTimeouts.attemptVariable: "12"]
        #expect(try AWSTimeouts.resolve(idle: nil, attempt: nil, environment: [:]) == .standard)
        #expect(try AWSTimeouts.resolve(idle: nil, attempt: nil, environment: environment) == AWSTimeouts(idle: 5, attempt: 12))
        #expect(try AWSTimeouts.resolve(idle: "0.5", attempt: "2", environment: environment) == AWSTimeouts(idle: 0.5, attempt: 2))
        // The idle timeout never exceeds the attempt's: 2 s in all means at most 2 s of silence.
        #expect(try AWSTimeouts.resolve(idle: nil, attempt: "2", environment: [:]) == AWSTimeouts(idle: 2, attempt: 2))
        for bad in ["0", "-1", "abc", "nan", "inf", "7200"] {
            #expect(throws: AWSClientError.self) { try AWSTimeouts.resolve(idle: bad, attempt: nil, environment: [:]) }
        }
        #expect {
            _ = try AWSTimeouts.resolve(idle: nil, attempt: nil, environment: [AWSTimeouts.attemptVariable: "soon"])
        } throws: { error in
            "\(error)" == "SLMSTACK_ATTEMPT_TIMEOUT: expected seconds from 0.1 to 3600 (for example 30), got 'soon'"
        }
    }
}
