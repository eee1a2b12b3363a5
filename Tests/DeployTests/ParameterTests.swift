import Foundation
import Testing
@testable import Deploy

/// A template with the two deploy-time parameters (pretty-printed, as synth writes it).
private let templateWithTTL = """
    {
      "Parameters": {
        "Paused": {"Type": "String", "AllowedValues": ["false", "true"], "Default": "false"},
        "ExpiresAt": {"Type": "String"}
      },
      "Resources": {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "a name with spaces and \\"quotes\\""}}
      }
    }
    """

private let templateWithoutTTL = """
    {
      "Parameters": {"Paused": {"Type": "String", "Default": "false"}},
      "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}
    }
    """

/// The InstantClock's start, as `ExpiresAt` text, plus `minutes`.
private func deadline(_ minutes: Int) -> String {
    ExpiryTime.text(Date(timeIntervalSince1970: 1_795_000_000 + Double(minutes) * 60))
}

private let pauseChanges = [
    PlannedChange(action: "Remove", logicalID: "Endpoint", resourceType: "AWS::SageMaker::Endpoint", replacement: nil),
    PlannedChange(action: "Remove", logicalID: "NatGateway", resourceType: "AWS::EC2::NatGateway", replacement: nil),
    PlannedChange(action: "Modify", logicalID: "ShimFunction", resourceType: "AWS::Lambda::Function", replacement: "False"),
]

private func request(_ template: String, ttl: Int? = nil, ttlGiven: Bool = false,
                     keep: (@Sendable () throws -> (template: String, resourceCount: Int))? = nil) -> DeployRequest {
    DeployRequest(stackName: "s", template: template, resourceCount: 1, tags: [:], assumeYes: true, noRollback: false,
                  ttlMinutes: ttl, ttlGiven: ttlGiven, keepingExpiry: keep)
}

// MARK: - Deploy: which parameters a change set gets

@Test func createSendsPausedFalseAndExpiresAtNowPlusTTLWithACompactTemplate() async throws {
    let transport = ScriptedCloudFormation(statuses: [nil, "CREATE_COMPLETE"], changes: pauseChanges)
    let deployer = Deployer(api: scriptedAPI(transport), console: RecordingConsole(), clock: InstantClock().pollClock)
    let result = try await deployer.deploy(request(templateWithTTL, ttl: 240))
    guard case .deployed = result else { Issue.record("expected a deploy, got \(result)"); return }
    #expect(transport.sentParameters() == ["ExpiresAt=\(deadline(240))", "Paused=false"])
    let sent = try #require(transport.request("CreateChangeSet"))
    #expect(sent["ChangeSetType"] == "CREATE" && sent["UsePreviousTemplate"] == nil)
    let body = try #require(sent["TemplateBody"])
    #expect(!body.contains("\n") && !body.contains(": "), "sent without whitespace")
    #expect(body.contains(#""DisplayName":"a name with spaces and \"quotes\"""#), "strings keep their spaces and escapes")
    #expect(body == TemplateText.compact(templateWithTTL))
}

@Test func updateKeepsPausedAndTheDeadlineAndSaysTheStackStaysPaused() async throws {
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE", "UPDATE_COMPLETE"],
                                           parameters: ["Paused": "true", "ExpiresAt": deadline(30)], changes: pauseChanges)
    let console = RecordingConsole()
    let deployer = Deployer(api: scriptedAPI(transport), console: console, clock: InstantClock().pollClock)
    _ = try await deployer.deploy(request(templateWithTTL, ttl: 240))
    #expect(transport.sentParameters() == ["ExpiresAt=(previous)", "Paused=(previous)"])
    #expect(transport.request("CreateChangeSet")?["ChangeSetType"] == "UPDATE")
    #expect(console.text.contains("stack s is paused and stays paused") && console.text.contains("slmstack resume --stack-name s"))
}

@Test func ttlGivenOnTheCommandLineMovesTheDeadlineFromNow() async throws {
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE", "UPDATE_COMPLETE"],
                                           parameters: ["Paused": "false", "ExpiresAt": deadline(30)], changes: pauseChanges)
    let deployer = Deployer(api: scriptedAPI(transport), console: RecordingConsole(), clock: InstantClock().pollClock)
    _ = try await deployer.deploy(request(templateWithTTL, ttl: 120, ttlGiven: true))
    #expect(transport.sentParameters() == ["ExpiresAt=\(deadline(120))", "Paused=(previous)"])
}

