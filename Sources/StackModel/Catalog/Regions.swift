/// Regions where the stack can be deployed: the Hugging Face TGI image is published there and
/// CloudFormation offers every resource type the stack uses.
///
/// The tables (`tgiRegistryAccounts`, `missingCloudFormationTypes`, `cloudFormationTypes`) are generated
/// into Regions.generated.swift by tools/catalog/refresh_regions.py from the SageMaker Python SDK's
/// `image_uri_config/huggingface-llm.json` (registries) and cfn-lint's per-region provider lists. Only the
/// standard `aws` partition: China, GovCloud and ISO regions use other ARN partitions and ECR domains.
public enum RegionCatalog {
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
