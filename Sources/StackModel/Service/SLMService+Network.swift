// MARK: - Network

extension SLMService {
    /// VPC, subnets over `azCount` zones, internet and NAT gateways, routes, security groups,
    /// the SageMaker Runtime interface endpoint and REJECT flow logs.
    ///
    /// Public so other stacks can reuse it: the settings it reads are `vpcCidr`, `azCount`,
    /// `natGateway`, `region`, `logRetentionDays` and whether there is an alarm topic. With a NAT
    /// gateway, the gateway exists under `SLMService.running`, so the stack needs
    /// `SLMService.pausedParameter` too.
    public struct Network: Construct {
        public let config: ServiceConfig
        public let vpc: Vpc
        public let publicSubnets: [Subnet]
        public let privateSubnets: [Subnet]
        /// Lets the shim reach the SageMaker Runtime endpoint.
        public let lambdaGroup: SecurityGroup
        /// The SageMaker model's group.
        public let sageMakerGroup: SecurityGroup
        /// The SageMaker Runtime interface endpoint's group.
        public let endpointGroup: SecurityGroup
        /// Encrypts the stack's log groups.
        public let logsKey: KmsKey

        public init(config: ServiceConfig) {
            self.config = config
            let vpc = Vpc("Vpc", cidr: config.vpcCidr).fromSetting(\.$cidr, "vpc-cidr")
                .suppress("CKV2_AWS_12", because: "CloudFormation cannot manage the default security group; nothing in this stack uses it")
            self.vpc = vpc
            let block = (try? CIDRBlock(parsing: config.vpcCidr)) ?? CIDRBlock(address: 0x0A14_0000, prefix: 16)
            let subnetPrefix = min(block.prefix + 4, 28)
            func cidr(_ index: Int) -> String { block.subnet(prefix: subnetPrefix, index: index)?.description ?? "invalid" }
            publicSubnets = config.hasNatGateway
                ? (0..<config.azCount).map { Subnet(LogicalID("PublicSubnet\($0 + 1)"), vpc: vpc, cidr: cidr($0), zoneIndex: $0, tier: .public) }
                : []
            privateSubnets = (0..<config.azCount).map {
                Subnet(LogicalID("PrivateSubnet\($0 + 1)"), vpc: vpc, cidr: cidr(8 + $0), zoneIndex: $0, tier: .private)
            }
            lambdaGroup = SecurityGroup("ShimSecurityGroup", vpc: vpc, description: "Lambda shim: HTTPS to the SageMaker Runtime endpoint only",
                                        egress: [.tcp(443, .cidr(config.vpcCidr), "HTTPS to the SageMaker Runtime VPC endpoint").peerFromSetting("vpc-cidr")])
            sageMakerGroup = SecurityGroup("ModelSecurityGroup", vpc: vpc, description: "SageMaker endpoint: HTTPS out for the image and the model weights",
                                           egress: [.tcp(443, .cidr("0.0.0.0/0"), "HTTPS to ECR, S3 and the Hugging Face Hub")])
                .suppress("CKV2_AWS_5", because: "the SageMaker model's VpcConfig uses this group; checkov's attachment check does not follow SageMaker models")
            endpointGroup = SecurityGroup("RuntimeEndpointSecurityGroup", vpc: vpc, description: "SageMaker Runtime VPC endpoint: HTTPS from the shim only",
                                          ingress: [.tcp(443, .securityGroup(lambdaGroup.attribute(.groupID)), "HTTPS from the Lambda shim")],
                                          egress: [.denyAll])
            logsKey = KmsKey("LogsKey", description: "Encrypts this stack's CloudWatch log groups", policy: PolicyDocument([
                PolicyStatement(sid: "AccountAdministers", effect: "Allow", actions: ["kms:*"], resources: ["*"], servicePrincipals: [],
                                awsPrincipals: [.join(["arn:", .pseudo(.partition), ":iam::", .pseudo(.accountID), ":root"])], conditions: [:]),
                PolicyStatement(sid: "LogsUseKey", effect: "Allow",
                                actions: ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                                resources: ["*"], servicePrincipals: ["logs.\(config.region).amazonaws.com"],
                                awsPrincipals: [], conditions: [
                                    "ArnLike": ["kms:EncryptionContext:aws:logs:arn": .join(["arn:", .pseudo(.partition), ":logs:", .pseudo(.region), ":", .pseudo(.accountID), ":log-group:*"])],
                                ]),
            ] + (config.hasAlarmTopic ? [
                PolicyStatement(sid: "AlarmsPublishToTopic", effect: "Allow", actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
                                resources: ["*"], servicePrincipals: ["cloudwatch.amazonaws.com"], awsPrincipals: [],
                                conditions: ["StringEquals": ["aws:SourceAccount": .pseudo(.accountID)]]),
            ] : [])))
        }

