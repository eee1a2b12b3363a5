import CloudFormationSynth
import Foundation
import StackModel
@testable import TerraformSynth

// The CloudFormation side of the equivalence check: a template's values as facts (Equivalence.swift compares them).

// MARK: - CloudFormation side

/// The renderer-neutral attribute a CloudFormation `Ref` gives, by resource type.
let cloudFormationRef: [String: String] = [
    "AWS::EC2::EIP": "publicIp", "AWS::IAM::Role": "name", "AWS::Logs::LogGroup": "name", "AWS::KMS::Key": "keyId",
    "AWS::SageMaker::Model": "arn", "AWS::SageMaker::EndpointConfig": "arn", "AWS::SageMaker::Endpoint": "arn",
    "AWS::Lambda::Function": "name", "AWS::ApiGateway::Stage": "name", "AWS::SNS::Topic": "arn", "AWS::SNS::Subscription": "arn",
    "AWS::CloudWatch::Alarm": "name", "AWS::Scheduler::Schedule": "name", "AWS::SQS::Queue": "id", "AWS::ApplicationAutoScaling::ScalingPolicy": "arn",
]

/// The renderer-neutral attribute of `Fn::GetAtt`.
let cloudFormationAttributes: [String: String] = [
    "Arn": "arn", "GroupId": "id", "AllocationId": "allocationId", "RootResourceId": "rootResourceId",
    "EndpointName": "name", "ModelName": "name", "EndpointConfigName": "name", "CidrBlock": "cidr",
]

struct CloudFormationFacts {
    let template: OrderedJSON
    /// The stack name `AWS::StackName` resolves to: Terraform's `var.stack_name` defaults to it.
    let stackName: String
    var types: [String: String] = [:]
    var parameters: Set<String> = []

    init(_ template: OrderedJSON, stackName: String) {
        self.template = template
        self.stackName = stackName
        if case .object(let resources)? = template["Resources"] {
            for (id, resource) in resources { if case .string(let type)? = resource["Type"] { types[id] = type } }
        }
        if case .object(let parameters)? = template["Parameters"] { self.parameters = Set(parameters.map(\.0)) }
    }

    /// `AWS::StackId` as Terraform writes it: the ARN of any stack of this name (Terraform has no
    /// stack, so no unique ID).
    var stackIDPattern: Fact {
        Fact.joined([.text("arn:"), .pseudo("AWS::Partition"), .text(":cloudformation:"), .pseudo("AWS::Region"), .text(":"),
                     .pseudo("AWS::AccountId"), .text(":stack/\(stackName)/*")])
    }

    func reference(_ name: String) -> Fact {
        if name == "AWS::StackName" { return .text(stackName) }
        if name == "AWS::StackId" { return stackIDPattern }
        if parameters.contains(name) { return .parameter(name) }
        if name.hasPrefix("AWS::") { return .pseudo(name) }
        return .resource(name, cloudFormationRef[types[name] ?? ""] ?? "id")
    }

    func attribute(_ id: String, _ attribute: String) -> Fact {
        let base = Fact.resource(id, cloudFormationAttributes[attribute] ?? attribute)
        // A log group's CloudFormation ARN ends in ":*".
        if types[id] == "AWS::Logs::LogGroup" && attribute == "Arn" { return .join([base, .text(":*")]) }
        return base
    }

    func fact(_ json: OrderedJSON) -> Fact {
        switch json {
        case .string(let text): return .text(text)
        case .int(let number): return .number(Double(number))
        case .double(let number): return .number(number)
        case .bool(let flag): return .bool(flag)
        case .null: return .opaque("null")
        case .array(let items): return .list(items.map(fact))
        case .object(let fields):
            if fields.count == 1 {
                let (key, value) = fields[0]
                switch (key, value) {
                case ("Ref", .string(let name)): return reference(name)
                case ("Fn::GetAtt", .array(let parts)):
                    if case .string(let id) = parts[0], case .string(let attribute) = parts[1] { return self.attribute(id, attribute) }
                case ("Fn::Sub", .string(let text)): return substitution(text)
                case ("Fn::Join", .array(let parts)):
                    if case .array(let items) = parts[1] { return Fact.joined(items.map(fact)) }
                case ("Fn::Select", .array(let parts)):
                    if case .int(let index) = parts[0] { return .zone(index) }
                case ("Fn::If", .array(let parts)):
                    if parts.count == 3, case .string(let condition) = parts[0] { return .ifCondition(condition, fact(parts[1]), fact(parts[2])) }
                default: break
                }
            }
            return .object(Dictionary(uniqueKeysWithValues: fields.map { ($0.0, fact($0.1)) }))
        }
    }

    /// `Fn::Sub` text as a join: `${X}` → Ref, `${X.Attr}` → GetAtt, `${!X}` → the literal `${X}`.
    func substitution(_ text: String) -> Fact {
        var parts: [Fact] = []
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            parts.append(.text(String(rest[..<open.lowerBound])))
            rest = rest[open.upperBound...]
            guard let close = rest.firstIndex(of: "}") else { break }
            let name = String(rest[..<close])
            rest = rest[rest.index(after: close)...]
            if name.hasPrefix("!") {
                parts.append(.text("${" + name.dropFirst() + "}"))
            } else if let dot = name.firstIndex(of: "."), !name.hasPrefix("AWS::") {
                parts.append(attribute(String(name[..<dot]), String(name[name.index(after: dot)...])))
            } else {
                parts.append(reference(name))
            }
        }
        parts.append(.text(String(rest)))
        return Fact.joined(parts)
    }

    /// The value at a dotted path of a resource's properties (`ProductionVariants.0.InstanceType`).
    func property(_ id: String, _ path: String) -> Fact? {
        var node = template["Resources"]?[id]?["Properties"]
        for segment in path.split(separator: ".") {
            guard let current = node else { return nil }
            if let index = Int(segment), case .array(let items) = current {
                node = index < items.count ? items[index] : nil
            } else {
                node = current[String(segment)]
            }
        }
        return node.map(fact)
    }
}

extension CloudFormationFacts {
    /// A parameter as `{flag, default}` or `{pattern}`.
    func parameterDefinition(_ parameter: OrderedJSON) -> Fact {
        if case .array(let allowed)? = parameter["AllowedValues"], allowed == [.string("false"), .string("true")] {
            return .object(["kind": .text("flag"), "default": .bool(parameter["Default"] == .string("true"))])
        }
        if case .string(let pattern)? = parameter["AllowedPattern"], parameter["Default"] == nil {
            return .object(["kind": .text("text"), "pattern": .text(pattern)])
        }
        return .opaque("parameter \(parameter)")
    }

    /// A condition as `{flag, holdsWhen}`.
    func conditionDefinition(_ condition: OrderedJSON) -> Fact {
        guard case .array(let parts)? = condition["Fn::Equals"], parts.count == 2, case .string(let value) = parts[1],
              case .parameter(let flag) = fact(parts[0]) else { return .opaque("condition") }
        return .object(["flag": .parameter(flag), "holdsWhen": .text(value)])
    }
}
