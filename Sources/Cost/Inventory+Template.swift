import Foundation
import StackModel

// The template half: the priced resources of a CloudFormation template (for `cost --diff` against
// committed files), with its conditions evaluated for the given parameter values.
extension Inventory {
    /// Counts the priced resources of a CloudFormation template with its parameters at their
    /// defaults (for `cost --diff` against committed files).
    ///
    /// - Throws: `CostError.unreadableTemplate` when the text is not a template.
    public static func of(template data: Data, region: String, weightsGB: Double) throws -> Inventory {
        try of(template: data, region: region, weightsGB: weightsGB, parameters: [:])
    }

    /// Counts the priced resources of a CloudFormation template deployed with `Paused` set to
    /// `paused` (other parameters at their defaults).
    ///
    /// - Throws: `CostError.unreadableTemplate` when the text is not a template.
    public static func of(template data: Data, region: String, weightsGB: Double, paused: Bool) throws -> Inventory {
        try of(template: data, region: region, weightsGB: weightsGB, parameters: [SLMService.pausedParameter.name.rawValue: paused ? "true" : "false"])
    }

    /// Counts the priced resources of a CloudFormation template deployed with these parameter
    /// values; parameters not given take their `Default`.
    ///
    /// Resources whose `Condition` is false for those values are left out, as CloudFormation
    /// leaves them out: `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or` and `Condition` over `Ref`s to
    /// parameters and literals are evaluated; a condition that cannot be is taken as true (its
    /// resources are priced) with a warning.
    ///
    /// - Parameters:
    ///   - data: the template's JSON text.
    ///   - region: the region it is deployed to (also the value of `AWS::Region`).
    ///   - weightsGB: GB of model weights each instance downloads through the NAT gateway.
    ///   - parameters: parameter values by name, for example `["Paused": "true"]`.
    /// - Throws: `CostError.unreadableTemplate` when the text is not a template.
    public static func of(template data: Data, region: String, weightsGB: Double, parameters: [String: String]) throws -> Inventory {
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let resources = document["Resources"] as? [String: Any] else {
            throw CostError.unreadableTemplate("not a CloudFormation template with a Resources section")
        }
        var inventory = Inventory(region: region)
        inventory.weightsGB = weightsGB
        let evaluator = TemplateConditions(document: document, given: parameters, region: region)
        inventory.paused = evaluator.values[SLMService.pausedParameter.name.rawValue] == "true"
        let ids = resources.keys.sorted()
        var present: [(id: String, type: String, properties: [String: Any])] = []
        var all: [(id: String, type: String, properties: [String: Any])] = []
        for id in ids {
            guard let resource = resources[id] as? [String: Any], let type = resource["Type"] as? String else { continue }
            let entry = (id, type, resource["Properties"] as? [String: Any] ?? [:])
            all.append(entry)
            guard let condition = resource["Condition"] as? String else {
                present.append(entry)
                continue
            }
            switch evaluator.holds(condition) {
            case true?: present.append(entry)
            case false?: continue
            case nil:
                present.append(entry)
                let warning = "condition '\(condition)' could not be evaluated: resources under it are priced as present"
                if !inventory.warnings.contains(warning) { inventory.warnings.append(warning) }
            }
        }
        let presentIDs = Set(present.map(\.id))
        let references = { (value: Any?) in templateReferences(value).filter { resources[$0] != nil } }

        var apiInvoked = Set<String>(), alarmInvoked = Set<String>(), armed = Set<String>()
        let presentAlarmTargets = Set(all.filter { $0.type == "AWS::CloudWatch::Alarm" && presentIDs.contains($0.id) }
            .flatMap { references($0.properties["AlarmActions"]) })
        for resource in all where resource.type == "AWS::Lambda::Permission" {
            let principal = resource.properties["Principal"] as? String
            for function in references(resource.properties["FunctionName"]) {
                if principal == apiGatewayPrincipal { apiInvoked.insert(function) }
                if principal == alarmPrincipal {
                    alarmInvoked.insert(function)
                    if presentIDs.contains(resource.id) && presentAlarmTargets.contains(function) { armed.insert(function) }
                }
            }
        }
        let authorizing = Set(all.filter { $0.type == "AWS::ApiGateway::Authorizer" }.flatMap { references($0.properties["AuthorizerUri"]) })
        var endpointConfigs: [String: [String]] = [:]
        for resource in present where resource.type == "AWS::SageMaker::Endpoint" {
            endpointConfigs[resource.id] = references(resource.properties["EndpointConfigName"])
        }
        let configsInUse = Set(endpointConfigs.values.joined())
        for resource in present where resource.type == "AWS::ApplicationAutoScaling::ScalableTarget"
            && resource.properties["ScalableDimension"] as? String == ScalableTarget.scalableDimension {
            guard let low = integer(resource.properties["MinCapacity"]), let high = integer(resource.properties["MaxCapacity"]) else { continue }
            for endpoint in references(resource.properties["ResourceId"]) {
                for config in endpointConfigs[endpoint] ?? [] { inventory.scaling[config] = low...max(low, high) }
            }
        }

        for (id, type, properties) in present {
            switch type {
            case "AWS::SageMaker::EndpointConfig" where configsInUse.contains(id):
                for case let variant as [String: Any] in properties["ProductionVariants"] as? [Any] ?? [] {
                    let managed = variant["ManagedInstanceScaling"] as? [String: Any]
                    if let managed, managed["Status"] as? String == "ENABLED", integer(managed["MinInstanceCount"]) == 0 {
                        // scale to zero: billed while awake (the template does not say how long: a
                        // warning, and the default awake hours)
                        inventory.componentHosts.append((id, variant["InstanceType"] as? String ?? "?", integer(managed["MaxInstanceCount"]) ?? 1))
                        inventory.awakeHoursPerDay = ServiceConfig().awakeHoursPerDay
                        continue
                    }
                    inventory.endpoints.append((id, variant["InstanceType"] as? String ?? "?", integer(variant["InitialInstanceCount"]) ?? 1))
                }
            case "AWS::EC2::NatGateway": inventory.natGateways.append(id)
            case "AWS::EC2::EIP": inventory.elasticIPs.append(id)
            case "AWS::EC2::VPCEndpoint" where properties["VpcEndpointType"] as? String == "Gateway": inventory.free.append((id, type))
            case "AWS::SageMaker::Model" where (properties["PrimaryContainer"] as? [String: Any])?["ModelDataSource"] != nil:
                // Staged weights (weights s3): the model's bytes are stored in the assets bucket.
                inventory.stagedWeightsGB = weightsGB
                inventory.free.append((id, type))
            case "AWS::EC2::VPCEndpoint": inventory.interfaceEndpoints.append((id, (properties["SubnetIds"] as? [Any])?.count ?? 0))
            case "AWS::ApiGateway::RestApi": inventory.restApis.append(id)
            case "AWS::Lambda::Function":
                let memory = integer(properties["MemorySize"]) ?? 128
                if authorizing.contains(id) { inventory.authorizerFunctions.append((id, memory)) }
                if alarmInvoked.contains(id) && !apiInvoked.contains(id) {
                    inventory.alarmFunctions.append((id, memory, armed.contains(id)))
                } else {
                    inventory.functions.append((id, memory))
                    inventory.tracing = inventory.tracing || (properties["TracingConfig"] as? [String: Any])?["Mode"] as? String == "Active"
                }
            case "AWS::Logs::LogGroup": inventory.logGroups.append((id, integer(properties["RetentionInDays"]) ?? 3653))
            case "AWS::KMS::Key": inventory.kmsKeys.append(id)
            case "AWS::CloudWatch::Alarm":
                inventory.alarms.append(id)
                let metrics = (properties["Metrics"] as? [Any]).map { $0.filter { ($0 as? [String: Any])?["MetricStat"] != nil }.count }
                let period = integer(properties["Period"]) ?? 60
                inventory.alarmDetails[id] = AlarmDetail(metrics: max(1, metrics ?? 1), highResolution: period < 60,
                                                         percentile: properties["ExtendedStatistic"] as? String)
            case "AWS::ApplicationAutoScaling::ScalingPolicy" where properties["PolicyType"] as? String == "TargetTrackingScaling":
                let configuration = properties["TargetTrackingScalingPolicyConfiguration"] as? [String: Any]
                let scaleInDisabled = (configuration?["DisableScaleIn"] as? NSNumber)?.boolValue == true
                    || configuration?["DisableScaleIn"] as? String == "true"
                inventory.scalingPolicies.append((id, scaleInDisabled ? 1 : 2))
                let metric = (configuration?["PredefinedMetricSpecification"] as? [String: Any])?["PredefinedMetricType"] as? String
                if metric?.hasSuffix("HighResolution") == true { inventory.highResolutionPolicies.append(id) }
            case "AWS::SNS::Topic": inventory.topics.append(id)
            case "AWS::SNS::Subscription" where ["email", "email-json"].contains(properties["Protocol"] as? String ?? ""):
                inventory.emailSubscriptions.append(id)
            case "AWS::Scheduler::Schedule":
                let expression = scheduleExpression(properties["ScheduleExpression"])
                if let perMonth = expression.flatMap(invocationsPerMonth) {
                    inventory.schedules.append((id, perMonth))
                } else {
                    inventory.schedules.append((id, 0))
                    inventory.warnings.append("schedule '\(id)': cannot count the invocations of \(expression ?? "its expression"): priced at 0")
                }
            case _ where Self.freeTypes.contains(type): inventory.free.append((id, type))
            default: inventory.notPriced.append((id, type))
            }
        }
        return inventory
    }

