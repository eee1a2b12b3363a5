import Testing
@testable import StackModel

@Test func pausingRemovesExactlyTheBillablePartsAndWhatNeedsThem() throws {
    let stack = Stack.slmService(try config(["max-instances": "3", "idle-pause": "on"]))
    #expect(stack.validate().isEmpty)
    // ApiGatewayRole=true: the account had no CloudWatch role, so every resource exists while running.
    let role = SLMService.apiGatewayRoleParameter.name
    let running = Set(stack.resources(flags: [role: true]).map(\.id))
    let paused = Set(stack.resources(flags: [SLMService.pausedParameter.name: true, role: true]).map(\.id))
    #expect(running == Set(stack.resources.map(\.id)), "Paused defaults to false")
    #expect(running.subtracting(paused) == ["NatAddress", "NatGateway", "PrivateDefaultRoute", "Endpoint", "IdleAlarm",
                                            "EndpointErrorsAlarm", "ModelLatencyAlarm", "ScalableTarget", "ScalingPolicy"])
    // the API, key, usage plan, model and endpoint configuration stay
    for kept: LogicalID in ["Api", "ApiKey", "UsagePlan", "Model", "EndpointConfig", "ShimFunction", "InternetGateway"] {
        #expect(paused.contains(kept), "\(kept) must survive a pause")
    }
    let shim = try #require(stack.resources(of: LambdaFunction.self).first { $0.id == "ShimFunction" })
    #expect(shim.environment["PAUSED"] == nil && shim.environment["ENDPOINT_NAME"] == .string("slmstack-endpoint"))
}

/// A pause only removes: nothing that stays reads `Paused` or tests `Running`, so CloudFormation
/// updates nothing and the idle-pause role needs delete-handler actions only (see docs/cost.md, cost safety).
@Test(arguments: [["max-instances": "3", "idle-pause": "on", "ttl": "4h", "alarm-email": "ops@example.com"], [:], ["nat-gateway": "off"]])
func aPauseChangesNothingThatStays(settings: [String: String]) throws {
    let stack = Stack.slmService(try config(settings))
    let paused = stack.resources(flags: [SLMService.pausedParameter.name: true, SLMService.apiGatewayRoleParameter.name: true])
    for resource in paused {
        let facts = resource.facts
        #expect(!facts.parameters.contains(SLMService.pausedParameter.name), "\(resource.id) reads Paused")
        #expect(!facts.conditions.contains(SLMService.running.name), "\(resource.id) tests Running")
        #expect(!facts.referencedIDs.contains { stack.conditionByResource[$0] == SLMService.running.name }, "\(resource.id) refers to a paused part")
    }
}

@Test(arguments: [("slmstack", "slmstack-endpoint"), ("My-Stack", "my-stack-endpoint"),
                  (String(repeating: "Ab", count: 40), String(repeating: "ab", count: 27) + "-endpoint")])
func theEndpointNameIsTheStackNameInLowerCase(stackName: String, expected: String) throws {
    let configured = try config(["stack-name": stackName])
    #expect(configured.endpointName == expected && expected.count <= 63)
    let endpoint = try #require(Stack.slmService(configured).resources(of: Endpoint.self).first)
    #expect(endpoint.name == expected)
}

@Test func withoutANatGatewayPausingRemovesOnlyTheEndpointParts() throws {
    let stack = Stack.slmService(try config(["nat-gateway": "off"]))
    let removed = Set(stack.resources.map(\.id)).subtracting(stack.resources(flags: ["Paused": true, "ApiGatewayRole": true]).map(\.id))
    #expect(removed == ["Endpoint", "IdleAlarm", "EndpointErrorsAlarm", "ModelLatencyAlarm"])
}

@Test func referencesToConditionalResourcesNeedTheConditionOrAnIf() {
    let flag = Parameter("Paused", "switch", .flag(default: false))
    let running = StackCondition("Running", whenFlag: "Paused", is: false)
    let key = KmsKey("Key", description: "k", policy: PolicyDocument([]))
    let stack = Stack("demo", description: "d") {
        flag
        Conditional(running) { key }
        LogGroup("Bare", retentionDays: 1, kmsKey: key)
        Conditional(running) { LogGroup("SameCondition", retentionDays: 1, kmsKey: key) }
        Output("Guarded", "fine", .ifCondition("Running", key.ref, "none"))
        Output("Unguarded", "bad", key.ref)
        Output("WrongGuard", "bad", .ifCondition("Elsewhere", key.ref, "none"))
    }
    let messages = stack.validate().map(\.description)
    #expect(messages.contains { $0.hasPrefix("LogGroup 'Bare'") && $0.contains("exists only when Running holds") })
    #expect(!messages.contains { $0.contains("SameCondition") })
    #expect(!messages.contains { $0.contains("'Guarded'") })
    #expect(messages.contains { $0.hasPrefix("Output 'Unguarded'") })
    #expect(messages.contains { $0.hasPrefix("Output 'WrongGuard'") })
    #expect(messages.count == 3, "\(messages)")
}

