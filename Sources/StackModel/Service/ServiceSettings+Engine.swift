/// The serving engine's settings, and what the engine decides: image, host AMI and container environment.
extension ServiceConfig {
    /// Settings of the serving engine.
    static let engineSettings: [Setting] = [
        Setting(key: "engine", placeholder: "tgi|vllm",
                help: "Serving engine: tgi (Hugging Face TGI, the default) or vllm (the Hugging Face vLLM container)",
                terraformType: "string", read: { $0.engine.rawValue }) { config, text throws(SettingError) in
            config.engine = try choice("engine", text)
        },
        Setting(key: "vllm-version", placeholder: "VERSION", help: "vLLM version, when engine is vllm (\(EngineCatalog.versions(.vllm).joined(separator: ", ")))",
                terraformType: "string", read: { $0.vllmVersion }) { config, text throws(SettingError) in
            config.vllmVersion = text
        },
        .decimal("gpu-memory-utilization", placeholder: "FRACTION", help: "vLLM's share of each GPU's memory, taken at start for weights, activations and KV cache (0.5-0.98)", range: 0.5...0.98,
                read: { format($0.gpuMemoryUtilization) }) { $0.gpuMemoryUtilization = $1 },
    ]

    /// The setting that holds the engine's version: `tgi-version` or `vllm-version`.
    public var engineVersionKey: String { engine == .tgi ? "tgi-version" : "vllm-version" }

    /// The configured version of the configured engine.
    public var engineVersion: String { engine == .tgi ? tgiVersion : vllmVersion }

    /// The engine image's tag and CUDA version, or nil for an unknown version.
    public var engineImage: EngineImage? { EngineCatalog.image(engine, version: engineVersion) }

    /// The host AMI for the image's CUDA version, or nil for an unknown version.
    public var inferenceAMI: InferenceAMI? { engineImage.flatMap(InferenceAMI.for) }

    /// GPUs per instance (at least 1): TGI's shards and vLLM's tensor-parallel degree.
    public var gpusPerInstance: Int { max(1, InstanceCatalog.types[instanceType]?.acceleratorCount ?? 1) }

    /// The settings the container's environment entries come from (entry → setting key).
    public var containerEnvironmentSettings: [String: String] {
        switch engine {
        case .tgi:
            ["HF_MODEL_ID": "model-id", "MAX_INPUT_TOKENS": "max-input-tokens", "MAX_TOTAL_TOKENS": "max-total-tokens",
             "MAX_BATCH_PREFILL_TOKENS": "max-batch-prefill-tokens"]
        case .vllm:
            ["HF_MODEL_ID": "model-id", "SM_VLLM_MAX_MODEL_LEN": "max-total-tokens", "SM_VLLM_GPU_MEMORY_UTILIZATION": "gpu-memory-utilization"]
        }
    }

    /// The container's environment as each image documents it: TGI's launcher variables, or vLLM's
    /// `SM_VLLM_*` (each becomes a `vllm serve` flag in the Hugging Face vLLM entrypoint) with the model
    /// from `HF_MODEL_ID`. vLLM's max model length is `max-total-tokens`, prompt plus answer.
    public var containerEnvironment: [String: String] {
        switch engine {
        case .tgi:
            [
                "HF_MODEL_ID": modelID,
                "SM_NUM_GPUS": String(gpusPerInstance),
                "MAX_INPUT_TOKENS": String(maxInputTokens),
                "MAX_TOTAL_TOKENS": String(maxTotalTokens),
                "MAX_BATCH_PREFILL_TOKENS": String(maxBatchPrefillTokens),
            ]
        case .vllm:
            [
                "HF_MODEL_ID": modelID,
                "SM_VLLM_MAX_MODEL_LEN": String(maxTotalTokens),
                "SM_VLLM_TENSOR_PARALLEL_SIZE": String(gpusPerInstance),
                "SM_VLLM_GPU_MEMORY_UTILIZATION": Self.format(gpuMemoryUtilization),
            ]
        }
    }
}