    /// The types slmstack renders that have no charge of their own (or are billed through another
    /// resource: an endpoint through its configuration, a flow log through its log group), and
    /// those of its priced types whose matching case above does not apply (a configuration no
    /// endpoint uses, a non-e-mail subscription, a step-scaling policy). Any other type is not priced.
    static let freeTypes: Set<String> = [
        "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::InternetGateway", "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::RouteTable",
        "AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::SecurityGroup", "AWS::EC2::FlowLog",
        "AWS::IAM::Role", "AWS::SageMaker::Model", "AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Endpoint", "AWS::Lambda::Permission",
        "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method", "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::UsagePlanKey", "AWS::ApiGateway::Account",
        "AWS::ApiGateway::Authorizer", "AWS::ApiGateway::GatewayResponse", "AWS::SQS::Queue", "AWS::SNS::Subscription",
        "AWS::ApplicationAutoScaling::ScalableTarget", "AWS::ApplicationAutoScaling::ScalingPolicy", "AWS::SageMaker::InferenceComponent",
    ]

    /// A whole number from a template value (a JSON number, or a string of digits).
    static func integer(_ value: Any?) -> Int? {
        if let number = value as? NSNumber { return number.intValue }
        if let text = value as? String { return Int(text) }
        return nil
    }

    /// Logical IDs and parameter names a template value refers to: `Ref`, `Fn::GetAtt` and the
    /// `${Name}` / `${Name.Attribute}` variables of `Fn::Sub`.
    static func templateReferences(_ value: Any?) -> [String] {
        if let list = value as? [Any] { return list.flatMap(templateReferences) }
        guard let object = value as? [String: Any] else { return [] }
        if let target = object["Ref"] as? String { return [target] }
        if let attribute = object["Fn::GetAtt"] {
            if let parts = attribute as? [Any], let target = parts.first as? String { return [target] }
            if let text = attribute as? String { return [String(text.split(separator: ".").first ?? "")] }
        }
        if let sub = object["Fn::Sub"] {
            let text = (sub as? String) ?? ((sub as? [Any])?.first as? String) ?? ""
            var found: [String] = []
            var rest = Substring(text)
            while let open = rest.range(of: "${") {
                guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
                let name = rest[open.upperBound..<close]
                if !name.hasPrefix("!") { found.append(String(name.split(separator: ".").first ?? name)) }
                rest = rest[rest.index(after: close)...]
            }
            return found + ((sub as? [Any])?.dropFirst().flatMap(templateReferences) ?? [])
        }
        return object.keys.sorted().flatMap { templateReferences(object[$0]) }
    }

