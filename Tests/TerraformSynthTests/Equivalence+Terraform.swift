import CloudFormationSynth
import Foundation
import StackModel
@testable import TerraformSynth

// The Terraform side of the equivalence check: a module's values as facts (Equivalence.swift compares them).

// MARK: - Terraform side

/// Evaluates the HCL tree to facts: variables take their defaults, locals are evaluated, functions
/// the renderer uses in properties are computed, references become `resource(id, attribute)`.
struct TerraformFacts {
    let module: TerraformModule
    /// Terraform address → the model's logical ID.
    let ids: [TerraformAddress: String]
    var variables: [String: HCLExpression] = [:]
    var locals: [String: HCLExpression] = [:]
    /// Variables that are stack parameters, by variable name: they stay parameters, not defaults.
    let parameters: [String: String]
    /// Locals that are stack conditions, by local name.
    let conditions: [String: String]

    /// The renderer-neutral attribute of a Terraform attribute.
    static let attributes: [String: String] = [
        "id": "id", "arn": "arn", "name": "name", "function_name": "name", "stage_name": "name", "public_ip": "publicIp",
        "key_id": "keyId", "allocation_id": "allocationId", "root_resource_id": "rootResourceId", "cidr_block": "cidr",
        "alarm_name": "name",
        // A scalable target's resource ID is what its CloudFormation Ref names the target by.
        "resource_id": "id",
    ]

    init(_ module: TerraformModule, stack: Stack) {
        self.module = module
        var ids: [TerraformAddress: String] = [:]
        for resource in stack.resources {
            if let type = TerraformNames.primaryType(resource) {
                ids[TerraformAddress(type, TerraformNames.resourceName(resource))] = resource.id.rawValue
            }
        }
        self.ids = ids
        parameters = Dictionary(uniqueKeysWithValues: stack.parameters.map { (TerraformNames.snakeCase($0.name.rawValue), $0.name.rawValue) })
        conditions = Dictionary(uniqueKeysWithValues: stack.conditions.map { (TerraformNames.snakeCase($0.name.rawValue), $0.name.rawValue) })
        for block in module.blocks {
            if block.type == "variable", let name = block.labels.first, let value = block.attribute("default") { variables[name] = value }
            if block.type == "locals" {
                for case .attribute(let name, let value) in block.body { locals[name] = value }
            }
        }
    }

    func fact(_ expression: HCLExpression) -> Fact {
        switch expression {
        case .string(let text): return .text(text)
        case .number(let number): return .number(number)
        case .bool(let flag): return .bool(flag)
        case .list(let items): return .list(items.map(fact))
        case .object(let items): return .object(Dictionary(items.map { ($0.key, fact($0.value)) }, uniquingKeysWith: { _, last in last }))
        case .raw(let text):
            // `var.name - n`, the only arithmetic outside conditions (SAGEMAKER_TIMEOUT)
            let words = text.split(separator: " ")
            if words.count == 3, words[1] == "-", words[0].hasPrefix("var."), let n = Double(words[2]),
               case .number(let base) = traversal(String(words[0])) {
                return .number(base - n)
            }
            return .opaque(text)
        case .template(let parts):
            return Fact.joined(parts.map { part in
                switch part {
                case .literal(let text): .text(text)
                case .interpolation(let inner): fact(inner)
                }
            })
        case .traversal(let path): return traversal(path)
        case .index(.traversal("data.aws_availability_zones.available.names"), .number(let index)): return .zone(Int(index))
        case .index(let base, let key):
            if case .object(let fields) = fact(base), case .text(let name) = fact(key), let value = fields[name] { return value }
            return .opaque("index")
        case .getAttribute(.index(.traversal(let address), .number(0)), let name):
            // `aws_x.y[0].attr`: the one instance of a resource with `count`.
            return traversal("\(address).\(name)")
        case .getAttribute(let base, let name):
            if case .object(let fields) = fact(base), let value = fields[name] { return value }
            return .opaque("attribute \(name)")
        case .splat(let base, let name):
            return .opaque("splat \(HCLRenderer.render(base, indent: 0)).\(name)")
        case .conditional(.traversal(let path), let whenTrue, let whenFalse) where path.hasPrefix("local.") && conditions[String(path.dropFirst(6))] != nil:
            return .ifCondition(conditions[String(path.dropFirst(6))]!, fact(whenTrue), fact(whenFalse))
        case .conditional, .not:
            return .opaque(HCLRenderer.render(expression, indent: 0))
        case .binary(let op, let left, let right):
            if op == "*", case .number(let a) = fact(left), case .number(let b) = fact(right) { return .number(a * b) }
            return .opaque(HCLRenderer.render(expression, indent: 0))
        case .call(let name, let arguments):
            let values = arguments.map(fact)
            switch (name, values.first) {
            case ("one", _):
                // `one(aws_x.y[*].attr)`: the instance's attribute, or null without one.
                if case .splat(.traversal(let address), let attribute)? = arguments.first { return traversal("\(address).\(attribute)") }
                return .opaque(name)
            case ("jsonencode", let value?): return value
            case ("tostring", .number(let number)?): return .text(Fact.number(number).description)
            case ("tostring", .bool(let flag)?): return .text(String(flag))
            case ("tostring", let value?): return value
            case ("max", _):
                let numbers = values.compactMap { if case .number(let number) = $0 { number } else { nil } }
                return numbers.count == values.count && !numbers.isEmpty ? .number(numbers.max()!) : .opaque(name)
            case ("merge", _):
                var merged: [String: Fact] = [:]
                for case .object(let fields) in values { merged.merge(fields) { _, new in new } }
                return .object(merged)
            case ("lower", .text(let text)?): return .text(text.lowercased())
            case ("substr", .text(let text)?):
                // substr(text, offset, length): Terraform counts characters and clamps the length.
                guard case .number(let offset) = values[1], case .number(let length) = values[2] else { return .opaque(name) }
                return .text(String(text.dropFirst(Int(offset)).prefix(Int(length))))
            case ("cidrsubnet", .text(let prefix)?):
                guard case .number(let bits) = values[1], case .number(let index) = values[2],
                      let block = try? CIDRBlock(parsing: prefix),
                      let subnet = block.subnet(prefix: block.prefix + Int(bits), index: Int(index)) else { return .opaque("cidrsubnet") }
                return .text(subnet.description)
            default: return .opaque(name)
            }
        }
    }

