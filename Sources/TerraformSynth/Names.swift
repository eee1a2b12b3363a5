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
        if Translator.translation(for: resource)?.namedWithoutRouteHash == true, let hash = deploymentHash(resource.id) {
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

    /// The Terraform resource type a model resource becomes first (further ones are added by the
    /// translator), from its type's translation or its declaration; nil when it has neither.
    public static func primaryType(_ resource: any Resource) -> String? {
        if let translation = Translator.translation(for: resource) { return translation.primaryType }
        guard let declared = resource as? any DeclaredResource else { return nil }
        return declared.terraform?.type ?? "declared_" + snakeCase(declared.cloudFormationType.replacingOccurrences(of: "::", with: ""))
    }

    /// The Terraform attribute that plays CloudFormation's `Ref` for a resource (registered with its
    /// type's translation: the ID for most, the name for roles, the ARN for SageMaker resources, …).
    public static func refAttribute(_ resource: any Resource) -> String {
        if let translation = Translator.translation(for: resource) { return translation.refAttribute }
        return (resource as? any DeclaredResource)?.terraform?.refAttribute ?? "id"
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
