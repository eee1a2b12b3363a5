import Foundation
import Testing
@testable import Deploy

/// The demo's pause, resume, extend and destroy re-printed the end of the operation before them: its
/// events carry no client request token on the local AWS and fell inside the 2 s clock-skew margin.
@Test func onlyTheFollowedOperationsEventsAreShown() async throws {
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"], events: [
        // the deploy before: it ended one second before the pause started
        (0, event("d1", 7, "s", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "User Initiated")),
        (0, event("d2", 8.5, "ShimFunction", "AWS::Lambda::Function", "UPDATE_COMPLETE")),
        (0, event("d3", 9, "s", "AWS::CloudFormation::Stack", "UPDATE_COMPLETE")),
        // the pause: its start event shows up one poll after the call returned
        (1, event("p1", 10.5, "s", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "User Initiated")),
        (2, event("p2", 11, "Endpoint", "AWS::SageMaker::Endpoint", "DELETE_COMPLETE")),
        (2, event("p3", 12, "s", "AWS::CloudFormation::Stack", "UPDATE_COMPLETE")),
    ])
    let console = RecordingConsole()
    let follower = EventFollower(api: scriptedAPI(transport), console: console, clock: InstantClock().pollClock)
    let outcome = try await follower.follow(stack: "s", since: Date(timeIntervalSince1970: 1_795_000_010), total: 1, verb: "Pausing")
    #expect(outcome.events.map(\.id) == ["p1", "p2", "p3"])
    #expect(!console.text.contains("ShimFunction"), "the deploy's events are not the pause's")
    #expect(outcome.status == "UPDATE_COMPLETE")
}

/// With client request tokens (real AWS) the token decides, whatever the clock says.
@Test func aClientTokenDecidesWhichEventsBelong() async throws {
    func tokened(_ event: StackEvent, _ token: String) -> StackEvent {
        var copy = event
        copy.clientRequestToken = token
        return copy
    }
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"], events: [
        (0, tokened(event("o1", 9, "Api", "AWS::ApiGateway::RestApi", "UPDATE_COMPLETE"), "other")),
        (0, tokened(event("m1", 8, "s", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS"), "mine")),
        (1, tokened(event("m2", 11, "s", "AWS::CloudFormation::Stack", "UPDATE_COMPLETE"), "mine")),
    ])
    let follower = EventFollower(api: scriptedAPI(transport), console: RecordingConsole(), clock: InstantClock().pollClock)
    let outcome = try await follower.follow(stack: "s", since: Date(timeIntervalSince1970: 1_795_000_010), total: 1, verb: "Extending",
                                            clientToken: "mine")
    #expect(outcome.events.map(\.id) == ["m1", "m2"])
}
