import StackModel

/// Where a model resource lives in Terraform: its resource type and name (`aws_vpc`, `vpc`).
public struct TerraformAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var type: String
    public var name: String

    public init(_ type: String, _ name: String) {
        self.type = type
        self.name = name
    }

    /// `aws_vpc.vpc`.
    public var description: String { "\(type).\(name)" }

    public static func < (lhs: TerraformAddress, rhs: TerraformAddress) -> Bool { lhs.description < rhs.description }
}

/// Terraform names for the model's logical IDs and resource kinds.
public enum TerraformNames {
    /// A readable snake_case name from a logical ID: `PrivateSubnet1` → `private_subnet_1`,
    /// `V1ChatResource` → `v1_chat_resource`, `SageMakerRuntimeEndpoint` → `sagemaker_runtime_endpoint`.
    ///
    /// Words start at an upper-case letter after a lower-case letter or digit, at the last capital of
    /// an acronym (`APIKey` → `api_key`), and at a digit after a word longer than one letter.
    public static func snakeCase(_ id: String) -> String {
        let text = Array(id.replacingOccurrences(of: "SageMaker", with: "Sagemaker"))
        var words: [String] = []
        var current = ""
        for (index, character) in text.enumerated() {
            let previous: Character? = index > 0 ? text[index - 1] : nil
            let next: Character? = index + 1 < text.count ? text[index + 1] : nil
            var boundary = false
            if let previous, !current.isEmpty {
                if character.isUppercase && (previous.isLowercase || previous.isNumber) { boundary = true }
                if character.isUppercase && previous.isUppercase && (next?.isLowercase ?? false) { boundary = true }
                if character.isNumber && previous.isLetter && current.count > 1 { boundary = true }
                if character.isLetter && previous.isNumber && !(current.count == 2 && current.first!.isLetter) { boundary = true }
            }
            if boundary {
                words.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { words.append(current) }
        return words.map { $0.lowercased() }.joined(separator: "_")
    }

    /// A kebab-case name for AWS names Terraform requires (`ShimFunction` → `shim-function`).
    public static func kebabCase(_ id: String) -> String {
        snakeCase(id).replacingOccurrences(of: "_", with: "-")
    }

    /// The resource name of a model resource: its logical ID in snake_case, without the 8-hex route
    /// hash of an `ApiDeployment` (Terraform redeploys through `triggers` instead).
    public static func resourceName(_ resource: any Resource) -> String {
        if resource is ApiDeployment, let hash = deploymentHash(resource.id) {
            return snakeCase(String(resource.id.rawValue.dropLast(hash.count)))
        }
        return snakeCase(resource.id.rawValue)
    }

    /// The 8 hex digits at the end of an `ApiDeployment` logical ID, if present.
    public static func deploymentHash(_ id: LogicalID) -> String? {
        let raw = id.rawValue
        guard raw.count > 8 else { return nil }
        let suffix = raw.suffix(8)
        guard suffix.allSatisfy({ $0.isHexDigit && ($0.isNumber || $0.isUppercase) }) else { return nil }
        return String(suffix)
    }

    /// The Terraform resource type a model kind becomes first (further ones are added by the translator).
    public static func primaryType(_ resource: any Resource) -> String? {
        switch resource {
        case is Vpc: "aws_vpc"
        case is Subnet: "aws_subnet"
        case is InternetGateway: "aws_internet_gateway"
        case is GatewayAttachment: "aws_internet_gateway_attachment"
        case is ElasticIP: "aws_eip"
        case is NatGateway: "aws_nat_gateway"
        case is RouteTable: "aws_route_table"
        case is Route: "aws_route"
        case is RouteTableAssociation: "aws_route_table_association"
        case is SecurityGroup: "aws_security_group"
        case is InterfaceEndpoint, is GatewayEndpoint: "aws_vpc_endpoint"
        case is FlowLog: "aws_flow_log"
        case is Role: "aws_iam_role"
        case is KmsKey: "aws_kms_key"
        case is LogGroup: "aws_cloudwatch_log_group"
        case is SageMakerModel: "aws_sagemaker_model"
        case is EndpointConfig: "aws_sagemaker_endpoint_configuration"
        case is Endpoint: "aws_sagemaker_endpoint"
        case is LambdaFunction: "aws_lambda_function"
        case is LambdaPermission: "aws_lambda_permission"
        case is RestApi: "aws_api_gateway_rest_api"
        case is ApiResource: "aws_api_gateway_resource"
        case is ApiMethod: "aws_api_gateway_method"
        case is ApiDeployment: "aws_api_gateway_deployment"
        case is ApiStage: "aws_api_gateway_stage"
        case is ApiKey: "aws_api_gateway_api_key"
        case is UsagePlan: "aws_api_gateway_usage_plan"
        case is UsagePlanKey: "aws_api_gateway_usage_plan_key"
        case is ApiGatewayAccount: "aws_api_gateway_account"
        case is ApiAuthorizer: "aws_api_gateway_authorizer"
        case is GatewayResponse: "aws_api_gateway_gateway_response"
        case is SnsTopic: "aws_sns_topic"
        case is SnsSubscription: "aws_sns_topic_subscription"
        case is MetricAlarm: "aws_cloudwatch_metric_alarm"
        case is OneTimeSchedule: "aws_scheduler_schedule"
        case is SqsQueue: "aws_sqs_queue"
        case is ScalableTarget: "aws_appautoscaling_target"
        case is TargetTrackingPolicy, is StepScalingPolicy: "aws_appautoscaling_policy"
        case let r as any DeclaredResource: r.terraform?.type ?? "declared_" + snakeCase(r.cloudFormationType.replacingOccurrences(of: "::", with: ""))
        default: nil
        }
    }

    /// The Terraform attribute that plays CloudFormation's `Ref` for a kind: the ID for most, the
    /// name for roles, log groups and Lambda functions, the ARN for SageMaker resources (whose `Ref`
    /// is the ARN), the public IP for an Elastic IP, the stage name for a stage, the ARN for topics,
    /// subscriptions and scaling policies, the name for alarms and schedules, the resource ID for a
    /// scalable target.
    public static func refAttribute(_ resource: any Resource) -> String {
        switch resource {
        case is ElasticIP: "public_ip"
        case is Role, is LogGroup, is OneTimeSchedule: "name"
        case is KmsKey: "key_id"
        case is SageMakerModel, is EndpointConfig, is Endpoint, is SnsTopic, is SnsSubscription, is TargetTrackingPolicy, is StepScalingPolicy: "arn"
        case is MetricAlarm: "alarm_name"
        case is ScalableTarget: "resource_id"
        case is LambdaFunction: "function_name"
        case is ApiStage: "stage_name"
        case let r as any DeclaredResource: r.terraform?.refAttribute ?? "id"
        default: "id"
        }
    }

    /// The Terraform attribute for a model attribute (`Fn::GetAtt`).
    public static func attribute(_ attribute: Attribute) -> String {
        switch attribute {
        case .arn: "arn"
        case .allocationID: "allocation_id"
        case .groupID: "id"
        case .rootResourceID: "root_resource_id"
        case .endpointName, .modelName, .endpointConfigName: "name"
        case .cidrBlock: "cidr_block"
        }
    }

    /// The Terraform variable for a `ServiceConfig` setting key: `instance-type` → `instance_type`.
    public static func variable(_ key: String) -> String { key.replacingOccurrences(of: "-", with: "_") }
}
