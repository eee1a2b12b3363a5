/// A whole stack: its resources, outputs, description and tags.
///
/// Build one with the DSL:
/// ```swift
/// let stack = Stack("demo", description: "…") {
///     let vpc = Vpc("Vpc", cidr: "10.20.0.0/16")
///     vpc
///     Subnet("PrivateSubnet1", vpc: vpc, cidr: "10.20.128.0/20", zoneIndex: 0, tier: .private)
///     Output("VpcId", "The VPC", vpc.ref)
/// }
/// ```
public struct Stack: Sendable {
    /// The stack name, used as the CloudFormation stack name and in tags.
    public var name: String
    /// The template description.
    public var description: String
    /// Tags for every resource that takes tags, in key order.
    public var tags: [String: String]
    /// Resources in the order the body wrote them.
    public var resources: [any Resource]
    /// Outputs in the order the body wrote them.
    public var outputs: [Output]
    /// Deploy-time parameters in the order the body wrote them.
    public var parameters: [Parameter]
    /// Conditions, each once, in the order first used.
    public var conditions: [StackCondition]
    /// The condition each conditional resource exists under; resources not listed always exist.
    public var conditionByResource: [LogicalID: LogicalID]
    /// What CloudFormation does with a resource when the stack is deleted or an update replaces it;
    /// resources not listed are deleted (see `retain(_:)`).
    public var deletionPolicies: [LogicalID: DeletionPolicy] = [:]
    /// Property overrides by resource, applied in order when rendering (see `override(_:_:_:terraformPath:)`).
    public var propertyOverrides: [LogicalID: [PropertyOverride]] = [:]

    public init(_ name: String, description: String, tags: [String: String] = [:],
                @StackBuilder body: () -> StackContent) {
        let content = body()
        self.name = name
        self.description = description
        self.tags = tags
        self.resources = content.resources
        self.outputs = content.outputs
        self.parameters = content.parameters
        var conditions: [StackCondition] = []
        for condition in content.conditions where !conditions.contains(condition) { conditions.append(condition) }
        self.conditions = conditions
        self.conditionByResource = content.conditionByResource
    }

    /// Makes `id` the last resource CloudFormation deletes: every resource that refers to nothing
    /// else gets an explicit dependency on it, so everything else is deleted first. The expiry role
    /// needs this: the stack's deletion runs on its credentials.
    public mutating func deleteLast(_ id: LogicalID) {
        for index in resources.indices where resources[index].id != id && resources[index].referencedIDs.isEmpty {
            resources[index].dependsOn.append(id)
        }
    }

    /// Keeps a resource when the stack is deleted or an update replaces it (CloudFormation's
    /// `DeletionPolicy` and `UpdateReplacePolicy: Retain`). Terraform has no equivalent: its
    /// `prevent_destroy` makes `terraform destroy` fail instead of leaving the resource behind.
    public mutating func retain(_ id: LogicalID) {
        deletionPolicies[id] = .retain
    }

    /// The condition a resource exists under, or nil when it always exists.
    public func condition(of id: LogicalID) -> StackCondition? {
        conditionByResource[id].flatMap { name in conditions.first { $0.name == name } }
    }

    /// The resources that exist for these flag-parameter values (missing flags take their defaults),
    /// for example everything but the billable parts when `Paused` is true.
    public func resources(flags: [LogicalID: Bool]) -> [any Resource] {
        let defaults = Dictionary(uniqueKeysWithValues: parameters.compactMap { parameter -> (LogicalID, Bool)? in
            if case .flag(let value) = parameter.kind { (parameter.name, value) } else { nil }
        })
        let values = defaults.merging(flags) { _, given in given }
        return resources.filter { condition(of: $0.id)?.holds(flags: values) ?? true }
    }

    /// The resource with this logical ID, if any.
    public func resource(_ id: LogicalID) -> (any Resource)? {
        resources.first { $0.id == id }
    }

    /// All resources of one type, in stack order.
    public func resources<R: Resource>(of type: R.Type) -> [R] {
        resources.compactMap { $0 as? R }
    }

