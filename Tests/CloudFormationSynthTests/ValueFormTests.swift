import Testing
@testable import CloudFormationSynth
import StackModel

// The value forms the resource types declare their CloudFormation properties with: an object
// written in sorted key order, one in the order given, and numbers with and without a fraction.

@Test func orderedObjectsKeepTheirOrderAndObjectsAreSorted() throws {
    let ordered = CloudFormationSynth.value(.ordered(["PolicyName": "p", "PolicyDocument": ["Version": "2012-10-17"]]))
    #expect(ordered == .object([("PolicyName", .string("p")), ("PolicyDocument", .object([("Version", .string("2012-10-17"))]))]))
    let sorted = CloudFormationSynth.value(["PolicyName": "p", "PolicyDocument": "d"])
    #expect(sorted == .object([("PolicyDocument", .string("d")), ("PolicyName", .string("p"))]))
    // references inside an ordered object are found like any other
    #expect(Value.ordered(["B": .ref("Second"), "A": .attribute("First", .arn)]).references == ["Second", "First"])
}

@Test func numbersAreWrittenWithoutAFractionWhenWhole() {
    #expect(CloudFormationSynth.value(.number(3.0)) == .int(3))
    #expect(CloudFormationSynth.value(.double(2.5)).rendered() == "2.5\n")
    #expect(CloudFormationSynth.value(.double(4)).rendered() == "4\n")
}

@Test func everyResourceIsRenderedFromTheFormItDeclares() throws {
    var config = ServiceConfig()
    config.alarmEmail = "ops@example.com"
    let stack = Stack.slmService(config)
    let document = try CloudFormationSynth.translate(stack)
    for resource in stack.resources {
        let rendered = try #require(document["Resources"]?[resource.id.rawValue])
        #expect(rendered["Type"] == .string(resource.cloudFormationType))
        var expected = resource.properties.mapValues(CloudFormationSynth.value)
        if resource.takesTags { expected["Tags"] = rendered["Properties"]?["Tags"] }
        #expect(rendered["Properties"] == .sorted(expected), "\(resource.id)")
    }
}
