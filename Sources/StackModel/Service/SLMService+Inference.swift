// MARK: - Inference

extension SLMService {
    /// The SageMaker execution role, model, endpoint configuration, the endpoint's log group and
    /// the endpoint.
    public struct Inference: Construct {
        public let config: ServiceConfig
        public let network: Network
        public let endpoint: Endpoint
        /// `/aws/sagemaker/Endpoints/<name>`, which SageMaker would otherwise create: unencrypted,
        /// never expiring, and left behind by destroy. It stays while paused (same name on resume).
        public let logGroup: LogGroup

        static let modelID: LogicalID = "Model"

        /// - Parameter after: what the endpoint waits for: the shim and the API stage, so that a
        ///   failure there (a concurrency or API quota) rolls back before the GPU instance bills.
        public init(config: ServiceConfig, network: Network, after: [LogicalID] = []) {
            self.config = config
            self.network = network
            let logGroup = LogGroup(SLMService.endpointLogGroupID, name: .join(["/aws/sagemaker/Endpoints/", .string(config.endpointName)]),
                                    retentionDays: config.logRetentionDays, kmsKey: network.logsKey)
                .fromSetting(\.$retentionDays, "log-retention-days")
            self.logGroup = logGroup
            let role = Self.role(config, network: network)
            let endpointConfig = config.scalesToZero ? Self.componentHosting(config, network: network, role: role)
                : Self.endpointConfig(config, model: Self.model(config, network: network, role: role))
            var endpoint = Endpoint("Endpoint", config: endpointConfig, name: config.endpointName)
                .dependsOn(logGroup)
            endpoint.dependsOn += after
            self.endpoint = endpoint
        }

        static func arn(_ service: String, _ resource: String, global: Bool = false) -> Value {
            .join(["arn:", .pseudo(.partition), .string(":\(service):"), global ? "" : .pseudo(.region), ":", .pseudo(.accountID), .string(":\(resource)")])
        }

        static func role(_ config: ServiceConfig, network: Network) -> Role {
            let registry = RegionCatalog.registryAccounts[config.engine]?[config.region] ?? "763104351884"
            let repository = EngineCatalog.repositories[config.engine] ?? ""
            let short = config.engine.shortName
            return Role("ModelExecutionRole", description: "What the \(short) container needs: ECR pull, its logs and metrics, VPC network interfaces",
                        assumedBy: "sagemaker.amazonaws.com", policies: [
                "ecr-pull": PolicyDocument([
                    .allow(["ecr:GetAuthorizationToken"], on: ["*"], sid: "EcrToken"),
                    .allow(["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                           on: [.join(["arn:", .pseudo(.partition), ":ecr:", .pseudo(.region), .string(":\(registry):repository/\(repository)")])],
                           sid: config.engine == .tgi ? "PullTgiImage" : "PullVllmImage"),
                ]),
                "logs-and-metrics": PolicyDocument([
                    .allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                           on: [arn("logs", "log-group:/aws/sagemaker/Endpoints/*")], sid: "EndpointLogs"),
                    .allow(["cloudwatch:PutMetricData"], on: ["*"], sid: "EndpointMetrics",
                           conditions: ["StringLike": ["cloudwatch:namespace": "/aws/sagemaker/*"]]),
                ]),
                "vpc-interfaces": PolicyDocument([
                    .allow(["ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups",
                            "ec2:DescribeSubnets", "ec2:DescribeVpcs"], on: ["*"], sid: "DescribeNetwork"),
                    .allow(["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
                            "ec2:DeleteNetworkInterfacePermission"],
                           on: [arn("ec2", "network-interface/*"), arn("ec2", "subnet/*"), arn("ec2", "security-group/*")], sid: "ManageInterfaces"),
                ]),
            ].merging(weightsPolicies(config)) { hub, _ in hub })
        }

        static func model(_ config: ServiceConfig, network: Network, role: Role, id: LogicalID = modelID) -> SageMakerModel {
            withWeights(SageMakerModel(id, role: role,
                                       image: EngineCatalog.imageURI(config.engine, region: config.region, version: config.engineVersion) ?? "unknown",
                                       environment: config.containerEnvironment,
                                       subnets: network.privateSubnets, securityGroups: [network.sageMakerGroup])
                .markingEnvironment(config.containerEnvironmentSettings), config)
        }

        static func endpointConfig(_ config: ServiceConfig, model: SageMakerModel) -> EndpointConfig {
            EndpointConfig("EndpointConfig", model: model, instanceType: config.instanceType, instanceCount: config.initialInstanceCount,
                           startupHealthCheckTimeoutSeconds: config.startupHealthCheckTimeoutSeconds,
                           modelDataDownloadTimeoutSeconds: config.modelDownloadTimeoutSeconds,
                           inferenceAmiVersion: config.inferenceAMI?.version)
                .suppress("CKV_AWS_98", because: "GPU instance types have NVMe instance storage, for which SageMaker rejects a KmsKeyId; it is encrypted with a hardware key")
                .fromSetting(\.$instanceType, "instance-type")
                // autoscaling from a given minimum starts there, else at instance-count
                .fromSetting(\.$instanceCount, config.autoscaling != nil && config.minInstances != nil ? "min-instances" : "instance-count")
                .fromSetting(\.$startupHealthCheckTimeoutSeconds, "startup-timeout")
                .fromSetting(\.$modelDataDownloadTimeoutSeconds, "download-timeout")
        }

        public var body: StackContent {
            let role = Self.role(config, network: network)
            role
            let model = Self.model(config, network: network, role: role)
            model
            if config.scalesToZero {
                components(first: model, role: role)
            } else {
                Self.endpointConfig(config, model: model)
                logGroup
                Conditional(SLMService.running) { endpoint }
            }
        }
    }
}