@Test func aStackThatGainsATTLGetsNowPlusTTL() async throws {
    // Deployed before the TTL (and before Paused existed): both get values, nothing is "previous".
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE", "UPDATE_COMPLETE"], parameters: [:], changes: pauseChanges)
    let deployer = Deployer(api: scriptedAPI(transport), console: RecordingConsole(), clock: InstantClock().pollClock)
    _ = try await deployer.deploy(request(templateWithTTL, ttl: 90))
    #expect(transport.sentParameters() == ["ExpiresAt=\(deadline(90))", "Paused=false"])
}

@Test func theServerClockSetsTheDeadline() async throws {
    // The client measured the server 120 s ahead: the deadline is by the server's clock.
    let transport = ScriptedCloudFormation(statuses: [nil, "CREATE_COMPLETE"], changes: pauseChanges)
    let api = scriptedAPI(transport, clockOffset: 120)
    let deployer = Deployer(api: api, console: RecordingConsole(), clock: InstantClock().pollClock)
    _ = try await deployer.deploy(request(templateWithTTL, ttl: 60))
    #expect(transport.sentParameters()?.first == "ExpiresAt=\(deadline(62))")
}

@Test func aDeployWithoutTTLKeepsTheStacksTTLUnlessItWasTurnedOff() async throws {
    let kept = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE", "UPDATE_COMPLETE"],
                                      parameters: ["Paused": "false", "ExpiresAt": deadline(30)], changes: pauseChanges)
    let console = RecordingConsole()
    _ = try await Deployer(api: scriptedAPI(kept), console: console, clock: InstantClock().pollClock)
        .deploy(request(templateWithoutTTL, keep: { (templateWithTTL, 2) }))
    #expect(kept.sentParameters() == ["ExpiresAt=(previous)", "Paused=(previous)"])
    #expect(kept.request("CreateChangeSet")?["TemplateBody"]?.contains("ExpiresAt") == true)
    #expect(console.text.contains("stack s expires in 30m (at \(deadline(30))Z): keeping its TTL"))

    let removed = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE", "UPDATE_COMPLETE"],
                                         parameters: ["Paused": "false", "ExpiresAt": deadline(30)], changes: pauseChanges)
    let warned = RecordingConsole()
    _ = try await Deployer(api: scriptedAPI(removed), console: warned, clock: InstantClock().pollClock).deploy(request(templateWithoutTTL))
    #expect(removed.sentParameters() == ["Paused=(previous)"], "a parameter the template no longer has is not sent")
    #expect(warned.text.contains("warning: this deploy removes the TTL of stack s"))
}

@Test func aTemplateWithExpiresAtNeedsATTLOnCreate() {
    #expect(throws: DeployError.notApplicable(stack: "s", reason: "is to get a template with an ExpiresAt parameter but no ttl is set: pass --ttl (for example --ttl 4h)")) {
        _ = try StackParameters.forDeploy(declared: ["ExpiresAt", "Paused"], previous: nil, ttlMinutes: nil, ttlGiven: false, now: Date(), stack: "s")
    }
    // Parameters of someone else's template: kept when the stack has them, else their default.
    let other = try? StackParameters.forDeploy(declared: ["Other", "Unset"], previous: ["Other": "x"], ttlMinutes: nil, ttlGiven: false, now: Date(), stack: "s")
    #expect(other == [StackParameter("Other", .previous)])
}

@Test func anUpdateCloudFormationRefusesAsEmptyIsNoChanges() async throws {
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE"], parameters: ["Paused": "false"])
    transport.refusesEmptyUpdate = true
    let console = RecordingConsole()
    let result = try await Deployer(api: scriptedAPI(transport), console: console, clock: InstantClock().pollClock).deploy(request(templateWithoutTTL))
    guard case .noChanges(let stack) = result else { Issue.record("expected no changes, got \(result)"); return }
    #expect(stack.parameters == ["Paused": "false"])
    #expect(console.text.contains("no changes: stack s already matches the template"))
    #expect(!transport.recordedActions.contains("ExecuteChangeSet"))
}

// MARK: - Pause and resume

@Test func pauseIsAParameterOnlyUpdateKeepingEveryOtherParameter() async throws {
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"],
                                           parameters: ["Paused": "false", "ExpiresAt": deadline(30)], changes: pauseChanges)
    let console = RecordingConsole()
    let result = try await Deployer(api: scriptedAPI(transport), console: console, clock: InstantClock().pollClock)
        .setPaused(true, stack: "s", assumeYes: true)
    guard case .updated(_, let changes) = result else { Issue.record("expected an update, got \(result)"); return }
    #expect(changes == pauseChanges)
    let sent = try #require(transport.request("CreateChangeSet"))
    #expect(sent["UsePreviousTemplate"] == "true" && sent["TemplateBody"] == nil && sent["TemplateURL"] == nil)
    #expect(sent["ChangeSetType"] == "UPDATE" && sent["Capabilities.member.1"] == "CAPABILITY_IAM")
    #expect(transport.sentParameters() == ["ExpiresAt=(previous)", "Paused=true"])
    #expect(transport.recordedActions.contains("ExecuteChangeSet"))
    #expect(console.text.contains("Pausing s (resume undoes each change):\n  - Remove  Endpoint"))
}

