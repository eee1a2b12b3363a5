import StackModel

// Topics, alarms, the expiry schedule, its dead-letter queue and endpoint autoscaling as Terraform resources.
extension Translator {
    /// Topics, alarms, the schedule, its queue and autoscaling, in operations.tf.
    static let operationsTranslations: [TerraformTranslation] = [
        TerraformTranslation(SnsTopic.self, "aws_sns_topic", ref: "arn", .area(.operations)) { $0.translate($1, into: &$2) },
        TerraformTranslation(SnsSubscription.self, "aws_sns_topic_subscription", ref: "arn", .area(.operations)) { $0.translate($1, into: &$2) },
        TerraformTranslation(MetricAlarm.self, "aws_cloudwatch_metric_alarm", ref: "alarm_name", .area(.operations)) { $0.translate($1, into: &$2) },
        TerraformTranslation(OneTimeSchedule.self, "aws_scheduler_schedule", ref: "name", .area(.operations)) { try $0.translate($1, into: &$2) },
        TerraformTranslation(SqsQueue.self, "aws_sqs_queue", .area(.operations)) { $0.translate($1, into: &$2) },
        TerraformTranslation(ScalableTarget.self, "aws_appautoscaling_target", ref: "resource_id", .area(.operations)) { $0.translate($1, into: &$2) },
        TerraformTranslation(TargetTrackingPolicy.self, "aws_appautoscaling_policy", ref: "arn", .area(.operations)) { try $0.translate($1, into: &$2) },
        TerraformTranslation(StepScalingPolicy.self, "aws_appautoscaling_policy", ref: "arn", .area(.operations)) { try $0.translate($1, into: &$2) },
    ]

