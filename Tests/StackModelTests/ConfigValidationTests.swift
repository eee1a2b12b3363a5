import Testing
@testable import StackModel

/// Applies settings by key, as the CLI and config file do.
func config(_ pairs: [String: String]) throws -> ServiceConfig {
    var config = ServiceConfig()
    for (key, value) in pairs.sorted(by: { $0.key < $1.key }) {
        try #require(ServiceConfig.setting(key)).apply(&config, value)
    }
    return config
}

@Test func defaultConfigIsValid() {
    #expect(ServiceConfig().validate().isEmpty)
    #expect(ServiceConfig().modelID == "TinyLlama/TinyLlama-1.1B-Chat-v1.0")
    #expect(ServiceConfig().instanceType == "ml.g5.xlarge")
    #expect(ServiceConfig().tgiVersion == "3.3.6", "the default is the newest TGI 3.x in the SDK's huggingface-llm.json")
}

/// Each invalid configuration and the text its one problem must contain.
@Test(arguments: [
    (["region": "eu-west-9"], "region: unknown region 'eu-west-9': did you mean eu-west-1?"),
    (["region": "cn-north-1"], "region: unknown region 'cn-north-1'"),
    (["tgi-version": "9.9.9"], "tgi-version: unknown TGI version '9.9.9': set tgi-version (--tgi-version) to one of 2.4.0, 3.0.1, 3.1.1, 3.2.0, 3.2.3, 3.3.4, 3.3.6 (newest 3.3.6, image tag 2.7.0-tgi3.3.6-gpu-py311-cu124-ubuntu22.04)"),
    (["instance-type": "ml.g5.xlarg"], "instance-type: unknown instance type 'ml.g5.xlarg': did you mean ml.g5.xlarge?"),
    (["instance-type": "ml.m5.xlarge"], "instance-type: ml.m5.xlarge is a CPU-only instance; the TGI GPU image needs an NVIDIA GPU"),
    (["instance-type": "ml.inf2.xlarge"], "ml.inf2.xlarge is an Inferentia2 instance (it needs the TGI Neuron image)"),
    (["model-id": "acme/unknown-7b"], "model-id: unknown model 'acme/unknown-7b': give its size with --model-params-billions"),
    (["max-input-tokens": "2048", "max-total-tokens": "2048"], "max-input-tokens: 2048 must be below max-total-tokens (2048)"),
    (["max-total-tokens": "4096", "max-input-tokens": "1024"], "max-total-tokens: 4096 exceeds TinyLlama/TinyLlama-1.1B-Chat-v1.0's context of 2048 tokens"),
    (["max-batch-prefill-tokens": "512"], "max-batch-prefill-tokens: 512 must be at least max-input-tokens (1536)"),
    (["throttle-rate": "200", "throttle-burst": "100"], "throttle-rate: 200.0 requests/s is above the burst of 100"),
    (["vpc-cidr": "10.20.0.0/12"], "vpc-cidr: '10.20.0.0/12' has host bits set: the block's network address is 10.16.0.0/12"),
    (["vpc-cidr": "10.0.0.0/8"], "vpc-cidr: 10.0.0.0/8 is a /8: use a /16 to /24 block"),
    (["vpc-cidr": "10.20.300.0/16"], "vpc-cidr: '10.20.300.0/16' is not a CIDR block: '300' is not a number from 0 to 255"),
    (["vpc-cidr": "10.20.0.0/28"], "vpc-cidr: 10.20.0.0/28 is a /28: use a /16 to /24 block"),
    (["model-id": "NousResearch/Hermes-3-Llama-3.1-8B", "instance-type": "ml.g4dn.xlarge"],
     "instance-type: NousResearch/Hermes-3-Llama-3.1-8B does not fit ml.g4dn.xlarge"),
])
func eachProblemIsNamed(_ settings: [String: String], _ expected: String) throws {
    let problems = try config(settings).validate().map(\.description)
    #expect(problems.count == 1, "\(problems)")
    #expect(problems.first?.contains(expected) == true, "got \(problems)")
}

