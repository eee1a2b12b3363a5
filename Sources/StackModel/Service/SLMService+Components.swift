// MARK: - Scale to zero (`scaling zero`)
//
// The endpoint configuration has no model: its variant hosts inference components, with managed
// instance scaling from 0 instances. One inference component carries the model and reserves the
// instance's GPUs. Application Auto Scaling moves its copy count between 0 and `max-instances`:
// target tracking on concurrent requests per copy scales in (after 15 minutes without requests,
// and at least `idle-timeout` after the last scaling), and a step scaling policy on the
// `NoCapacityInvocationFailures` alarm brings one copy back when a request finds none (SageMaker
// then starts an instance: 5-10 minutes). "Scale an endpoint to zero instances", SageMaker
// Developer Guide, and AWS's blog "Unlock cost savings with the new scale down to zero feature
// in SageMaker Inference" (December 2024).
//
// The idle alarm (and idle-pause) is not built in this mode: no GPU bills while idle. `pause` still
// removes the endpoint, its component and the NAT gateway; the TTL deletes everything as before.

extension SLMService.Inference {
    /// The inference component's logical ID.
    static let componentID: LogicalID = "InferenceComponent"

    /// The endpoint configuration without a model, with managed instance scaling from 0 instances.
    static func componentHosting(_ config: ServiceConfig, network: SLMService.Network, role: Role) -> EndpointConfig {
        EndpointConfig("EndpointConfig", hostingWith: role, instanceType: config.instanceType, initialInstanceCount: 1,
                       scaling: ManagedInstanceScaling(minInstances: 0, maxInstances: config.maxCopies),
                       subnets: network.privateSubnets, securityGroups: [network.sageMakerGroup],
                       inferenceAmiVersion: config.inferenceAMI?.version)
            .suppress("CKV_AWS_98", because: "GPU instance types have NVMe instance storage, for which SageMaker rejects a KmsKeyId; it is encrypted with a hardware key")
    }

    /// Host memory one copy reserves: half the instance's, leaving SageMaker's agents and the
    /// page cache the rest (a reservation larger than what is free cannot be placed).
    static func componentMemoryMB(_ config: ServiceConfig) -> Int {
        max(1024, Int((InstanceCatalog.types[config.instanceType]?.memoryGiB ?? 16) * 1024 / 2))
    }

    /// The model as an inference component: all the instance's GPUs per copy, one copy at first.
    func component(model: SageMakerModel) -> InferenceComponent {
        InferenceComponent(Self.componentID, name: config.inferenceComponentName, endpoint: endpoint,
                           variantName: EndpointConfig.defaultVariantName, model: model,
                           accelerators: max(1, InstanceCatalog.types[config.instanceType]?.acceleratorCount ?? 1),
                           minMemoryMB: Self.componentMemoryMB(config), copyCount: 1,
                           startupHealthCheckTimeoutSeconds: config.startupHealthCheckTimeoutSeconds,
                           modelDataDownloadTimeoutSeconds: config.modelDownloadTimeoutSeconds)
    }
}

extension SLMService {
    /// The copy count's scalable target, the scale-in target tracking policy, and the wake: a step
    /// scaling policy run by the `NoCapacityInvocationFailures` alarm.
    struct ScaleToZero: Construct {
        let config: ServiceConfig

        /// Concurrent requests per copy that target tracking holds (AWS's example value).
        static let requestsPerCopy = 5.0
        /// The wake policy's cooldown: longer than a wake, so requests retried while the copy starts
        /// do not add copies.
        static var wakeCooldownSeconds: Int { ServiceConfig.wakeSeconds + 120 }

        var body: StackContent {
            let target = ScalableTarget("CopyScalableTarget", componentName: config.inferenceComponentName,
                                        component: Inference.componentID, minCapacity: 0, maxCapacity: config.maxCopies)
            let wake = StepScalingPolicy("WakePolicy", policyName: "wake-on-request", target: target, adjustmentType: .changeInCapacity,
                                         steps: [.init(lowerBound: 0, adjustment: 1)], cooldownSeconds: Self.wakeCooldownSeconds)
            Conditional(SLMService.running) {
                target
                TargetTrackingPolicy("CopyScalingPolicy", policyName: "concurrent-requests-per-copy", target: target,
                                     targetValue: Self.requestsPerCopy,
                                     predefinedMetric: "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution",
                                     scaleInCooldownSeconds: config.idleTimeoutMinutes * 60, scaleOutCooldownSeconds: 60)
                wake
                MetricAlarm("WakeAlarm", description: "A request found no copy of the model: wake it (one copy; 5-10 minutes)",
                            namespace: "AWS/SageMaker", metricName: "NoCapacityInvocationFailures",
                            dimensions: [MetricAlarm.Dimension("InferenceComponentName", .string(config.inferenceComponentName))],
                            statistic: .statistic("Maximum"), periodSeconds: 30, evaluationPeriods: 1, threshold: 1,
                            comparison: .greaterThanOrEqual, missingData: .missing, actions: [wake.ref])
            }
        }
    }

    /// The shim's environment for an inference component: its name, and how long a wake takes.
    static func componentEnvironment(_ config: ServiceConfig) -> [String: Value] {
        guard config.scalesToZero else { return [:] }
        return ["INFERENCE_COMPONENT": .string(config.inferenceComponentName), "WAKE_SECONDS": .string(String(ServiceConfig.wakeSeconds))]
    }

    /// What the shim may invoke besides the endpoint: the inference component's ARN.
    static func componentInvokeResources(_ config: ServiceConfig) -> [Value] {
        config.scalesToZero ? [Inference.arn("sagemaker", "inference-component/\(config.inferenceComponentName)")] : []
    }
}

extension Teardown {
    /// What deleting an inference component takes (its registry schema's delete handler), for the
    /// expiry role of a `scaling zero` stack.
    static let componentDeleteActions = ["sagemaker:DeleteInferenceComponent", "sagemaker:DeleteTags", "sagemaker:DescribeInferenceComponent"]
}
