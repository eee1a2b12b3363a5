// MARK: - Operations: alarm topic, idle guard, alarms, autoscaling, expiry

extension SLMService {
    /// The cost-safety and operations parts: the alarm topic (with an optional e-mail subscription),
    /// the idle alarm (optionally pausing the stack), the operational alarms, autoscaling, and the
    /// expiry schedule that deletes the stack when its TTL is up.
    public struct Operations: Construct {
        static let expiryRoleID: LogicalID = "ExpiryRole"
        /// The expiry schedule's dead-letter queue, retained like the role (see `expiry()`).
        static let deadLetterQueueID: LogicalID = "ExpiryDeadLetterQueue"
        /// Scheduler's universal target for CloudFormation's DeleteStack.
        static let deleteStackTarget = "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack"

        public let config: ServiceConfig
        public let network: Network
        public let inference: Inference
        public let shim: Shim
        public let api: PublicApi

        public init(config: ServiceConfig, network: Network, inference: Inference, shim: Shim, api: PublicApi) {
            self.config = config
            self.network = network
            self.inference = inference
            self.shim = shim
            self.api = api
        }

        var endpointDimensions: [MetricAlarm.Dimension] {
            // an endpoint that hosts inference components reports the model's metrics per component
            if config.scalesToZero { return [MetricAlarm.Dimension("InferenceComponentName", .string(config.inferenceComponentName))] }
            return [MetricAlarm.Dimension("EndpointName", inference.endpoint.attribute(.endpointName)),
             MetricAlarm.Dimension("VariantName", .string(EndpointConfig.defaultVariantName))]
        }

        public var body: StackContent {
            if config.hasAlarmTopic {
                let topic = SnsTopic("AlarmTopic", displayName: "slmstack \(config.stackName) alarms", kmsKey: network.logsKey)
                topic
                if let email = config.alarmEmail { SnsSubscription("AlarmEmail", topic: topic, email: email).fromSetting(\.$email, "alarm-email") }
                if config.idleHours > 0 && !config.scalesToZero { idleGuard(topic: topic) }
                if config.alarms { alarms(topic: topic) }
            }
            if config.scalesToZero {
                ScaleToZero(config: config)
            } else if let range = config.autoscaling {
                let target = ScalableTarget("ScalableTarget", endpoint: inference.endpoint, variantName: EndpointConfig.defaultVariantName,
                                            minCapacity: range.lowerBound, maxCapacity: range.upperBound)
                    .fromSetting(\.$minCapacity, config.minInstances != nil ? "min-instances" : "instance-count")
                    .fromSetting(\.$maxCapacity, "max-instances")
                Conditional(SLMService.running) {
                    target
                    TargetTrackingPolicy("ScalingPolicy", policyName: "invocations-per-instance", target: target,
                                         targetValue: Double(config.scalingTarget))
                        .fromSetting(\.$targetValue, "scaling-target")
                }
            }
            if config.ttlMinutes != nil { expiry() }
        }

        /// The idle alarm's fixed name: the idle function's permission names the alarm's ARN before
        /// the alarm exists, so the alarm can depend on it (its first action then finds it in place).
        static let idleAlarmName: Value = .join([.pseudo(.stackName), "-idle-alarm"])

