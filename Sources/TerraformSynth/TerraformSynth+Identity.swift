import StackModel

// Roles (and their inline policies), KMS keys and log groups as Terraform resources.
extension Translator {
    /// Roles and log groups go with their first user; keys to network.tf.
    static let identityTranslations: [TerraformTranslation] = [
        TerraformTranslation(Role.self, "aws_iam_role", ref: "name", .withFirstUser, companions: { role, address in
            role.policies.keys.sorted().map { TerraformAddress("aws_iam_role_policy", policyName(address.name, $0)) }
        }) { $0.translate($1, into: &$2) },
        TerraformTranslation(KmsKey.self, "aws_kms_key", ref: "key_id", .area(.network)) { $0.translate($1, into: &$2) },
        TerraformTranslation(LogGroup.self, "aws_cloudwatch_log_group", ref: "name", .withFirstUser, arnSuffixInPolicies: ":*") { $0.translate($1, into: &$2) },
    ]

    /// `aws_iam_role`, and one `aws_iam_role_policy` per inline policy.
    func translate(_ r: Role, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("description", .string(r.description)),
            .attribute("assume_role_policy", value(.document(r.trust.value))),
        ] + out.depends)
        for name in r.policies.keys.sorted() {
            guard let policy = Self.withoutStackStatements(r.policies[name]!) else { continue }
            out.add("aws_iam_role_policy", name: Self.policyName(out.address.name, name), [
                .attribute("name", .string(name)),
                .attribute("role", own("name", of: out)),
                .attribute("policy", value(.document(policy.value))),
            ])
        }
    }

    /// `aws_kms_key`.
    func translate(_ r: KmsKey, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("description", .string(r.description)),
            .attribute("enable_key_rotation", .bool(true)),
            .attribute("deletion_window_in_days", .number(Double(r.pendingWindowDays))),
            .attribute("policy", value(.document(r.policy.value))),
        ] + out.depends)
    }

    /// `aws_cloudwatch_log_group`.
    func translate(_ r: LogGroup, into out: inout ResourceTranslation) {
        var body = out.skips
        if let name = r.name { body.append(.attribute("name", value(name))) }
        body.append(.attribute("retention_in_days", bindings.marked(r.$retentionDays)))
        if let key = r.kmsKey { body.append(.attribute("kms_key_id", value(key))) }
        out.add(out.address.type, body + out.depends)
    }

    /// The Terraform name of a role's inline policy: the role's name and the policy's in snake_case.
    static func policyName(_ roleName: String, _ policy: String) -> String {
        "\(roleName)_\(TerraformNames.snakeCase(policy.replacingOccurrences(of: "-", with: "_")))"
    }

    /// A policy without the statements only a CloudFormation stack uses: those on the stack's own
    /// ID (Terraform has no stack; `AWS::StackId` would become a pattern of every stack of that name)
    /// and those allowed only through CloudFormation (`aws:CalledVia`), so a Terraform role grants
    /// nothing its calls do not use. Nil when nothing is left.
    static func withoutStackStatements(_ policy: PolicyDocument) -> PolicyDocument? {
        let kept = policy.statements.filter { statement in
            statement.resources != [.pseudo(.stackID)]
                && !statement.conditions.values.contains { $0["aws:CalledVia"] == ["cloudformation.amazonaws.com"] }
        }
        return kept.isEmpty ? nil : PolicyDocument(kept)
    }
}
