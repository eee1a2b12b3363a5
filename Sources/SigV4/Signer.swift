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

    // swiftlint:disable:next function_body_length
    private func signCore(_ request: SigV4Request, urlBytes: UnsafeBufferPointer<UInt8>, region: String, service: String,
                          time: SigningTime, expires: Int, isQuery: Bool, options: SigV4Options, key: HMACKey,
                          token: String?, buffer: UnsafeMutableBufferPointer<UInt8>,
                          slots: UnsafeMutableBufferPointer<Slot>) throws -> SigV4Result {
        var w = Writer(buffer)
        let url = try URLSplit(urlBytes, original: request.url)
        let worker = try DigestWorker()
        let signToken = token != nil && !options.omitSessionToken
        let replacesContentSHA256 = !isQuery && (options.s3 || options.unsignedPayload)
        let addsContentSHA256 = !isQuery && !replacesContentSHA256 && options.addContentSHA256Header

        // Payload hash.
        var payload: Range<Int>
        let payloadStart = w.count
        if options.unsignedPayload || (isQuery && options.s3) {
            w.append(Self.unsignedPayload)
        } else if let given = options.precomputedPayloadHash {
            w.append(given)
        } else if request.body.isEmpty {
            w.append(Self.emptyPayloadHash)
        } else {
            var digest = Digest32()
            try request.body.withUnsafeBytes { body in
                try digest.withPointer { try worker.sha256(body, into: $0) }
            }
            digest.withBuffer { w.appendHex($0) }
        }
        payload = payloadStart..<w.count

        // Header slots: lower-case name and trim-all value in the scratch buffer.
        var slotCount = 0
        var hasHost = false
        for (order, header) in request.headers.enumerated() {
            let nameStart = w.count
            w.appendLowercased(header.name)
            let kind = HeaderKind(lowercased: w.slice(nameStart..<w.count), alreadyLower: true)
            switch kind {
            case .neverSigned, .authorization: w.count = nameStart; continue
            case .amzDate where !isQuery: w.count = nameStart; continue
            case .securityToken where !isQuery && signToken: w.count = nameStart; continue
            case .contentSHA256 where replacesContentSHA256: w.count = nameStart; continue
            case .host: hasHost = true
            default: break
            }
            let nameEnd = w.count
            w.appendTrimmed(header.value)
            slots[slotCount] = Slot(nameStart: nameStart, nameEnd: nameEnd, valueEnd: w.count, order: order)
            slotCount += 1
            if kind == .contentSHA256 && payload.lowerBound == payloadStart && payloadStart < nameStart {
                // The caller's x-amz-content-sha256 is the payload hash (as botocore does).
                let start = w.count
                w.append(header.value)
                payload = start..<w.count
            }
        }
        func addSlot(_ name: StaticString, order: Int, value: (inout Writer) -> Void) {
            let nameStart = w.count
            w.append(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            let nameEnd = w.count
            value(&w)
            slots[slotCount] = Slot(nameStart: nameStart, nameEnd: nameEnd, valueEnd: w.count, order: order)
            slotCount += 1
        }
        let amzDate = time.amzDate
        let extra = request.headers.count
        if !isQuery {
            addSlot("x-amz-date", order: extra) { $0.append(amzDate) }
            if signToken, let token { addSlot("x-amz-security-token", order: extra + 1) { $0.appendTrimmed(token) } }
            if replacesContentSHA256 || addsContentSHA256 {
                let hash = payload
                addSlot("x-amz-content-sha256", order: extra + 2) { $0.copyWithin(hash) }
            }
        }
        if !hasHost { addSlot("host", order: -1) { url.writeHost(urlBytes, into: &$0) } }

        // Sort by name, keeping the order of repeated names.
        let base = w.base
        func precedes(_ a: Slot, _ b: Slot) -> Bool {
            let order = compareBytes(base + a.nameStart, a.nameEnd - a.nameStart, base + b.nameStart, b.nameEnd - b.nameStart)
            return order == 0 ? a.order < b.order : order < 0
        }
        insertionSort(slots, count: slotCount, by: precedes)

        // Signed headers list (needed by the query parameters).
        let signedStart = w.count
        var index = 0
        while index < slotCount {
            let slot = slots[index]
            if signedStart != w.count { w.append(0x3b) }
            w.copyWithin(slot.nameStart..<slot.nameEnd)
            index += 1
            while index < slotCount, sameName(base, slots[index], slot) { index += 1 }
        }
        let signedHeaders = signedStart..<w.count

        // Scope.
        let scopeStart = w.count
        w.append(amzDate)
        w.count = scopeStart + 8 // yyyymmdd
        w.append(0x2f); w.append(region); w.append(0x2f); w.append(service); w.append("/aws4_request")
        let scope = scopeStart..<w.count

        // Query pairs: decoded and re-encoded names and values, then the presign parameters.
        let pairsBase = slotCount
        var pairCount = 0
        func addPair(_ fill: (inout Writer) -> Int) {
            let nameStart = w.count
            let nameEnd = fill(&w)
            slots[pairsBase + pairCount] = Slot(nameStart: nameStart, nameEnd: nameEnd, valueEnd: w.count, order: 0)
            pairCount += 1
        }
        var position = url.query.lowerBound
        while position < url.query.upperBound {
            var end = position
            while end < url.query.upperBound, urlBytes[end] != 0x26 { end += 1 }
            if end > position {
                var equals = position
                while equals < end, urlBytes[equals] != 0x3d { equals += 1 }
                let part = position
                addPair { w in
                    w.appendDecodedEncoded(UnsafeBufferPointer(rebasing: urlBytes[part..<equals]))
                    let nameEnd = w.count
                    if equals < end { w.appendDecodedEncoded(UnsafeBufferPointer(rebasing: urlBytes[(equals + 1)..<end])) }
                    return nameEnd
                }
            }
            position = end + 1
        }
        if isQuery {
            let access = credentials.accessKeyID
            addPair { w in w.append("X-Amz-Algorithm"); let e = w.count; w.append("AWS4-HMAC-SHA256"); return e }
            addPair { w in
                w.append("X-Amz-Credential"); let e = w.count
                w.appendEncoded(access); w.append("%2F")
                let scopeBytes = scope
                w.appendEncodedWithin(scopeBytes)
                return e
            }
            addPair { w in w.append("X-Amz-Date"); let e = w.count; w.append(amzDate); return e }
            addPair { w in w.append("X-Amz-Expires"); let e = w.count; w.appendDecimal(expires); return e }
            addPair { w in w.append("X-Amz-SignedHeaders"); let e = w.count; w.appendEncodedWithin(signedHeaders); return e }
            if signToken, let token {
                addPair { w in w.append("X-Amz-Security-Token"); let e = w.count; w.appendEncoded(token); return e }
            }
        }
        let pairs = UnsafeMutableBufferPointer(rebasing: slots[pairsBase..<(pairsBase + pairCount)])
        if pairCount > 1 {
            insertionSort(pairs, count: pairCount) { a, b in
                let byName = compareBytes(base + a.nameStart, a.nameEnd - a.nameStart, base + b.nameStart, b.nameEnd - b.nameStart)
                if byName != 0 { return byName < 0 }
                return compareBytes(base + a.nameEnd, a.valueEnd - a.nameEnd, base + b.nameEnd, b.valueEnd - b.nameEnd) < 0
            }
        }

        // Stage 1: canonical request.
        let canonicalStart = w.count
        w.append(request.method)
        w.append(0x0a)
        w.appendCanonicalURI(UnsafeBufferPointer(rebasing: urlBytes[url.path]), s3: options.s3, normalize: options.normalizePath)
        w.append(0x0a)
        let queryStart = w.count
        for index in 0..<pairCount {
            let pair = pairs[index]
            if index > 0 { w.append(0x26) }
            w.copyWithin(pair.nameStart..<pair.nameEnd)
            w.append(0x3d)
            w.copyWithin(pair.nameEnd..<pair.valueEnd)
        }
        let canonicalQuery = queryStart..<w.count
        w.append(0x0a)
        index = 0
        while index < slotCount {
            let slot = slots[index]
            w.copyWithin(slot.nameStart..<slot.nameEnd)
            w.append(0x3a)
            w.copyWithin(slot.nameEnd..<slot.valueEnd)
            index += 1
            while index < slotCount, sameName(base, slots[index], slot) {
                w.append(0x2c)
                w.copyWithin(slots[index].nameEnd..<slots[index].valueEnd)
                index += 1
            }
            w.append(0x0a)
        }
        w.append(0x0a)
        w.copyWithin(signedHeaders)
        w.append(0x0a)
        w.copyWithin(payload)
        let canonical = canonicalStart..<w.count

        // Stage 2: string to sign.
        var digest = Digest32()
        try digest.withPointer { out in try worker.sha256(UnsafeRawBufferPointer(w.slice(canonical)), into: out) }
        let stsStart = w.count
        w.append("AWS4-HMAC-SHA256\n")
        w.append(amzDate)
        w.append(0x0a)
        w.copyWithin(scope)
        w.append(0x0a)
        digest.withBuffer { w.appendHex($0) }
        let stringToSign = stsStart..<w.count

        // Stage 3: signature.
        try digest.withPointer { out in try worker.hmac(key, UnsafeRawBufferPointer(w.slice(stringToSign)), into: out) }
        let signatureStart = w.count
        digest.withBuffer { w.appendHex($0) }
        let signature = signatureStart..<w.count

        // The Authorization header or the presigned URL.
        let finalStart = w.count
        if isQuery {
            w.append(UnsafeBufferPointer(rebasing: urlBytes[0..<url.path.upperBound]))
            if url.path.isEmpty { w.append(0x2f) }
            w.append(0x3f)
            w.copyWithin(canonicalQuery)
            w.append("&X-Amz-Signature=")
            w.copyWithin(signature)
            if let token, !signToken {
                w.append("&X-Amz-Security-Token=")
                w.appendEncoded(token)
            }
        } else {
            w.append("AWS4-HMAC-SHA256 Credential=")
            w.append(credentials.accessKeyID)
            w.append(0x2f)
            w.copyWithin(scope)
            w.append(", SignedHeaders=")
            w.copyWithin(signedHeaders)
            w.append(", Signature=")
            w.copyWithin(signature)
        }
        let final = finalStart..<w.count

        // One result buffer: canonical, string to sign, signature, final, signed headers, scope, payload.
        let total = canonical.count + stringToSign.count + signature.count + final.count + signedHeaders.count + scope.count + payload.count
        let pieces = (canonical, stringToSign, signature, final, signedHeaders, scope, payload)
        let storage = [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            withUnsafeBytes(of: pieces) { raw in
                var offset = 0
                for piece in raw.bindMemory(to: Range<Int>.self) where piece.count > 0 {
                    (out.baseAddress! + offset).update(from: base + piece.lowerBound, count: piece.count)
                    offset += piece.count
                }
            }
            initialized = total
        }
        var offset = 0
        func next(_ piece: Range<Int>) -> Range<Int> {
            defer { offset += piece.count }
            return offset..<(offset + piece.count)
        }
        let ranges = (next(canonical), next(stringToSign), next(signature), next(final), next(signedHeaders), next(scope), next(payload))
        return SigV4Result(storage: storage, canonicalRange: ranges.0, stringToSignRange: ranges.1, signatureRange: ranges.2,
                           signedHeadersRange: ranges.4, scopeRange: ranges.5, payloadRange: ranges.6, finalRange: ranges.3,
                           isQuery: isQuery, requestHeaders: request.headers, requestURL: request.url, amzDate: amzDate,
                           addedToken: token, tokenSigned: signToken, replacesContentSHA256: replacesContentSHA256,
                           addsContentSHA256: addsContentSHA256)
    }

    // MARK: - Pieces

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

/// A URL split the way SigV4 needs it, on bytes, without Foundation's URL (which rejects raw
/// spaces and UTF-8 and may re-encode the path). Ranges index the URL's UTF-8 bytes.
struct URLSplit {
    var host: Range<Int>
    var port: Int?
    var path: Range<Int>
    var query: Range<Int>
    var defaultPort: Int?

    init(_ bytes: UnsafeBufferPointer<UInt8>, original: @autoclosure () -> String) throws {
        var colon = 0
        while colon < bytes.count, bytes[colon] != 0x3a { colon += 1 }
        guard colon > 0, colon + 2 < bytes.count, bytes[colon + 1] == 0x2f, bytes[colon + 2] == 0x2f else {
            throw SigV4Error.invalidURL(original())
        }
        func schemeIs(_ name: StaticString) -> Bool {
            guard colon == name.utf8CodeUnitCount else { return false }
            for index in 0..<colon where bytes[index] | 0x20 != name.utf8Start[index] { return false }
            return true
        }
        defaultPort = schemeIs("https") ? 443 : schemeIs("http") ? 80 : nil
        var index = colon + 3
        var authorityStart = index
        while index < bytes.count, bytes[index] != 0x2f, bytes[index] != 0x3f, bytes[index] != 0x23 {
            if bytes[index] == 0x40 { authorityStart = index + 1 }
            index += 1
        }
        let authorityEnd = index
        guard authorityStart < authorityEnd else { throw SigV4Error.invalidURL(original()) }
        let pathStart = index
        while index < bytes.count, bytes[index] != 0x3f, bytes[index] != 0x23 { index += 1 }
        path = pathStart..<index
        query = index..<index
        if index < bytes.count, bytes[index] == 0x3f {
            var end = index + 1
            while end < bytes.count, bytes[end] != 0x23 { end += 1 }
            query = (index + 1)..<end
        }
        // Host and port; IPv6 literals keep their brackets.
        var hostEnd = authorityEnd
        var portStart: Int?
        if bytes[authorityStart] == 0x5b {
            var close = authorityStart
            while close < authorityEnd, bytes[close] != 0x5d { close += 1 }
            guard close < authorityEnd else { throw SigV4Error.invalidURL(original()) }
            hostEnd = close + 1
            if hostEnd < authorityEnd {
                guard bytes[hostEnd] == 0x3a else { throw SigV4Error.invalidURL(original()) }
                portStart = hostEnd + 1
            }
        } else {
            var scan = authorityEnd - 1
            while scan > authorityStart, bytes[scan] != 0x3a { scan -= 1 }
            if bytes[scan] == 0x3a {
                hostEnd = scan
                portStart = scan + 1
            }
        }
        host = authorityStart..<hostEnd
        guard !host.isEmpty else { throw SigV4Error.invalidURL(original()) }
        if let portStart {
            var number = 0
            guard portStart < authorityEnd, authorityEnd - portStart <= 5 else { throw SigV4Error.invalidURL(original()) }
            for position in portStart..<authorityEnd {
                let digit = bytes[position]
                guard digit >= 0x30, digit <= 0x39 else { throw SigV4Error.invalidURL(original()) }
                number = number * 10 + Int(digit - 0x30)
            }
            port = number
        }
    }

    /// Writes the `host` header value: lower-case host, the port only when it is not the scheme's default.
    func writeHost(_ bytes: UnsafeBufferPointer<UInt8>, into w: inout Writer) {
        for index in host {
            let byte = bytes[index]
            w.append(byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte)
        }
        if let port, port != defaultPort {
            w.append(0x3a)
            w.appendDecimal(port)
        }
    }
}

/// A header or query parameter in the scratch buffer: name at `nameStart..<nameEnd`, value up to `valueEnd`.
struct Slot {
    var nameStart: Int
    var nameEnd: Int
    var valueEnd: Int
    var order: Int
}

@inline(__always)
func compareBytes(_ a: UnsafeMutablePointer<UInt8>, _ aCount: Int, _ b: UnsafeMutablePointer<UInt8>, _ bCount: Int) -> Int {
    let common = min(aCount, bCount)
    if common > 0 {
        let result = memcmp(a, b, common)
        if result != 0 { return Int(result) }
    }
    return aCount - bCount
}

@inline(__always)
func sameName(_ base: UnsafeMutablePointer<UInt8>, _ a: Slot, _ b: Slot) -> Bool {
    compareBytes(base + a.nameStart, a.nameEnd - a.nameStart, base + b.nameStart, b.nameEnd - b.nameStart) == 0
}

/// A stable insertion sort: the lists are a handful of headers or parameters.
func insertionSort(_ items: UnsafeMutableBufferPointer<Slot>, count: Int, by precedes: (Slot, Slot) -> Bool) {
    guard count > 1 else { return }
    for index in 1..<count {
        let item = items[index]
        var position = index
        while position > 0, precedes(item, items[position - 1]) {
            items[position] = items[position - 1]
            position -= 1
        }
        items[position] = item
    }
}

/// 32 bytes on the stack for a digest.
struct Digest32 {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    mutating func withPointer<T>(_ body: (UnsafeMutablePointer<UInt8>) throws -> T) rethrows -> T {
        try withUnsafeMutableBytes(of: &words) { try body($0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
    }

    mutating func withBuffer<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try withUnsafeBytes(of: &words) { try body($0.bindMemory(to: UInt8.self)) }
    }
}

/// Appends bytes to a preallocated buffer (sized from the input by `sign`; overflow traps).
struct Writer {
    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        base = buffer.baseAddress!
        capacity = buffer.count
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        precondition(count < capacity, "SigV4 scratch buffer overflow")
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(count + bytes.count <= capacity, "SigV4 scratch buffer overflow")
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    mutating func append(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ append($0) }) == nil {
            for byte in text.utf8 { append(byte) }
        }
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    mutating func copyWithin(_ range: Range<Int>) {
        precondition(count + range.count <= capacity, "SigV4 scratch buffer overflow")
        (base + count).update(from: base + range.lowerBound, count: range.count)
        count += range.count
    }

    mutating func appendLowercased(_ text: String) {
        let handled = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            precondition(count + bytes.count <= capacity, "SigV4 scratch buffer overflow")
            for byte in bytes {
                base[count] = byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte
                count += 1
            }
            return true
        } ?? false
        if !handled {
            for byte in text.utf8 { append(byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) }
        }
    }

    /// Trim-all: leading and trailing whitespace dropped, inner runs squeezed to one space.
    mutating func appendTrimmed(_ text: String) {
        let handled = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            appendTrimmed(bytes)
            return true
        } ?? false
        if !handled {
            let copy = Array(text.utf8)
            copy.withUnsafeBufferPointer { appendTrimmed($0) }
        }
    }

    mutating func appendTrimmed(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(count + bytes.count <= capacity, "SigV4 scratch buffer overflow")
        let start = count
        var pendingSpace = false
        for byte in bytes {
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0d) {
                pendingSpace = count > start
            } else {
                if pendingSpace { base[count] = 0x20; count += 1; pendingSpace = false }
                base[count] = byte
                count += 1
            }
        }
    }

    @inline(__always)
    mutating func appendHex(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(count + bytes.count * 2 <= capacity, "SigV4 scratch buffer overflow")
        for byte in bytes {
            let high = byte >> 4, low = byte & 0x0f
            base[count] = high < 10 ? 0x30 + high : 0x57 + high
            base[count + 1] = low < 10 ? 0x30 + low : 0x57 + low
            count += 2
        }
    }

    @inline(__always)
    mutating func appendEncodedByte(_ byte: UInt8, keepSlash: Bool = false) {
        if URIEncoding.isUnreserved(byte) || (keepSlash && byte == 0x2f) {
            append(byte)
        } else {
            let high = byte >> 4, low = byte & 0x0f
            append(0x25)
            append(high < 10 ? 0x30 + high : 0x37 + high)
            append(low < 10 ? 0x30 + low : 0x37 + low)
        }
    }

    mutating func appendEncoded(_ text: String) {
        let handled = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for byte in bytes { appendEncodedByte(byte) }
            return true
        } ?? false
        if !handled {
            for byte in text.utf8 { appendEncodedByte(byte) }
        }
    }

    mutating func appendEncodedWithin(_ range: Range<Int>) {
        for index in range { appendEncodedByte(base[index]) }
    }

    /// Decodes `%XX` escapes (malformed ones and `+` stay as they are) and encodes the result.
    mutating func appendDecodedEncoded(_ bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x25, index + 2 < bytes.count,
               let high = URIEncoding.hexValue(bytes[index + 1]), let low = URIEncoding.hexValue(bytes[index + 2]) {
                appendEncodedByte(high << 4 | low)
                index += 3
            } else {
                appendEncodedByte(byte)
                index += 1
            }
        }
    }

    mutating func appendDecimal(_ value: Int) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var rest = value.magnitude
        var length = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - length] = UInt8(0x30 + rest % 10)
                rest /= 10
                length += 1
            } while rest > 0
            if value < 0 { append(0x2d) }
            for index in (20 - length)..<20 { append(buffer[index]) }
        }
    }

    /// S3: the wire path as it is. Others: dot segments removed and `//` collapsed (botocore's
    /// remove_dot_segments), then every byte but `/` encoded once more.
    mutating func appendCanonicalURI(_ path: UnsafeBufferPointer<UInt8>, s3: Bool, normalize: Bool) {
        if path.isEmpty {
            append(0x2f)
            return
        }
        if s3 {
            append(path)
            return
        }
        guard normalize else {
            for byte in path { appendEncodedByte(byte, keepSlash: true) }
            return
        }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: path.count / 2 + 2) { starts in
            var segments = 0
            if path[0] == 0x2f { append(0x2f) }
            var index = 0
            while index < path.count {
                var end = index
                while end < path.count, path[end] != 0x2f { end += 1 }
                let length = end - index
                if length == 0 || (length == 1 && path[index] == 0x2e) {
                    // empty or "."
                } else if length == 2 && path[index] == 0x2e && path[index + 1] == 0x2e {
                    if segments > 0 {
                        segments -= 1
                        count = starts[segments]
                    }
                } else {
                    starts[segments] = count
                    segments += 1
                    if segments > 1 { append(0x2f) }
                    for position in index..<end { appendEncodedByte(path[position]) }
                }
                index = end + 1
            }
            if path[path.count - 1] == 0x2f && segments > 0 { append(0x2f) }
        }
    }
}
