import AWSClient
import Foundation
import StackModel

/// What `deploy` checks before a `weights s3` stack: the staged copy SageMaker will load is there.
public enum StagedWeightsCheck {
    /// Why the staged weights of `modelID` at `revision` cannot be loaded, or nil when the manifest
    /// `stage-model` writes last is in the assets bucket and every file it lists is there with its size.
    public static func problem(client: AWSClient, modelID: String, revision: String) async throws -> String? {
        let account = try await client.getCallerIdentity().account
        let bucket = AssetsBucket.name(account: account, region: client.region)
        let s3 = S3Objects(client: client, bucket: bucket, owner: account)
        let fix = "run slmstack stage-model --model-id \(modelID)" + (revision == "main" ? "" : " --revision \(revision)")
            + " --region \(client.region) first (same account)"
        let manifestKey = StagedWeights.manifestKey(modelID: modelID, revision: revision)
        let manifest: Data
        do {
            guard try await s3.head(manifestKey) != nil else {
                return "weights s3: \(modelID) at \(revision) is not staged in s3://\(bucket)/\(StagedWeights.prefix(modelID: modelID, revision: revision)): \(fix)"
            }
            manifest = try await s3.get(manifestKey)
        } catch let error as AWSClientError where error.serviceError?.code == "NoSuchBucket" || error.serviceError?.httpStatus == 404 {
            return "weights s3: the assets bucket \(bucket) does not exist, so \(modelID) is not staged: \(fix)"
        }
        guard let files = (try? JSONValue.parse(manifest))?["files"]?.array else {
            return "weights s3: the manifest s3://\(bucket)/\(manifestKey) is unreadable: \(fix) again"
        }
        let prefix = StagedWeights.prefix(modelID: modelID, revision: revision)
        for file in files {
            guard let path = file["path"]?.string, let size = file["size"]?.int else { continue }
            let object = try await s3.head(prefix + path)
            if object?.size != size {
                return "weights s3: s3://\(bucket)/\(prefix)\(path) is \(object == nil ? "missing" : "\(object!.size) bytes, not \(size)"): \(fix) again"
            }
        }
        return nil
    }
}
