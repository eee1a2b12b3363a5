/// The Lambda shim's source, embedded into the binary at build time from `templates/lambda/handler.py`.
public enum LambdaSource {
    /// The handler file exactly as committed.
    public static let handlerFile: String = String(decoding: PackageResources.handler_py, as: UTF8.self)

    /// slmstack's budget for inline `Code.ZipFile` source, in characters.
    ///
    /// CloudFormation's old 4,096-character cap on inline code was removed in 2022 (see the AWS CDK
    /// change "inline function code can exceed 4096 bytes", aws/aws-cdk#20624, and cfn-lint, whose
    /// schema no longer bounds `ZipFile`). What still binds is CreateStack's 51,200-byte
    /// `TemplateBody`; this budget keeps the shim well inside it, with room for the rest of the stack.
    public static let inlineLimit = 16_384

    /// The source as it is inlined: blank lines and whole-line `#` comments dropped, every other
    /// line kept byte for byte, joined with newlines and ending in one.
    public static func inlined(_ source: String = handlerFile) -> String {
        var kept: [UInt8] = []
        kept.reserveCapacity(source.utf8.count)
        for line in source.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            guard let first = line.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { continue }
            if first == UInt8(ascii: "#") || line.allSatisfy({ [0x20, 0x09, 0x0D, 0x0B, 0x0C].contains($0) }) { continue }
            kept += line
            kept.append(UInt8(ascii: "\n"))
        }
        if kept.isEmpty { kept.append(UInt8(ascii: "\n")) }
        return String(decoding: kept, as: UTF8.self)
    }

    /// The handler as it is inlined, computed once.
    public static let inlinedHandler: String = inlined()

    /// The idle-pause function's file (`templates/lambda/idle_pause.py`) exactly as committed.
    public static let idlePauseFile: String = String(decoding: PackageResources.idle_pause_py, as: UTF8.self)

    /// The streaming chat function's web app (`templates/lambda/serve.py`), packaged as it is.
    public static let streamServerFile: String = String(decoding: PackageResources.serve_py, as: UTF8.self)

    /// The idle-pause function as it is inlined.
    public static let inlinedIdlePause: String = inlined(idlePauseFile)
}
