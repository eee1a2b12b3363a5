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
public struct SigV4Result: Sendable {
    let canonicalBytes: [UInt8]
    let stringToSignBytes: [UInt8]

    /// Stage 1: the canonical request.
    public var canonicalRequest: String { String(decoding: canonicalBytes, as: UTF8.self) }
    /// Stage 2: the string to sign.
    public var stringToSign: String { String(decoding: stringToSignBytes, as: UTF8.self) }
    /// Stage 3: the lower-case hex signature.
    public let signature: String
    /// The signed header names, `;`-separated.
    public let signedHeaders: String
    /// `yyyymmdd/region/service/aws4_request`.
    public let credentialScope: String
    /// The payload hash in the canonical request (hex, or `UNSIGNED-PAYLOAD`).
    public let payloadHash: String
    /// Header mode: the `Authorization` value; nil in query mode.
    public let authorization: String?
    /// The headers to send: header mode adds `X-Amz-Date`, `X-Amz-Security-Token`,
    /// `X-Amz-Content-SHA256` and `Authorization` where they apply; query mode leaves them unchanged.
    public let headers: [(name: String, value: String)]
    /// The URL to send: unchanged in header mode, the presigned URL in query mode.
    public let url: String
}
