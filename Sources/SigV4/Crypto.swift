internal import COpenSSL

/// SHA-256 through OpenSSL's libcrypto (`EVP_Digest` with `EVP_sha256()`).
public enum SHA256 {
    /// The digest size in bytes.
    public static let byteCount = 32

    /// Hashes `bytes` in one call.
    ///
    /// - Parameter bytes: the message.
    /// - Returns: the 32-byte digest.
    /// - Throws: `SigV4Error.openssl` when libcrypto reports a failure.
    public static func hash(_ bytes: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                EVP_Digest(input.baseAddress, input.count,
                           output.baseAddress!.assumingMemoryBound(to: UInt8.self), &length,
                           EVP_sha256(), nil)
            }
        }
        guard ok == 1, length == 32 else { throw SigV4Error.openssl(function: "EVP_Digest", code: ERR_get_error()) }
        return out
    }

    /// Hashes `bytes` and returns lower-case hex.
    public static func hexHash(_ bytes: [UInt8]) throws -> String {
        Hex.encode(try hash(bytes))
    }
}

/// HMAC-SHA256 through OpenSSL's libcrypto (`HMAC()` with `EVP_sha256()`).
public enum HMACSHA256 {
    /// Computes HMAC-SHA256 of `message` under `key` in one call.
    ///
    /// - Parameters:
    ///   - key: the key bytes.
    ///   - message: the message bytes.
    /// - Returns: the 32-byte MAC.
    /// - Throws: `SigV4Error.openssl` when libcrypto reports a failure.
    public static func mac(key: [UInt8], message: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                out.withUnsafeMutableBytes { o in
                    HMAC(EVP_sha256(), k.baseAddress, Int32(k.count),
                         m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count,
                         o.baseAddress!.assumingMemoryBound(to: UInt8.self), &length)
                }
            }
        }
        guard result != nil, length == 32 else { throw SigV4Error.openssl(function: "HMAC", code: ERR_get_error()) }
        return out
    }
}

// MARK: - Hot path
//
// OpenSSL 3.0's one-shot `HMAC()` costs about 1.8 µs and `EVP_Digest(EVP_sha256())` about 0.25 µs more
// than the hashing itself, because both fetch the algorithm implementation on every call. The signer
// signs thousands of requests with one cached key, so its hot path keeps digest contexts that were
// initialised once with `EVP_sha256()` and copies them (`EVP_MD_CTX_copy_ex`, no fetch). The result is
// the same SHA-256 and the same RFC 2104 HMAC; tests check it against the one-shot functions above.

/// An `EVP_MD_CTX` initialised with `EVP_sha256()` and optionally fed a prefix; copied, never mutated.
final class DigestPrototype: @unchecked Sendable {
    let context: OpaquePointer

    /// - Parameter prefix: bytes hashed into the prototype (the HMAC pad block), or empty.
    init(prefix: [UInt8]) throws {
        guard let context = EVP_MD_CTX_new() else {
            throw SigV4Error.openssl(function: "EVP_MD_CTX_new", code: ERR_get_error())
        }
        self.context = context
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            throw SigV4Error.openssl(function: "EVP_DigestInit_ex", code: ERR_get_error())
        }
        if !prefix.isEmpty {
            let ok = prefix.withUnsafeBytes { EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
            guard ok == 1 else { throw SigV4Error.openssl(function: "EVP_DigestUpdate", code: ERR_get_error()) }
        }
    }

    deinit { EVP_MD_CTX_free(context) }

    /// The plain SHA-256 prototype, built once per process.
    static let sha256: Result<DigestPrototype, SigV4Error> = {
        do { return .success(try DigestPrototype(prefix: [])) } catch let error as SigV4Error { return .failure(error) } catch { return .failure(.openssl(function: "EVP_DigestInit_ex", code: 0)) }
    }()
}

/// A scratch digest context for one signature (not shared between threads).
struct DigestWorker: ~Copyable {
    let context: OpaquePointer

    init() throws {
        guard let context = EVP_MD_CTX_new() else {
            throw SigV4Error.openssl(function: "EVP_MD_CTX_new", code: ERR_get_error())
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Hashes `count` bytes at `base` starting from `prototype`'s state into `out` (32 bytes).
    func digest(from prototype: DigestPrototype, _ base: UnsafeRawPointer?, _ count: Int,
                into out: UnsafeMutablePointer<UInt8>) throws {
        var length: UInt32 = 0
        guard EVP_MD_CTX_copy_ex(context, prototype.context) == 1,
              EVP_DigestUpdate(context, base, count) == 1,
              EVP_DigestFinal_ex(context, out, &length) == 1 else {
            throw SigV4Error.openssl(function: "EVP_DigestFinal_ex", code: ERR_get_error())
        }
    }

    /// SHA-256 of `bytes`.
    func sha256(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) throws {
        try digest(from: DigestPrototype.sha256.get(), bytes.baseAddress, bytes.count, into: out)
    }

    /// HMAC-SHA256 of `message` under a precomputed key.
    func hmac(_ key: HMACKey, _ message: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) throws {
        var inner = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        try withUnsafeMutableBytes(of: &inner) { innerBytes in
            let innerOut = innerBytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
            try digest(from: key.inner, message.baseAddress, message.count, into: innerOut)
            try digest(from: key.outer, innerBytes.baseAddress, 32, into: out)
        }
    }
}

/// An HMAC-SHA256 key with its inner and outer pad blocks already hashed (RFC 2104).
final class HMACKey: @unchecked Sendable {
    let inner: DigestPrototype
    let outer: DigestPrototype

    /// - Parameter key: at most 64 bytes (a SigV4 signing key is 32).
    init(_ key: [UInt8]) throws {
        var block = key.count > 64 ? try SHA256.hash(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        inner = try DigestPrototype(prefix: block.map { $0 ^ 0x36 })
        outer = try DigestPrototype(prefix: block.map { $0 ^ 0x5c })
    }
}

/// SHA-1 through libcrypto, for file names only (the AWS CLI names its SSO token cache files by
/// the SHA-1 of the session name or start URL). Never used for signing.
public enum SHA1 {
    /// The lower-case hex SHA-1 of `bytes`.
    ///
    /// - Throws: `SigV4Error.openssl` when libcrypto reports a failure.
    public static func hexHash(_ bytes: [UInt8]) throws -> String {
        var out = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress!.assumingMemoryBound(to: UInt8.self),
                           &length, EVP_sha1(), nil)
            }
        }
        guard ok == 1, length == 20 else { throw SigV4Error.openssl(function: "EVP_Digest", code: ERR_get_error()) }
        return Hex.encode(out)
    }
}
