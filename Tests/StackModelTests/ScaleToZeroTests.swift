import Testing
@testable import StackModel

private func zero(_ extra: [String: String] = [:]) throws -> ServiceConfig {
    try config(["scaling": "zero"].merging(extra) { _, new in new })
}

/// `scaling zero`: an endpoint configuration without a model, one inference component, the copy
/// count scalable from 0, scale-in by target tracking and a wake on NoCapacityInvocationFailures.
@Test func scaleToZeroBuildsTheComponentForm() throws {
    let c = try zero(["max-instances": "2", "idle-timeout": "30"])
    #expect(c.validate().isEmpty)
    let stack = Stack.slmService(c)
    let hosting = try #require(stack.resources(of: EndpointConfig.self).first)
    #expect(hosting.model == nil)
    #expect(hosting.components?.scaling == ManagedInstanceScaling(minInstances: 0, maxInstances: 2))
    let component = try #require(stack.resources(of: InferenceComponent.self).first)
    #expect(component.name == "slmstack-model" && component.copyCount == 1 && component.accelerators == 1)
    #expect(component.minMemoryMB == 8192, "half of ml.g5.xlarge's 16 GiB")
    let target = try #require(stack.resources(of: ScalableTarget.self).first)
    #expect(target.dimension == "sagemaker:inference-component:DesiredCopyCount" && target.minCapacity == 0 && target.maxCapacity == 2)
    #expect(target.resourceID == .string("inference-component/slmstack-model") && target.dependsOn == [component.id])
    let tracking = try #require(stack.resources(of: TargetTrackingPolicy.self).first)
    #expect(tracking.scaleInCooldownSeconds == 1800 && tracking.predefinedMetric.hasSuffix("ConcurrentRequestsPerCopyHighResolution"))
    let wake = try #require(stack.resources(of: StepScalingPolicy.self).first)
    #expect(wake.steps == [.init(lowerBound: 0, adjustment: 1)] && wake.adjustmentType == .changeInCapacity)
    let alarms = stack.resources(of: MetricAlarm.self)
    let wakeAlarm = try #require(alarms.first { $0.metricName == "NoCapacityInvocationFailures" })
    #expect(wakeAlarm.actions == [wake.ref] && wakeAlarm.dimensions.map(\.name) == ["InferenceComponentName"])
    // no idle alarm: nothing bills by the hour for the GPU while idle
    #expect(!alarms.contains { $0.id == "IdleAlarm" })
    // the shim names the component
    let shim = try #require(stack.resources(of: LambdaFunction.self).first { $0.id == "ShimFunction" })
    #expect(shim.environment["INFERENCE_COMPONENT"] == .string("slmstack-model"))
    #expect(stack.outputs.contains { $0.name == "InferenceComponentName" })
}

@Test func theDefaultHasNoComponent() {
    let stack = Stack.slmService(ServiceConfig())
    #expect(stack.resources(of: InferenceComponent.self).isEmpty && stack.resources(of: StepScalingPolicy.self).isEmpty)
    #expect(stack.resources(of: EndpointConfig.self).first?.components == nil)
    #expect(stack.resources(of: LambdaFunction.self).allSatisfy { $0.environment["INFERENCE_COMPONENT"] == nil })
}

@Test func scaleToZeroRefusesWhatContradictsIt() throws {
    let problems = try zero(["idle-pause": "on", "min-instances": "1", "max-instances": "2"]).validate().map(\.description)
    #expect(problems.contains { $0.hasPrefix("idle-pause:") && $0.contains("turn idle-pause off") })
    #expect(problems.contains { $0.hasPrefix("min-instances:") })
    #expect(throws: SettingError.self) { try config(["scaling": "sometimes"]) }
    #expect(throws: SettingError.self) { try config(["idle-timeout": "5"]) }
    #expect(throws: SettingError.self) { try config(["awake-hours-per-day": "25"]) }
}

@Test func scaleToZeroResourcesListTheirValues() throws {
    for resource in Stack.slmService(try zero(["max-instances": "3", "ttl": "4h"])).resources {
        #expect(resource.values == resource.reflectedValues, "\(type(of: resource).kind) '\(resource.id)'")
    }
}