@Test func gpuFitMessageSaysWhatItNeedsAndSuggestsAnInstance() throws {
    let problems = try config(["model-id": "NousResearch/Hermes-3-Llama-3.1-8B", "instance-type": "ml.g4dn.xlarge"]).validate()
    let message = try #require(problems.first).description
    #expect(message.contains("weights 15.0 GiB"))
    #expect(message.contains("has 14.4 GiB usable of 16.0 GiB"))
    #expect(message.contains("choose ml.g5.xlarge or larger"))
}

@Test func gpuFitArithmetic() throws {
    let tiny = try #require(ModelCatalog.models["TinyLlama/TinyLlama-1.1B-Chat-v1.0"])
    // 2 (K and V) x 22 layers x 4 heads x 64 dims x 2 bytes
    #expect(tiny.kvBytesPerToken == 22_528)
    let g5 = try #require(InstanceCatalog.types["ml.g5.xlarge"])
    let fit = GPUFit.of(tiny, on: g5, config: ServiceConfig())
    #expect(fit.batch == 2, "3072 prefill tokens / 1536 input tokens")
    #expect(fit.kvCacheBytes == 2048 * 2 * 22_528)
    #expect(fit.weightBytes == 2.2e9)
    #expect(fit.usableBytes == 24 * 1_073_741_824 * 0.9)
    #expect(fit.fits)

    // Hermes 8B fits one A10G at 2,048 tokens but not at 32,768 tokens x 2.
    var hermes = try config(["model-id": "NousResearch/Hermes-3-Llama-3.1-8B"])
    #expect(hermes.validate().isEmpty)
    hermes.maxInputTokens = 16_384
    hermes.maxTotalTokens = 32_768
    hermes.maxBatchPrefillTokens = 32_768
    #expect(hermes.validate().map(\.property) == ["instance-type"])
}

@Test func unknownModelWithExplicitSizeIsAccepted() throws {
    let custom = try config(["model-id": "acme/small-1b", "model-params-billions": "1.0", "model-layers": "16",
                             "model-kv-heads": "8", "model-head-dim": "64", "model-context": "4096"])
    #expect(custom.validate().isEmpty)
    #expect(custom.modelSpec?.kvBytesPerToken == Double(2 * 16 * 8 * 64 * 2))
}

@Test func allProblemsAreListedAtOnce() throws {
    let problems = try config(["region": "nowhere-1", "instance-type": "ml.x.huge", "throttle-rate": "500", "throttle-burst": "10"]).validate()
    #expect(Set(problems.map(\.name)) == ["region", "instance-type", "throttle-rate"])
}

@Test(arguments: [
    ("instance-count", "0", "instance-count: expected a whole number from 1 to 100, got '0'"),
    ("throttle-rate", "fast", "throttle-rate: expected a number from 0.001 to 10000.0, got 'fast'"),
    ("quota", "-5", "quota: expected a whole number greater than 0, got '-5'"),
    ("quota-period", "YEAR", "quota-period: expected DAY, WEEK or MONTH, got 'YEAR'"),
    ("stack-name", "1stack", "stack-name: '1stack' is not a valid stack name"),
    ("stage-name", "prod stage", "stage-name: 'prod stage' is not a valid stage name"),
    ("log-retention-days", "100", "log-retention-days: CloudWatch takes one of 1, 3, 5"),
    ("nat-gateway", "maybe", "nat-gateway: expected true or false, got 'maybe'"),
    ("tags", "team", "tags: 'team' is not a tag: expected KEY=VALUE pairs"),
    ("tags", "aws:x=1", "tags: 'aws:x=1' is not a tag"),
    ("tags", "slmstack:stack=x", "tags: 'slmstack:stack' is reserved: slmstack sets it to the stack name"),
    ("lambda-timeout", "29", "lambda-timeout: expected a whole number from 1 to 28, got '29'"),
    ("lambda-concurrency", "0", "lambda-concurrency: expected a whole number from 1 to 1000, got '0'"),
    ("request-seconds", "60", "request-seconds: expected a number from 0.1 to 28.0, got '60'"),
    ("api-gateway-account", "maybe", "api-gateway-account: expected auto, on or off, got 'maybe'"),
])
func settingSyntaxErrorsNameTheKey(_ key: String, _ value: String, _ expected: String) throws {
    var config = ServiceConfig()
    let setting = try #require(ServiceConfig.setting(key))
    #expect {
        try setting.apply(&config, value)
    } throws: { error in
        (error as? SettingError)?.description.hasPrefix(expected) == true
    }
}

