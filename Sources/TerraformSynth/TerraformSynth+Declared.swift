import StackModel

// Declared resources (`DeclaredResource`, `RawResource`) and property overrides in Terraform.
extension Translator {
    /// A declared resource's own Terraform declaration: arguments in key order, then its blocks.
    func translate(_ r: any DeclaredResource, into out: inout ResourceTranslation) throws {
        guard let declaration = r.terraform else {
            throw TerraformSynthError.noEquivalent(kind: type(of: r).kind, id: r.id.rawValue,
                reason: "\(r.cloudFormationType) has no Terraform translation: give it one (terraform: TerraformDeclaration(type: \"aws_…\", …)) or synthesize --format cloudformation")
        }
        var body = out.skips
        body += declaration.arguments.keys.sorted().map { HCLBodyItem.attribute($0, value(declaration.arguments[$0]!)) }
        body += declaration.blocks.map { block in
            .block(HCLBlock(block.name, [], block.arguments.keys.sorted().map { .attribute($0, value(block.arguments[$0]!)) }))
        }
        out.add(declaration.type, body + out.depends)
    }

    /// The resource's Terraform resources with its property overrides applied to the first one:
    /// each override at its `terraformPath` (an argument, or `block.argument` inside a nested
    /// block); an override without one refuses, naming the resource and the path.
    func applyOverrides(_ overrides: [PropertyOverride], of resource: any Resource, to translated: [TerraformResource]) throws -> [TerraformResource] {
        guard !overrides.isEmpty, var first = translated.first else { return translated }
        let kind = type(of: resource).kind
        for override in overrides {
            guard let keys = override.terraformKeys, !keys.isEmpty else {
                throw TerraformSynthError.noEquivalent(kind: kind, id: resource.id.rawValue,
                    reason: "property override '\(override.cloudFormationPath)' has no Terraform path: pass terraformPath: \"argument\" to override(...) or synthesize --format cloudformation")
            }
            first.body = try Self.setting(first.body, keys[...], to: override.value.map { value($0) }) { problem in
                TerraformSynthError.noEquivalent(kind: kind, id: resource.id.rawValue,
                                                 reason: "property override '\(override.terraformPath!)': \(problem)")
            }
        }
        return [first] + translated.dropFirst()
    }

    /// `body` with the argument at `keys` (blocks by name on the way) set, added at the end of the
    /// body before `depends_on`, or removed when `expression` is nil.
    static func setting(_ body: [HCLBodyItem], _ keys: ArraySlice<String>, to expression: HCLExpression?,
                        failure: (String) -> any Error) throws -> [HCLBodyItem] {
        var body = body
        let key = keys.first!
        if keys.count == 1 {
            let existing = body.firstIndex { if case .attribute(let name, _) = $0 { name == key } else { false } }
            switch (existing, expression) {
            case (let index?, let expression?): body[index] = .attribute(key, expression)
            case (let index?, nil): body.remove(at: index)
            case (nil, let expression?):
                let at = body.firstIndex { if case .attribute("depends_on", _) = $0 { true } else { false } } ?? body.endIndex
                body.insert(.attribute(key, expression), at: at)
            case (nil, nil): break
            }
            return body
        }
        guard let index = body.firstIndex(where: { if case .block(let block) = $0 { block.type == key } else { false } }),
              case .block(var block) = body[index] else {
            throw failure("no nested block '\(key)' to go into: override the whole argument instead")
        }
        block.body = try setting(block.body, keys.dropFirst(), to: expression, failure: failure)
        body[index] = .block(block)
        return body
    }
}
