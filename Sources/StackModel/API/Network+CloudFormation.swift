// The network types' CloudFormation forms: type, properties and whether they take tags.

extension Vpc {
    public var cloudFormationType: String { "AWS::EC2::VPC" }
    public var properties: [String: Value] { ["CidrBlock": .string(cidr), "EnableDnsHostnames": true, "EnableDnsSupport": true] }
    public var takesTags: Bool { true }
}

extension Subnet {
    public var cloudFormationType: String { "AWS::EC2::Subnet" }
    public var properties: [String: Value] {
        ["VpcId": vpc, "CidrBlock": .string(cidr), "AvailabilityZone": .availabilityZone(zoneIndex), "MapPublicIpOnLaunch": false]
    }
    public var takesTags: Bool { true }
}

extension InternetGateway {
    public var cloudFormationType: String { "AWS::EC2::InternetGateway" }
    public var properties: [String: Value] { [:] }
    public var takesTags: Bool { true }
}

extension GatewayAttachment {
    public var cloudFormationType: String { "AWS::EC2::VPCGatewayAttachment" }
    public var properties: [String: Value] { ["VpcId": vpc, "InternetGatewayId": gateway] }
}

extension ElasticIP {
    public var cloudFormationType: String { "AWS::EC2::EIP" }
    public var properties: [String: Value] { ["Domain": "vpc"] }
    public var takesTags: Bool { true }
}

extension NatGateway {
    public var cloudFormationType: String { "AWS::EC2::NatGateway" }
    public var properties: [String: Value] { ["SubnetId": subnet, "AllocationId": allocation] }
    public var takesTags: Bool { true }
}

extension RouteTable {
    public var cloudFormationType: String { "AWS::EC2::RouteTable" }
    public var properties: [String: Value] { ["VpcId": vpc] }
    public var takesTags: Bool { true }
}

extension Route {
    public var cloudFormationType: String { "AWS::EC2::Route" }
    public var properties: [String: Value] {
        var properties: [String: Value] = ["RouteTableId": routeTable, "DestinationCidrBlock": .string(destination)]
        switch target {
        case .internetGateway(let gateway): properties["GatewayId"] = gateway
        case .natGateway(let nat): properties["NatGatewayId"] = nat
        }
        return properties
    }
}

extension RouteTableAssociation {
    public var cloudFormationType: String { "AWS::EC2::SubnetRouteTableAssociation" }
    public var properties: [String: Value] { ["RouteTableId": routeTable, "SubnetId": subnet] }
}

extension SecurityRule {
    /// The rule as a CloudFormation ingress or egress item; a group peer goes under `peerKey`.
    func cloudFormation(peerKey: String) -> Value {
        var fields: [String: Value] = ["IpProtocol": .string(ipProtocol), "FromPort": .int(fromPort), "ToPort": .int(toPort),
                                       "Description": .string(description)]
        switch peer {
        case .cidr(let cidr): fields["CidrIp"] = .string(cidr)
        case .securityGroup(let group): fields[peerKey] = group
        }
        return .object(fields)
    }
}

extension SecurityGroup {
    public var cloudFormationType: String { "AWS::EC2::SecurityGroup" }
    public var properties: [String: Value] {
        var properties: [String: Value] = [
            "GroupDescription": .string(groupDescription), "VpcId": vpc,
            "SecurityGroupEgress": .list(egress.map { $0.cloudFormation(peerKey: "DestinationSecurityGroupId") }),
        ]
        if !ingress.isEmpty { properties["SecurityGroupIngress"] = .list(ingress.map { $0.cloudFormation(peerKey: "SourceSecurityGroupId") }) }
        return properties
    }
    public var takesTags: Bool { true }
}

/// `com.amazonaws.<region>.<service>`, the service name of a VPC endpoint.
func endpointServiceName(_ service: String) -> Value { .join(["com.amazonaws.", .pseudo(.region), .string(".\(service)")]) }

extension InterfaceEndpoint {
    public var cloudFormationType: String { "AWS::EC2::VPCEndpoint" }
    public var properties: [String: Value] {
        ["VpcId": vpc, "VpcEndpointType": "Interface", "PrivateDnsEnabled": true, "ServiceName": endpointServiceName(service),
         "SubnetIds": .list(subnets), "SecurityGroupIds": .list(securityGroups)]
    }
}

extension GatewayEndpoint {
    public var cloudFormationType: String { "AWS::EC2::VPCEndpoint" }
    public var properties: [String: Value] {
        ["VpcId": vpc, "VpcEndpointType": "Gateway", "ServiceName": endpointServiceName(service), "RouteTableIds": .list(routeTables)]
    }
}

extension FlowLog {
    public var cloudFormationType: String { "AWS::EC2::FlowLog" }
    public var properties: [String: Value] {
        ["ResourceId": vpc, "ResourceType": "VPC", "TrafficType": .string(trafficType), "LogDestinationType": "cloud-watch-logs",
         "LogDestination": logGroup, "DeliverLogsPermissionArn": role]
    }
    public var takesTags: Bool { true }
}