    /// Checks the stack as a whole and returns every problem found, each naming the resource and
    /// the property: malformed or duplicate logical IDs, references to resources that do not exist,
    /// CIDR syntax, subnets outside their VPC or overlapping, and fewer subnets than AZs per tier.
    public func validate() -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        var seen: [LogicalID: String] = [:]
        for resource in resources {
            let kind = type(of: resource).kind
            if !resource.id.isWellFormed {
                problems.append(ValidationProblem(kind, resource.id.rawValue, "LogicalId",
                    "'\(resource.id)' is not a valid logical ID: use 1-255 ASCII letters and digits"))
            }
            if let earlier = seen[resource.id] {
                problems.append(ValidationProblem(kind, resource.id.rawValue, "LogicalId",
                    "duplicate logical ID '\(resource.id)' (also used by a \(earlier)): give each resource its own ID"))
            } else {
                seen[resource.id] = kind
            }
        }
        let parameterNames = Set(parameters.map(\.name))
        let conditionNames = Set(conditions.map(\.name))
        for condition in conditions where !parameters.contains(where: { $0.name == condition.flag && { if case .flag = $0.kind { true } else { false } }($0) }) {
            problems.append(ValidationProblem("Condition", condition.name.rawValue, "Fn::Equals",
                "reads '\(condition.flag)', which is not a flag parameter of the stack: add the parameter"))
        }
        for resource in resources {
            let kind = type(of: resource).kind
            let facts = resource.facts
            for target in facts.referencedIDs where seen[target] == nil {
                problems.append(ValidationProblem(kind, resource.id.rawValue, "Ref",
                    "refers to '\(target)', which is not in the stack: add it or remove the reference"))
            }
            let own = conditionByResource[resource.id]
            for target in unguarded(facts.guardedReferences, under: own) where seen[target] != nil {
                problems.append(ValidationProblem(kind, resource.id.rawValue, "Ref",
                    "refers to '\(target)', which exists only when \(conditionByResource[target]!) holds: put this resource under the same condition or wrap the reference in ifCondition"))
            }
            let (readParameters, testedConditions) = (facts.parameters, facts.conditions)
            for name in Set(readParameters).subtracting(parameterNames).sorted() {
                problems.append(ValidationProblem(kind, resource.id.rawValue, "Ref",
                    "reads parameter '\(name)', which is not in the stack: add it or remove the reference"))
            }
            for name in Set(testedConditions).subtracting(conditionNames).sorted() {
                problems.append(ValidationProblem(kind, resource.id.rawValue, "Fn::If",
                    "tests condition '\(name)', which is not in the stack: add it or remove the test"))
            }
        }
        for output in outputs {
            for target in output.value.references where seen[target] == nil {
                problems.append(ValidationProblem("Output", output.name, "Value",
                    "refers to '\(target)', which is not in the stack: add it or remove the reference"))
            }
            for target in unguarded(output.value.guardedReferences(), under: output.condition) where seen[target] != nil {
                problems.append(ValidationProblem("Output", output.name, "Value",
                    "refers to '\(target)', which exists only when \(conditionByResource[target]!) holds: give the output the same condition or wrap the reference in ifCondition"))
            }
        }
        problems += validateOverrides(known: Set(seen.keys))
        problems += validateNetwork()
        return problems
    }

    /// References to conditional resources that neither the referrer's own condition nor an
    /// enclosing `ifCondition` on the same condition guarantees, sorted and each once.
    private func unguarded(_ references: [(id: LogicalID, guard: LogicalID?)], under own: LogicalID?) -> [LogicalID] {
        var found: Set<LogicalID> = []
        for reference in references {
            guard let needed = conditionByResource[reference.id] else { continue }
            if needed != own && needed != reference.guard { found.insert(reference.id) }
        }
        return found.sorted()
    }

    private func validateNetwork() -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        var vpcBlocks: [LogicalID: CIDRBlock] = [:]
        for vpc in resources(of: Vpc.self) {
            do {
                vpcBlocks[vpc.id] = try CIDRBlock(parsing: vpc.cidr)
            } catch {
                problems.append(ValidationProblem("Vpc", vpc.id.rawValue, "CidrBlock", "\(error)"))
            }
        }
        var placed: [(Subnet, CIDRBlock)] = []
        for subnet in resources(of: Subnet.self) {
            let block: CIDRBlock
            do {
                block = try CIDRBlock(parsing: subnet.cidr)
            } catch {
                problems.append(ValidationProblem("Subnet", subnet.id.rawValue, "CidrBlock", "\(error)"))
                continue
            }
            if let vpcBlock = vpcBlocks[subnet.vpcID], !vpcBlock.contains(block) {
                problems.append(ValidationProblem("Subnet", subnet.id.rawValue, "CidrBlock",
                    "\(block) is outside the VPC '\(subnet.vpcID)' \(vpcBlock): choose a block inside it"))
            }
            for (other, otherBlock) in placed where other.vpcID == subnet.vpcID && otherBlock.overlaps(block) {
                problems.append(ValidationProblem("Subnet", subnet.id.rawValue, "CidrBlock",
                    "\(block) overlaps subnet '\(other.id)' \(otherBlock): give each subnet its own block"))
            }
            placed.append((subnet, block))
        }
        // Each tier must cover the same zones: one subnet per AZ, AZs 0..<n without gaps.
        for tier in [SubnetTier.public, .private] {
            let zones = placed.map(\.0).filter { $0.tier == tier }.map(\.zoneIndex)
            if zones.isEmpty { continue }
            let expected = Array(0..<zones.count)
            if zones.sorted() != expected {
                problems.append(ValidationProblem("Subnet", "\(tier.rawValue) tier", "AvailabilityZone",
                    "\(tier.rawValue) subnets are in zones \(zones.sorted()) but need one subnet in each of zones \(expected): add or move subnets"))
            }
        }
        return problems
    }
}

/// What CloudFormation does with a resource's physical resource when the stack deletes the
/// resource or an update replaces it.
public enum DeletionPolicy: String, Sendable, Hashable {
    /// Delete it (CloudFormation's default for most types).
    case delete = "Delete"
    /// Leave it in the account, outside the stack.
    case retain = "Retain"
}

/// One validation problem, naming the resource type, the resource and the property.
public struct ValidationProblem: Hashable, Sendable, CustomStringConvertible {
    /// The kind of thing at fault: a resource kind (`Subnet`) or `config` for a parameter.
    public var kind: String
    /// The resource's logical ID, or the parameter's name.
    public var name: String
    /// The property, or the config key.
    public var property: String
    /// What is wrong and how to fix it.
    public var message: String

    public init(_ kind: String, _ name: String, _ property: String, _ message: String) {
        self.kind = kind
        self.name = name
        self.property = property
        self.message = message
    }

    public var description: String {
        kind == "config" ? "\(name): \(message)" : "\(kind) '\(name)': property '\(property)' \(message)"
    }
}
