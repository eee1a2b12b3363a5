import Cost
import Foundation
import Testing
@testable import Deploy

/// 2026-11-22 12:00:00 UTC.
let scanNow = Date(timeIntervalSince1970: 1_795_348_800)

func facts(_ name: String = "ep", type: String? = "ml.g5.xlarge", count: Int? = 1, createdHoursAgo: Double = 240,
           tags: [String: String] = ["slmstack:stack": "prod"], invocations: Double? = 42, status: String = "InService") -> EndpointFacts {
    EndpointFacts(name: name, status: status, creationTime: scanNow.addingTimeInterval(-createdHoursAgo * 3600),
                  instanceType: type, instanceCount: count, variantName: "AllTraffic", tags: tags, invocations: invocations)
}

func classify(_ items: EndpointFacts..., idleHours: Double = 168) -> ScanReport {
    EndpointScan.classify(items, region: "us-east-1", idleHours: idleHours, now: scanNow)
}

@Test func theFixedClockIsWhatItSays() {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let parts = calendar.dateComponents([.year, .month, .day, .hour], from: scanNow)
    #expect([parts.year, parts.month, parts.day, parts.hour] == [2026, 11, 22, 12])
}

@Test func ownedAndUsedIsOK() {
    let report = classify(facts())
    #expect(report.flagged.isEmpty)
    #expect(report.endpoints[0].owner == "prod")
    #expect(report.endpoints[0].isGPU)
    #expect(report.warnings.isEmpty)
}

@Test func cloudFormationsTagAlsoOwns() {
    let report = classify(facts(tags: ["aws:cloudformation:stack-name": "other"]))
    #expect(report.flagged.isEmpty)
    #expect(report.endpoints[0].owner == "other")
}

@Test func anUnownedGPUEndpointIsFlagged() {
    let report = classify(facts("stray", tags: ["team": "ml"]))
    #expect(report.endpoints[0].owner == nil)
    #expect(report.endpoints[0].findings == [.unownedGPU])
    #expect(report.flagged.map(\.facts.name) == ["stray"])
    #expect(ScanFinding.unownedGPU.description.contains("slmstack:stack"))
}

@Test func anUnknownInstanceTypeCountsAsGPUAndHasNoPrice() {
    let report = classify(facts("odd", type: "ml.x99.mega", tags: [:]))
    #expect(report.endpoints[0].isGPU)
    #expect(report.endpoints[0].hourlyUSD == nil && report.endpoints[0].monthToDateUSD == nil)
    #expect(report.endpoints[0].findings == [.unownedGPU])
    #expect(report.warnings.contains { $0.contains("odd") && $0.contains("ml.x99.mega") })
}

@Test func anUnownedCPUEndpointIsNotGPUAndNotFlagged() {
    let report = classify(facts("cpu", type: "ml.m5.large", tags: [:]))
    #expect(!report.endpoints[0].isGPU)
    #expect(report.flagged.isEmpty)
}

@Test func idleMeansNoInvocationsAndOlderThanTheThreshold() {
    // No datapoints counts as no invocations.
    let idle = classify(facts("quiet", createdHoursAgo: 200, invocations: nil))
    #expect(idle.endpoints[0].findings == [.idle(windowDays: 7, ageHours: 200)])
    #expect(classify(facts("zero", createdHoursAgo: 200, invocations: 0)).flagged.count == 1)
    // Younger than the threshold: not yet idle; a lower threshold catches it.
    #expect(classify(facts("new", createdHoursAgo: 30, invocations: nil)).flagged.isEmpty)
    #expect(classify(facts("new", createdHoursAgo: 30, invocations: nil), idleHours: 24).flagged.count == 1)
    // Used: not idle.
    #expect(classify(facts("busy", createdHoursAgo: 200, invocations: 1)).flagged.isEmpty)
    // Idle and unowned: both reasons.
    #expect(classify(facts("both", createdHoursAgo: 200, tags: [:], invocations: nil)).endpoints[0].findings.count == 2)
}

