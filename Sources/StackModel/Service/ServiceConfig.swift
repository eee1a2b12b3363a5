/// Every parameter of the reference service, with its default.
///
/// The same keys are the CLI flags (`--instance-type`), the config file's JSON keys
/// (`"instance-type"`) and, through `ServiceConfig.settings`, the Terraform variables.
public struct ServiceConfig: Sendable, Hashable {
    public var stackName = "slmstack"
    public var region = "us-east-1"
    public var modelID = ModelCatalog.defaultID
    public var tgiVersion = TGICatalog.defaultVersion
    public var instanceType = "ml.g5.xlarge"
    public var instanceCount = 1
    /// TGI's input and total limits: 1,536 prompt tokens (a few thousand characters) leave 512 to
    /// generate inside TinyLlama's 2,048-token context; the prefill budget admits two full prompts.
    public var maxInputTokens = 1536
    public var maxTotalTokens = 2048
    public var maxBatchPrefillTokens = 3072
    /// Usage plan rate and burst: sized with `requestSeconds` so the shim's concurrency can serve
    /// them (see `shimConcurrencyNeeded`); 5 req/s and a burst of 10 fit a new account's 10
    /// executions at 2 s per request.
    public var throttleRate = 5.0
    public var throttleBurst = 10
    /// Expected seconds per request (generation time), for the throttle-versus-concurrency check.
    public var requestSeconds = 2.0
    public var quotaLimit = 10_000
    public var quotaPeriod = QuotaPeriod.day
    public var stageName = "prod"
    public var vpcCidr = "10.20.0.0/16"
    public var azCount = 2
    public var natGateway = true
    /// Whether the stack sets API Gateway's CloudWatch role (`AWS::ApiGateway::Account`), one setting
    /// per account and region: by default only when the account has none, decided at deploy time.
    public var apiGatewayAccount = ApiGatewayAccountMode.auto
    public var logRetentionDays = 365
    public var lambdaMemoryMB = 256
    public var lambdaTimeoutSeconds = 28
    /// Executions reserved for the shim, or nil (the default) for none: new accounts often have only
    /// 10 in all, and Lambda refuses a reservation that leaves fewer than that unreserved.
    public var lambdaReservedConcurrency: Int?
    public var startupHealthCheckTimeoutSeconds = 600
    public var modelDownloadTimeoutSeconds = 600
    public var logPrompts = false
    /// Whether chat answers can stream (`stream: true`): the chat route then goes through the
    /// streaming function behind the Lambda Web Adapter with API Gateway response streaming.
    public var streaming = false
    public var tags: [String: String] = [:]
    /// The most the stack may cost per month, in USD: `cost` exits 3 and `deploy` refuses above it.
    public var budgetUSD: Double?
    /// Architecture of a model that is not in `ModelCatalog`, given explicitly.
    public var customModel: CustomModelSize = CustomModelSize()
    /// Minutes after deploy at which the stack deletes itself (`ttl`), or nil for no expiry.
    public var ttlMinutes: Int?
    /// Hours without an invocation before the idle alarm fires; 0 turns the idle alarm off.
    public var idleHours = 6
    /// Whether the idle alarm also pauses the stack (removes the endpoint and the NAT gateway).
    public var idlePause = false
    /// Where alarm notifications are e-mailed, if anywhere (the address confirms the subscription).
    public var alarmEmail: String?
    /// Whether the stack has its operational alarms (endpoint 5XX and latency, Lambda errors and
    /// throttles, API 5XX).
    public var alarms = true
    /// Autoscaling's lower bound; defaults to `instanceCount` when `maxInstances` is set.
    public var minInstances: Int?
    /// Autoscaling's upper bound; setting it turns autoscaling on.
    public var maxInstances: Int?
    /// Target tracking's goal: invocations per instance per minute.
    public var scalingTarget = 30
    /// `instance` (one always-on endpoint, the default) or `zero` (inference components that scale
    /// to no instance when idle and wake on the first request; ServiceConfig+Scaling.swift).
    public var scaling = ScalingMode.instance
    /// With `scaling zero`: minutes a woken copy stays at least (the scale-in cooldown).
    public var idleTimeoutMinutes = 15
    /// With `scaling zero`: the hours a day `cost` expects the model awake.
    public var awakeHoursPerDay = 2.0

