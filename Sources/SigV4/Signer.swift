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
    // Guarded by `lock`, so the runtime's exclusivity checks are redundant on this hot path.
    @exclusivity(unchecked) private var keyCache: [String: HMACKey] = [:]
    @exclusivity(unchecked) private var lastKey: (day: Int64, region: String, service: String, key: HMACKey)?
    private let secretKeyBytes: [UInt8]

    /// Headers that are never signed: hop-by-hop headers, ones proxies or HTTP stacks rewrite,
    /// and `authorization` itself (botocore's `SIGNED_HEADERS_BLACKLIST` plus `authorization`).
    public static let unsignedHeaderNames: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

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

    private func cachedKey(time: SigningTime, region: String, service: String) throws -> HMACKey {
        let date = time.secondsSince1970 >= 0 ? time.secondsSince1970 / 86_400 : (time.secondsSince1970 - 86_399) / 86_400
        lock.lock()
        if let last = lastKey, last.day == date, last.region == region, last.service == service {
            lock.unlock()
            return last.key
        }
        let cacheKey = String(date) + "/" + region + "/" + service
        if let key = keyCache[cacheKey] {
            lastKey = (date, region, service, key)
            lock.unlock()
            return key
        }
        lock.unlock()
        let key = try HMACKey(signingKey(dateStamp: time.dateStamp, region: region, service: service))
        lock.lock()
        if keyCache.count >= 64 { keyCache.removeAll(keepingCapacity: true) }
        keyCache[cacheKey] = key
        lastKey = (date, region, service, key)
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
        var expires = 0
        if case .query(let seconds) = mode {
            guard (1...604_800).contains(seconds) else { throw SigV4Error.invalidExpires(seconds) }
            expires = seconds
        }
        let isQuery = expires > 0
        let key = try cachedKey(time: time, region: region, service: service)

        // One scratch allocation bounded from the input sizes: every stage writes into it.
        let token = credentials.sessionToken
        var headerBytes = 0
        for header in request.headers { headerBytes += header.name.utf8.count + header.value.utf8.count + 2 }
        let urlCount = request.url.utf8.count
        let fixed = request.method.utf8.count + region.utf8.count * 2 + service.utf8.count * 2
            + credentials.accessKeyID.utf8.count * 4 + (token?.utf8.count ?? 0) * 5 + (options.precomputedPayloadHash?.utf8.count ?? 0) * 3
        let capacity = 2048 + fixed + urlCount * 12 + headerBytes * 3
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            try withUnsafeTemporaryAllocation(of: Slot.self, capacity: request.headers.count + 8 + urlCount / 2) { slots in
                var url = request.url
                return try url.withUTF8 { urlBytes in
                    try signCore(request, urlBytes: urlBytes, region: region, service: service, time: time,
                                 expires: expires, isQuery: isQuery, options: options, key: key, token: token,
                                 buffer: buffer, slots: slots)
                }
            }
        }
    }

    /// Trim-all as a standalone function (tests compare signed requests with it).
    static func trimAll(_ text: String) -> [UInt8] {
        var out = [UInt8]()
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
}
