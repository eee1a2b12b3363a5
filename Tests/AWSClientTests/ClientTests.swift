import Foundation
import SigV4
import Testing
@testable import AWSClient

@Suite("AWS client core against a fake transport")
struct ClientTests {
    @Test func queryCallIsSignedFormPostToTheStandardHost() async throws {
        let transport = FakeTransport(responses: [.xml(200, Fixture.identityXML, headers: ["x-amzn-RequestId": "req-1"])])
        let identity = try await Fixture.client(transport, region: "eu-west-1").getCallerIdentity()
        #expect(identity == CallerIdentity(account: "123456789012", arn: "arn:aws:iam::123456789012:user/alice", userID: "AIDAEXAMPLE"))
        let request = try #require(transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.url == "https://sts.eu-west-1.amazonaws.com/")
        #expect(request.bodyText == "Action=GetCallerIdentity&Version=2011-06-15")
        #expect(request.header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8")
        #expect(request.header("X-Amz-Security-Token") == Fixture.credentials.sessionToken)
        let authorization = try #require(request.header("Authorization"))
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDTEST/"))
        #expect(authorization.contains("/eu-west-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="))
        #expect(try Fixture.signatureIsValid(request, region: "eu-west-1", service: "sts"))
        // Only headers the client sets are sent and signed: nothing URLSession would add.
        #expect(Set(request.headers.map { $0.name.lowercased() }) == ["content-type", "x-amz-date", "x-amz-security-token", "authorization"])
    }

    @Test func queryParametersAreEncodedInOrder() async throws {
        let transport = FakeTransport(responses: [.xml(200, "<ListStacksResponse><ListStacksResult><StackSummaries><member><StackName>a b</StackName></member></StackSummaries></ListStacksResult></ListStacksResponse>")])
        let root = try await Fixture.client(transport).query(.cloudFormation, action: "ListStacks",
                                                             parameters: QueryParameters.members("StackStatusFilter", ["CREATE_COMPLETE", "UPDATE_COMPLETE"]) + [("Next Token", "a+b/c=")])
        #expect(root["ListStacksResult", "StackSummaries"]?.members.first?.value("StackName") == "a b")
        #expect(transport.requests[0].bodyText == "Action=ListStacks&Version=2010-05-15&StackStatusFilter.member.1=CREATE_COMPLETE&StackStatusFilter.member.2=UPDATE_COMPLETE&Next+Token=a%2Bb%2Fc%3D")
    }