    public init() {}

    /// Autoscaling's bounds, or nil when the instance count is fixed.
    public var autoscaling: ClosedRange<Int>? {
        guard let maxInstances else { return nil }
        let low = minInstances ?? instanceCount
        return low <= maxInstances ? low...maxInstances : nil
    }

    /// Instances the endpoint starts with: the autoscaling minimum, or the fixed count.
    public var initialInstanceCount: Int { autoscaling?.lowerBound ?? instanceCount }

    /// Whether the stack has an SNS topic for alarms.
    public var hasAlarmTopic: Bool { alarms || idleHours > 0 }

    /// The shortest `ttl`: creating the stack takes 10-20 minutes, and the deletion must not meet a
    /// stack that is still being created.
    public static let minimumTTLMinutes = 30

    /// The SageMaker endpoint's name, fixed by the stack so that nothing that names the endpoint
    /// (the shim's policy and environment, the idle function) changes when a pause removes it: the
    /// stack name in lower case (SageMaker writes endpoint ARNs in lower case and IAM compares ARNs
    /// case-sensitively), at most 54 characters, then `-endpoint` (63, SageMaker's limit).
    public var endpointName: String { String(stackName.lowercased().prefix(54)) + "-endpoint" }

    /// The model's spec: from the catalog, or built from `customModel` for an unknown model.
    public var modelSpec: ModelSpec? {
        if let known = ModelCatalog.models[modelID] { return known }
        guard let params = customModel.parametersBillions, let layers = customModel.layers, let kv = customModel.kvHeads,
              let dim = customModel.headDim, let context = customModel.contextTokens else { return nil }
        return ModelSpec(id: modelID, parametersBillions: params, layers: layers, kvHeads: kv, headDim: dim,
                         contextTokens: context, bytesPerParameter: 2, chatTemplate: nil)
    }
}

/// The size of a model the catalog does not know.
public struct CustomModelSize: Sendable, Hashable {
    public var parametersBillions: Double?
    public var layers: Int?
    public var kvHeads: Int?
    public var headDim: Int?
    public var contextTokens: Int?
    public init() {}
}

/// A bad value for one setting: names the setting and what is expected.
public struct SettingError: Error, CustomStringConvertible, Hashable {
    public var key: String
    public var message: String
    public var description: String { "\(key): \(message)" }
}

/// One tunable of `ServiceConfig`: its key, help, and how a text value is parsed into the config.
public struct Setting: Sendable {
    /// The key: the flag without dashes and the config-file key.
    public var key: String
    /// How the value is shown in help, for example `TYPE`.
    public var placeholder: String
    public var help: String
    /// The Terraform variable type: `string`, `number` or `bool`.
    public var terraformType: String
    /// Reads the current value as text.
    public var read: @Sendable (ServiceConfig) -> String
    /// Parses `text` into the config.
    public var apply: @Sendable (inout ServiceConfig, String) throws(SettingError) -> Void
}

