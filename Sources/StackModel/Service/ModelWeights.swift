/// Where the endpoint's container gets the model's weights.
public enum WeightsSource: String, Sendable, Hashable, CaseIterable {
    /// The container downloads them from the Hugging Face Hub at every start, through the NAT gateway.
    case hub
    /// `slmstack stage-model` copied them to the assets bucket beforehand; SageMaker copies them to
    /// `/opt/ml/model` before the container starts, through an S3 gateway endpoint (no NAT gateway,
    /// no internet path, the container network-isolated).
    case s3
}

/// Where staged weights live: deterministic from the model ID and the revision, so that synth
/// needs nothing but the configuration.
///
/// The objects are `models/<model-id>/<revision>/<file>` in the assets bucket
/// (`slmstack-assets-<account>-<region>`), and `models/<model-id>/<revision>.manifest.json` records
/// the revision's commit and every file's size and SHA-256 (outside the prefix, so SageMaker does
/// not copy it into the container).
public enum StagedWeights {
    /// Where SageMaker puts uncompressed model data, and what `HF_MODEL_ID` names for TGI to load it
    /// from (as the SageMaker Python SDK's Hugging Face LLM examples set it).
    public static let containerPath = "/opt/ml/model"

    /// The container variables that name the model to load, which point at `containerPath` instead:
    /// TGI's `HF_MODEL_ID` (its SageMaker entrypoint passes it as `--model-id`), vLLM's
    /// `SM_VLLM_MODEL` (its SageMaker entrypoint turns `SM_VLLM_*` into `vllm serve` flags, so
    /// `--model`), and the LMI containers' `HF_MODEL_ID`/`OPTION_MODEL_ID`. A served model name
    /// (`SM_VLLM_SERVED_MODEL_NAME`) keeps the Hub ID.
    public static let modelEnvironmentKeys = ["HF_MODEL_ID", "SM_VLLM_MODEL", "OPTION_MODEL_ID"]

    /// The key prefix of the model's files, with its trailing `/`.
    public static func prefix(modelID: String, revision: String) -> String { "models/\(modelID)/\(revision)/" }

    /// The manifest's key.
    public static func manifestKey(modelID: String, revision: String) -> String { "models/\(modelID)/\(revision).manifest.json" }

    /// `s3://<assets bucket>/<prefix>` as CloudFormation resolves it in the account and region deployed to.
    public static func uri(modelID: String, revision: String) -> Value {
        .join(["s3://slmstack-assets-", .pseudo(.accountID), "-", .pseudo(.region), .string("/" + prefix(modelID: modelID, revision: revision))])
    }

    /// The assets bucket's ARN, followed by `suffix`.
    public static func bucketArn(_ suffix: String = "") -> Value {
        .join(["arn:", .pseudo(.partition), ":s3:::slmstack-assets-", .pseudo(.accountID), "-", .pseudo(.region), .string(suffix)])
    }

    /// Why `revision` cannot name a staged revision, or nil: 1-100 letters, digits, `.`, `_`, `-`
    /// (a branch, a tag or a commit SHA; no `/`, so it stays one key segment).
    public static func revisionProblem(_ revision: String) -> String? {
        let valid = !revision.isEmpty && revision.count <= 100 && revision != "." && revision != ".."
            && revision.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
        return valid ? nil : "'\(revision)' is not a revision slmstack can stage: use a branch, tag or commit SHA of 1-100 letters, digits, '.', '_' or '-'"
    }

    /// Why `modelID` cannot be staged, or nil: a Hub ID `owner/name` of letters, digits, `.`, `_`, `-`.
    public static func modelIDProblem(_ modelID: String) -> String? {
        let parts = modelID.split(separator: "/", omittingEmptySubsequences: false)
        let valid = (1...2).contains(parts.count) && parts.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".."
                && part.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
        }
        return valid ? nil : "'\(modelID)' is not a Hub model ID that can be staged: expected owner/name of letters, digits, '.', '_' or '-'"
    }
}

extension ServiceConfig {
    /// Whether the stack has a NAT gateway: asked for (`nat-gateway`) and needed (weights from the Hub).
    public var hasNatGateway: Bool { natGateway && weights == .hub }

    /// The settings of the weights' source, after every other setting in help.
    static let weightsSettings: [Setting] = [
        Setting(key: "weights", placeholder: "hub|s3",
                help: "Where the model's weights come from: hub (the container downloads them at every start, through the NAT gateway) or s3 (staged beforehand with `slmstack stage-model`; no NAT gateway, no internet path)",
                terraformType: "string", read: { $0.weights.rawValue }) { config, text throws(SettingError) in
            config.weights = try choice("weights", text)
        },
        Setting(key: "weights-revision", placeholder: "REV",
                help: "With weights s3: the Hub revision (branch, tag or commit) staged by `slmstack stage-model` and loaded from models/<model-id>/<revision>/ in the assets bucket",
                terraformType: "string", read: { $0.weightsRevision }) { config, text throws(SettingError) in
            if let problem = StagedWeights.revisionProblem(text) { throw SettingError(key: "weights-revision", message: problem) }
            config.weightsRevision = text
        },
    ]

    /// Problems of the weights' settings (`validate` adds them).
    func weightsProblems() -> [ValidationProblem] {
        guard weights == .s3, let problem = StagedWeights.modelIDProblem(modelID) else { return [] }
        return [ValidationProblem("config", "model-id", "model-id", problem + " (weights s3 stages it under models/<model-id>/)")]
    }
}
