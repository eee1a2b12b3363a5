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
        inventory.stagedWeightsGB = config.weights == .s3 ? inventory.weightsGB : 0
        inventory.paused = paused && hasFlag
        inventory.ttlMinutes = config.ttlMinutes
        if config.scalesToZero {
            inventory.awakeHoursPerDay = config.awakeHoursPerDay
            inventory.awakeInstances = config.awakeInstances
        }
        let present = stack.resources(flags: hasFlag ? [flag: paused] : [:])

        // Who invokes each function: decided on the whole stack, so pausing does not turn the
        // pauser into an API function; whether its alarm can invoke it, on what is present.
        var apiInvoked = Set<LogicalID>(), alarmInvoked = Set<LogicalID>(), armed = Set<LogicalID>()
        let presentIDs = Set(present.map(\.id))
        // armed: its permission and an alarm that invokes it are there (a pause removes the idle alarm)
        let presentAlarmTargets = Set(present.compactMap { $0 as? MetricAlarm }.flatMap { $0.actions.flatMap(\.references) })
        for case let permission as LambdaPermission in stack.resources {
            for id in permission.function.references {
                if permission.principal == apiGatewayPrincipal { apiInvoked.insert(id) }
                if permission.principal == alarmPrincipal {
                    alarmInvoked.insert(id)
                    if presentIDs.contains(permission.id) && presentAlarmTargets.contains(id) { armed.insert(id) }
                }
            }
        }
        let authorizing = Set(stack.resources(of: ApiAuthorizer.self).flatMap(\.function.references))
        // Endpoint configurations in use, and the autoscaling range of each endpoint.
        var configsInUse = Set<LogicalID>()
        var endpointConfigs: [LogicalID: [LogicalID]] = [:]
        for case let endpoint as Endpoint in present {
            endpointConfigs[endpoint.id] = endpoint.config.references
            configsInUse.formUnion(endpoint.config.references)
        }
        for case let target as ScalableTarget in present {
            for endpoint in target.resourceID.references {
                for config in endpointConfigs[endpoint] ?? [] {
                    inventory.scaling[config.rawValue] = target.minCapacity...max(target.minCapacity, target.maxCapacity)
                }
            }
        }

        for resource in present {
            let id = resource.id.rawValue
            switch resource {
            case let r as EndpointConfig where configsInUse.contains(r.id):
                if let hosting = r.components {
                    inventory.componentHosts.append((id, r.instanceType, hosting.scaling.maxInstances))
                } else {
                    inventory.endpoints.append((id, r.instanceType, r.instanceCount))
                }
            case is NatGateway: inventory.natGateways.append(id)
            case is ElasticIP: inventory.elasticIPs.append(id)
            case let r as InterfaceEndpoint: inventory.interfaceEndpoints.append((id, r.subnets.count))
            case is RestApi: inventory.restApis.append(id)
            case let r as LambdaFunction:
                if authorizing.contains(r.id) { inventory.authorizerFunctions.append((id, r.memoryMB)) }
                if alarmInvoked.contains(r.id) && !apiInvoked.contains(r.id) {
                    inventory.alarmFunctions.append((id, r.memoryMB, armed.contains(r.id)))
                } else {
                    inventory.functions.append((id, r.memoryMB))
                    inventory.tracing = inventory.tracing || r.tracing
                }
            case let r as LogGroup: inventory.logGroups.append((id, r.retentionDays))
            case is KmsKey: inventory.kmsKeys.append(id)
            case let r as MetricAlarm:
                inventory.alarms.append(id)
                var percentile: String?
                if case .percentile(let p) = r.statistic { percentile = p }
                inventory.alarmDetails[id] = AlarmDetail(metrics: 1, highResolution: r.periodSeconds < 60, percentile: percentile)
            case let r as TargetTrackingPolicy:
                inventory.scalingPolicies.append((id, 2))
                if r.predefinedMetric.hasSuffix("HighResolution") { inventory.highResolutionPolicies.append(id) }
            case is SnsTopic: inventory.topics.append(id)
            case is SnsSubscription: inventory.emailSubscriptions.append(id)
            case is OneTimeSchedule: inventory.schedules.append((id, 1))
            // No charge of their own (an endpoint is billed through its configuration, a flow log through its log group).
            case is Vpc, is Subnet, is InternetGateway, is GatewayAttachment, is RouteTable, is Route, is RouteTableAssociation,
                 is SecurityGroup, is FlowLog, is Role, is SageMakerModel, is EndpointConfig, is Endpoint, is LambdaPermission,
                 is ApiResource, is ApiMethod, is ApiDeployment, is ApiStage, is ApiKey, is UsagePlan, is UsagePlanKey,
                 is ApiGatewayAccount, is ApiAuthorizer, is GatewayResponse, is SqsQueue, is ScalableTarget,
                 // an inference component bills through its endpoint configuration's instances; the wake policy's alarm is a MetricAlarm
                 is InferenceComponent, is StepScalingPolicy, is GatewayEndpoint:
                inventory.free.append((id, type(of: resource).kind))
            case let r as any DeclaredResource: inventory.notPriced.append((id, r.cloudFormationType))
            // A type without a rule here is listed as not priced, with a warning: never silently free.
            default: inventory.notPriced.append((id, type(of: resource).kind))
            }
        }
        return inventory
    }
}
