import Foundation
import StackModel

/// One resource as `cost` reads it, from a model or from a template: its CloudFormation type and
/// properties in template JSON (`Ref`, `Fn::GetAtt`, `Fn::Sub` as CloudFormation writes them).
struct PricedResource {
    /// The logical ID.
    let id: String
    /// The CloudFormation type, which picks the price rule.
    let type: String
    /// What the free list calls it: the model's kind (`Subnet`), or the template's type.
    let label: String
    /// `Properties`, as parsed JSON.
    let properties: [String: Any]
}

/// One price rule: counts a resource of its type into the inventory and returns true, or returns
/// false when it does not apply to this resource (then the type's entry in the free list decides).
typealias PriceRule = @Sendable (inout Inventory, PricedResource, Inventory.Wiring) -> Bool

// The price rules by CloudFormation type, shared by the model and template paths.
extension Inventory {
    /// What the rules need to know about the whole stack: who invokes each function, which
    /// endpoint configurations an endpoint uses, and facts the resources do not carry.
    struct Wiring {
        var apiInvoked = Set<String>(), alarmInvoked = Set<String>(), armed = Set<String>(), authorizing = Set<String>()
        var configsInUse = Set<String>()
        /// GB of model weights, for the staged weights of a model loaded from S3.
        var weightsGB: Double
        /// Hours a day a component host is expected awake.
        var awakeHoursPerDay: Double
    }

    /// Counts `present` (the resources that exist for these parameter values) into the inventory;
    /// `all` (every resource, whatever its condition) decides who invokes each function, so that
    /// pausing does not turn the pauser into an API function.
    mutating func count(present: [PricedResource], all: [PricedResource], weightsGB: Double, awakeHoursPerDay: Double) {
        let known = Set(all.map(\.id)), presentIDs = Set(present.map(\.id))
        let references = { (value: Any?) in Self.templateReferences(value).filter(known.contains) }
        var wiring = Wiring(weightsGB: weightsGB, awakeHoursPerDay: awakeHoursPerDay)
        // armed: its permission and an alarm that invokes it are there (a pause removes the idle alarm)
        let presentAlarmTargets = Set(present.filter { $0.type == "AWS::CloudWatch::Alarm" }.flatMap { references($0.properties["AlarmActions"]) })
        for resource in all where resource.type == "AWS::Lambda::Permission" {
            let principal = resource.properties["Principal"] as? String
            for function in references(resource.properties["FunctionName"]) {
                if principal == Self.apiGatewayPrincipal { wiring.apiInvoked.insert(function) }
                if principal == Self.alarmPrincipal {
                    wiring.alarmInvoked.insert(function)
                    if presentIDs.contains(resource.id) && presentAlarmTargets.contains(function) { wiring.armed.insert(function) }
                }
            }
        }
        wiring.authorizing = Set(all.filter { $0.type == "AWS::ApiGateway::Authorizer" }.flatMap { references($0.properties["AuthorizerUri"]) })
        // Endpoint configurations in use, and the autoscaling range of each endpoint.
        var endpointConfigs: [String: [String]] = [:]
        for resource in present where resource.type == "AWS::SageMaker::Endpoint" {
            endpointConfigs[resource.id] = references(resource.properties["EndpointConfigName"])
        }
        wiring.configsInUse = Set(endpointConfigs.values.joined())
        for resource in present where resource.type == "AWS::ApplicationAutoScaling::ScalableTarget"
            && resource.properties["ScalableDimension"] as? String == ScalableTarget.scalableDimension {
            guard let low = Self.integer(resource.properties["MinCapacity"]), let high = Self.integer(resource.properties["MaxCapacity"]) else { continue }
            for endpoint in references(resource.properties["ResourceId"]) {
                for config in endpointConfigs[endpoint] ?? [] { scaling[config] = low...max(low, high) }
            }
        }
        for resource in present {
            if let rule = Self.priceRules[resource.type], rule(&self, resource, wiring) { continue }
            // A type without a rule or a free entry is listed as not priced, with a warning: never silently free.
            if Self.freeTypes.contains(resource.type) { free.append((resource.id, resource.label)) } else { notPriced.append((resource.id, resource.type)) }
        }
    }

