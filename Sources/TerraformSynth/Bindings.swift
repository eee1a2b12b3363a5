import StackModel

/// How `ServiceConfig` shows through in the Terraform output: which property values come from a
/// setting (and so render as `var.<setting>`), the variables with their validation, the catalog
/// tables as `locals`, and the cross-variable checks as preconditions.
///
/// A property renders as a variable where the model marks it as a setting's (`FromSetting`); a value
/// changed by hand loses its mark, so it keeps its literal and the output never lies about it.
struct Bindings {
    let config: ServiceConfig
    /// Marked values that disagree with the configuration, found while translating (see `marked`).
    let disagreements = Disagreements()

    /// A marked value whose setting says otherwise in the configuration the module is written from.
    final class Disagreements {
        var found: [String] = []
    }

    /// Settings that are not Terraform variables: they change which resources exist (az-count,
    /// nat-gateway, api-gateway-account, ttl, idle-pause, alarms), the container's environment keys
    /// (engine), or only describe a model outside the catalog. `ttl` is the expiry schedule's existence; its time is the `expires_at` variable.
    static let notVariables: Set<String> = ["az-count", "nat-gateway", "api-gateway-account", "model-params-billions", "model-layers",
                                            "model-kv-heads", "model-head-dim", "model-context", "ttl", "idle-pause", "alarms", "streaming",
                                            "engine",
                                            // scaling zero has no Terraform form (no inference component resource)
                                            "scaling", "idle-timeout", "awake-hours-per-day", "models",
                                            // weights and its revision decide the resources and the model data URI
                                            "weights", "weights-revision"]

    /// Whether a setting's variable has a property to set in this configuration: idle-hours only
    /// with the idle alarm (0 removes it), alarm-email only with the subscription, the autoscaling
    /// settings only with autoscaling (min-instances only when given: without it the minimum is
    /// `instance_count`).
    func applies(_ key: String) -> Bool {
        switch key {
        case "idle-hours": config.hasAlarmTopic && config.idleHours > 0
        case "alarm-email": config.hasAlarmTopic && config.alarmEmail != nil
        case "max-instances", "scaling-target": config.autoscaling != nil
        case "min-instances": config.autoscaling != nil && config.minInstances != nil
        // each engine's own settings only with that engine (the other's would be unused variables)
        case "tgi-version", "max-batch-prefill-tokens": config.engine == .tgi
        case "vllm-version", "gpu-memory-utilization": config.engine == .vllm
        default: !Self.notVariables.contains(key)
        }
    }

    static let bytesPerGiB = 1_073_741_824.0

    // MARK: Property values

    func read(_ key: String) -> String { ServiceConfig.setting(key)!.read(config) }

    /// `var.<setting>` where the model marks the value as a setting's (`FromSetting`) and that
    /// setting has a variable in this configuration (`applies`), else `literal`.
    ///
    /// The variable's default is the configuration's value, so a marked value must be the
    /// configuration's: one that is not (a stack built from another configuration) is recorded in
    /// `disagreements`, which `Translator.module()` refuses, rather than written as a variable whose
    /// default would say otherwise.
    func marked<T>(_ field: FromSetting<T>, _ literal: HCLExpression) -> HCLExpression {
        guard let key = field.setting, let setting = ServiceConfig.setting(key), applies(key) else { return literal }
        let configured = setting.read(config)
        if let text = Self.text(field.value), !(text == configured || (setting.terraformType == "number" && Double(text) != nil && Double(text) == Double(configured))) {
            disagreements.found.append("its value \(text) is marked as setting \(key), which is \(configured.isEmpty ? "unset" : configured) in the configuration")
            return literal
        }
        return .variable(TerraformNames.variable(key))
    }

    /// A marked value as the setting's text (`Setting.read`), or nil for a type without one.
    static func text(_ value: Any) -> String? {
        switch value {
        case let text as String: text
        case let number as Int: String(number)
        case let number as Double: HCLRenderer.formatNumber(number)
        case let number as Int?: number.map(String.init) ?? "none"
        case let choice as any RawRepresentable<String>: choice.rawValue
        default: nil
        }
    }

    /// A marked text: its variable, or the text.
    func marked(_ field: FromSetting<String>) -> HCLExpression { marked(field, .string(field.value)) }

    /// A marked whole number: its variable, or the number.
    func marked(_ field: FromSetting<Int>) -> HCLExpression { marked(field, .number(Double(field.value))) }

    /// A marked number: its variable, or the number.
    func marked(_ field: FromSetting<Double>) -> HCLExpression { marked(field, .number(field.value)) }