        /// The idle alarm, and with `idle-pause` the function it invokes to pause the stack.
        ///
        /// With `idle-pause` the alarm invokes only the function: the function skips an endpoint younger
        /// than `idle-hours` (a new endpoint has no data points, which count as breaching) and sets the
        /// alarm back to OK after any skip, so the alarm fires again later; it publishes what it did to
        /// the topic. Without `idle-pause` the alarm notifies the topic directly.
        @StackBuilder func idleGuard(topic: SnsTopic) -> StackContent {
            let alarmArn: Value = .join(["arn:", .pseudo(.partition), ":cloudwatch:", .pseudo(.region), ":", .pseudo(.accountID), ":alarm:", Self.idleAlarmName])
            let pauser = config.idlePause ? idlePauser(topic: topic, alarmArn: alarmArn) : nil
            if let pauser { pauser.content }
            let permission = pauser.map {
                LambdaPermission("IdlePausePermission", function: $0.function, principal: "lambda.alarms.cloudwatch.amazonaws.com", sourceArn: alarmArn)
            }
            if let permission { permission }
            let alarm = MetricAlarm("IdleAlarm", description: "No invocations for \(config.idleHours) h: the GPU endpoint bills while idle; run slmstack pause or destroy",
                                    namespace: "AWS/SageMaker", metricName: "Invocations", dimensions: endpointDimensions,
                                    statistic: .statistic("Sum"), periodSeconds: 3600, evaluationPeriods: config.idleHours, threshold: 0,
                                    comparison: .lessThanOrEqual, missingData: .breaching,
                                    actions: pauser.map { [$0.function.attribute(.arn)] } ?? [topic.ref], name: Self.idleAlarmName)
                .fromSetting(\.$evaluationPeriods, "idle-hours")
            Conditional(SLMService.running) { permission.map { alarm.dependsOn($0) } ?? alarm }
        }

        /// The SageMaker endpoint's ARN, built from its fixed name (so it does not change when a pause
        /// removes the endpoint).
        var endpointArn: Value { Inference.arn("sagemaker", "endpoint/\(config.endpointName)") }

        /// The function the idle alarm invokes, its role and log group.
        ///
        /// The pause is a parameter-only update whose only changes are the removals of the billable
        /// parts (endpoint, NAT gateway and address, the route through it, the endpoint's alarms and
        /// autoscaling): nothing that stays names the endpoint other than by its fixed name. So the
        /// role needs those types' delete-handler actions (CloudFormation makes them on the function's
        /// credentials, `aws:CalledVia`) and nothing that creates or updates.
        func idlePauser(topic: SnsTopic, alarmArn: Value) -> (function: LambdaFunction, content: StackContent) {
            let logGroup = LogGroup("IdlePauseLogGroup", retentionDays: config.logRetentionDays, kmsKey: network.logsKey).fromSetting(\.$retentionDays, "log-retention-days")
            let viaCloudFormation: [String: [String: Value]] = ["ForAnyValue:StringEquals": ["aws:CalledVia": ["cloudformation.amazonaws.com"]]]
            let role = Role("IdlePauseRole", description: "Idle pause: update this stack with Paused=true, and remove what that update removes",
                            assumedBy: "lambda.amazonaws.com", policies: [
                "pause-stack": PolicyDocument([
                    .allow(["cloudformation:DescribeStackEvents", "cloudformation:DescribeStacks", "cloudformation:UpdateStack"], on: [.pseudo(.stackID)], sid: "UpdateThisStack"),
                    .allow(Teardown.pauseActions, on: ["*"], sid: "RemoveBillablePartsThroughCloudFormation", conditions: viaCloudFormation),
                    .allow(["cloudwatch:DeleteAlarms"], on: [.join(["arn:", .pseudo(.partition), ":cloudwatch:", .pseudo(.region), ":", .pseudo(.accountID), ":alarm:", .pseudo(.stackName), "-*"])], sid: "RemoveEndpointAlarms",
                           conditions: viaCloudFormation),
                    // the endpoint's age, and its deletion: by CloudFormation, or by the function itself
                    // when deployed without a stack (Terraform)
                    .allow(["sagemaker:DeleteEndpoint", "sagemaker:DescribeEndpoint"], on: [endpointArn], sid: "OwnEndpoint"),
                ]),
                "notify": PolicyDocument([
                    .allow(["cloudwatch:SetAlarmState"], on: [alarmArn], sid: "RearmIdleAlarm"),
                    .allow(["sns:Publish"], on: [topic.ref], sid: "PublishOutcome"),
                    .allow(["kms:Decrypt", "kms:GenerateDataKey*"], on: [network.logsKey.attribute(.arn)], sid: "EncryptForTopic"),
                ]),
                "logs": PolicyDocument([.allow(["logs:CreateLogStream", "logs:PutLogEvents"], on: [logGroup.attribute(.arn)], sid: "WriteOwnLogGroup")]),
                "tracing": PolicyDocument([.allow(["xray:PutTelemetryRecords", "xray:PutTraceSegments"], on: ["*"], sid: "Trace")]),
            ])
            .suppress("CKV_AWS_111", because: "the write actions are allowed only when CloudFormation makes them for this stack's update (aws:CalledVia)")
            .suppress("CKV_AWS_355", because: "CloudFormation names the resources at run time; aws:CalledVia limits these actions to this stack's update")
            let function = LambdaFunction("IdlePauseFunction", description: "slmstack idle pause: sets Paused=true on this stack when the idle alarm fires",
                                          runtime: "python3.13", handler: "index.handler", code: LambdaSource.inlinedIdlePause, role: role,
                                          memoryMB: 128, timeoutSeconds: Self.idlePauseTimeoutSeconds, reservedConcurrency: nil,
                                          environment: ["STACK_ID": .pseudo(.stackID),
                                                        "ENDPOINT_NAME": .string(config.endpointName),
                                                        "ALARM_NAME": Self.idleAlarmName,
                                                        "TOPIC_ARN": topic.ref,
                                                        "IDLE_HOURS": .string(String(config.idleHours))],
                                          subnets: [], securityGroups: [], logGroup: logGroup)
                .suppress("CKV_AWS_117", because: "it calls the CloudFormation API; inside the VPC it would need the NAT gateway that pausing removes")
                .suppress("CKV_AWS_115", because: "no reservation: new accounts have 10 executions in all and Lambda refuses any reservation that leaves fewer; the alarm invokes it once per idle period")
                .suppress("CKV_AWS_116", because: "the alarm invokes it once per idle period; it publishes the pause's outcome, success or failure, to the alarm topic")
                .suppress("CKV_AWS_173", because: "the environment holds only the stack ID, the endpoint and alarm names and the topic's ARN")
                .suppress("CKV_AWS_272", because: "the code is the reviewed idle_pause.py from this repository, deployed inline or as the synthesized zip")
            return (function, StackContent(resources: [logGroup, role, function]))
        }

