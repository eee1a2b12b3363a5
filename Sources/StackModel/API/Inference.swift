/// A SageMaker model: one container image with its environment, in the VPC
/// (`AWS::SageMaker::Model`, `aws_sagemaker_model`). No fixed name.
public struct SageMakerModel: Resource {
    public static let kind = "SageMakerModel"
    public let id: LogicalID
    public var executionRole: Value
    public var image: String
    /// Container environment, rendered in key order.
    public var environment: [String: String] {
        didSet { environmentSettings = environmentSettings.filter { environment[$0.key] == oldValue[$0.key] } }
    }
    /// The environment entries whose value comes from a setting: entry → setting key
    /// (`MAX_INPUT_TOKENS` → `max-input-tokens`; see `FromSetting`). Changing an entry drops its mark.
    public var environmentSettings: [String: String] = [:]
    public var subnets: [Value]
    public var securityGroups: [Value]
    /// Uncompressed model data under an S3 prefix (`ModelDataSource.S3DataSource`, `S3Prefix`,
    /// `CompressionType: None`), which SageMaker copies to `/opt/ml/model` before the container
    /// starts; nil when the container fetches its own weights.
    public var modelData: Value?
    /// `EnableNetworkIsolation`: the container gets no network at all (its model data is copied in
    /// by SageMaker beforehand).
    public var networkIsolation = false
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, role: Role, image: String, environment: [String: String],
                subnets: [Subnet], securityGroups: [SecurityGroup]) {
        self.id = id
        self.executionRole = role.attribute(.arn)
        self.image = image
        self.environment = environment
        self.subnets = subnets.map(\.ref)
        self.securityGroups = securityGroups.map { $0.attribute(.groupID) }
    }
}

/// A SageMaker endpoint configuration with one production variant
/// (`AWS::SageMaker::EndpointConfig`, `aws_sagemaker_endpoint_configuration`).
public struct EndpointConfig: Resource {
    /// The variant name slmstack gives its one production variant.
    public static let defaultVariantName = "AllTraffic"
    public static let kind = "EndpointConfig"
    public let id: LogicalID
    /// The variant's model, or nil when inference components bring the models (`components`).
    public var model: Value?
    public var variantName: String
    @FromSetting public var instanceType: String
    @FromSetting public var instanceCount: Int
    @FromSetting public var startupHealthCheckTimeoutSeconds: Int
    @FromSetting public var modelDataDownloadTimeoutSeconds: Int
    /// The host image (`InferenceAmiVersion`), which decides the NVIDIA driver; nil for SageMaker's default.
    public var inferenceAmiVersion: String?
    /// For an endpoint that hosts inference components: the role SageMaker deploys them with
    /// (`ExecutionRoleArn`), their network (`VpcConfig`) and the variant's managed instance scaling.
    public var components: ComponentHosting?
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    /// What an endpoint configuration without a model needs to host inference components.
    public struct ComponentHosting: Sendable {
        public var executionRole: Value
        public var subnets: [Value]
        public var securityGroups: [Value]
        public var scaling: ManagedInstanceScaling
    }

    /// A configuration without a model whose variant hosts inference components, with managed
    /// instance scaling; the components carry the startup timeouts.
    public init(_ id: LogicalID, hostingWith role: Role, instanceType: String, initialInstanceCount: Int,
                scaling: ManagedInstanceScaling, subnets: [Subnet], securityGroups: [SecurityGroup],
                inferenceAmiVersion: String? = nil, variantName: String = EndpointConfig.defaultVariantName) {
        self.id = id
        self.model = nil
        self.inferenceAmiVersion = inferenceAmiVersion
        self.variantName = variantName
        self.instanceType = instanceType
        self.instanceCount = initialInstanceCount
        self.startupHealthCheckTimeoutSeconds = 0
        self.modelDataDownloadTimeoutSeconds = 0
        self.components = ComponentHosting(executionRole: role.attribute(.arn), subnets: subnets.map(\.ref),
                                           securityGroups: securityGroups.map { $0.attribute(.groupID) }, scaling: scaling)
    }

