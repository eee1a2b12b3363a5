import AWSClient
import Foundation
import SigV4

/// The S3 calls staging needs, path-style (`/bucket/key`, which every region and the local AWS
/// accept), each naming the expected bucket owner (`x-amz-expected-bucket-owner`).
struct S3Objects: Sendable {
    let client: AWSClient
    let bucket: String
    let owner: String

    /// One part of an unfinished multipart upload (ListParts).
    struct Part: Sendable, Hashable {
        var number: Int
        var etag: String
        var size: Int
        /// `ChecksumSHA256` (base64), when the upload has SHA-256 checksums.
        var checksum: String?
    }

    private var ownerHeader: [(String, String)] { [("x-amz-expected-bucket-owner", owner)] }

    private func path(_ key: String) -> String { "/\(bucket)/" + URIEncoding.encode(key, keepSlash: true) }

    /// Size and user metadata (`x-amz-meta-*`, names without the prefix) of an object, or nil when
    /// there is none.
    func head(_ key: String) async throws -> (size: Int, metadata: [String: String])? {
        do {
            let response = try await client.rest(.s3, operation: "HeadObject", method: "HEAD", path: path(key), headers: ownerHeader)
            var metadata: [String: String] = [:]
            for (name, value) in response.headers where name.hasPrefix("x-amz-meta-") { metadata[String(name.dropFirst(11))] = value }
            return (Int(response.headers["content-length"] ?? "") ?? -1, metadata)
        } catch let error as AWSClientError where error.serviceError?.httpStatus == 404 {
            return nil
        }
    }

    /// An object's bytes.
    func get(_ key: String) async throws -> Data {
        try await client.rest(.s3, operation: "GetObject", method: "GET", path: path(key), headers: ownerHeader).body
    }

    /// A single PUT with its SHA-256 checksum and metadata.
    func put(_ key: String, body: [UInt8], contentType: String, metadata: [String: String]) async throws {
        _ = try await client.rest(.s3, operation: "PutObject", method: "PUT", path: path(key),
                                  headers: [("Content-Type", contentType)] + ownerHeader + Self.metadataHeaders(metadata) + checksumHeaders(body),
                                  body: body, expect: .restXML)
    }

    /// Starts a multipart upload with SHA-256 part checksums; returns its upload id.
    func createMultipartUpload(_ key: String, contentType: String, metadata: [String: String]) async throws -> String {
        let answer = try await client.restXML(.s3, operation: "CreateMultipartUpload", method: "POST", path: path(key), query: [("uploads", "")],
                                              headers: [("Content-Type", contentType), ("x-amz-checksum-algorithm", "SHA256")] + ownerHeader + Self.metadataHeaders(metadata))
        guard let id = answer?.value("UploadId"), !id.isEmpty else {
            throw AWSClientError.invalidResponse(operation: "s3 CreateMultipartUpload", reason: "no UploadId in the answer")
        }
        return id
    }

    /// The unfinished uploads of exactly `key`, oldest first.
    func unfinishedUploads(_ key: String) async throws -> [String] {
        var ids: [(String, String)] = []
        var keyMarker: String?, idMarker: String?
        repeat {
            var query: [(String, String)] = [("uploads", ""), ("prefix", key)]
            if let keyMarker { query.append(("key-marker", keyMarker)) }
            if let idMarker { query.append(("upload-id-marker", idMarker)) }
            let answer = try await client.restXML(.s3, operation: "ListMultipartUploads", method: "GET", path: "/\(bucket)", query: query, headers: ownerHeader)
            for upload in answer?.children("Upload") ?? [] where upload.value("Key") == key {
                if let id = upload.value("UploadId") { ids.append((upload.value("Initiated") ?? "", id)) }
            }
            let truncated = answer?.value("IsTruncated") == "true"
            keyMarker = truncated ? answer?.value("NextKeyMarker") : nil
            idMarker = truncated ? answer?.value("NextUploadIdMarker") : nil
        } while keyMarker != nil
        return ids.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// The parts an unfinished upload has, by part number.
    func parts(_ key: String, uploadID: String) async throws -> [Int: Part] {
        var parts: [Int: Part] = [:]
        var marker: String?
        repeat {
            var query: [(String, String)] = [("uploadId", uploadID)]
            if let marker { query.append(("part-number-marker", marker)) }
            let answer = try await client.restXML(.s3, operation: "ListParts", method: "GET", path: path(key), query: query, headers: ownerHeader)
            for part in answer?.children("Part") ?? [] {
                guard let number = Int(part.value("PartNumber") ?? ""), let etag = part.value("ETag") else { continue }
                parts[number] = Part(number: number, etag: etag, size: Int(part.value("Size") ?? "") ?? -1, checksum: part.value("ChecksumSHA256"))
            }
            marker = answer?.value("IsTruncated") == "true" ? answer?.value("NextPartNumberMarker") : nil
        } while marker != nil
        return parts
    }

    /// Uploads one part with its SHA-256 checksum (S3 refuses a part whose bytes do not match it).
    func uploadPart(_ key: String, uploadID: String, number: Int, body: [UInt8]) async throws -> Part {
        let checksum = checksumHeaders(body)
        let response = try await client.rest(.s3, operation: "UploadPart", method: "PUT", path: path(key),
                                             query: [("partNumber", String(number)), ("uploadId", uploadID)],
                                             headers: ownerHeader + checksum, body: body, expect: .restXML)
        guard let etag = response.headers["etag"] else {
            throw AWSClientError.invalidResponse(operation: "s3 UploadPart", reason: "no ETag in the answer")
        }
        return Part(number: number, etag: etag, size: body.count, checksum: checksum.last?.1)
    }

    /// Completes an upload from its parts, in order.
    func complete(_ key: String, uploadID: String, parts: [Part]) async throws {
        let items = parts.sorted { $0.number < $1.number }.map { part in
            "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(Self.xmlEscape(part.etag))</ETag>"
                + (part.checksum.map { "<ChecksumSHA256>\($0)</ChecksumSHA256>" } ?? "") + "</Part>"
        }.joined()
        let body = Array("<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\(items)</CompleteMultipartUpload>".utf8)
        // S3 can answer 200 with an <Error> document: restXML parses it as the answer, so check.
        let answer = try await client.restXML(.s3, operation: "CompleteMultipartUpload", method: "POST", path: path(key), query: [("uploadId", uploadID)],
                                              headers: [("Content-Type", "application/xml")] + ownerHeader, body: body)
        if let answer, answer.name == "Error" {
            throw AWSClientError.invalidResponse(operation: "s3 CompleteMultipartUpload", reason: "\(answer.value("Code") ?? "Error"): \(answer.value("Message") ?? "")")
        }
    }

    /// Abandons an upload (its parts are deleted).
    func abort(_ key: String, uploadID: String) async throws {
        _ = try await client.rest(.s3, operation: "AbortMultipartUpload", method: "DELETE", path: path(key), query: [("uploadId", uploadID)],
                                  headers: ownerHeader, expect: .restXML)
    }

    private func checksumHeaders(_ body: [UInt8]) -> [(String, String)] { AssetsBucket.checksum(body) }

    static func metadataHeaders(_ metadata: [String: String]) -> [(String, String)] {
        metadata.keys.sorted().map { ("x-amz-meta-\($0)", metadata[$0]!) }
    }

    static func xmlEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
