import Testing
@testable import StackModel

// The engine setting: parsing, image per engine and region, host AMI, container environment, GPU fit
// and the refusals, each against the generated catalog (tools/catalog/*.json).

@Test func engineSettingParsesAndRefuses() throws {
    #expect(ServiceConfig().engine == .tgi, "TGI stays the default")
    #expect(try config(["engine": "VLLM"]).engine == .vllm)
    let setting = try #require(ServiceConfig.setting("engine"))
    var target = ServiceConfig()
    #expect {
        try setting.apply(&target, "sglang")
    } throws: { error in
        (error as? SettingError)?.description == "engine: expected tgi or vllm, got 'sglang'"
    }
    #expect {
        try ServiceConfig.setting("gpu-memory-utilization")!.apply(&target, "0.99")
    } throws: { error in
        (error as? SettingError)?.description == "gpu-memory-utilization: expected a number from 0.5 to 0.98, got '0.99'"
    }
}

@Test(arguments: [
    (Engine.tgi, "us-east-1", "3.3.6",
     "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.7.0-tgi3.3.6-gpu-py311-cu124-ubuntu22.04"),
    (Engine.vllm, "us-east-1", "0.21.0",
     "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-vllm:0.21.0-transformers5.8.1-gpu-py312-cu130-ubuntu22.04"),
    (Engine.vllm, "eu-south-1", "0.17.0",
     "692866216735.dkr.ecr.eu-south-1.amazonaws.com/huggingface-vllm:0.17.0-transformers4.57.5-gpu-py312-cu129-ubuntu22.04"),
    (Engine.vllm, "ap-northeast-3", "0.14.0",
     "364406365360.dkr.ecr.ap-northeast-3.amazonaws.com/huggingface-vllm:0.14.0-transformers4.57.3-gpu-py312-cu129-ubuntu22.04"),
])
func modelImageFollowsEngineRegionAndVersion(_ engine: Engine, _ region: String, _ version: String, _ expected: String) throws {
    let key = engine == .tgi ? "tgi-version" : "vllm-version"
    let chosen = try config(["engine": engine.rawValue, "region": region, key: version])
    let model = try #require(Stack.slmService(chosen).resources(of: SageMakerModel.self).first)
    #expect(model.image == expected)
}

@Test func defaultsAreTheNewestPublishedVersions() {
    #expect(EngineCatalog.defaultVersion(.tgi) == "3.3.6")
    #expect(EngineCatalog.defaultVersion(.vllm) == EngineCatalog.newest(.vllm))
    #expect(ServiceConfig().vllmVersion == "0.21.0")
}

@Test(arguments: [
    ("tgi", "3.3.6", "al2-ami-sagemaker-inference-gpu-3-1"),
    ("vllm", "0.17.0", "al2-ami-sagemaker-inference-gpu-3-1"),
    ("vllm", "0.21.0", "al2023-ami-sagemaker-inference-gpu-4-1"),
])
func hostAMIFollowsTheImagesCUDA(_ engine: String, _ version: String, _ ami: String) throws {
    let chosen = try config(["engine": engine, engine == "tgi" ? "tgi-version" : "vllm-version": version])
    let endpointConfig = try #require(Stack.slmService(chosen).resources(of: EndpointConfig.self).first)
    #expect(endpointConfig.inferenceAmiVersion == ami)
}

@Test func amiChoiceMatchesTheCUDAMajorVersion() {
    #expect(InferenceAMI.for(EngineImage(tag: "x", cuda: "12.4"))?.driver == 550)
    #expect(InferenceAMI.for(EngineImage(tag: "x", cuda: "12.9"))?.version == "al2-ami-sagemaker-inference-gpu-3-1")
    #expect(InferenceAMI.for(EngineImage(tag: "x", cuda: "13.0"))?.driver == 580)
    #expect(InferenceAMI.for(EngineImage(tag: "x", cuda: "11.8")) == nil)
}

@Test func vllmEnvironmentIsTheContainersOwn() throws {
    let chosen = try config(["engine": "vllm", "instance-type": "ml.g5.12xlarge", "max-total-tokens": "4096",
                             "max-input-tokens": "3072", "gpu-memory-utilization": "0.85"])
    let model = try #require(Stack.slmService(chosen).resources(of: SageMakerModel.self).first)
    #expect(model.environment == ["HF_MODEL_ID": "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "SM_VLLM_MAX_MODEL_LEN": "4096",
                                  "SM_VLLM_TENSOR_PARALLEL_SIZE": "4", "SM_VLLM_GPU_MEMORY_UTILIZATION": "0.85"])
}