extension ServiceConfig {
    static func int(_ key: String, _ text: String, _ range: ClosedRange<Int>) throws(SettingError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw SettingError(key: key, message: "expected a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    static func double(_ key: String, _ text: String, _ range: ClosedRange<Double>) throws(SettingError) -> Double {
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw SettingError(key: key, message: "expected a number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    private static func bool(_ key: String, _ text: String) throws(SettingError) -> Bool {
        switch text.lowercased() {
        case "true", "on", "yes", "1": return true
        case "false", "off", "no", "0": return false
        default: throw SettingError(key: key, message: "expected true or false, got '\(text)'")
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// Every setting, in the order help lists them.
    public static let settings: [Setting] = coreSettings + operationsSettings + scalingSettings

    private static let coreSettings: [Setting] = [
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
        Setting(key: "tgi-version", placeholder: "VERSION", help: "Hugging Face TGI version (\(TGICatalog.versions.joined(separator: ", ")))",
                terraformType: "string", read: { $0.tgiVersion }) { config, text throws(SettingError) in
            config.tgiVersion = text
        },
        Setting(key: "instance-type", placeholder: "TYPE", help: "SageMaker instance type", terraformType: "string", read: { $0.instanceType }) { config, text throws(SettingError) in
            config.instanceType = text
        },
        Setting(key: "instance-count", placeholder: "N", help: "Instances behind the endpoint", terraformType: "number", read: { String($0.instanceCount) }) { config, text throws(SettingError) in
            config.instanceCount = try int("instance-count", text, 1...100)
        },
        Setting(key: "max-input-tokens", placeholder: "N", help: "TGI MAX_INPUT_TOKENS: longest prompt", terraformType: "number", read: { String($0.maxInputTokens) }) { config, text throws(SettingError) in
            config.maxInputTokens = try int("max-input-tokens", text, 1...1_000_000)
        },
        Setting(key: "max-total-tokens", placeholder: "N", help: "TGI MAX_TOTAL_TOKENS: prompt plus answer", terraformType: "number", read: { String($0.maxTotalTokens) }) { config, text throws(SettingError) in
            config.maxTotalTokens = try int("max-total-tokens", text, 2...1_000_000)
        },
        Setting(key: "max-batch-prefill-tokens", placeholder: "N", help: "TGI MAX_BATCH_PREFILL_TOKENS: tokens prefilled in one batch",
                terraformType: "number", read: { String($0.maxBatchPrefillTokens) }) { config, text throws(SettingError) in
            config.maxBatchPrefillTokens = try int("max-batch-prefill-tokens", text, 1...10_000_000)
        },
        Setting(key: "throttle-rate", placeholder: "RPS", help: "Usage plan steady-state requests per second", terraformType: "number", read: { format($0.throttleRate) }) { config, text throws(SettingError) in
            config.throttleRate = try double("throttle-rate", text, 0.001...10_000)
        },
        Setting(key: "throttle-burst", placeholder: "N", help: "Usage plan burst (requests)", terraformType: "number", read: { String($0.throttleBurst) }) { config, text throws(SettingError) in
            config.throttleBurst = try int("throttle-burst", text, 1...5_000)
        },
        Setting(key: "request-seconds", placeholder: "SECONDS",
                help: "Expected seconds per request, to size the throttle against the shim's concurrency: needs max(throttle-rate x this, throttle-burst) executions",
                terraformType: "number", read: { format($0.requestSeconds) }) { config, text throws(SettingError) in
            config.requestSeconds = try double("request-seconds", text, 0.1...28)
        },
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
        Setting(key: "az-count", placeholder: "N", help: "Availability zones (2 or 3)", terraformType: "number", read: { String($0.azCount) }) { config, text throws(SettingError) in
            config.azCount = try int("az-count", text, 2...3)
        },
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
            let allowed = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
            guard let days = Int(text), allowed.contains(days) else {
                throw SettingError(key: "log-retention-days", message: "CloudWatch takes one of \(allowed.map(String.init).joined(separator: ", ")); got '\(text)'")
            }
            config.logRetentionDays = days
        },
        Setting(key: "lambda-memory", placeholder: "MB", help: "Lambda shim memory in MB", terraformType: "number", read: { String($0.lambdaMemoryMB) }) { config, text throws(SettingError) in
            config.lambdaMemoryMB = try int("lambda-memory", text, 128...10_240)
        },
        Setting(key: "lambda-timeout", placeholder: "SECONDS", help: "Lambda shim timeout, below API Gateway's 29 s", terraformType: "number", read: { String($0.lambdaTimeoutSeconds) }) { config, text throws(SettingError) in
            config.lambdaTimeoutSeconds = try int("lambda-timeout", text, 1...28)
        },
        Setting(key: "lambda-concurrency", placeholder: "N|none",
                help: "Executions reserved for the shim (none: it shares the account's unreserved pool; a reservation must leave the account 100 unreserved, 10 in new accounts)",
                terraformType: "number", read: { $0.lambdaReservedConcurrency.map(String.init) ?? "none" }) { config, text throws(SettingError) in
            if ["none", "off", ""].contains(text.lowercased()) {
                config.lambdaReservedConcurrency = nil
                return
            }
            config.lambdaReservedConcurrency = try int("lambda-concurrency", text, 1...1_000)
        },
        Setting(key: "startup-timeout", placeholder: "SECONDS", help: "Container startup health check timeout", terraformType: "number", read: { String($0.startupHealthCheckTimeoutSeconds) }) { config, text throws(SettingError) in
            config.startupHealthCheckTimeoutSeconds = try int("startup-timeout", text, 60...3_600)
        },
        Setting(key: "download-timeout", placeholder: "SECONDS", help: "Model data download timeout", terraformType: "number", read: { String($0.modelDownloadTimeoutSeconds) }) { config, text throws(SettingError) in
            config.modelDownloadTimeoutSeconds = try int("download-timeout", text, 60...3_600)
        },
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
        Setting(key: "budget", placeholder: "USD", help: "Monthly budget: cost exits 3 and deploy refuses above it", terraformType: "number",
                read: { $0.budgetUSD.map(format) ?? "" }) { config, text throws(SettingError) in
            config.budgetUSD = try double("budget", text, 0...10_000_000)
        },
        Setting(key: "model-params-billions", placeholder: "B", help: "For an unknown model: parameters in billions", terraformType: "number",
                read: { $0.customModel.parametersBillions.map(format) ?? "" }) { config, text throws(SettingError) in
            config.customModel.parametersBillions = try double("model-params-billions", text, 0.001...2_000)
        },
        Setting(key: "model-layers", placeholder: "N", help: "For an unknown model: hidden layers", terraformType: "number",
                read: { $0.customModel.layers.map(String.init) ?? "" }) { config, text throws(SettingError) in
            config.customModel.layers = try int("model-layers", text, 1...1_000)
        },
        Setting(key: "model-kv-heads", placeholder: "N", help: "For an unknown model: key/value heads", terraformType: "number",
                read: { $0.customModel.kvHeads.map(String.init) ?? "" }) { config, text throws(SettingError) in
            config.customModel.kvHeads = try int("model-kv-heads", text, 1...1_024)
        },
        Setting(key: "model-head-dim", placeholder: "N", help: "For an unknown model: head dimension", terraformType: "number",
                read: { $0.customModel.headDim.map(String.init) ?? "" }) { config, text throws(SettingError) in
            config.customModel.headDim = try int("model-head-dim", text, 1...4_096)
        },
        Setting(key: "model-context", placeholder: "TOKENS", help: "For an unknown model: context window in tokens", terraformType: "number",
                read: { $0.customModel.contextTokens.map(String.init) ?? "" }) { config, text throws(SettingError) in
            config.customModel.contextTokens = try int("model-context", text, 1...10_000_000)
        },
    ]

    /// Settings of the operations features: expiry, idle guard, alarms and autoscaling.
    static let operationsSettings: [Setting] = [
        Setting(key: "ttl", placeholder: "DURATION", help: "Delete the whole stack this long after deploy (e.g. 4h, 90m, 2d); extend with `slmstack extend`",
                terraformType: "string", read: { $0.ttlMinutes.map { DurationText.format(minutes: $0) } ?? "" }) { config, text throws(SettingError) in
            if ["", "off", "none"].contains(text.lowercased()) {
                config.ttlMinutes = nil
                return
            }
            // Creating the stack takes 10-20 minutes: a shorter TTL would fire while it is still being created.
            guard let minutes = DurationText.minutes(text), (ServiceConfig.minimumTTLMinutes...(366 * 1440)).contains(minutes) else {
                throw SettingError(key: "ttl", message: "expected a duration from 30m to 366d such as 4h, 90m or 1d12h (creating the stack takes up to 20 minutes), got '\(text)'")
            }
            config.ttlMinutes = minutes
        },
        Setting(key: "idle-hours", placeholder: "HOURS", help: "Alarm after this many hours without an invocation (1-24; 0 turns the idle alarm off)",
                terraformType: "number", read: { String($0.idleHours) }) { config, text throws(SettingError) in
            config.idleHours = try int("idle-hours", text, 0...24)
        },
        Setting(key: "idle-pause", placeholder: "on|off", help: "When the idle alarm fires, also pause the stack (removes the endpoint and the NAT gateway)",
                terraformType: "bool", read: { String($0.idlePause) }) { config, text throws(SettingError) in
            config.idlePause = try bool("idle-pause", text)
        },
        Setting(key: "alarm-email", placeholder: "ADDRESS", help: "E-mail the alarm topic's notifications here (confirm the subscription mail)",
                terraformType: "string", read: { $0.alarmEmail ?? "" }) { config, text throws(SettingError) in
            if text.isEmpty {
                config.alarmEmail = nil
                return
            }
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !text.contains(" "), text.count <= 254 else {
                throw SettingError(key: "alarm-email", message: "'\(text)' is not an e-mail address: expected name@example.com")
            }
            config.alarmEmail = text
        },
        Setting(key: "alarms", placeholder: "on|off", help: "Alarms on endpoint 5XX and latency, Lambda errors and throttles, API 5XX, into the alarm topic",
                terraformType: "bool", read: { String($0.alarms) }) { config, text throws(SettingError) in
            config.alarms = try bool("alarms", text)
        },
        Setting(key: "min-instances", placeholder: "N", help: "Autoscaling minimum (default: instance-count); needs max-instances",
                terraformType: "number", read: { $0.minInstances.map(String.init) ?? "" }) { config, text throws(SettingError) in
            config.minInstances = try int("min-instances", text, 1...100)
        },
        Setting(key: "max-instances", placeholder: "N", help: "Autoscaling maximum: turns on target tracking on invocations per instance",
                terraformType: "number", read: { $0.maxInstances.map(String.init) ?? "" }) { config, text throws(SettingError) in
            config.maxInstances = try int("max-instances", text, 1...100)
        },
        Setting(key: "scaling-target", placeholder: "N", help: "Autoscaling target: invocations per instance per minute",
                terraformType: "number", read: { String($0.scalingTarget) }) { config, text throws(SettingError) in
            config.scalingTarget = try int("scaling-target", text, 1...100_000)
        },
    ]

    /// Why a tag cannot be one of the user's tags, or nil: keys of 1-128 characters not starting
    /// with `aws:` (AWS's rules), values up to 256, and not the owner tag slmstack sets itself.
    public static func tagProblem(key: String, value: String) -> String? {
        if key == SLMService.ownerTagKey {
            return "'\(key)' is reserved: slmstack sets it to the stack name; use another key"
        }
        if key.isEmpty || key.count > 128 || key.hasPrefix("aws:") {
            return "tag key '\(key)' is not allowed: expected 1 to 128 characters, not starting with aws:"
        }
        if value.count > 256 {
            return "the value of tag '\(key)' has \(value.count) characters: expected at most 256"
        }
        return nil
    }

    /// Sets the user's tags, checking each with `tagProblem`.
    ///
    /// - Throws: `SettingError` for the `tags` setting naming the first bad key.
    public mutating func setTags(_ tags: [String: String]) throws(SettingError) {
        for key in tags.keys.sorted() {
            if let problem = Self.tagProblem(key: key, value: tags[key]!) {
                throw SettingError(key: "tags", message: problem)
            }
        }
        self.tags = tags
    }

    /// The setting with this key, if any.
    public static func setting(_ key: String) -> Setting? { settings.first { $0.key == key } }
}
