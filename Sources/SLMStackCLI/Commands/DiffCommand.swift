import Deploy
import Foundation
import StackModel
import TerraformSynth

/// `slmstack diff --against DIR`: the CI synth-and-diff check against committed files.
struct DiffCommand: SubCommand {
    static let name = "diff"
    static let abstract = "Compare the current model with the deployed stack, or with committed files (--against DIR)."
    static let discussion = """
        Without --against: fetches the deployed template (GetTemplate), shows which resources the current model
        adds, removes or changes (with the property paths), then CloudFormation's own plan from a change set
        (with replacement flags) that is deleted again: nothing is applied. Exit 0 when they match, 1 when not.
        With --against DIR: synthesizes in memory and compares with DIR/cloudformation/ (and DIR/terraform/
        and DIR/graph/ when they exist; the graph is 'slmstack graph' in Mermaid and DOT); exit 0 when equal,
        1 with a unified diff on drift. Needs no credentials.
        """
    static let options: [OptionSpec] = [
        .value("against", "DIR", "Folder with committed synth output, for example templates"),
    ] + AWSContext.specs

    let config: ServiceConfig
    let against: String?
    let context: AWSContext?

    init(arguments: ParsedArguments, io: CommandIO) throws {
        against = arguments["against"]
        if against == nil {
            let context = try AWSContext(arguments: arguments, io: io)
            self.context = context
            config = context.config
        } else {
            context = nil
            config = try ServiceOptions.config(from: arguments)
        }
    }

    func run(io: CommandIO) throws -> ExitCode {
        guard let against else { return try deployed(io: io) }
        let base = URL(fileURLWithPath: against)
        let terraformFiles = (try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent("terraform").path)) ?? []
        let hasTerraform = !terraformFiles.isEmpty
        var files = try Synthesis.files(for: config, format: hasTerraform ? .all : .cloudformation)
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: base.appendingPathComponent(Synthesis.graphFolder).path, isDirectory: &isFolder), isFolder.boolValue {
            files += try Synthesis.graph(for: config)
        }
        var drifted = 0
        var fixes: [String] = []
        for file in files {
            let committedURL = base.appendingPathComponent(file.path)
            guard let committed = FileManager.default.contents(atPath: committedURL.path) else {
                io.line("missing: \(committedURL.relativePath) (run '\(Synthesis.regenerate(file.path, into: against))' and commit it)")
                drifted += 1
                fixes.append(Synthesis.regenerate(file.path, into: against))
                continue
            }
            if Array(committed) == file.bytes { continue }
            drifted += 1
            fixes.append(Synthesis.regenerate(file.path, into: against))
            if let new = file.text, let old = String(data: committed, encoding: .utf8) {
                io.write(UnifiedDiff.diff(old, new, oldName: committedURL.relativePath, newName: "synth/\(file.path)"))
            } else {
                io.line("differs: \(committedURL.relativePath) (binary)")
            }
        }
        // A file synth no longer writes is drift too: terraform loads every .tf file in the folder.
        let written = Set(files.map(\.path))
        for (folder, keep) in [("cloudformation", { (name: String) in name.hasSuffix(".template.json") }),
                               (TerraformSynth.folder, { (name: String) in !name.hasPrefix(".") })] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent(folder).path)) ?? []
            for name in names.sorted() where keep(name) && !written.contains("\(folder)/\(name)") {
                let path = base.appendingPathComponent(folder).appendingPathComponent(name).relativePath
                io.line("extra: \(path) (synth does not write it for this model: delete it, or synth with the settings that make it)")
                drifted += 1
                fixes.append("rm \(path)")
            }
        }
        if drifted > 0 {
            var seen: Set<String> = []
            let commands = fixes.filter { seen.insert($0).inserted }
            io.note("drift: \(drifted) of \(files.count) files differ from \(against): run \(commands.map { "'\($0)'" }.joined(separator: " and ")) and commit")
            return .failure
        }
        io.line("no drift: \(files.count) files match \(against)")
        return .success
    }

    /// The deployed stack against the current model.
    func deployed(io: CommandIO) throws -> ExitCode {
        let stack = try Synthesis.stack(for: config)
        let context = self.context!, name = stack.name
        let request = DeployRequest(stackName: name, template: try Synthesis.compactCloudFormation(stack), resourceCount: stack.resources.count,
                                    tags: stack.tags, assumeYes: true, noRollback: false, ttlMinutes: config.ttlMinutes, ttlGiven: context.ttlGiven,
                                    keepingExpiry: DeployCommand.keepingExpiry(config, ttlSet: context.ttlSet))
        let console = CLIConsole(io: io)
        let (diff, plan) = try AWSContext.run {
            let client = try await context.client(io: io)
            return try await Deployer(api: CloudFormationAPI(client: client), console: console).preview(request)
        }
        io.write(diff.rendered)
        if !plan.isEmpty { io.line(Deployer.describe(plan, stack: name, type: "UPDATE")) }
        return diff.isEmpty && plan.isEmpty ? .success : .failure
    }
}
