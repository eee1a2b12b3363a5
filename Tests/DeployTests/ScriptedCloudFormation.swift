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
    /// The stack's parameter values, as DescribeStacks reports them.
    var parameters: [String: String]
    /// The changes DescribeChangeSet reports (CREATE_COMPLETE); nil answers FAILED "didn't contain changes".
    var changes: [PlannedChange]?
    /// CreateChangeSet answers ValidationError "No updates are to be performed." (as moto does).
    var refusesEmptyUpdate = false
    /// The first request is refused as RequestTimeTooSkewed with a server clock this many seconds
    /// ahead of the InstantClock's start (the client then measures the skew).
    var skewOnce: TimeInterval?
    private(set) var actions: [String] = []
    private(set) var requests: [[String: String]] = []
    private var describeCalls = 0

    init(statuses: [String?], events: [(Int, StackEvent)] = [], parameters: [String: String] = [:], changes: [PlannedChange]? = nil) {
        self.statuses = statuses
        self.events = events.map { (visibleFrom: $0.0, event: $0.1) }
        self.parameters = parameters
        self.changes = changes
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let form = String(decoding: request.body, as: UTF8.self)
        let fields = Dictionary(form.split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }, uniquingKeysWith: { a, _ in a })
        return answer(fields["Action"] ?? "?", fields)
    }

    /// The form fields of the first request with this action.
    func request(_ action: String) -> [String: String]? {
        lock.lock(); defer { lock.unlock() }
        return requests.first { $0["Action"] == action }
    }

    /// The parameters a CreateChangeSet sent, as `Key=value` or `Key=(previous)`, in order.
    func sentParameters() -> [String]? {
        guard let fields = request("CreateChangeSet") else { return nil }
        var result: [String] = []
        var index = 1
        while let key = fields["Parameters.member.\(index).ParameterKey"] {
            if fields["Parameters.member.\(index).UsePreviousValue"] == "true" {
                result.append("\(key)=(previous)")
            } else {
                result.append("\(key)=\(fields["Parameters.member.\(index).ParameterValue"] ?? "?")")
            }
            index += 1
        }
        return result
    }

    /// The scripted answer to one action (synchronous, so it can hold the lock).
    private func answer(_ action: String, _ fields: [String: String] = [:]) -> HTTPResponse {
        lock.lock()
        if let skew = skewOnce {
            skewOnce = nil
            lock.unlock()
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            let date = formatter.string(from: Date(timeIntervalSince1970: 1_795_000_000 + skew))
            return HTTPResponse(status: 403, headers: ["date": date], body: Data("""
                <ErrorResponse><Error><Type>Sender</Type><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message></Error><RequestId>r</RequestId></ErrorResponse>
                """.utf8))
        }
        actions.append(action)
        requests.append(fields)
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
            lock.lock()
            let parameters = self.parameters.sorted { $0.key < $1.key }.map {
                "<member><ParameterKey>\($0.key)</ParameterKey><ParameterValue>\($0.value)</ParameterValue></member>"
            }.joined()
            lock.unlock()
            body = "<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>s</StackName><StackId>arn:s</StackId><StackStatus>\(status)</StackStatus><CreationTime>2026-11-01T10:00:00Z</CreationTime><Parameters>\(parameters)</Parameters><Outputs><member><OutputKey>ApiUrl</OutputKey><OutputValue>https://x/prod/</OutputValue></member></Outputs></member></Stacks></DescribeStacksResult></DescribeStacksResponse>"
            return HTTPResponse(status: 200, headers: [:], body: Data(body.utf8))
        case "CreateChangeSet":
            let refuse = refusesEmptyUpdate
            lock.unlock()
            if refuse {
                return HTTPResponse(status: 400, headers: [:], body: Data("""
                    <ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>No updates are to be performed.</Message></Error><RequestId>r</RequestId></ErrorResponse>
                    """.utf8))
            }
            body = "<CreateChangeSetResponse><CreateChangeSetResult><Id>arn:cs</Id><StackId>arn:s</StackId></CreateChangeSetResult></CreateChangeSetResponse>"
            return HTTPResponse(status: 200, headers: [:], body: Data(body.utf8))
        case "DescribeChangeSet":
            let changes = self.changes
            lock.unlock()
            guard let changes else {
                body = "<DescribeChangeSetResponse><DescribeChangeSetResult><ChangeSetId>arn:cs</ChangeSetId><Status>FAILED</Status><StatusReason>The submitted information didn't contain changes. Submit different information to create a change set.</StatusReason><Changes/></DescribeChangeSetResult></DescribeChangeSetResponse>"
                return HTTPResponse(status: 200, headers: [:], body: Data(body.utf8))
            }
            let members = changes.map { change in
                "<member><Type>Resource</Type><ResourceChange><Action>\(change.action)</Action><LogicalResourceId>\(change.logicalID)</LogicalResourceId><ResourceType>\(change.resourceType)</ResourceType>\(change.replacement.map { "<Replacement>\($0)</Replacement>" } ?? "")</ResourceChange></member>"
            }.joined()
            body = "<DescribeChangeSetResponse><DescribeChangeSetResult><ChangeSetId>arn:cs</ChangeSetId><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes>\(members)</Changes></DescribeChangeSetResult></DescribeChangeSetResponse>"
            return HTTPResponse(status: 200, headers: [:], body: Data(body.utf8))
        case "ExecuteChangeSet", "DeleteChangeSet", "DeleteStack":
            lock.unlock()
            return HTTPResponse(status: 200, headers: [:], body: Data("<\(action)Response><\(action)Result/></\(action)Response>".utf8))
        case "DescribeStackEvents":
            let visible = events.filter { $0.visibleFrom <= describeCalls }.map(\.event).sorted { $0.timestamp > $1.timestamp }
            lock.unlock()
            let members = visible.map { event in
                "<member><EventId>\(event.id)</EventId><StackName>s</StackName><LogicalResourceId>\(event.logicalID)</LogicalResourceId><ResourceType>\(event.resourceType)</ResourceType><Timestamp>\(ISO8601DateFormatter().string(from: event.timestamp))</Timestamp><ResourceStatus>\(event.status)</ResourceStatus>\(event.reason.map { "<ResourceStatusReason>\($0)</ResourceStatusReason>" } ?? "")\(event.clientRequestToken.map { "<ClientRequestToken>\($0)</ClientRequestToken>" } ?? "")</member>"
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

/// The API over a scripted transport; with `clockOffset`, the server's clock is that far ahead of
/// the client's (which reads the InstantClock's start) and the client measures it on its first call.
func scriptedAPI(_ transport: ScriptedCloudFormation, clockOffset: TimeInterval = 0) -> CloudFormationAPI {
    let credentials = StaticCredentialsProvider(AWSCredentials(credentials: SigV4Credentials(accessKeyID: "AKID", secretAccessKey: "secret"), source: .explicit))
    if clockOffset != 0 { transport.skewOnce = clockOffset }
    return CloudFormationAPI(client: AWSClient(credentials: credentials, region: "us-east-1",
                                               endpoints: EndpointResolver(override: "http://127.0.0.1:1"), transport: transport,
                                               clock: { Date(timeIntervalSince1970: 1_795_000_000) }))
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
