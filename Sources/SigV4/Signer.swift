import Foundation

/// AWS Signature Version 4, for one set of credentials.
///
/// The signer is pure: it reads no clock, no files and no network. It caches one derived signing
/// key per (date, region, service), so repeated signatures cost two SHA-256 and one HMAC.
/// Algorithm (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html):
///
/// 1. Canonical request: method, canonical URI, canonical query, canonical headers, signed
///    headers and payload hash, joined by `\n`.
/// 2. String to sign: `AWS4-HMAC-SHA256`, the time, the credential scope and the hex SHA-256 of
///    the canonical request.
/// 3. Signature: hex HMAC-SHA256 of the string to sign under the key derived from the secret,
///    date, region and service.
public final class SigV4Signer: @unchecked Sendable {
    /// The credentials this signer signs with.
    public let credentials: SigV4Credentials

    private let lock = NSLock()
    private var keyCache: [String: HMACKey] = [:]
    private let secretKeyBytes: [UInt8]

    /// Headers that are never signed: hop-by-hop headers, ones proxies or HTTP stacks rewrite,
    /// and `authorization` itself (botocore's `SIGNED_HEADERS_BLACKLIST` plus `authorization`).
    public static let unsignedHeaderNames: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]
    private static let unsignedHeaderBytes: [[UInt8]] = unsignedHeaderNames.map { Array($0.utf8) }

    /// The payload hash that stands for a body that is not signed.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The hex SHA-256 of an empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Creates a signer.
    public init(credentials: SigV4Credentials) {
        self.credentials = credentials
        self.secretKeyBytes = Array(("AWS4" + credentials.secretAccessKey).utf8)
    }

    /// Derives the signing key: `HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")`.
    ///
    /// - Returns: the 32-byte key (uncached; the signer keeps its own cache).
    /// - Throws: `SigV4Error.openssl` when libcrypto fails.
    public func signingKey(dateStamp: String, region: String, service: String) throws -> [UInt8] {
        let kDate = try HMACSHA256.mac(key: secretKeyBytes, message: Array(dateStamp.utf8))
        let kRegion = try HMACSHA256.mac(key: kDate, message: Array(region.utf8))
        let kService = try HMACSHA256.mac(key: kRegion, message: Array(service.utf8))
        return try HMACSHA256.mac(key: kService, message: Array("aws4_request".utf8))
    }

    private func cachedKey(dateStamp: String, region: String, service: String) throws -> HMACKey {
        let cacheKey = dateStamp + "/" + region + "/" + service
        lock.lock()
        if let key = keyCache[cacheKey] {
            lock.unlock()
            return key
        }
        lock.unlock()
        let key = try HMACKey(signingKey(dateStamp: dateStamp, region: region, service: service))
        lock.lock()
        if keyCache.count >= 64 { keyCache.removeAll(keepingCapacity: true) }
        keyCache[cacheKey] = key
        lock.unlock()
        return key
    }

    /// Signs a request.
    ///
    /// - Parameters:
    ///   - request: method, URL, the headers to sign, body.
    ///   - region: the region in the credential scope (`us-east-1` for IAM).
    ///   - service: the signing name (`sagemaker` for SageMaker Runtime, `apigateway`, `s3` …).
    ///   - time: the signing time (the caller's clock, corrected for skew).
    ///   - mode: `.header` or `.query(expires:)` for a presigned URL.
    ///   - options: service rules such as `.s3`.
    /// - Returns: the stages, the signature and the headers or URL to send.
    /// - Throws: `SigV4Error` for an unusable URL, empty scope values, a bad lifetime or an OpenSSL failure.
    public func sign(_ request: SigV4Request, region: String, service: String, time: SigningTime,
                     mode: SigV4Mode = .header, options: SigV4Options = SigV4Options()) throws -> SigV4Result {
        guard !credentials.accessKeyID.isEmpty else { throw SigV4Error.missingValue("access key id") }
        guard !region.isEmpty else { throw SigV4Error.missingValue("region") }
        guard !service.isEmpty else { throw SigV4Error.missingValue("service signing name") }
        let url = try URLParts(request.url)
        let worker = try DigestWorker()
        var digest = [UInt8](repeating: 0, count: 32)
        let amzDate = time.amzDate
        let scope = time.dateStamp + "/" + region + "/" + service + "/aws4_request"
        let token = credentials.sessionToken
        let signToken = token != nil && !options.omitSessionToken

        // Payload hash (computed only when it is needed).
        var payloadHash: String
        var isQuery = false
        var expires = 0
        if case .query(let seconds) = mode {
            guard (1...604_800).contains(seconds) else { throw SigV4Error.invalidExpires(seconds) }
            isQuery = true
            expires = seconds
        }
        if options.unsignedPayload || (isQuery && options.s3) {
            payloadHash = Self.unsignedPayload
        } else if let given = options.precomputedPayloadHash {
            payloadHash = given
        } else if request.body.isEmpty {
            payloadHash = Self.emptyPayloadHash
        } else {
            try request.body.withUnsafeBytes { try worker.sha256($0, into: &digest) }
            payloadHash = Hex.encode(digest)
        }

        // Headers as they will be sent (header mode adds its own, replacing the caller's).
        var sent = request.headers
        if !isQuery {
            sent.removeAll { Self.isName($0.name, oneOf: ["authorization", "x-amz-date"]) }
            sent.append((name: "X-Amz-Date", value: amzDate))
            if signToken, let token {
                sent.removeAll { Self.isName($0.name, oneOf: ["x-amz-security-token"]) }
                sent.append((name: "X-Amz-Security-Token", value: token))
            }
            if options.s3 || options.unsignedPayload {
                sent.removeAll { Self.isName($0.name, oneOf: ["x-amz-content-sha256"]) }
                sent.append((name: "X-Amz-Content-SHA256", value: payloadHash))
            } else if options.addContentSHA256Header {
                sent.append((name: "X-Amz-Content-SHA256", value: payloadHash))
            }
        }

        // Canonical headers: lower-case names, trim-all values, repeated names joined by ",".
        var entries: [HeaderEntry] = []
        entries.reserveCapacity(sent.count + 1)
        var hasHost = false
        for (order, header) in sent.enumerated() {
            let name = Self.lowercased(header.name)
            if Self.unsignedHeaderBytes.contains(name) { continue }
            if name == Self.hostBytes { hasHost = true }
            if name == Self.contentSHA256Bytes { payloadHash = header.value }
            entries.append(HeaderEntry(name: name, value: Self.trimAll(header.value), order: order))
        }
        if !hasHost {
            entries.append(HeaderEntry(name: Self.hostBytes, value: url.hostHeader, order: -1))
        }
        entries.sort { $0.name == $1.name ? $0.order < $1.order : $0.name.lexicographicallyPrecedes($1.name) }
        var signedHeaders = [UInt8]()
        var canonicalHeaders = [UInt8]()
        canonicalHeaders.reserveCapacity(256)
        var index = 0
        while index < entries.count {
            let name = entries[index].name
            if !signedHeaders.isEmpty { signedHeaders.append(0x3b) }
            signedHeaders += name
            canonicalHeaders += name
            canonicalHeaders.append(0x3a)
            canonicalHeaders += entries[index].value
            index += 1
            while index < entries.count, entries[index].name == name {
                canonicalHeaders.append(0x2c)
                canonicalHeaders += entries[index].value
                index += 1
            }
            canonicalHeaders.append(0x0a)
        }
        let signedHeadersString = String(decoding: signedHeaders, as: UTF8.self)

        // Canonical query: decode, re-encode, sort by name then value.
        var pairs = Self.queryPairs(url.query)
        if isQuery {
            let credential = credentials.accessKeyID + "/" + scope
            var auth: [(String, String)] = [
                ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", credential),
                ("X-Amz-Date", amzDate), ("X-Amz-Expires", String(expires)),
                ("X-Amz-SignedHeaders", signedHeadersString),
            ]
            if signToken, let token { auth.append(("X-Amz-Security-Token", token)) }
            for (name, value) in auth {
                var encodedName = [UInt8](), encodedValue = [UInt8]()
                URIEncoding.append(name.utf8, keepSlash: false, to: &encodedName)
                URIEncoding.append(value.utf8, keepSlash: false, to: &encodedValue)
                pairs.append(QueryPair(name: encodedName, value: encodedValue))
            }
        }
        if pairs.count > 1 {
            pairs.sort { $0.name == $1.name ? $0.value.lexicographicallyPrecedes($1.value) : $0.name.lexicographicallyPrecedes($1.name) }
        }

        // Stage 1: canonical request.
        var canonical = [UInt8]()
        canonical.reserveCapacity(256 + canonicalHeaders.count + url.path.count * 3 + url.query.count * 2)
        canonical += request.method.utf8
        canonical.append(0x0a)
        Self.appendCanonicalURI(url.path, s3: options.s3, normalize: options.normalizePath, to: &canonical)
        canonical.append(0x0a)
        let queryStart = canonical.count
        for (position, pair) in pairs.enumerated() {
            if position > 0 { canonical.append(0x26) }
            canonical += pair.name
            canonical.append(0x3d)
            canonical += pair.value
        }
        let queryEnd = canonical.count
        canonical.append(0x0a)
        canonical += canonicalHeaders
        canonical.append(0x0a)
        canonical += signedHeaders
        canonical.append(0x0a)
        canonical += payloadHash.utf8

        // Stage 2: string to sign.
        try canonical.withUnsafeBytes { try worker.sha256($0, into: &digest) }
        var stringToSign = [UInt8]()
        stringToSign.reserveCapacity(160)
        stringToSign += "AWS4-HMAC-SHA256\n".utf8
        stringToSign += amzDate.utf8
        stringToSign.append(0x0a)
        stringToSign += scope.utf8
        stringToSign.append(0x0a)
        Hex.append(digest, to: &stringToSign)

        // Stage 3: signature.
        let key = try cachedKey(dateStamp: time.dateStamp, region: region, service: service)
        try stringToSign.withUnsafeBytes { try worker.hmac(key, $0, into: &digest) }
        let signature = Hex.encode(digest)

        if isQuery {
            var presigned = url.base + "?" + String(decoding: canonical[queryStart..<queryEnd], as: UTF8.self)
            presigned += "&X-Amz-Signature=" + signature
            if let token, !signToken {
                presigned += "&X-Amz-Security-Token=" + URIEncoding.encode(token)
            }
            return SigV4Result(canonicalBytes: canonical, stringToSignBytes: stringToSign, signature: signature,
                               signedHeaders: signedHeadersString, credentialScope: scope, payloadHash: payloadHash,
                               authorization: nil, headers: request.headers, url: presigned)
        }
        let authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyID + "/" + scope
            + ", SignedHeaders=" + signedHeadersString + ", Signature=" + signature
        if let token, !signToken {
            sent.append((name: "X-Amz-Security-Token", value: token))
        }
        sent.append((name: "Authorization", value: authorization))
        return SigV4Result(canonicalBytes: canonical, stringToSignBytes: stringToSign, signature: signature,
                           signedHeaders: signedHeadersString, credentialScope: scope, payloadHash: payloadHash,
                           authorization: authorization, headers: sent, url: request.url)
    }

    // MARK: - Pieces

    struct HeaderEntry {
        var name: [UInt8]
        var value: [UInt8]
        var order: Int
    }

    struct QueryPair {
        var name: [UInt8]
        var value: [UInt8]
    }

    static let hostBytes: [UInt8] = Array("host".utf8)
    static let contentSHA256Bytes: [UInt8] = Array("x-amz-content-sha256".utf8)

    static func isName(_ name: String, oneOf lowerNames: [String]) -> Bool {
        let lower = lowercased(name)
        return lowerNames.contains { lower.elementsEqual($0.utf8) }
    }

    static func lowercased(_ text: String) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 { out.append(byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) }
        return out
    }

    /// Trims leading and trailing whitespace and squeezes inner runs (space, tab, CR, LF, VT, FF) to one space.
    static func trimAll(_ text: String) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for byte in text.utf8 {
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0d) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20); pendingSpace = false }
                out.append(byte)
            }
        }
        return out
    }

    /// Splits a raw query on `&` and the first `=`, decodes each part and encodes it again.
    static func queryPairs(_ query: ArraySlice<UInt8>) -> [QueryPair] {
        var pairs: [QueryPair] = []
        guard !query.isEmpty else { return pairs }
        for part in query.split(separator: 0x26, omittingEmptySubsequences: true) {
            var name = [UInt8](), value = [UInt8]()
            if let equals = part.firstIndex(of: 0x3d) {
                URIEncoding.append(URIEncoding.decode(part[part.startIndex..<equals]), keepSlash: false, to: &name)
                URIEncoding.append(URIEncoding.decode(part[(equals + 1)...]), keepSlash: false, to: &value)
            } else {
                URIEncoding.append(URIEncoding.decode(part), keepSlash: false, to: &name)
            }
            pairs.append(QueryPair(name: name, value: value))
        }
        return pairs
    }

    /// S3: the wire path as it is. Others: dot segments removed, `//` collapsed, then encoded once more.
    static func appendCanonicalURI(_ path: ArraySlice<UInt8>, s3: Bool, normalize: Bool, to out: inout [UInt8]) {
        if path.isEmpty {
            out.append(0x2f)
            return
        }
        if s3 {
            out += path
            return
        }
        guard normalize else {
            URIEncoding.append(path, keepSlash: true, to: &out)
            return
        }
        // RFC 3986 5.2.4 plus collapsing empty segments, as botocore's remove_dot_segments.
        var segments: [ArraySlice<UInt8>] = []
        for segment in path.split(separator: 0x2f, omittingEmptySubsequences: true) {
            if segment.count == 1 && segment.first == 0x2e { continue }
            if segment.count == 2 && segment.first == 0x2e && segment.last == 0x2e {
                if !segments.isEmpty { segments.removeLast() }
                continue
            }
            segments.append(segment)
        }
        if path.first == 0x2f { out.append(0x2f) }
        for (position, segment) in segments.enumerated() {
            if position > 0 { out.append(0x2f) }
            URIEncoding.append(segment, keepSlash: false, to: &out)
        }
        if path.last == 0x2f && !segments.isEmpty { out.append(0x2f) }
    }
}

