/// An AWS access key pair, with the session token of temporary credentials.
///
/// `description` never shows the secret key or the token.
public struct SigV4Credentials: Sendable, Equatable, CustomStringConvertible {
    /// The access key ID, for example `AKIDEXAMPLE`.
    public var accessKeyID: String
    /// The secret access key. Never printed.
    public var secretAccessKey: String
    /// The session token of temporary credentials. Never printed.
    public var sessionToken: String?

    /// Creates credentials.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken.flatMap { $0.isEmpty ? nil : $0 }
    }

    public var description: String {
        "\(accessKeyID) (secret key redacted\(sessionToken == nil ? "" : ", session token redacted"))"
    }
}

/// One HTTP request as the signer sees it.
public struct SigV4Request: Sendable {
    /// The HTTP method, for example `POST`.
    public var method: String
    /// The full URL in its wire form: `scheme://host[:port]/path[?query]`. The path is taken as it
    /// will be sent (already percent-encoded once); the query is decoded and re-encoded.
    public var url: String
    /// The headers the client sets and wants signed, in order; names may repeat.
    ///
    /// Give only headers that reach the server unchanged (Host, Content-Type, X-Amz-*, and any you
    /// choose). Headers an HTTP stack adds by itself (Accept, Accept-Encoding, User-Agent …) must
    /// not be here. `Host` is derived from the URL when absent.
    public var headers: [(name: String, value: String)]
    /// The body bytes, exactly as sent.
    public var body: [UInt8]

    /// Creates a request.
    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// Where the signature goes.
public enum SigV4Mode: Sendable, Equatable {
    /// An `Authorization` header (with `X-Amz-Date` and, for temporary credentials, `X-Amz-Security-Token`).
    case header
    /// A presigned URL valid for `expires` seconds (1 to 604800).
    case query(expires: Int)
}

/// Service-specific signing rules.
public struct SigV4Options: Sendable, Equatable {
    /// S3 rules: the path is signed as sent (no normalisation, no second encoding) and an
    /// `X-Amz-Content-SHA256` header is added in header mode; presigned URLs use `UNSIGNED-PAYLOAD`.
    public var s3: Bool
    /// Non-S3 only: remove `.`/`..` segments and collapse `//` before encoding the path (default on;
    /// off reproduces the suite's `*-unnormalized` cases).
    public var normalizePath: Bool
    /// Sign the literal `UNSIGNED-PAYLOAD` instead of the body hash (header mode adds
    /// `X-Amz-Content-SHA256: UNSIGNED-PAYLOAD`).
    public var unsignedPayload: Bool
    /// Non-S3 header mode: also add and sign `X-Amz-Content-SHA256` with the body hash.
    public var addContentSHA256Header: Bool
    /// Sign without the session token and add it afterwards (the suite's `post-sts-header-after`).
    public var omitSessionToken: Bool
    /// A body hash computed elsewhere (lower-case hex), to skip hashing a large body.
    public var precomputedPayloadHash: String?

    /// Creates options; the defaults are the plain rules for non-S3 services.
    public init(s3: Bool = false, normalizePath: Bool = true, unsignedPayload: Bool = false,
                addContentSHA256Header: Bool = false, omitSessionToken: Bool = false,
                precomputedPayloadHash: String? = nil) {
        self.s3 = s3
        self.normalizePath = normalizePath
        self.unsignedPayload = unsignedPayload
        self.addContentSHA256Header = addContentSHA256Header
        self.omitSessionToken = omitSessionToken
        self.precomputedPayloadHash = precomputedPayloadHash
    }

