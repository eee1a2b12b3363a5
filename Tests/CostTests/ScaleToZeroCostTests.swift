import Testing
@testable import Cost
@testable import StackModel

/// The scale-to-zero figures recomputed by hand for the default model on ml.g5.xlarge
/// (us-east-1, embedded prices): $1.4084 an instance-hour, 730 hours a month.
@Test func scaleToZeroCostRecomputedByHand() throws {
    var config = ServiceConfig()
    config.scaling = .zero
    config.awakeHoursPerDay = 2
    let e = Estimator.estimate(Stack.slmService(config), config: config)
    let figures = try #require(e.scaleToZero)
    // idle: NAT 0.045 x 730 + IPv4 0.005 x 730 + VPC endpoint 0.01 x 2 AZ x 730 + KMS key 1
    // + 5 standard alarms x 0.10 + the wake alarm and 2 target tracking alarms, high resolution, x 0.30
    let idle = 0.045 * 730 + 0.005 * 730 + 0.01 * 2 * 730 + 1 + 5 * 0.10 + 3 * 0.30
    #expect(close(figures.idleMonthly, idle, within: 1e-9), "\(figures.idleMonthly) vs \(idle)")
    #expect(close(figures.natMonthly, (0.045 + 0.005) * 730, within: 1e-9))
    #expect(close(figures.idleMonthly - figures.natMonthly, 17.00, within: 1e-9), "without NAT (weights from S3): $17.00 idle")
    #expect(close(figures.instanceHourly, 1.4084))
    #expect(close(figures.awakeHourly, idle / 730 + 1.4084, within: 1e-9))
    let awake = try #require(e.lines.first { $0.resourceType == "AWS::SageMaker::EndpointConfig" })
    #expect(awake.kind == .usage && close(awake.quantity, 2 * 730 / 24, within: 1e-9) && close(awake.monthly, 1.4084 * 2 * 730 / 24, within: 1e-9))
    #expect(close(awake.monthlyMax, 1.4084 * 730, within: 1e-9), "the worst case, always awake, is what the budget checks")
    // always on: the default stack's own estimate
    let always = Estimator.estimate(Stack.slmService(ServiceConfig()), config: ServiceConfig())
    #expect(close(figures.alwaysOnMonthly, always.totalMonthly, within: 1e-9))
    let fixed = e.totalMonthly - 1.4084 * 2 * 730 / 24
    #expect(close(figures.breakEvenHoursPerDay, (always.totalMonthly - fixed) / (1.4084 * 730 / 24), within: 1e-9))
    #expect(e.rendered(.table).contains("Break-even"))
    #expect(e.assumptions.contains { $0.contains("NAT gateway") && $0.contains("$17.00/month") })
}

@Test func theDefaultEstimateHasNoScaleToZeroFigures() {
    #expect(Estimator.estimate(Stack.slmService(ServiceConfig()), config: ServiceConfig()).scaleToZero == nil)
}

/// Two models on ml.g5.xlarge (one GPU each): an awake hour bills two instances, one copy of each
/// model; always on is two instances all month.
@Test func twoModelsAwakeBillTheInstancesOneCopyOfEachNeeds() throws {
    var config = ServiceConfig()
    config.scaling = .zero
    config.awakeHoursPerDay = 2
    config.models = [ListedModel(modelID: config.modelID), ListedModel(modelID: "Qwen/Qwen2.5-0.5B-Instruct", copies: 2)]
    let e = Estimator.estimate(Stack.slmService(config), config: config)
    let figures = try #require(e.scaleToZero)
    #expect(figures.awakeInstances == 2 && figures.maxInstances == 3)
    let awake = try #require(e.lines.first { $0.resourceType == "AWS::SageMaker::EndpointConfig" })
    #expect(close(awake.monthly, 2 * 1.4084 * 2 * 730 / 24, within: 1e-9), "2 instances x 2 h a day")
    #expect(close(awake.monthlyMax, 1.4084 * 730 * 3, within: 1e-9), "the worst case: every copy of every model all month")
    #expect(close(figures.awakeHourly, figures.idleHourly + 2 * 1.4084, within: 1e-9))
    var always = ServiceConfig()
    always.instanceCount = 2
    #expect(close(figures.alwaysOnMonthly, Estimator.estimate(Stack.slmService(always), config: always).totalMonthly, within: 1e-9))
    #expect(e.assumptions.contains { $0.hasPrefix("2 models: an awake hour counts all of them awake at once") })
    #expect(e.rendered(.table).contains("Awake     $2.89/hour with one copy of each model (2 x ml.g5.xlarge"))
}
