/// A resource type that the model does not ship, declared by the code that uses the library: its
/// CloudFormation type and properties as values (the `Resource` requirements every built-in type
/// meets too, like troposphere's classes or CDK's `Cfn*` L1 constructs), and optionally what it
/// becomes in Terraform. Both renderers and `cost` handle it generically:
///
/// - CloudFormation writes `cloudFormationType` and `properties` (values may hold references,
///   parameters and conditions; `Tags` gets the stack's tags when `takesTags`), as for any resource.
/// - Terraform writes `terraform` when the type gives one, and otherwise refuses in one line
///   naming the type (there is no general mapping from CloudFormation properties to a provider's
///   arguments that could be defended).
/// - `cost` lists it as "not priced", with a warning, as Infracost lists unsupported resources.
///
/// ```swift
/// struct Table: DeclaredResource {
///     static let kind = "Table"
///     var id: LogicalID
///     var dependsOn: [LogicalID] = []
///     var suppressions: [Suppression] = []
///     var cloudFormationType: String { "AWS::DynamoDB::Table" }
///     var properties: [String: Value] { ["BillingMode": "PAY_PER_REQUEST", …] }
/// }
/// ```
public protocol DeclaredResource: Resource {
    /// The Terraform resource it becomes, or nil when it has none.
    var terraform: TerraformDeclaration? { get }
}

extension DeclaredResource {
    public var terraform: TerraformDeclaration? { nil }
    /// The property values in key order, then the Terraform arguments' values: every value that
    /// may hold a reference.
    public var values: [Value] {
        properties.keys.sorted().map { properties[$0]! } + (terraform?.values ?? [])
    }
}

/// How a declared resource is written in Terraform (hashicorp/aws).
public struct TerraformDeclaration: Sendable, Hashable {
    /// The provider's resource type, for example `aws_dynamodb_table`.
    public var type: String
    /// Top-level arguments, written in key order as `name = value`.
    public var arguments: [String: Value]
    /// Nested blocks in the order given, each written as `name { key = value … }` in key order.
    public var blocks: [TerraformBlock]
    /// The attribute that plays CloudFormation's `Ref` (`id` for most types).
    public var refAttribute: String

    public init(type: String, arguments: [String: Value], blocks: [TerraformBlock] = [], refAttribute: String = "id") {
        self.type = type
        self.arguments = arguments
        self.blocks = blocks
        self.refAttribute = refAttribute
    }

    var values: [Value] {
        arguments.keys.sorted().map { arguments[$0]! } + blocks.flatMap { block in block.arguments.keys.sorted().map { block.arguments[$0]! } }
    }
}

/// One nested block of a Terraform declaration.
public struct TerraformBlock: Sendable, Hashable {
    public var name: String
    public var arguments: [String: Value]

    public init(_ name: String, _ arguments: [String: Value]) {
        self.name = name
        self.arguments = arguments
    }
}

/// Any CloudFormation resource, given by its type and properties: the escape hatch for a type or
/// property the model lacks. CloudFormation renders it as given; Terraform refuses it (naming the
/// type) unless `terraform` says what it becomes there.
public struct RawResource: DeclaredResource {
    public static let kind = "RawResource"
    public var id: LogicalID
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []
    public var cloudFormationType: String
    public var properties: [String: Value]
    public var takesTags: Bool
    public var terraform: TerraformDeclaration?

    /// - Parameters:
    ///   - type: the CloudFormation type, for example `AWS::S3::Bucket`.
    ///   - properties: its properties under CloudFormation's names.
    ///   - takesTags: whether the stack's tags are added as `Tags`.
    ///   - terraform: what it becomes in Terraform, if anything.
    public init(_ id: LogicalID, type: String, properties: [String: Value] = [:], takesTags: Bool = false,
                terraform: TerraformDeclaration? = nil) {
        self.id = id
        self.cloudFormationType = type
        self.properties = properties
        self.takesTags = takesTags
        self.terraform = terraform
    }
}

/// A change to one property of a rendered resource, by path, for a property the typed resource
/// does not model (CDK's `addPropertyOverride`). `cloudFormationPath` is dot-separated under
/// `Properties` (`VpcConfig.SubnetIds`); a nil value deletes the property. Terraform applies it
/// only at `terraformPath` (dot-separated arguments); without one, Terraform synth refuses.
public struct PropertyOverride: Sendable, Hashable {
    public var cloudFormationPath: String
    public var terraformPath: String?
    public var value: Value?

    public init(_ cloudFormationPath: String, _ value: Value?, terraformPath: String? = nil) {
        self.cloudFormationPath = cloudFormationPath
        self.value = value
        self.terraformPath = terraformPath
    }

    /// The path's keys.
    public var cloudFormationKeys: [String] { cloudFormationPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
    /// The Terraform path's keys, if any.
    public var terraformKeys: [String]? { terraformPath.map { $0.split(separator: ".", omittingEmptySubsequences: false).map(String.init) } }
}

extension Stack {
    /// Overrides one property of resource `id` as rendered (see `PropertyOverride`). Overrides apply
    /// in the order given; `validate()` reports an unknown resource or an empty path.
    public mutating func override(_ id: LogicalID, _ cloudFormationPath: String, _ value: Value?, terraformPath: String? = nil) {
        propertyOverrides[id, default: []].append(PropertyOverride(cloudFormationPath, value, terraformPath: terraformPath))
    }

    /// Problems with the property overrides: unknown resources, empty path segments, references
    /// to resources not in the stack.
    func validateOverrides(known: Set<LogicalID>) -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        for id in propertyOverrides.keys.sorted() {
            for override in propertyOverrides[id]! {
                guard known.contains(id) else {
                    problems.append(ValidationProblem("PropertyOverride", id.rawValue, override.cloudFormationPath,
                        "names '\(id)', which is not in the stack: override a resource of the stack"))
                    continue
                }
                let kind = type(of: resource(id)!).kind
                if override.cloudFormationKeys.contains(where: \.isEmpty) || override.terraformKeys?.contains(where: \.isEmpty) == true {
                    problems.append(ValidationProblem(kind, id.rawValue, override.cloudFormationPath,
                        "override path has an empty segment: write keys separated by single dots, for example VpcConfig.SubnetIds"))
                }
                for target in override.value?.references ?? [] where !known.contains(target) {
                    problems.append(ValidationProblem(kind, id.rawValue, override.cloudFormationPath,
                        "override refers to '\(target)', which is not in the stack: add it or remove the reference"))
                }
            }
        }
        return problems
    }
}
