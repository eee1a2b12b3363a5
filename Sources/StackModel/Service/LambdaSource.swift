/// The Lambda shim's source, embedded into the binary at build time from `templates/lambda/handler.py`.
public enum LambdaSource {
    /// The handler file exactly as committed.
    public static let handlerFile: String = String(decoding: PackageResources.handler_py, as: UTF8.self)

    /// CloudFormation's limit on inline `Code.ZipFile` source, in characters.
    public static let inlineLimit = 4096

    /// The source as it is inlined: blank lines and whole-line `#` comments dropped, every other
    /// line kept byte for byte, joined with newlines and ending in one.
    public static func inlined(_ source: String = handlerFile) -> String {
        source.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in
                let trimmed = line.drop { $0 == " " || $0 == "\t" }
                return !trimmed.isEmpty && !trimmed.hasPrefix("#") && !trimmed.allSatisfy(\.isWhitespace)
            }
            .joined(separator: "\n") + "\n"
    }
}
