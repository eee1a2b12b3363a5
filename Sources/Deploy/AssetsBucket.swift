import AWSClient
import Foundation
import SigV4
import StackModel

/// The private, encrypted, versioned bucket that holds templates too large to send inline and
/// Lambda code packages.
///
/// Its name is predictable (`slmstack-assets-<account>-<region>`), so every call names the expected
/// owner (`x-amz-expected-bucket-owner`): a bucket of that name owned by anyone else is refused, never
/// written to. Hardening runs on every upload, so a bucket whose first hardening failed is fixed.
public struct AssetsBucket: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) { self.client = client }

    /// The bucket name for an account and region.
    public static func name(account: String, region: String) -> String { LambdaPackage.bucketName(account: account, region: region) }

    /// Uploads `bytes` under a content-addressed key, creating and hardening the bucket as needed,
    /// and returns the https URL CloudFormation reads it from (path-style, which every region accepts).
    ///
    /// - Throws: `DeployError.stuck` when a bucket of that name belongs to another account.
    public func upload(_ bytes: Data, stack: String) async throws -> String {
        try await put(Array(bytes), key: "templates/\(stack)/\(Self.digest(bytes)).template.json", contentType: "application/json", stack: stack)
    }

    /// Uploads a Lambda package under its own key (`LambdaPackage.bucket` in the template names the
    /// same bucket) and returns its URL.
    public func upload(_ package: LambdaPackage, stack: String) async throws -> String {
        try await put(package.archive.bytes, key: package.key, contentType: "application/zip", stack: stack)
    }

    /// Creates and hardens the bucket as needed, then puts one object; returns its URL.
    public func put(_ bytes: [UInt8], key: String, contentType: String, stack: String) async throws -> String {
        let account = try await client.getCallerIdentity().account
        let bucket = Self.name(account: account, region: client.region)
        let owner = [("x-amz-expected-bucket-owner", account)]
        do {
            try await client.createBucket(bucket)
        } catch let error as AWSClientError {
            switch error.serviceError?.code {
            case "BucketAlreadyOwnedByYou":
                break
            case "BucketAlreadyExists":
                throw DeployError.stuck(stack: stack, status: "assets bucket unavailable",
                                        advice: "the assets bucket name \(bucket) is taken by another account; nothing was uploaded (\(key)): shorten the template (fewer or shorter tags) so it goes inline, and turn streaming off")
            default:
                throw error
            }
        }
        try await harden(bucket, owner: owner)
        _ = try await client.rest(.s3, operation: "PutObject", method: "PUT", path: "/\(bucket)/\(key)",
                                  headers: [("Content-Type", contentType)] + owner + Self.checksum(bytes), body: bytes,
                                  expect: .restXML)
        return "https://s3.\(client.region).amazonaws.com/\(bucket)/\(key)"
    }

    /// Blocks public access, turns on default encryption and versioning (idempotent).
    func harden(_ bucket: String, owner: [(String, String)]) async throws {
        let path = "/" + bucket
        let namespace = "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""
        let block = "<PublicAccessBlockConfiguration \(namespace)><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>"
        let encryption = "<ServerSideEncryptionConfiguration \(namespace)><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>"
        let versioning = "<VersioningConfiguration \(namespace)><Status>Enabled</Status></VersioningConfiguration>"
        for (name, subresource, body) in [("PutPublicAccessBlock", "publicAccessBlock", block), ("PutBucketEncryption", "encryption", encryption),
                                          ("PutBucketVersioning", "versioning", versioning)] {
            // These operations require a body checksum (Content-MD5 or a flexible checksum).
            _ = try await client.restXML(.s3, operation: name, method: "PUT", path: path, query: [(subresource, "")],
                                         headers: [("Content-Type", "application/xml")] + owner + Self.checksum(Array(body.utf8)),
                                         body: Array(body.utf8))
        }
    }

    /// `x-amz-checksum-sha256` (base64 of the body's SHA-256) with its algorithm header.
    static func checksum(_ body: [UInt8]) -> [(String, String)] {
        guard let digest = try? SHA256.hash(body) else { return [] }
        return [("x-amz-sdk-checksum-algorithm", "SHA256"), ("x-amz-checksum-sha256", Data(digest).base64EncodedString())]
    }

    /// A short content hash for the object key (FNV-1a, hex), so the same template is not uploaded twice.
    static func digest(_ bytes: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(hash, radix: 16)
    }
}