@Test func undeclaredParametersAndConditionsAreNamed() {
    let stack = Stack("demo", description: "d") {
        LogGroup("Logs", retentionDays: 1, kmsKey: nil).dependsOn()
        Conditional(StackCondition("Running", whenFlag: "Missing", is: false)) {
            Role("R", description: "r", assumedBy: "lambda.amazonaws.com", policies: ["p": PolicyDocument([.allow(["s3:GetObject"], on: [.parameter("Nowhere")])])])
        }
    }
    let messages = stack.validate().map(\.description)
    #expect(messages.contains { $0.contains("reads 'Missing', which is not a flag parameter") })
    #expect(messages.contains { $0.contains("reads parameter 'Nowhere'") })
}

@Test func theDefaultHasAnIdleAlarmAndTheOperationalAlarmsIntoOneTopic() throws {
    let stack = Stack.slmService(ServiceConfig())
    let topic = try #require(stack.resources(of: SnsTopic.self).first)
    let alarms = stack.resources(of: MetricAlarm.self)
    #expect(alarms.map(\.id) == ["IdleAlarm", "EndpointErrorsAlarm", "ModelLatencyAlarm", "ShimErrorsAlarm", "ShimThrottlesAlarm", "Api5xxAlarm"])
    #expect(alarms.allSatisfy { $0.actions.first == topic.ref })
    let idle = alarms[0]
    #expect(idle.metricName == "Invocations" && idle.periodSeconds == 3600 && idle.evaluationPeriods == 6)
    #expect(idle.comparison == .lessThanOrEqual && idle.threshold == 0 && idle.missingData == .breaching,
            "no data for six hours is idle too")
    #expect(idle.actions.count == 1, "idle-pause is off by default")
    #expect(stack.resources(of: SnsSubscription.self).isEmpty)
    #expect(stack.resources(of: OneTimeSchedule.self).isEmpty && stack.resources(of: ScalableTarget.self).isEmpty)
    // the topic's key lets CloudWatch publish
    let key = try #require(stack.resources(of: KmsKey.self).first)
    #expect(key.policy.statements.contains { $0.servicePrincipals == ["cloudwatch.amazonaws.com"] && $0.actions.contains("kms:GenerateDataKey*") })
}

@Test func alarmsOffAndNoIdleAlarmMeansNoTopic() throws {
    let stack = Stack.slmService(try config(["alarms": "off", "idle-hours": "0"]))
    #expect(stack.resources(of: SnsTopic.self).isEmpty && stack.resources(of: MetricAlarm.self).isEmpty)
    #expect(stack.validate().isEmpty)
    let onlyIdle = Stack.slmService(try config(["alarms": "off", "idle-hours": "3", "alarm-email": "ops@example.com"]))
    #expect(onlyIdle.resources(of: MetricAlarm.self).map(\.evaluationPeriods) == [3])
    #expect(onlyIdle.resources(of: SnsSubscription.self).map(\.email) == ["ops@example.com"])
}