    /// One rule per priced CloudFormation type.
    static let priceRules: [String: PriceRule] = [
        "AWS::SageMaker::EndpointConfig": { inventory, r, wiring in
            // a configuration no endpoint uses is free
            guard wiring.configsInUse.contains(r.id) else { return false }
            for case let variant as [String: Any] in r.properties["ProductionVariants"] as? [Any] ?? [] {
                let managed = variant["ManagedInstanceScaling"] as? [String: Any]
                if let managed, managed["Status"] as? String == "ENABLED", integer(managed["MinInstanceCount"]) == 0 {
                    // scale to zero: billed while awake
                    inventory.componentHosts.append((r.id, variant["InstanceType"] as? String ?? "?", integer(managed["MaxInstanceCount"]) ?? 1))
                    inventory.awakeHoursPerDay = wiring.awakeHoursPerDay
                    continue
                }
                inventory.endpoints.append((r.id, variant["InstanceType"] as? String ?? "?", integer(variant["InitialInstanceCount"]) ?? 1))
            }
            return true
        },
        "AWS::EC2::NatGateway": { inventory, r, _ in inventory.natGateways.append(r.id); return true },
        "AWS::EC2::EIP": { inventory, r, _ in inventory.elasticIPs.append(r.id); return true },
        "AWS::EC2::VPCEndpoint": { inventory, r, _ in
            // a gateway endpoint is free
            guard r.properties["VpcEndpointType"] as? String != "Gateway" else { return false }
            inventory.interfaceEndpoints.append((r.id, (r.properties["SubnetIds"] as? [Any])?.count ?? 0))
            return true
        },
        "AWS::SageMaker::Model": { inventory, r, wiring in
            // Staged weights (weights s3): the model's bytes are stored in the assets bucket; the model itself is free.
            if (r.properties["PrimaryContainer"] as? [String: Any])?["ModelDataSource"] != nil { inventory.stagedWeightsGB = wiring.weightsGB }
            return false
        },
        "AWS::ApiGateway::RestApi": { inventory, r, _ in inventory.restApis.append(r.id); return true },
        "AWS::Lambda::Function": { inventory, r, wiring in
            let memory = integer(r.properties["MemorySize"]) ?? 128
            if wiring.authorizing.contains(r.id) { inventory.authorizerFunctions.append((r.id, memory)) }
            if wiring.alarmInvoked.contains(r.id) && !wiring.apiInvoked.contains(r.id) {
                inventory.alarmFunctions.append((r.id, memory, wiring.armed.contains(r.id)))
            } else {
                inventory.functions.append((r.id, memory))
                inventory.tracing = inventory.tracing || (r.properties["TracingConfig"] as? [String: Any])?["Mode"] as? String == "Active"
            }
            return true
        },
        "AWS::Logs::LogGroup": { inventory, r, _ in inventory.logGroups.append((r.id, integer(r.properties["RetentionInDays"]) ?? 3653)); return true },
        "AWS::KMS::Key": { inventory, r, _ in inventory.kmsKeys.append(r.id); return true },
        "AWS::CloudWatch::Alarm": { inventory, r, _ in
            inventory.alarms.append(r.id)
            let metrics = (r.properties["Metrics"] as? [Any]).map { $0.filter { ($0 as? [String: Any])?["MetricStat"] != nil }.count }
            let period = integer(r.properties["Period"]) ?? 60
            inventory.alarmDetails[r.id] = AlarmDetail(metrics: max(1, metrics ?? 1), highResolution: period < 60,
                                                       percentile: r.properties["ExtendedStatistic"] as? String)
            return true
        },
        "AWS::ApplicationAutoScaling::ScalingPolicy": { inventory, r, _ in
            // a step scaling policy is free (its alarm is an AWS::CloudWatch::Alarm of the stack)
            guard r.properties["PolicyType"] as? String == "TargetTrackingScaling" else { return false }
            let configuration = r.properties["TargetTrackingScalingPolicyConfiguration"] as? [String: Any]
            let scaleInDisabled = (configuration?["DisableScaleIn"] as? NSNumber)?.boolValue == true
                || configuration?["DisableScaleIn"] as? String == "true"
            inventory.scalingPolicies.append((r.id, scaleInDisabled ? 1 : 2))
            let metric = (configuration?["PredefinedMetricSpecification"] as? [String: Any])?["PredefinedMetricType"] as? String
            if metric?.hasSuffix("HighResolution") == true { inventory.highResolutionPolicies.append(r.id) }
            return true
        },
        "AWS::SNS::Topic": { inventory, r, _ in inventory.topics.append(r.id); return true },
        "AWS::SNS::Subscription": { inventory, r, _ in
            guard ["email", "email-json"].contains(r.properties["Protocol"] as? String ?? "") else { return false }
            inventory.emailSubscriptions.append(r.id)
            return true
        },
        "AWS::Scheduler::Schedule": { inventory, r, _ in
            let expression = scheduleExpression(r.properties["ScheduleExpression"])
            if let perMonth = expression.flatMap(invocationsPerMonth) {
                inventory.schedules.append((r.id, perMonth))
            } else {
                inventory.schedules.append((r.id, 0))
                inventory.warnings.append("schedule '\(r.id)': cannot count the invocations of \(expression ?? "its expression"): priced at 0")
            }
            return true
        },
    ]

    /// The types slmstack renders that have no charge of their own (or are billed through another
    /// resource: an endpoint through its configuration, a flow log through its log group, an
    /// inference component through its configuration's instances), and those of its priced types
    /// whose rule does not apply (a configuration no endpoint uses, a gateway VPC endpoint, a
    /// non-e-mail subscription, a step-scaling policy). Any other type is not priced.
    static let freeTypes: Set<String> = [
        "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::InternetGateway", "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::RouteTable",
        "AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::SecurityGroup", "AWS::EC2::FlowLog", "AWS::EC2::VPCEndpoint",
        "AWS::IAM::Role", "AWS::SageMaker::Model", "AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Endpoint", "AWS::Lambda::Permission",
        "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method", "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::UsagePlanKey", "AWS::ApiGateway::Account",
        "AWS::ApiGateway::Authorizer", "AWS::ApiGateway::GatewayResponse", "AWS::SQS::Queue", "AWS::SNS::Subscription",
        "AWS::ApplicationAutoScaling::ScalableTarget", "AWS::ApplicationAutoScaling::ScalingPolicy", "AWS::SageMaker::InferenceComponent",
    ]
}