/// A URL split the way SigV4 needs it, on bytes, without Foundation's URL (which rejects raw
/// spaces and UTF-8 and may re-encode the path).
struct URLParts {
    /// `scheme://authority` + path as given (no query, no fragment); the presigned URL's base.
    let base: String
    /// The `host` header value: lower-case host, port only when it is not the scheme's default.
    let hostHeader: [UInt8]
    let path: ArraySlice<UInt8>
    let query: ArraySlice<UInt8>

    init(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: 0x3a), colon > 0,
              bytes.count > colon + 2, bytes[colon + 1] == 0x2f, bytes[colon + 2] == 0x2f else {
            throw SigV4Error.invalidURL(text)
        }
        let scheme = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        let authorityStart = colon + 3
        var index = authorityStart
        while index < bytes.count, bytes[index] != 0x2f, bytes[index] != 0x3f, bytes[index] != 0x23 { index += 1 }
        var authority = bytes[authorityStart..<index]
        if let at = authority.lastIndex(of: 0x40) { authority = authority[(at + 1)...] }
        guard !authority.isEmpty else { throw SigV4Error.invalidURL(text) }
        let pathStart = index
        while index < bytes.count, bytes[index] != 0x3f, bytes[index] != 0x23 { index += 1 }
        path = bytes[pathStart..<index]
        var queryRange = index..<index
        if index < bytes.count, bytes[index] == 0x3f {
            var end = index + 1
            while end < bytes.count, bytes[end] != 0x23 { end += 1 }
            queryRange = (index + 1)..<end
        }
        query = bytes[queryRange]
        base = String(decoding: bytes[..<pathStart], as: UTF8.self) + (path.isEmpty ? "/" : String(decoding: path, as: UTF8.self))

        // Host and port; IPv6 literals keep their brackets.
        var hostPart = authority
        var port: ArraySlice<UInt8> = []
        if authority.first == 0x5b {
            if let close = authority.firstIndex(of: 0x5d) {
                hostPart = authority[...close]
                if close + 1 < authority.endIndex, authority[close + 1] == 0x3a { port = authority[(close + 2)...] }
            }
        } else if let portColon = authority.lastIndex(of: 0x3a) {
            hostPart = authority[..<portColon]
            port = authority[(portColon + 1)...]
        }
        var host = hostPart.map { $0 >= 0x41 && $0 <= 0x5a ? $0 | 0x20 : $0 }
        let portText = String(decoding: port, as: UTF8.self)
        if let number = Int(portText) {
            let isDefault = (scheme == "https" && number == 443) || (scheme == "http" && number == 80)
            if !isDefault {
                host.append(0x3a)
                host += String(number).utf8
            }
        } else if !port.isEmpty {
            throw SigV4Error.invalidURL(text)
        }
        hostHeader = host
    }
}
