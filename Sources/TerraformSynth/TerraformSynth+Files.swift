import StackModel

// The files around the resources: versions, providers (and data sources), variables, outputs.
extension Translator {
    /// The one checkov skip with no model resource behind it: the zone list is Terraform's form of
    /// CloudFormation's `Fn::GetAZs`, which checkov does not check.
    static let zonesSkips: [HCLBodyItem] = [
        .comment("checkov:skip=CKV_AWS_394:subnets take the region's first zones by index, as Fn::GetAZs does in the CloudFormation template; zone names differ per account, so they cannot be pinned at synth time"),
    ]

    func versionsFile(_ header: [String]) -> HCLFile {
        HCLFile(name: "versions.tf", header: header, blocks: [
            HCLBlock("terraform", [], [
                .attribute("required_version", .string(">= 1.5")),
                .block(HCLBlock("required_providers", [], [
                    .attribute("aws", .object([
                        HCLObjectItem("source", .string("hashicorp/aws")),
                        HCLObjectItem("version", .string("~> 5.0")),
                    ])),
                ])),
            ]),
        ])
    }

    /// The provider with the stack's tags as `default_tags`, and the data sources the other files use.
    func providersFile(_ header: [String], using areaBlocks: [Area: [HCLBlock]]) -> HCLFile {
        var blocks = [HCLBlock("provider", ["aws"], [
            .attribute("region", .variable("region")),
            .blankLine,
            .block(HCLBlock("default_tags", [], [.attribute("tags", bindings.tags(stack.tags))])),
        ])]
        var used = Set<String>()
        func collect(_ path: String) {
            if path.hasPrefix("data.") { used.insert(path.split(separator: ".").prefix(3).joined(separator: ".")) }
        }
        for blocks in areaBlocks.values { for block in blocks { block.forEachTraversal(collect) } }
        for output in stack.outputs { value(output.value).forEachTraversal(collect) }
        let sources: [(String, [HCLBodyItem])] = [
            ("data.aws_availability_zones.available", Self.zonesSkips + [
                .attribute("state", .string("available")),
                .block(HCLBlock("filter", [], [
                    .attribute("name", .string("opt-in-status")),
                    .attribute("values", .list([.string("opt-in-not-required")])),
                ])),
            ]),
            ("data.aws_caller_identity.current", []),
            ("data.aws_partition.current", []),
            ("data.aws_region.current", []),
        ]
        for (path, body) in sources where used.contains(path) {
            let parts = path.split(separator: ".").map(String.init)
            blocks.append(HCLBlock("data", [parts[1], parts[2]], body))
        }
        return HCLFile(name: "providers.tf", header: header, blocks: blocks)
    }

    func variablesFile(_ header: [String], usedBy users: [HCLBlock]) -> HCLFile {
        HCLFile(name: "variables.tf", header: header + [
            "",
            "First the deploy-time parameters of the CloudFormation template (paused, and expires_at with a",
            "ttl), then one variable per slmstack setting that sets a property; defaults are the synthesized",
            "values. Not variables: az-count, nat-gateway and api-gateway-account change which resources",
            "exist, so they stay choices made at synth time (run `slmstack synth --az-count 3 --nat-gateway",
            "off --format terraform`; --api-gateway-account off leaves out API Gateway's CloudWatch role, one",
            "setting per account and region, for when another stack already set it), as do ttl (whether",
            "there is an expiry schedule), idle-pause, alarms, idle-hours 0, alarm-email (whether there is a",
            "subscription) and max-instances (whether there is autoscaling); the model-size settings for a",
            "model outside the catalog only feed local.models in sagemaker.tf.",
        ], blocks: stack.parameters.map(parameterVariable) + Self.used(bindings.variables(), by: users + conditionLocals()) + conditionLocals())
    }

    /// The setting variables something refers to: a resource, a local, an output, a provider, or
    /// the validation of another variable kept. A stack emits only the variables it uses (a setting
    /// that sets nothing here, such as `budget`, is not a variable).
    static func used(_ variables: [HCLBlock], by users: [HCLBlock]) -> [HCLBlock] {
        func names(in blocks: [HCLBlock]) -> Set<String> {
            var found = Set<String>()
            for block in blocks {
                block.forEachTraversal { path in
                    let parts = path.split(separator: ".", maxSplits: 2)
                    if parts.count > 1, parts[0] == "var" { found.insert(String(parts[1])) }
                }
            }
            return found
        }
        var wanted = names(in: users)
        while true {
            let kept = variables.filter { wanted.contains($0.labels.first ?? "") }
            let more = wanted.union(names(in: kept))
            if more == wanted { return kept }
            wanted = more
        }
    }

    /// A stack parameter as a variable: a flag as a `bool`, a text as a `string` with its pattern as a
    /// validation and no default.
    func parameterVariable(_ parameter: Parameter) -> HCLBlock {
        let name = TerraformNames.snakeCase(parameter.name.rawValue)
        var body: [HCLBodyItem] = Self.parameterNotes[parameter.name] ?? []
        body.append(.attribute("description", .string(parameter.description)))
        switch parameter.kind {
        case .flag(let value):
            body += [.attribute("type", .traversal("bool")), .attribute("default", .bool(value))]
        case .text(let pattern, let example):
            body += [.attribute("type", .traversal("string")), .block(HCLBlock("validation", [], [
                .attribute("condition", .call("can", [.call("regex", [.string(pattern), .variable(name)])])),
                .attribute("error_message", .string("Expected a value matching \(pattern), for example \(example).")),
            ]))]
        }
        return HCLBlock("variable", [name], body)
    }

    /// How the parameters slmstack knows are used with Terraform, where slmstack's own commands
    /// (which drive CloudFormation) do not set them.
    static let parameterNotes: [LogicalID: [HCLBodyItem]] = [
        "Paused": [.comment(" Terraform: terraform apply -var paused=true removes what the CloudFormation condition Running removes.")],
        "ExpiresAt": [
            .comment(" Terraform: required with a ttl, for example -var expires_at=$(date -u -d +4hours +%Y-%m-%dT%H:%M:%S)."),
            .comment(" At that time the SageMaker endpoint is deleted (its billing stops); terraform destroy removes the rest."),
        ],
    ]

    /// The stack conditions as locals: `running = !var.paused`.
    func conditionLocals() -> [HCLBlock] {
        guard !stack.conditions.isEmpty else { return [] }
        return [HCLBlock("locals", [], stack.conditions.map { condition in
            let flag = HCLExpression.variable(TerraformNames.snakeCase(condition.flag.rawValue))
            return .attribute(TerraformNames.snakeCase(condition.name.rawValue), condition.holdsWhen ? flag : .not(flag))
        })]
    }

    /// The same outputs as the CloudFormation template, in snake_case (`ApiUrl` → `api_url`); an
    /// output under a condition is null while the condition does not hold.
    func outputsFile(_ header: [String]) -> HCLFile {
        HCLFile(name: "outputs.tf", header: header, blocks: stack.outputs.map { output in
            var scoped = self
            scoped.scope = nil
            var expression = scoped.value(output.value)
            if let condition = output.condition {
                expression = .conditional(Self.condition(condition), expression, .traversal("null"))
            }
            return HCLBlock("output", [TerraformNames.snakeCase(output.name)], [
                .attribute("description", .string(output.description)),
                .attribute("value", expression),
            ])
        })
    }
}
