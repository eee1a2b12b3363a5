import StackModel

// VPC, subnets, gateways, routes, security groups, interface endpoints and flow logs as Terraform resources.
extension Translator {
    /// The network types, in network.tf.
    static let networkTranslations: [TerraformTranslation] = [
        TerraformTranslation(Vpc.self, "aws_vpc", .area(.network)) { $0.translate($1, into: &$2) },
        TerraformTranslation(Subnet.self, "aws_subnet", .area(.network)) { $0.translate($1, into: &$2) },
        TerraformTranslation(InternetGateway.self, "aws_internet_gateway", .area(.network)) { $0.translate($1, into: &$2) },
        TerraformTranslation(GatewayAttachment.self, "aws_internet_gateway_attachment", .area(.network)) { $0.translate($1, into: &$2) },
        TerraformTranslation(ElasticIP.self, "aws_eip", ref: "public_ip", .area(.network)) { $0.translate($1, into: &$2) },
        TerraformTranslation(NatGateway.self, "aws_nat_gateway", .area(.network)) { $0.translate($1, into: &$2) },
        TerraformTranslation(RouteTable.self, "aws_route_table", .area(.network)) { $0.translate($1, into: &$2) },
        TerraformTranslation(Route.self, "aws_route", .area(.network)) { $0.translate($1, into: &$2) },
        TerraformTranslation(RouteTableAssociation.self, "aws_route_table_association", .area(.network)) { $0.translate($1, into: &$2) },
        TerraformTranslation(SecurityGroup.self, "aws_security_group", .area(.network)) { $0.translate($1, into: &$2) },
        TerraformTranslation(InterfaceEndpoint.self, "aws_vpc_endpoint", .area(.network)) { $0.translate($1, into: &$2) },
        TerraformTranslation(GatewayEndpoint.self, "aws_vpc_endpoint", .area(.network)) { $0.translate($1, into: &$2) },
        TerraformTranslation(FlowLog.self, "aws_flow_log", .area(.network)) { $0.translate($1, into: &$2) },
    ]

    /// `aws_vpc`.
    func translate(_ r: Vpc, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("cidr_block", bindings.marked(r.$cidr)),
            .attribute("enable_dns_hostnames", .bool(true)),
            .attribute("enable_dns_support", .bool(true)),
        ] + out.depends)
    }

    /// The VPC a subnet is in, when it is a resource of the stack.
    func vpc(of subnet: Subnet) -> Vpc? {
        guard case .ref(let id) = subnet.vpc else { return nil }
        return book.resources[id] as? Vpc
    }

    /// `aws_subnet`.
    func translate(_ r: Subnet, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("vpc_id", value(r.vpc)),
            .attribute("cidr_block", bindings.subnetCIDR(r.cidr, in: vpc(of: r))),
            .attribute("availability_zone", value(.availabilityZone(r.zoneIndex))),
            .attribute("map_public_ip_on_launch", .bool(false)),
        ] + out.depends)
    }

    /// `aws_internet_gateway`.
    func translate(_ r: InternetGateway, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + out.depends)
    }

    /// `aws_internet_gateway_attachment`.
    func translate(_ r: GatewayAttachment, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("internet_gateway_id", value(r.gateway)),
            .attribute("vpc_id", value(r.vpc)),
        ] + out.depends)
    }

    /// `aws_eip`.
    func translate(_ r: ElasticIP, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [.attribute("domain", .string("vpc"))] + out.depends)
    }

    /// `aws_nat_gateway`.
    func translate(_ r: NatGateway, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("allocation_id", value(r.allocation)),
            .attribute("subnet_id", value(r.subnet)),
        ] + out.depends)
    }

    /// `aws_route_table`.
    func translate(_ r: RouteTable, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [.attribute("vpc_id", value(r.vpc))] + out.depends)
    }

    /// `aws_route`.
    func translate(_ r: Route, into out: inout ResourceTranslation) {
        var body = out.skips + [
            .attribute("route_table_id", value(r.routeTable)),
            .attribute("destination_cidr_block", .string(r.destination)),
        ]
        switch r.target {
        case .internetGateway(let gateway): body.append(.attribute("gateway_id", value(gateway)))
        case .natGateway(let nat): body.append(.attribute("nat_gateway_id", value(nat)))
        }
        out.add(out.address.type, body + out.depends)
    }

    /// `aws_route_table_association`.
    func translate(_ r: RouteTableAssociation, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("route_table_id", value(r.routeTable)),
            .attribute("subnet_id", value(r.subnet)),
        ] + out.depends)
    }

    /// `aws_security_group`.
    func translate(_ r: SecurityGroup, into out: inout ResourceTranslation) {
        func rule(_ kind: String, _ rule: SecurityRule) -> HCLBodyItem {
            var body: [HCLBodyItem] = [
                .attribute("description", .string(rule.description)),
                .attribute("protocol", .string(rule.ipProtocol)),
                .attribute("from_port", .number(Double(rule.fromPort))),
                .attribute("to_port", .number(Double(rule.toPort))),
            ]
            switch rule.peer {
            case .cidr(let cidr): body.append(.attribute("cidr_blocks", .list([bindings.marked(FromSetting(cidr, setting: rule.peerSetting))])))
            case .securityGroup(let group): body.append(.attribute("security_groups", .list([value(group)])))
            }
            return .block(HCLBlock(kind, [], body))
        }
        out.add(out.address.type, out.skips + [
            .attribute("description", .string(r.groupDescription)),
            .attribute("vpc_id", value(r.vpc)),
        ] + r.ingress.map { rule("ingress", $0) } + r.egress.map { rule("egress", $0) } + out.depends)
    }

    /// `aws_vpc_endpoint`.
    func translate(_ r: InterfaceEndpoint, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("vpc_id", value(r.vpc)),
            .attribute("service_name", value(.join(["com.amazonaws.", .pseudo(.region), .string(".\(r.service)")]))),
            .attribute("vpc_endpoint_type", .string("Interface")),
            .attribute("private_dns_enabled", .bool(true)),
            .attribute("subnet_ids", ids(r.subnets)),
            .attribute("security_group_ids", ids(r.securityGroups)),
        ] + out.depends)
    }

    /// `aws_vpc_endpoint` of type Gateway.
    func translate(_ r: GatewayEndpoint, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("vpc_id", value(r.vpc)),
            .attribute("service_name", value(.join(["com.amazonaws.", .pseudo(.region), .string(".\(r.service)")]))),
            .attribute("vpc_endpoint_type", .string("Gateway")),
            .attribute("route_table_ids", ids(r.routeTables)),
        ] + out.depends)
    }

    /// `aws_flow_log`.
    func translate(_ r: FlowLog, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("vpc_id", value(r.vpc)),
            .attribute("traffic_type", .string(r.trafficType)),
            .attribute("log_destination_type", .string("cloud-watch-logs")),
            .attribute("log_destination", value(r.logGroup)),
            .attribute("iam_role_arn", value(r.role)),
        ] + out.depends)
    }
}
