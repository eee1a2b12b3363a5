import CloudFormationSynth
import Foundation
import StackModel

/// What a stack contains that costs money, counted from the model or from a template, for one
/// set of deploy-time parameter values (running, or paused).
public struct Inventory: Sendable, Hashable {
    public var region: String
    /// (endpoint configuration's logical ID, instance type, count) per SageMaker endpoint
    /// configuration that an endpoint of the stack uses. A configuration no endpoint uses is free.
    public var endpoints: [(id: String, instanceType: String, count: Int)] = []
    /// (endpoint configuration's logical ID, instance type, most instances) per configuration in use
    /// whose variant hosts inference components with managed instance scaling from 0 (`scaling
    /// zero`): billed only while awake (`awakeHoursPerDay`).
    public var componentHosts: [(id: String, instanceType: String, maxInstances: Int)] = []
    /// Hours a day the component hosts are expected awake (`awake-hours-per-day`).
    public var awakeHoursPerDay: Double = 0
    /// Instances an awake hour bills: one copy of every model at once, packed by their reservations
    /// (`ServiceConfig.awakeInstances`; 1 with one model, and for a template read without its config).
    public var awakeInstances = 1
    /// Target tracking policies on a high-resolution metric: their alarms bill at the high-resolution rate.
    public var highResolutionPolicies: [String] = []
    /// Autoscaling bounds by endpoint configuration ID, for configurations whose endpoint has a
    /// scalable target: billed from `lowerBound` to `upperBound` instances.
    public var scaling: [String: ClosedRange<Int>] = [:]
    public var natGateways: [String] = []
    public var elasticIPs: [String] = []
    /// (logical ID, number of subnets = AZs) per interface endpoint.
    public var interfaceEndpoints: [(id: String, zones: Int)] = []
    public var restApis: [String] = []
    /// (logical ID, memory MB) per Lambda function that serves the API's requests.
    public var functions: [(id: String, memoryMB: Int)] = []
    /// (logical ID, memory MB) per Lambda function an API Gateway authorizer runs: invoked once per
    /// request (uncached), for a few milliseconds.
    public var authorizerFunctions: [(id: String, memoryMB: Int)] = []
    /// (logical ID, memory MB, armed) per Lambda function that only a CloudWatch alarm invokes
    /// (the idle pauser); `armed` is false when the alarm's permission is absent (paused).
    public var alarmFunctions: [(id: String, memoryMB: Int, armed: Bool)] = []
    /// (logical ID, retention days) per log group.
    public var logGroups: [(id: String, retentionDays: Int)] = []
    public var kmsKeys: [String] = []
    /// CloudWatch metric alarms, each billed per alarm metric (see `alarmDetails`).
    public var alarms: [String] = []
    /// How the alarms in `alarms` are billed; an alarm missing here is one standard-resolution metric.
    public var alarmDetails: [String: AlarmDetail] = [:]
    /// (policy ID, alarms) per target tracking policy: Application Auto Scaling creates and bills
    /// these CloudWatch alarms on the stack's behalf (scale-out and scale-in).
    public var scalingPolicies: [(id: String, alarms: Int)] = []
    /// SNS topics (billed per publish).
    public var topics: [String] = []
    /// E-mail subscriptions to those topics (billed per delivery).
    public var emailSubscriptions: [String] = []
    /// (logical ID, invocations per month) per EventBridge Scheduler schedule.
    public var schedules: [(id: String, invocationsPerMonth: Double)] = []
    public var tracing: Bool = false
    /// Resources that cost nothing by themselves: (logical ID, type).
    public var free: [(id: String, type: String)] = []
    /// (logical ID, CloudFormation type) per resource of a type slmstack has no price rule for
    /// (declared and raw resources): listed as not priced, with a warning, never as free.
    public var notPriced: [(id: String, type: String)] = []
    /// GB of model weights each instance downloads through the NAT gateway when it starts.
    public var weightsGB: Double = 0
    /// GB of model weights staged in the assets bucket (`weights s3`), billed as S3 storage; 0 with
    /// weights from the Hub.
    public var stagedWeightsGB: Double = 0
    /// Whether this is the stack with `Paused` true (its billable parts removed).
    public var paused: Bool = false
    /// The stack's time to live (`ttl`) in minutes, if it deletes itself.
    public var ttlMinutes: Int?
    /// What could not be read exactly (for example a condition slmstack cannot evaluate).
    public var warnings: [String] = []

    /// How one CloudWatch alarm is billed.
    public struct AlarmDetail: Sendable, Hashable {
        /// Metrics the alarm reads: one for a metric alarm, more for metric math.
        public var metrics: Int
        /// A period under 60 seconds: billed at the high-resolution rate.
        public var highResolution: Bool
        /// The percentile statistic (`p90`), if any: billed like any other statistic.
        public var percentile: String?

