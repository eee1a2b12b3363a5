import StackModel

/// An architecture diagram: nested groups of nodes and the arrows between them.
///
/// The intermediate stage between the model and a drawing: `ArchitectureGraph.build(_:)` derives it
/// from a `Stack`, and `Mermaid.render(_:)` / `Dot.render(_:)` turn it into text.
public struct DiagramGraph: Sendable, Equatable {
    /// A box in the drawing.
    public struct Node: Sendable, Equatable {
        /// How a node is drawn.
        public enum Shape: Sendable, Equatable {
            /// A rounded box: a resource of the stack.
            case resource
            /// A stadium or ellipse: something outside the stack (the caller, the internet).
            case external
        }

        /// The node's identifier: the resource's logical ID, or a fixed name for outside things.
        public var id: String
        /// The lines of its label.
        public var lines: [String]
        /// How it is drawn.
        public var shape: Shape

        public init(id: String, lines: [String], shape: Shape = .resource) {
            self.id = id
            self.lines = lines
            self.shape = shape
        }
    }

    /// A labelled frame around nodes (a Mermaid subgraph, a Graphviz cluster).
    public struct Group: Sendable, Equatable {
        /// Identifier, unique in the graph, letters, digits and underscores.
        public var id: String
        /// The frame's title.
        public var label: String
        /// Nodes directly in this group.
        public var nodes: [Node]
        /// Groups inside this one.
        public var groups: [Group]

        public init(id: String, label: String, nodes: [Node] = [], groups: [Group] = []) {
            self.id = id
            self.label = label
            self.nodes = nodes
            self.groups = groups
        }

        /// Every node in this group and the groups inside it.
        public var allNodes: [Node] { nodes + groups.flatMap(\.allNodes) }
    }

    /// An arrow.
    public struct Edge: Sendable, Equatable, Hashable {
        /// Solid for the request path, dashed for control relations (a usage plan guarding an API).
        public enum Style: Sendable, Equatable, Hashable { case solid, dashed }

        public var from: String
        public var to: String
        public var label: String?
        public var style: Style

        public init(_ from: String, _ to: String, label: String? = nil, style: Style = .solid) {
            self.from = from
            self.to = to
            self.label = label
            self.style = style
        }
    }

    /// A title for the drawing.
    public var title: String
    /// Nodes outside every group, drawn first.
    public var nodes: [Node]
    /// The top-level groups in drawing order.
    public var groups: [Group]
    /// The arrows in the order they were derived.
    public var edges: [Edge]

    /// Every node, groups included, in drawing order.
    public var allNodes: [Node] { nodes + groups.flatMap(\.allNodes) }
}

/// Builds the architecture diagram of a stack from its typed resources and their references.
///
/// The level of detail, chosen for a readable one-page drawing:
/// - **Network** (a group per VPC): the internet gateway; the subnets collapsed into one group per
///   tier ("Public subnets (N AZs)", "Private subnets (N AZs)") holding the NAT gateway and the
///   interface endpoints. Route tables, routes, associations and security groups are not drawn:
///   they only decide which arrows exist (a NAT route from the model's subnets, a security-group
///   rule from the function's group into the endpoint's group).
/// - **API**: the REST API with its stage, one node per method, the usage plan with its API key.
///   API resources (path segments), deployments, permissions and the logging role are left out.
/// - **Compute**: each Lambda function. Its role and log group are left out.
/// - **ML**: each SageMaker endpoint (with its configuration's instance type and count) and model.
/// - Logs, KMS keys, flow logs and IAM roles are left out.
///
/// Each arrow comes from a reference in the model, never from a resource name:
/// 1. client → REST API (every API with a stage);
/// 2. usage plan ⇢ REST API (the plan's `api`);
/// 3. REST API → method (the method's `api`);
/// 4. method → Lambda function (the method's proxy integration `function`);
/// 5. function → interface endpoint (a rule of the endpoint's security group admits the function's group);
/// 6. interface endpoint → SageMaker endpoint (the function's role policy or environment refers to it);
/// 7. SageMaker endpoint → model (through its endpoint configuration);
/// 8. model → NAT gateway (a route of the model's subnets' route table targets the NAT);
/// 9. NAT gateway → internet gateway (a route of the NAT's subnet's route table), then → the internet.
public enum ArchitectureGraph {
    /// Identifier of the outside caller node.
    public static let clientID = "Client"
    /// Identifier of the internet node.
    public static let internetID = "Internet"

