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
    /// The first inference component's logical ID (the others: `InferenceComponent2`, ...).
    static let componentID: LogicalID = "InferenceComponent"

    /// The endpoint configuration without a model, with managed instance scaling from 0 instances
    /// up to what every component's most copies need (`maxComponentInstances`).
    static func componentHosting(_ config: ServiceConfig, network: SLMService.Network, role: Role) -> EndpointConfig {
        EndpointConfig("EndpointConfig", hostingWith: role, instanceType: config.instanceType, initialInstanceCount: 1,
                       scaling: ManagedInstanceScaling(minInstances: 0, maxInstances: config.maxComponentInstances),
                       subnets: network.privateSubnets, securityGroups: [network.sageMakerGroup],
                       inferenceAmiVersion: config.inferenceAMI?.version)
            .suppress("CKV_AWS_98", because: "GPU instance types have NVMe instance storage, for which SageMaker rejects a KmsKeyId; it is encrypted with a hardware key")
    }

    /// The SageMaker model of a component after the first (`Model2`, ...): the same image and
    /// settings with its own model ID in the container's environment.
    static func componentModel(_ config: ServiceConfig, _ plan: ComponentPlan, network: SLMService.Network, role: Role) -> SageMakerModel {
        var own = config
        own.modelID = plan.modelID
        return model(own, network: network, role: role, id: plan.id(modelID.rawValue))
    }

    /// A model as an inference component: its reservation per copy, one copy at first.
    func component(_ plan: ComponentPlan, model: SageMakerModel) -> InferenceComponent {
        InferenceComponent(plan.id(Self.componentID.rawValue), name: plan.name, endpoint: endpoint,
                           variantName: EndpointConfig.defaultVariantName, model: model,
                           accelerators: plan.accelerators, minMemoryMB: plan.memoryMB, copyCount: 1,
                           startupHealthCheckTimeoutSeconds: config.startupHealthCheckTimeoutSeconds,
                           modelDataDownloadTimeoutSeconds: config.modelDownloadTimeoutSeconds)
    }

    /// Every model's SageMaker model and inference component (`scaling zero`): the first model is
    /// `first` (`Model`), the others get their own.
    @StackBuilder func components(first: SageMakerModel, role: Role) -> StackContent {
        let plans = config.components
        let models = [first] + plans.dropFirst().map { Self.componentModel(config, $0, network: network, role: role) }
        for model in models.dropFirst() { model }
        Self.componentHosting(config, network: network, role: role)
        logGroup
        Conditional(SLMService.running) {
            endpoint
            for (plan, model) in zip(plans, models) { component(plan, model: model) }
        }
    }
}

extension SLMService {
    /// Each component's copy count: its scalable target, the scale-in target tracking policy, and
    /// the wake: a step scaling policy run by the `NoCapacityInvocationFailures` alarm on its name.
    struct ScaleToZero: Construct {
        let config: ServiceConfig

        /// Concurrent requests per copy that target tracking holds (AWS's example value).
        static let requestsPerCopy = 5.0
        /// The wake policy's cooldown: longer than a wake, so requests retried while the copy starts
        /// do not add copies.
        static var wakeCooldownSeconds: Int { ServiceConfig.wakeSeconds + 120 }

        var body: StackContent {
            Conditional(SLMService.running) {
                for plan in config.components { scaling(plan) }
            }
        }

        /// One component's target, policies and wake alarm.
        @StackBuilder func scaling(_ plan: ComponentPlan) -> StackContent {
            let target = ScalableTarget(plan.id("CopyScalableTarget"), componentName: plan.name,
                                        component: plan.id(Inference.componentID.rawValue), minCapacity: 0, maxCapacity: plan.maxCopies)
            let wake = StepScalingPolicy(plan.id("WakePolicy"), policyName: "wake-on-request", target: target, adjustmentType: .changeInCapacity,
                                         steps: [.init(lowerBound: 0, adjustment: 1)], cooldownSeconds: Self.wakeCooldownSeconds)
            target
            TargetTrackingPolicy(plan.id("CopyScalingPolicy"), policyName: "concurrent-requests-per-copy", target: target,
                                 targetValue: Self.requestsPerCopy,
                                 predefinedMetric: "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution",
                                 scaleInCooldownSeconds: config.idleTimeoutMinutes * 60, scaleOutCooldownSeconds: 60)
            wake
            MetricAlarm(plan.id("WakeAlarm"), description: "A request found no copy of \(plan.index == 1 ? "the model" : plan.modelID): wake it (one copy; 5-10 minutes)",
                        namespace: "AWS/SageMaker", metricName: "NoCapacityInvocationFailures",
                        dimensions: [MetricAlarm.Dimension("InferenceComponentName", .string(plan.name))],
                        statistic: .statistic("Maximum"), periodSeconds: 30, evaluationPeriods: 1, threshold: 1,
                        comparison: .greaterThanOrEqual, missingData: .missing, actions: [wake.ref])
        }
    }

    /// The shim's environment for inference components: the default model's component, how long a
    /// wake takes, and with several models `MODELS`, a JSON object of model ID to component name
    /// that routes a request's `model`.
    static func componentEnvironment(_ config: ServiceConfig) -> [String: Value] {
        guard config.scalesToZero else { return [:] }
        var environment: [String: Value] = ["INFERENCE_COMPONENT": .string(config.inferenceComponentName), "WAKE_SECONDS": .string(String(ServiceConfig.wakeSeconds))]
        let plans = config.components
        if plans.count > 1 {
            let pairs = plans.map { "\(jsonString($0.modelID)):\(jsonString($0.name))" }
            environment["MODELS"] = .string("{" + pairs.joined(separator: ",") + "}")
        }
        return environment
    }

    /// `text` as a JSON string literal (model IDs and names hold no control characters).
    private static func jsonString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// What the shim may invoke besides the endpoint: each inference component's ARN.
    static func componentInvokeResources(_ config: ServiceConfig) -> [Value] {
        config.scalesToZero ? config.components.map { Inference.arn("sagemaker", "inference-component/\($0.name)") } : []
    }
}

extension Teardown {
    /// What deleting an inference component takes (its registry schema's delete handler), for the
    /// expiry role of a `scaling zero` stack.
    static let componentDeleteActions = ["sagemaker:DeleteInferenceComponent", "sagemaker:DeleteTags", "sagemaker:DescribeInferenceComponent"]
}
