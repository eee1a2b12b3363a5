import Foundation
import CloudFormationSynth
import StackModel
import TerraformSynth

/// The options every command that builds the model shares: `--config FILE` plus one flag per
/// `ServiceConfig` setting.
enum ServiceOptions {
    /// `--config` and every setting as a value option.
    static let specs: [OptionSpec] =
        [.value("config", "FILE", "JSON file with the same keys as these flags (flags win)")]
        + ServiceConfig.settings.map { .value($0.key, $0.placeholder, $0.help, configurable: true) }

    /// The options that name a stack rather than shape it.
    static let identityKeys: Set<String> = ["config", "stack-name", "region"]

    /// Builds the configuration: defaults, then the config file, then flags.
    ///
    /// - Throws: `CLIError.usage` naming the file, key or flag and the fix.
    static func config(from arguments: ParsedArguments, environment: [String: String] = [:]) throws -> ServiceConfig {
        var config = ServiceConfig()
        if let path = arguments["config"] {
            try apply(file: path, to: &config)
        }
        for setting in ServiceConfig.settings {
            guard let text = arguments[setting.key] else { continue }
            do {
                try setting.apply(&config, text)
            } catch {
                throw CLIError.usage("--\(error.key): \(error.message)")
            }
        }
        return config
    }

    /// Whether the config file given with `--config` sets the region.
    static func fileSetsRegion(_ arguments: ParsedArguments) throws -> Bool {
        guard let path = arguments["config"], let data = FileManager.default.contents(atPath: path) else { return false }
        guard let region = (try? JSONDecoder().decode([String: ConfigValue].self, from: data))?["region"] else { return false }
        if case .null = region { return false }
        return true
    }

    /// Whether the config file given with `--config` has `key` (null or not).
    static func fileSets(_ key: String, _ arguments: ParsedArguments) throws -> Bool {
        guard let path = arguments["config"], let data = FileManager.default.contents(atPath: path) else { return false }
        return (try? JSONDecoder().decode([String: ConfigValue].self, from: data))?[key] != nil
    }

    /// Applies a JSON config file: an object whose keys are setting keys.
    static func apply(file path: String, to config: inout ServiceConfig) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError.usage("--config: cannot read '\(path)': check the path")
        }
        let fields: [String: ConfigValue]
        do {
            fields = try JSONDecoder().decode([String: ConfigValue].self, from: data)
        } catch DecodingError.typeMismatch {
            throw CLIError.usage("--config \(path): expected a JSON object of settings such as {\"region\": \"eu-west-2\"}, with string, number, boolean, (for tags) object or (for models) list values")
        } catch {
            throw CLIError.usage("--config \(path): not valid JSON: fix the file")
        }
        let keys = ServiceConfig.settings.map(\.key)
        for key in fields.keys.sorted() {
            guard let setting = ServiceConfig.setting(key) else {
                let hint = Suggest.closest(to: key, in: keys).map { ": did you mean '\($0)'?" } ?? ": known keys are \(keys.joined(separator: ", "))"
                throw CLIError.usage("--config \(path): unknown key '\(key)'\(hint)")
            }
            do {
                switch fields[key]! {
                case .null:
                    throw CLIError.usage("--config \(path): '\(key)' is null: remove the key or give a value")
                case .text(let text):
                    try setting.apply(&config, text)
                case .map(let map) where key == "tags":
                    // applied as given: a value may hold the commas and '=' the flag's text uses
                    try config.setTags(map)
                case .map:
                    throw CLIError.usage("--config \(path): \(key): expected a string, number or boolean, got an object")
                case .list(let entries) where key == "models":
                    try setting.apply(&config, try modelsText(entries, path: path))
                case .list:
                    throw CLIError.usage("--config \(path): \(key): expected a string, number or boolean, got a list")
                }
            } catch let error as SettingError {
                throw CLIError.usage("--config \(path): \(error.key): \(error.message)")
            }
        }
    }
}

/// The `models` list of a config file in the flag's form: each object's "model-id", then its other
/// keys as `:key=value` in the order of `ListedModel.keys`.
///
/// - Throws: `CLIError.usage` naming the entry and the fix.
private func modelsText(_ entries: [[String: ConfigValue]], path: String) throws -> String {
    try entries.enumerated().map { index, entry in
        guard case .text(let id)? = entry["model-id"] else {
            throw CLIError.usage("--config \(path): models[\(index)]: expected an object with a \"model-id\" string, such as {\"model-id\": \"Qwen/Qwen2.5-0.5B-Instruct\", \"copies\": 2}")
        }
        let known = ["model-id"] + ListedModel.keys.map(\.key)
        if let unknown = entry.keys.sorted().first(where: { !known.contains($0) }) {
            throw CLIError.usage("--config \(path): models[\(index)]: unknown key '\(unknown)': expected \(known.joined(separator: ", "))")
        }
        return ([id] + ListedModel.keys.compactMap { spec -> String? in
            guard case .text(let value)? = entry[spec.key] else { return nil }
            return "\(spec.key)=\(value)"
        }).joined(separator: ":")
    }.joined(separator: ",")
}

