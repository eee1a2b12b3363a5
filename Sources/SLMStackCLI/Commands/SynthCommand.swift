import Foundation
import Glibc
import StackModel

/// `slmstack synth`: validate the model and write the templates.
struct SynthCommand: SubCommand {
    static let name = "synth"
    static let abstract = "Validate the model and write CloudFormation (and Terraform) files."
    static let discussion = """
        Writes OUT/cloudformation/<stack>.template.json (and OUT/terraform/ with --format terraform|all).
        The same model always gives byte-identical files, so CI can diff them (see 'slmstack diff --against').
        Nothing is sent to AWS.
        """
    static let options: [OptionSpec] = [
        .value("out", "DIR", "Folder to write into (default: out)"),
        .value("format", "FORMAT", "cloudformation, terraform or all (default: cloudformation)"),
    ] + ServiceOptions.specs

    let config: ServiceConfig
    let out: String
    let format: OutputFormat

    init(arguments: ParsedArguments, io: CommandIO) throws {
        config = try ServiceOptions.config(from: arguments)
        out = arguments["out"] ?? "out"
        format = try OutputFormat.parse(arguments["format"])
    }

    func run(io: CommandIO) throws -> ExitCode {
        let files = try Synthesis.files(for: config, format: format)
        for file in files {
            let url = URL(fileURLWithPath: out).appendingPathComponent(file.path)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Self.write(file.bytes, to: url.path)
            } catch {
                throw CLIError.failure("cannot write \(url.path): \(error.localizedDescription)")
            }
            io.line("wrote \(url.relativePath) (\(file.bytes.count) bytes)")
        }
        return .success
    }
}

extension SynthCommand {
    /// Writes `bytes` to `path` (created or truncated, mode 644) with plain POSIX calls: Foundation's
    /// `Data.write` syncs each file to disk, which was a tenth of a synth's time; these are build
    /// outputs, re-made by the next synth.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            offset += written
        }
    }
}

/// `slmstack validate`: check the model without writing anything.
struct ValidateCommand: SubCommand {
    static let name = "validate"
    static let abstract = "Check the model and its parameters; write nothing, call nothing."
    static let discussion = "Lists every problem at once, each naming the setting or resource and the fix; exit 2 when there are any."
    static let options: [OptionSpec] = ServiceOptions.specs

    let config: ServiceConfig

    init(arguments: ParsedArguments, io: CommandIO) throws {
        config = try ServiceOptions.config(from: arguments)
    }

    func run(io: CommandIO) throws -> ExitCode {
        let stack = try Synthesis.stack(for: config)
        // deploy sends the template compact; that is the size CreateStack's limit applies to
        let sent = try Synthesis.compactCloudFormation(stack).utf8.count
        let size = sent <= 51_200 ? "template \(sent) bytes as sent (inline)"
            : "template \(sent) bytes as sent, over CreateStack's 51,200: deploy uploads it to the assets bucket"
        io.line("ok: \(stack.name) in \(config.region): \(stack.resources.count) resources, \(stack.outputs.count) outputs, "
            + "\(size), \(config.modelID) on \(config.autoscaling.map { "\($0.lowerBound)-\($0.upperBound)" } ?? String(config.instanceCount)) x \(config.instanceType)")
        let engine = config.engine, newest = EngineCatalog.newest(engine)
        let newestNote = newest == config.engineVersion ? "the newest" : "newest \(newest): \(EngineCatalog.image(engine, version: newest)?.tag ?? "")"
        io.line("engine: \(engine.rawValue) \(config.engineVersion), image tag \(config.engineImage?.tag ?? "") (\(newestNote)), "
            + "CUDA \(config.engineImage?.cuda ?? ""), host AMI \(config.inferenceAMI.map { "\($0.version) (driver \($0.driver))" } ?? "default")")
        for warning in config.warnings() { io.note("warning: \(warning)") }
        return .success
    }
}
