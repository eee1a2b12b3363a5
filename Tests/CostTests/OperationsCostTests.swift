import Foundation
import Testing
@testable import Cost
@testable import StackModel

/// The package root, from this file's path.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Running and paused estimates of the reference stack with `change` applied.
private func both(_ change: (inout ServiceConfig) -> Void = { _ in }, usage: Usage = Usage()) -> Estimate {
    var config = ServiceConfig()
    change(&config)
    return Estimator.estimate(Stack.slmService(config), config: config, usage: usage)
}

// Hand figures for the default stack (us-east-1, 730 hours).
private let endpointMonthly = 1.4084 * 730        // $1,028.132
private let natHoursMonthly = 0.045 * 730         // $32.85
private let addressMonthly = 0.005 * 730          // $3.65
private let natWeightsMonthly = 2.2 * 0.045       // TinyLlama's 2.2 GB through NAT once: $0.099
private let runningBaseline = (1.4084 + 0.045 + 0.005 + 0.01 * 2) * 730 + 1 + 6 * 0.10  // $1,080.832

@Test func pausedTotalIsRunningMinusEndpointNatAndAddress() throws {
    let e = both()
    let paused = try #require(e.whenPaused)
    #expect(!e.isPaused)
    // Paused removes the endpoint's instances, the NAT gateway (hours and the weights it carried),
    // its address, and the three alarms on the endpoint (idle, 5XX, p90 latency).
    let removed = endpointMonthly + natHoursMonthly + addressMonthly + natWeightsMonthly + 3 * 0.10
    #expect(close(paused.totalMonthly, e.totalMonthly - removed, within: 1e-9))
    #expect(close(e.pauseSavingMonthly, removed, within: 1e-9))
    #expect(Estimate.money(paused.totalMonthly) == "$17.86")
    #expect(Estimate.money(e.pauseSavingMonthly) == "$1,065.03")
    // What stays: the interface endpoint, the key and three alarms, billed every hour.
    #expect(close(paused.baselineMonthly, 0.01 * 2 * 730 + 1 + 3 * 0.10, within: 1e-9))
    #expect(!paused.lines.contains { $0.component.hasPrefix("Instance usage") || $0.component.hasPrefix("NAT gateway") || $0.resource == "NatAddress" })
    // The endpoint configuration stays, unused and free; the endpoint is gone.
    #expect(paused.lines.contains { $0.resource == "EndpointConfig" && $0.kind == .free })
    #expect(!paused.lines.contains { $0.resource == "Endpoint" })
    #expect(close(paused.usageMonthly, e.usageMonthly - natWeightsMonthly, within: 1e-9), "the same traffic is assumed while paused")
}

@Test func pausedSavingIsShownInEveryFormat() throws {
    let e = both()
    let table = e.rendered(.table)
    #expect(table.contains("Paused    $17.86/month, $0.02/hour with Paused=true (slmstack pause): saves $1,065.03/month"))
    #expect(table.contains("-$1,028.13  EndpointConfig: Instance usage (ml.g5.xlarge, on-demand) x 1"))
    #expect(table.contains("-$32.85  NatGateway: NAT gateway hours"))
    #expect(table.contains("-$3.65  NatAddress: Public IPv4 address hours"))
    #expect(e.rendered(.markdown).contains("**Paused: $17.86/month** ($0.02/hour) with `slmstack pause`, saving $1,065.03/month"))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(e.rendered(.json).utf8)) as? [String: Any])
    let whenPaused = try #require(json["whenPaused"] as? [String: Any])
    #expect(close((whenPaused["monthly"] as? [String: Double])?["total"], e.whenPaused!.totalMonthly))
    #expect(close(whenPaused["savingMonthly"] as? Double, e.totalMonthly - e.whenPaused!.totalMonthly))
    #expect((whenPaused["lines"] as? [Any])?.isEmpty == false)
}

