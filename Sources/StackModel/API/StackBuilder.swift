/// What a stack body is made of: resources and outputs, flattened in the order written.
public struct StackContent: Sendable {
    public var resources: [any Resource] = []
    public var outputs: [Output] = []
    /// Deploy-time parameters, in the order written.
    public var parameters: [Parameter] = []
    /// Conditions used by `Conditional` groups.
    public var conditions: [StackCondition] = []
    /// The condition each conditional resource exists under.
    public var conditionByResource: [LogicalID: LogicalID] = [:]

    public init(resources: [any Resource] = [], outputs: [Output] = [], parameters: [Parameter] = []) {
        self.resources = resources
        self.outputs = outputs
        self.parameters = parameters
    }

    mutating func append(_ other: StackContent) {
        resources += other.resources
        outputs += other.outputs
        parameters += other.parameters
        conditions += other.conditions
        conditionByResource.merge(other.conditionByResource) { first, _ in first }
    }
}

/// A reusable group of resources and outputs built from parameters, like a CDK construct.
public protocol Construct {
    /// The resources and outputs this construct adds to a stack.
    @StackBuilder var body: StackContent { get }
}

/// The result builder of the stack DSL.
///
/// Each statement in a `Stack { … }` body is a resource, an output, a construct, or a group of
/// them; `if`, `if/else` and `for` work as in SwiftUI.
@resultBuilder
public enum StackBuilder {
    /// Turns a resource into content.
    public static func buildExpression(_ resource: any Resource) -> StackContent {
        StackContent(resources: [resource])
    }

    /// Turns an output into content.
    public static func buildExpression(_ output: Output) -> StackContent {
        StackContent(outputs: [output])
    }

    /// Turns a deploy-time parameter into content.
    public static func buildExpression(_ parameter: Parameter) -> StackContent {
        StackContent(parameters: [parameter])
    }

    /// Turns a construct into its content.
    public static func buildExpression(_ construct: some Construct) -> StackContent {
        construct.body
    }

    /// Passes content through (nested groups).
    public static func buildExpression(_ content: StackContent) -> StackContent {
        content
    }

    /// Turns a list of resources into content.
    public static func buildExpression(_ resources: [any Resource]) -> StackContent {
        StackContent(resources: resources)
    }

    /// Joins the statements of a block, in order.
    public static func buildBlock(_ parts: StackContent...) -> StackContent {
        var content = StackContent()
        parts.forEach { content.append($0) }
        return content
    }

    /// Joins the iterations of a `for` loop, in order.
    public static func buildArray(_ parts: [StackContent]) -> StackContent {
        var content = StackContent()
        parts.forEach { content.append($0) }
        return content
    }

    /// The `if` branch of an `if/else`.
    public static func buildEither(first: StackContent) -> StackContent { first }

    /// The `else` branch of an `if/else`.
    public static func buildEither(second: StackContent) -> StackContent { second }

    /// An `if` without `else`: nothing when the condition is false.
    public static func buildOptional(_ content: StackContent?) -> StackContent {
        content ?? StackContent()
    }

    /// `if #available` blocks.
    public static func buildLimitedAvailability(_ content: StackContent) -> StackContent { content }
}
