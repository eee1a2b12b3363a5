/// Everything that can go wrong while signing a request.
public enum SigV4Error: Error, CustomStringConvertible, Equatable, Sendable {
    /// An OpenSSL call failed; `code` is what `ERR_get_error()` returned.
    case openssl(function: String, code: UInt)
    /// The URL could not be split into scheme, host, path and query.
    case invalidURL(String)
    /// The signing time was not in a format the signer understands.
    case invalidTimestamp(String)
    /// A presigned URL's lifetime was out of range.
    case invalidExpires(Int)
    /// A required value (access key, region, service) was empty.
    case missingValue(String)

    public var description: String {
        switch self {
        case .openssl(let function, let code):
            let hex = String(code, radix: 16)
            return "openssl \(function) failed (ERR_get_error 0x\(hex)): check that libcrypto from OpenSSL 3 is installed (apt-get install libssl-dev)"
        case .invalidURL(let url):
            return "invalid url '\(url)': expected scheme://host[:port]/path[?query], for example https://sts.us-east-1.amazonaws.com/"
        case .invalidTimestamp(let text):
            return "invalid signing time '\(text)': expected YYYYMMDDTHHMMSSZ (for example 20150830T123600Z) or an ISO-8601 UTC time such as 2015-08-30T12:36:00Z"
        case .invalidExpires(let seconds):
            return "invalid presign lifetime \(seconds) s: expected 1 to 604800 seconds (7 days)"
        case .missingValue(let name):
            return "missing \(name): give a non-empty \(name) to sign with"
        }
    }
}