/// One value in a config file: what a flag would take, as JSON.
enum ConfigValue: Decodable {
    case text(String)
    case map([String: String])
    /// A list of objects (`models`).
    case list([[String: ConfigValue]])
    case null

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .text(flag ? "true" : "false")
        } else if let number = try? container.decode(Int.self) {
            self = .text(String(number))
        } else if let number = try? container.decode(Double.self) {
            self = .text(String(number))
        } else if let string = try? container.decode(String.self) {
            self = .text(string)
        } else if let list = try? container.decode([[String: ConfigValue]].self) {
            self = .list(list)
        } else {
            self = .map(try container.decode([String: String].self))
        }
    }
}

/// A file the synthesizers produce, relative to the output folder.
struct SynthesizedFile: Equatable {
    var path: String
    var bytes: [UInt8]
    var text: String? { String(validating: bytes, as: UTF8.self) }
}

/// Which renderers to run.
enum OutputFormat: String, CaseIterable {
    case cloudformation, terraform, all

    static func parse(_ text: String?) throws -> OutputFormat {
        guard let text else { return .cloudformation }
        guard let format = OutputFormat(rawValue: text.lowercased()) else {
            throw CLIError.usage("--format: expected cloudformation, terraform or all, got '\(text)'")
        }
        return format
    }
}

/// The whole pipeline from a configuration to files: validate, build, render.
enum Synthesis {
    /// Validates the configuration and the stack built from it, listing every problem.
    ///
    /// - Throws: `CLIError.invalid` with all problems (exit 2).
    static func stack(for config: ServiceConfig) throws -> Stack {
        let configProblems = config.validate()
        if !configProblems.isEmpty { throw CLIError.invalid(configProblems.map(\.description)) }
        let stack = Stack.slmService(config)
        let stackProblems = stack.validate()
        if !stackProblems.isEmpty { throw CLIError.invalid(stackProblems.map(\.description)) }
        return stack
    }

    /// The files for `format`, paths under `cloudformation/` and `terraform/`.
    static func files(for config: ServiceConfig, format: OutputFormat) throws -> [SynthesizedFile] {
        let stack = try stack(for: config)
        var files: [SynthesizedFile] = []
        if format == .cloudformation || format == .all {
            files.append(try cloudFormation(stack))
            // Code deploy uploads to the assets bucket, beside the template for those who deploy it themselves.
            files += stack.resources(of: LambdaFunction.self).compactMap(\.package).map {
                SynthesizedFile(path: "cloudformation/\($0.key)", bytes: $0.archive.bytes)
            }
        }
        if format == .terraform || format == .all {
            files += try terraform(stack, config: config)
        }
        return files
    }

    /// The Terraform module: `.tf` files and the Lambda zip, under `terraform/`.
    static func terraform(_ stack: Stack, config: ServiceConfig) throws -> [SynthesizedFile] {
        do {
            return try TerraformSynth.synthesize(stack, config: config).map {
                SynthesizedFile(path: "\(TerraformSynth.folder)/\($0.path)", bytes: $0.bytes)
            }
        } catch {
            throw CLIError.invalid(["\(error)"])
        }
    }

    /// The folder, under a templates folder, of the committed diagrams.
    static let graphFolder = "graph"

    /// The diagrams `slmstack graph` draws, as committed under `graph/`: Mermaid and DOT.
    ///
    /// - Throws: `CLIError.invalid` when the configuration or the stack does not validate.
    static func graph(for config: ServiceConfig) throws -> [SynthesizedFile] {
        try [(GraphCommand.Format.mermaid, "mmd"), (GraphCommand.Format.dot, "dot")].map { format, suffix in
            SynthesizedFile(path: "\(graphFolder)/\(config.stackName).\(suffix)", bytes: Array(try GraphCommand.text(for: config, format: format).utf8))
        }
    }

    /// The command that rewrites a committed file at `path` under `folder`.
    static func regenerate(_ path: String, into folder: String) -> String {
        guard path.hasPrefix(graphFolder + "/") else { return "slmstack synth --out \(folder)" }
        let file = String(path.dropFirst(graphFolder.count + 1))
        return "slmstack graph --format \(file.hasSuffix(".dot") ? "dot" : "mermaid") --out \(folder)/\(path)"
    }

    /// The CloudFormation template without whitespace, as deploy sends it (same document as the
    /// file `cloudFormation` writes).
    static func compactCloudFormation(_ stack: Stack) throws -> String {
        do {
            return try CloudFormationSynth.synthesize(stack).compactText
        } catch {
            throw CLIError.invalid(["\(error)"])
        }
    }

    static func cloudFormation(_ stack: Stack) throws -> SynthesizedFile {
        let template: CloudFormationTemplate
        do {
            template = try CloudFormationSynth.synthesize(stack)
        } catch {
            throw CLIError.invalid(["\(error)"])
        }
        return SynthesizedFile(path: "cloudformation/\(template.fileName)", bytes: Array(template.text.utf8))
    }
}
