/// Every parameter of the reference service, with its default.
///
/// The same keys are the CLI flags (`--instance-type`), the config file's JSON keys
/// (`"instance-type"`) and, through `ServiceConfig.settings`, the Terraform variables.
public struct ServiceConfig: Sendable, Hashable {
    public var stackName = "slmstack"
    public var region = "us-east-1"
    public var modelID = ModelCatalog.defaultID
    public var tgiVersion = EngineCatalog.defaultVersion(.tgi)
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
    /// The startup health check and model data download timeouts when set; nil takes the engine's default.
    var startupTimeoutOverride: Int?
    var downloadTimeoutOverride: Int?
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
    /// The serving engine in the container (settings in ServiceSettings+Engine.swift).
    public var engine = Engine.tgi
    /// The vLLM version, when `engine` is vLLM (`tgiVersion` is TGI's).
    public var vllmVersion = EngineCatalog.defaultVersion(.vllm)
    /// vLLM's `--gpu-memory-utilization`: the fraction of each GPU's memory vLLM takes at start for
    /// weights, activations and KV cache.
    public var gpuMemoryUtilization = 0.9
    /// `instance` (one always-on endpoint, the default) or `zero` (inference components that scale
    /// to no instance when idle and wake on the first request; ServiceConfig+Scaling.swift).
    public var scaling = ScalingMode.instance
    /// With `scaling zero`: minutes a woken copy stays at least (the scale-in cooldown).
    public var idleTimeoutMinutes = 15
    /// With `scaling zero`: the hours a day `cost` expects the model awake.
    public var awakeHoursPerDay = 2.0
    /// With `scaling zero`: the models, each its own inference component (empty: `modelID` alone;
    /// ServiceConfig+Models.swift).
    public var models: [ListedModel] = []
    /// Where the weights come from (`weights`); see `ModelWeights.swift`.
    public var weights = WeightsSource.hub
    /// The Hub revision staged for `weights s3` (`weights-revision`).
    public var weightsRevision = "main"

    public init() {}

    /// Seconds for the container's first health check: the setting, else the engine's default.
    public var startupHealthCheckTimeoutSeconds: Int {
        get { startupTimeoutOverride ?? engine.defaultStartupTimeoutSeconds }
        set { startupTimeoutOverride = newValue }
    }

    /// Seconds for SageMaker's model data download: the setting, else the engine's default.
    public var modelDownloadTimeoutSeconds: Int {
        get { downloadTimeoutOverride ?? engine.defaultDownloadTimeoutSeconds }
        set { downloadTimeoutOverride = newValue }
    }

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
                         contextTokens: context, bytesPerParameter: 2, chatTemplate: nil, licence: "unknown", gated: false)
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
    /// For a numeric setting, the numbers it accepts (parsing and Terraform's validation read it).
    public var range: SettingRange? = nil
    /// Reads the current value as text.
    public var read: @Sendable (ServiceConfig) -> String
    /// Parses `text` into the config.
    public var apply: @Sendable (inout ServiceConfig, String) throws(SettingError) -> Void
}

extension ServiceConfig {
    static func bool(_ key: String, _ text: String) throws(SettingError) -> Bool {
        switch text.lowercased() {
        case "true", "on", "yes", "1": return true
        case "false", "off", "no", "0": return false
        default: throw SettingError(key: key, message: "expected true or false, got '\(text)'")
        }
    }

    /// One of an enumeration's raw values, in any case: `expected tgi or vllm, got 'x'` otherwise.
    static func choice<E: CaseIterable & RawRepresentable>(_ key: String, _ text: String) throws(SettingError) -> E where E.RawValue == String {
        guard let value = E(rawValue: text.lowercased()) else {
            let names = E.allCases.map(\.rawValue)
            throw SettingError(key: key, message: "expected \(names.dropLast().joined(separator: ", ")) or \(names.last!), got '\(text)'")
        }
        return value
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// Every setting, in the order help lists them (tables in ServiceSettings+*.swift).
    public static let settings: [Setting] = coreSettings + operationsSettings + engineSettings + scalingSettings + modelsSettings + weightsSettings

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