    /// Derives the diagram.
    ///
    /// - Parameter stack: the stack, for example `Stack.slmService(config)`.
    /// - Returns: the graph; the same stack always gives an equal graph.
    public static func build(_ stack: Stack) -> DiagramGraph {
        Builder(stack: stack).build()
    }
}

/// The derivation, with lookups over the stack.
private struct Builder {
    /// Identifier of the node standing for the CloudFormation stack itself.
    static let stackID = "Stack"

    /// Cost safety and operations: the idle alarm, the other alarms as one node, the alarm topic,
    /// autoscaling and the expiry schedule, with arrows from the references between them.
    func operations() -> (nodes: [DiagramGraph.Node], edges: [DiagramGraph.Edge], outside: [DiagramGraph.Node]) {
        var nodes: [DiagramGraph.Node] = []
        var edges: [DiagramGraph.Edge] = []
        var outside: [DiagramGraph.Node] = []
        let topics = of(SnsTopic.self)
        let alarms = of(MetricAlarm.self)
        let functions = of(LambdaFunction.self)
        let idle = alarms.filter { $0.metricName == "Invocations" }
        let others = alarms.filter { $0.metricName != "Invocations" }
        for alarm in idle {
            nodes.append(DiagramGraph.Node(id: alarm.id.rawValue, lines: ["Idle alarm", "0 invocations for \(alarm.evaluationPeriods * alarm.periodSeconds / 3600) h"]))
        }
        if !others.isEmpty {
            nodes.append(DiagramGraph.Node(id: "Alarms", lines: ["\(others.count) alarms", others.map(\.metricName).joined(separator: ", ")]))
        }
        for topic in topics {
            nodes.append(DiagramGraph.Node(id: topic.id.rawValue, lines: ["SNS topic", "alarm notifications"]))
            for subscription in of(SnsSubscription.self) where refers(subscription.topic, to: topic.id) {
                outside.append(DiagramGraph.Node(id: "Email", lines: ["E-mail", subscription.email], shape: .external))
                edges.append(.init(topic.id.rawValue, "Email", label: "e-mail"))
            }
        }
        for alarm in alarms {
            let node = idle.contains { $0.id == alarm.id } ? alarm.id.rawValue : "Alarms"
            for source in of(Endpoint.self) where alarm.dimensions.contains(where: { refers($0.value, to: source.id) }) {
                edges.append(.init(source.id.rawValue, node, label: "metrics", style: .dashed))
            }
            for topic in topics where refers(alarm.actions, to: topic.id) {
                edges.append(.init(node, topic.id.rawValue, label: "notify"))
            }
            for function in functions where refers(alarm.actions, to: function.id) {
                edges.append(.init(node, function.id.rawValue, label: "invoke"))
                edges.append(.init(function.id.rawValue, Self.stackID, label: "Paused=true"))
            }
        }
        for target in of(ScalableTarget.self) {
            let unit = target.dimension == ScalableTarget.scalableDimension ? "instances" : "copies"
            nodes.append(DiagramGraph.Node(id: target.id.rawValue, lines: ["Autoscaling", "\(target.minCapacity)-\(target.maxCapacity) \(unit)"]))
            for endpoint in of(Endpoint.self) where refers(target.resourceID, to: endpoint.id) {
                edges.append(.init(target.id.rawValue, endpoint.id.rawValue, label: "instance count", style: .dashed))
            }
        }
        for schedule in of(OneTimeSchedule.self) {
            nodes.append(DiagramGraph.Node(id: schedule.id.rawValue, lines: ["Expiry schedule", "at ExpiresAt"]))
            edges.append(.init(schedule.id.rawValue, Self.stackID, label: schedule.targetArn.split(separator: ":").last.map(String.init)))
            for queue in of(SqsQueue.self) where schedule.deadLetterQueue.map({ refers($0, to: queue.id) }) == true {
                nodes.append(DiagramGraph.Node(id: queue.id.rawValue, lines: ["Dead-letter queue", "failed deletions, kept"]))
                edges.append(.init(schedule.id.rawValue, queue.id.rawValue, label: "on failure", style: .dashed))
            }
        }
        if edges.contains(where: { $0.to == Self.stackID }) {
            outside.append(DiagramGraph.Node(id: Self.stackID, lines: ["CloudFormation stack"], shape: .external))
        }
        return (nodes, edges, outside)
    }

