import Foundation

/// How much GPU memory a configuration needs, and how much the instance offers.
public struct GPUFit: Sendable, Hashable {
    public var weightBytes: Double
    /// KV cache for `maxTotalTokens` × `batch` tokens.
    public var kvCacheBytes: Double
    /// CUDA context, activations and allocator slack, per GPU.
    public var runtimeBytes: Double
    /// How many full-length sequences the KV cache must hold (`rule`).
    public var batch: Int
    /// GPU memory the engine may use (`rule`).
    public var usableBytes: Double
    public var totalBytes: Double

    public var neededBytes: Double { weightBytes + kvCacheBytes + runtimeBytes }
    public var fits: Bool { neededBytes <= usableBytes }

    /// Fraction of GPU memory kept free for fragmentation and spikes.
    public static let headroom = 0.10
    /// Per-GPU memory the runtime takes besides weights and KV cache.
    public static let runtimeBytesPerGPU = 1.5 * 1_073_741_824

    /// The engine's rule, the one place it is decided (Terraform's `fit_*` locals render the same):
    /// how many `max-total-tokens` sequences the KV cache must hold, and the share of GPU memory the engine
    /// may use. TGI: a full prefill batch (MAX_BATCH_PREFILL_TOKENS / MAX_INPUT_TOKENS, at least 1) within
    /// the GPUs less `headroom`. vLLM: one max-length sequence (it refuses to start otherwise) within
    /// `gpu-memory-utilization`, the share it preallocates at start.
    public static func rule(_ config: ServiceConfig) -> (batch: Int, usableFraction: Double) {
        switch config.engine {
        case .tgi: (max(1, config.maxBatchPrefillTokens / max(1, config.maxInputTokens)), 1 - headroom)
        case .vllm: (1, config.gpuMemoryUtilization)
        }
    }

    /// The fit of a model on an instance type for the engine and token limits of `config`.
    public static func of(_ model: ModelSpec, on instance: InstanceType, config: ServiceConfig) -> GPUFit {
        let (batch, fraction) = rule(config)
        return GPUFit(
            weightBytes: model.weightBytes,
            kvCacheBytes: Double(config.maxTotalTokens) * Double(batch) * model.kvBytesPerToken,
            runtimeBytes: runtimeBytesPerGPU * Double(instance.acceleratorCount),
            batch: batch,
            usableBytes: instance.totalAcceleratorBytes * fraction,
            totalBytes: instance.totalAcceleratorBytes)
    }
}

extension ServiceConfig {
    static func gib(_ bytes: Double) -> String { String(format: "%.1f GiB", bytes / 1_073_741_824) }

    /// Checks the parameters and returns every problem, each naming the setting and the fix.
    ///
    /// Covers: known engine region and version, instance type and model (or an explicit size), token
    /// limits against each other and the model's context, throttle rate ≤ burst, a shim reservation that can serve the usage plan
    /// (`shimConcurrencyNeeded`), VPC CIDR syntax and
    /// size, and whether weights plus KV cache fit the instance's GPU memory with headroom.
    public func validate() -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        func problem(_ key: String, _ message: String) {
            problems.append(ValidationProblem("config", key, key, message))
        }