        /// The idle function's timeout: it waits for the pause's outcome (a NAT gateway takes minutes
        /// to delete) and gives up waiting, with a notice, 30 s before this.
        static let idlePauseTimeoutSeconds = 900

        /// Endpoint 5XX and latency, Lambda errors and throttles, API 5XX: one alarm each, to the topic.
        @StackBuilder func alarms(topic: SnsTopic) -> StackContent {
            // 80% of the timeout in microseconds, in integers so it stays a whole number (0.8 in
            // floating point made 7 s 5600000.000000001).
            let latencyMicroseconds = Double(SLMService.sageMakerTimeout(lambdaTimeout: config.lambdaTimeoutSeconds) * 800_000)
            Conditional(SLMService.running) {
                MetricAlarm("EndpointErrorsAlarm", description: "The model container answered 5XX errors",
                            namespace: "AWS/SageMaker", metricName: "Invocation5XXErrors", dimensions: endpointDimensions,
                            statistic: .statistic("Sum"), periodSeconds: 300, evaluationPeriods: 1, threshold: 1,
                            comparison: .greaterThanOrEqual, missingData: .notBreaching, actions: [topic.ref])
                MetricAlarm("ModelLatencyAlarm", description: "p90 model latency is above 80% of the shim's timeout for 15 minutes: answers are about to time out",
                            namespace: "AWS/SageMaker", metricName: "ModelLatency", dimensions: endpointDimensions,
                            statistic: .percentile("p90"), periodSeconds: 300, evaluationPeriods: 3, threshold: latencyMicroseconds,
                            comparison: .greaterThan, missingData: .notBreaching, actions: [topic.ref])
            }
            let function = [MetricAlarm.Dimension("FunctionName", shim.function.ref)]
            MetricAlarm("ShimErrorsAlarm", description: "The Lambda shim failed (errors, not 4XX answers)",
                        namespace: "AWS/Lambda", metricName: "Errors", dimensions: function,
                        statistic: .statistic("Sum"), periodSeconds: 300, evaluationPeriods: 1, threshold: 1,
                        comparison: .greaterThanOrEqual, missingData: .notBreaching, actions: [topic.ref])
            MetricAlarm("ShimThrottlesAlarm", description: "Requests hit the shim's reserved concurrency",
                        namespace: "AWS/Lambda", metricName: "Throttles", dimensions: function,
                        statistic: .statistic("Sum"), periodSeconds: 300, evaluationPeriods: 1, threshold: 1,
                        comparison: .greaterThanOrEqual, missingData: .notBreaching, actions: [topic.ref])
            MetricAlarm("Api5xxAlarm", description: "The API answered 5XX errors",
                        namespace: "AWS/ApiGateway", metricName: "5XXError",
                        dimensions: [MetricAlarm.Dimension("ApiName", api.api.name), MetricAlarm.Dimension("Stage", .string(config.stageName))],
                        statistic: .statistic("Sum"), periodSeconds: 300, evaluationPeriods: 1, threshold: 1,
                        comparison: .greaterThanOrEqual, missingData: .notBreaching, actions: [topic.ref])
        }