    let stack: Stack

    func refers(_ value: Value, to id: LogicalID) -> Bool { value.references.contains(id) }
    func refers(_ values: [Value], to id: LogicalID) -> Bool { values.contains { refers($0, to: id) } }
    func of<R: Resource>(_ type: R.Type) -> [R] { stack.resources(of: type) }

    /// Route targets reachable from a subnet: its route tables' routes.
    func routeTargets(subnet: LogicalID) -> [RouteTarget] {
        let tables = of(RouteTableAssociation.self).filter { refers($0.subnet, to: subnet) }.flatMap(\.routeTable.references)
        return of(Route.self).filter { route in tables.contains { refers(route.routeTable, to: $0) } }.map(\.target)
    }

    func natGateways(from subnets: [Value]) -> [LogicalID] {
        unique(subnets.flatMap(\.references).flatMap(routeTargets).flatMap { target -> [LogicalID] in
            if case .natGateway(let value) = target { return value.references }
            return []
        })
    }

    func gatewaysRouted(from subnets: [Value]) -> [LogicalID] {
        unique(subnets.flatMap(\.references).flatMap(routeTargets).flatMap { target -> [LogicalID] in
            if case .internetGateway(let value) = target { return value.references }
            return []
        })
    }

    func unique(_ ids: [LogicalID]) -> [LogicalID] {
        var seen: Set<LogicalID> = []
        return ids.filter { seen.insert($0).inserted }
    }

    func zones(_ subnets: [Subnet]) -> String {
        let count = Set(subnets.map(\.zoneIndex)).count
        return count == 1 ? "1 AZ" : "\(count) AZs"
    }

