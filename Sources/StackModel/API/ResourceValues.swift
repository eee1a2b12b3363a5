// Each resource type lists its value-holding properties in declaration order. Reflection over the
// same properties was most of synth's time; `Resource.reflectedValues` stays as the reference the
// tests compare these lists with, so a property added to a type and not listed here fails a test.

extension PolicyDocument {
    /// Values in the document: each statement's resources, AWS principals, then condition values
    /// (operators and keys in sorted order).
    public var values: [Value] {
        statements.flatMap { statement in
            statement.resources + statement.awsPrincipals + statement.conditions.keys.sorted().flatMap { condition in
                let fields = statement.conditions[condition]!
                return fields.keys.sorted().map { fields[$0]! }
            }
        }
    }
}

extension SecurityRule {
    var values: [Value] { if case .securityGroup(let group) = peer { [group] } else { [] } }
}

extension RouteTarget {
    var values: [Value] {
        switch self {
        case .internetGateway(let value), .natGateway(let value): [value]
        }
    }
}

private func sorted(_ fields: [String: Value]) -> [Value] { fields.keys.sorted().map { fields[$0]! } }

extension Vpc { public var values: [Value] { [] } }
extension Subnet { public var values: [Value] { [vpc] } }
extension InternetGateway { public var values: [Value] { [] } }
extension GatewayAttachment { public var values: [Value] { [vpc, gateway] } }
extension ElasticIP { public var values: [Value] { [] } }
extension NatGateway { public var values: [Value] { [subnet, allocation] } }
extension RouteTable { public var values: [Value] { [vpc] } }
extension Route { public var values: [Value] { [routeTable] + target.values } }
extension RouteTableAssociation { public var values: [Value] { [routeTable, subnet] } }
extension SecurityGroup { public var values: [Value] { [vpc] + ingress.flatMap(\.values) + egress.flatMap(\.values) } }
extension InterfaceEndpoint { public var values: [Value] { [vpc] + subnets + securityGroups } }
extension FlowLog { public var values: [Value] { [vpc, logGroup, role] } }
extension Role {
    public var values: [Value] { trust.values + policies.keys.sorted().flatMap { policies[$0]!.values } }
}
extension KmsKey { public var values: [Value] { policy.values } }
extension LogGroup { public var values: [Value] { (name.map { [$0] } ?? []) + (kmsKey.map { [$0] } ?? []) } }
extension SageMakerModel { public var values: [Value] { [executionRole] + subnets + securityGroups + (modelData.map { [$0] } ?? []) } }
extension EndpointConfig {
    public var values: [Value] {
        (model.map { [$0] } ?? []) + (components.map { [$0.executionRole] + $0.subnets + $0.securityGroups } ?? [])
    }
}
extension Endpoint { public var values: [Value] { [config] } }
extension LambdaFunction { public var values: [Value] { [role] + sorted(environment) + subnets + securityGroups + [logGroup] + layers } }
extension LambdaPermission { public var values: [Value] { [function, sourceArn] } }
extension RestApi { public var values: [Value] { [name] } }
extension ApiResource { public var values: [Value] { [api, parent] } }
extension ApiMethod { public var values: [Value] { [api, resource, function] + (authorizer.map { [$0] } ?? []) } }
extension ApiDeployment { public var values: [Value] { [api] } }
extension ApiStage { public var values: [Value] { [api, deployment, accessLogGroup] + (description.map { [$0] } ?? []) } }
extension ApiKey { public var values: [Value] { [] } }
extension UsagePlan { public var values: [Value] { [api, stage] } }
extension UsagePlanKey { public var values: [Value] { [key, plan] } }
extension ApiGatewayAccount { public var values: [Value] { [cloudWatchRole] } }
extension SnsTopic { public var values: [Value] { [kmsKey] } }
extension SnsSubscription { public var values: [Value] { [topic] } }
extension MetricAlarm { public var values: [Value] { (name.map { [$0] } ?? []) + dimensions.map(\.value) + actions } }
extension OneTimeSchedule { public var values: [Value] { [at, role, input, kmsKey] + (deadLetterQueue.map { [$0] } ?? []) } }
extension SqsQueue { public var values: [Value] { [] } }
extension ScalableTarget { public var values: [Value] { [resourceID] } }
extension TargetTrackingPolicy { public var values: [Value] { [target, targetResourceID] } }
