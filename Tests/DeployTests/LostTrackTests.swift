import AWSClient
import Foundation
import SigV4
import Testing
@testable import Deploy

/// Once pause, resume or extend has executed its change set, the update goes on in CloudFormation
/// whatever happens to this process: when following it fails, the error says so (as deploy and
/// destroy do), instead of a bare "not an AWS answer" that reads as if nothing happened.
private final class LosesTrackAfterExecute: HTTPTransport, @unchecked Sendable {
    let inner: ScriptedCloudFormation
    private let lock = NSLock()
    private var executed = false
    init(_ inner: ScriptedCloudFormation) { self.inner = inner }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let body = String(decoding: request.body, as: UTF8.self)
        let after = lock.withLock { () -> Bool in
            defer { if body.hasPrefix("Action=ExecuteChangeSet&") { executed = true } }
            return executed
        }
        if after {
            return HTTPResponse(status: 200, headers: ["Content-Type": "text/html"], body: Data("<html><title>Sign in to the network</title></html>".utf8))
        }
        return try await inner.send(request)
    }
}

private let changes = [PlannedChange(action: "Remove", logicalID: "Endpoint", resourceType: "AWS::SageMaker::Endpoint", replacement: nil)]

private func deployer(_ transport: LosesTrackAfterExecute) -> Deployer {
    let credentials = StaticCredentialsProvider(AWSCredentials(credentials: SigV4Credentials(accessKeyID: "AKID", secretAccessKey: "secret"), source: .explicit))
    let client = AWSClient(credentials: credentials, region: "us-east-1", endpoints: EndpointResolver(override: "http://127.0.0.1:1"),
                           transport: transport, retry: RetryPolicy(maxAttempts: 1, sleep: { _ in }))
    return Deployer(api: CloudFormationAPI(client: client), console: RecordingConsole(), clock: InstantClock().pollClock)
}

@Test(arguments: [(true, "the pause"), (false, "the resume")])
func aPauseOrResumeThatCannotBeFollowedSaysItGoesOn(paused: Bool, what: String) async throws {
    let scripted = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE"], parameters: ["Paused": String(!paused)], changes: changes)
    let transport = LosesTrackAfterExecute(scripted)
    await #expect {
        _ = try await deployer(transport).setPaused(paused, stack: "s", assumeYes: true)
    } throws: { error in
        guard case DeployError.lostTrack(let stack, let operation, let cause) = error else { return false }
        return stack == "s" && operation == what && cause.contains("not an AWS answer")
            && "\(error)".contains("\(what) of stack s was started and goes on in CloudFormation: run 'slmstack status --stack-name s'")
    }
    #expect(scripted.recordedActions.contains("ExecuteChangeSet"))
}

@Test func anExtendThatCannotBeFollowedSaysItGoesOn() async throws {
    let scripted = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE"], parameters: ["ExpiresAt": "2099-01-01T00:00:00"], changes: changes)
    await #expect {
        _ = try await deployer(LosesTrackAfterExecute(scripted)).extend(stack: "s", byMinutes: 60)
    } throws: { error in
        guard case DeployError.lostTrack(_, let operation, _) = error else { return false }
        return operation == "the extend"
    }
}
