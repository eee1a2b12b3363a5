/// A VPC (`AWS::EC2::VPC`, `aws_vpc`), with DNS support and host names on.
public struct Vpc: Resource {
    public static let kind = "Vpc"
    public let id: LogicalID
    @FromSetting public var cidr: String
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, cidr: String) {
        self.id = id
        self.cidr = cidr
    }
}

/// Whether a subnet routes to the internet gateway or through the NAT gateway.
public enum SubnetTier: String, Sendable, Hashable {
    case `public`, `private`
}

/// A subnet in one availability zone (`AWS::EC2::Subnet`, `aws_subnet`). Never maps public IPs on launch.
public struct Subnet: Resource {
    public static let kind = "Subnet"
    public let id: LogicalID
    public var vpc: Value
    public var vpcID: LogicalID
    public var cidr: String
    /// Index into the region's availability zones (0 = the first).
    public var zoneIndex: Int
    public var tier: SubnetTier
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, vpc: Vpc, cidr: String, zoneIndex: Int, tier: SubnetTier) {
        self.id = id
        self.vpc = vpc.ref
        self.vpcID = vpc.id
        self.cidr = cidr
        self.zoneIndex = zoneIndex
        self.tier = tier
    }
}

/// An internet gateway (`AWS::EC2::InternetGateway`, `aws_internet_gateway`).
public struct InternetGateway: Resource {
    public static let kind = "InternetGateway"
    public let id: LogicalID
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID) { self.id = id }
}

/// Attaches an internet gateway to a VPC (`AWS::EC2::VPCGatewayAttachment`,
/// `aws_internet_gateway_attachment`).
public struct GatewayAttachment: Resource {
    public static let kind = "GatewayAttachment"
    public let id: LogicalID
    public var vpc: Value
    public var gateway: Value
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, vpc: Vpc, gateway: InternetGateway) {
        self.id = id
        self.vpc = vpc.ref
        self.gateway = gateway.ref
    }
}

/// An Elastic IP for a NAT gateway (`AWS::EC2::EIP`, `aws_eip`).
public struct ElasticIP: Resource {
    public static let kind = "ElasticIP"
    public let id: LogicalID
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID) { self.id = id }
}

/// A NAT gateway in a public subnet (`AWS::EC2::NatGateway`, `aws_nat_gateway`).
public struct NatGateway: Resource {
    public static let kind = "NatGateway"
    public let id: LogicalID
    public var subnet: Value
    public var allocation: Value
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, subnet: Subnet, address: ElasticIP) {
        self.id = id
        self.subnet = subnet.ref
        self.allocation = address.attribute(.allocationID)
    }
}

/// A route table (`AWS::EC2::RouteTable`, `aws_route_table`).
public struct RouteTable: Resource {
    public static let kind = "RouteTable"
    public let id: LogicalID
    public var vpc: Value
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, vpc: Vpc) {
        self.id = id
        self.vpc = vpc.ref
    }
}

/// Where a default route leads.
public enum RouteTarget: Sendable, Hashable {
    case internetGateway(Value)
    case natGateway(Value)
}

/// A route in a route table (`AWS::EC2::Route`, `aws_route`).
public struct Route: Resource {
    public static let kind = "Route"
    public let id: LogicalID
    public var routeTable: Value
    public var destination: String
    public var target: RouteTarget
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, table: RouteTable, destination: String = "0.0.0.0/0", target: RouteTarget) {
        self.id = id
        self.routeTable = table.ref
        self.destination = destination
        self.target = target
    }
}

/// Associates a subnet with a route table (`AWS::EC2::SubnetRouteTableAssociation`,
/// `aws_route_table_association`).
public struct RouteTableAssociation: Resource {
    public static let kind = "RouteTableAssociation"
    public let id: LogicalID
    public var routeTable: Value
    public var subnet: Value
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, table: RouteTable, subnet: Subnet) {
        self.id = id
        self.routeTable = table.ref
        self.subnet = subnet.ref
    }
}

/// One security-group rule: TCP on a port range, from or to a CIDR or another security group.
public struct SecurityRule: Sendable, Hashable {
    public enum Peer: Sendable, Hashable {
        case cidr(String)
        case securityGroup(Value)
    }

    public var description: String
    /// `tcp`, or `icmp` for the deny-all placeholder.
    public var ipProtocol: String
    public var fromPort: Int
    public var toPort: Int
    /// The other end; changing it drops `peerSetting`.
    public var peer: Peer {
        didSet { if peer != oldValue { peerSetting = nil } }
    }
    /// For a CIDR peer that comes from a setting (`vpc-cidr`), the setting's key: Terraform writes
    /// the setting's variable, CloudFormation the CIDR.
    public var peerSetting: String? = nil

    /// The rule with its CIDR peer marked as coming from the setting `key`.
    public func peerFromSetting(_ key: String) -> SecurityRule {
        var copy = self
        copy.peerSetting = key
        return copy
    }

    /// A TCP rule on one port.
    public static func tcp(_ port: Int, _ peer: Peer, _ description: String) -> SecurityRule {
        SecurityRule(description: description, ipProtocol: "tcp", fromPort: port, toPort: port, peer: peer)
    }

    /// An egress rule that matches nothing, so the group allows no egress at all (a group with no
    /// egress rules gets AWS's allow-all default).
    public static let denyAll = SecurityRule(description: "Disallow all traffic", ipProtocol: "icmp",
                                             fromPort: 252, toPort: 86, peer: .cidr("255.255.255.255/32"))
}

/// A security group with its rules inline (`AWS::EC2::SecurityGroup`, `aws_security_group`).
public struct SecurityGroup: Resource {
    public static let kind = "SecurityGroup"
    public let id: LogicalID
    public var groupDescription: String
    public var vpc: Value
    public var ingress: [SecurityRule]
    public var egress: [SecurityRule]
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, vpc: Vpc, description: String, ingress: [SecurityRule] = [], egress: [SecurityRule]) {
        self.id = id
        self.vpc = vpc.ref
        self.groupDescription = description
        self.ingress = ingress
        self.egress = egress
    }
}

/// An interface VPC endpoint with private DNS (`AWS::EC2::VPCEndpoint`, `aws_vpc_endpoint`).
public struct InterfaceEndpoint: Resource {
    public static let kind = "InterfaceEndpoint"
    public let id: LogicalID
    public var vpc: Value
    /// The service name without the region prefix, for example `sagemaker.runtime`.
    public var service: String
    public var subnets: [Value]
    public var securityGroups: [Value]
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, vpc: Vpc, service: String, subnets: [Subnet], securityGroups: [SecurityGroup]) {
        self.id = id
        self.vpc = vpc.ref
        self.service = service
        self.subnets = subnets.map(\.ref)
        self.securityGroups = securityGroups.map { $0.attribute(.groupID) }
    }
}

/// VPC flow logs into a CloudWatch log group (`AWS::EC2::FlowLog`, `aws_flow_log`).
public struct FlowLog: Resource {
    public static let kind = "FlowLog"
    public let id: LogicalID
    public var vpc: Value
    public var logGroup: Value
    public var role: Value
    /// `ALL`, `ACCEPT` or `REJECT`.
    public var trafficType: String
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, vpc: Vpc, logGroup: LogGroup, role: Role, trafficType: String = "REJECT") {
        self.id = id
        self.vpc = vpc.ref
        self.logGroup = logGroup.attribute(.arn)
        self.role = role.attribute(.arn)
        self.trafficType = trafficType
    }
}
