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
/// Concrete types (`Vpc`, `Subnet`, `LambdaFunction`, …) hold typed fields; renderers translate each
/// type into their own vocabulary. `Value` fields may hold references to other resources.
public protocol Resource: Sendable {
    /// The resource's logical ID.
    var id: LogicalID { get }
    /// Resources that must exist before this one, beyond those its values refer to.
    var dependsOn: [LogicalID] { get set }
    /// checkov checks that do not apply to this resource.
    var suppressions: [Suppression] { get set }
    /// A short name of the kind of resource, used in validation messages (`Subnet`, `LambdaFunction`).
    static var kind: String { get }
}

extension Resource {
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
    public var guardedReferences: [(id: LogicalID, guard: LogicalID?)] {
        var found: [(id: LogicalID, guard: LogicalID?)] = []
        forEachValue { found += $0.guardedReferences() }
        return found + dependsOn.map { ($0, nil) }
    }

    /// Stack parameters and conditions this resource's values read.
    public var parametersAndConditions: (parameters: [LogicalID], conditions: [LogicalID]) {
        var parameters: [LogicalID] = []
        var conditions: [LogicalID] = []
        forEachValue {
            parameters += $0.parameters
            conditions += $0.conditions
        }
        return (parameters, conditions)
    }

    /// Calls `visit` with every top-level `Value` among the resource's stored properties.
    func forEachValue(_ visit: (Value) -> Void) {
        func walk(_ subject: Any) {
            if let value = subject as? Value {
                visit(value)
                return
            }
            // Leaves hold no references; skipping them avoids most of the cost of reflection.
            if subject is String || subject is Int || subject is Bool || subject is Double { return }
            for child in Mirror(reflecting: subject).children {
                if child.label == "id" || child.label == "dependsOn" { continue }
                walk(child.value)
            }
        }
        walk(self)
    }
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