@Test func idlePauseInvokesTheFunctionThatUpdatesOnlyThisStack() throws {
    let stack = Stack.slmService(try config(["idle-pause": "on"]))
    let function = try #require(stack.resources(of: LambdaFunction.self).first { $0.id == "IdlePauseFunction" })
    #expect(function.code == LambdaSource.inlinedIdlePause && function.subnets.isEmpty)
    #expect(function.environment["STACK_ID"] == .pseudo(.stackID))
    let idle = try #require(stack.resources(of: MetricAlarm.self).first { $0.id == "IdleAlarm" })
    #expect(idle.actions == [function.attribute(.arn)], "the function decides, and publishes what it did to the topic")
    let permission = try #require(stack.resources(of: LambdaPermission.self).first { $0.id == "IdlePausePermission" })
    // the alarm has a fixed name, so the permission names its ARN and the alarm waits for the permission
    let alarmArn: Value = .join(["arn:", .pseudo(.partition), ":cloudwatch:", .pseudo(.region), ":", .pseudo(.accountID), ":alarm:",
                                 .join([.pseudo(.stackName), "-idle-alarm"])])
    #expect(idle.name == .join([.pseudo(.stackName), "-idle-alarm"]))
    #expect(permission.principal == "lambda.alarms.cloudwatch.amazonaws.com" && permission.sourceArn == alarmArn)
    #expect(idle.dependsOn == ["IdlePausePermission"] && stack.conditionByResource["IdlePausePermission"] == nil)
    let topic = try #require(stack.resources(of: SnsTopic.self).first)
    #expect(function.environment["TOPIC_ARN"] == topic.ref && function.environment["IDLE_HOURS"] == "6")
    #expect(function.environment["ALARM_NAME"] == idle.name && function.timeoutSeconds == 900)
    let role = try #require(stack.resources(of: Role.self).first { $0.id == "IdlePauseRole" })
    let update = try #require(role.policies["pause-stack"]?.statements.first { $0.sid == "UpdateThisStack" })
    #expect(update.resources == [.pseudo(.stackID)])
    let others = role.policies["pause-stack"]!.statements.filter { $0.sid != "UpdateThisStack" && $0.sid != "OwnEndpoint" }
    #expect(others.allSatisfy { $0.conditions["ForAnyValue:StringEquals"]?["aws:CalledVia"] == ["cloudformation.amazonaws.com"] },
            "everything else only through CloudFormation")
    // its age, and without a stack (Terraform) its deletion: this stack's endpoint only, by its fixed name
    let direct = try #require(role.policies["pause-stack"]!.statements.first { $0.sid == "OwnEndpoint" })
    #expect(direct.actions == ["sagemaker:DeleteEndpoint", "sagemaker:DescribeEndpoint"] && direct.conditions.isEmpty)
    #expect(direct.resources == [.join(["arn:", .pseudo(.partition), ":sagemaker:", .pseudo(.region), ":", .pseudo(.accountID), ":endpoint/slmstack-endpoint"])])
    #expect(function.environment["ENDPOINT_NAME"] == "slmstack-endpoint", "fixed: a pause does not change the function")
    let notify = try #require(role.policies["notify"]?.statements)
    #expect(notify.map(\.actions) == [["cloudwatch:SetAlarmState"], ["sns:Publish"], ["kms:Decrypt", "kms:GenerateDataKey*"]])
    #expect(notify.map(\.resources) == [[alarmArn], [topic.ref], [.attribute("LogsKey", .arn)]])
}

@Test func autoscalingStartsAtTheMinimumAndTracksInvocations() throws {
    let stack = Stack.slmService(try config(["min-instances": "2", "max-instances": "4", "scaling-target": "50"]))
    #expect(stack.resources(of: EndpointConfig.self).first?.instanceCount == 2)
    let target = try #require(stack.resources(of: ScalableTarget.self).first)
    #expect(target.minCapacity == 2 && target.maxCapacity == 4)
    #expect(target.resourceID == .join(["endpoint/", .attribute("Endpoint", .endpointName), "/variant/AllTraffic"]))
    let policy = try #require(stack.resources(of: TargetTrackingPolicy.self).first)
    #expect(policy.targetValue == 50 && policy.predefinedMetric == "SageMakerVariantInvocationsPerInstance")
    #expect(stack.description.contains("2-4 x ml.g5.xlarge"))
}

@Test func theExpiryScheduleDeletesThisStackThroughARoleScopedToIt() throws {
    let stack = Stack.slmService(try config(["ttl": "4h"]))
    #expect(stack.parameters.map(\.name) == ["Paused", "ExpiresAt", "ApiGatewayRole"])
    let schedule = try #require(stack.resources(of: OneTimeSchedule.self).first)
    #expect(schedule.targetArn == "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack")
    #expect(schedule.at == .parameter("ExpiresAt"))
    #expect(schedule.input == .document(["StackName": .pseudo(.stackID)]), "the stack's ID, so a later stack of the same name is safe")
    let role = try #require(stack.resources(of: Role.self).first { $0.id == "ExpiryRole" })
    let statements = role.policies["delete-stack"]!.statements
    let direct = statements.filter { $0.conditions["ForAnyValue:StringEquals"] == nil }
    #expect(direct.first { $0.sid == "DeleteThisStack" }?.resources == [.pseudo(.stackID)])
    // Terraform's schedule deletes the endpoint: this stack's own, not any endpoint with its tag
    #expect(direct.first { $0.sid == "DeleteOwnEndpoint" }?.resources
            == [.join(["arn:", .pseudo(.partition), ":sagemaker:", .pseudo(.region), ":", .pseudo(.accountID), ":endpoint/slmstack-endpoint"])])
    #expect(direct.first { $0.sid == "ReadScheduleInput" }?.resources == [.attribute("LogsKey", .arn)])
    #expect(direct.allSatisfy { $0.conditions.isEmpty })
    #expect(role.trust.statements.first?.servicePrincipals == ["scheduler.amazonaws.com"])
    // the deletion runs on this role: it stays, so deleting it cannot remove its own permission first
    #expect(stack.deletionPolicies["ExpiryRole"] == .retain)
    #expect(Stack.slmService(ServiceConfig()).deletionPolicies["ExpiryRole"] == nil)
}