    /// The idle alarm's description with its hours as `${var.idle_hours}`, when the model marks them
    /// as the setting's.
    func idleDescription(_ alarm: MetricAlarm) -> HCLExpression {
        guard case .traversal = marked(alarm.$evaluationPeriods), let range = alarm.description.range(of: " \(alarm.evaluationPeriods) h") else {
            return .string(alarm.description)
        }
        return Translator.template([.literal(String(alarm.description[..<range.lowerBound]) + " "),
                                    .interpolation(.variable(TerraformNames.variable("idle-hours"))),
                                    .literal(" h" + alarm.description[range.upperBound...])])
    }

    /// A latency alarm's threshold, 80% of the SageMaker timeout in microseconds, following
    /// `var.lambda_timeout` as SAGEMAKER_TIMEOUT does.
    func alarmThreshold(_ alarm: MetricAlarm) -> HCLExpression {
        let timeout = SLMService.sageMakerTimeout(lambdaTimeout: config.lambdaTimeoutSeconds)
        guard alarm.namespace == "AWS/SageMaker", alarm.metricName == "ModelLatency", alarm.threshold == Double(timeout * 800_000) else {
            return .number(alarm.threshold)
        }
        return .binary("*", .call("max", [.number(1), .raw("var.\(TerraformNames.variable("lambda-timeout")) - 3")]), .number(800_000))
    }

    /// A display text with the stack's name, as a word of its own, as `${var.stack_name}`.
    func withStackName(_ text: String) -> HCLExpression {
        let word = " \(config.stackName) "
        guard let range = text.range(of: word) else { return .string(text) }
        return Translator.template([.literal(String(text[..<range.lowerBound]) + " "), .interpolation(.variable("stack_name")),
                                    .literal(" " + text[range.upperBound...])])
    }

    /// A subnet's block as `cidrsubnet(var.vpc_cidr, 4, i)` when it is the i-th /+4 block of its VPC
    /// and the model marks the VPC's block as `vpc-cidr`.
    func subnetCIDR(_ cidr: String, in vpc: Vpc?) -> HCLExpression {
        guard let vpc, case .traversal(let variable) = marked(vpc.$cidr), let block = try? CIDRBlock(parsing: vpc.cidr) else { return .string(cidr) }
        let newBits = min(block.prefix + 4, 28) - block.prefix
        for index in 0..<(1 << newBits) where block.subnet(prefix: block.prefix + newBits, index: index)?.description == cidr {
            return .call("cidrsubnet", [.traversal(variable), .number(Double(newBits)), .number(Double(index))])
        }
        return .string(cidr)
    }

    /// The prefix of the engine's catalog locals: `tgi_image`, `vllm_image_tags`, ...
    var enginePrefix: String { config.engine.rawValue }

    /// The engine's image from the catalog tables when it is the configured region's and version's.
    func image(_ image: String) -> HCLExpression {
        image == EngineCatalog.imageURI(config.engine, region: config.region, version: config.engineVersion)
            ? .local("\(enginePrefix)_image") : .string(image)
    }

    /// The host AMI from the catalog tables when it is the configured version's.
    func inferenceAMI(_ version: String) -> HCLExpression {
        version == config.inferenceAMI?.version ? .local("inference_ami_version") : .string(version)
    }

    /// A container or function environment value: the variable of the setting the model marks it
    /// as coming from (`environmentSettings`), an expression for what the configuration derives
    /// (GPUs per instance, the SageMaker timeout, the endpoint's name), else the literal.
    func environment(_ key: String, _ text: String, setting: String?) -> HCLExpression {
        if case .traversal(let variable) = marked(FromSetting(text, setting: setting), .string(text)) {
            let type = setting.flatMap(ServiceConfig.setting)?.terraformType
            return type == "string" ? .traversal(variable) : .call("tostring", [.traversal(variable)])
        }
        if key == "SM_NUM_GPUS" || key == "SM_VLLM_TENSOR_PARALLEL_SIZE", InstanceCatalog.types[config.instanceType] != nil,
           text == String(config.gpusPerInstance) {
            return .call("tostring", [.getAttribute(.local("instance"), "gpu_count")])
        }
        if key == "SAGEMAKER_TIMEOUT", text == String(SLMService.sageMakerTimeout(lambdaTimeout: config.lambdaTimeoutSeconds)) {
            return .call("tostring", [.call("max", [.number(1), .raw("var.\(TerraformNames.variable("lambda-timeout")) - 3")])])
        }
        if key == "ENDPOINT_NAME", text == config.endpointName {
            return .template(Self.endpointNameParts)
        }
        return .string(text)
    }

