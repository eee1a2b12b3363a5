/// Regions where the Hugging Face TGI image is published, with the ECR account that hosts it.
///
/// Source: the SageMaker Python SDK's `image_uri_config/huggingface-llm.json` (registries), read
/// 2026-11-22. Only the standard `aws` partition: China, GovCloud and ISO regions use other ARN
/// partitions and ECR domains and are not supported.
public enum RegionCatalog {
    /// Region → ECR account of the `huggingface-pytorch-tgi-inference` repository.
    public static let tgiRegistryAccounts: [String: String] = [
        "af-south-1": "626614931356",
        "ap-east-1": "871362719292",
        "ap-northeast-1": "763104351884",
        "ap-northeast-2": "763104351884",
        "ap-northeast-3": "364406365360",
        "ap-south-1": "763104351884",
        "ap-south-2": "772153158452",
        "ap-southeast-1": "763104351884",
        "ap-southeast-2": "763104351884",
        "ap-southeast-3": "907027046896",
        "ap-southeast-4": "457447274322",
        "ca-central-1": "763104351884",
        "ca-west-1": "204538143572",
        "eu-central-1": "763104351884",
        "eu-central-2": "380420809688",
        "eu-north-1": "763104351884",
        "eu-south-1": "692866216735",
        "eu-south-2": "503227376785",
        "eu-west-1": "763104351884",
        "eu-west-2": "763104351884",
        "eu-west-3": "763104351884",
        "il-central-1": "780543022126",
        "me-central-1": "914824155844",
        "me-south-1": "217643126080",
        "sa-east-1": "763104351884",
        "us-east-1": "763104351884",
        "us-east-2": "763104351884",
        "us-west-1": "763104351884",
        "us-west-2": "763104351884",
    ]

    /// Every supported region, sorted.
    public static var regions: [String] { tgiRegistryAccounts.keys.sorted() }
}

/// Hugging Face TGI versions with their SageMaker image tags.
///
/// Source: the SageMaker Python SDK's `huggingface-llm.json` (tag prefix, Python and CUDA versions)
/// and the Deep Learning Containers image list, read 2026-11-22.
public enum TGICatalog {
    /// The repository name in each region's registry.
    public static let repository = "huggingface-pytorch-tgi-inference"

    /// TGI version → image tag.
    public static let tags: [String: String] = [
        "2.4.0": "2.4.0-tgi2.4.0-gpu-py311-cu124-ubuntu22.04",
        "3.0.1": "2.4.0-tgi3.0.1-gpu-py311-cu124-ubuntu22.04",
        "3.2.3": "2.6.0-tgi3.2.3-gpu-py311-cu124-ubuntu22.04",
    ]

    /// The default: the newest TGI 3.x.
    public static var defaultVersion: String {
        tags.keys.filter { $0.hasPrefix("3.") }.max(by: { versionLess($0, $1) })!
    }

    /// All known versions, oldest first.
    public static var versions: [String] { tags.keys.sorted(by: versionLess) }

    /// The full image URI for a region and version, or nil when either is unknown.
    public static func image(region: String, version: String) -> String? {
        guard let account = RegionCatalog.tgiRegistryAccounts[region], let tag = tags[version] else { return nil }
        return "\(account).dkr.ecr.\(region).amazonaws.com/\(repository):\(tag)"
    }

    static func versionLess(_ a: String, _ b: String) -> Bool {
        a.split(separator: ".").compactMap { Int($0) }.lexicographicallyPrecedes(b.split(separator: ".").compactMap { Int($0) })
    }
}