    /// The text of a schedule expression, with `${...}` variables of an `Fn::Sub` kept as written.
    static func scheduleExpression(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let object = value as? [String: Any], let sub = object["Fn::Sub"] {
            return (sub as? String) ?? ((sub as? [Any])?.first as? String)
        }
        return nil
    }

    /// Invocations per 730-hour month of `at(…)` (one), `rate(N minutes|hours|days)`, or nil.
    static func invocationsPerMonth(_ expression: String) -> Double? {
        if expression.hasPrefix("at(") { return 1 }
        guard expression.hasPrefix("rate("), expression.hasSuffix(")") else { return nil }
        let parts = expression.dropFirst(5).dropLast().split(separator: " ")
        guard parts.count == 2, let count = Double(parts[0]), count > 0 else { return nil }
        let minutes: Double
        switch parts[1].hasSuffix("s") ? String(parts[1].dropLast()) : String(parts[1]) {
        case "minute": minutes = count
        case "hour": minutes = count * 60
        case "day": minutes = count * 1_440
        default: return nil
        }
        return Estimate.hoursPerMonth * 60 / minutes
    }
}

/// The parameter values and `Conditions` of one template, evaluated for one deployment.
struct TemplateConditions {
    /// Parameter values: given ones, else each parameter's `Default`, plus `AWS::Region`.
    let values: [String: String]
    let conditions: [String: Any]