@Test func ttlOfFourHoursCostsAtMostFourHoursOfStandingCharges() throws {
    let e = both { $0.ttlMinutes = 240 }
    #expect(close(e.baselineMonthly, runningBaseline, within: 1e-9), "the expiry role and schedule add no standing charge")
    #expect(close(e.ttlMaxCost, runningBaseline / 730 * 4, within: 1e-9))
    #expect(Estimate.money(e.ttlMaxCost) == "$5.92")
    #expect(e.rendered(.table).contains("TTL 4h    CloudFormation: at most $5.92 before the stack deletes itself: baseline $1.48/hour x 4 hours (usage on top)"))
    #expect(e.rendered(.markdown).contains("**TTL 4h: at most $5.92** with CloudFormation, before the stack deletes itself"))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(e.rendered(.json).utf8)) as? [String: Any])
    let ttl = try #require(json["ttl"] as? [String: Any])
    #expect(ttl["minutes"] as? Double == 240 && ttl["hours"] as? Double == 4)
    #expect(close(ttl["maxCost"] as? Double, runningBaseline / 730 * 4, within: 1e-9))
    // Terraform's TTL deletes the endpoint only: four hours of it, and everything else keeps billing.
    let terraform = try #require(e.terraformTTL)
    #expect(close(terraform.endpointMaxCost, endpointMonthly / 730 * 4, within: 1e-9))
    #expect(close(terraform.keepsBillingMonthly, runningBaseline - endpointMonthly, within: 1e-9))
    #expect(terraform.keepsBilling.first == "NatGateway" && !terraform.keepsBilling.contains("Endpoint"))
    #expect(e.rendered(.table).contains("          Terraform: at most $5.63 for the endpoint, which the schedule deletes; $"))
    #expect(e.rendered(.table).contains("/month keeps billing until terraform destroy (NatGateway, "))
    #expect(e.rendered(.markdown).contains("Terraform: at most $5.63 for the endpoint"))
    #expect(close((ttl["terraform"] as? [String: Any])?["endpointMaxCost"] as? Double, endpointMonthly / 730 * 4, within: 1e-9))
    // The one-time schedule that deletes the stack is one Scheduler invocation: $1.00 per million.
    #expect(close(monthly(e, "ExpirySchedule", "Scheduled invocation (one-time)"), 1.0 / 1e6))
    #expect(both().ttlMaxCost == nil && !both().rendered(.table).contains("TTL "))
}

@Test func ttlWithAutoscalingCountsTheMaximum() {
    let e = both { $0.ttlMinutes = 90; $0.maxInstances = 3 }
    let maxBaseline = runningBaseline + 2 * endpointMonthly + 2 * 0.10  // two more instances, two target tracking alarms
    #expect(close(e.ttlMaxCost, maxBaseline / 730 * 1.5, within: 1e-9))
    #expect(e.rendered(.table).contains("baseline $4.30/hour at 3 instances x 1.5 hours"))
}

@Test func autoscalingOneToThreePricesTheEndpointAtOneAndThree() throws {
    let e = both { $0.maxInstances = 3 }
    let endpoint = try #require(e.lines.first { $0.resource == "EndpointConfig" && $0.kind == .baseline })
    #expect(endpoint.component == "Instance usage (ml.g5.xlarge, on-demand) x 1 to 3 (autoscaling)")
    #expect(endpoint.quantity == 730 && endpoint.quantityMax == 730 * 3)
    #expect(close(endpoint.monthly, endpointMonthly) && close(endpoint.monthlyMax, endpointMonthly * 3, within: 1e-9))
    // Each instance downloads the weights once: three instances, three downloads through NAT.
    #expect(close(monthly(e, "NatGateway", "Data processed"), natWeightsMonthly))
    #expect(close(e.lines.first { $0.component.hasPrefix("Data processed (model") }?.monthlyMax, natWeightsMonthly * 3, within: 1e-12))
    // Target tracking's two alarms (scale-out, scale-in) are CloudWatch alarms the account pays for.
    #expect(close(monthly(e, "ScalingPolicy", "Target tracking alarms"), 2 * 0.10))
    #expect(e.instances == 1...3)
    #expect(close(e.totalMonthlyMax - e.totalMonthly, 2 * endpointMonthly + 2 * natWeightsMonthly, within: 1e-9))
    #expect(close(e.baselineMonthly, runningBaseline + 0.20, within: 1e-9))
    #expect(close(e.baselineMonthlyMax, runningBaseline + 0.20 + 2 * endpointMonthly, within: 1e-9))
    let table = e.rendered(.table)
    #expect(table.contains("730 to 2,190"))
    #expect(table.contains("$1,028.13 to $3,084.40"))
    #expect(table.contains("Total     $1,083.09/month, $1.48/hour at 1 instance (autoscaling minimum)"))
    #expect(table.contains("Max       $3,139.55/month, $4.30/hour at 3 instances (autoscaling maximum)"))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(e.rendered(.json).utf8)) as? [String: Any])
    let range = try #require(json["autoscaling"] as? [String: Any])
    #expect(range["minInstances"] as? Int == 1 && range["maxInstances"] as? Int == 3)
    #expect(close((range["monthlyMax"] as? [String: Double])?["total"], e.totalMonthlyMax))
    // Paused, nothing scales: the scalable target, its policy and the endpoint are gone.
    #expect(e.whenPaused?.lines.contains { $0.monthlyMax != nil } == false)
    #expect(e.whenPaused?.lines.contains { $0.resource == "ScalingPolicy" } == false)
}