@Test func settingsRoundTripThroughTheirText() throws {
    var tuned = try config(["tags": "team=ml,cost-center=42", "throttle-rate": "12.5", "nat-gateway": "off", "quota-period": "week"])
    #expect(tuned.tags == ["team": "ml", "cost-center": "42"])
    #expect(tuned.throttleRate == 12.5 && !tuned.natGateway && tuned.quotaPeriod == .week)
    var copy = ServiceConfig()
    for setting in ServiceConfig.settings where !setting.read(tuned).isEmpty {
        try setting.apply(&copy, setting.read(tuned))
    }
    // the copy holds the timeouts as set values where the original takes the engine's defaults: same text
    #expect(ServiceConfig.settings.map { $0.read(copy) } == ServiceConfig.settings.map { $0.read(tuned) })
    copy.startupTimeoutOverride = nil
    copy.downloadTimeoutOverride = nil
    #expect(copy == tuned)
    tuned.region = "eu-west-2"
    #expect(copy != tuned)
}

@Test func tgiImageIsChosenPerRegion() {
    #expect(EngineCatalog.imageURI(.tgi, region: "us-east-1", version: "3.2.3")
        == "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.6.0-tgi3.2.3-gpu-py311-cu124-ubuntu22.04")
    #expect(EngineCatalog.imageURI(.tgi, region: "eu-south-1", version: "3.0.1")?.hasPrefix("692866216735.dkr.ecr.eu-south-1.amazonaws.com/") == true)
    #expect(EngineCatalog.imageURI(.tgi, region: "mars-1", version: "3.2.3") == nil)
}

/// The usage plan against the shim's reservation: needed = max(ceil(rate x seconds), burst).
@Test(arguments: [
    (["throttle-rate": "5", "throttle-burst": "10"], 10),
    (["throttle-rate": "50", "throttle-burst": "100"], 100),
    (["throttle-rate": "20", "throttle-burst": "10", "request-seconds": "2.5"], 50),
    (["throttle-rate": "3.3", "throttle-burst": "4", "request-seconds": "3"], 10),
    (["throttle-rate": "2", "throttle-burst": "2", "request-seconds": "1.5"], 3),
])
func shimConcurrencyNeededFollowsTheFormula(_ settings: [String: String], _ needed: Int) throws {
    #expect(try config(settings).shimConcurrencyNeeded == needed)
}

@Test func aReservationTooSmallForTheUsagePlanIsNamedWithItsFix() throws {
    #expect(ServiceConfig().lambdaReservedConcurrency == nil, "nothing is reserved unless asked for")
    #expect(try config(["lambda-concurrency": "none"]).validate().isEmpty)
    #expect(try config(["lambda-concurrency": "10"]).validate().isEmpty, "the default plan needs 10")
    let problems = try config(["lambda-concurrency": "10", "throttle-rate": "50", "throttle-burst": "100"]).validate()
    #expect(problems.map(\.description) == [
        "lambda-concurrency: 10 reserved executions cannot serve the usage plan, which needs max(throttle-rate 50 x request-seconds 2, throttle-burst 100) = 100 (Lambda's throttles reach callers as 5xx): set lambda-concurrency to at least 100 or none, or lower throttle-rate and throttle-burst",
    ])
    // Without a reservation the stack's own settings cannot know the account's pool: preflight checks it.
    #expect(try config(["throttle-rate": "50", "throttle-burst": "100"]).validate().isEmpty)
}
