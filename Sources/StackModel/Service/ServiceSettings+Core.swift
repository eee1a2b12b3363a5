extension ServiceConfig {
    /// The reservations `lambda-concurrency` accepts (besides none).
    static let lambdaConcurrencyRange = SettingRange(1...1_000)

    /// The retention values CloudWatch Logs takes, in days (`log-retention-days`).
    public static let logRetentionValues = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]

    /// The service's main settings: names, model, instances, limits, API, network, logs and shim.
    static let coreSettings: [Setting] = [
        Setting(key: "stack-name", placeholder: "NAME", help: "CloudFormation stack name (letters, digits, hyphens; starts with a letter)",
                terraformType: "string", read: { $0.stackName }) { config, text throws(SettingError) in
            let valid = !text.isEmpty && text.count <= 128 && text.first!.isLetter && text.first!.isASCII
                && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
            guard valid else {
                throw SettingError(key: "stack-name", message: "'\(text)' is not a valid stack name: use 1-128 ASCII letters, digits and hyphens, starting with a letter")
            }
            config.stackName = text
        },
        Setting(key: "region", placeholder: "REGION", help: "AWS region to deploy to", terraformType: "string", read: { $0.region }) { config, text throws(SettingError) in
            config.region = text
        },
        Setting(key: "model-id", placeholder: "ID", help: "Hugging Face Hub model ID", terraformType: "string", read: { $0.modelID }) { config, text throws(SettingError) in
            guard !text.isEmpty, !text.contains(" ") else {
                throw SettingError(key: "model-id", message: "expected a Hub ID such as TinyLlama/TinyLlama-1.1B-Chat-v1.0, got '\(text)'")
            }
            config.modelID = text
        },
        Setting(key: "tgi-version", placeholder: "VERSION", help: "Hugging Face TGI version, when engine is tgi (\(EngineCatalog.versions(.tgi).joined(separator: ", ")))",
                terraformType: "string", read: { $0.tgiVersion }) { config, text throws(SettingError) in
            config.tgiVersion = text
        },
        Setting(key: "instance-type", placeholder: "TYPE", help: "SageMaker instance type", terraformType: "string", read: { $0.instanceType }) { config, text throws(SettingError) in
            config.instanceType = text
        },
        .whole("instance-count", placeholder: "N", help: "Instances behind the endpoint", range: 1...100,
                read: { String($0.instanceCount) }) { $0.instanceCount = $1 },
        .whole("max-input-tokens", placeholder: "N", help: "TGI MAX_INPUT_TOKENS: longest prompt", range: 1...1_000_000,
                read: { String($0.maxInputTokens) }) { $0.maxInputTokens = $1 },
        .whole("max-total-tokens", placeholder: "N", help: "TGI MAX_TOTAL_TOKENS: prompt plus answer", range: 2...1_000_000,
                read: { String($0.maxTotalTokens) }) { $0.maxTotalTokens = $1 },
        .whole("max-batch-prefill-tokens", placeholder: "N", help: "TGI MAX_BATCH_PREFILL_TOKENS: tokens prefilled in one batch", range: 1...10_000_000,
                read: { String($0.maxBatchPrefillTokens) }) { $0.maxBatchPrefillTokens = $1 },
        .decimal("throttle-rate", placeholder: "RPS", help: "Usage plan steady-state requests per second", range: 0.001...10_000,
                read: { format($0.throttleRate) }) { $0.throttleRate = $1 },
        .whole("throttle-burst", placeholder: "N", help: "Usage plan burst (requests)", range: 1...5_000,
                read: { String($0.throttleBurst) }) { $0.throttleBurst = $1 },
        .decimal("request-seconds", placeholder: "SECONDS", help: "Expected seconds per request, to size the throttle against the shim's concurrency: needs max(throttle-rate x this, throttle-burst) executions", range: 0.1...28,
                read: { format($0.requestSeconds) }) { $0.requestSeconds = $1 },
        Setting(key: "quota", placeholder: "N", help: "Usage plan quota: requests per quota period", terraformType: "number", read: { String($0.quotaLimit) }) { config, text throws(SettingError) in
            guard let value = Int(text), value > 0 else {
                throw SettingError(key: "quota", message: "expected a whole number greater than 0, got '\(text)'")
            }
            config.quotaLimit = value
        },
        Setting(key: "quota-period", placeholder: "DAY|WEEK|MONTH", help: "When the quota resets", terraformType: "string", read: { $0.quotaPeriod.rawValue }) { config, text throws(SettingError) in
            guard let period = QuotaPeriod(rawValue: text.uppercased()) else {
                throw SettingError(key: "quota-period", message: "expected DAY, WEEK or MONTH, got '\(text)'")
            }
            config.quotaPeriod = period
        },
        Setting(key: "stage-name", placeholder: "NAME", help: "API Gateway stage name", terraformType: "string", read: { $0.stageName }) { config, text throws(SettingError) in
            let valid = !text.isEmpty && text.count <= 128
                && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
            guard valid else {
                throw SettingError(key: "stage-name", message: "'\(text)' is not a valid stage name: use letters, digits, hyphens and underscores")
            }
            config.stageName = text
        },
        Setting(key: "vpc-cidr", placeholder: "CIDR", help: "VPC address block, /16 to /24", terraformType: "string", read: { $0.vpcCidr }) { config, text throws(SettingError) in
            config.vpcCidr = text
        },
        .whole("az-count", placeholder: "N", help: "Availability zones (2 or 3)", range: 2...3,
                read: { String($0.azCount) }) { $0.azCount = $1 },
        Setting(key: "nat-gateway", placeholder: "on|off", help: "NAT gateway for the container's downloads from the Hugging Face Hub",
                terraformType: "bool", read: { String($0.natGateway) }) { config, text throws(SettingError) in
            config.natGateway = try bool("nat-gateway", text)
        },
        Setting(key: "api-gateway-account", placeholder: "auto|on|off",
                help: "API Gateway's CloudWatch role, one setting per account and region: auto sets it only when the account has none (deploy asks API Gateway), on always sets it, off never does; a role the stack sets is kept after destroy",
                terraformType: "string", read: { $0.apiGatewayAccount.rawValue }) { config, text throws(SettingError) in
            switch text.lowercased() {
            case "auto": config.apiGatewayAccount = .auto
            case "on", "true", "yes", "1": config.apiGatewayAccount = .on
            case "off", "false", "no", "0": config.apiGatewayAccount = .off
            default: throw SettingError(key: "api-gateway-account", message: "expected auto, on or off, got '\(text)'")
            }
        },
        Setting(key: "log-retention-days", placeholder: "DAYS", help: "CloudWatch log retention in days", terraformType: "number", read: { String($0.logRetentionDays) }) { config, text throws(SettingError) in
            guard let days = Int(text), logRetentionValues.contains(days) else {
                throw SettingError(key: "log-retention-days", message: "CloudWatch takes one of \(logRetentionValues.map(String.init).joined(separator: ", ")); got '\(text)'")
            }
            config.logRetentionDays = days
        },
        .whole("lambda-memory", placeholder: "MB", help: "Lambda shim memory in MB", range: 128...10_240,
                read: { String($0.lambdaMemoryMB) }) { $0.lambdaMemoryMB = $1 },
        .whole("lambda-timeout", placeholder: "SECONDS", help: "Lambda shim timeout, below API Gateway's 29 s", range: 1...28,
                read: { String($0.lambdaTimeoutSeconds) }) { $0.lambdaTimeoutSeconds = $1 },
        Setting(key: "lambda-concurrency", placeholder: "N|none",
                help: "Executions reserved for the shim (none: it shares the account's unreserved pool; a reservation must leave the account 100 unreserved, 10 in new accounts)",
                terraformType: "number", range: lambdaConcurrencyRange, read: { $0.lambdaReservedConcurrency.map(String.init) ?? "none" }) { config, text throws(SettingError) in
            if ["none", "off", ""].contains(text.lowercased()) {
                config.lambdaReservedConcurrency = nil
                return
            }
            config.lambdaReservedConcurrency = try lambdaConcurrencyRange.int("lambda-concurrency", text)
        },
        .whole("startup-timeout", placeholder: "SECONDS", help: "Container startup health check timeout (default: the engine's, tgi \(Engine.tgi.defaultStartupTimeoutSeconds), vllm \(Engine.vllm.defaultStartupTimeoutSeconds))", range: 60...3_600,
                read: { String($0.startupHealthCheckTimeoutSeconds) }) { $0.startupHealthCheckTimeoutSeconds = $1 },
        .whole("download-timeout", placeholder: "SECONDS", help: "Model data download timeout (default: the engine's, tgi \(Engine.tgi.defaultDownloadTimeoutSeconds), vllm \(Engine.vllm.defaultDownloadTimeoutSeconds))", range: 60...3_600,
                read: { String($0.modelDownloadTimeoutSeconds) }) { $0.modelDownloadTimeoutSeconds = $1 },
        Setting(key: "log-prompts", placeholder: "true|false", help: "Let the shim log prompts and completions", terraformType: "bool", read: { String($0.logPrompts) }) { config, text throws(SettingError) in
            config.logPrompts = try bool("log-prompts", text)
        },
        Setting(key: "streaming", placeholder: "on|off",
                help: "Stream chat answers (stream: true) as server-sent events, through a second function behind the Lambda Web Adapter layer and API Gateway response streaming (CloudFormation only)",
                terraformType: "bool", read: { String($0.streaming) }) { config, text throws(SettingError) in
            config.streaming = try bool("streaming", text)
        },
        Setting(key: "tags", placeholder: "K=V,…", help: "Extra tags for every resource", terraformType: "map(string)",
                read: { current in current.tags.keys.sorted().map { "\($0)=\(current.tags[$0]!)" }.joined(separator: ",") }) { config, text throws(SettingError) in
            var tags: [String: String] = [:]
            for pair in text.split(separator: ",", omittingEmptySubsequences: true) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                // the owner key passes here so that setTags says why it is refused
                guard parts.count == 2, tagProblem(key: String(parts[0]), value: String(parts[1])) == nil || parts[0] == SLMService.ownerTagKey else {
                    throw SettingError(key: "tags", message: "'\(pair)' is not a tag: expected KEY=VALUE pairs separated by commas (keys up to 128 characters, not starting with aws:)")
                }
                tags[String(parts[0])] = String(parts[1])
            }
            try config.setTags(tags)
        },
        .decimal("budget", placeholder: "USD", help: "Monthly budget: cost exits 3 and deploy refuses above it", range: 0...10_000_000,
                read: { $0.budgetUSD.map(format) ?? "" }) { $0.budgetUSD = $1 },
        .decimal("model-params-billions", placeholder: "B", help: "For an unknown model: parameters in billions", range: 0.001...2_000,
                read: { $0.customModel.parametersBillions.map(format) ?? "" }) { $0.customModel.parametersBillions = $1 },
        .whole("model-layers", placeholder: "N", help: "For an unknown model: hidden layers", range: 1...1_000,
                read: { $0.customModel.layers.map(String.init) ?? "" }) { $0.customModel.layers = $1 },
        .whole("model-kv-heads", placeholder: "N", help: "For an unknown model: key/value heads", range: 1...1_024,
                read: { $0.customModel.kvHeads.map(String.init) ?? "" }) { $0.customModel.kvHeads = $1 },
        .whole("model-head-dim", placeholder: "N", help: "For an unknown model: head dimension", range: 1...4_096,
                read: { $0.customModel.headDim.map(String.init) ?? "" }) { $0.customModel.headDim = $1 },
        .whole("model-context", placeholder: "TOKENS", help: "For an unknown model: context window in tokens", range: 1...10_000_000,
                read: { $0.customModel.contextTokens.map(String.init) ?? "" }) { $0.customModel.contextTokens = $1 },
    ]
}
