import Foundation
import Testing
@testable import CloudFormationSynth
import StackModel

/// `Stack.retain` renders as DeletionPolicy and UpdateReplacePolicy, on that resource only.
@Test func aRetainedResourceHasBothPolicies() throws {
    var config = ServiceConfig()
    config.ttlMinutes = 240
    let template = try CloudFormationSynth.synthesize(Stack.slmService(config))
    let resources = try #require((try JSONSerialization.jsonObject(with: Data(template.text.utf8)) as? [String: Any])?["Resources"] as? [String: [String: Any]])
    let retained = resources.filter { $0.value["DeletionPolicy"] != nil || $0.value["UpdateReplacePolicy"] != nil }
    #expect(retained.keys.sorted().contains("ExpiryRole"))
    #expect(resources["ExpiryRole"]?["DeletionPolicy"] as? String == "Retain")
    #expect(resources["ExpiryRole"]?["UpdateReplacePolicy"] as? String == "Retain")
    #expect(resources["Endpoint"]?["DeletionPolicy"] == nil)
    // the attribute sits between DependsOn and Metadata, as CloudFormation's docs order them
    let role = template.text.components(separatedBy: "\"ExpiryRole\": {")[1]
    #expect(role.range(of: "\"DeletionPolicy\"")!.lowerBound < role.range(of: "\"Metadata\"")!.lowerBound)
}