    func build() -> DiagramGraph {
        var edges: [DiagramGraph.Edge] = []
        var groups: [DiagramGraph.Group] = []
        var outside: [DiagramGraph.Node] = []
        let subnets = of(Subnet.self)

        // Network: one group per VPC, subnets collapsed per tier.
        let nats = of(NatGateway.self)
        let interfaceEndpoints = of(InterfaceEndpoint.self)
        let internetGateways = of(InternetGateway.self).filter { gateway in
            of(GatewayAttachment.self).contains { refers($0.gateway, to: gateway.id) }
        }
        for vpc in of(Vpc.self) {
            let inVpc = subnets.filter { $0.vpcID == vpc.id }
            var group = DiagramGraph.Group(id: "network_\(vpc.id)", label: "VPC \(vpc.cidr)")
            group.nodes = internetGateways.filter { gateway in
                of(GatewayAttachment.self).contains { refers($0.gateway, to: gateway.id) && refers($0.vpc, to: vpc.id) }
            }.map { DiagramGraph.Node(id: $0.id.rawValue, lines: ["Internet gateway"]) }
            for tier in [SubnetTier.public, .private] {
                let tierSubnets = inVpc.filter { $0.tier == tier }
                guard !tierSubnets.isEmpty else { continue }
                let ids = tierSubnets.map(\.id)
                var nodes: [DiagramGraph.Node] = []
                for nat in nats where ids.contains(where: { refers(nat.subnet, to: $0) }) {
                    nodes.append(DiagramGraph.Node(id: nat.id.rawValue, lines: ["NAT gateway"]))
                }
                for endpoint in interfaceEndpoints where refers(endpoint.vpc, to: vpc.id) && ids.contains(where: { refers(endpoint.subnets, to: $0) }) {
                    nodes.append(DiagramGraph.Node(id: endpoint.id.rawValue, lines: ["VPC endpoint", endpoint.service]))
                }
                let title = tier == .public ? "Public subnets" : "Private subnets"
                group.groups.append(DiagramGraph.Group(id: "\(group.id)_\(tier.rawValue)", label: "\(title) (\(zones(tierSubnets)))", nodes: nodes))
            }
            groups.append(group)
        }

        // API: the REST API with its stage, its methods, the usage plan with its key.
        let methods = of(ApiMethod.self)
        var apiNodes: [DiagramGraph.Node] = []
        for api in of(RestApi.self) {
            let stages = of(ApiStage.self).filter { refers($0.api, to: api.id) }.map(\.stageName)
            apiNodes.append(DiagramGraph.Node(id: api.id.rawValue, lines: ["REST API"] + stages.map { "stage \($0)" }))
            if !stages.isEmpty {
                let keyed = methods.contains { refers($0.api, to: api.id) && $0.apiKeyRequired }
                let keyLabel = api.apiKeySource == .authorizer ? "HTTPS + API key (Bearer or x-api-key)" : "HTTPS + x-api-key"
                edges.append(.init(ArchitectureGraph.clientID, api.id.rawValue, label: keyed ? keyLabel : "HTTPS"))
            }
            for plan in of(UsagePlan.self) where refers(plan.api, to: api.id) {
                let keys = of(UsagePlanKey.self).filter { refers($0.plan, to: plan.id) }.count
                let rate = plan.throttleRate == plan.throttleRate.rounded() ? String(Int(plan.throttleRate)) : String(plan.throttleRate)
                apiNodes.append(DiagramGraph.Node(id: plan.id.rawValue, lines: [
                    keys == 1 ? "Usage plan + API key" : "Usage plan + \(keys) API keys",
                    "\(rate) req/s, burst \(plan.throttleBurst)",
                    "\(plan.quotaLimit) per \(plan.quotaPeriod.rawValue)",
                ]))
                edges.append(.init(plan.id.rawValue, api.id.rawValue, label: "throttle + quota", style: .dashed))
            }
            for method in methods where refers(method.api, to: api.id) {
                apiNodes.append(DiagramGraph.Node(id: method.id.rawValue, lines: ["\(method.httpMethod) \(method.path)"]))
                edges.append(.init(api.id.rawValue, method.id.rawValue))
            }
        }
        if !apiNodes.isEmpty {
            outside.append(DiagramGraph.Node(id: ArchitectureGraph.clientID, lines: ["API client"], shape: .external))
            groups.append(DiagramGraph.Group(id: "api_gateway", label: "API Gateway", nodes: apiNodes))
        }

        // Compute: Lambda functions, called by methods, calling interface endpoints.
        let functions = of(LambdaFunction.self)
        let securityGroups = of(SecurityGroup.self)
        let sageMakerEndpoints = of(Endpoint.self)
        var functionEdges: [DiagramGraph.Edge] = []
        for function in functions {
            for method in methods where refers(method.function, to: function.id) {
                edges.append(.init(method.id.rawValue, function.id.rawValue, label: "Lambda proxy"))
            }
            for authorizer in of(ApiAuthorizer.self) where refers(authorizer.function, to: function.id) {
                for api in of(RestApi.self) where refers(authorizer.api, to: api.id) {
                    edges.append(.init(api.id.rawValue, function.id.rawValue, label: "authorizer: the API key", style: .dashed))
                }
            }
            let functionGroups = function.securityGroups.flatMap(\.references)
            // The SageMaker endpoints the function may call: its role's policies or its environment refer
            // to them, or its environment holds an endpoint's fixed name (the shim names it so, to be
            // created before it).
            let roles = of(Role.self).filter { refers(function.role, to: $0.id) }
            let called = sageMakerEndpoints.filter { endpoint in
                roles.contains { role in
                    role.policies.keys.sorted().contains { name in
                        role.policies[name]!.statements.contains { refers($0.resources, to: endpoint.id) }
                    }
                } || function.environment.keys.sorted().contains { refers(function.environment[$0]!, to: endpoint.id) }
                    || endpoint.name.map { name in function.environment.values.contains(.string(name)) } ?? false
            }
            var reached = false
            for interface in interfaceEndpoints {
                let admits = securityGroups.contains { group in
                    interface.securityGroups.contains { refers($0, to: group.id) } && group.ingress.contains { rule in
                        if case .securityGroup(let peer) = rule.peer { return functionGroups.contains { refers(peer, to: $0) } }
                        return false
                    }
                }
                guard admits else { continue }
                reached = true
                let port = securityGroups.lazy.filter { group in interface.securityGroups.contains { self.refers($0, to: group.id) } }
                    .compactMap { $0.ingress.first?.fromPort }.first
                edges.append(.init(function.id.rawValue, interface.id.rawValue, label: port.map { "HTTPS \($0)" }))
                if interface.service.hasPrefix("sagemaker.runtime") {
                    for endpoint in called { functionEdges.append(.init(interface.id.rawValue, endpoint.id.rawValue, label: "InvokeEndpoint")) }
                }
            }
            if !reached {
                for endpoint in called { functionEdges.append(.init(function.id.rawValue, endpoint.id.rawValue, label: "InvokeEndpoint")) }
            }
        }
        edges += functionEdges
        if !functions.isEmpty {
            groups.append(DiagramGraph.Group(id: "compute_lambda", label: "Lambda", nodes: functions.map {
                DiagramGraph.Node(id: $0.id.rawValue, lines: ["Lambda function", "\($0.runtime), \($0.memoryMB) MB"])
            }))
        }

        // ML: endpoints (with their configuration) and models.
        var mlNodes: [DiagramGraph.Node] = []
        let configs = of(EndpointConfig.self)
        let models = of(SageMakerModel.self)
        for endpoint in sageMakerEndpoints {
            let config = configs.first { refers(endpoint.config, to: $0.id) }
            mlNodes.append(DiagramGraph.Node(id: endpoint.id.rawValue, lines: ["SageMaker endpoint"]
                + (config.map { ["\($0.instanceCount) x \($0.instanceType)"] } ?? [])))
            for model in models where config.flatMap(\.model).map({ refers($0, to: model.id) }) ?? false {
                edges.append(.init(endpoint.id.rawValue, model.id.rawValue, label: config.map { "variant \($0.variantName)" }))
            }
            for component in of(InferenceComponent.self) where refers(component.endpointName, to: endpoint.id) {
                for model in models where refers(component.model, to: model.id) {
                    edges.append(.init(endpoint.id.rawValue, model.id.rawValue, label: "inference component \(component.name), scales to zero"))
                }
            }
        }
        for model in models {
            let image = model.image.split(separator: "/").last.map(String.init) ?? model.image
            mlNodes.append(DiagramGraph.Node(id: model.id.rawValue, lines: [model.modelData == nil ? "Model: \(model.environment["HF_MODEL_ID"] ?? "container")"
                                                                                          : "Model: staged weights from S3, network-isolated", image]))
            for nat in natGateways(from: model.subnets) {
                edges.append(.init(model.id.rawValue, nat.rawValue, label: "image + weights"))
            }
        }
        if !mlNodes.isEmpty { groups.append(DiagramGraph.Group(id: "ml_sagemaker", label: "SageMaker", nodes: mlNodes)) }

        let (operations, operationEdges, operationOutside) = self.operations()
        if !operations.isEmpty { groups.append(DiagramGraph.Group(id: "operations", label: "Operations", nodes: operations)) }
        edges += operationEdges
        outside += operationOutside

        // Out to the internet: NAT → internet gateway → internet.
        var toInternet = false
        for nat in nats {
            for gateway in gatewaysRouted(from: [nat.subnet]) where internetGateways.contains(where: { $0.id == gateway }) {
                edges.append(.init(nat.id.rawValue, gateway.rawValue))
            }
        }
        for gateway in internetGateways where subnets.contains(where: { subnet in
            gatewaysRouted(from: [subnet.ref]).contains(gateway.id)
        }) {
            edges.append(.init(gateway.id.rawValue, ArchitectureGraph.internetID, label: "HTTPS"))
            toInternet = true
        }
        if toInternet {
            outside.append(DiagramGraph.Node(id: ArchitectureGraph.internetID, lines: ["Internet", "Hugging Face Hub"], shape: .external))
        }

        var drawn: Set<String> = []
        outside = outside.filter { drawn.insert($0.id).inserted }
        var seen: Set<DiagramGraph.Edge> = []
        let title = stack.description.hasPrefix("\(stack.name):") || stack.description.isEmpty
            ? (stack.description.isEmpty ? stack.name : stack.description) : "\(stack.name): \(stack.description)"
        return DiagramGraph(title: title, nodes: outside, groups: groups,
                            edges: edges.filter { seen.insert($0).inserted })
    }
}