@Test func aFailedExpiryDeletionWaitsInAQueueThatOutlivesTheStack() throws {
    let stack = Stack.slmService(try config(["ttl": "4h"]))
    let schedule = try #require(stack.resources(of: OneTimeSchedule.self).first)
    let queue = try #require(stack.resources(of: SqsQueue.self).first)
    #expect(queue.id == "ExpiryDeadLetterQueue" && queue.retentionSeconds == 1_209_600)
    #expect(schedule.deadLetterQueue == .attribute("ExpiryDeadLetterQueue", .arn))
    #expect((schedule.maximumRetryAttempts, schedule.maximumEventAgeSeconds) == (185, 86_400), "Scheduler's maximums")
    // Scheduler sends the dead-letter event with the execution role: SendMessage on exactly that queue
    let role = try #require(stack.resources(of: Role.self).first { $0.id == "ExpiryRole" })
    let sends = role.policies.values.flatMap(\.statements).filter { $0.actions.contains("sqs:SendMessage") }
    #expect(sends.count == 1 && sends[0].actions == ["sqs:SendMessage"] && sends[0].resources == [.attribute("ExpiryDeadLetterQueue", .arn)])
    #expect(stack.deletionPolicies["ExpiryDeadLetterQueue"] == .retain)
    #expect(stack.outputs.first { $0.name == "ExpiryDeadLetterQueueUrl" }?.value == .ref("ExpiryDeadLetterQueue"))
    let plain = Stack.slmService(ServiceConfig())
    #expect(plain.resources(of: SqsQueue.self).isEmpty && plain.deletionPolicies["ExpiryDeadLetterQueue"] == nil)
    #expect(!plain.outputs.contains { $0.name == "ExpiryDeadLetterQueueUrl" })
}

@Test(arguments: [
    ("ttl", "4m", "expected a duration from 30m to 366d"), ("ttl", "29m", "creating the stack takes up to 20 minutes"), ("ttl", "four hours", "expected a duration"),
    ("idle-hours", "25", "from 0 to 24"), ("alarm-email", "ops.example.com", "is not an e-mail address"),
    ("max-instances", "0", "from 1 to 100"), ("scaling-target", "x", "whole number"),
])
func badOperationsSettingsNameTheSetting(key: String, value: String, message: String) {
    var config = ServiceConfig()
    do {
        try ServiceConfig.setting(key)!.apply(&config, value)
        Issue.record("accepted \(key)=\(value)")
    } catch {
        #expect(error.key == key && error.message.contains(message), "\(error)")
    }
}

@Test func inconsistentAutoscalingAndIdleSettingsAreProblems() throws {
    let messages = try config(["min-instances": "3", "idle-hours": "0", "idle-pause": "on"]).validate().map(\.description)
    #expect(messages.contains { $0.hasPrefix("min-instances:") && $0.contains("without max-instances") })
    #expect(messages.contains { $0.hasPrefix("idle-pause:") && $0.contains("idle-hours is 0") })
    let inverted = try config(["min-instances": "4", "max-instances": "2"]).validate().map(\.description)
    #expect(inverted.contains { $0.hasPrefix("min-instances:") && $0.contains("1 <= min <= max") })
    #expect(try config(["min-instances": "2", "max-instances": "2"]).validate().isEmpty)
}

@Test(arguments: [("4h", 240), ("90m", 90), ("1h30m", 90), ("2d", 2880), ("1d12h", 2160), ("5M", 5)])
func durationsParseAndPrintBack(text: String, minutes: Int) {
    #expect(DurationText.minutes(text) == minutes)
    #expect(DurationText.minutes(DurationText.format(minutes: minutes)) == minutes)
}

@Test(arguments: ["", "4", "h", "30m2h", "4h4h", "-1h", "1.5h", "1w"])
func notDurations(text: String) {
    #expect(DurationText.minutes(text) == nil)
}

@Test func everyResourceListsTheValuesReflectionFinds() throws {
    let configurations = [
        ServiceConfig(),
        try config(["ttl": "4h", "idle-pause": "on", "alarm-email": "ops@example.com", "max-instances": "3"]),
        try config(["nat-gateway": "off", "api-gateway-account": "off", "alarms": "off", "idle-hours": "0", "tags": "team=ml"]),
    ]
    var kinds: Set<String> = []
    for configuration in configurations {
        for resource in Stack.slmService(configuration).resources {
            kinds.insert(type(of: resource).kind)
            #expect(resource.values == resource.reflectedValues,
                    "\(type(of: resource).kind) '\(resource.id)': its values list differs from its stored properties; update ResourceValues.swift")
        }
    }
    #expect(kinds.count >= 33, "\(kinds.count) kinds covered")
}
