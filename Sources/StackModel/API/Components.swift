/// Managed instance scaling of an endpoint variant that hosts inference components
/// (`ProductionVariants[].ManagedInstanceScaling`): SageMaker adds and removes instances as the
/// components' copies need them, down to `minInstances` (0: no instance while no copy runs).
public struct ManagedInstanceScaling: Sendable, Hashable {
    public var minInstances: Int
    public var maxInstances: Int

    public init(minInstances: Int, maxInstances: Int) {
        self.minInstances = minInstances
        self.maxInstances = maxInstances
    }

    /// How requests are routed to copies (`RoutingConfig.RoutingStrategy`).
    public static let routingStrategy = "LEAST_OUTSTANDING_REQUESTS"
}

/// A SageMaker inference component (`AWS::SageMaker::InferenceComponent`): one model deployed on
/// an endpoint whose configuration has no model, with the compute each copy reserves and the
/// number of copies. Callers name it in InvokeEndpoint (`InferenceComponentName`).
///
/// Terraform's AWS provider has no such resource (hashicorp/terraform-provider-aws #35226).
public struct InferenceComponent: Resource {
    public static let kind = "InferenceComponent"
    public let id: LogicalID
    /// The fixed name (`InferenceComponentName`), so the shim, the alarms and the scalable target
    /// can name it before it exists.
    public var name: String
    public var endpointName: Value
    public var variantName: String
    public var model: Value
    /// GPUs each copy reserves (`NumberOfAcceleratorDevicesRequired`).
    public var accelerators: Int
    /// Host memory each copy reserves, in MB (`MinMemoryRequiredInMb`).
    public var minMemoryMB: Int
    /// Copies when created (`RuntimeConfig.CopyCount`); autoscaling moves it afterwards.
    public var copyCount: Int
    public var startupHealthCheckTimeoutSeconds: Int
    public var modelDataDownloadTimeoutSeconds: Int
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, name: String, endpoint: Endpoint, variantName: String, model: SageMakerModel,
                accelerators: Int, minMemoryMB: Int, copyCount: Int,
                startupHealthCheckTimeoutSeconds: Int, modelDataDownloadTimeoutSeconds: Int) {
        self.id = id
        self.name = name
        self.endpointName = endpoint.attribute(.endpointName)
        self.variantName = variantName
        self.model = model.attribute(.modelName)
        self.accelerators = accelerators
        self.minMemoryMB = minMemoryMB
        self.copyCount = copyCount
        self.startupHealthCheckTimeoutSeconds = startupHealthCheckTimeoutSeconds
        self.modelDataDownloadTimeoutSeconds = modelDataDownloadTimeoutSeconds
    }

    /// The Application Auto Scaling dimension of its copy count.
    public static let scalableDimension = "sagemaker:inference-component:DesiredCopyCount"
}

/// An Application Auto Scaling step scaling policy (`PolicyType: StepScaling`), run by the
/// CloudWatch alarms that name it as an action.
public struct StepScalingPolicy: Resource {
    public static let kind = "StepScalingPolicy"

    /// How a step's `adjustment` applies (`AdjustmentType`).
    public enum AdjustmentType: String, Sendable, Hashable {
        case changeInCapacity = "ChangeInCapacity"
        case exactCapacity = "ExactCapacity"
    }

    /// One step: the adjustment when the metric is at least `lowerBound` above the alarm threshold.
    public struct Step: Sendable, Hashable {
        public var lowerBound: Double
        public var adjustment: Int
        public init(lowerBound: Double, adjustment: Int) {
            self.lowerBound = lowerBound
            self.adjustment = adjustment
        }
    }

    public let id: LogicalID
    public var policyName: String
    public var target: Value
    public var targetResourceID: Value
    public var adjustmentType: AdjustmentType
    public var steps: [Step]
    public var cooldownSeconds: Int
    /// How the alarm's data points are aggregated (`MetricAggregationType`).
    public var metricAggregation: String
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, policyName: String, target: ScalableTarget, adjustmentType: AdjustmentType,
                steps: [Step], cooldownSeconds: Int, metricAggregation: String = "Maximum") {
        self.id = id
        self.policyName = policyName
        self.target = target.ref
        self.targetResourceID = target.resourceID
        self.adjustmentType = adjustmentType
        self.steps = steps
        self.cooldownSeconds = cooldownSeconds
        self.metricAggregation = metricAggregation
    }
}

extension ScalableTarget {
    /// The copy count of the inference component `componentName` (logical ID `component`), between
    /// `minCapacity` (0 lets it scale to zero) and `maxCapacity`; registered after the component exists.
    public init(_ id: LogicalID, componentName: String, component: LogicalID, minCapacity: Int, maxCapacity: Int) {
        self.init(id, resourceID: .string("inference-component/\(componentName)"), dimension: InferenceComponent.scalableDimension,
                  minCapacity: minCapacity, maxCapacity: maxCapacity)
        dependsOn = [component]
    }
}

extension InferenceComponent { public var values: [Value] { [endpointName, model] } }
extension StepScalingPolicy { public var values: [Value] { [target, targetResourceID] } }
