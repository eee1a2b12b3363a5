import AWSClient
import Foundation

/// Why the Hugging Face Hub could not give a model's files. Messages never contain the token.
public enum HubError: Error, CustomStringConvertible, Equatable {
    /// 401 or 403: a gated or private model, or a token without access.
    case gated(model: String, status: Int, hasToken: Bool, endpoint: String)
    /// 404: no such model, revision or file.
    case notFound(model: String, what: String)
    /// Any other failure: the request and what went wrong.
    case failed(what: String, reason: String)

    public var description: String {
        switch self {
        case .gated(let model, let status, let hasToken, let endpoint):
            hasToken
                ? "the Hub refused the token for \(model) (HTTP \(status)): the model is gated or private; accept its licence at \(endpoint)/\(model) with the account the token belongs to, or set HF_TOKEN to a read token of an account that has access"
                : "\(model) is gated or private on the Hub (HTTP \(status) without a token): accept its licence at \(endpoint)/\(model), then set HF_TOKEN to a read token (huggingface.co/settings/tokens) or run huggingface-cli login"
        case .notFound(let model, let what):
            "the Hub has no \(what) for \(model) (HTTP 404): check --model-id and --revision"
        case .failed(let what, let reason):
            "the Hub failed on \(what): \(reason)"
        }
    }
}

/// One file of a model at a commit, from the Hub's tree API.
public struct HubFile: Sendable, Hashable {
    /// The path in the repository.
    public var path: String
    /// Bytes.
    public var size: Int
    /// The git blob id (`oid`).
    public var gitOID: String
    /// The SHA-256 of an LFS file (`lfs.oid`), nil for a file kept in git itself.
    public var sha256: String?
}

/// A revision resolved to its commit, with its files.
public struct HubRevision: Sendable, Hashable {
    public var modelID: String
    /// The branch, tag or commit asked for.
    public var revision: String
    /// The commit it names (`sha`).
    public var commit: String
    public var files: [HubFile]
}

/// The Hugging Face Hub's file API, as `huggingface_hub` calls it: `GET /api/models/<id>/revision/<rev>`
/// (the commit `sha`), `GET /api/models/<id>/tree/<commit>?recursive=true` (paths, sizes, LFS
/// SHA-256s, paginated by `Link: <…>; rel="next"`), and `GET /<id>/resolve/<commit>/<path>` with
/// `Range` for the bytes. Authenticates with the user's own token (`Authorization: Bearer`), which
/// is sent only to the Hub's own host: a redirect to another host (the Hub's CDN) is followed
/// without it.
public struct HubClient: Sendable {
    /// `HF_ENDPOINT`, or `https://huggingface.co`, without a trailing `/`.
    public let endpoint: String
    private let token: String?
    private let transport: any HTTPTransport
    /// Seconds one request may take.
    public let timeout: TimeInterval

    /// Whether a token will be sent.
    public var hasToken: Bool { token != nil }

    public init(endpoint: String, token: String?, transport: any HTTPTransport = StandardTransport(userAgent: "slmstack", timeout: 60),
                timeout: TimeInterval = 300) {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        self.endpoint = base
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.transport = transport
        self.timeout = timeout
    }

