// The scale-to-zero types' CloudFormation forms: inference components and the step scaling policy
// that wakes them (the endpoint configuration that hosts them is in Inference+CloudFormation.swift).

extension InferenceComponent {
    public var cloudFormationType: String { "AWS::SageMaker::InferenceComponent" }
    public var properties: [String: Value] {
        ["InferenceComponentName": .string(name), "EndpointName": endpointName, "VariantName": .string(variantName),
         "Specification": [
             "ModelName": model,
             "ComputeResourceRequirements": ["NumberOfAcceleratorDevicesRequired": .int(accelerators), "MinMemoryRequiredInMb": .int(minMemoryMB)],
             "StartupParameters": ["ContainerStartupHealthCheckTimeoutInSeconds": .int(startupHealthCheckTimeoutSeconds),
                                   "ModelDataDownloadTimeoutInSeconds": .int(modelDataDownloadTimeoutSeconds)],
         ],
         "RuntimeConfig": ["CopyCount": .int(copyCount)]]
    }
    public var takesTags: Bool { true }
}

extension StepScalingPolicy {
    public var cloudFormationType: String { "AWS::ApplicationAutoScaling::ScalingPolicy" }
    public var properties: [String: Value] {
        ["PolicyName": .string(policyName), "PolicyType": "StepScaling", "ScalingTargetId": target,
         "StepScalingPolicyConfiguration": [
             "AdjustmentType": .string(adjustmentType.rawValue), "Cooldown": .int(cooldownSeconds),
             "MetricAggregationType": .string(metricAggregation),
             "StepAdjustments": .list(steps.map { .ordered(["MetricIntervalLowerBound": .number($0.lowerBound), "ScalingAdjustment": .int($0.adjustment)]) }),
         ]]
    }
}