        /// The expiry role and the one-time schedule that deletes the stack at `ExpiresAt`.
        ///
        /// The role can call DeleteStack on this stack only; the delete actions CloudFormation then
        /// makes on its credentials are allowed only through CloudFormation (`aws:CalledVia`), so the
        /// role deletes exactly this stack's resources. The role itself is kept (`DeletionPolicy:
        /// Retain`, see `Stack.slmService`): deleting it on its own session would first remove the
        /// policy that allows the deletion. Scheduler retries a call it could not deliver (RetryPolicy)
        /// and then sends the event to the dead-letter queue ("Configuring a schedule's dead-letter
        /// queue", EventBridge Scheduler User Guide), which is retained too (SSE-SQS, no stack key),
        /// so `status` and `scan` can say a deletion failed after the stack's own alarm topic is
        /// gone. A DeleteStack CloudFormation accepts and that then ends DELETE_FAILED is no failed
        /// call: `status` and `scan` catch that one by `ExpiresAt` being past.
        @StackBuilder func expiry() -> StackContent {
            let queue = SqsQueue(Self.deadLetterQueueID)
                .suppress("CKV_AWS_27", because: "encrypted with SQS-managed keys (SqsManagedSseEnabled), which checkov's CloudFormation check does not read; a stack key would be deleted with the stack while this queue is kept")
            let role = Role(Self.expiryRoleID, description: "Expiry: delete this stack when its TTL is up, and nothing else",
                            assumedBy: "scheduler.amazonaws.com", trustConditions: ["StringEquals": ["aws:SourceAccount": .pseudo(.accountID)]],
                            policies: [
                "delete-stack": PolicyDocument([
                    .allow(["cloudformation:DeleteStack"], on: [.pseudo(.stackID)], sid: "DeleteThisStack"),
                    .allow((Teardown.deleteActions + (config.scalesToZero ? Teardown.componentDeleteActions : [])).sorted(), on: ["*"],
                           sid: "DeleteItsResourcesThroughCloudFormation",
                           conditions: ["ForAnyValue:StringEquals": ["aws:CalledVia": ["cloudformation.amazonaws.com"]]]),
                    // deployed without a stack (Terraform), the schedule deletes the endpoint itself
                    .allow(["sagemaker:DeleteEndpoint"], on: [endpointArn], sid: "DeleteOwnEndpoint"),
                    .allow(["kms:Decrypt"], on: [network.logsKey.attribute(.arn)], sid: "ReadScheduleInput"),
                    // Scheduler sends the dead-letter event with the schedule's execution role
                    .allow(["sqs:SendMessage"], on: [queue.attribute(.arn)], sid: "ReportFailedDeletion"),
                ]),
            ])
            .suppress("CKV_AWS_111", because: "the delete actions are allowed only when CloudFormation makes them while deleting this stack (aws:CalledVia)")
            .suppress("CKV_AWS_355", because: "CloudFormation names the resources at run time; aws:CalledVia limits these actions to this stack's deletion")
            role
            queue
            OneTimeSchedule("ExpirySchedule", description: "slmstack TTL: deletes this stack at ExpiresAt (UTC); slmstack extend moves it",
                            at: SLMService.expiresAtParameter.value, targetArn: Self.deleteStackTarget, role: role,
                            input: .document(["StackName": .pseudo(.stackID)]), kmsKey: network.logsKey, deadLetterQueue: queue)
            Output("ExpiryDeadLetterQueueUrl", "Where the TTL's failed deletions wait (CloudFormation keeps it after the stack); slmstack status and scan count them", queue.ref)
        }
    }
}