    /// `aws_sns_topic`.
    func translate(_ r: SnsTopic, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("name", Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))])),
            .attribute("display_name", bindings.withStackName(r.displayName)),
            .attribute("kms_master_key_id", value(r.kmsKey)),
        ] + out.depends)
    }

    /// `aws_sns_topic_subscription`.
    func translate(_ r: SnsSubscription, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("topic_arn", value(r.topic)),
            .attribute("protocol", .string("email")),
            .attribute("endpoint", bindings.marked(r.$email)),
        ] + out.depends)
    }

    /// `aws_cloudwatch_metric_alarm`.
    func translate(_ r: MetricAlarm, into out: inout ResourceTranslation) {
        var body = out.skips + [
            .attribute("alarm_name", r.name.map { value($0) } ?? Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))])),
            .attribute("alarm_description", bindings.idleDescription(r)),
            .attribute("namespace", .string(r.namespace)),
            .attribute("metric_name", .string(r.metricName)),
            .attribute("dimensions", .object(r.dimensions.map { HCLObjectItem($0.name, value($0.value)) })),
        ]
        switch r.statistic {
        case .statistic(let name): body.append(.attribute("statistic", .string(name)))
        case .percentile(let name): body.append(.attribute("extended_statistic", .string(name)))
        }
        let periods = bindings.marked(r.$evaluationPeriods)
        body += [
            .attribute("period", .number(Double(r.periodSeconds))),
            .attribute("evaluation_periods", periods),
            .attribute("datapoints_to_alarm", periods),
            .attribute("threshold", bindings.alarmThreshold(r)),
            .attribute("comparison_operator", .string(r.comparison.rawValue)),
            .attribute("treat_missing_data", .string(r.missingData.rawValue)),
            .attribute("alarm_actions", ids(r.actions)),
        ]
        out.add(out.address.type, body + out.depends)
    }

    /// `aws_scheduler_schedule`.
    func translate(_ r: OneTimeSchedule, into out: inout ResourceTranslation) throws {
        let (targetArn, input, note) = try scheduleTarget(r)
        out.add(out.address.type, out.skips + note + [
            .attribute("name", .call("substr", [Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))]), .number(0), .number(64)])),
            .attribute("description", .string(r.description)),
            .attribute("schedule_expression", value(.join(["at(", r.at, ")"]))),
            .attribute("schedule_expression_timezone", .string("UTC")),
            .attribute("state", .string("ENABLED")),
            .attribute("kms_key_arn", value(r.kmsKey)),
            .block(HCLBlock("flexible_time_window", [], [.attribute("mode", .string("OFF"))])),
            .block(HCLBlock("target", [], [
                .attribute("arn", .string(targetArn)),
                .attribute("role_arn", value(r.role)),
                .attribute("input", value(input)),
                .block(HCLBlock("retry_policy", [], [
                    .attribute("maximum_event_age_in_seconds", .number(Double(r.maximumEventAgeSeconds))),
                    .attribute("maximum_retry_attempts", .number(Double(r.maximumRetryAttempts))),
                ])),
            ] + (r.deadLetterQueue.map { [.block(HCLBlock("dead_letter_config", [], [.attribute("arn", value($0))]))] } ?? []))),
        ] + out.depends)
    }

    /// `aws_sqs_queue`.
    func translate(_ r: SqsQueue, into out: inout ResourceTranslation) {
        // Terraform has no Retain: the queue goes with terraform destroy, which the schedule never runs.
        out.add(out.address.type, out.skips + [
            .attribute("name", Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))])),
            .attribute("sqs_managed_sse_enabled", .bool(true)),
            .attribute("message_retention_seconds", .number(Double(r.retentionSeconds))),
        ] + out.depends)
    }

    /// `aws_appautoscaling_target`.
    func translate(_ r: ScalableTarget, into out: inout ResourceTranslation) {
        let low = bindings.marked(r.$minCapacity), high = bindings.marked(r.$maxCapacity)
        var body = out.skips + [
            .attribute("service_namespace", .string(ScalableTarget.serviceNamespace)),
            .attribute("scalable_dimension", .string(r.dimension)),
            .attribute("resource_id", value(r.resourceID)),
            .attribute("min_capacity", low),
            .attribute("max_capacity", high),
        ] + out.depends
        if case .traversal(let lowVariable) = low, case .traversal(let highVariable) = high {
            body.append(.block(Bindings.lifecycle([("\(lowVariable) <= \(highVariable)", .string(
                "Autoscaling needs \(lowVariable.dropFirst(4)) <= \(highVariable.dropFirst(4)): raise max_instances or lower \(lowVariable.dropFirst(4))."))])))
        }
        out.add(out.address.type, body)
    }

    /// `aws_appautoscaling_policy`.
    func translate(_ r: TargetTrackingPolicy, into out: inout ResourceTranslation) throws {
        // Terraform names the target again by its three parts; referring to them orders the two.
        guard case .ref(let targetID) = r.target, book.resources[targetID] is ScalableTarget else {
            throw TerraformSynthError.noEquivalent(kind: TargetTrackingPolicy.kind, id: r.id.rawValue,
                                                   reason: "its target must be a ScalableTarget of the stack, which Terraform names by its parts")
        }
        out.add(out.address.type, out.skips + [
            .attribute("name", .string(r.policyName)),
            .attribute("policy_type", .string("TargetTrackingScaling")),
            .attribute("resource_id", reference(targetID, "resource_id")),
            .attribute("scalable_dimension", reference(targetID, "scalable_dimension")),
            .attribute("service_namespace", reference(targetID, "service_namespace")),
            .block(HCLBlock("target_tracking_scaling_policy_configuration", [], [
                .attribute("target_value", bindings.marked(r.$targetValue)),
                .attribute("scale_in_cooldown", .number(Double(r.scaleInCooldownSeconds))),
                .attribute("scale_out_cooldown", .number(Double(r.scaleOutCooldownSeconds))),
                .block(HCLBlock("predefined_metric_specification", [], [
                    .attribute("predefined_metric_type", .string(r.predefinedMetric)),
                ])),
            ])),
        ] + out.depends)
    }

    /// `aws_appautoscaling_policy` of type `StepScaling`.
    func translate(_ r: StepScalingPolicy, into out: inout ResourceTranslation) throws {
        guard case .ref(let targetID) = r.target, book.resources[targetID] is ScalableTarget else {
            throw TerraformSynthError.noEquivalent(kind: StepScalingPolicy.kind, id: r.id.rawValue,
                                                   reason: "its target must be a ScalableTarget of the stack, which Terraform names by its parts")
        }
        out.add(out.address.type, out.skips + [
            .attribute("name", .string(r.policyName)),
            .attribute("policy_type", .string("StepScaling")),
            .attribute("resource_id", reference(targetID, "resource_id")),
            .attribute("scalable_dimension", reference(targetID, "scalable_dimension")),
            .attribute("service_namespace", reference(targetID, "service_namespace")),
            .block(HCLBlock("step_scaling_policy_configuration", [], [
                .attribute("adjustment_type", .string(r.adjustmentType.rawValue)),
                .attribute("cooldown", .number(Double(r.cooldownSeconds))),
                .attribute("metric_aggregation_type", .string(r.metricAggregation)),
            ] + r.steps.map { step in
                .block(HCLBlock("step_adjustment", [], [
                    .attribute("metric_interval_lower_bound", .number(step.lowerBound)),
                    .attribute("scaling_adjustment", .number(Double(step.adjustment))),
                ]))
            })),
        ] + out.depends)
    }

    /// Scheduler's universal target for CloudFormation's DeleteStack.
    static let deleteStackTarget = "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack"
    /// Scheduler's universal target for SageMaker's DeleteEndpoint.
    static let deleteEndpointTarget = "arn:aws:scheduler:::aws-sdk:sagemaker:deleteEndpoint"

    /// A schedule's target ARN and input, and comment lines for its block.
    ///
    /// A Terraform deployment has no CloudFormation stack to delete, so a schedule that deletes the
    /// stack becomes one that deletes the stack's SageMaker endpoint: what bills by the hour stops at
    /// the expiry time, and `terraform destroy` removes the rest. The model's expiry role allows
    /// DeleteEndpoint on endpoints carrying the stack's owner tag for this.
    func scheduleTarget(_ schedule: OneTimeSchedule) throws -> (arn: String, input: Value, comments: [HCLBodyItem]) {
        guard schedule.targetArn == Self.deleteStackTarget else { return (schedule.targetArn, schedule.input, []) }
        let endpoints = stack.resources(of: Endpoint.self)
        guard endpoints.count == 1, let endpoint = endpoints.first else {
            throw TerraformSynthError.noEquivalent(kind: OneTimeSchedule.kind, id: schedule.id.rawValue,
                reason: "deletes the CloudFormation stack, which Terraform has none of; it stands for deleting the stack's one SageMaker endpoint, but the stack has \(endpoints.count)")
        }
        var name = endpoint.attribute(.endpointName)
        if let condition = stack.conditionByResource[endpoint.id] { name = .ifCondition(condition, name, "paused") }
        return (Self.deleteEndpointTarget, .document(["EndpointName": name]), [
            .comment(" Terraform: there is no CloudFormation stack to delete, so at expires_at this deletes the SageMaker"),
            .comment(" endpoint (what bills by the hour) through Scheduler's universal target, which the expiry role allows"),
            .comment(" for endpoints with this stack's owner tag. `terraform destroy` removes everything else."),
        ])
    }
}
