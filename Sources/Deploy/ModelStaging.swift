import AWSClient
import Foundation
import SigV4
import StackModel

/// Why staging stopped. Messages name the file and what to do.
public enum StagingError: Error, CustomStringConvertible, Equatable {
    case noWeights(model: String, revision: String)
    case noConfig(model: String, revision: String)
    case checksumMismatch(path: String, expected: String, actual: String)
    case tooManyParts(path: String, parts: Int)
    case bucketTaken(String)

    public var description: String {
        switch self {
        case .noWeights(let model, let revision):
            "\(model) at \(revision) has no *.safetensors or *.bin weights at the top of the repository: pick a model (or revision) with safetensors weights"
        case .noConfig(let model, let revision):
            "\(model) at \(revision) has no config.json: it is not a Transformers model the serving container can load"
        case .checksumMismatch(let path, let expected, let actual):
            "\(path) from the Hub has SHA-256 \(actual), not the \(expected) its LFS pointer names: the unfinished upload was abandoned; run stage-model again"
        case .tooManyParts(let path, let parts):
            "\(path) needs \(parts) parts, over S3's 10,000: raise --part-size"
        case .bucketTaken(let bucket):
            "the assets bucket name \(bucket) is taken by another account: nothing was uploaded"
        }
    }
}

/// Copies a model's serving files from the Hugging Face Hub to the assets bucket under
/// `models/<model-id>/<revision>/` (see `StagedWeights`), part by part (each part one `Range`
/// request to the Hub and one `UploadPart`, so no file is held in memory whole), with SHA-256
/// checksums S3 verifies on every part and object, and the LFS SHA-256 of each weights file checked
/// end to end before its upload is completed.
///
/// A re-run skips objects already staged with the same size and SHA-256 (`x-amz-meta-sha256`, or
/// the git blob id for small files kept in git) and resumes an unfinished multipart upload: parts
/// S3 already has (ListParts, same size) are not sent again, but are read again from the Hub for the
/// whole-file SHA-256. Last, `models/<model-id>/<revision>.manifest.json` records the commit and
/// every file, which `deploy` checks for.
public struct ModelStager: Sendable {
    public let hub: HubClient
    public let client: AWSClient
    /// Bytes per part; S3's minimum is 5 MiB (except the last part).
    public let partSize: Int
    /// Notes for stderr.
    public let note: @Sendable (String) -> Void
    /// Whether the progress line is rewritten in place (a terminal).
    public let inPlace: Bool
    /// Raw text for stderr (the progress line).
    public let write: @Sendable (String) -> Void

    public init(hub: HubClient, client: AWSClient, partSize: Int, inPlace: Bool,
                note: @escaping @Sendable (String) -> Void, write: @escaping @Sendable (String) -> Void) {
        self.hub = hub
        self.client = client
        self.partSize = partSize
        self.inPlace = inPlace
        self.note = note
        self.write = write
    }

    /// What a staging did.
    public struct Outcome: Sendable {
        public var bucket: String
        public var prefix: String
        public var commit: String
        public var files: [HubFile]
        public var uploaded: [String]
        public var skipped: [String]
        public var bytes: Int
    }

    /// Files the serving containers read, as Hugging Face's own tools choose them for serving:
    /// config and tokenizer files, and the weights as safetensors (with their index), or as
    /// PyTorch `.bin` files only when the model has no safetensors. Top-level files only; no
    /// README, .gitattributes, ONNX, GGUF or other copies of the weights.
    public static func servingFiles(_ files: [HubFile]) -> [HubFile] {
        let top = files.filter { !$0.path.contains("/") }
        let safetensors = top.contains { $0.path.hasSuffix(".safetensors") }
        return top.filter { file in
            if metadataFiles.contains(file.path) { return true }
            if safetensors { return file.path.hasSuffix(".safetensors") || file.path.hasSuffix(".safetensors.index.json") }
            return file.path.hasSuffix(".bin") || file.path.hasSuffix(".bin.index.json")
        }
    }

    /// The configuration and tokenizer files a Transformers model may have.
    static let metadataFiles: Set<String> = [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
        "vocab.json", "vocab.txt", "merges.txt", "added_tokens.json", "chat_template.json", "chat_template.jinja", "preprocessor_config.json",
        "processor_config.json",
    ]

    /// Lists the revision on the Hub and picks the serving files (no AWS call).
    ///
    /// - Throws: `HubError` (gated, not found), `StagingError.noConfig`/`.noWeights`.
    public func plan(modelID: String, revision: String) async throws -> (HubRevision, [HubFile]) {
        let listed = try await hub.revision(modelID: modelID, revision: revision)
        let files = Self.servingFiles(listed.files)
        guard files.contains(where: { $0.path == "config.json" }) else { throw StagingError.noConfig(model: modelID, revision: revision) }
        guard files.contains(where: { $0.path.hasSuffix(".safetensors") || $0.path.hasSuffix(".bin") }) else {
            throw StagingError.noWeights(model: modelID, revision: revision)
        }
        for file in files where file.size > partSize {
            let parts = (file.size + partSize - 1) / partSize
            if parts > 10_000 { throw StagingError.tooManyParts(path: file.path, parts: parts) }
        }
        return (listed, files)
    }

