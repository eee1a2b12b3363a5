import Foundation
import Testing
@testable import StackModel

private let tiny = "TinyLlama/TinyLlama-1.1B-Chat-v1.0", qwen = "Qwen/Qwen2.5-0.5B-Instruct"

private func zeroModels(_ models: String, _ extra: [String: String] = [:]) throws -> ServiceConfig {
    try config(["scaling": "zero", "models": models].merging(extra) { _, new in new })
}

/// Two models: two SageMaker models, two components, and per component its own target, target
/// tracking, wake policy and NoCapacityInvocationFailures alarm; the first keeps the one-model IDs.
@Test func twoModelsBuildTwoComponentsEachWithItsOwnScaling() throws {
    let c = try zeroModels("\(tiny),\(qwen):copies=2")
    #expect(c.validate().isEmpty && c.modelID == tiny)
    let stack = Stack.slmService(c)
    let components = stack.resources(of: InferenceComponent.self)
    #expect(components.map(\.id) == ["InferenceComponent", "InferenceComponent2"])
    #expect(components.map(\.name) == ["slmstack-model", "slmstack-model2"])
    #expect(components.map(\.model) == [.attribute("Model", .modelName), .attribute("Model2", .modelName)])
    let models = stack.resources(of: SageMakerModel.self)
    #expect(models.map(\.id) == ["Model", "Model2"] && models.map { $0.environment["HF_MODEL_ID"] } == [tiny, qwen])
    let targets = stack.resources(of: ScalableTarget.self)
    #expect(targets.map(\.id) == ["CopyScalableTarget", "CopyScalableTarget2"])
    #expect(targets.map(\.resourceID) == [.string("inference-component/slmstack-model"), .string("inference-component/slmstack-model2")])
    #expect(targets.map(\.maxCapacity) == [1, 2] && targets.map(\.dependsOn) == [["InferenceComponent"], ["InferenceComponent2"]])
    #expect(stack.resources(of: TargetTrackingPolicy.self).map(\.id) == ["CopyScalingPolicy", "CopyScalingPolicy2"])
    let wakes = stack.resources(of: StepScalingPolicy.self)
    #expect(wakes.map(\.id) == ["WakePolicy", "WakePolicy2"] && wakes.map(\.target) == targets.map(\.ref))
    let alarms = stack.resources(of: MetricAlarm.self).filter { $0.metricName == "NoCapacityInvocationFailures" }
    #expect(alarms.map(\.id) == ["WakeAlarm", "WakeAlarm2"] && alarms.map(\.actions) == wakes.map { [$0.ref] })
    #expect(alarms.map { $0.dimensions.map(\.value) } == [[.string("slmstack-model")], [.string("slmstack-model2")]])
    // managed instance scaling: 1 + 2 copies, one ml.g5.xlarge GPU each
    #expect(stack.resources(of: EndpointConfig.self).first?.components?.scaling == ManagedInstanceScaling(minInstances: 0, maxInstances: 3))
    #expect(c.awakeInstances == 2)
    // the shim: the default, the routing table, both ARNs
    let shim = try #require(stack.resources(of: LambdaFunction.self).first { $0.id == "ShimFunction" })
    #expect(shim.environment["MODEL_ID"] == .string(tiny) && shim.environment["INFERENCE_COMPONENT"] == .string("slmstack-model"))
    guard case .string(let table)? = shim.environment["MODELS"] else { Issue.record("no MODELS"); return }
    let routes = try JSONSerialization.jsonObject(with: Data(table.utf8)) as? [String: String]
    #expect(routes == [tiny: "slmstack-model", qwen: "slmstack-model2"])
    #expect(SLMService.componentInvokeResources(c).count == 2)
    #expect(stack.outputs.first { $0.name == "InferenceComponentNames" }?.value == .string("slmstack-model,slmstack-model2"))
}

/// `models` with the one default model is the one-model stack, resource for resource.
@Test func oneListedModelIsTheOneModelStack() throws {
    let listed = Stack.slmService(try zeroModels(tiny)), plain = Stack.slmService(try config(["scaling": "zero"]))
    #expect(listed.resources.map(\.id) == plain.resources.map(\.id) && listed.outputs.map(\.name) == plain.outputs.map(\.name))
    let functions = listed.resources(of: LambdaFunction.self)
    #expect(!functions.isEmpty && functions.allSatisfy { $0.environment["MODELS"] == nil })
}

/// Copies share an instance when their reservations fit: first-fit decreasing by GPUs.
@Test func reservationsArePackedOnInstances() throws {
    let c = try zeroModels("\(tiny):accelerators=2,\(qwen):copies=3:accelerators=1", ["instance-type": "ml.g5.12xlarge"])
    #expect(c.validate().isEmpty)
    #expect(c.components.map(\.accelerators) == [2, 1] && c.components.map(\.memoryMB) == [49_152, 24_576])
    #expect(c.maxComponentInstances == 2, "2 + 1 + 1 GPUs on one 4-GPU instance, the third copy on a second")
    #expect(c.awakeInstances == 1)
}

@Test func componentNamesStayWithinSageMakersLimit() throws {
    let c = try zeroModels("\(tiny),\(qwen)", ["stack-name": String(repeating: "a", count: 120)])
    #expect(c.components.allSatisfy { $0.name.count <= 63 } && Set(c.components.map(\.name)).count == 2)
}

/// Each mistake is one line naming the setting and the fix.
@Test func modelsRefusesWhatCannotDeploy() throws {
    func problems(_ models: String, _ extra: [String: String] = [:], zero: Bool = true) throws -> [String] {
        try config((zero ? ["scaling": "zero"] : [:]).merging(["models": models].merging(extra) { _, new in new }) { _, new in new })
            .validate().map(\.description)
    }
    #expect(try problems("\(tiny),\(qwen)", zero: false).contains { $0.hasPrefix("models:") && $0.contains("--scaling zero") })
    #expect(try problems("\(tiny),Qwen/Unknown").contains { $0.hasPrefix("models:") && $0.contains("unknown model 'Qwen/Unknown'") })
    #expect(try problems("\(tiny),\(tiny)").contains { $0.contains("listed twice") })
    #expect(try problems("\(tiny),\(qwen):accelerators=2").contains { $0.contains("reserves 2 GPUs per copy but ml.g5.xlarge has 1") })
    #expect(try problems("\(tiny),\(qwen)", ["weights": "s3"]).contains { $0.hasPrefix("models:") && $0.contains("weights hub") })
    #expect(try problems("\(tiny),NousResearch/Hermes-3-Llama-3.1-8B", ["instance-type": "ml.g4dn.xlarge"])
        .contains { $0.contains("does not fit 1 GPU(s) of ml.g4dn.xlarge") })
    var mismatch = try zeroModels("\(tiny),\(qwen)")
    mismatch.modelID = qwen
    #expect(mismatch.validate().map(\.description).contains { $0.hasPrefix("model-id:") && $0.contains("list it first") })
    for bad in ["", "\(tiny),", "\(tiny):copies=0", "\(tiny):gpus=1", "\(tiny):copies=x"] {
        #expect(throws: SettingError.self, "'\(bad)'") { try config(["models": bad]) }
    }
}
