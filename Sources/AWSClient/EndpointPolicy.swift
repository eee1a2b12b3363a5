import Foundation

/// Which endpoints may be reached over plain HTTP.
///
/// 1. AWS's own hosts (`*.amazonaws.com`, `*.amazonaws.com.cn`, `*.api.aws`): never. A signed
///    request carries the access key id, the signature and any session token; AWS serves its APIs
///    over HTTPS, so an `http://` URL to one of its hosts is a mistake or a downgrade.
/// 2. Loopback (`localhost`, `127.0.0.0/8`, `::1`): silently, it is the local AWS.
/// 3. Any other host: allowed, with a one-line warning naming the risk (a LAN emulator, a
///    corporate test stand).
public enum EndpointPolicy {
    /// Host suffixes of AWS's own endpoints.
    public static let awsHostSuffixes = ["amazonaws.com", "amazonaws.com.cn", "api.aws"]

    /// What the policy says about one URL.
    public enum Verdict: Sendable, Equatable {
        /// HTTPS, or plain HTTP to loopback.
        case allowed
        /// Plain HTTP to a host that is neither AWS's nor loopback: the warning to print.
        case warn(String)
        /// Plain HTTP to an AWS host: the one-line error.
        case refused(String)
    }

    /// The host of `url` (lower-cased, brackets of an IPv6 literal removed), or nil.
    public static func host(of url: String) -> String? {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else { return nil }
        var cleaned = host.lowercased()
        if cleaned.hasPrefix("["), cleaned.hasSuffix("]") { cleaned = String(cleaned.dropFirst().dropLast()) }
        while cleaned.hasSuffix(".") { cleaned.removeLast() }
        return cleaned
    }

    /// Whether `host` is one of AWS's (`cloudformation.us-east-1.amazonaws.com`, `sts.api.aws`).
    public static func isAWSHost(_ host: String) -> Bool {
        awsHostSuffixes.contains { host == $0 || host.hasSuffix("." + $0) }
    }

    /// Whether `host` names this machine: `localhost`, `127.0.0.0/8`, `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Checks one endpoint URL.
    ///
    /// - Parameters:
    ///   - url: `scheme://host[:port]…`.
    ///   - name: where it came from, for the message (`--endpoint-url`, `AWS_ENDPOINT_URL_STS`).
    public static func verdict(for url: String, name: String) -> Verdict {
        guard url.lowercased().hasPrefix("http://"), let host = host(of: url) else { return .allowed }
        if isAWSHost(host) {
            return .refused("\(name): plain HTTP to the AWS host \(host) would send signed requests and session tokens unencrypted; use https://\(host)")
        }
        if isLoopback(host) { return .allowed }
        return .warn("warning: \(name) is plain HTTP to \(host): signed requests (access key id, signatures, any session token) and the answers travel unencrypted and can be read or altered on the way; use https:// unless this is a test stand you trust")
    }
}
