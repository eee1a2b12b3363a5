/// A value chosen per deployment rather than at synth time: CloudFormation `Parameters`,
/// Terraform `variable`s.
///
/// slmstack uses two: `Paused` (a switch that removes the billable parts) and `ExpiresAt` (when the
/// stack deletes itself). Changing one is a parameter-only update of the same template.
public struct Parameter: Sendable, Hashable {
    /// What kind of value the parameter holds.
    public enum Kind: Sendable, Hashable {
        /// "true" or "false" in CloudFormation; a `bool` in Terraform.
        case flag(default: Bool)
        /// A string matching `pattern` (a regular expression both renderers write as given), no default.
        case text(pattern: String, example: String)
    }

    /// The parameter's name, for example `Paused`.
    public var name: LogicalID
    /// What it means, for people.
    public var description: String
    /// Its kind and constraint.
    public var kind: Kind

    public init(_ name: LogicalID, _ description: String, _ kind: Kind) {
        self.name = name
        self.description = description
        self.kind = kind
    }

    /// The parameter as a value.
    public var value: Value { .parameter(name) }
}

/// A named condition over parameters: resources marked with it exist only when it holds.
public struct StackCondition: Sendable, Hashable {
    /// The condition's name, for example `Running`.
    public var name: LogicalID
    /// The flag parameter it reads.
    public var flag: LogicalID
    /// The condition holds when the flag has this value.
    public var holdsWhen: Bool

    /// A condition that holds when the flag parameter `flag` is `holdsWhen`.
    public init(_ name: LogicalID, whenFlag flag: LogicalID, is holdsWhen: Bool) {
        self.name = name
        self.flag = flag
        self.holdsWhen = holdsWhen
    }

    /// Whether the condition holds for these flag values (missing flags take their defaults).
    public func holds(flags: [LogicalID: Bool]) -> Bool { (flags[flag] ?? false) == holdsWhen }
}

/// A group of resources and outputs that exist only while `condition` holds, like CloudFormation's
/// `Condition` on each of them, or Terraform's `count`.
public struct Conditional: Construct {
    public var condition: StackCondition
    public var content: StackContent

    public init(_ condition: StackCondition, @StackBuilder _ content: () -> StackContent) {
        self.condition = condition
        self.content = content()
    }

    public var body: StackContent {
        var marked = content
        for resource in marked.resources where marked.conditionByResource[resource.id] == nil {
            marked.conditionByResource[resource.id] = condition.name
        }
        for index in marked.outputs.indices where marked.outputs[index].condition == nil {
            marked.outputs[index].condition = condition.name
        }
        marked.conditions.append(condition)
        return marked
    }
}
