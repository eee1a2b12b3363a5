/// The serving engine in the SageMaker container.
public enum Engine: String, Sendable, Hashable, CaseIterable {
    /// Hugging Face Text Generation Inference (`huggingface-pytorch-tgi-inference`), in maintenance
    /// since December 2025 but the mission's engine, so the default.
    case tgi
    /// vLLM in the Hugging Face vLLM SageMaker container (`huggingface-vllm`), which maps each
    /// `SM_VLLM_*` variable to a `vllm serve` flag and reads the model from `HF_MODEL_ID`.
    case vllm

    /// The name people know it by.
    public var displayName: String {
        switch self {
        case .tgi: "Hugging Face TGI"
        case .vllm: "vLLM"
        }
    }

    /// The short name in messages: `TGI`, `vLLM`.
    public var shortName: String {
        switch self {
        case .tgi: "TGI"
        case .vllm: "vLLM"
        }
    }

    /// Seconds the container may take to answer its first health check, unless set: TGI loads and
    /// warms up in a few minutes; vLLM also compiles the model and captures CUDA graphs at start.
    public var defaultStartupTimeoutSeconds: Int {
        switch self {
        case .tgi: 600
        case .vllm: 1200
        }
    }

    /// Seconds SageMaker may take to download model data from S3, unless set (the Hub download happens
    /// inside the container, under the startup timeout). vLLM images and their compile caches are larger.
    public var defaultDownloadTimeoutSeconds: Int {
        switch self {
        case .tgi: 600
        case .vllm: 900
        }
    }
}

/// One published image of an engine version.
public struct EngineImage: Sendable, Hashable {
    /// The tag in the engine's repository, as the SageMaker Python SDK builds it.
    public var tag: String
    /// The CUDA toolkit the image was built with, for example `12.4`.
    public var cuda: String

    /// CUDA's major version (12 for `12.4`).
    public var cudaMajor: Int { Int(cuda.split(separator: ".").first ?? "") ?? 0 }
}

/// Engine images per version and region, generated from the SageMaker Python SDK's image_uri_config
/// files (`repositories`, `images` in Regions.generated.swift; refresh with tools/catalog/refresh_regions.py).
public enum EngineCatalog {
    /// The engine's versions, oldest first.
    public static func versions(_ engine: Engine) -> [String] { (images[engine] ?? [:]).keys.sorted(by: versionLess) }

    /// The newest version.
    public static func newest(_ engine: Engine) -> String { versions(engine).last ?? "" }

    /// The default version: TGI's newest 3.x, vLLM's newest.
    public static func defaultVersion(_ engine: Engine) -> String {
        switch engine {
        case .tgi: versions(.tgi).last { $0.hasPrefix("3.") } ?? newest(.tgi)
        case .vllm: newest(.vllm)
        }
    }

    /// The image of a version, or nil when the engine has no such version.
    public static func image(_ engine: Engine, version: String) -> EngineImage? { images[engine]?[version] }

    /// The full image URI, or nil when the version or the region is unknown for the engine.
    public static func imageURI(_ engine: Engine, region: String, version: String) -> String? {
        guard let account = RegionCatalog.registryAccounts[engine]?[region], let image = image(engine, version: version),
              let repository = repositories[engine] else { return nil }
        return "\(account).dkr.ecr.\(region).amazonaws.com/\(repository):\(image.tag)"
    }

    static func versionLess(_ a: String, _ b: String) -> Bool {
        a.split(separator: ".").compactMap { Int($0) }.lexicographicallyPrecedes(b.split(separator: ".").compactMap { Int($0) })
    }
}

/// A SageMaker inference host image (`ProductionVariant.InferenceAmiVersion`): the NVIDIA driver under
/// the container. Without one, ml.g5, ml.g4dn and ml.p4d hosts run driver 470 (CUDA 11.4), where CUDA 12
/// images start only through the image's forward-compatibility libraries and CUDA 13 images not at all.
public struct InferenceAMI: Sendable, Hashable {
    public var version: String
    /// The NVIDIA driver series.
    public var driver: Int
    /// The CUDA version the driver supports.
    public var cuda: String
    public var cudaMajor: Int

    /// The GPU inference AMIs chosen from, one per CUDA major version, as the SageMaker API reference lists
    /// them (ProductionVariant, InferenceAmiVersion; botocore 1.43): the newest of each major. AWS's own
    /// Deep Learning Containers tests pair them the same way (gpu-3-1 for CUDA 12 images, gpu-4-1 for 13).
    public static let all: [InferenceAMI] = [
        InferenceAMI(version: "al2-ami-sagemaker-inference-gpu-3-1", driver: 550, cuda: "12.4", cudaMajor: 12),
        InferenceAMI(version: "al2023-ami-sagemaker-inference-gpu-4-1", driver: 580, cuda: "13.0", cudaMajor: 13),
    ]

    /// The AMI for an image: the one of the image's CUDA major version (a CUDA 12.9 image runs on driver
    /// 550 through the image's forward-compatibility libraries, as on AWS's own CUDA 12 containers), or nil.
    public static func `for`(_ image: EngineImage) -> InferenceAMI? {
        all.first { $0.cudaMajor == image.cudaMajor }
    }
}
