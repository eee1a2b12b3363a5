import StackModel

/// A stack translated to a Terraform module: `.tf` files and the Lambda packages beside them.
public struct TerraformModule: Sendable {
    /// The `.tf` files in a fixed order: versions, providers, variables, network, sagemaker, lambda,
    /// api, outputs (areas without resources are left out).
    public var files: [HCLFile]
    /// Zip packages by file name (`shim.zip`), in name order.
    public var archives: [(name: String, archive: ZipArchive)]

    /// Every file as a path relative to the module folder and its bytes, `.tf` files first.
    public var rendered: [(path: String, bytes: [UInt8])] {
        files.map { ($0.name, Array($0.rendered().utf8)) } + archives.map { ($0.name, $0.archive.bytes) }
    }

    /// The file called `name`, if any.
    public func file(_ name: String) -> HCLFile? { files.first { $0.name == name } }

    /// Every top-level block of every file, in file order.
    public var blocks: [HCLBlock] { files.flatMap(\.blocks) }

    /// The `resource` block at `address`, if any.
    public func resource(_ address: TerraformAddress) -> HCLBlock? {
        blocks.first { $0.type == "resource" && $0.labels == [address.type, address.name] }
    }
}

/// Why a stack cannot be written as Terraform.
public enum TerraformSynthError: Error, CustomStringConvertible, Equatable {
    /// A resource type has no Terraform translation.
    case unsupportedResource(kind: String, id: String, type: String)
    /// Two logical IDs give the same Terraform address.
    case duplicateAddress(address: String, ids: [String])
    /// A resource whose meaning depends on something Terraform does not have.
    case noEquivalent(kind: String, id: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedResource(let kind, let id, let type):
            "\(kind) '\(id)': \(type) has no Terraform translation: declare the type as a DeclaredResource with a TerraformDeclaration, or synthesize --format cloudformation"
        case .duplicateAddress(let address, let ids):
            "\(ids.joined(separator: "' and '")): both become \(address) in Terraform: rename one logical ID"
        case .noEquivalent(let kind, let id, let reason):
            "\(kind) '\(id)': \(reason)"
        }
    }
}

/// The Terraform renderer: `Stack` → HCL tree → text (+ a deterministic zip per Lambda function).
///
/// 1. `translate` maps each typed resource to one or more Terraform resources (a role and its
///    inline policies, a method and its integration, a stage and its method settings), values to
///    expressions (references to `aws_x.name.attr`, pseudo parameters to data sources and
///    variables, joins to interpolated strings, policies to `jsonencode`), properties that come from
///    a `ServiceConfig` setting to `var.<setting>`, checkov suppressions to inline
///    `#checkov:skip=ID:reason` comments, and the stack's tags to the provider's `default_tags`.
/// 2. `HCLFile.rendered()` writes each file as `terraform fmt` would.
public enum TerraformSynth {
    /// The folder the files are written to, under the output folder.
    public static let folder = "terraform"

    /// Translates and renders a stack built from `config`.
    ///
    /// - Returns: paths relative to the module folder and their bytes.
    /// - Throws: `TerraformSynthError` for a resource without a translation or clashing names.
    public static func synthesize(_ stack: Stack, config: ServiceConfig) throws -> [(path: String, bytes: [UInt8])] {
        try translate(stack, config: config).rendered
    }

    /// Stage 1: the stack as an HCL tree.
    public static func translate(_ stack: Stack, config: ServiceConfig) throws -> TerraformModule {
        try refuseWhatTheProviderCannotExpress(stack)
        let book = try AddressBook(stack)
        var translator = Translator(stack: stack, config: config, book: book)
        return try translator.module()
    }

    /// The `inference_ami_version` values the hashicorp/aws provider accepts: its validation list in
    /// 5.100.0, read from the provider binary on this machine. A host AMI outside it fails at plan.
    public static let providerInferenceAMIs: Set<String> = [
        "al2-ami-sagemaker-inference-gpu-2", "al2-ami-sagemaker-inference-gpu-2-1", "al2-ami-sagemaker-inference-gpu-3-1",
    ]

    /// The engine versions the Terraform module offers, oldest first: those whose image's host AMI,
    /// if it needs one, is a value the provider accepts.
    static func offeredVersions(_ engine: Engine) -> [String] {
        EngineCatalog.versions(engine).filter { version in
            guard let ami = EngineCatalog.image(engine, version: version).flatMap(InferenceAMI.for) else { return true }
            return providerInferenceAMIs.contains(ami.version)
        }
    }
}

/// The Terraform addresses of every model resource.
struct AddressBook {
    /// The first Terraform resource each model resource becomes.
    var primary: [LogicalID: TerraformAddress] = [:]
    var resources: [LogicalID: any Resource] = [:]