        public init(metrics: Int = 1, highResolution: Bool = false, percentile: String? = nil) {
            self.metrics = metrics
            self.highResolution = highResolution
            self.percentile = percentile
        }
    }

    public init(region: String) { self.region = region }

    public static func == (a: Inventory, b: Inventory) -> Bool { a.summary == b.summary }
    public func hash(into hasher: inout Hasher) { hasher.combine(summary) }
    var summary: String {
        "\(region)|\(endpoints.map { "\($0.id):\($0.instanceType)x\($0.count)" })|\(scaling.keys.sorted().map { "\($0):\(scaling[$0]!)" })|\(natGateways)|\(elasticIPs)|\(interfaceEndpoints.map { "\($0.id):\($0.zones)" })|\(functions.map { "\($0.id):\($0.memoryMB)" })|\(authorizerFunctions.map { "\($0.id):\($0.memoryMB)" })|\(alarmFunctions.map { "\($0.id):\($0.memoryMB):\($0.armed)" })|\(logGroups.map { "\($0.id):\($0.retentionDays)" })|\(kmsKeys)|\(alarms)|\(alarmDetails.keys.sorted().map { "\($0):\(alarmDetails[$0]!)" })|\(scalingPolicies.map { "\($0.id):\($0.alarms)" })|\(topics)|\(emailSubscriptions)|\(schedules.map { "\($0.id):\($0.invocationsPerMonth)" })|\(tracing)|\(paused)|\(ttlMinutes ?? -1)|\(componentHosts.map { "\($0.id):\($0.instanceType)x\($0.maxInstances)" })|\(awakeHoursPerDay)x\(awakeInstances)|\(highResolutionPolicies)|\(stagedWeightsGB)"
    }

    /// The principal API Gateway invokes Lambda functions as.
    static let apiGatewayPrincipal = "apigateway.amazonaws.com"
    /// The principal CloudWatch alarms invoke Lambda functions as (alarm Lambda actions).
    static let alarmPrincipal = "lambda.alarms.cloudwatch.amazonaws.com"

    // MARK: - From the model

    /// Counts the priced resources of a model stack as it runs (deploy-time flags at their defaults).
    public static func of(_ stack: Stack, config: ServiceConfig) -> Inventory {
        of(stack, config: config, paused: false)
    }

    /// Counts the priced resources of a model stack with `Paused` set to `paused`: paused, the
    /// resources under the `Running` condition (endpoint, NAT gateway and address, their alarms,
    /// the scalable target) are absent.
    public static func of(_ stack: Stack, config: ServiceConfig, paused: Bool) -> Inventory {
        let flag = SLMService.pausedParameter.name
        let hasFlag = stack.parameters.contains { $0.name == flag }
        var inventory = Inventory(region: config.region)
        inventory.weightsGB = (config.modelSpec?.weightBytes ?? 0) / 1e9
        inventory.paused = paused && hasFlag
        inventory.ttlMinutes = config.ttlMinutes
        if config.scalesToZero {
            inventory.awakeHoursPerDay = config.awakeHoursPerDay
            inventory.awakeInstances = config.awakeInstances
        }
        let present = Set(stack.resources(flags: hasFlag ? [flag: paused] : [:]).map(\.id))
        // The same rules as a template's, over the CloudFormation form each resource declares.
        let all = stack.resources.map { resource in
            PricedResource(id: resource.id.rawValue, type: resource.cloudFormationType, label: type(of: resource).kind,
                           properties: json(CloudFormationSynth.value(.object(resource.properties))) as? [String: Any] ?? [:])
        }
        inventory.count(present: all.filter { present.contains(LogicalID($0.id)) }, all: all,
                        weightsGB: inventory.weightsGB, awakeHoursPerDay: config.awakeHoursPerDay)
        // staged weights follow the setting, whether or not the model is present (paused)
        inventory.stagedWeightsGB = config.weights == .s3 ? inventory.weightsGB : 0
        return inventory
    }

    /// Rendered CloudFormation JSON as `JSONSerialization` reads a template: objects as
    /// dictionaries, numbers and flags as `NSNumber`.
    static func json(_ node: OrderedJSON) -> Any {
        switch node {
        case .string(let text): text
        case .int(let number): NSNumber(value: number)
        case .double(let number): NSNumber(value: number)
        case .bool(let flag): NSNumber(value: flag)
        case .null: NSNull()
        case .array(let items): items.map(json)
        case .object(let fields): Dictionary(fields.map { ($0.0, json($0.1)) }, uniquingKeysWith: { _, last in last })
        }
    }
}
