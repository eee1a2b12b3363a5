/// A resource's name inside a stack: alphanumeric, unique, stable across synths.
///
/// CloudFormation uses it as the logical ID; Terraform derives a snake_case resource name from it.
public struct LogicalID: Hashable, Comparable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The ID as written, for example `PrivateSubnet1`.
    public let rawValue: String

    /// Creates an ID. Validation (alphanumeric, at most 255 characters) happens in `Stack.validate()`.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }
    public static func < (lhs: LogicalID, rhs: LogicalID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whether the ID is valid for CloudFormation: 1–255 ASCII letters and digits.
    public var isWellFormed: Bool {
        !rawValue.isEmpty && rawValue.count <= 255
            && rawValue.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }
}

/// An attribute of a resource that another resource or an output can read.
///
/// Each renderer maps (resource type, attribute) to its own syntax: `Fn::GetAtt` in CloudFormation,
/// `aws_x.name.attr` in Terraform.
public enum Attribute: String, Hashable, Sendable, CaseIterable {
    case arn = "Arn"
    case allocationID = "AllocationId"
    case groupID = "GroupId"
    case rootResourceID = "RootResourceId"
    case endpointName = "EndpointName"
    case modelName = "ModelName"
    case endpointConfigName = "EndpointConfigName"
    case cidrBlock = "CidrBlock"
}

/// A value known only when the stack is deployed.
public enum PseudoParameter: String, Hashable, Sendable {
    case region = "AWS::Region"
    case accountID = "AWS::AccountId"
    case partition = "AWS::Partition"
    case stackName = "AWS::StackName"
    /// The stack's unique ID (its ARN), which a later stack of the same name does not share.
    case stackID = "AWS::StackId"
    case urlSuffix = "AWS::URLSuffix"
}

/// A property value: a literal, or an expression resolved at deploy time.
///
/// References are values, never hand-written strings: `.ref(id)` renders as `{"Ref": id}` in
/// CloudFormation and as `aws_vpc.main.id` in Terraform.
public indirect enum Value: Hashable, Sendable {
    case string(String)
    case int(Int)
    /// A number that may have a fraction; renderers write a whole number without one.
    case double(Double)
    case bool(Bool)
    case list([Value])
    /// An object; renderers write its keys in sorted order.
    case object([String: Value])
    /// An object whose keys are written in the order given, for the few CloudFormation forms whose
    /// fields read in an order of their own (an IAM inline policy's `PolicyName` before its
    /// `PolicyDocument`). Build it with `Value.ordered([...])`.
    case orderedObject([Field])
    /// The resource's primary identifier (CloudFormation `Ref`).
    case ref(LogicalID)
    /// One attribute of a resource (CloudFormation `Fn::GetAtt`).
    case attribute(LogicalID, Attribute)
    /// A deploy-time pseudo parameter such as the region.
    case pseudo(PseudoParameter)
    /// The concatenation of parts (CloudFormation `Fn::Join` with "", Terraform string interpolation).
    case join([Value])
    /// The n-th availability zone of the region (CloudFormation `Fn::Select` over `Fn::GetAZs`).
    case availabilityZone(Int)
    /// A JSON document written as a string, for example an IAM policy in Terraform
    /// (CloudFormation writes it as an object).
    case document(Value)
    /// The value a stack parameter has in this deployment (CloudFormation `Ref`, a Terraform variable).
    case parameter(LogicalID)
    /// `whenTrue` if the named stack condition holds in this deployment, otherwise `whenFalse`
    /// (CloudFormation `Fn::If`). References inside `whenTrue` may name resources that exist only
    /// under that condition.
    case ifCondition(LogicalID, Value, Value)

    /// Calls `visit`, in order of appearance, with each node that refers to something — `.ref`,
    /// `.attribute`, `.parameter`, and `.ifCondition` before its branches — and the condition of the
    /// `ifCondition` whose `whenTrue` branch holds it (nil outside any such branch).
    func walk(guardedBy outer: LogicalID? = nil, _ visit: (Value, LogicalID?) -> Void) {
        switch self {
        case .string, .int, .double, .bool, .pseudo, .availabilityZone: return
        case .ref, .attribute, .parameter: visit(self, outer)
        case .list(let items), .join(let items): items.forEach { $0.walk(guardedBy: outer, visit) }
        case .object(let fields): fields.keys.sorted().forEach { fields[$0]!.walk(guardedBy: outer, visit) }
        case .orderedObject(let fields): fields.forEach { $0.value.walk(guardedBy: outer, visit) }
        case .document(let inner): inner.walk(guardedBy: outer, visit)
        case .ifCondition(let condition, let whenTrue, let whenFalse):
            visit(self, outer)
            whenTrue.walk(guardedBy: condition, visit)
            whenFalse.walk(guardedBy: outer, visit)
        }
    }

    /// Every logical ID this value refers to, in order of appearance.
    public var references: [LogicalID] { guardedReferences().map(\.id) }

    /// Every logical ID this value refers to, each with the `ifCondition` condition guarding it
    /// (nil outside any `whenTrue` branch).
    func guardedReferences() -> [(id: LogicalID, guard: LogicalID?)] {
        var found: [(id: LogicalID, guard: LogicalID?)] = []
        walk { node, condition in
            if case .ref(let id) = node { found.append((id, condition)) }
            if case .attribute(let id, _) = node { found.append((id, condition)) }
        }
        return found
    }

    /// Every stack parameter this value reads.
    public var parameters: [LogicalID] {
        var found: [LogicalID] = []
        walk { node, _ in if case .parameter(let name) = node { found.append(name) } }
        return found
    }

    /// Every stack condition this value tests.
    public var conditions: [LogicalID] {
        var found: [LogicalID] = []
        walk { node, _ in if case .ifCondition(let condition, _, _) = node { found.append(condition) } }
        return found
    }
}

extension Value {
    /// One key and value of an `orderedObject`.
    public struct Field: Hashable, Sendable {
        /// The key, for example `PolicyName`.
        public var key: String
        /// Its value.
        public var value: Value

        public init(_ key: String, _ value: Value) {
            self.key = key
            self.value = value
        }
    }

    /// An object whose keys are written in the order of the literal: `.ordered(["PolicyName": …, "PolicyDocument": …])`.
    public static func ordered(_ fields: KeyValuePairs<String, Value>) -> Value {
        .orderedObject(fields.map { Field($0.key, $0.value) })
    }

    /// A number: a whole one as `.int`, otherwise `.double`, so both renderers write `5` for 5.0.
    public static func number(_ value: Double) -> Value {
        value == value.rounded() && abs(value) < 1e15 ? .int(Int(value)) : .double(value)
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: Value...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// A typed handle on a resource of type `R`: what the DSL passes around instead of strings.
public struct Reference<R: Resource>: Hashable, Sendable {
    /// The referenced resource's logical ID.
    public let id: LogicalID

    /// The resource's primary identifier (`Ref`).
    public var ref: Value { .ref(id) }

    /// One of its attributes (`Fn::GetAtt`).
    public func attribute(_ attribute: Attribute) -> Value { .attribute(id, attribute) }
}
