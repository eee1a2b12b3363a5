import AWSClient
import Foundation
import SigV4
import Testing
@testable import Deploy

/// Answers each request by its `Action` (query) or `X-Amz-Target` operation (JSON).
private final class ByOperation: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private let answers: [String: HTTPResponse]
    private var seen: [String] = []

    init(_ answers: [String: HTTPResponse]) { self.answers = answers }

    var operations: [String] { lock.withLock { seen } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let form = String(decoding: request.body, as: UTF8.self)
        let action = form.split(separator: "&").first { $0.hasPrefix("Action=") }.map { String($0.dropFirst(7)) }
        let target = request.headers.first { $0.name.lowercased() == "x-amz-target" }.map { String($0.value.split(separator: ".").last ?? "") }
        let operation = action ?? target ?? "?"
        lock.withLock { seen.append(operation) }
        return answers[operation] ?? HTTPResponse(status: 400, headers: [:], body: Data("<ErrorResponse><Error><Code>Unexpected</Code><Message>\(operation)</Message></Error></ErrorResponse>".utf8))
    }
}

private func deployer(_ transport: ByOperation) -> Deployer {
    let credentials = StaticCredentialsProvider(AWSCredentials(credentials: SigV4Credentials(accessKeyID: "AKID", secretAccessKey: "secret"), source: .explicit))
    let client = AWSClient(credentials: credentials, region: "us-east-1", endpoints: EndpointResolver(override: "http://127.0.0.1:1"),
                           transport: transport, retry: RetryPolicy(maxAttempts: 2, sleep: { _ in }))
    return Deployer(api: CloudFormationAPI(client: client), console: RecordingConsole(), clock: InstantClock().pollClock)
}

private let page = HTTPResponse(status: 200, headers: ["Content-Type": "text/html"],
                                body: Data("<html><head><title>Sign in</title></head><body>guest wifi</body></html>".utf8))
private let stackXML = HTTPResponse(status: 200, headers: [:], body: Data("""
    <DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>s</StackName><StackId>arn:s</StackId>
    <StackStatus>CREATE_COMPLETE</StackStatus><Outputs><member><OutputKey>EndpointName</OutputKey><OutputValue>s-endpoint</OutputValue></member></Outputs>
    </member></Stacks></DescribeStacksResult></DescribeStacksResponse>
    """.utf8))

private func json(_ status: Int, _ text: String) -> HTTPResponse {
    HTTPResponse(status: status, headers: ["Content-Type": "application/x-amz-json-1.1"], body: Data(text.utf8))
}

@Test func destroyAndStatusNeverReadAPortalPageAsNoStack() async throws {
    for answer in [page, HTTPResponse(status: 200, headers: [:], body: Data("<DescribeStacksResponse><ResponseMetadata/></DescribeStacksResponse>".utf8)),
                   HTTPResponse(status: 200, headers: [:], body: Data("<DescribeStacksResponse><DescribeStacksResult><Stacks/></DescribeStacksResult></DescribeStacksResponse>".utf8))] {
        let transport = ByOperation(["DescribeStacks": answer])
        await #expect(throws: AWSClientError.self) { _ = try await deployer(transport).destroy(stack: "s", assumeYes: true) }
        await #expect(throws: AWSClientError.self) { _ = try await deployer(transport).status(stack: "s") }
        #expect(!transport.operations.contains("DeleteStack"))
    }
    // Absence comes from CloudFormation's own word only.
    let missing = ByOperation(["DescribeStacks": HTTPResponse(status: 400, headers: [:], body: Data(
        "<ErrorResponse><Error><Code>ValidationError</Code><Message>Stack with id s does not exist</Message></Error></ErrorResponse>".utf8))])
    #expect(try await deployer(missing).destroy(stack: "s", assumeYes: true).existed == false)
}