    /// Stages `files` of `listed` into the assets bucket, creating and hardening it as needed.
    public func stage(_ listed: HubRevision, files: [HubFile]) async throws -> Outcome {
        let account = try await client.getCallerIdentity().account
        let bucket = AssetsBucket.name(account: account, region: client.region)
        try await ensureBucket(bucket, account: account)
        let s3 = S3Objects(client: client, bucket: bucket, owner: account)
        let prefix = StagedWeights.prefix(modelID: listed.modelID, revision: listed.revision)
        let progress = StagingProgress(total: files.reduce(0) { $0 + $1.size }, inPlace: inPlace, write: write)
        var outcome = Outcome(bucket: bucket, prefix: prefix, commit: listed.commit, files: files, uploaded: [], skipped: [], bytes: 0)
        var digests: [String: String] = [:]
        for file in files {
            let key = prefix + file.path
            if let existing = try await s3.head(key), existing.size == file.size,
               let sha = existing.metadata["sha256"], file.sha256.map({ $0 == sha }) ?? (existing.metadata["git-oid"] == file.gitOID) {
                digests[file.path] = sha
                outcome.skipped.append(file.path)
                progress.advance(file.size, file: file.path + " (already staged)")
                continue
            }
            digests[file.path] = file.size > partSize
                ? try await multipart(file, key: key, listed: listed, s3: s3, progress: progress)
                : try await single(file, key: key, listed: listed, s3: s3, progress: progress)
            outcome.uploaded.append(file.path)
            outcome.bytes += file.size
        }
        progress.finish()
        let manifest: JSONValue = [
            "model-id": .string(listed.modelID), "revision": .string(listed.revision), "commit": .string(listed.commit),
            "prefix": .string(prefix),
            "files": .array(files.map { ["path": .string($0.path), "size": .number(Double($0.size)), "sha256": .string(digests[$0.path] ?? "")] }),
        ]
        try await s3.put(StagedWeights.manifestKey(modelID: listed.modelID, revision: listed.revision), body: Array(manifest.pretty().utf8) + [0x0a],
                         contentType: "application/json", metadata: ["commit": listed.commit])
        return outcome
    }

    /// A file of at most one part: one GET, one PUT. Returns its SHA-256.
    private func single(_ file: HubFile, key: String, listed: HubRevision, s3: S3Objects, progress: StagingProgress) async throws -> String {
        let bytes = [UInt8](try await hub.download(modelID: listed.modelID, commit: listed.commit, path: file.path))
        let sha = try SHA256.hexHash(bytes)
        if let expected = file.sha256, expected != sha { throw StagingError.checksumMismatch(path: file.path, expected: expected, actual: sha) }
        try await s3.put(key, body: bytes, contentType: Self.contentType(file.path),
                         metadata: ["sha256": sha, "git-oid": file.gitOID, "commit": listed.commit])
        progress.advance(file.size, file: file.path)
        return sha
    }

    /// A file of several parts, resuming an unfinished upload of the same key. Returns its SHA-256.
    private func multipart(_ file: HubFile, key: String, listed: HubRevision, s3: S3Objects, progress: StagingProgress) async throws -> String {
        let count = (file.size + partSize - 1) / partSize
        let unfinished = try await s3.unfinishedUploads(key)
        let uploadID: String
        var existing: [Int: S3Objects.Part] = [:]
        if let latest = unfinished.last {
            uploadID = latest
            existing = try await s3.parts(key, uploadID: latest)
            progress.finish()
            note("resuming the upload of \(file.path): \(existing.count) of \(count) parts already uploaded")
        } else {
            var metadata = ["git-oid": file.gitOID, "commit": listed.commit]
            if let sha = file.sha256 { metadata["sha256"] = sha }
            uploadID = try await s3.createMultipartUpload(key, contentType: Self.contentType(file.path), metadata: metadata)
        }
        let hasher = try SHA256Stream()
        var parts: [S3Objects.Part] = []
        for number in 1...count {
            let start = (number - 1) * partSize
            let range = start...(min(start + partSize, file.size) - 1)
            let bytes = [UInt8](try await hub.download(modelID: listed.modelID, commit: listed.commit, path: file.path, range: range))
            try hasher.update(bytes)
            // S3 checked each part it has against the SHA-256 sent with it, computed from the same
            // commit's bytes: the same size is the same part.
            if let part = existing[number], part.size == bytes.count {
                let checksum = try part.checksum ?? Data(SHA256.hash(bytes)).base64EncodedString()
                parts.append(S3Objects.Part(number: number, etag: part.etag, size: part.size, checksum: checksum))
            } else {
                parts.append(try await s3.uploadPart(key, uploadID: uploadID, number: number, body: bytes))
            }
            progress.advance(bytes.count, file: "\(file.path) part \(number)/\(count)")
        }
        let sha = try hasher.finalizeHex()
        if let expected = file.sha256, expected != sha {
            try? await s3.abort(key, uploadID: uploadID)
            throw StagingError.checksumMismatch(path: file.path, expected: expected, actual: sha)
        }
        try await s3.complete(key, uploadID: uploadID, parts: parts)
        // Older unfinished uploads of the same key would bill for their parts until aborted.
        for stale in unfinished.dropLast() { try? await s3.abort(key, uploadID: stale) }
        return sha
    }

    /// Creates the bucket if needed and hardens it (private, encrypted, versioned), as `AssetsBucket` does.
    private func ensureBucket(_ bucket: String, account: String) async throws {
        do {
            try await client.createBucket(bucket)
        } catch let error as AWSClientError {
            switch error.serviceError?.code {
            case "BucketAlreadyOwnedByYou": break
            case "BucketAlreadyExists": throw StagingError.bucketTaken(bucket)
            default: throw error
            }
        }
        try await AssetsBucket(client: client).harden(bucket, owner: [("x-amz-expected-bucket-owner", account)])
    }

    static func contentType(_ path: String) -> String {
        path.hasSuffix(".json") ? "application/json" : path.hasSuffix(".txt") || path.hasSuffix(".jinja") ? "text/plain" : "application/octet-stream"
    }
}