        if let missing = RegionCatalog.missingCloudFormationTypes[region] {
            problem("region", "\(region) has no CloudFormation support for \(missing.joined(separator: ", ")) (cfn-lint's region list), so the deploy would fail: set region (--region) to one of \(RegionCatalog.regions.joined(separator: ", "))")
        } else if RegionCatalog.registryAccounts[engine]?[region] == nil {
            let regions = RegionCatalog.regions(for: engine)
            let hint = Suggest.closest(to: region, in: regions).map { "did you mean \($0)? " } ?? ""
            problem("region", "unknown region '\(region)': \(hint)the \(engine.shortName) image is published in \(regions.joined(separator: ", ")): set region (--region) to one of them")
        }
        if engineImage == nil {
            let versions = EngineCatalog.versions(engine), newest = EngineCatalog.newest(engine)
            let tag = EngineCatalog.image(engine, version: newest)?.tag ?? ""
            problem(engineVersionKey, "unknown \(engine.shortName) version '\(engineVersion)': set \(engineVersionKey) (--\(engineVersionKey)) to one of \(versions.joined(separator: ", ")) (newest \(newest), image tag \(tag))")
        } else if inferenceAMI == nil {
            problem(engineVersionKey, "no SageMaker inference AMI has a driver for CUDA \(engineImage!.cuda) (image of \(engine.rawValue) \(engineVersion)): set \(engineVersionKey) to a CUDA 12 or 13 image such as \(EngineCatalog.defaultVersion(engine))")
        }
        let instance = InstanceCatalog.types[instanceType]
        if instance == nil {
            let hint = Suggest.closest(to: instanceType, in: InstanceCatalog.names).map { "did you mean \($0)? " } ?? ""
            problem("instance-type", "unknown instance type '\(instanceType)': \(hint)known GPU types are ml.g5.*, ml.g4dn.*, ml.g6.*, ml.g6e.* and ml.p4d.24xlarge")
        } else if instance!.accelerator != .nvidia {
            let what = instance!.accelerator == .inferentia ? "an Inferentia2 instance (it needs the TGI Neuron image)" : "a CPU-only instance"
            problem("instance-type", "\(instanceType) is \(what); the \(engine.shortName) GPU image needs an NVIDIA GPU: choose a GPU type such as ml.g5.xlarge")
        }
        let model = modelSpec
        if model == nil {
            problem("model-id", "unknown model '\(modelID)': give its size with --model-params-billions, --model-layers, --model-kv-heads, --model-head-dim and --model-context, or use one of \(ModelCatalog.models.keys.sorted().joined(separator: ", "))")
        }
        if maxInputTokens >= maxTotalTokens {
            problem("max-input-tokens", "\(maxInputTokens) must be below max-total-tokens (\(maxTotalTokens)): \(engine == .tgi ? "TGI needs" : "the answer needs") room for at least one generated token")
        }
        if let model, maxTotalTokens > model.contextTokens {
            problem("max-total-tokens", "\(maxTotalTokens) exceeds \(model.id)'s context of \(model.contextTokens) tokens: lower it to at most \(model.contextTokens)")
        }
        if engine == .tgi && maxBatchPrefillTokens < maxInputTokens {
            problem("max-batch-prefill-tokens", "\(maxBatchPrefillTokens) must be at least max-input-tokens (\(maxInputTokens)), or TGI refuses to start")
        }
        if throttleRate > Double(throttleBurst) {
            problem("throttle-rate", "\(throttleRate) requests/s is above the burst of \(throttleBurst): raise throttle-burst or lower throttle-rate")
        }
        if let reserved = lambdaReservedConcurrency, reserved < shimConcurrencyNeeded {
            let rate = throttleRate == throttleRate.rounded() ? String(Int(throttleRate)) : String(throttleRate)
            let seconds = requestSeconds == requestSeconds.rounded() ? String(Int(requestSeconds)) : String(requestSeconds)
            problem("lambda-concurrency", "\(reserved) reserved executions cannot serve the usage plan, which needs max(throttle-rate \(rate) x request-seconds \(seconds), throttle-burst \(throttleBurst)) = \(shimConcurrencyNeeded) (Lambda's throttles reach callers as 5xx): set lambda-concurrency to at least \(shimConcurrencyNeeded) or none, or lower throttle-rate and throttle-burst")
        }
        if quotaLimit <= 0 {
            problem("quota", "must be greater than 0")
        }
        do {
            let block = try CIDRBlock(parsing: vpcCidr)
            if !(16...24).contains(block.prefix) {
                problem("vpc-cidr", "\(block) is a /\(block.prefix): use a /16 to /24 block so each subnet gets at least 16 addresses")
            }
        } catch {
            problem("vpc-cidr", "\(error)")
        }
        if let model, let instance, instance.accelerator == .nvidia {
            let fit = GPUFit.of(model, on: instance, config: self)
            if !fit.fits {
                let better = InstanceCatalog.types.values
                    .filter { $0.accelerator == .nvidia && GPUFit.of(model, on: $0, config: self).fits }
                    .min { ($0.totalAcceleratorBytes, $0.vcpus, $0.name) < ($1.totalAcceleratorBytes, $1.vcpus, $1.name) }
                let suggestion = better.map { "choose \($0.name) or larger, or " } ?? ""
                let usable = engine == .tgi ? "usable" : "usable (gpu-memory-utilization \(Self.format(gpuMemoryUtilization)))"
                let lower = engine == .tgi ? "lower max-total-tokens or max-batch-prefill-tokens" : "lower max-total-tokens or raise gpu-memory-utilization"
                problem("instance-type", "\(model.id) does not fit \(instanceType): it needs \(Self.gib(fit.neededBytes)) "
                    + "(weights \(Self.gib(fit.weightBytes)) + KV cache \(Self.gib(fit.kvCacheBytes)) for \(fit.batch) × \(maxTotalTokens) tokens "
                    + "+ runtime \(Self.gib(fit.runtimeBytes))) but has \(Self.gib(fit.usableBytes)) \(usable) of \(Self.gib(fit.totalBytes)) GPU memory: "
                    + "\(suggestion)\(lower)")
            }
        }
        if let low = minInstances, maxInstances == nil {
            problem("min-instances", "min-instances \(low) without max-instances: set max-instances to turn autoscaling on, or drop min-instances")
        }
        if let high = maxInstances {
            let low = minInstances ?? instanceCount
            if low > high {
                problem(minInstances == nil ? "instance-count" : "min-instances",
                        "autoscaling needs 1 <= min <= max, got min \(low) and max-instances \(high): raise max-instances or lower \(minInstances == nil ? "instance-count" : "min-instances")")
            }
        }
        if idlePause && idleHours == 0 {
            problem("idle-pause", "idle-pause needs the idle alarm, but idle-hours is 0: set idle-hours (1-24) or turn idle-pause off")
        }
        for (key, message) in scalingProblems() + modelsProblems() { problem(key, message) }
        if alarmEmail != nil && !hasAlarmTopic {
            problem("alarm-email", "alarm-email is set but there is no alarm topic (alarms off and idle-hours 0): turn alarms on or drop alarm-email")
        }
        problems += weightsProblems()
        return problems
    }

    /// Advice that does not stop a deploy, each naming the setting: a model gated on the Hub, which the
    /// container cannot download without a token, so the endpoint would fail its startup health check.
    public func warnings() -> [String] {
        var notes: [String] = []
        if let model = ModelCatalog.models[modelID], model.gated {
            let open = ModelCatalog.models.values.filter { !$0.gated }.map(\.id).sorted().joined(separator: ", ")
            notes.append("model-id: \(modelID) is gated on the Hugging Face Hub (\(model.licence)) and the container downloads it with no token, so the endpoint would fail to start: accept its licence and stage the weights yourself, or use an ungated model such as \(open)")
        }
        return notes
    }
}