@Test func resumeSetsPausedFalse() async throws {
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE", "UPDATE_COMPLETE"], parameters: ["Paused": "true"], changes: pauseChanges)
    _ = try await Deployer(api: scriptedAPI(transport), console: RecordingConsole(), clock: InstantClock().pollClock)
        .setPaused(false, stack: "s", assumeYes: true)
    #expect(transport.sentParameters() == ["Paused=false"])
}

@Test(arguments: [(true, "true", "already paused"), (false, "false", "already running")])
func pausingAPausedStackOrResumingARunningOneChangesNothing(paused: Bool, current: String, message: String) async throws {
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE"], parameters: ["Paused": current])
    let console = RecordingConsole()
    let result = try await Deployer(api: scriptedAPI(transport), console: console, clock: InstantClock().pollClock)
        .setPaused(paused, stack: "s", assumeYes: true)
    guard case .unchanged = result else { Issue.record("expected no change, got \(result)"); return }
    #expect(console.text.contains("stack s is \(message): nothing to do"))
    #expect(transport.recordedActions == ["DescribeStacks"])
}

@Test func pauseNeedsAStackWithThePausedParameter() async throws {
    let missing = ScriptedCloudFormation(statuses: [nil])
    await #expect(throws: DeployError.noStack("s", region: "us-east-1")) {
        _ = try await Deployer(api: scriptedAPI(missing), console: RecordingConsole(), clock: InstantClock().pollClock).setPaused(true, stack: "s", assumeYes: true)
    }
    let old = ScriptedCloudFormation(statuses: ["CREATE_COMPLETE"], parameters: [:])
    await #expect(throws: DeployError.notApplicable(stack: "s", reason: "has no Paused parameter (it was deployed by an older slmstack): deploy it with this version first")) {
        _ = try await Deployer(api: scriptedAPI(old), console: RecordingConsole(), clock: InstantClock().pollClock).setPaused(true, stack: "s", assumeYes: true)
    }
    #expect(!old.recordedActions.contains("CreateChangeSet"))
}

@Test func declinedPauseDeletesTheChangeSetAndExecutesNothing() async throws {
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE"], parameters: ["Paused": "false"], changes: pauseChanges)
    let console = RecordingConsole(interactive: true, answer: false)
    await #expect(throws: DeployError.declined) {
        _ = try await Deployer(api: scriptedAPI(transport), console: console, clock: InstantClock().pollClock).setPaused(true, stack: "s", assumeYes: false)
    }
    #expect(transport.recordedActions.contains("DeleteChangeSet") && !transport.recordedActions.contains("ExecuteChangeSet"))
}

// MARK: - Extend

@Test func extendMovesTheDeadlineFromTheCurrentOne() async throws {
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE", "UPDATE_COMPLETE"],
                                           parameters: ["Paused": "true", "ExpiresAt": deadline(30)],
                                           changes: [PlannedChange(action: "Modify", logicalID: "ExpirySchedule", resourceType: "AWS::Scheduler::Schedule", replacement: "False")])
    let result = try await Deployer(api: scriptedAPI(transport), console: RecordingConsole(), clock: InstantClock().pollClock)
        .extend(stack: "s", byMinutes: 120)
    #expect(result.before.map(ExpiryTime.text) == deadline(30) && ExpiryTime.text(result.after) == deadline(150))
    #expect(transport.sentParameters() == ["ExpiresAt=\(deadline(150))", "Paused=(previous)"])
    #expect(transport.request("CreateChangeSet")?["UsePreviousTemplate"] == "true")
}

@Test func extendCountsFromNowOnceTheDeadlineHasPassed() async throws {
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE", "UPDATE_COMPLETE"], parameters: ["ExpiresAt": deadline(-45)],
                                           changes: [PlannedChange(action: "Modify", logicalID: "ExpirySchedule", resourceType: "AWS::Scheduler::Schedule", replacement: "False")])
    let console = RecordingConsole()
    let result = try await Deployer(api: scriptedAPI(transport), console: console, clock: InstantClock().pollClock).extend(stack: "s", byMinutes: 60)
    #expect(ExpiryTime.text(result.after) == deadline(60))
    #expect(console.text.contains("has passed or cannot be read: counting from now"))
}

