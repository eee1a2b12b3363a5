import StackModel

// The catalog tables as `locals`, the GPU memory fit, and the SageMaker preconditions.
extension Bindings {
    /// The `locals` block of sagemaker.tf: region and version catalogs for the engine's image and its host
    /// AMI, GPU and model tables, and the GPU memory fit as `slmstack validate` computes it (`GPUFit`).
    func catalogLocals(stack: Stack) -> HCLBlock {
        func map(_ pairs: [(String, HCLExpression)]) -> HCLExpression { .object(pairs.map { HCLObjectItem($0.0, $0.1) }) }
        let engine = config.engine, prefix = enginePrefix, name = engine == .tgi ? "Hugging Face TGI" : "Hugging Face vLLM"
        let versions = TerraformSynth.offeredVersions(engine)
        let regions = RegionCatalog.regions(for: engine)
        let versionVariable = TerraformNames.variable(config.engineVersionKey)
        let fit = "local.model.parameters_billions * 1000000000 * local.model.bytes_per_parameter"
            + " + var.max_total_tokens * local.fit_batch * 2 * local.model.layers * local.model.kv_heads * local.model.head_dim * 2"
            + " + \(HCLRenderer.formatNumber(GPUFit.runtimeBytesPerGPU)) * local.instance.gpu_count"
        // GPUFit.rule: TGI's KV cache holds a full prefill batch within the GPUs less headroom; vLLM's one
        // max-length sequence within the share it preallocates.
        let (batch, fraction, fitComment): (String, String, String) = switch engine {
        case .tgi: ("max(1, floor(var.max_batch_prefill_tokens / var.max_input_tokens))", HCLRenderer.formatNumber(1 - GPUFit.headroom),
                    " GPU memory: weights + KV cache for a full prefill batch + runtime, against the GPUs less \(Int(GPUFit.headroom * 100))% headroom.")
        case .vllm: ("1", "var.\(TerraformNames.variable("gpu-memory-utilization"))",
                     " GPU memory: weights + KV cache for one max-length sequence + runtime, against the share vLLM preallocates (gpu_memory_utilization).")
        }
        var items: [HCLBodyItem] = [
            .comment(" Region -> AWS account of the ECR registry that publishes the \(name) image."),
            .attribute("\(prefix)_registry_accounts", map(regions.map { ($0, .string(RegionCatalog.registryAccounts[engine]![$0]!)) })),
            .comment(" \(engine.shortName) version -> image tag."),
            .attribute("\(prefix)_image_tags", map(versions.map { ($0, .string(EngineCatalog.image(engine, version: $0)!.tag)) })),
            .attribute("\(prefix)_registry_account", .index(.local("\(prefix)_registry_accounts"), .variable("region"))),
            .attribute("\(prefix)_image", .template([
                .interpolation(.local("\(prefix)_registry_account")), .literal(".dkr.ecr."), .interpolation(.variable("region")),
                .literal(".amazonaws.com/\(EngineCatalog.repositories[engine]!):"), .interpolation(.index(.local("\(prefix)_image_tags"), .variable(versionVariable))),
            ])),
        ]
        if config.inferenceAMI != nil {
            items += [
                .comment(" Version -> host AMI with a driver for the image's CUDA (SageMaker's default on ml.g5 is driver 470, CUDA 11.4)."),
                .attribute("\(prefix)_inference_amis", map(versions.compactMap { version in
                    EngineCatalog.image(engine, version: version).flatMap(InferenceAMI.for).map { (version, .string($0.version)) }
                })),
                .attribute("inference_ami_version", .index(.local("\(prefix)_inference_amis"), .variable(versionVariable))),
            ]
        }
        items += [
            .blankLine,
            .comment(" NVIDIA instance types -> GPUs and GiB of memory per GPU."),
            .attribute("instances", map(Self.gpuTypes.map { type in
                (type.name, map([("gpu_count", .number(Double(type.acceleratorCount))), ("gib_per_gpu", .number(type.acceleratorMemoryGiB))]))
            })),
            .comment(" Models -> the sizes that decide the GPU fit."),
            .attribute("models", map(modelTable().map { spec in
                (spec.id, map([
                    ("parameters_billions", .number(spec.parametersBillions)),
                    ("bytes_per_parameter", .number(spec.bytesPerParameter)),
                    ("layers", .number(Double(spec.layers))),
                    ("kv_heads", .number(Double(spec.kvHeads))),
                    ("head_dim", .number(Double(spec.headDim))),
                    ("context_tokens", .number(Double(spec.contextTokens))),
                ]))
            })),
            .attribute("instance", .index(.local("instances"), .variable("instance_type"))),
            .attribute("model", .index(.local("models"), .variable("model_id"))),
            .blankLine,
            .comment(fitComment),
            .attribute("fit_batch", .raw(batch)),
            .attribute("fit_needed_bytes", .raw(fit)),
            .attribute("fit_usable_bytes", .raw("local.instance.gpu_count * local.instance.gib_per_gpu * \(HCLRenderer.formatNumber(Self.bytesPerGiB)) * \(fraction)")),
        ]
        return HCLBlock("locals", [], items)
    }

    static func lifecycle(_ preconditions: [(String, HCLExpression)]) -> HCLBlock {
        HCLBlock("lifecycle", [], preconditions.map { condition, message in
            .block(HCLBlock("precondition", [], [.attribute("condition", .raw(condition)), .attribute("error_message", message)]))
        })
    }

    /// `ServiceConfig.validate()`'s token and GPU checks, on the endpoint configuration.
    var sageMakerPreconditions: [(String, HCLExpression)] {
        let tgi = config.engine == .tgi
        var checks: [(String, HCLExpression)] = [
            ("var.max_input_tokens < var.max_total_tokens",
             .string("max_input_tokens must be below max_total_tokens: \(tgi ? "TGI needs" : "the answer needs") room for at least one generated token.")),
        ]
        if tgi {
            checks.append(("var.max_batch_prefill_tokens >= var.max_input_tokens",
                           .string("max_batch_prefill_tokens must be at least max_input_tokens, or TGI refuses to start.")))
        }
        let lower = tgi ? "lower max_total_tokens or max_batch_prefill_tokens." : "lower max_total_tokens, or raise gpu_memory_utilization."
        return checks + [
            ("var.max_total_tokens <= local.model.context_tokens",
             .template([.literal("max_total_tokens exceeds the context of "), .interpolation(.variable("model_id")), .literal(" ("),
                        .interpolation(.traversal("local.model.context_tokens")), .literal(" tokens).")])),
            ("local.fit_needed_bytes <= local.fit_usable_bytes",
             .template([.interpolation(.variable("model_id")), .literal(" does not fit "), .interpolation(.variable("instance_type")),
                        .literal(": it needs "), .interpolation(.raw(#"format("%.1f", local.fit_needed_bytes / 1073741824)"#)),
                        .literal(" GiB of GPU memory but has "), .interpolation(.raw(#"format("%.1f", local.fit_usable_bytes / 1073741824)"#)),
                        .literal(" GiB usable: choose a larger instance type, or \(lower)")])),
        ]
    }
}