@Test func autoscalingFromTwoStartsTheEndpointAtTwo() throws {
    let e = both { $0.minInstances = 2; $0.maxInstances = 4 }
    let endpoint = try #require(e.lines.first { $0.resource == "EndpointConfig" && $0.kind == .baseline })
    #expect(close(endpoint.monthly, endpointMonthly * 2, within: 1e-9) && close(endpoint.monthlyMax, endpointMonthly * 4, within: 1e-9))
    #expect(e.instances == 2...4)
}

@Test func budgetIsCheckedAgainstTheAutoscalingMaximum() throws {
    let e = both { $0.maxInstances = 3 }
    // $1,083.09 at one instance fits $1,200; $3,139.55 at three does not.
    #expect(e.totalMonthly < 1_200 && e.worstCaseMonthly > 1_200)
    #expect(e.worstCaseMonthly == e.totalMonthlyMax)
    #expect(e.rendered(.table, budget: 1_200).contains("budget $1,200.00: OVER by $1,939.55 (checked against the autoscaling maximum, 3 instances)"))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(e.rendered(.json, budget: 1_200).utf8)) as? [String: Any])
    #expect(json["overBudget"] as? Bool == true && json["budgetChecks"] as? String == "autoscaling maximum")
    // Without autoscaling the worst case is the total.
    let fixed = both()
    #expect(fixed.worstCaseMonthly == fixed.totalMonthly)
    #expect(fixed.rendered(.table, budget: 1_200).contains("budget $1,200.00: within, $117.11 to spare\n"))
}

@Test func percentileAlarmCostsTheSameAsAnyStandardAlarm() {
    let e = both()
    #expect(e.lines.first { $0.resource == "ModelLatencyAlarm" }?.component == "Standard alarm (p90 percentile, same price)")
    #expect(close(monthly(e, "ModelLatencyAlarm", "Standard alarm"), 0.10))
    #expect(close(monthly(e, "EndpointErrorsAlarm", "Standard alarm"), 0.10))
    let quiet = both { $0.alarms = false; $0.idleHours = 0 }
    #expect(!quiet.lines.contains { $0.resourceType == "AWS::CloudWatch::Alarm" || $0.resourceType == "AWS::SNS::Topic" })
}

@Test func notificationsAndThePauserAreUsageByHand() throws {
    let e = both { $0.alarmEmail = "ops@example.com"; $0.idlePause = true }
    // 30 notifications: $0.50 per million publishes, $2.00 per 100,000 e-mails.
    #expect(close(monthly(e, "AlarmTopic", "Alarm notifications published"), 30 * 0.50 / 1e6))
    #expect(close(monthly(e, "AlarmEmail", "E-mail notifications"), 30 * 2.00 / 100_000, within: 1e-12))
    // The pauser: 30 invocations a month of 2 s at 128 MB; not an API function.
    #expect(close(monthly(e, "IdlePauseFunction", "Requests (idle alarm invocations)"), 30 * 0.20 / 1e6))
    #expect(close(monthly(e, "IdlePauseFunction", "Duration (128 MB x 2000 ms)"), 30 * 2.0 * 0.125 * 0.0000166667, within: 1e-12))
    #expect(close(monthly(e, "ShimFunction", "Requests"), 100_000 * 0.20 / 1e6), "the shim alone takes the API's requests")
    // Paused, the idle alarm is gone, so nothing invokes the pauser.
    let paused = try #require(e.whenPaused)
    #expect(paused.lines.first { $0.resource == "IdlePauseFunction" && $0.component.hasPrefix("Requests") }?.quantity == 0)
}

@Test func newPricesCarryTheirSourceAndDate() {
    for key in ["cloudwatch.alarm", "cloudwatch.alarm.high-resolution", "sns.requests", "sns.email", "scheduler.invocations"] {
        let price = PriceTable.embedded.prices.first { $0.key == key && $0.region == "us-east-1" }
        #expect(price != nil, "\(key)")
        #expect(price?.source.hasPrefix("aws.amazon.com/") == true && price?.asOf.count == 10, "\(key)")
    }
    var warnings: [String] = []
    #expect(PriceTable.embedded.lookup("sns.email", region: "us-east-1", warnings: &warnings)?.usd == 20.00, "$2.00 per 100,000 is $20.00 per million")
}

