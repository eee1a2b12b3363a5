import Foundation

import StackModel

/// A stack translated to a CloudFormation template, and its text.
public struct CloudFormationTemplate: Sendable {
    /// The template as a JSON tree.
    public var document: OrderedJSON
    /// The template text: deterministic, 2-space indent, trailing newline.
    public var text: String
    /// The file name it is written as: `<stack>.template.json`.
    public var fileName: String

    /// Bytes of the text as UTF-8.
    public var byteCount: Int { text.utf8.count }

    /// The template without whitespace, as deploy sends it.
    public var compactText: String { document.compact() }
}

/// Why a stack cannot be written as a CloudFormation template.
public enum CloudFormationSynthError: Error, CustomStringConvertible, Equatable {
    /// The inlined Lambda code is over CloudFormation's limit.
    case inlineCodeTooLong(function: String, characters: Int, limit: Int)
    /// A property override's path goes through something that is not an object.
    case badOverride(kind: String, id: String, path: String, problem: String)

    public var description: String {
        switch self {
        case .inlineCodeTooLong(let function, let characters, let limit):
            "LambdaFunction '\(function)': property 'Code.ZipFile' is \(characters) characters after dropping blank and comment lines; slmstack inlines at most \(limit) so the template stays under CreateStack's 51,200-byte limit: shorten templates/lambda/handler.py"
        case .badOverride(let kind, let id, let path, let problem):
            "\(kind) '\(id)': property override '\(path)': \(problem)"
        }
    }
}

/// The CloudFormation renderer: `Stack` → JSON tree → text.
///
/// 1. `translate` writes each resource's CloudFormation type and properties (which the resource
///    declares as values), values to
///    intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Select`/`Fn::GetAZs`), checkov
///    suppressions to `Metadata.checkov.skip`, and the stack's tags to each taggable resource.
/// 2. `OrderedJSON.rendered()` writes the tree with a fixed key order and indent.
public enum CloudFormationSynth {
    /// CreateStack's limit on an inline `TemplateBody`, in bytes.
    public static let templateBodyLimit = 51_200

    /// Translates and renders a stack.
    ///
    /// - Throws: `CloudFormationSynthError` when the inlined code is too long or a property
    ///   override does not fit.
    public static func synthesize(_ stack: Stack) throws -> CloudFormationTemplate {
        let document = try translate(stack)
        return CloudFormationTemplate(document: document, text: document.rendered(), fileName: "\(stack.name).template.json")
    }

    /// Stage 1: the stack as a CloudFormation JSON tree, sections in the usual order.
    public static func translate(_ stack: Stack) throws -> OrderedJSON {
        let tags = OrderedJSON.array(stack.tags.sorted { $0.key < $1.key }.map {
            .object([("Key", .string($0.key)), ("Value", .string($0.value))])
        })
        var resources: [(String, OrderedJSON)] = []
        for resource in stack.resources {
            resources.append((resource.id.rawValue, try translate(resource, tags: tags, condition: stack.conditionByResource[resource.id],
                                                                   deletionPolicy: stack.deletionPolicies[resource.id],
                                                                   overrides: stack.propertyOverrides[resource.id] ?? [])))
        }
        let outputs = stack.outputs.map { output in
            var fields: [(String, OrderedJSON)] = [("Description", .string(output.description)), ("Value", value(output.value))]
            if let condition = output.condition { fields.append(("Condition", .string(condition.rawValue))) }
            return (output.name, OrderedJSON.object(fields))
        }
        var sections: [(String, OrderedJSON)] = [
            ("AWSTemplateFormatVersion", .string("2010-09-09")),
            ("Description", .string(stack.description)),
        ]
        if !stack.parameters.isEmpty {
            sections.append(("Parameters", .object(stack.parameters.map { ($0.name.rawValue, parameter($0)) })))
        }
        if !stack.conditions.isEmpty {
            sections.append(("Conditions", .object(stack.conditions.map { condition in
                (condition.name.rawValue, .object([("Fn::Equals", .array([
                    .object([("Ref", .string(condition.flag.rawValue))]), .string(condition.holdsWhen ? "true" : "false"),
                ]))]))
            })))
        }
        sections.append(("Resources", .object(resources)))
        if !outputs.isEmpty { sections.append(("Outputs", .object(outputs))) }
        return .object(sections)
    }

    /// A parameter: `Type` String with its allowed values or pattern.
    static func parameter(_ parameter: Parameter) -> OrderedJSON {
        var fields: [(String, OrderedJSON)] = [("Type", .string("String")), ("Description", .string(parameter.description))]
        switch parameter.kind {
        case .flag(let value):
            fields += [("AllowedValues", .array([.string("false"), .string("true")])), ("Default", .string(value ? "true" : "false"))]
        case .text(let pattern, let example):
            fields += [("AllowedPattern", .string(pattern)), ("ConstraintDescription", .string("for example \(example)"))]
        }
        return .object(fields)
    }

    /// One resource: `Type`, `Condition`, `Properties`, `DependsOn`, `DeletionPolicy` and
    /// `UpdateReplacePolicy` (always the same), `Metadata`.
    static func translate(_ resource: any Resource, tags: OrderedJSON, condition: LogicalID? = nil,
                          deletionPolicy: DeletionPolicy? = nil, overrides: [PropertyOverride] = []) throws -> OrderedJSON {
        let (type, properties, taggable) = try typeAndProperties(resource)
        var props = properties
        if taggable, case .array(let list) = tags, !list.isEmpty { props["Tags"] = tags }
        var fields: [(String, OrderedJSON)] = [("Type", .string(type))]
        if let condition { fields.append(("Condition", .string(condition.rawValue))) }
        var rendered = OrderedJSON.sorted(props)
        for override in overrides {
            rendered = try rendered.setting(override.cloudFormationKeys[...], to: override.value.map(value)) { problem in
                CloudFormationSynthError.badOverride(kind: Swift.type(of: resource).kind, id: resource.id.rawValue,
                                                     path: override.cloudFormationPath, problem: problem)
            }
        }
        fields.append(("Properties", rendered))
        if !resource.dependsOn.isEmpty {
            fields.append(("DependsOn", .array(resource.dependsOn.map { .string($0.rawValue) })))
        }
        if let deletionPolicy {
            fields += [("DeletionPolicy", .string(deletionPolicy.rawValue)), ("UpdateReplacePolicy", .string(deletionPolicy.rawValue))]
        }
        if !resource.suppressions.isEmpty {
            let skips = resource.suppressions.map { OrderedJSON.object([("id", .string($0.check)), ("comment", .string($0.reason))]) }
            fields.append(("Metadata", .object([("checkov", .object([("skip", .array(skips))]))])))
        }
        return .object(fields)
    }
}