        public var body: StackContent {
            vpc
            if config.hasNatGateway {
                let gateway = InternetGateway("InternetGateway")
                gateway
                let attachment = GatewayAttachment("InternetGatewayAttachment", vpc: vpc, gateway: gateway)
                attachment
                for subnet in publicSubnets { subnet }
                let publicTable = RouteTable("PublicRouteTable", vpc: vpc)
                publicTable
                Route("PublicDefaultRoute", table: publicTable, target: .internetGateway(gateway.ref)).dependsOn(attachment)
                for subnet in publicSubnets {
                    RouteTableAssociation(LogicalID("\(subnet.id)RouteTableAssociation"), table: publicTable, subnet: subnet)
                }
                // Nothing but the endpoint's downloads needs the NAT gateway, so a paused stack drops it.
                let address = ElasticIP("NatAddress").dependsOn(attachment)
                let nat = NatGateway("NatGateway", subnet: publicSubnets[0], address: address)
                Conditional(SLMService.running) {
                    address
                    nat
                }
                for subnet in privateSubnets { subnet }
                let privateTable = RouteTable("PrivateRouteTable", vpc: vpc)
                privateTable
                Conditional(SLMService.running) {
                    Route("PrivateDefaultRoute", table: privateTable, target: .natGateway(nat.ref))
                }
                for subnet in privateSubnets {
                    RouteTableAssociation(LogicalID("\(subnet.id)RouteTableAssociation"), table: privateTable, subnet: subnet)
                }
            } else {
                for subnet in privateSubnets { subnet }
                let privateTable = RouteTable("PrivateRouteTable", vpc: vpc)
                privateTable
                for subnet in privateSubnets {
                    RouteTableAssociation(LogicalID("\(subnet.id)RouteTableAssociation"), table: privateTable, subnet: subnet)
                }
                // Staged weights: SageMaker reads them from the assets bucket through this route.
                if config.weights == .s3 { GatewayEndpoint("S3GatewayEndpoint", vpc: vpc, service: "s3", routeTables: [privateTable]) }
            }
            lambdaGroup
            sageMakerGroup
            endpointGroup
            InterfaceEndpoint("SageMakerRuntimeEndpoint", vpc: vpc, service: "sagemaker.runtime",
                              subnets: privateSubnets, securityGroups: [endpointGroup])
            logsKey
            let flowLogGroup = LogGroup("FlowLogGroup", retentionDays: config.logRetentionDays, kmsKey: logsKey).fromSetting(\.$retentionDays, "log-retention-days")
            flowLogGroup
            let flowLogRole = Role("FlowLogRole", description: "Lets VPC flow logs write to their log group", assumedBy: "vpc-flow-logs.amazonaws.com",
                                   trustConditions: ["StringEquals": ["aws:SourceAccount": .pseudo(.accountID)]],
                                   policies: ["flow-logs": PolicyDocument([.allow(
                                       ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                                       on: [flowLogGroup.attribute(.arn)])])])
            flowLogRole
            FlowLog("VpcFlowLog", vpc: vpc, logGroup: flowLogGroup, role: flowLogRole)
        }
    }
}
