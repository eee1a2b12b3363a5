/// An SNS topic that alarms notify, encrypted with a stack key.
public struct SnsTopic: Resource {
    public static let kind = "SnsTopic"
    public let id: LogicalID
    public var displayName: String
    /// The key that encrypts messages at rest (its key policy must let CloudWatch use it).
    public var kmsKey: Value
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, displayName: String, kmsKey: KmsKey) {
        self.id = id
        self.displayName = displayName
        self.kmsKey = kmsKey.ref
    }
}

/// An e-mail subscription to a topic (the address must confirm it before mail arrives).
public struct SnsSubscription: Resource {
    public static let kind = "SnsSubscription"
    public let id: LogicalID
    public var topic: Value
    @FromSetting public var email: String
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, topic: SnsTopic, email: String) {
        self.id = id
        self.topic = topic.ref
        self.email = email
    }
}

/// A CloudWatch metric alarm on one metric with fixed dimensions.
public struct MetricAlarm: Resource {
    public static let kind = "MetricAlarm"

    /// How data points are aggregated: a statistic (`Sum`, `Average`) or a percentile (`p90`).
    public enum Statistic: Sendable, Hashable {
        case statistic(String)
        case percentile(String)
    }

    /// The comparison of the aggregated value with the threshold.
    public enum Comparison: String, Sendable, Hashable {
        case greaterThanOrEqual = "GreaterThanOrEqualToThreshold"
        case greaterThan = "GreaterThanThreshold"
        case lessThanOrEqual = "LessThanOrEqualToThreshold"
    }

    /// What a period without data counts as.
    public enum MissingData: String, Sendable, Hashable {
        case breaching, notBreaching, missing
    }

    /// One metric dimension.
    public struct Dimension: Sendable, Hashable {
        public var name: String
        public var value: Value
        public init(_ name: String, _ value: Value) {
            self.name = name
            self.value = value
        }
    }

    public let id: LogicalID
    /// A fixed `AlarmName`, or nil to let CloudFormation generate one (Terraform names every alarm
    /// after the stack). A fixed name lets others build the alarm's ARN without referring to it.
    public var name: Value?
    public var description: String
    public var namespace: String
    public var metricName: String
    public var dimensions: [Dimension]
    public var statistic: Statistic
    public var periodSeconds: Int
    @FromSetting public var evaluationPeriods: Int
    public var threshold: Double
    public var comparison: Comparison
    public var missingData: MissingData
    /// ARNs to notify or invoke when the alarm fires (topics, Lambda functions).
    public var actions: [Value]
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, description: String, namespace: String, metricName: String, dimensions: [Dimension],
                statistic: Statistic, periodSeconds: Int, evaluationPeriods: Int, threshold: Double,
                comparison: Comparison, missingData: MissingData, actions: [Value], name: Value? = nil) {
        self.id = id
        self.name = name
        self.description = description
        self.namespace = namespace
        self.metricName = metricName
        self.dimensions = dimensions
        self.statistic = statistic
        self.periodSeconds = periodSeconds
        self.evaluationPeriods = evaluationPeriods
        self.threshold = threshold
        self.comparison = comparison
        self.missingData = missingData
        self.actions = actions
    }
}