@Test func endpointsThatDoNotBillAreNotFlagged() {
    #expect(classify(facts("failed", tags: [:], invocations: nil, status: "Failed")).flagged.isEmpty)
}

@Test func monthToDateCostStartsAtTheLaterOfCreationAndTheMonth() throws {
    var warnings: [String] = []
    let price = try #require(PriceTable.embedded.lookup("sagemaker.hosting.ml.g5.xlarge", region: "us-east-1", warnings: &warnings))
    // Created 10 days ago (Nov 12 12:00): 240 hours this month, 2 instances.
    let recent = classify(facts(count: 2, createdHoursAgo: 240)).endpoints[0]
    #expect(recent.hourlyUSD == price.usd * 2)
    #expect(abs(recent.monthToDateUSD! - 240 * price.usd * 2) < 1e-9)
    // Created 60 days ago: only Nov 1 00:00 to Nov 22 12:00 counts, 21.5 days.
    let old = classify(facts(createdHoursAgo: 60 * 24)).endpoints[0]
    #expect(abs(old.monthToDateUSD! - 516 * price.usd) < 1e-9)
    #expect(abs(old.ageHours! - 1440) < 1e-9)
    #expect(EndpointScan.monthToDateHours(created: scanNow.addingTimeInterval(3600), now: scanNow) == 0)
}

@Test func endpointsComeOutInNameOrder() {
    let report = classify(facts("b"), facts("a"), facts("c"))
    #expect(report.endpoints.map(\.facts.name) == ["a", "b", "c"])
}

func described(_ name: String, status: String = "UPDATE_COMPLETE", expiresHoursAgo: Double?, outputs: [(key: String, value: String)] = []) -> StackDescription {
    var parameters = ["Paused": "false"]
    if let hours = expiresHoursAgo { parameters["ExpiresAt"] = ExpiryTime.text(scanNow.addingTimeInterval(-hours * 3600)) }
    return StackDescription(name: name, id: "arn:aws:cloudformation:us-east-1:123456789012:stack/\(name)/1", status: status,
                            statusReason: nil, creationTime: nil, lastUpdatedTime: nil, outputs: outputs, tags: [:], parameters: parameters)
}

@Test func aStackOverAnHourPastItsTTLIsOverdue() {
    let overdue = StackTTLScan.overdue([
        described("zeta", expiresHoursAgo: 2.5),
        described("alpha", status: "DELETE_FAILED", expiresHoursAgo: 30,
                  outputs: [(key: DeadLetterQueue.outputKey, value: "https://sqs.us-east-1.amazonaws.com/123456789012/q")]),
        described("deleting-now", expiresHoursAgo: 0.5),           // within the hour: the schedule is still deleting it
        described("being-deleted", status: "DELETE_IN_PROGRESS", expiresHoursAgo: 5),
        described("future", expiresHoursAgo: -4),
        described("no-ttl", expiresHoursAgo: nil),
    ], now: scanNow)
    #expect(overdue.map(\.name) == ["alpha", "zeta"])
    #expect(overdue[0].status == "DELETE_FAILED" && overdue[0].deadLetterQueueURL == "https://sqs.us-east-1.amazonaws.com/123456789012/q")
    #expect(abs(overdue[1].overdueHours - 2.5) < 0.001)
    #expect(overdue[1].reason.hasPrefix("TTL passed 2h 30m ago (at 2026-11-22T09:30:00Z) and the stack is still here (UPDATE_COMPLETE)"))
    #expect(overdue[1].reason.hasSuffix("run 'slmstack destroy --stack-name zeta'"))
}

@Test func deadLetterMessagesAreNamedInTheReason() {
    var stack = StackTTLScan.overdue([described("s", expiresHoursAgo: 3, outputs: [(key: DeadLetterQueue.outputKey, value: "https://q/1")])], now: scanNow)[0]
    #expect(!stack.reason.contains("TTL deletion failed"))
    stack.deadLetterMessages = 2
    #expect(stack.reason.contains("; TTL deletion failed: 2 messages in https://q/1; run 'slmstack destroy --stack-name s'"))
}
