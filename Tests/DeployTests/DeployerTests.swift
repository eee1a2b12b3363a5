import Foundation
import Testing
@testable import Deploy

@Test func followingReportsTheRootCauseNotTheCascade() async throws {
    let transport = ScriptedCloudFormation(statuses: ["CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ROLLBACK_COMPLETE"], events: [
        (0, event("1", 1, "s", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated")),
        (1, event("2", 2, "Vpc", "AWS::EC2::VPC", "CREATE_COMPLETE")),
        (1, event("3", 3, "Endpoint", "AWS::SageMaker::Endpoint", "CREATE_FAILED", "Image not found in ECR")),
        (2, event("4", 4, "ShimFunction", "AWS::Lambda::Function", "CREATE_FAILED", "Resource creation cancelled")),
        (2, event("5", 5, "s", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE")),
    ])
    let clock = InstantClock()
    let console = RecordingConsole()
    let follower = EventFollower(api: scriptedAPI(transport), console: console, clock: clock.pollClock)
    let outcome = try await follower.follow(stack: "s", since: Date(timeIntervalSince1970: 1_795_000_000), total: 3, verb: "Creating")
    #expect(outcome.status == "ROLLBACK_COMPLETE" && !outcome.succeeded)
    #expect(outcome.rootCause?.logicalID == "Endpoint")
    #expect(outcome.rootCause?.reason == "Image not found in ECR")
    #expect(outcome.failures.map(\.logicalID) == ["Endpoint", "ShimFunction"])
    // CI output: one timestamped line per event, oldest first.
    let eventLines = console.lines.filter { $0.hasPrefix("2026-") || $0.hasPrefix("2") }
    #expect(eventLines.count == 5)
    #expect(eventLines[2].contains("CREATE_FAILED") && eventLines[2].contains("Endpoint") && eventLines[2].contains("Image not found in ECR"))
}

@Test func deployAttachesToAnOperationInProgressInsteadOfStartingAnother() async throws {
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"], events: [
        (0, event("1", 1, "s", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS")),
        (2, event("2", 2, "UsagePlan", "AWS::ApiGateway::UsagePlan", "UPDATE_FAILED", "Invalid throttle")),
    ])
    let console = RecordingConsole()
    let deployer = Deployer(api: scriptedAPI(transport), console: console, clock: InstantClock().pollClock)
    let request = DeployRequest(stackName: "s", template: "{}", resourceCount: 3, tags: [:], assumeYes: true, noRollback: false)
    await #expect(throws: DeployError.operationFailed(stack: "s", status: "UPDATE_ROLLBACK_COMPLETE",
                                                      rootCause: "UsagePlan (AWS::ApiGateway::UsagePlan) UPDATE_FAILED: Invalid throttle")) {
        _ = try await deployer.deploy(request)
    }
    #expect(console.text.contains("is UPDATE_IN_PROGRESS: attaching to the operation in progress"))
    #expect(!transport.recordedActions.contains("CreateChangeSet"), "no second operation was started")
    #expect(!transport.recordedActions.contains("ExecuteChangeSet"))
}

@Test func pollingBacksOffAndIsBounded() async throws {
    let transport = ScriptedCloudFormation(statuses: ["CREATE_IN_PROGRESS"])
    let clock = InstantClock()
    let follower = EventFollower(api: scriptedAPI(transport), console: RecordingConsole(), clock: clock.pollClock,
                                 backoff: Backoff(first: 0.5, factor: 2, maxInterval: 8, timeout: 60))
    await #expect(throws: DeployError.timedOut(stack: "s", status: "CREATE_IN_PROGRESS", seconds: 60)) {
        _ = try await follower.follow(stack: "s", since: .distantPast, total: 1, verb: "Creating")
    }
    #expect(Array(clock.waits.prefix(6)) == [0.5, 1, 2, 4, 8, 8])
    #expect(clock.waits.reduce(0, +) <= 60 + 8)
}

@Test func destroyingAStackThatDoesNotExistIsANoOp() async throws {
    let transport = ScriptedCloudFormation(statuses: [nil])
    let console = RecordingConsole()
    let result = try await Deployer(api: scriptedAPI(transport), console: console, clock: InstantClock().pollClock).destroy(stack: "s", assumeYes: false)
    #expect(result == DestroyResult(existed: false, retained: []))
    #expect(console.text.contains("does not exist in us-east-1: nothing to destroy"))
    #expect(transport.recordedActions == ["DescribeStacks"])
}

@Test func changesReadAsAddModifyRemoveWithReplacement() {
    let text = Deployer.describe([
        PlannedChange(action: "Add", logicalID: "Alarm", resourceType: "AWS::CloudWatch::Alarm", replacement: nil),
        PlannedChange(action: "Modify", logicalID: "EndpointConfig", resourceType: "AWS::SageMaker::EndpointConfig", replacement: "True"),
        PlannedChange(action: "Modify", logicalID: "UsagePlan", resourceType: "AWS::ApiGateway::UsagePlan", replacement: "False"),
        PlannedChange(action: "Remove", logicalID: "Old", resourceType: "AWS::SNS::Topic", replacement: nil),
    ], stack: "s", type: "UPDATE")
    #expect(text.contains("  + Add     Alarm"))
    #expect(text.contains("  ~ Modify  EndpointConfig") && text.contains("(REPLACES the resource)"))
    #expect(text.contains("  ~ Modify  UsagePlan") && text.contains("(in place)"))
    #expect(text.contains("  - Remove  Old"))
    #expect(text.hasSuffix("  1 to add, 2 to modify, 1 to remove"))
}

@Test func templateDiffNamesResourcesAndPropertyPaths() throws {
    let old = #"{"Resources": {"A": {"Type": "T", "Properties": {"X": 1, "L": [1, 2]}}, "B": {"Type": "U"}}, "Outputs": {"O": {"Value": "1"}}}"#
    let new = #"{"Outputs": {"O": {"Value": "2"}}, "Resources": {"A": {"Properties": {"L": [1, 3], "X": 1}, "Type": "T"}, "C": {"Type": "V"}}}"#
    let diff = try TemplateDiff.compare(deployed: old, current: new)
    #expect(diff.added.map(\.id) == ["C"] && diff.removed.map(\.id) == ["B"])
    #expect(diff.changed == [TemplateDiff.Change(logicalID: "A", type: "T", paths: ["Properties.L[1]"])])
    #expect(diff.outputsChanged == ["O"])
    #expect(try TemplateDiff.compare(deployed: old, current: old).isEmpty, "same template, any key order: no difference")
    #expect(throws: DeployError.self) { try TemplateDiff.compare(deployed: "AWSTemplateFormatVersion: x", current: new) }
}

@Test func emptyChangeSetIsRecognised() {
    let empty = ChangeSetDescription(id: "x", status: "FAILED", executionStatus: "UNAVAILABLE",
                                     statusReason: "The submitted information didn't contain changes. Submit different information to create a change set.", changes: [])
    #expect(empty.isEmpty)
    let failed = ChangeSetDescription(id: "x", status: "FAILED", executionStatus: nil, statusReason: "Template format error", changes: [])
    #expect(!failed.isEmpty)
}
