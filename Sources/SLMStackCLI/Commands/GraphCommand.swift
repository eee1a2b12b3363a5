import Foundation
import Graph
import StackModel

/// `slmstack graph`: the architecture diagram of the stack that would be deployed.
struct GraphCommand: SubCommand {
    static let name = "graph"
    static let abstract = "Draw the stack's architecture from the model (Mermaid, Graphviz DOT or PNG)."
    static let discussion = """
        Builds the same model deploy would (the stack settings flags and --config apply) and draws it: groups
        for the network (subnets collapsed per tier), the API, the Lambda compute and SageMaker; arrows for the
        request path (client, API, methods, Lambda, VPC endpoint, SageMaker endpoint, model) and the download
        path (model, NAT, internet gateway, internet), each derived from a reference in the model. Route tables,
        security groups, roles, logs and keys are not drawn. The same settings always give the same bytes.
        --format png runs Graphviz's 'dot' (apt-get install graphviz) and needs --out.
        """
    static let options: [OptionSpec] = [
        .value("format", "mermaid|dot|png", "Output format (default mermaid)."),
        .value("out", "FILE", "Write to FILE instead of standard output (required for png)."),
    ] + ServiceOptions.specs

    /// What to write.
    enum Format: String, CaseIterable { case mermaid, dot, png }

    let config: ServiceConfig
    let format: Format
    let out: String?
    let dotPath: String?

    init(arguments: ParsedArguments, io: CommandIO) throws {
        let text = arguments["format"] ?? "mermaid"
        guard let format = Format(rawValue: text.lowercased()) else {
            throw CLIError.usage("--format: expected mermaid, dot or png, got '\(text)'")
        }
        self.format = format
        out = arguments["out"]
        if let out, out.isEmpty { throw CLIError.usage("--out: give a file name, for example --out slmstack.\(format == .mermaid ? "mmd" : format.rawValue)") }
        config = try ServiceOptions.config(from: arguments)
        if format == .png {
            guard out != nil else { throw CLIError.usage("--format png writes binary data: give the file with --out slmstack.png") }
            guard let dot = Self.findExecutable("dot", path: io.environment["PATH"]) else {
                throw CLIError.usage("--format png needs Graphviz's 'dot', which is not on PATH: install it (apt-get install graphviz, brew install graphviz) or use --format dot")
            }
            dotPath = dot
        } else {
            dotPath = nil
        }
    }

    /// The first executable `name` in the `PATH` folders.
    static func findExecutable(_ name: String, path: String?) -> String? {
        for folder in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The diagram's text in `format` (DOT for png) for a configuration.
    ///
    /// - Throws: `CLIError.invalid` when the configuration or the stack does not validate.
    static func text(for config: ServiceConfig, format: Format) throws -> String {
        let graph = ArchitectureGraph.build(try Synthesis.stack(for: config))
        return format == .mermaid ? Mermaid.render(graph) : Dot.render(graph)
    }

    func run(io: CommandIO) throws -> ExitCode {
        let text = try Self.text(for: config, format: format)
        if format == .png, let out, let dotPath {
            try Self.renderPNG(dot: text, executable: dotPath, to: out)
            io.note("wrote \(out)")
            return .success
        }
        guard let out else {
            io.write(text)
            return .success
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out))
        } catch {
            throw CLIError.failure("--out: cannot write '\(out)': \(error.localizedDescription)")
        }
        io.note("wrote \(out)")
        return .success
    }

    /// Runs `dot -Tpng -o FILE` with the DOT text on its standard input.
    static func renderPNG(dot text: String, executable: String, to out: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-Tpng", "-o", out]
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw CLIError.failure("could not run \(executable): \(error.localizedDescription)")
        }
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError.failure("dot failed (exit \(process.terminationStatus)): \(String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