@Test func timeoutsDefaultPerEngineUnlessSet() throws {
    let vllm = try #require(Stack.slmService(try config(["engine": "vllm"])).resources(of: EndpointConfig.self).first)
    #expect(vllm.startupHealthCheckTimeoutSeconds == 1200 && vllm.modelDataDownloadTimeoutSeconds == 900)
    let tgi = try #require(Stack.slmService(ServiceConfig()).resources(of: EndpointConfig.self).first)
    #expect(tgi.startupHealthCheckTimeoutSeconds == 600 && tgi.modelDataDownloadTimeoutSeconds == 600)
    let set = try config(["engine": "vllm", "startup-timeout": "700"])
    #expect(set.startupHealthCheckTimeoutSeconds == 700)
}

@Test func gpuFitRuleDiffersPerEngine() throws {
    let hermes = try #require(ModelCatalog.models["NousResearch/Hermes-3-Llama-3.1-8B"])
    let g5 = try #require(InstanceCatalog.types["ml.g5.xlarge"])
    // TGI: 2 prefill batches (3072 / 1536) of 2048 tokens within 90% of 24 GiB
    let tgi = GPUFit.of(hermes, on: g5, config: ServiceConfig())
    #expect(tgi.batch == 2 && tgi.usableBytes == 24 * 1_073_741_824 * 0.9)
    #expect(tgi.kvCacheBytes == 2 * 2048 * hermes.kvBytesPerToken)
    // vLLM: one max-length sequence within gpu-memory-utilization
    let vllm = GPUFit.of(hermes, on: g5, config: try config(["engine": "vllm", "gpu-memory-utilization": "0.7"]))
    #expect(vllm.batch == 1 && vllm.usableBytes == 24 * 1_073_741_824 * 0.7)
    #expect(vllm.kvCacheBytes == 2048 * hermes.kvBytesPerToken)
    // 15 GiB of weights + 1.5 GiB runtime fit 0.9 x 24 but not 0.6 x 24
    #expect(try config(["engine": "vllm", "model-id": hermes.id]).validate().isEmpty)
    let tight = try config(["engine": "vllm", "model-id": hermes.id, "gpu-memory-utilization": "0.6"]).validate().map(\.description)
    #expect(tight.count == 1 && tight[0].hasPrefix("instance-type: NousResearch/Hermes-3-Llama-3.1-8B does not fit ml.g5.xlarge"))
    #expect(tight.first?.contains("usable (gpu-memory-utilization 0.6)") == true && tight.first?.hasSuffix("raise gpu-memory-utilization") == true)
}

@Test func unknownEngineVersionIsRefusedNamingTheNewestTag() throws {
    let problems = try config(["engine": "vllm", "vllm-version": "0.9.0"]).validate().map(\.description)
    #expect(problems == ["vllm-version: unknown vLLM version '0.9.0': set vllm-version (--vllm-version) to one of 0.14.0, 0.17.0, 0.21.0 (newest 0.21.0, image tag 0.21.0-transformers5.8.1-gpu-py312-cu130-ubuntu22.04)"])
    // a TGI version is not a vLLM one, and the TGI setting is ignored under vLLM
    #expect(try config(["engine": "vllm", "vllm-version": "3.3.6"]).validate().count == 1)
    #expect(try config(["engine": "vllm", "tgi-version": "9.9.9"]).validate().isEmpty)
}

@Test func batchPrefillLimitIsTGIsOnly() throws {
    #expect(try config(["engine": "vllm", "max-batch-prefill-tokens": "512"]).validate().isEmpty)
    #expect(try config(["max-batch-prefill-tokens": "512"]).validate().count == 1)
}

@Test func gatedModelsAreNotedAndWarned() throws {
    #expect(ModelCatalog.models["google/gemma-3-270m"]?.gated == true)
    #expect(ModelCatalog.models.values.contains { !$0.gated && $0.parametersBillions < 1 })
    let warnings = try config(["model-id": "google/gemma-3-270m"]).warnings()
    #expect(warnings.count == 1 && warnings[0].hasPrefix("model-id: google/gemma-3-270m is gated on the Hugging Face Hub"))
    #expect(ServiceConfig().warnings().isEmpty)
    #expect(try config(["model-id": "google/gemma-3-270m"]).validate().isEmpty, "a warning, not an error")
}

@Test func everyCatalogModelFitsOneG5XlargeWithTheDefaults() throws {
    let g5 = try #require(InstanceCatalog.types["ml.g5.xlarge"])
    for model in ModelCatalog.models.values {
        #expect(GPUFit.of(model, on: g5, config: ServiceConfig()).fits, "\(model.id)")
        #expect(!model.licence.isEmpty)
    }
}