    /// Literals in policies and ARNs that the configuration decided: the region in a service
    /// principal (`logs.us-east-1.amazonaws.com`), the TGI registry account in the ECR ARN, and the
    /// stack's name as a whole value (the owner tag in a condition).
    func bind(_ text: String) -> HCLExpression {
        if text == config.stackName { return .variable("stack_name") }
        var needles: [(String, [HCLTemplatePart])] = [
            (".\(config.region).amazonaws.com", [.literal("."), .interpolation(.variable("region")), .literal(".amazonaws.com")]),
            (config.endpointName, Self.endpointNameParts),
        ]
        if let account = RegionCatalog.registryAccounts[config.engine]?[config.region] {
            needles.append((":\(account):repository/", [.literal(":"), .interpolation(.local("\(enginePrefix)_registry_account")), .literal(":repository/")]))
        }
        var parts: [HCLTemplatePart] = []
        var rest = Substring(text)
        search: while !rest.isEmpty {
            for (needle, replacement) in needles {
                if let range = rest.range(of: needle) {
                    parts.append(.literal(String(rest[..<range.lowerBound])))
                    parts += replacement
                    rest = rest[range.upperBound...]
                    continue search
                }
            }
            parts.append(.literal(String(rest)))
            break
        }
        return Translator.template(parts)
    }

    /// The endpoint's fixed name (`ServiceConfig.endpointName`) from `var.stack_name`, the same rule.
    static let endpointNameParts: [HCLTemplatePart] = [
        .interpolation(.call("lower", [.call("substr", [.variable("stack_name"), .number(0), .number(54)])])), .literal("-endpoint"),
    ]

    /// The endpoint's fixed name as an expression when it is the configuration's, else the literal.
    func endpointName(_ name: String) -> HCLExpression {
        name == config.endpointName ? .template(Self.endpointNameParts) : .string(name)
    }

    /// The provider's default tags: the user's tags (a variable) plus the owner tag.
    func tags(_ tags: [String: String]) -> HCLExpression {
        var expected = config.tags
        expected[SLMService.ownerTagKey] = config.stackName
        if tags == expected {
            return .call("merge", [.variable("tags"), .object([HCLObjectItem(SLMService.ownerTagKey, .variable("stack_name"))])])
        }
        return .object(tags.keys.sorted().map { HCLObjectItem($0, .string(tags[$0]!)) })
    }

    // MARK: Variables

    /// One `variable` block per setting that sets a property, in the settings' order.
    func variables() -> [HCLBlock] {
        ServiceConfig.settings.filter { applies($0.key) }.map { setting in
            let name = TerraformNames.variable(setting.key)
            var body: [HCLBodyItem] = [
                .attribute("description", .string(setting.help)),
                .attribute("type", .traversal(setting.terraformType)),
                .attribute("default", defaultValue(setting)),
            ]
            for (condition, message) in validations(setting.key, range: setting.range, variable: "var.\(name)") {
                body.append(.block(HCLBlock("validation", [], [
                    .attribute("condition", condition),
                    .attribute("error_message", .string(message)),
                ])))
            }
            return HCLBlock("variable", [name], body)
        }
    }

    func defaultValue(_ setting: Setting) -> HCLExpression {
        let text = setting.read(config)
        switch setting.terraformType {
        // A number setting that is unset (lambda-concurrency none) is null: the provider's default.
        case "number": return Double(text).map { .number($0) } ?? .traversal("null")
        case "bool": return .bool(text == "true")
        case "map(string)": return .object(config.tags.keys.sorted().map { HCLObjectItem($0, .string(config.tags[$0]!)) })
        default: return .string(text)
        }
    }

