import Foundation
import SigV4

/// Runs a profile's `credential_process` and reads its JSON (Version 1).
enum CredentialProcess {
    static func run(_ command: String, profile: String, clock: () -> Date) throws -> AWSCredentials {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        // stderr goes to a file, not a second pipe: reading stdout to its end while the process fills a
        // full stderr pipe would deadlock both.
        let errorsURL = FileManager.default.temporaryDirectory.appendingPathComponent("slmstack-credential-process-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil, attributes: [.posixPermissions: 0o600])
        defer { try? FileManager.default.removeItem(at: errorsURL) }
        guard let errors = try? FileHandle(forWritingTo: errorsURL) else {
            throw AWSClientError.credentialProcess(profile: profile, reason: "could not create a temporary file for its error output")
        }
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw AWSClientError.credentialProcess(profile: profile, reason: "could not start /bin/sh: \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errors.close()
        let errorText = String(decoding: (try? Data(contentsOf: errorsURL)) ?? Data(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            let last = errorText.split(separator: "\n").last.map { ": \($0)" } ?? ""
            throw AWSClientError.credentialProcess(profile: profile, reason: "exit status \(process.terminationStatus)\(last)")
        }
        guard let json = try? JSONValue.parse(data) else {
            throw AWSClientError.credentialProcess(profile: profile, reason: "its output is not JSON")
        }
        guard json["Version"]?.int == 1 else {
            throw AWSClientError.credentialProcess(profile: profile, reason: "unsupported Version \(json["Version"]?.description ?? "(missing)"), expected 1")
        }
        guard let key = json["AccessKeyId"]?.string, let secret = json["SecretAccessKey"]?.string else {
            throw AWSClientError.credentialProcess(profile: profile, reason: "AccessKeyId or SecretAccessKey missing")
        }
        var expiration: Date?
        if let text = json["Expiration"]?.string {
            guard let date = parseISO8601(text) else {
                throw AWSClientError.credentialProcess(profile: profile, reason: "Expiration '\(text)' is not an ISO-8601 time")
            }
            guard date > clock() else {
                throw AWSClientError.noCredentials(
                    tried: ["profile '\(profile)': credential_process returned credentials that expired at \(text)"],
                    fix: "make the credential_process command return fresh credentials (log in to its identity provider again)")
            }
            expiration = date
        }
        return AWSCredentials(credentials: SigV4Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: json["SessionToken"]?.string),
                              expiration: expiration, source: .credentialProcess(profile: profile))
    }
}
