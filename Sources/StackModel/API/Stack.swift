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

    public init(_ name: String, description: String, tags: [String: String] = [:],
                @StackBuilder body: () -> StackContent) {
        let content = body()
        self.name = name
        self.description = description
        self.tags = tags
        self.resources = content.resources
        self.outputs = content.outputs
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
        for resource in resources {
            for target in resource.referencedIDs where seen[target] == nil {
                problems.append(ValidationProblem(type(of: resource).kind, resource.id.rawValue, "Ref",
                    "refers to '\(target)', which is not in the stack: add it or remove the reference"))
            }
        }
        for output in outputs {
            for target in output.value.references where seen[target] == nil {
                problems.append(ValidationProblem("Output", output.name, "Value",
                    "refers to '\(target)', which is not in the stack: add it or remove the reference"))
            }
        }
        problems += validateNetwork()
        return problems
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