/// The IAM actions CloudFormation makes to delete (or, for a pause, remove) each kind of resource
/// this stack has, for the expiry and idle-pause roles: the `handlers.delete.permissions` of each
/// type's CloudFormation registry schema (Tests/iam/fixtures/handler_permissions.json, which
/// Tests/iam/test_sufficiency.py checks these roles against).
enum Teardown {
    static let deleteActions: [String] = [
        "apigateway:DELETE", "apigateway:GET", "apigateway:PATCH",
        "application-autoscaling:DeleteScalingPolicy", "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:DescribeScalingPolicies",
        "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms",
        "ec2:CreateTags", "ec2:DeleteFlowLogs", "ec2:DeleteInternetGateway", "ec2:DeleteNatGateway", "ec2:DeleteRoute", "ec2:DeleteRouteTable",
        "ec2:DeleteSecurityGroup", "ec2:DeleteSubnet", "ec2:DeleteTags", "ec2:DeleteVpc", "ec2:DeleteVpcEndpoints", "ec2:Describe*",
        "ec2:DetachInternetGateway", "ec2:DisassociateAddress", "ec2:DisassociateRouteTable", "ec2:ReleaseAddress",
        "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:GetRole", "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies", "iam:TagRole", "iam:UntagRole",
        "kms:DescribeKey", "kms:ScheduleKeyDeletion",
        "lambda:DeleteFunction", "lambda:GetFunction", "lambda:RemovePermission",
        "logs:DeleteDataProtectionPolicy", "logs:DeleteLogDelivery", "logs:DeleteLogGroup", "logs:DescribeLogGroups",
        "sagemaker:DeleteEndpoint", "sagemaker:DeleteEndpointConfig", "sagemaker:DeleteModel",
        "sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig",
        "scheduler:DeleteSchedule", "scheduler:GetSchedule",
        "sns:DeleteTopic", "sns:GetSubscriptionAttributes", "sns:GetTopicAttributes", "sns:Unsubscribe",
    ]

    /// What a pause removes: the endpoint (its actions are on the role's endpoint statement), the
    /// NAT gateway, its address and the route through it, the endpoint's alarms (DeleteAlarms is on
    /// the stack's alarms only) and autoscaling.
    static let pauseActions: [String] = [
        "application-autoscaling:DeleteScalingPolicy", "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:DescribeScalingPolicies",
        "cloudwatch:DescribeAlarms",
        "ec2:DeleteNatGateway", "ec2:DeleteRoute", "ec2:DescribeAddresses", "ec2:DescribeNatGateways", "ec2:DescribeRouteTables",
        "ec2:DisassociateAddress", "ec2:ReleaseAddress",
    ]
}