@Test func extendNeedsATTL() async throws {
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE"], parameters: ["Paused": "false"])
    await #expect(throws: DeployError.notApplicable(stack: "s", reason: "has no TTL (no ExpiresAt parameter): deploy it with --ttl first, for example 'slmstack deploy --ttl 4h'")) {
        _ = try await Deployer(api: scriptedAPI(transport), console: RecordingConsole(), clock: InstantClock().pollClock).extend(stack: "s", byMinutes: 60)
    }
    #expect(transport.recordedActions == ["DescribeStacks"])
}

@Test func extendArithmetic() {
    let now = Date(timeIntervalSince1970: 1_795_000_000.75)
    // From the deadline when it is ahead; from now (whole seconds) when it has passed or is missing.
    #expect(ExpiryTime.extended(now.addingTimeInterval(600), by: 120, now: now) == Date(timeIntervalSince1970: 1_795_000_000 + 600 + 7200))
    #expect(ExpiryTime.extended(now.addingTimeInterval(-600), by: 120, now: now) == Date(timeIntervalSince1970: 1_795_000_000 + 7200))
    #expect(ExpiryTime.extended(nil, by: 5, now: now) == Date(timeIntervalSince1970: 1_795_000_000 + 300))
}

// MARK: - Times and template text

@Test func expiryTimesReadAndWriteUTCWithoutFraction() throws {
    let date = Date(timeIntervalSince1970: 1_795_000_000.9)
    #expect(ExpiryTime.text(date) == "2026-11-18T11:06:40")
    #expect(ExpiryTime.date("2026-11-18T11:06:40") == Date(timeIntervalSince1970: 1_795_000_000))
    #expect(ExpiryTime.date("2026-11-18 08:26:40") == nil && ExpiryTime.date("tomorrow") == nil)
}

@Test(arguments: [
    (0.0, "under a minute"), (59.0, "under a minute"), (60.0, "1m"), (4.0 * 3600 - 1, "3h 59m"), (3600.0, "1h"),
    (86_400.0 + 7260, "1d 2h 1m"), (-30.0, "under a minute"),
] as [(Double, String)])
func spansReadInWholeMinutes(seconds: Double, text: String) {
    #expect(ExpiryTime.span(seconds) == text)
}

@Test func relativeDeadlinesSayInOrAgo() {
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    #expect(ExpiryTime.relative(now.addingTimeInterval(3 * 3600 + 12 * 60 + 30), now: now) == "in 3h 12m (at 2026-11-18T14:19:10Z)")
    #expect(ExpiryTime.relative(now.addingTimeInterval(-125), now: now) == "2m ago (at 2026-11-18T11:04:35Z)")
}

@Test func compactTemplateTextKeepsStringsAndLeavesYAMLAlone() throws {
    let pretty = "{\n  \"A\": [1, 2],\n  \"B\": \"x y\\\\\",\n  \"C\": \"tab\\t and \\\" quote\"\n}\n"
    let compact = TemplateText.compact(pretty)
    #expect(compact == #"{"A":[1,2],"B":"x y\\","C":"tab\t and \" quote"}"#)
    let a = try JSONSerialization.jsonObject(with: Data(pretty.utf8)) as? NSDictionary
    let b = try JSONSerialization.jsonObject(with: Data(compact.utf8)) as? NSDictionary
    #expect(a == b, "the same document")
    let yaml = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"
    #expect(TemplateText.compact(yaml) == yaml)
}

@Test func describeStacksReadsTheParameters() async throws {
    let transport = ScriptedCloudFormation(statuses: ["CREATE_COMPLETE"], parameters: ["Paused": "true", "ExpiresAt": "2026-11-18T10:00:00"])
    let stack = try #require(try await scriptedAPI(transport).describeStack("s"))
    #expect(stack.parameters == ["Paused": "true", "ExpiresAt": "2026-11-18T10:00:00"])
}

@Test func statusReportsPausedAndTheDeadlineWithoutLookingForAnEndpoint() async throws {
    let transport = ScriptedCloudFormation(statuses: ["UPDATE_COMPLETE"], parameters: ["Paused": "true", "ExpiresAt": deadline(192)])
    let report = try await Deployer(api: scriptedAPI(transport), console: RecordingConsole(), clock: InstantClock().pollClock).status(stack: "s")
    #expect(report.isPaused == true && report.endpoint == nil)
    #expect(report.expiresAt.map { ExpiryTime.relative($0, now: report.now) } == "in 3h 12m (at \(deadline(192))Z)")
    #expect(transport.recordedActions == ["DescribeStacks"], "no SageMaker call for a paused stack")
}
