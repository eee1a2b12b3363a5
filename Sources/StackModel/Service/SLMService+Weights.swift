// MARK: - Staged weights (weights s3)

extension SLMService.Inference {
    /// The execution role's read access to the staged weights: `s3:GetObject` on the objects under
    /// the model's prefix and `s3:ListBucket` on the bucket limited to that prefix (SageMaker lists
    /// an `S3Prefix` data source before copying it). The assets bucket uses SSE-S3 (`AES256`), so no
    /// KMS permission is needed. Empty with weights from the Hub.
    static func weightsPolicies(_ config: ServiceConfig) -> [String: PolicyDocument] {
        guard config.weights == .s3 else { return [:] }
        let prefix = StagedWeights.prefix(modelID: config.modelID, revision: config.weightsRevision)
        return ["model-data": PolicyDocument([
            .allow(["s3:GetObject"], on: [StagedWeights.bucketArn("/" + prefix + "*")], sid: "ReadStagedWeights"),
            .allow(["s3:ListBucket"], on: [StagedWeights.bucketArn()], sid: "ListStagedWeights",
                   conditions: ["StringLike": ["s3:prefix": .string(prefix + "*")]]),
        ])]
    }

    /// The model with weights from the Hub (the container downloads them, so no network isolation),
    /// or loading the staged copy: uncompressed S3 model data under the prefix, the environment's
    /// model ID pointing at `/opt/ml/model`, and network isolation (SageMaker copies the data in
    /// before the container starts; the container needs no network).
    static func withWeights(_ model: SageMakerModel, _ config: ServiceConfig) -> SageMakerModel {
        guard config.weights == .s3 else {
            return model.suppress("CKV_AWS_370", because: "\(config.engine.shortName) downloads the weights from the Hugging Face Hub at start-up; network isolation would block that")
        }
        var staged = model
        for key in StagedWeights.modelEnvironmentKeys where model.environment[key] == config.modelID {
            staged.environment[key] = StagedWeights.containerPath
        }
        // vLLM names the served model after what it loads: keep the Hub ID the shim's requests name.
        if config.engine == .vllm { staged.environment["SM_VLLM_SERVED_MODEL_NAME"] = config.modelID }
        staged.modelData = StagedWeights.uri(modelID: config.modelID, revision: config.weightsRevision)
        staged.networkIsolation = true
        return staged
    }
}
