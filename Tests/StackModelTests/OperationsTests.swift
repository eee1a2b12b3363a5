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
    #expect(running.subtracting(paused) == ["NatAddress", "NatGateway", "PrivateDefaultRoute", "Endpoint", "IdleAlarm", "IdlePausePermission",
                                            "EndpointErrorsAlarm", "ModelLatencyAlarm", "ScalableTarget", "ScalingPolicy"])
    // the API, key, usage plan, model and endpoint configuration stay
    for kept: LogicalID in ["Api", "ApiKey", "UsagePlan", "Model", "EndpointConfig", "ShimFunction", "InternetGateway"] {
        #expect(paused.contains(kept), "\(kept) must survive a pause")
    }
    let shim = try #require(stack.resources(of: LambdaFunction.self).first { $0.id == "ShimFunction" })
    #expect(shim.environment["PAUSED"] == SLMService.pausedParameter.value)
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
    #expect(idle.actions.contains(function.attribute(.arn)))
    let permission = try #require(stack.resources(of: LambdaPermission.self).first { $0.id == "IdlePausePermission" })
    #expect(permission.principal == "lambda.alarms.cloudwatch.amazonaws.com" && permission.sourceArn == idle.attribute(.arn))
    let role = try #require(stack.resources(of: Role.self).first { $0.id == "IdlePauseRole" })
    let update = try #require(role.policies["pause-stack"]?.statements.first { $0.sid == "UpdateThisStack" })
    #expect(update.resources == [.pseudo(.stackID)])
    let others = role.policies["pause-stack"]!.statements.filter { $0.sid != "UpdateThisStack" && $0.sid != "DeleteOwnEndpoint" }
    #expect(others.allSatisfy { $0.conditions["ForAnyValue:StringEquals"]?["aws:CalledVia"] == ["cloudformation.amazonaws.com"] },
            "everything else only through CloudFormation")
    // without a stack (Terraform) it deletes the endpoint itself: only one carrying this stack's owner tag
    let direct = try #require(role.policies["pause-stack"]!.statements.first { $0.sid == "DeleteOwnEndpoint" })
    #expect(direct.actions == ["sagemaker:DeleteEndpoint"])
    #expect(direct.conditions["StringEquals"]?["aws:ResourceTag/slmstack:stack"] == "slmstack")
    #expect(function.environment["ENDPOINT_NAME"] == .ifCondition("Running", .attribute("Endpoint", .endpointName), "paused"))
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
    for statement in direct where statement.sid != "DeleteThisStack" {
        #expect(statement.conditions["StringEquals"]?["aws:ResourceTag/slmstack:stack"] == "slmstack", "\(statement.sid ?? "")")
    }
    #expect(role.trust.statements.first?.servicePrincipals == ["scheduler.amazonaws.com"])
}

@Test(arguments: [
    ("ttl", "4m", "expected a duration from 5m to 366d"), ("ttl", "four hours", "expected a duration"),
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