    /// The variable's own checks, mirroring `Setting.apply` and `ServiceConfig.validate()`; a numeric
    /// setting's bounds come from its `range`, the one its parsing uses.
    func validations(_ key: String, range: SettingRange?, variable v: String) -> [(HCLExpression, String)] {
        func oneOf(_ values: [String], _ message: String) -> [(HCLExpression, String)] {
            [(.call("contains", [.list(values.map(HCLExpression.string)), .traversal(v)]), message)]
        }
        if key == "idle-hours", let range {  // 0 removes the alarm (and so the variable): the variable starts at 1
            let high = HCLRenderer.formatNumber(range.upperBound)
            return [(.raw("\(v) >= 1 && \(v) <= \(high) && floor(\(v)) == \(v)"),
                     "Expected a whole number from 1 to \(high) (0 removes the idle alarm: synthesize again with slmstack synth --idle-hours 0).")]
        }
        if let range {
            let low = HCLRenderer.formatNumber(range.lowerBound), high = HCLRenderer.formatNumber(range.upperBound), whole = range.whole
            let condition = "\(v) >= \(low) && \(v) <= \(high)" + (whole ? " && floor(\(v)) == \(v)" : "")
            if key == "lambda-concurrency" {  // null: nothing reserved
                return [(.raw("\(v) == null ? true : \(condition)"), "Expected null (nothing reserved) or a whole number from \(low) to \(high).")]
            }
            return [(.raw(condition), "Expected a \(whole ? "whole number" : "number") from \(low) to \(high).")]
        }
        switch key {
        case "stack-name":
            return [(.raw(#"can(regex("^[A-Za-z][A-Za-z0-9-]{0,127}$", \#(v)))"#),
                     "Use 1-128 ASCII letters, digits and hyphens, starting with a letter.")]
        case "region":
            let regions = RegionCatalog.regions(for: config.engine)
            return oneOf(regions, "Unknown region: the \(config.engine.shortName) image is published in \(regions.joined(separator: ", ")).")
        case "model-id":
            let ids = modelTable().map(\.id)
            return oneOf(ids, "Unknown model: use one of \(ids.joined(separator: ", ")), or synthesize again with slmstack synth --model-id ID and the --model-* size flags.")
        case "tgi-version", "vllm-version":
            let engine: Engine = key == "tgi-version" ? .tgi : .vllm
            let all = EngineCatalog.versions(engine), versions = TerraformSynth.offeredVersions(engine)
            let left = all.filter { !versions.contains($0) }
            let why = left.isEmpty ? "" : " (\(left.joined(separator: ", ")): its host AMI is not a value the hashicorp/aws provider accepts; deploy it with CloudFormation)"
            return oneOf(versions, "Unknown \(engine.shortName) version: use one of \(versions.joined(separator: ", "))\(why).")
        case "instance-type":
            return oneOf(Self.gpuTypes.map(\.name), "Unknown or unsuitable instance type: the \(config.engine.shortName) GPU image needs an NVIDIA GPU type such as ml.g5.xlarge (ml.g5.*, ml.g4dn.*, ml.g6.*, ml.g6e.*, ml.p4d.24xlarge).")
        case "quota":
            return [(.raw("\(v) > 0 && floor(\(v)) == \(v)"), "Expected a whole number greater than 0.")]
        case "quota-period":
            return oneOf(QuotaPeriod.allCases.map(\.rawValue), "Expected DAY, WEEK or MONTH.")
        case "stage-name":
            return [(.raw(#"can(regex("^[A-Za-z0-9_-]{1,128}$", \#(v)))"#), "Use 1-128 letters, digits, hyphens and underscores.")]
        case "vpc-cidr":
            return [(.raw(#"try(cidrhost(\#(v), 0) == split("/", \#(v))[0] && contains(range(16, 25), tonumber(split("/", \#(v))[1])), false)"#),
                     "Expected a network address a.b.c.d/n with n from 16 to 24 (no host bits set), so each subnet gets at least 16 addresses.")]
        case "log-retention-days":
            return [(.call("contains", [.list(ServiceConfig.logRetentionValues.map { .number(Double($0)) }), .traversal(v)]),
                     "CloudWatch takes one of \(ServiceConfig.logRetentionValues.map(String.init).joined(separator: ", ")).")]
        case "alarm-email":
            return [(.raw(#"can(regex("^[^@ ]+@[^@ ]*[.][^@ ]*$", \#(v))) && length(\#(v)) <= 254"#),
                     "Expected an e-mail address such as name@example.com.")]
        case "tags":
            return [(.raw(#"alltrue([for key, value in \#(v) : length(key) > 0 && length(key) <= 128 && length(value) <= 256 && !startswith(key, "aws:")])"#),
                     "Tag keys need 1-128 characters and must not start with aws:; values take up to 256 characters."),
                    (.raw(#"!contains(keys(\#(v)), "\#(SLMService.ownerTagKey)")"#),
                     "The tag \(SLMService.ownerTagKey) is reserved: it is set to var.stack_name; use another key.")]
        default:
            return []
        }
    }

    // MARK: Catalogs and preconditions

    static var gpuTypes: [InstanceType] {
        InstanceCatalog.names.compactMap { InstanceCatalog.types[$0] }.filter { $0.accelerator == .nvidia }
    }

    /// The catalog's models, plus the configured one when it is outside the catalog and sized by hand.
    func modelTable() -> [ModelSpec] {
        var models = ModelCatalog.models.keys.sorted().map { ModelCatalog.models[$0]! }
        if ModelCatalog.models[config.modelID] == nil, let custom = config.modelSpec { models.append(custom) }
        return models
    }

    /// Throttle rate at most the burst, and a shim reservation that can serve them
    /// (`ServiceConfig.shimConcurrencyNeeded`), on the usage plan.
    static let throttlePreconditions: [(String, HCLExpression)] = [
        ("var.throttle_rate <= var.throttle_burst",
         .string("throttle_rate is above throttle_burst: raise throttle_burst or lower throttle_rate.")),
        ("var.lambda_concurrency == null ? true : var.lambda_concurrency >= max(ceil(var.throttle_rate * var.request_seconds), var.throttle_burst)",
         .string("lambda_concurrency cannot serve the usage plan, which needs max(ceil(throttle_rate x request_seconds), throttle_burst) executions (Lambda's throttles reach callers as 5xx): raise lambda_concurrency or set it to null, or lower throttle_rate and throttle_burst.")),
    ]
}
