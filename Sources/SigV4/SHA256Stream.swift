internal import COpenSSL

/// SHA-256 over a stream of chunks (`EVP_DigestInit_ex`/`Update`/`Final_ex`), for data too large to
/// hold at once, such as a model file copied part by part.
public final class SHA256Stream: @unchecked Sendable {
    private let context: OpaquePointer
    private var finished = false

    /// Starts an empty digest.
    ///
    /// - Throws: `SigV4Error.openssl` when libcrypto reports a failure.
    public init() throws {
        guard let context = EVP_MD_CTX_new() else { throw SigV4Error.openssl(function: "EVP_MD_CTX_new", code: ERR_get_error()) }
        self.context = context
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw SigV4Error.openssl(function: "EVP_DigestInit_ex", code: ERR_get_error())
        }
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: [UInt8]) throws {
        let ok = bytes.withUnsafeBytes { EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        guard ok == 1 else { throw SigV4Error.openssl(function: "EVP_DigestUpdate", code: ERR_get_error()) }
    }

    /// The digest of everything added, as lower-case hex; the stream cannot be used after.
    public func finalizeHex() throws -> String {
        precondition(!finished, "SHA256Stream finalized twice")
        finished = true
        var out = [UInt8](repeating: 0, count: SHA256.byteCount)
        var length: UInt32 = 0
        let ok = out.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        guard ok == 1, length == 32 else { throw SigV4Error.openssl(function: "EVP_DigestFinal_ex", code: ERR_get_error()) }
        return Hex.encode(out)
    }
}
