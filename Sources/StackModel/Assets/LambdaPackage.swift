/// A Lambda function's code as a zip package in the account's assets bucket, for code that cannot
/// be inlined (several files, an executable start script).
///
/// `deploy` uploads the archive to `slmstack-assets-<account>-<region>` under `key` before it creates
/// or updates the stack; `synth` writes it beside the template. The key carries a hash of the
/// archive, so changed code is a new object and CloudFormation updates the function.
public struct LambdaPackage: Hashable, Sendable {
    /// The archive, byte for byte the same for the same files.
    public var archive: ZipArchive
    /// The object key: `lambda/<stem>-<8 hex digits of the archive's FNV-1a hash>.zip`.
    public var key: String

    public init(stem: String, archive: ZipArchive) {
        self.archive = archive
        key = "lambda/\(stem)-\(StableHash.hex8(bytes: archive.bytes)).zip"
    }

    /// The bucket's name as CloudFormation resolves it in the account and region deployed to.
    public static let bucket: Value = .join(["slmstack-assets-", .pseudo(.accountID), "-", .pseudo(.region)])

    /// The bucket's name for an account and region (what `bucket` resolves to).
    public static func bucketName(account: String, region: String) -> String { "slmstack-assets-\(account)-\(region)" }
}
