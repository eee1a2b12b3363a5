import StackModel

/// What scale to zero costs: idle, awake, a month at the expected awake hours, and where it stops
/// paying off against the same stack always on (`scaling instance`).
public struct ScaleToZeroFigures: Sendable, Codable {
    public var instanceType: String
    public var maxInstances: Int
    public var awakeHoursPerDay: Double
    /// The instance's on-demand price per hour, if known.
    public var instanceHourly: Double?
    /// What bills with no copy running: the baseline (network, keys, alarms), per month and hour.
    public var idleMonthly: Double
    public var idleHourly: Double
    /// Per hour with one copy of each model awake: idle plus `awakeInstances` instances.
    public var awakeHourly: Double?
    /// Instances one copy of each model needs at once, when more than one (several models).
    public var awakeInstances: Int?
    /// The month at `awakeHoursPerDay` (the estimate's total).
    public var monthly: Double
    /// The same stack always on (`awakeInstances` instances, `scaling instance`), per month.
    public var alwaysOnMonthly: Double
    /// Awake hours a day below which scale to zero costs less than always on (24: always cheaper).
    public var breakEvenHoursPerDay: Double?
    /// The part of `idleMonthly` that is the NAT gateway and its address (weights from the Hub).
    public var natMonthly: Double
}

extension Estimator {
    /// Adds the scale-to-zero figures to `estimate` (a `scaling zero` stack), with the always-on
    /// comparison priced from the same config with `scaling instance`.
    public static func addScaleToZero(_ estimate: inout Estimate, config: ServiceConfig, usage: Usage = Usage(), prices: PriceTable = .embedded) {
        guard config.scalesToZero, !estimate.isPaused else { return }
        var always = config
        always.scaling = .instance
        always.maxInstances = nil
        always.minInstances = nil
        // several models always on: as many always-on instances as one copy of each needs awake
        always.instanceCount = config.awakeInstances
        always.models = []
        let stack = Stack.slmService(always)
        let alwaysOn = Self.estimate(running: Inventory.of(stack, config: always, paused: false), paused: nil, usage: usage, prices: prices)
        estimate.scaleToZero = figures(estimate, alwaysOnMonthly: alwaysOn.totalMonthly, config: config)
        let figures = estimate.scaleToZero!
        var notes = ["scale to zero: no instance while idle; \(Self.format(config.awakeHoursPerDay)) awake hour(s) a day expected (awake-hours-per-day), \(Self.format(usage.wakesPerDay)) wake(s) a day; a wake takes 5-10 minutes"]
        if config.components.count > 1 {
            notes.append("\(config.components.count) models: an awake hour counts all of them awake at once, one copy each, packed by their GPU and memory reservations on \(config.awakeInstances) \(config.instanceType) instance(s); always on is the same \(config.awakeInstances) instance(s) all month")
        }
        if figures.natMonthly > 0 {
            notes.append("the idle cost includes the NAT gateway and its address (\(Estimate.money(figures.natMonthly))/month), which the container needs to download the weights from the Hugging Face Hub; weights from S3 (issue 15) remove it, and the idle cost falls to \(Estimate.money(figures.idleMonthly - figures.natMonthly))/month")
        }
        estimate.assumptions += notes
    }

    /// The figures of a scale-to-zero estimate, against an always-on stack costing `alwaysOnMonthly`.
    static func figures(_ estimate: Estimate, alwaysOnMonthly: Double, config: ServiceConfig) -> ScaleToZeroFigures {
        let hosts = estimate.lines.filter { $0.resourceType == "AWS::SageMaker::EndpointConfig" && $0.kind == .usage }
        let hourly = hosts.first?.unitPrice.map { $0 * Double(config.awakeInstances) }
        let awakeMonthly = hosts.compactMap(\.monthly).reduce(0, +)
        let nat = estimate.lines.filter { $0.kind == .baseline && ["AWS::EC2::NatGateway", "AWS::EC2::EIP"].contains($0.resourceType) }
            .compactMap(\.monthly).reduce(0, +)
        // hourly: every awake instance. zero(h) = fixed + h x hourly x 730/24 equals always-on at h = (alwaysOn - fixed) / (hourly x 730/24)
        let fixed = estimate.totalMonthly - awakeMonthly
        let breakEven = hourly.flatMap { $0 > 0 ? min(24, max(0, (alwaysOnMonthly - fixed) / ($0 * Estimate.hoursPerMonth / 24))) : nil }
        let idle = estimate.baselineMonthly
        return ScaleToZeroFigures(instanceType: config.instanceType, maxInstances: config.maxComponentInstances, awakeHoursPerDay: config.awakeHoursPerDay,
                                  instanceHourly: hosts.first?.unitPrice, idleMonthly: idle, idleHourly: idle / Estimate.hoursPerMonth,
                                  awakeHourly: hourly.map { idle / Estimate.hoursPerMonth + $0 }, awakeInstances: config.awakeInstances > 1 ? config.awakeInstances : nil,
                                  monthly: estimate.totalMonthly, alwaysOnMonthly: alwaysOnMonthly, breakEvenHoursPerDay: breakEven, natMonthly: nat)
    }
}

extension ScaleToZeroFigures {
    /// The lines the table report prints under the totals.
    var tableLines: [String] {
        let awake = awakeHourly.map { Estimate.money($0) + "/hour" } ?? "unknown"
        var out = [
            "Idle      \(Estimate.money(idleMonthly))/month, \(Estimate.money(idleHourly))/hour with no copy running (scale to zero)",
            awakeInstances != nil
                ? "Awake     \(awake) with one copy of each model (\(awakeInstances ?? 1) x \(instanceType) \(instanceHourly.map { Estimate.money($0) + "/hour" } ?? "unknown") on top of idle)"
                : "Awake     \(awake) with one copy (\(instanceType) \(instanceHourly.map { Estimate.money($0) + "/hour" } ?? "unknown") on top of idle)",
            "Month     \(Estimate.money(monthly)) at \(Estimator.format(awakeHoursPerDay)) awake hour(s) a day (awake-hours-per-day); always on: \(Estimate.money(alwaysOnMonthly))",
        ]
        if let breakEven = breakEvenHoursPerDay {
            out.append(breakEven >= 24 ? "Break-even  scale to zero costs less than always on even awake 24 hours a day"
                       : "Break-even  \(Estimator.format((breakEven * 10).rounded() / 10)) awake hours a day: below that scale to zero costs less than always on")
        }
        return out
    }
}
