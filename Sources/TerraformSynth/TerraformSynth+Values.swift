import StackModel

// Model values as HCL expressions: references, parameters, conditions, pseudo parameters, joins.
extension Translator {
    /// A model value as an expression. Inside policy documents (`inPolicy`), a log group's ARN gets
    /// CloudFormation's `:*` suffix back (Terraform's `arn` attribute lacks it, and IAM needs it to
    /// cover the group's streams), and literals that name the region or the TGI registry account
    /// become expressions.
    ///
    /// Conditions: a parameter is its variable (a flag as `tostring(var.paused)`, the string
    /// CloudFormation's parameter holds); `ifCondition` is `local.running ? … : …`; a reference to a
    /// resource with `count` is `aws_x.y[0].attr` from a resource under the same condition, else
    /// `one(aws_x.y[*].attr)`, which is null rather than an error while the resource does not exist
    /// (inside `ifCondition` on its condition, or an output's `local.running ? … : null`).
    func value(_ value: Value, inPolicy: Bool = false) -> HCLExpression {
        switch value {
        case .string(let text): return inPolicy ? bindings.bind(text) : .string(text)
        case .int(let number): return .number(Double(number))
        case .double(let number): return .number(number)
        case .bool(let flag): return .bool(flag)
        case .list(let items): return .list(items.map { self.value($0, inPolicy: inPolicy) })
        case .object(let fields):
            return .object(fields.keys.sorted().map { HCLObjectItem($0, self.value(fields[$0]!, inPolicy: inPolicy)) })
        case .orderedObject(let fields):
            return .object(fields.map { HCLObjectItem($0.key, self.value($0.value, inPolicy: inPolicy)) })
        case .ref(let id):
            guard let resource = book.resources[id] else { return .string(id.rawValue) }
            return reference(id, TerraformNames.refAttribute(resource))
        case .attribute(let id, let attribute):
            guard let resource = book.resources[id] else { return .string(id.rawValue) }
            let expression = reference(id, TerraformNames.attribute(attribute))
            if inPolicy, attribute == .arn, let suffix = Self.translation(for: resource)?.arnSuffixInPolicies {
                return .template([.interpolation(expression), .literal(suffix)])
            }
            return expression
        case .pseudo(let parameter): return Self.pseudo(parameter)
        case .availabilityZone(let index):
            return .index(.traversal("data.aws_availability_zones.available.names"), .number(Double(index)))
        case .document(let inner): return .call("jsonencode", [self.value(inner, inPolicy: true)])
        case .parameter(let name): return parameter(name)
        case .ifCondition(let condition, let whenTrue, let whenFalse):
            return .conditional(Self.condition(condition), self.value(whenTrue, inPolicy: inPolicy),
                                self.value(whenFalse, inPolicy: inPolicy))
        case .join(let parts):
            var pieces: [HCLTemplatePart] = []
            for part in parts {
                switch part {
                case .string(let text):
                    if case .template(let bound) = bindings.bind(text) { pieces += bound } else { pieces.append(.literal(text)) }
                case .int(let number): pieces.append(.literal(String(number)))
                default:
                    let inner = self.value(part, inPolicy: inPolicy)
                    if case .template(let nested) = inner { pieces += nested } else { pieces.append(.interpolation(inner)) }
                }
            }
            return Self.template(pieces)
        }
    }

    /// An attribute of the Terraform resource a model resource became, indexed when it has `count`:
    /// `[0]` under the same condition as the referrer, else `one(…[*].attr)`.
    func reference(_ id: LogicalID, _ attribute: String) -> HCLExpression {
        guard let address = book.primary[id] else { return .string(id.rawValue) }
        return reference(address, attribute, condition: stack.conditionByResource[id])
    }

    /// An attribute of a Terraform resource that exists under `condition` (nil: always).
    func reference(_ address: TerraformAddress, _ attribute: String, condition: LogicalID?) -> HCLExpression {
        guard let condition else { return .reference(address.description, attribute) }
        if condition == scope { return .getAttribute(.index(.traversal(address.description), .number(0)), attribute) }
        return .call("one", [.splat(.traversal(address.description), attribute)])
    }

    /// A stack parameter: `var.expires_at`, or a flag as the string CloudFormation holds (`tostring(var.paused)`).
    func parameter(_ name: LogicalID) -> HCLExpression {
        let variable = HCLExpression.variable(TerraformNames.snakeCase(name.rawValue))
        if case .flag? = stack.parameters.first(where: { $0.name == name })?.kind { return .call("tostring", [variable]) }
        return variable
    }

    /// A stack condition: its local (`local.running`).
    static func condition(_ name: LogicalID) -> HCLExpression { .local(TerraformNames.snakeCase(name.rawValue)) }

    /// `count` for a resource under a condition: `local.running ? 1 : 0`.
    static func count(_ condition: LogicalID) -> HCLExpression { .conditional(Self.condition(condition), .number(1), .number(0)) }

    /// A template with adjacent literals merged; a plain string when nothing is interpolated.
    static func template(_ pieces: [HCLTemplatePart]) -> HCLExpression {
        var merged: [HCLTemplatePart] = []
        for piece in pieces {
            if case .literal(let text) = piece, case .literal(let before)? = merged.last {
                merged[merged.count - 1] = .literal(before + text)
            } else if case .literal("") = piece {
                continue
            } else {
                merged.append(piece)
            }
        }
        if merged.allSatisfy({ if case .literal = $0 { true } else { false } }) {
            return .string(merged.map { if case .literal(let text) = $0 { text } else { "" } }.joined())
        }
        return .template(merged)
    }

    static func pseudo(_ parameter: PseudoParameter) -> HCLExpression {
        switch parameter {
        case .region: .traversal("data.aws_region.current.name")
        case .accountID: .traversal("data.aws_caller_identity.current.account_id")
        case .partition: .traversal("data.aws_partition.current.partition")
        case .urlSuffix: .traversal("data.aws_partition.current.dns_suffix")
        case .stackName: .variable("stack_name")
        case .stackID: .template([.literal("arn:"), .interpolation(.traversal("data.aws_partition.current.partition")), .literal(":cloudformation:"),
                                  .interpolation(.traversal("data.aws_region.current.name")), .literal(":"),
                                  .interpolation(.traversal("data.aws_caller_identity.current.account_id")), .literal(":stack/"),
                                  .interpolation(.variable("stack_name")), .literal("/*")])
        }
    }

    func ids(_ values: [Value]) -> HCLExpression { .list(values.map { value($0) }) }

    /// `depends_on` for the model's explicit dependencies: every Terraform resource each one became.
    func dependsOn(_ resource: any Resource) -> [HCLBodyItem] {
        guard !resource.dependsOn.isEmpty else { return [] }
        return [.attribute("depends_on", .list(resource.dependsOn.flatMap { book.all($0) }.map { .traversal($0.description) }))]
    }

    /// The checkov skips, one comment line each.
    static func skips(_ resource: any Resource) -> [HCLBodyItem] {
        resource.suppressions.map { .comment("checkov:skip=\($0.check):\($0.reason)") }
    }
}
