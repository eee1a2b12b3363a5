import StackModel

// Lambda functions (and their zip packages) and permissions as Terraform resources.
extension Translator {
    /// Functions in lambda.tf; a permission with what may invoke the function.
    static let lambdaTranslations: [TerraformTranslation] = [
        TerraformTranslation(LambdaFunction.self, "aws_lambda_function", ref: "function_name", .area(.lambda)) { $0.translate($1, into: &$2) },
        TerraformTranslation(LambdaPermission.self, "aws_lambda_permission", .withInvoker) { $0.translate($1, into: &$2) },
    ]

    /// `aws_lambda_function`.
    func translate(_ r: LambdaFunction, into out: inout ResourceTranslation) {
        let package = Self.packageName(r)
        out.archives.append((package, r.package?.archive ?? ZipArchive([.init(path: Self.moduleFile(r), bytes: Array(r.code.utf8))])))
        // Without subnets the function runs outside the VPC (the idle pause function: it calls
        // AWS APIs, which from the VPC would need the NAT gateway a pause removes).
        let vpc: [HCLBodyItem] = r.subnets.isEmpty ? [] : [.block(HCLBlock("vpc_config", [], [
            .attribute("subnet_ids", ids(r.subnets)),
            .attribute("security_group_ids", ids(r.securityGroups)),
        ]))]
        let note: [HCLBodyItem] = r.environment.values.contains(.pseudo(.stackID)) ? Self.stackIDNote : []
        let layers: [HCLBodyItem] = r.layers.isEmpty ? [] : [.attribute("layers", .list(r.layers.map { value($0) }))]
        // A reservation from lambda-concurrency follows its variable (null: none reserved, the default).
        let reserved = bindings.marked(r.$reservedConcurrency, r.reservedConcurrency.map { HCLExpression.number(Double($0)) } ?? .traversal("null"))
        out.add(out.address.type, out.skips + note + [
            .attribute("function_name", .call("substr", [Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))]), .number(0), .number(64)])),
            .attribute("description", .string(r.description)),
            .attribute("filename", .template([.interpolation(.traversal("path.module")), .literal("/\(package)")])),
            .attribute("source_code_hash", .call("filebase64sha256", [.template([.interpolation(.traversal("path.module")), .literal("/\(package)")])])),
            .attribute("handler", .string(r.handler)),
            .attribute("runtime", .string(r.runtime)),
            .attribute("role", value(r.role)),
            .attribute("memory_size", bindings.marked(r.$memoryMB)),
            .attribute("timeout", bindings.marked(r.$timeoutSeconds)),
            .attribute("reserved_concurrent_executions", reserved),
        ] + layers + [
            .block(HCLBlock("environment", [], [
                .attribute("variables", .object(r.environment.keys.sorted().map { key in
                    if case .string(let text) = r.environment[key]! { HCLObjectItem(key, bindings.environment(key, text, setting: r.environmentSettings[key])) } else { HCLObjectItem(key, value(r.environment[key]!)) }
                })),
            ])),
        ] + vpc + [
            .block(HCLBlock("logging_config", [], [
                .attribute("log_format", .string("Text")),
                .attribute("log_group", value(r.logGroup)),
            ])),
        ] + (r.tracing ? [.block(HCLBlock("tracing_config", [], [.attribute("mode", .string("Active"))]))] : []) + out.depends)
    }

    /// `aws_lambda_permission`.
    func translate(_ r: LambdaPermission, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("action", .string("lambda:InvokeFunction")),
            .attribute("function_name", functionName(r.function)),
            .attribute("principal", .string(r.principal)),
            .attribute("source_arn", value(r.sourceArn)),
        ] + out.depends)
    }

    /// The zip file of a function: its logical ID without `Function`, in kebab case (`shim.zip`).
    static func packageName(_ function: LambdaFunction) -> String {
        var stem = function.id.rawValue
        if stem.hasSuffix("Function"), stem.count > "Function".count { stem.removeLast("Function".count) }
        return TerraformNames.kebabCase(stem) + ".zip"
    }

    /// The file in the zip: the handler's module (`index.handler` → `index.py`).
    static func moduleFile(_ function: LambdaFunction) -> String {
        let module = function.handler.split(separator: ".").dropLast().joined(separator: "/")
        return (module.isEmpty ? "index" : module) + ".py"
    }

    /// A permission's function: by name when the model gives a function's ARN (Terraform's
    /// `function_name` takes either; the name keeps the ARN out of the request path).
    func functionName(_ function: Value) -> HCLExpression {
        if case .attribute(let id, .arn) = function, book.resources[id] is LambdaFunction, let address = book.primary[id] {
            return .reference(address.description, "function_name")
        }
        return value(function)
    }

    /// The note on a function that reads the CloudFormation stack's ID (the idle pause function).
    static let stackIDNote: [HCLBodyItem] = [
        .comment(" Terraform: this function pauses a CloudFormation stack (a parameter-only update with Paused=true);"),
        .comment(" a Terraform deployment has none, so its call fails and is logged, and the idle alarm only notifies"),
        .comment(" the topic. Pause with `terraform apply -var paused=true`."),
    ]
}
