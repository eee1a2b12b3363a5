/// Regions where the stack can be deployed: an engine's image is published there and CloudFormation
/// offers every resource type the stack uses.
///
/// The tables (`registryAccounts`, `missingCloudFormationTypes`, `cloudFormationTypes`) are generated
/// into Regions.generated.swift by tools/catalog/refresh_regions.py from the SageMaker Python SDK's
/// `image_uri_config` files (registries) and cfn-lint's per-region provider lists. Only the standard
/// `aws` partition: China, GovCloud and ISO regions use other ARN partitions and ECR domains.
public enum RegionCatalog {
    /// Every region where some engine is supported, sorted.
    public static var regions: [String] { Set(registryAccounts.values.flatMap(\.keys)).sorted() }

    /// The regions where `engine` is supported, sorted.
    public static func regions(for engine: Engine) -> [String] { (registryAccounts[engine] ?? [:]).keys.sorted() }

    /// Region → registry account of the TGI image (the default engine).
    public static var tgiRegistryAccounts: [String: String] { registryAccounts[.tgi] ?? [:] }
}