    /// The rules for S3.
    public static let s3 = SigV4Options(s3: true)
}

/// Everything one signature produced, stage by stage.
///
/// The text is kept in one byte buffer and turned into strings when read, so signing costs
/// one allocation for the result.
public struct SigV4Result: Sendable {
    let storage: [UInt8]
    let canonicalRange: Range<Int>
    let stringToSignRange: Range<Int>
    let signatureRange: Range<Int>
    let signedHeadersRange: Range<Int>
    let scopeRange: Range<Int>
    let payloadRange: Range<Int>
    /// Header mode: the Authorization value; query mode: the presigned URL.
    let finalRange: Range<Int>
    let isQuery: Bool
    let requestHeaders: [(name: String, value: String)]
    let requestURL: String
    let amzDate: String
    let addedToken: String?
    let tokenSigned: Bool
    let replacesContentSHA256: Bool
    let addsContentSHA256: Bool

    private func text(_ range: Range<Int>) -> String {
        storage.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    /// Stage 1: the canonical request.
    public var canonicalRequest: String { text(canonicalRange) }
    /// Stage 2: the string to sign.
    public var stringToSign: String { text(stringToSignRange) }
    /// Stage 3: the lower-case hex signature.
    public var signature: String { text(signatureRange) }
    /// The signed header names, `;`-separated.
    public var signedHeaders: String { text(signedHeadersRange) }
    /// `yyyymmdd/region/service/aws4_request`.
    public var credentialScope: String { text(scopeRange) }
    /// The payload hash in the canonical request (hex, or `UNSIGNED-PAYLOAD`).
    public var payloadHash: String { text(payloadRange) }
    /// Header mode: the `Authorization` value; nil in query mode.
    public var authorization: String? { isQuery ? nil : text(finalRange) }
    /// The URL to send: unchanged in header mode, the presigned URL in query mode.
    public var url: String { isQuery ? text(finalRange) : requestURL }

    /// The headers to send: header mode adds `X-Amz-Date`, `X-Amz-Security-Token`,
    /// `X-Amz-Content-SHA256` and `Authorization` (replacing any the caller set); query mode
    /// leaves the headers unchanged.
    public var headers: [(name: String, value: String)] {
        guard !isQuery else { return requestHeaders }
        var sent: [(name: String, value: String)] = []
        sent.reserveCapacity(requestHeaders.count + 4)
        for header in requestHeaders {
            switch HeaderKind(header.name) {
            case .authorization, .amzDate: continue
            case .securityToken where tokenSigned: continue
            case .contentSHA256 where replacesContentSHA256: continue
            default: sent.append(header)
            }
        }
        sent.append((name: "X-Amz-Date", value: amzDate))
        if tokenSigned, let addedToken { sent.append((name: "X-Amz-Security-Token", value: addedToken)) }
        if replacesContentSHA256 || addsContentSHA256 { sent.append((name: "X-Amz-Content-SHA256", value: payloadHash)) }
        if !tokenSigned, let addedToken { sent.append((name: "X-Amz-Security-Token", value: addedToken)) }
        sent.append((name: "Authorization", value: text(finalRange)))
        return sent
    }
}

/// Header names the signer treats specially, compared without allocating.
enum HeaderKind: Equatable {
    case authorization, amzDate, securityToken, contentSHA256, host, neverSigned, other

    init(_ name: String) {
        var copy = name
        self = copy.withUTF8 { HeaderKind(lowercased: $0, alreadyLower: false) }
    }

    static let neverSignedNames: [StaticString] = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    init(lowercased name: UnsafeBufferPointer<UInt8>, alreadyLower: Bool) {
        func equals(_ literal: StaticString) -> Bool {
            guard literal.utf8CodeUnitCount == name.count else { return false }
            let other = literal.utf8Start
            for index in 0..<name.count {
                var byte = name[index]
                if !alreadyLower, byte >= 0x41, byte <= 0x5a { byte |= 0x20 }
                if byte != other[index] { return false }
            }
            return true
        }
        switch name.count {
        case 4 where equals("host"): self = .host
        case 10 where equals("x-amz-date"): self = .amzDate
        case 13 where equals("authorization"): self = .authorization
        case 20 where equals("x-amz-security-token"): self = .securityToken
        case 20 where equals("x-amz-content-sha256"): self = .contentSHA256
        default:
            self = HeaderKind.neverSignedNames.contains(where: equals) ? .neverSigned : .other
        }
    }
}