    init(document: [String: Any], given: [String: String], region: String) {
        var values: [String: String] = ["AWS::Region": region]
        for (name, declaration) in document["Parameters"] as? [String: Any] ?? [:] {
            if let value = given[name] {
                values[name] = value
            } else if let fallback = (declaration as? [String: Any])?["Default"] {
                values[name] = fallback as? String ?? (fallback as? NSNumber)?.stringValue
            }
        }
        self.values = values
        conditions = document["Conditions"] as? [String: Any] ?? [:]
    }

    /// Whether the named condition holds, or nil when it cannot be evaluated.
    func holds(_ name: String, depth: Int = 0) -> Bool? {
        guard depth < 32, let expression = conditions[name] else { return nil }
        return evaluate(expression, depth: depth + 1)
    }

    private func evaluate(_ expression: Any, depth: Int) -> Bool? {
        guard let object = expression as? [String: Any], object.count == 1, let (function, argument) = object.first else { return nil }
        let arguments = argument as? [Any] ?? []
        switch function {
        case "Fn::Equals":
            guard arguments.count == 2, let a = scalar(arguments[0]), let b = scalar(arguments[1]) else { return nil }
            return a == b
        case "Fn::Not":
            guard arguments.count == 1 else { return nil }
            return evaluate(arguments[0], depth: depth + 1).map(!)
        case "Fn::And", "Fn::Or":
            let results = arguments.map { evaluate($0, depth: depth + 1) }
            if results.contains(where: { $0 == nil }) { return nil }
            return function == "Fn::And" ? results.allSatisfy { $0 == true } : results.contains { $0 == true }
        case "Condition":
            return (argument as? String).flatMap { holds($0, depth: depth + 1) }
        default:
            return nil
        }
    }

    private func scalar(_ value: Any) -> String? {
        if let text = value as? String { return text }
        if let number = value as? NSNumber { return number.stringValue }
        if let object = value as? [String: Any], object.count == 1, let name = object["Ref"] as? String { return values[name] }
        return nil
    }
}