@Test func statusFailsWhenTheEndpointCannotBeRead() async throws {
    for failure in [json(400, #"{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}"#),
                    json(400, #"{"__type":"ThrottlingException","message":"Rate exceeded"}"#), page] {
        let transport = ByOperation(["DescribeStacks": stackXML, "DescribeEndpoint": failure])
        await #expect(throws: AWSClientError.self) { _ = try await deployer(transport).status(stack: "s") }
    }
    // SageMaker's own "Could not find endpoint" is the one answer that means it is not there.
    let gone = ByOperation(["DescribeStacks": stackXML, "DescribeEndpoint": json(400, #"{"__type":"ValidationException","message":"Could not find endpoint \"arn:aws:sagemaker:us-east-1:1:endpoint/s-endpoint\"."}"#)])
    let report = try await deployer(gone).status(stack: "s")
    #expect(report.endpoint == nil)
    let running = ByOperation(["DescribeStacks": stackXML,
                               "DescribeEndpoint": json(200, #"{"EndpointName":"s-endpoint","EndpointStatus":"InService","EndpointConfigName":"c","ProductionVariants":[{"CurrentInstanceCount":2}]}"#),
                               "DescribeEndpointConfig": json(200, #"{"ProductionVariants":[{"InstanceType":"ml.g5.xlarge","InitialInstanceCount":1}]}"#)])
    let full = try await deployer(running).status(stack: "s")
    #expect(full.endpoint?.status == "InService" && full.instanceType == "ml.g5.xlarge" && full.instanceCount == 2)
    #expect(running.operations.filter { $0 == "DescribeEndpoint" }.count == 1)
}

@Test func scanFailsOnAnyFailureButAnEndpointGoneSinceTheListing() async throws {
    let listed = json(200, #"{"Endpoints":[{"EndpointName":"e1","EndpointArn":"arn:e1","EndpointStatus":"InService"}]}"#)
    let client: (ByOperation) -> AWSClient = { transport in
        AWSClient(credentials: StaticCredentialsProvider(AWSCredentials(credentials: SigV4Credentials(accessKeyID: "AKID", secretAccessKey: "secret"), source: .explicit)),
                  region: "us-east-1", endpoints: EndpointResolver(override: "http://127.0.0.1:1"), transport: transport,
                  retry: RetryPolicy(maxAttempts: 2, sleep: { _ in }))
    }
    let throttled = ByOperation(["ListEndpoints": listed, "DescribeEndpoint": json(400, #"{"__type":"ThrottlingException","message":"Rate exceeded"}"#)])
    await #expect(throws: AWSClientError.self) { _ = try await EndpointScanner(client: client(throttled)).collect(now: Date()) }
    let gone = ByOperation(["ListEndpoints": listed, "DescribeEndpoint": json(400, #"{"__type":"ValidationException","message":"Could not find endpoint \"arn:e1\"."}"#),
                            "ListTags": json(200, #"{"Tags":[]}"#),
                            "GetMetricStatistics": HTTPResponse(status: 200, headers: [:], body: Data("<GetMetricStatisticsResponse><GetMetricStatisticsResult><Datapoints/></GetMetricStatisticsResult></GetMetricStatisticsResponse>".utf8))])
    let facts = try await EndpointScanner(client: client(gone)).collect(now: Date())
    #expect(facts.map(\.name) == ["e1"] && facts[0].status == "InService")
}

@Test func losingTrackOfAStartedDeleteSaysItGoesOn() async throws {
    let transport = ByOperation(["DescribeStacks": stackXML, "DescribeStackEvents": page,
                                 "DeleteStack": HTTPResponse(status: 200, headers: [:], body: Data("<DeleteStackResponse><ResponseMetadata/></DeleteStackResponse>".utf8))])
    do {
        _ = try await deployer(transport).destroy(stack: "s", assumeYes: true)
        Issue.record("destroy reported success without seeing the delete end")
    } catch let error as DeployError {
        guard case .lostTrack(let stack, let operation, let cause) = error else { Issue.record("wrong error \(error)"); return }
        #expect(stack == "s" && operation == "the delete" && cause.contains("DescribeStackEvents: not an AWS answer"))
        #expect(error.description.hasSuffix("the delete of stack s was started and goes on in CloudFormation: run 'slmstack status --stack-name s' to see how it ends"))
    }
    #expect(transport.operations.filter { $0 == "DeleteStack" }.count == 1)
}