// MARK: - Templates with parameters and conditions

/// A small template, written by hand, with a parameter, nested conditions and conditional resources.
private func conditionalTemplate() -> [String: Any] { [
    "Parameters": ["Paused": ["Type": "String", "Default": "false", "AllowedValues": ["false", "true"]],
                   "Mode": ["Type": "String", "Default": "a"]],
    "Conditions": [
        "Running": ["Fn::Equals": [["Ref": "Paused"], "false"]],
        "RunningInA": ["Fn::And": [["Condition": "Running"], ["Fn::Equals": [["Ref": "Mode"], "a"]]]],
        "NotRunning": ["Fn::Not": [["Condition": "Running"]]],
        "Odd": ["Fn::Contains": [["a"], "a"]],
    ],
    "Resources": [
        "EndpointConfig": ["Type": "AWS::SageMaker::EndpointConfig",
                           "Properties": ["ProductionVariants": [["InstanceType": "ml.g5.xlarge", "InitialInstanceCount": 1]]]],
        "Endpoint": ["Type": "AWS::SageMaker::Endpoint", "Condition": "Running",
                     "Properties": ["EndpointConfigName": ["Fn::GetAtt": ["EndpointConfig", "EndpointConfigName"]]]],
        "NatGateway": ["Type": "AWS::EC2::NatGateway", "Condition": "Running"],
        "NatAddress": ["Type": "AWS::EC2::EIP", "Condition": "Running"],
        "Key": ["Type": "AWS::KMS::Key"],
        "KeyInA": ["Type": "AWS::KMS::Key", "Condition": "RunningInA"],
        "PausedKey": ["Type": "AWS::KMS::Key", "Condition": "NotRunning"],
        "OddKey": ["Type": "AWS::KMS::Key", "Condition": "Odd"],
    ],
] }

@Test func templateInventoryHonoursConditionsAndParameterValues() throws {
    let data = try JSONSerialization.data(withJSONObject: conditionalTemplate())
    let running = try Inventory.of(template: data, region: "us-east-1", weightsGB: 2.2)
    #expect(!running.paused)
    #expect(running.endpoints.map(\.id) == ["EndpointConfig"] && running.natGateways == ["NatGateway"] && running.elasticIPs == ["NatAddress"])
    #expect(running.kmsKeys == ["Key", "KeyInA", "OddKey"])
    #expect(running.warnings == ["condition 'Odd' could not be evaluated: resources under it are priced as present"])

    let paused = try Inventory.of(template: data, region: "us-east-1", weightsGB: 2.2, paused: true)
    #expect(paused.paused)
    #expect(paused.endpoints.isEmpty && paused.natGateways.isEmpty && paused.elasticIPs.isEmpty)
    #expect(paused.kmsKeys == ["Key", "OddKey", "PausedKey"])
    #expect(paused.free.contains { $0.id == "EndpointConfig" }, "an endpoint configuration no endpoint uses costs nothing")

    let modeB = try Inventory.of(template: data, region: "us-east-1", weightsGB: 2.2, parameters: ["Mode": "b"])
    #expect(modeB.kmsKeys == ["Key", "OddKey"])

    // Priced: paused is running less the endpoint, the NAT gateway (hours and weights) and the address.
    let e = try Estimator.estimate(template: data, region: "us-east-1", weightsGB: 2.2)
    let whenPaused = try #require(e.whenPaused)
    #expect(close(e.totalMonthly - whenPaused.totalMonthly, endpointMonthly + natHoursMonthly + addressMonthly + natWeightsMonthly, within: 1e-9),
            "KeyInA goes, PausedKey comes: the keys cancel out")
    let asPaused = try Estimator.estimate(template: data, region: "us-east-1", weightsGB: 2.2, parameters: ["Paused": "true"])
    #expect(asPaused.isPaused && asPaused.whenPaused == nil)
    #expect(close(asPaused.totalMonthly, whenPaused.totalMonthly, within: 1e-9))
    #expect(asPaused.rendered(.table).hasPrefix("Cost estimate for us-east-1 (USD), paused (Paused=true)"))
}