    func traversal(_ path: String) -> Fact {
        let parts = path.split(separator: ".").map(String.init)
        switch parts[0] {
        case "var":
            if let parameter = parameters[parts[1]] { return .parameter(parameter) }
            return variables[parts[1]].map(fact) ?? .opaque(path)
        case "local":
            guard let value = locals[parts[1]] else { return .opaque(path) }
            var result = fact(value)
            for name in parts.dropFirst(2) {
                guard case .object(let fields) = result, let next = fields[name] else { return .opaque(path) }
                result = next
            }
            return result
        case "data":
            switch path {
            case "data.aws_region.current.name": return .pseudo("AWS::Region")
            case "data.aws_caller_identity.current.account_id": return .pseudo("AWS::AccountId")
            case "data.aws_partition.current.partition": return .pseudo("AWS::Partition")
            case "data.aws_partition.current.dns_suffix": return .pseudo("AWS::URLSuffix")
            default: return .opaque(path)
            }
        default:
            guard parts.count == 3, let id = ids[TerraformAddress(parts[0], parts[1])] else { return .opaque(path) }
            return .resource(id, Self.attributes[parts[2]] ?? parts[2])
        }
    }

    func block(_ address: TerraformAddress) -> HCLBlock? { module.resource(address) }

    /// The value at a path of a resource: nested block names, then an attribute, then object keys.
    func property(_ address: TerraformAddress, _ path: String) -> Fact? {
        guard var node = block(address) else { return nil }
        var segments = path.split(separator: ".").map(String.init)[...]
        while let segment = segments.first {
            segments = segments.dropFirst()
            if let value = node.attribute(segment) {
                var result = fact(value)
                for key in segments {
                    guard case .object(let fields) = result, let next = fields[key] else { return nil }
                    result = next
                }
                return result
            }
            guard let child = node.blocks(segment).first else { return nil }
            node = child
        }
        return nil
    }
}

extension TerraformFacts {
    /// The condition of `count = local.<condition> ? 1 : 0`, or of an output's test.
    func countCondition(_ expression: HCLExpression) -> Fact {
        switch expression {
        case .conditional(let test, .number(1), .number(0)): return countCondition(test)
        case .traversal(let path) where path.hasPrefix("local."):
            return conditions[String(path.dropFirst(6))].map(Fact.text) ?? .opaque(path)
        default: return .opaque("count")
        }
    }

    /// A variable as `{flag, default}` or `{pattern}`.
    func parameterDefinition(_ block: HCLBlock) -> Fact {
        switch (block.attribute("type"), block.attribute("default")) {
        case (.traversal("bool")?, .bool(let value)?):
            return .object(["kind": .text("flag"), "default": .bool(value)])
        case (.traversal("string")?, nil):
            let condition = block.blocks("validation").first?.attribute("condition")
            guard case .call("can", let can)? = condition, case .call("regex", let regex)? = can.first,
                  case .string(let pattern) = regex[0], regex[1] == .traversal("var.\(block.labels[0])") else { return .opaque("validation") }
            return .object(["kind": .text("text"), "pattern": .text(pattern)])
        default: return .opaque("variable")
        }
    }

    /// A condition local as `{flag, holdsWhen}`: `!var.flag` holds when the flag is false.
    func conditionDefinition(_ expression: HCLExpression) -> Fact {
        switch expression {
        case .not(.traversal(let path)): if case .parameter(let flag) = traversal(path) { return .object(["flag": .parameter(flag), "holdsWhen": .text("false")]) }
        case .traversal(let path): if case .parameter(let flag) = traversal(path) { return .object(["flag": .parameter(flag), "holdsWhen": .text("true")]) }
        default: break
        }
        return .opaque("local")
    }
}
