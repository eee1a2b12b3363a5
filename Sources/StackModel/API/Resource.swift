/// A checkov check that does not apply to one resource, with the reason a reviewer can read.
///
/// CloudFormation writes it into the resource's `Metadata.checkov.skip`; Terraform as an inline
/// `#checkov:skip=ID:reason` comment.
public struct Suppression: Hashable, Sendable {
    /// The checkov check ID, for example `CKV_AWS_120`.
    public var check: String
    /// Why the check does not apply here.
    public var reason: String

    public init(_ check: String, _ reason: String) {
        self.check = check
        self.reason = reason
    }
}

/// One AWS resource of the model.
///
/// Concrete types (`Vpc`, `Subnet`, `LambdaFunction`, …) hold typed fields and declare, once, their
/// CloudFormation form as values (`cloudFormationType`, `properties`, `takesTags`: an L1 layer like
/// troposphere's classes or CDK's `Cfn*` constructs), which the CloudFormation renderer and `cost`
/// read without knowing the type. `Value` fields may hold references to other resources.
public protocol Resource: Sendable {
    /// The CloudFormation type, for example `AWS::EC2::VPC`.
    var cloudFormationType: String { get }
    /// The properties under CloudFormation's names, as written under `Properties` before the stack's
    /// tags and property overrides are applied.
    var properties: [String: Value] { get }
    /// Whether the type takes CloudFormation `Tags` (a list of `Key`/`Value`): the stack's tags are
    /// then added. False unless the type says so.
    var takesTags: Bool { get }
    /// The resource's logical ID.
    var id: LogicalID { get }
    /// Resources that must exist before this one, beyond those its values refer to.
    var dependsOn: [LogicalID] { get set }
    /// checkov checks that do not apply to this resource.
    var suppressions: [Suppression] { get set }
    /// A short name of the kind of resource, used in validation messages (`Subnet`, `LambdaFunction`).
    static var kind: String { get }
    /// Every property value that may hold a reference, parameter or condition, in declaration
    /// order (see ResourceValues.swift).
    var values: [Value] { get }
}

extension Resource {
    public var takesTags: Bool { false }

    /// A typed handle on this resource.
    public var reference: Reference<Self> { Reference(id: id) }
    /// The resource's primary identifier (`Ref`).
    public var ref: Value { .ref(id) }
    /// One of its attributes (`Fn::GetAtt`).
    public func attribute(_ attribute: Attribute) -> Value { .attribute(id, attribute) }

    /// Adds explicit dependencies.
    public func dependsOn(_ others: any Resource...) -> Self {
        var copy = self
        copy.dependsOn += others.map(\.id)
        return copy
    }

    /// Marks a checkov check as not applicable here, with the reason.
    public func suppress(_ check: String, because reason: String) -> Self {
        var copy = self
        copy.suppressions.append(Suppression(check, reason))
        return copy
    }

    /// Every logical ID this resource refers to through its values or `dependsOn`, found by walking
    /// its stored properties.
    public var referencedIDs: [LogicalID] {
        var found: [LogicalID] = []
        forEachValue { found += $0.references }
        return found + dependsOn
    }

    /// Every reference in the resource's values with the `ifCondition` guarding it, if any.
    public var guardedReferences: [(id: LogicalID, guard: LogicalID?)] { facts.guardedReferences }

    /// What the resource's values refer to and read, from one walk of its stored properties.
    public var facts: ValueFacts {
        var facts = ValueFacts()
        forEachValue { value in
            value.walk { node, condition in
                switch node {
                case .ref(let id), .attribute(let id, _): facts.guardedReferences.append((id, condition))
                case .parameter(let name): facts.parameters.append(name)
                case .ifCondition(let tested, _, _): facts.conditions.append(tested)
                default: break
                }
            }
        }
        facts.guardedReferences += dependsOn.map { ($0, nil) }
        return facts
    }

    /// Calls `visit` with every value of the resource (its `values`).
    func forEachValue(_ visit: (Value) -> Void) {
        values.forEach(visit)
    }

    /// The resource's values found by reflection over its stored properties: the reference that
    /// each type's `values` list is tested against.
    public var reflectedValues: [Value] {
        var found: [Value] = []
        func walk(_ subject: Any) {
            switch subject {
            case let value as Value: found.append(value)
            case is String, is Int, is Bool, is Double, is LogicalID, is [String], is [String: String], is [Suppression], is [LogicalID]:
                return
            case let values as [Value]: found += values
            case let fields as [String: Value]: found += fields.keys.sorted().map { fields[$0]! }
            case let document as PolicyDocument: found += document.values
            case let documents as [String: PolicyDocument]: found += documents.keys.sorted().flatMap { documents[$0]!.values }
            default:
                for child in Mirror(reflecting: subject).children {
                    if child.label == "id" || child.label == "dependsOn" || child.label == "suppressions" { continue }
                    walk(child.value)
                }
            }
        }
        walk(self)
        return found
    }
}

/// What a resource's values refer to and read.
public struct ValueFacts: Sendable {
    /// Every reference, with the `ifCondition` guarding it (nil when none), then `dependsOn`.
    public var guardedReferences: [(id: LogicalID, guard: LogicalID?)] = []
    /// Stack parameters read.
    public var parameters: [LogicalID] = []
    /// Stack conditions tested.
    public var conditions: [LogicalID] = []

    /// Every logical ID referred to, in order (with `dependsOn` last).
    public var referencedIDs: [LogicalID] { guardedReferences.map(\.id) }
}

/// A stack output: a named value printed after deploy.
public struct Output: Sendable {
    /// The output's logical name, for example `ApiUrl`.
    public var name: String
    /// What it is, for people.
    public var description: String
    /// The value, usually built from references.
    public var value: Value
    /// The stack condition under which the output exists, or nil for always.
    public var condition: LogicalID?

    public init(_ name: String, _ description: String, _ value: Value, condition: LogicalID? = nil) {
        self.name = name
        self.description = description
        self.value = value
        self.condition = condition
    }
}
