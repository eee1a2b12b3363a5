import Foundation

/// The AWS shared config and credentials files (`~/.aws/config`, `~/.aws/credentials`).
public struct SharedConfigFiles: Sendable {
    /// Sections by name, as written (`profile x`, `default`, `sso-session y`).
    public typealias Sections = [String: [String: String]]

    /// Path of the credentials file (`AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`).
    public let credentialsPath: String
    /// Path of the config file (`AWS_CONFIG_FILE` or `~/.aws/config`).
    public let configPath: String
    /// Parsed credentials file; nil when it does not exist.
    public let credentials: Sections?
    /// Parsed config file; nil when it does not exist.
    public let config: Sections?
    /// The home directory, for the SSO token cache.
    public let home: String

    /// Reads both files, honouring `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE`.
    ///
    /// - Throws: `AWSClientError.invalidConfiguration` for a file that exists but cannot be read.
    public init(environment: [String: String]) throws {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        func expand(_ path: String) -> String { path.hasPrefix("~/") ? home + path.dropFirst(1) : path }
        let credentialsPath = expand(environment["AWS_SHARED_CREDENTIALS_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "~/.aws/credentials")
        let configPath = expand(environment["AWS_CONFIG_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "~/.aws/config")
        self.home = home
        self.credentialsPath = credentialsPath
        self.configPath = configPath
        credentials = try Self.read(credentialsPath)
        config = try Self.read(configPath)
    }

    static func read(_ path: String) throws -> Sections? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AWSClientError.invalidConfiguration("cannot read \(path): check its permissions")
        }
        return parseINI(String(decoding: data, as: UTF8.self))
    }

    /// Parses INI text the way botocore does: `[section]` headers, `key = value` lines, `#`/`;`
    /// comment lines; indented lines (nested `s3 =` blocks) are skipped.
    public static func parseINI(_ text: String) -> Sections {
        var sections: Sections = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                    .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section = current, rawLine.first != " ", rawLine.first != "\t",
                  let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if let comment = value.range(of: " #") ?? value.range(of: " ;") { value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces) }
            sections[section]![key] = value
        }
        return sections
    }

    /// The profile's section in the config file (`[profile NAME]`, or `[default]` for default).
    public func configProfile(_ name: String) -> [String: String]? {
        guard let config else { return nil }
        if name == "default" { return config["default"] ?? config["profile default"] }
        return config["profile \(name)"]
    }

    /// The profile's section in the credentials file (`[NAME]`).
    public func credentialsProfile(_ name: String) -> [String: String]? { credentials?[name] }

    /// A `[sso-session NAME]` section of the config file.
    public func ssoSession(_ name: String) -> [String: String]? { config?["sso-session \(name)"] }

    /// A profile setting: the credentials file first for keys, the config file for the rest.
    public func setting(_ key: String, profile: String) -> String? {
        configProfile(profile)?[key] ?? credentialsProfile(profile)?[key]
    }
}
