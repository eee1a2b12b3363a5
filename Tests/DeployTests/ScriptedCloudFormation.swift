import AWSClient
@testable import Deploy
import Foundation
import SigV4

/// A CloudFormation that answers from a script, for the paths moto cannot show (operations that
/// stay in progress, cascades of failures). It speaks the real wire format: query-protocol form
/// bodies in, XML out, through the real AWSClient (signing, parsing, errors).
final class ScriptedCloudFormation: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    /// Stack statuses DescribeStacks returns, one per call (the last repeats); nil = no stack.
    var statuses: [String?]
    /// Events by the DescribeStacks call number from which they are visible.
    var events: [(visibleFrom: Int, event: StackEvent)]
    private(set) var actions: [String] = []
    private var describeCalls = 0

    init(statuses: [String?], events: [(Int, StackEvent)] = []) {
        self.statuses = statuses
        self.events = events.map { (visibleFrom: $0.0, event: $0.1) }
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let form = String(decoding: request.body, as: UTF8.self)
        let fields = Dictionary(form.split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }, uniquingKeysWith: { a, _ in a })
        return answer(fields["Action"] ?? "?")
    }

    /// The scripted answer to one action (synchronous, so it can hold the lock).
    private func answer(_ action: String) -> HTTPResponse {
        lock.lock()
        actions.append(action)
        var body = ""
        switch action {
        case "DescribeStacks":
            let status = statuses[min(describeCalls, statuses.count - 1)]
            describeCalls += 1
            lock.unlock()
            guard let status else {
                return HTTPResponse(status: 400, headers: [:], body: Data("""
                    <ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id s does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>
                    """.utf8))
            }
            body = "<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>s</StackName><StackId>arn:s</StackId><StackStatus>\(status)</StackStatus><CreationTime>2026-11-01T10:00:00Z</CreationTime><Outputs><member><OutputKey>ApiUrl</OutputKey><OutputValue>https://x/prod/</OutputValue></member></Outputs></member></Stacks></DescribeStacksResult></DescribeStacksResponse>"
            return HTTPResponse(status: 200, headers: [:], body: Data(body.utf8))
        case "DescribeStackEvents":
            let visible = events.filter { $0.visibleFrom <= describeCalls }.map(\.event).sorted { $0.timestamp > $1.timestamp }
            lock.unlock()
            let members = visible.map { event in
                "<member><EventId>\(event.id)</EventId><StackName>s</StackName><LogicalResourceId>\(event.logicalID)</LogicalResourceId><ResourceType>\(event.resourceType)</ResourceType><Timestamp>\(ISO8601DateFormatter().string(from: event.timestamp))</Timestamp><ResourceStatus>\(event.status)</ResourceStatus>\(event.reason.map { "<ResourceStatusReason>\($0)</ResourceStatusReason>" } ?? "")</member>"
            }.joined()
            body = "<DescribeStackEventsResponse><DescribeStackEventsResult><StackEvents>\(members)</StackEvents></DescribeStackEventsResult></DescribeStackEventsResponse>"
            return HTTPResponse(status: 200, headers: [:], body: Data(body.utf8))
        default:
            lock.unlock()
            return HTTPResponse(status: 400, headers: [:], body: Data("<ErrorResponse><Error><Code>Unexpected</Code><Message>script has no \(action)</Message></Error></ErrorResponse>".utf8))
        }
    }

    var recordedActions: [String] { lock.lock(); defer { lock.unlock() }; return actions }
}

/// A console that records what it was told.
final class RecordingConsole: DeployConsole, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var lines: [String] = []
    let isInteractive: Bool
    let answer: Bool?

    init(interactive: Bool = false, answer: Bool? = nil) {
        isInteractive = interactive
        self.answer = answer
    }

    func say(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    func warn(_ line: String) { say("warning: " + line) }
    func confirm(_ question: String) -> Bool? { answer }
    func redraw(_ lines: [String]) { say(lines.joined(separator: "\n")) }
    func endLive() {}
    var text: String { lock.lock(); defer { lock.unlock() }; return lines.joined(separator: "\n") }
}

func scriptedAPI(_ transport: ScriptedCloudFormation) -> CloudFormationAPI {
    let credentials = StaticCredentialsProvider(AWSCredentials(credentials: SigV4Credentials(accessKeyID: "AKID", secretAccessKey: "secret"), source: .explicit))
    return CloudFormationAPI(client: AWSClient(credentials: credentials, region: "us-east-1",
                                               endpoints: EndpointResolver(override: "http://127.0.0.1:1"), transport: transport))
}

/// A clock that never waits and records the waits asked for.
final class InstantClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now = Date(timeIntervalSince1970: 1_795_000_000)
    private(set) var waits: [Double] = []

    var pollClock: PollClock {
        PollClock(now: { [self] in lock.lock(); defer { lock.unlock() }; return now },
                  sleep: { [self] seconds in lock.withLock { waits.append(seconds); now += seconds } })
    }
}

func event(_ id: String, _ seconds: Double, _ logical: String, _ type: String, _ status: String, _ reason: String? = nil) -> StackEvent {
    StackEvent(id: id, timestamp: Date(timeIntervalSince1970: 1_795_000_000 + seconds), logicalID: logical, physicalID: nil,
               resourceType: type, status: status, reason: reason, clientRequestToken: nil)
}