@Test func templateWithoutPausedParameterHasNoPausedState() throws {
    var template = conditionalTemplate()
    template["Parameters"] = nil
    template["Conditions"] = nil
    var resources = template["Resources"] as! [String: Any]
    for id in ["Endpoint", "NatGateway", "NatAddress"] { resources[id] = ["Type": (resources[id] as! [String: Any])["Type"]!] }
    resources["Endpoint"] = ["Type": "AWS::SageMaker::Endpoint", "Properties": ["EndpointConfigName": ["Fn::GetAtt": ["EndpointConfig", "EndpointConfigName"]]]]
    resources = resources.filter { !["KeyInA", "PausedKey", "OddKey"].contains($0.key) }
    template["Resources"] = resources
    let data = try JSONSerialization.data(withJSONObject: template)
    #expect(try Inventory.of(template: data, region: "us-east-1", weightsGB: 0, paused: true).paused == false)
    #expect(try Estimator.estimate(template: data, region: "us-east-1", weightsGB: 0).whenPaused == nil)
}

@Test func committedTemplatePricesLikeTheModelRunningAndPaused() throws {
    let data = try Data(contentsOf: root.appendingPathComponent("templates/cloudformation/slmstack.template.json"))
    let config = ServiceConfig()
    let model = Estimator.estimate(Stack.slmService(config), config: config)
    let template = try Estimator.estimate(template: data, region: config.region, weightsGB: (config.modelSpec?.weightBytes ?? 0) / 1e9)
    func priced(_ lines: [CostLine]) -> [String] {
        lines.filter { $0.kind != .free }.map { "\($0.resource)|\($0.component)|\(Estimate.money($0.monthly))" }.sorted()
    }
    #expect(priced(template.lines) == priced(model.lines))
    #expect(priced(try #require(template.whenPaused).lines) == priced(try #require(model.whenPaused).lines))
    #expect(close(template.whenPaused?.totalMonthly, model.whenPaused!.totalMonthly, within: 1e-9))
}

@Test func templateAutoscalingAlarmsAndSchedulesAreRead() throws {
    let template: [String: Any] = ["Resources": [
        "EndpointConfig": ["Type": "AWS::SageMaker::EndpointConfig",
                           "Properties": ["ProductionVariants": [["InstanceType": "ml.g5.xlarge", "InitialInstanceCount": 1]]]],
        "Endpoint": ["Type": "AWS::SageMaker::Endpoint", "Properties": ["EndpointConfigName": ["Fn::GetAtt": ["EndpointConfig", "EndpointConfigName"]]]],
        "ScalableTarget": ["Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": [
            "MinCapacity": 1, "MaxCapacity": 3, "ScalableDimension": "sagemaker:variant:DesiredInstanceCount", "ServiceNamespace": "sagemaker",
            "ResourceId": ["Fn::Sub": "endpoint/${Endpoint.EndpointName}/variant/AllTraffic"]]],
        "ScalingPolicy": ["Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": [
            "PolicyType": "TargetTrackingScaling", "ScalingTargetId": ["Ref": "ScalableTarget"],
            "TargetTrackingScalingPolicyConfiguration": ["TargetValue": 30]]],
        "Latency": ["Type": "AWS::CloudWatch::Alarm", "Properties": ["ExtendedStatistic": "p90", "Period": 300]],
        "Fast": ["Type": "AWS::CloudWatch::Alarm", "Properties": ["Statistic": "Sum", "Period": 10]],
        "Expiry": ["Type": "AWS::Scheduler::Schedule", "Properties": ["ScheduleExpression": ["Fn::Sub": "at(${ExpiresAt})"]]],
        "Hourly": ["Type": "AWS::Scheduler::Schedule", "Properties": ["ScheduleExpression": "rate(1 hour)"]],
    ]]
    let e = try Estimator.estimate(template: JSONSerialization.data(withJSONObject: template), region: "us-east-1", weightsGB: 0)
    #expect(e.instances == 1...3)
    #expect(close(e.lines.first { $0.resource == "EndpointConfig" }?.monthlyMax, endpointMonthly * 3, within: 1e-9))
    #expect(close(monthly(e, "ScalingPolicy", "Target tracking alarms"), 0.20))
    #expect(close(monthly(e, "Latency", "Standard alarm (p90 percentile, same price)"), 0.10))
    #expect(close(monthly(e, "Fast", "High-resolution alarm"), 0.30))
    #expect(close(monthly(e, "Expiry", "Scheduled invocation (one-time)"), 1.0 / 1e6))
    #expect(e.lines.first { $0.resource == "Hourly" }?.quantity == 730)
}