    init(_ stack: Stack) throws {
        var seen: [TerraformAddress: LogicalID] = [:]
        for resource in stack.resources {
            guard let type = TerraformNames.primaryType(resource) else {
                throw TerraformSynthError.unsupportedResource(kind: Swift.type(of: resource).kind, id: resource.id.rawValue,
                                                              type: resource.cloudFormationType)
            }
            let address = TerraformAddress(type, TerraformNames.resourceName(resource))
            if let other = seen[address] {
                throw TerraformSynthError.duplicateAddress(address: address.description, ids: [other.rawValue, resource.id.rawValue])
            }
            seen[address] = resource.id
            primary[resource.id] = address
            resources[resource.id] = resource
        }
    }

    /// Every Terraform resource a model resource becomes, for `depends_on`.
    func all(_ id: LogicalID) -> [TerraformAddress] {
        guard let address = primary[id], let resource = resources[id] else { return [] }
        return [address] + (Translator.translation(for: resource)?.companions(resource, address) ?? [])
    }
}

/// The `.tf` file a resource is written to.
enum Area: String, CaseIterable {
    case network, sagemaker, lambda, api, operations

    var fileName: String { "\(rawValue).tf" }
}

/// One Terraform resource being built.
struct TerraformResource {
    var address: TerraformAddress
    var body: [HCLBodyItem]
}

/// Stage 1's state for one stack. Its parts: the translation table (`TerraformSynth+Resources.swift`)
/// and one file per service that registers its types' translations, values (`+Values`), the other
/// files (`+Files`).
struct Translator {
    let stack: Stack
    let config: ServiceConfig
    let book: AddressBook
    let bindings: Bindings
    /// The stack condition of the resource or output being translated: references to resources
    /// under the same condition take instance `[0]`, since both exist or neither does.
    var scope: LogicalID?

    init(stack: Stack, config: ServiceConfig, book: AddressBook) {
        self.stack = stack
        self.config = config
        self.book = book
        self.bindings = Bindings(config: config)
    }

    mutating func module() throws -> TerraformModule {
        var areaBlocks: [Area: [HCLBlock]] = [:]
        var archives: [(name: String, archive: ZipArchive)] = []
        let areas = assignAreas()
        for resource in stack.resources {
            var scoped = self
            scoped.scope = stack.conditionByResource[resource.id]
            let translated = try scoped.translate(resource)
            if let disagreement = bindings.disagreements.found.first {
                throw TerraformSynthError.noEquivalent(kind: Swift.type(of: resource).kind, id: resource.id.rawValue,
                    reason: "\(disagreement): build the stack from the configuration the module is written from, or set the value by hand (which drops the mark)")
            }
            let area = areas[resource.id] ?? .network
            areaBlocks[area, default: []] += translated.resources.map { HCLBlock("resource", [$0.address.type, $0.address.name], $0.body) }
            archives += translated.archives
        }
        // the SageMaker resources read the catalog's locals
        if areaBlocks[.sagemaker] != nil { areaBlocks[.sagemaker]!.insert(bindings.catalogLocals(stack: stack), at: 0) }
        let header = ["Generated by slmstack from the '\(stack.name)' model: \(stack.description).",
                      "Do not edit: change the model or its settings and run `slmstack synth --format terraform`."]
        let providers = providersFile(header, using: areaBlocks), outputs = outputsFile(header)
        let users = Area.allCases.flatMap { areaBlocks[$0] ?? [] } + providers.blocks + outputs.blocks
        var files: [HCLFile] = [versionsFile(header), providers, variablesFile(header, usedBy: users)]
        for area in Area.allCases {
            guard let blocks = areaBlocks[area], !blocks.isEmpty else { continue }
            files.append(HCLFile(name: area.fileName, header: header, blocks: blocks))
        }
        files.append(outputs)
        return TerraformModule(files: files, archives: archives.sorted { $0.name < $1.name })
    }

    /// Each model resource's file: as its type's translation places it, and roles and log groups
    /// with the first resource that uses them (the flow-log role in network.tf, the shim's role in
    /// lambda.tf, …). A declared resource goes to network.tf.
    func assignAreas() -> [LogicalID: Area] {
        var areas: [LogicalID: Area] = [:]
        let placement = { (resource: any Resource) in Self.translation(for: resource)?.placement ?? .area(.network) }
        for resource in stack.resources {
            if case .area(let area) = placement(resource) { areas[resource.id] = area }
        }
        // A permission goes with what may invoke the function: the API, the idle alarm.
        for resource in stack.resources where placement(resource) == .withInvoker {
            areas[resource.id] = (resource.properties["SourceArn"]?.references ?? []).lazy.compactMap { areas[$0] }.first ?? .api
        }
        // Users by value, not by `dependsOn` (with a TTL every resource without references depends
        // on the expiry role, so it is deleted last); the first user in stack order wins. One walk
        // of each resource's values: reflection is most of synth's time.
        var firstUser: [LogicalID: LogicalID] = [:]
        for other in stack.resources where placement(other) != .withFirstUser {
            for id in other.referencedIDs.dropLast(other.dependsOn.count) where firstUser[id] == nil {
                firstUser[id] = other.id
            }
        }
        for resource in stack.resources where placement(resource) == .withFirstUser {
            areas[resource.id] = firstUser[resource.id].flatMap { areas[$0] } ?? .network
        }
        return areas
    }
}
