/// How a chat model wants its conversation written: one template per role, `{}` where the content
/// goes, and the prefix that asks the model to answer.
public struct ChatTemplate: Sendable, Hashable {
    public var system: String
    public var user: String
    public var assistant: String
    public var generation: String
    public var stop: [String]

    /// The compact JSON the Lambda shim reads from `CHAT_TEMPLATE`, keys in a fixed order.
    public var json: String {
        let quote = JSONText.quoted
        return "{\"system\":\(quote(system)),\"user\":\(quote(user)),\"assistant\":\(quote(assistant)),"
            + "\"generation\":\(quote(generation)),\"stop\":[\(stop.map(quote).joined(separator: ","))]}"
    }
}

/// The architecture facts that decide whether a model fits a GPU.
public struct ModelSpec: Sendable, Hashable {
    /// The Hugging Face Hub ID.
    public var id: String
    /// Parameters, in billions.
    public var parametersBillions: Double
    public var layers: Int
    /// Key/value heads (grouped-query attention shares them across query heads).
    public var kvHeads: Int
    public var headDim: Int
    /// The context window in tokens.
    public var contextTokens: Int
    /// Bytes per weight as served (2 for fp16/bf16).
    public var bytesPerParameter: Double
    public var chatTemplate: ChatTemplate?
    /// The licence the Hub names for the weights (SPDX-style identifier or the Hub's licence tag).
    public var licence: String
    /// Whether the Hub gates the repository: downloads need an account that accepted its terms, and a token.
    public var gated: Bool

    /// Bytes of the weights on the GPU.
    public var weightBytes: Double { parametersBillions * 1e9 * bytesPerParameter }

    /// Bytes of KV cache one token takes: K and V, every layer, every KV head, fp16.
    public var kvBytesPerToken: Double { Double(2 * layers * kvHeads * headDim * 2) }
}

/// The models slmstack knows without being told their size (from each model's `config.json` on the
/// Hugging Face Hub, read 2026-11-22 and 2026-12-02), with licence and gating from each model card. Every
/// size from 0.3B to 8B fits one ml.g5.xlarge (24 GiB A10G) at 16 bits with the default limits.
public enum ModelCatalog {
    static let zephyrStyle = ChatTemplate(
        system: "<|system|>\n{}</s>\n", user: "<|user|>\n{}</s>\n", assistant: "<|assistant|>\n{}</s>\n",
        generation: "<|assistant|>\n", stop: ["</s>"])
    static let chatML = ChatTemplate(
        system: "<|im_start|>system\n{}<|im_end|>\n", user: "<|im_start|>user\n{}<|im_end|>\n",
        assistant: "<|im_start|>assistant\n{}<|im_end|>\n", generation: "<|im_start|>assistant\n", stop: ["<|im_end|>"])
    static let gemma = ChatTemplate(
        system: "<start_of_turn>user\n{}<end_of_turn>\n", user: "<start_of_turn>user\n{}<end_of_turn>\n",
        assistant: "<start_of_turn>model\n{}<end_of_turn>\n", generation: "<start_of_turn>model\n", stop: ["<end_of_turn>"])

    static let phi3 = ChatTemplate(
        system: "<|system|>\n{}<|end|>\n", user: "<|user|>\n{}<|end|>\n", assistant: "<|assistant|>\n{}<|end|>\n",
        generation: "<|assistant|>\n", stop: ["<|end|>"])
    static let llama3 = ChatTemplate(
        system: "<|start_header_id|>system<|end_header_id|>\n\n{}<|eot_id|>", user: "<|start_header_id|>user<|end_header_id|>\n\n{}<|eot_id|>",
        assistant: "<|start_header_id|>assistant<|end_header_id|>\n\n{}<|eot_id|>",
        generation: "<|start_header_id|>assistant<|end_header_id|>\n\n", stop: ["<|eot_id|>"])

    /// Known models by Hub ID.
    public static let models: [String: ModelSpec] = {
        let all = [
            ModelSpec(id: "TinyLlama/TinyLlama-1.1B-Chat-v1.0", parametersBillions: 1.1, layers: 22, kvHeads: 4, headDim: 64,
                      contextTokens: 2048, bytesPerParameter: 2, chatTemplate: zephyrStyle, licence: "apache-2.0", gated: false),
            ModelSpec(id: "NousResearch/Hermes-3-Llama-3.1-8B", parametersBillions: 8.03, layers: 32, kvHeads: 8, headDim: 128,
                      contextTokens: 131_072, bytesPerParameter: 2, chatTemplate: chatML, licence: "llama3", gated: false),
            // a base model, and gated (Gemma terms): validate warns
            ModelSpec(id: "google/gemma-3-270m", parametersBillions: 0.268, layers: 18, kvHeads: 1, headDim: 256,
                      contextTokens: 32_768, bytesPerParameter: 2, chatTemplate: gemma, licence: "gemma", gated: true),
            // 0.5B, 1.5B, 3.8B and 7B instruct models, ungated
            ModelSpec(id: "Qwen/Qwen2.5-0.5B-Instruct", parametersBillions: 0.494, layers: 24, kvHeads: 2, headDim: 64,
                      contextTokens: 32_768, bytesPerParameter: 2, chatTemplate: chatML, licence: "apache-2.0", gated: false),
            ModelSpec(id: "Qwen/Qwen2.5-1.5B-Instruct", parametersBillions: 1.54, layers: 28, kvHeads: 2, headDim: 128,
                      contextTokens: 32_768, bytesPerParameter: 2, chatTemplate: chatML, licence: "apache-2.0", gated: false),
            ModelSpec(id: "microsoft/Phi-3.5-mini-instruct", parametersBillions: 3.82, layers: 32, kvHeads: 32, headDim: 96,
                      contextTokens: 131_072, bytesPerParameter: 2, chatTemplate: phi3, licence: "mit", gated: false),
            ModelSpec(id: "Qwen/Qwen2.5-7B-Instruct", parametersBillions: 7.62, layers: 28, kvHeads: 4, headDim: 128,
                      contextTokens: 32_768, bytesPerParameter: 2, chatTemplate: chatML, licence: "apache-2.0", gated: false),
            // gated (Llama 3.2 community licence): validate warns
            ModelSpec(id: "meta-llama/Llama-3.2-1B-Instruct", parametersBillions: 1.24, layers: 16, kvHeads: 8, headDim: 64,
                      contextTokens: 131_072, bytesPerParameter: 2, chatTemplate: llama3, licence: "llama3.2", gated: true),
        ]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
    }()

    /// The default model.
    public static let defaultID = "TinyLlama/TinyLlama-1.1B-Chat-v1.0"
}
