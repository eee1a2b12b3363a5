import Foundation
import StackModel

/// `slmstack diff --against DIR`: the CI synth-and-diff check against committed files.
struct DiffCommand: SubCommand {
    static let name = "diff"
    static let abstract = "Compare the current synth with committed files (--against DIR)."
    static let discussion = """
        With --against DIR: synthesizes in memory and compares with DIR/cloudformation/ (and DIR/terraform/
        when it exists). Exit 0 when equal; exit 1 with a unified diff on drift. Needs no credentials.
        """
    static let options: [OptionSpec] = [
        .value("against", "DIR", "Folder with committed synth output, for example templates"),
    ] + ServiceOptions.specs

    let config: ServiceConfig
    let against: String

    init(arguments: ParsedArguments, io: CommandIO) throws {
        config = try ServiceOptions.config(from: arguments)
        guard let against = arguments["against"] else {
            throw CLIError.usage("diff needs --against DIR (comparing with a deployed stack is not available yet)")
        }
        self.against = against
    }

    func run(io: CommandIO) throws -> ExitCode {
        let base = URL(fileURLWithPath: against)
        let terraformFiles = (try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent("terraform").path)) ?? []
        let hasTerraform = !terraformFiles.isEmpty
        let files = try Synthesis.files(for: config, format: hasTerraform ? .all : .cloudformation)
        var drifted = 0
        for file in files {
            let committedURL = base.appendingPathComponent(file.path)
            guard let committed = FileManager.default.contents(atPath: committedURL.path) else {
                io.line("missing: \(committedURL.relativePath) (run 'slmstack synth --out \(against)' and commit it)")
                drifted += 1
                continue
            }
            if Array(committed) == file.bytes { continue }
            drifted += 1
            if let new = file.text, let old = String(data: committed, encoding: .utf8) {
                io.write(UnifiedDiff.diff(old, new, oldName: committedURL.relativePath, newName: "synth/\(file.path)"))
            } else {
                io.line("differs: \(committedURL.relativePath) (binary)")
            }
        }
        if drifted > 0 {
            io.note("drift: \(drifted) of \(files.count) files differ from \(against): run 'slmstack synth --out \(against)' and commit")
            return .failure
        }
        io.line("no drift: \(files.count) files match \(against)")
        return .success
    }
}
