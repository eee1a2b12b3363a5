// The operations types' (alarms, schedules, queues, scaling) CloudFormation forms: type, properties
// and whether they take tags.

extension SnsTopic {
    public var cloudFormationType: String { "AWS::SNS::Topic" }
    public var properties: [String: Value] { ["DisplayName": .string(displayName), "KmsMasterKeyId": kmsKey] }
    public var takesTags: Bool { true }
}

extension SnsSubscription {
    public var cloudFormationType: String { "AWS::SNS::Subscription" }
    public var properties: [String: Value] { ["Protocol": "email", "Endpoint": .string(email), "TopicArn": topic] }
}

extension MetricAlarm {
    public var cloudFormationType: String { "AWS::CloudWatch::Alarm" }
    public var properties: [String: Value] {
        var properties: [String: Value] = [
            "AlarmDescription": .string(description), "Namespace": .string(namespace), "MetricName": .string(metricName),
            "Dimensions": .list(dimensions.map { .ordered(["Name": .string($0.name), "Value": $0.value]) }),
            "Period": .int(periodSeconds), "EvaluationPeriods": .int(evaluationPeriods), "DatapointsToAlarm": .int(evaluationPeriods),
            "Threshold": .number(threshold), "ComparisonOperator": .string(comparison.rawValue),
            "TreatMissingData": .string(missingData.rawValue), "AlarmActions": .list(actions),
        ]
        switch statistic {
        case .statistic(let name): properties["Statistic"] = .string(name)
        case .percentile(let name): properties["ExtendedStatistic"] = .string(name)
        }
        if let name { properties["AlarmName"] = name }
        return properties
    }
    public var takesTags: Bool { true }
}

extension OneTimeSchedule {
    public var cloudFormationType: String { "AWS::Scheduler::Schedule" }
    /// An `at(…)` schedule in UTC whose target gets `input` as JSON text.
    public var properties: [String: Value] {
        var target: [String: Value] = [
            "Arn": .string(targetArn), "RoleArn": role, "Input": Self.jsonText(input),
            "RetryPolicy": .ordered(["MaximumEventAgeInSeconds": .int(maximumEventAgeSeconds), "MaximumRetryAttempts": .int(maximumRetryAttempts)]),
        ]
        if let deadLetterQueue { target["DeadLetterConfig"] = ["Arn": deadLetterQueue] }
        return [
            "Description": .string(description), "ScheduleExpression": .join(["at(", at, ")"]), "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": ["Mode": "OFF"], "State": "ENABLED", "KmsKeyArn": kmsKey, "Target": .object(target),
        ]
    }

    /// A JSON document as a string value, references joined in (an object of literal and
    /// pseudo-parameter fields, which is all schedule inputs need).
    static func jsonText(_ document: Value) -> Value {
        if case .document(let inner) = document { return jsonText(inner) }
        guard case .object(let fields) = document else { return document }
        var parts: [Value] = ["{"]
        for (index, key) in fields.keys.sorted().enumerated() {
            parts.append(.string((index == 0 ? "" : ",") + JSONText.quoted(key) + ":"))
            switch fields[key]! {
            case .string(let text): parts.append(.string(JSONText.quoted(text)))
            case let other: parts += ["\"", other, "\""]
            }
        }
        parts.append("}")
        return .join(parts)
    }
}

extension SqsQueue {
    public var cloudFormationType: String { "AWS::SQS::Queue" }
    public var properties: [String: Value] { ["SqsManagedSseEnabled": true, "MessageRetentionPeriod": .int(retentionSeconds)] }
    public var takesTags: Bool { true }
}

extension ScalableTarget {
    public var cloudFormationType: String { "AWS::ApplicationAutoScaling::ScalableTarget" }
    public var properties: [String: Value] {
        ["ResourceId": resourceID, "ScalableDimension": .string(dimension), "ServiceNamespace": .string(Self.serviceNamespace),
         "MinCapacity": .int(minCapacity), "MaxCapacity": .int(maxCapacity)]
    }
}

extension TargetTrackingPolicy {
    public var cloudFormationType: String { "AWS::ApplicationAutoScaling::ScalingPolicy" }
    public var properties: [String: Value] {
        ["PolicyName": .string(policyName), "PolicyType": "TargetTrackingScaling", "ScalingTargetId": target,
         "TargetTrackingScalingPolicyConfiguration": [
             "TargetValue": .number(targetValue), "ScaleInCooldown": .int(scaleInCooldownSeconds),
             "ScaleOutCooldown": .int(scaleOutCooldownSeconds), "PredefinedMetricSpecification": ["PredefinedMetricType": .string(predefinedMetric)],
         ]]
    }
}
