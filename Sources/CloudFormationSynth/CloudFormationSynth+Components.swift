import StackModel

// Scale to zero: the endpoint configuration that hosts inference components, the components and
// the step scaling policy that wakes them (see SLMService+Components.swift).
extension CloudFormationSynth {
    /// `AWS::SageMaker::EndpointConfig` without a model: the execution role and network the
    /// components are deployed with, and the variant's managed instance scaling.
    static func componentHosting(_ r: EndpointConfig, _ hosting: EndpointConfig.ComponentHosting) -> (String, [String: OrderedJSON], Bool) {
        var variant: [String: OrderedJSON] = [
            "VariantName": .string(r.variantName), "InstanceType": .string(r.instanceType),
            "InitialInstanceCount": .int(r.instanceCount),
            "ManagedInstanceScaling": .object([("Status", .string("ENABLED")),
                                               ("MinInstanceCount", .int(hosting.scaling.minInstances)),
                                               ("MaxInstanceCount", .int(hosting.scaling.maxInstances))]),
            "RoutingConfig": .object([("RoutingStrategy", .string(ManagedInstanceScaling.routingStrategy))]),
        ]
        if let ami = r.inferenceAmiVersion { variant["InferenceAmiVersion"] = .string(ami) }
        return ("AWS::SageMaker::EndpointConfig", [
            "ExecutionRoleArn": value(hosting.executionRole),
            "VpcConfig": .sorted(["Subnets": .array(hosting.subnets.map(value)), "SecurityGroupIds": .array(hosting.securityGroups.map(value))]),
            "ProductionVariants": .array([.sorted(variant)]),
        ], true)
    }

    /// `AWS::SageMaker::InferenceComponent`.
    static func inferenceComponent(_ r: InferenceComponent) -> (String, [String: OrderedJSON], Bool) {
        ("AWS::SageMaker::InferenceComponent", [
            "InferenceComponentName": .string(r.name), "EndpointName": value(r.endpointName), "VariantName": .string(r.variantName),
            "Specification": .sorted([
                "ModelName": value(r.model),
                "ComputeResourceRequirements": .sorted(["NumberOfAcceleratorDevicesRequired": .int(r.accelerators),
                                                        "MinMemoryRequiredInMb": .int(r.minMemoryMB)]),
                "StartupParameters": .sorted(["ContainerStartupHealthCheckTimeoutInSeconds": .int(r.startupHealthCheckTimeoutSeconds),
                                              "ModelDataDownloadTimeoutInSeconds": .int(r.modelDataDownloadTimeoutSeconds)]),
            ]),
            "RuntimeConfig": .object([("CopyCount", .int(r.copyCount))]),
        ], true)
    }

    /// `AWS::ApplicationAutoScaling::ScalingPolicy` of type `StepScaling`.
    static func stepScalingPolicy(_ r: StepScalingPolicy) -> (String, [String: OrderedJSON], Bool) {
        ("AWS::ApplicationAutoScaling::ScalingPolicy", [
            "PolicyName": .string(r.policyName), "PolicyType": .string("StepScaling"), "ScalingTargetId": value(r.target),
            "StepScalingPolicyConfiguration": .sorted([
                "AdjustmentType": .string(r.adjustmentType.rawValue), "Cooldown": .int(r.cooldownSeconds),
                "MetricAggregationType": .string(r.metricAggregation),
                "StepAdjustments": .array(r.steps.map { .object([("MetricIntervalLowerBound", number($0.lowerBound)),
                                                                  ("ScalingAdjustment", .int($0.adjustment))]) }),
            ]),
        ], false)
    }
}