    public init(_ id: LogicalID, model: SageMakerModel, instanceType: String, instanceCount: Int,
                startupHealthCheckTimeoutSeconds: Int, modelDataDownloadTimeoutSeconds: Int, inferenceAmiVersion: String? = nil,
                variantName: String = EndpointConfig.defaultVariantName) {
        self.id = id
        self.model = model.attribute(.modelName)
        self.variantName = variantName
        self.instanceType = instanceType
        self.instanceCount = instanceCount
        self.startupHealthCheckTimeoutSeconds = startupHealthCheckTimeoutSeconds
        self.modelDataDownloadTimeoutSeconds = modelDataDownloadTimeoutSeconds
        self.inferenceAmiVersion = inferenceAmiVersion
    }
}

/// A SageMaker real-time endpoint (`AWS::SageMaker::Endpoint`, `aws_sagemaker_endpoint`).
/// Its `Ref` is the endpoint's ARN, which is lower-case: policies take it from here, or from `arn`
/// when the endpoint has a fixed lower-case `name`.
public struct Endpoint: Resource {
    public static let kind = "Endpoint"
    public let id: LogicalID
    public var config: Value
    /// A fixed name (`EndpointName`), or nil to let CloudFormation or Terraform generate one.
    public var name: String?
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, config: EndpointConfig, name: String? = nil) {
        self.id = id
        self.config = config.attribute(.endpointConfigName)
        self.name = name
    }
}

/// A Lambda function with its code inline (`AWS::Lambda::Function` with `Code.ZipFile`;
/// Terraform `aws_lambda_function` with a zip beside the .tf files), or from a `LambdaPackage` in
/// the assets bucket (`Code.S3Bucket`/`S3Key`).
public struct LambdaFunction: Resource {
    public static let kind = "LambdaFunction"
    public let id: LogicalID
    public var description: String
    public var runtime: String
    public var handler: String
    /// The source of the handler module, as it is inlined (empty when `package` holds the code).
    public var code: String
    /// The code as a zip package in the assets bucket, or nil when `code` is inlined.
    public var package: LambdaPackage?
    /// Layer version ARNs, in order (`Layers`).
    public var layers: [Value] = []
    public var role: Value
    @FromSetting public var memoryMB: Int
    @FromSetting public var timeoutSeconds: Int
    /// Executions reserved for the function (`ReservedConcurrentExecutions`), or nil for none: it
    /// then shares the account's unreserved pool (see `ServiceConfig.shimConcurrencyNeeded`).
    @FromSetting public var reservedConcurrency: Int?
    /// Environment variables, rendered in key order.
    public var environment: [String: Value] {
        didSet { environmentSettings = environmentSettings.filter { environment[$0.key] == oldValue[$0.key] } }
    }
    /// The environment entries whose value comes from a setting: entry → setting key
    /// (`MODEL_ID` → `model-id`; see `FromSetting`). Changing an entry drops its mark.
    public var environmentSettings: [String: String] = [:]
    public var subnets: [Value]
    public var securityGroups: [Value]
    public var logGroup: Value
    public var tracing: Bool
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, description: String, runtime: String, handler: String, code: String, role: Role,
                memoryMB: Int, timeoutSeconds: Int, reservedConcurrency: Int?, environment: [String: Value],
                subnets: [Subnet], securityGroups: [SecurityGroup], logGroup: LogGroup, tracing: Bool = true) {
        self.id = id
        self.description = description
        self.runtime = runtime
        self.handler = handler
        self.code = code
        self.role = role.attribute(.arn)
        self.memoryMB = memoryMB
        self.timeoutSeconds = timeoutSeconds
        self.reservedConcurrency = reservedConcurrency
        self.environment = environment
        self.subnets = subnets.map(\.ref)
        self.securityGroups = securityGroups.map { $0.attribute(.groupID) }
        self.logGroup = logGroup.ref
        self.tracing = tracing
    }
}

/// Lets a service invoke a Lambda function from one source ARN (`AWS::Lambda::Permission`,
/// `aws_lambda_permission`).
public struct LambdaPermission: Resource {
    public static let kind = "LambdaPermission"
    public let id: LogicalID
    public var function: Value
    public var principal: String
    public var sourceArn: Value
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, function: LambdaFunction, principal: String, sourceArn: Value) {
        self.id = id
        self.function = function.attribute(.arn)
        self.principal = principal
        self.sourceArn = sourceArn
    }
}