/// An EventBridge Scheduler one-time schedule that calls an AWS API through a universal target.
public struct OneTimeSchedule: Resource {
    public static let kind = "OneTimeSchedule"
    public let id: LogicalID
    public var description: String
    /// When it fires, UTC, as `yyyy-mm-ddThh:mm:ss` (usually a parameter).
    public var at: Value
    /// The universal target, for example `arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack`.
    public var targetArn: String
    /// The role Scheduler assumes to make the call.
    public var role: Value
    /// The API call's input, a JSON document.
    public var input: Value
    /// The key that encrypts the schedule's input.
    public var kmsKey: Value
    /// The ARN of the SQS queue Scheduler sends the event to when its retries are exhausted, or nil.
    public var deadLetterQueue: Value?
    /// Scheduler's retry policy: at most this many retries, within this many seconds of the event
    /// (185 and 86,400 are Scheduler's maximums, and its defaults).
    public var maximumRetryAttempts = 185
    public var maximumEventAgeSeconds = 86_400
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, description: String, at: Value, targetArn: String, role: Role, input: Value, kmsKey: KmsKey,
                deadLetterQueue: SqsQueue? = nil) {
        self.id = id
        self.deadLetterQueue = deadLetterQueue?.attribute(.arn)
        self.description = description
        self.at = at
        self.targetArn = targetArn
        self.role = role.attribute(.arn)
        self.input = input
        self.kmsKey = kmsKey.attribute(.arn)
    }
}

/// An SQS standard queue encrypted with SQS-managed keys (SSE-SQS): it needs no key of the stack,
/// so it stays readable after the stack and its key are gone. `Ref` is its URL.
public struct SqsQueue: Resource {
    public static let kind = "SqsQueue"
    public let id: LogicalID
    /// How long a message is kept, in seconds (SQS allows 60 to 1,209,600, 14 days).
    public var retentionSeconds: Int
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, retentionSeconds: Int = 1_209_600) {
        self.id = id
        self.retentionSeconds = retentionSeconds
    }
}

/// The instance count of a SageMaker endpoint variant, or the copy count of an inference
/// component, as an Application Auto Scaling target.
public struct ScalableTarget: Resource {
    public static let kind = "ScalableTarget"
    public let id: LogicalID
    /// `endpoint/<name>/variant/<variant>`, or `inference-component/<name>`.
    public var resourceID: Value
    /// `scalableDimension` (a variant's instances) or `InferenceComponent.scalableDimension`.
    public var dimension: String = ScalableTarget.scalableDimension
    @FromSetting public var minCapacity: Int
    @FromSetting public var maxCapacity: Int
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public static let scalableDimension = "sagemaker:variant:DesiredInstanceCount"
    public static let serviceNamespace = "sagemaker"

    public init(_ id: LogicalID, endpoint: Endpoint, variantName: String, minCapacity: Int, maxCapacity: Int) {
        self.id = id
        self.resourceID = .join(["endpoint/", endpoint.attribute(.endpointName), .string("/variant/\(variantName)")])
        self.minCapacity = minCapacity
        self.maxCapacity = maxCapacity
    }

    /// Any resource's capacity: its resource ID and scalable dimension.
    public init(_ id: LogicalID, resourceID: Value, dimension: String, minCapacity: Int, maxCapacity: Int) {
        self.id = id
        self.resourceID = resourceID
        self.dimension = dimension
        self.minCapacity = minCapacity
        self.maxCapacity = maxCapacity
    }
}

/// Target tracking on SageMaker's invocations per instance.
public struct TargetTrackingPolicy: Resource {
    public static let kind = "TargetTrackingPolicy"
    public let id: LogicalID
    public var policyName: String
    public var target: Value
    /// The scalable target's resource ID, dimension and namespace (Terraform names them again).
    public var targetResourceID: Value
    /// Invocations per instance per minute to hold.
    @FromSetting public var targetValue: Double
    public var predefinedMetric: String
    public var scaleInCooldownSeconds: Int
    public var scaleOutCooldownSeconds: Int
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, policyName: String, target: ScalableTarget, targetValue: Double,
                predefinedMetric: String = "SageMakerVariantInvocationsPerInstance",
                scaleInCooldownSeconds: Int = 600, scaleOutCooldownSeconds: Int = 60) {
        self.id = id
        self.policyName = policyName
        self.target = target.ref
        self.targetResourceID = target.resourceID
        self.targetValue = targetValue
        self.predefinedMetric = predefinedMetric
        self.scaleInCooldownSeconds = scaleInCooldownSeconds
        self.scaleOutCooldownSeconds = scaleOutCooldownSeconds
    }
}