    /// The endpoint and token from the environment as `huggingface_hub` reads them: `HF_ENDPOINT`;
    /// `HF_TOKEN` (or the older `HUGGING_FACE_HUB_TOKEN`), else the file at `HF_TOKEN_PATH`, else
    /// `$HF_HOME/token` (`HF_HOME` defaults to `~/.cache/huggingface`).
    public static func fromEnvironment(_ environment: [String: String]) -> HubClient {
        let endpoint = environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://huggingface.co"
        var token = environment["HF_TOKEN"] ?? environment["HUGGING_FACE_HUB_TOKEN"]
        if token?.isEmpty ?? true {
            let home = environment["HOME"] ?? NSHomeDirectory()
            let hfHome = environment["HF_HOME"] ?? home + "/.cache/huggingface"
            let path = environment["HF_TOKEN_PATH"] ?? hfHome + "/token"
            token = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return HubClient(endpoint: endpoint, token: token)
    }

    /// Resolves `revision` to its commit and lists its files.
    public func revision(modelID: String, revision: String) async throws -> HubRevision {
        let info = try await json("/api/models/\(modelID)/revision/\(escape(revision))", model: modelID, what: "revision \(revision)")
        guard let commit = info["sha"]?.string, !commit.isEmpty else {
            throw HubError.failed(what: "revision \(revision) of \(modelID)", reason: "the answer has no commit sha")
        }
        var files: [HubFile] = []
        var next: String? = endpoint + "/api/models/\(modelID)/tree/\(commit)?recursive=true"
        var pages = 0
        while let url = next, pages < 1000 {
            pages += 1
            let response = try await get(url, model: modelID, what: "the file list of revision \(revision)")
            guard let items = (try? JSONValue.parse(response.body))?.array else {
                throw HubError.failed(what: "the file list of \(modelID)", reason: "the answer is not a JSON array")
            }
            for item in items where item["type"]?.string == "file" {
                guard let path = item["path"]?.string, let size = item["size"]?.int else { continue }
                let lfs = item["lfs"]?["oid"]?.string ?? item["lfs"]?["sha256"]?.string
                files.append(HubFile(path: path, size: size, gitOID: item["oid"]?.string ?? "", sha256: lfs.map { $0.replacingOccurrences(of: "sha256:", with: "") }))
            }
            next = Self.nextLink(response.headers["link"]).map { $0.hasPrefix("/") ? endpoint + $0 : $0 }
        }
        return HubRevision(modelID: modelID, revision: revision, commit: commit, files: files.sorted { $0.path < $1.path })
    }

    /// Bytes `range` of a file at a commit (`Range: bytes=a-b`), or the whole file.
    public func download(modelID: String, commit: String, path: String, range: ClosedRange<Int>? = nil) async throws -> Data {
        let url = endpoint + "/\(modelID)/resolve/\(commit)/" + path.split(separator: "/").map { escape(String($0)) }.joined(separator: "/")
        let headers = range.map { [("Range", "bytes=\($0.lowerBound)-\($0.upperBound)")] } ?? []
        let response = try await get(url, model: modelID, what: path, headers: headers)
        if let range {
            guard response.status == 206 || (response.status == 200 && range.lowerBound == 0) else {
                throw HubError.failed(what: path, reason: "HTTP \(response.status) to a range request")
            }
            let body = response.status == 200 ? response.body.prefix(range.count) : response.body
            guard body.count == range.count else {
                throw HubError.failed(what: path, reason: "\(body.count) bytes where bytes \(range.lowerBound)-\(range.upperBound) were asked for")
            }
            return Data(body)
        }
        return response.body
    }

    // MARK: - HTTP

    private func json(_ path: String, model: String, what: String) async throws -> JSONValue {
        let response = try await get(endpoint + path, model: model, what: what)
        guard let value = try? JSONValue.parse(response.body) else {
            throw HubError.failed(what: "\(what) of \(model)", reason: "the answer is not JSON")
        }
        return value
    }

    /// GET with the token for the Hub's host, following up to 5 redirects (the token only to the
    /// same host); a 2xx is returned, anything else thrown.
    private func get(_ url: String, model: String, what: String, headers: [(String, String)] = []) async throws -> HTTPResponse {
        var current = url
        for _ in 0..<6 {
            var sent = headers.map { (name: $0.0, value: $0.1) }
            if let token, Self.host(current) == Self.host(endpoint) { sent.append((name: "Authorization", value: "Bearer \(token)")) }
            let response: HTTPResponse
            do {
                response = try await Self.retrying { try await transport.send(HTTPRequest(method: "GET", url: current, headers: sent, body: Data(), timeout: timeout)) }
            } catch let error as TransportError {
                throw HubError.failed(what: "\(what) of \(model)", reason: "\(error) (\(Self.withoutQuery(current)))")
            }
            switch response.status {
            case 200..<300:
                return response
            case 301, 302, 303, 307, 308:
                guard let location = response.headers["location"] else { throw HubError.failed(what: what, reason: "HTTP \(response.status) without Location") }
                current = location.hasPrefix("/") ? Self.origin(current) + location : location
            case 401, 403:
                throw HubError.gated(model: model, status: response.status, hasToken: token != nil, endpoint: endpoint)
            case 404:
                throw HubError.notFound(model: model, what: what)
            default:
                let detail = String(decoding: response.body.prefix(200), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
                throw HubError.failed(what: "\(what) of \(model)", reason: "HTTP \(response.status)\(detail.isEmpty ? "" : ": " + detail)")
            }
        }
        throw HubError.failed(what: "\(what) of \(model)", reason: "more than 5 redirects")
    }

    /// Three attempts for failures of the network (the Hub's CDN drops long transfers now and then).
    static func retrying(_ body: () async throws -> HTTPResponse) async throws -> HTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try await body()
                if [500, 502, 503, 504].contains(response.status), attempt < 3 {
                    try? await Task.sleep(nanoseconds: UInt64(attempt) * 1_000_000_000)
                    continue
                }
                return response
            } catch let error as TransportError where error.isRetryable && attempt < 3 {
                try? await Task.sleep(nanoseconds: UInt64(attempt) * 1_000_000_000)
            }
        }
    }

    /// The `rel="next"` URL of a `Link` header.
    static func nextLink(_ header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ",") where part.contains("rel=\"next\"") {
            if let start = part.firstIndex(of: "<"), let end = part.firstIndex(of: ">"), start < end {
                return String(part[part.index(after: start)..<end])
            }
        }
        return nil
    }

    static func origin(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        return String(url[..<scheme.upperBound]) + String(rest.prefix { $0 != "/" })
    }

    static func host(_ url: String) -> String { origin(url).lowercased() }

    /// A URL for messages: signed CDN URLs carry credentials in the query.
    static func withoutQuery(_ url: String) -> String { String(url.prefix { $0 != "?" }) }

    private func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? segment
    }
}