    @Test func jsonCallSetsTargetAndContentType() async throws {
        let transport = FakeTransport(responses: [.json(200, #"{"Endpoints":[{"EndpointName":"slm","EndpointStatus":"InService"}]}"#)])
        let answer = try await Fixture.client(transport, region: "us-west-2").json(.sageMaker, operation: "ListEndpoints", body: ["MaxResults": 10])
        #expect(answer["Endpoints"]?[0]?["EndpointStatus"]?.string == "InService")
        let request = transport.requests[0]
        #expect(request.url == "https://api.sagemaker.us-west-2.amazonaws.com/")
        #expect(request.header("X-Amz-Target") == "SageMaker.ListEndpoints")
        #expect(request.header("Content-Type") == "application/x-amz-json-1.1")
        #expect(request.bodyText == #"{"MaxResults":10}"#)
        #expect(request.header("Authorization")?.contains("/us-west-2/sagemaker/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,") == true)
        #expect(try Fixture.signatureIsValid(request, region: "us-west-2", service: "sagemaker"))
    }

    @Test func restJSONGetHasNoBodyAndSignsTheDoubleEncodedPath() async throws {
        let transport = FakeTransport(responses: [.json(200, #"{"item":[]}"#)])
        let client = Fixture.client(transport)
        _ = try await client.restJSON(.apiGateway, operation: "GetResources", method: "GET",
                                      path: "/restapis/" + URIEncoding.encode("a b") + "/resources", query: [("limit", "500")])
        let request = transport.requests[0]
        #expect(request.url == "https://apigateway.us-east-1.amazonaws.com/restapis/a%20b/resources?limit=500")
        #expect(request.body.isEmpty && request.header("Content-Type") == nil)
        #expect(try Fixture.signatureIsValid(request, region: "us-east-1", service: "apigateway"))
    }

    @Test func sageMakerRuntimeSignsAsSageMaker() async throws {
        let transport = FakeTransport(responses: [HTTPResponse(status: 200, headers: [:], body: Data("{\"ok\":1}".utf8))])
        let response = try await Fixture.client(transport).rest(
            .sageMakerRuntime, operation: "InvokeEndpoint", method: "POST", path: "/endpoints/slm/invocations",
            headers: [("Content-Type", "application/json")], body: Array("{\"inputs\":\"hi\"}".utf8))
        #expect(response.body == Data("{\"ok\":1}".utf8))
        #expect(transport.requests[0].url == "https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/slm/invocations")
        #expect(transport.requests[0].header("Authorization")?.contains("/sagemaker/aws4_request") == true)
    }

    @Test func s3UsesVirtualHostsOnAWSAndPathStyleOnCustomEndpoints() async throws {
        let transport = FakeTransport(responses: [HTTPResponse(status: 200, headers: ["ETag": "\"abc\""], body: Data())])
        let etag = try await Fixture.client(transport, region: "eu-west-1").putObject(bucket: "my-bucket", key: "dir/a b+c.txt", body: Data("hello".utf8))
        #expect(etag == "\"abc\"")
        var request = transport.requests[0]
        #expect(request.url == "https://my-bucket.s3.eu-west-1.amazonaws.com/dir/a%20b%2Bc.txt")
        #expect(request.header("X-Amz-Content-SHA256") == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        #expect(try Fixture.signatureIsValid(request, region: "eu-west-1", service: "s3"))

        let local = Fixture.client(transport, endpoints: EndpointResolver(override: "http://127.0.0.1:5000"))
        _ = try await local.getObject(bucket: "my-bucket", key: "dir/x.txt")
        request = transport.requests[1]
        #expect(request.url == "http://127.0.0.1:5000/my-bucket/dir/x.txt")
        #expect(try Fixture.signatureIsValid(request, region: "us-east-1", service: "s3"))
    }

    @Test func throttlingIsRetriedWithJitteredBackoff() async throws {
        let throttled = HTTPResponse.xml(400, "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>")
        let transport = FakeTransport(responses: [throttled, throttled, .xml(200, Fixture.identityXML)])
        let sleeps = SleepRecorder()
        _ = try await Fixture.client(transport, sleeps: sleeps).getCallerIdentity()
        #expect(transport.requests.count == 3)
        #expect(sleeps.recorded == [0.25, 0.5]) // random() = 0.5 of ceilings 0.5 s and 1 s
        // Each attempt is signed afresh.
        #expect(transport.requests.allSatisfy { $0.header("Authorization") != nil })
    }

    @Test(arguments: [
        (429, #"{"__type":"TooManyRequestsException","message":"slow"}"#, "TooManyRequestsException"),
        (503, "<Error><Code>SlowDown</Code><Message>Reduce your request rate</Message></Error>", "SlowDown"),
        (500, "", "HTTP500"),
        (502, "<html>bad gateway</html>", "HTTP502"),
    ])
    func retryableErrorsGiveUpAfterMaxAttempts(status: Int, body: String, code: String) async throws {
        let transport = FakeTransport(responses: [HTTPResponse(status: status, headers: [:], body: Data(body.utf8))])
        let sleeps = SleepRecorder()
        await #expect(throws: AWSClientError.self) {
            do {
                _ = try await Fixture.client(transport, sleeps: sleeps, maxAttempts: 4).getCallerIdentity()
            } catch let error as AWSClientError {
                #expect(error.serviceError?.code == code)
                #expect(error.serviceError?.httpStatus == status)
                throw error
            }
        }
        #expect(transport.requests.count == 4)
        #expect(sleeps.recorded == [0.25, 0.5, 1.0])
    }

    @Test func validationErrorsAreNotRetried() async throws {
        let transport = FakeTransport(responses: [.xml(400, "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id x does not exist</Message></Error><RequestId>abc-123</RequestId></ErrorResponse>")])
        do {
            _ = try await Fixture.client(transport).query(.cloudFormation, action: "DescribeStacks", parameters: [("StackName", "x")])
            Issue.record("expected an error")
        } catch let error as AWSClientError {
            #expect(error.serviceError == AWSError(code: "ValidationError", message: "Stack with id x does not exist", requestID: "abc-123",
                                                   httpStatus: 400, operation: "cloudformation DescribeStacks"))
            #expect(error.description == "cloudformation DescribeStacks: ValidationError (HTTP 400): Stack with id x does not exist [request id abc-123]")
        }
        #expect(transport.requests.count == 1)
    }

    @Test func connectionErrorsAreRetriedThenReported() async throws {
        let transport = FakeTransport { _, _ in throw TransportError(reason: "connection refused", isRetryable: true) }
        let sleeps = SleepRecorder()
        do {
            _ = try await Fixture.client(transport, sleeps: sleeps).getCallerIdentity()
            Issue.record("expected an error")
        } catch let error as AWSClientError {
            guard case .transport(let url, let reason, let attempts, let operation) = error else { Issue.record("wrong error \(error)"); return }
            #expect(url == "https://sts.us-east-1.amazonaws.com/" && reason == "connection refused" && attempts == 3 && operation == "sts GetCallerIdentity")
            #expect(error.description.hasPrefix("sts GetCallerIdentity: no complete answer from https://sts.us-east-1.amazonaws.com/ after 3 attempts: connection refused;"))
        }
        #expect(transport.requests.count == 3 && sleeps.recorded.count == 2)
    }

    @Test func clockSkewIsCorrectedFromTheServerDateAndRetriedOnce() async throws {
        // The local clock is an hour behind the server.
        let server = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01T00:00:00Z
        let local = server.addingTimeInterval(-3600)
        let skewed = HTTPResponse.xml(403, "<ErrorResponse><Error><Code>RequestTimeTooSkewed</Code><Message>too skewed</Message></Error></ErrorResponse>",
                                      headers: ["Date": "Thu, 01 Jan 2026 00:00:00 GMT"])
        let transport = FakeTransport(responses: [skewed, .xml(200, Fixture.identityXML)])
        let client = Fixture.client(transport, clock: { local })
        _ = try await client.getCallerIdentity()
        #expect(transport.requests.map { $0.header("X-Amz-Date") } == ["20251231T230000Z", "20260101T000000Z"])
        #expect(client.clockOffset == 3600)

        // A wrong secret also gives SignatureDoesNotMatch, but without skew it is reported at once.
        let wrong = HTTPResponse.xml(403, "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error></ErrorResponse>",
                                     headers: ["Date": "Thu, 01 Jan 2026 00:00:05 GMT"])
        let second = FakeTransport(responses: [wrong])
        await #expect(throws: AWSClientError.self) { _ = try await Fixture.client(second, clock: { server }).getCallerIdentity() }
        #expect(second.requests.count == 1)
    }

    @Test(arguments: [
        (HTTPResponse.xml(400, "<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID 'vpc-1' does not exist</Message></Error></Errors><RequestID>ec2-req</RequestID></Response>"),
         "InvalidVpcID.NotFound", "The vpc ID 'vpc-1' does not exist", "ec2-req"),
        (HTTPResponse.xml(404, "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>s3-req</RequestId></Error>"),
         "NoSuchKey", "The specified key does not exist.", "s3-req"),
        (HTTPResponse.json(400, #"{"__type":"com.amazon.coral.validate#ValidationException","message":"bad input"}"#, headers: ["x-amzn-RequestId": "json-req"]),
         "ValidationException", "bad input", "json-req"),
        (HTTPResponse(status: 404, headers: ["x-amzn-ErrorType": "NotFoundException:http://internal.amazon.com/coral/com.amazonaws.backplane.controlplane/", "x-amzn-RequestId": "rest-req"], body: Data(#"{"message":"Invalid API identifier specified"}"#.utf8)),
         "NotFoundException", "Invalid API identifier specified", "rest-req"),
        // moto's auth errors for JSON and REST services: XML with HTTP 403.
        (HTTPResponse.xml(403, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error><RequestId>moto-req</RequestId></ErrorResponse>"),
         "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.", "moto-req"),
    ])
    func errorBodiesAreParsed(response: HTTPResponse, code: String, message: String, requestID: String) {
        let error = AWSClient.parseError(response, operation: "svc Op")
        #expect(error.code == code)
        #expect(error.message == message)
        #expect(error.requestID == requestID)
        #expect(error.httpStatus == response.status)
    }

    @Test func debugLogNeverContainsSecrets() async throws {
        let lines = LogLines()
        let transport = FakeTransport(responses: [.xml(200, Fixture.identityXML)])
        _ = try await Fixture.client(transport, logger: { lines.add($0) }).getCallerIdentity()
        let text = lines.text
        #expect(text.contains("canonical request") && text.contains("x-amz-security-token:<redacted>"))
        #expect(!text.contains(Fixture.credentials.secretAccessKey))
        #expect(!text.contains(Fixture.credentials.sessionToken!))
        #expect(!text.contains(URIEncoding.encode(Fixture.credentials.sessionToken!)))
    }
}

final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var text: String { lock.withLock { lines.joined(separator: "\n") } }
}

@Suite("Endpoints")
struct EndpointTests {
    @Test(arguments: [
        (AWSService.cloudFormation, "eu-west-1", "https://cloudformation.eu-west-1.amazonaws.com", "eu-west-1", "cloudformation"),
        (AWSService.iam, "eu-west-1", "https://iam.amazonaws.com", "us-east-1", "iam"),
        (AWSService.sageMaker, "us-west-2", "https://api.sagemaker.us-west-2.amazonaws.com", "us-west-2", "sagemaker"),
        (AWSService.sageMakerRuntime, "us-west-2", "https://runtime.sagemaker.us-west-2.amazonaws.com", "us-west-2", "sagemaker"),
        (AWSService.apiGateway, "ap-south-1", "https://apigateway.ap-south-1.amazonaws.com", "ap-south-1", "apigateway"),
        (AWSService.pricing, "us-east-1", "https://api.pricing.us-east-1.amazonaws.com", "us-east-1", "pricing"),
        (AWSService.cloudWatch, "us-east-1", "https://monitoring.us-east-1.amazonaws.com", "us-east-1", "monitoring"),
        (AWSService.sso, "eu-central-1", "https://portal.sso.eu-central-1.amazonaws.com", "eu-central-1", "awsssoportal"),
        (AWSService.sts, "cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn", "cn-north-1", "sts"),
    ])
    func standardHosts(service: AWSService, region: String, url: String, signingRegion: String, signingName: String) {
        #expect(EndpointResolver().endpoint(for: service, region: region)
                == ResolvedEndpoint(url: url, signingRegion: signingRegion, signingName: signingName, isCustom: false))
    }

    @Test func overridesFollowTheSDKOrder() throws {
        let environment = ["AWS_ENDPOINT_URL": "http://global:1/", "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": "http://runtime:2",
                           "AWS_ENDPOINT_URL_CLOUDFORMATION": "http://cfn:3"]
        let fromEnvironment = try EndpointResolver(flag: nil, environment: environment)
        #expect(fromEnvironment.endpoint(for: .sageMakerRuntime, region: "us-east-1").url == "http://runtime:2")
        #expect(fromEnvironment.endpoint(for: .cloudFormation, region: "us-east-1").url == "http://cfn:3")
        #expect(fromEnvironment.endpoint(for: .sts, region: "us-east-1") == ResolvedEndpoint(url: "http://global:1", signingRegion: "us-east-1", signingName: "sts", isCustom: true))
        #expect(fromEnvironment.endpoint(for: .iam, region: "eu-west-1").signingRegion == "us-east-1")
        let withFlag = try EndpointResolver(flag: "https://flag:4", environment: environment)
        #expect(AWSService.all.allSatisfy { withFlag.endpoint(for: $0, region: "us-east-1").url == "https://flag:4" })
        #expect(AWSService.apiGateway.environmentSuffix == "API_GATEWAY" && AWSService.logs.environmentSuffix == "CLOUDWATCH_LOGS")
    }

    @Test(arguments: ["localhost:5000", "ftp://x", "http://", "http://a b", "http://h/?q"])
    func badOverridesAreRejected(value: String) {
        #expect(throws: AWSClientError.self) { try EndpointResolver(flag: value, environment: [:]) }
        #expect(throws: AWSClientError.self) { try EndpointResolver(flag: nil, environment: ["AWS_ENDPOINT_URL_STS": value]) }
    }
}

@Suite("JSON and XML values")
struct ValueTests {
    @Test func jsonRoundTripIsDeterministic() throws {
        let text = #"{"b":[1,2.5,true,null,"x\"y\\z\n\u00e9\ud83d\ude00"],"a":{"z":1,"y":-3e2}}"#
        let value = try JSONValue.parse(Data(text.utf8))
        #expect(value.description == #"{"a":{"y":-300,"z":1},"b":[1,2.5,true,null,"x\"y\\z\né😀"]}"#)
        #expect(try JSONValue.parse(value.encoded()) == value)
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "1 2"] {
            #expect(throws: AWSClientError.self) { try JSONValue.parse(Data(bad.utf8)) }
        }
    }

    @Test func xmlTreeDropsNamespacesAndFindsMembers() throws {
        let root = try XMLNode.parse(Data("<a:Root xmlns:a=\"u\"><List><member><N>1</N></member><member><N>2</N></member></List><T><![CDATA[x<y]]></T></a:Root>".utf8))
        #expect(root.name == "Root")
        #expect(root["List"]?.members.compactMap { $0.value("N") } == ["1", "2"])
        #expect(root.value("T") == "x<y")
        #expect(throws: AWSClientError.self) { try XMLNode.parse(Data("<a><b></a>".utf8)) }
    }
}
