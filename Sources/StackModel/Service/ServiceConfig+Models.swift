import Foundation

/// One model of a `scaling zero` stack that hosts several (`models`): its own SageMaker model,
/// inference component and scaling.
public struct ListedModel: Sendable, Hashable {
    public var modelID: String
    /// The most copies autoscaling may run; nil: `max-instances`, or 1.
    public var copies: Int?
    /// GPUs each copy reserves; nil: all of the instance's.
    public var accelerators: Int?
    /// Host memory each copy reserves, in MB; nil: its GPUs' share of half the instance's memory.
    public var memoryMB: Int?

    public init(modelID: String, copies: Int? = nil, accelerators: Int? = nil, memoryMB: Int? = nil) {
        self.modelID = modelID
        self.copies = copies
        self.accelerators = accelerators
        self.memoryMB = memoryMB
    }

    /// The keys one entry takes besides the model ID, in the flag's `:key=N` form and the config
    /// file's objects alike, with their ranges.
    public static let keys: [(key: String, range: ClosedRange<Int>)] = [("copies", 1...100), ("accelerators", 1...16), ("memory-mb", 1_024...2_000_000)]

    /// The flag's form: `ID[:copies=N][:accelerators=N][:memory-mb=N]`.
    public var text: String {
        let pairs: [(String, Int?)] = [("copies", copies), ("accelerators", accelerators), ("memory-mb", memoryMB)]
        let given: [String] = pairs.compactMap { key, value in value.map { "\(key)=\($0)" } }
        return ([modelID] + given).joined(separator: ":")
    }
}

/// One model as the stack deploys it (`ServiceConfig.components`): names, logical IDs and reservation.
public struct ComponentPlan: Sendable, Hashable {
    /// 1 for the first (default) model, then 2, 3, ...
    public var index: Int
    public var modelID: String
    /// The most copies autoscaling may run.
    public var maxCopies: Int
    /// GPUs each copy reserves (`NumberOfAcceleratorDevicesRequired`).
    public var accelerators: Int
    /// Host memory each copy reserves, in MB (`MinMemoryRequiredInMb`).
    public var memoryMB: Int
    /// The inference component's name.
    public var name: String

    /// A logical ID for this model's resource: the base for the first model (so a one-model stack
    /// keeps its IDs), the base and the index for the others (`InferenceComponent2`).
    public func id(_ base: String) -> LogicalID { LogicalID(index == 1 ? base : "\(base)\(index)") }
}

extension ServiceConfig {
    /// The settings of several models, appended to the scaling settings.
    static let modelsSettings: [Setting] = [
        Setting(key: "models", placeholder: "ID[:K=N],...",
                help: "With scaling zero: several models, each its own inference component and scaling, picked by a request's model (the first is the default); K: copies (most, default max-instances or 1), accelerators (GPUs per copy, default all), memory-mb. Config file: a list of objects with model-id and those keys",
                terraformType: "string", read: { $0.models.map(\.text).joined(separator: ",") }) { config, text throws(SettingError) in
            config.models = try parseModels(text)
            if let first = config.models.first { config.modelID = first.modelID }
        },
    ]

    /// Parses the flag's form of `models`: entries separated by commas, each `ID` then `:key=N` pairs.
    static func parseModels(_ text: String) throws(SettingError) -> [ListedModel] {
        var out: [ListedModel] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard let id = parts.first, !id.isEmpty, !id.contains(" ") else {
                throw SettingError(key: "models", message: "expected Hub IDs separated by commas such as TinyLlama/TinyLlama-1.1B-Chat-v1.0,Qwen/Qwen2.5-0.5B-Instruct:copies=2, got '\(entry)' in '\(text)'")
            }
            var model = ListedModel(modelID: id)
            for pair in parts.dropFirst() {
                let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let (key, value) = (halves[0], halves.count > 1 ? halves[1] : "")
                guard let spec = ListedModel.keys.first(where: { $0.key == key }) else {
                    throw SettingError(key: "models", message: "\(id): unknown '\(pair)', expected copies=N, accelerators=N or memory-mb=N")
                }
                guard let number = Int(value), spec.range.contains(number) else {
                    throw SettingError(key: "models", message: "\(id): \(key) expected a whole number from \(spec.range.lowerBound) to \(spec.range.upperBound), got '\(value)'")
                }
                switch key {
                case "copies": model.copies = number
                case "accelerators": model.accelerators = number
                default: model.memoryMB = number
                }
            }
            out.append(model)
        }
        return out
    }

    /// The models the stack deploys as inference components (`scaling zero`): the `models` list,
    /// or `model-id` alone with `max-instances` copies and all the instance's GPUs per copy.
    public var components: [ComponentPlan] {
        let instance = InstanceCatalog.types[instanceType]
        let gpus = max(1, instance?.acceleratorCount ?? 1)
        let halfMemoryMB = (instance?.memoryGiB ?? 16) * 1024 / 2
        let listed = models.isEmpty ? [ListedModel(modelID: modelID)] : models
        return listed.enumerated().map { offset, model in
            let accelerators = model.accelerators ?? gpus
            // half the instance's memory for all its GPUs (SageMaker's agents and the page cache keep the rest)
            let memory = model.memoryMB ?? max(1024, Int(halfMemoryMB * Double(min(accelerators, gpus)) / Double(gpus)))
            let index = offset + 1
            let prefix = String(stackName.lowercased().prefix(55))
            return ComponentPlan(index: index, modelID: model.modelID, maxCopies: model.copies ?? maxCopies, accelerators: accelerators,
                                 memoryMB: memory, name: index == 1 ? inferenceComponentName : "\(prefix)-model\(index)")
        }
    }

    /// Instances that hold `copies` (copies of each component, in order): first-fit decreasing by
    /// GPUs, then memory, on instances of `instance-type` (managed instance scaling packs copies
    /// onto instances and adds one when a copy fits none).
    public func instancesFor(copies: [Int]) -> Int {
        let instance = InstanceCatalog.types[instanceType]
        let gpus = max(1, instance?.acceleratorCount ?? 1), memoryMB = Int((instance?.memoryGiB ?? 16) * 1024)
        let items = zip(components, copies).flatMap { plan, count in Array(repeating: (plan.accelerators, plan.memoryMB), count: max(0, count)) }
            .sorted { ($0.0, $0.1) > ($1.0, $1.1) }
        var free: [(gpus: Int, memory: Int)] = []
        for (need, memory) in items {
            if let slot = free.firstIndex(where: { $0.gpus >= need && $0.memory >= memory }) {
                free[slot].gpus -= need
                free[slot].memory -= memory
            } else {
                free.append((gpus - need, memoryMB - memory))
            }
        }
        return free.count
    }

    /// The most instances the endpoint may run: every component at its most copies.
    public var maxComponentInstances: Int { max(1, instancesFor(copies: components.map(\.maxCopies))) }

    /// Instances one copy of every model needs at once (what an awake hour bills).
    public var awakeInstances: Int { max(1, instancesFor(copies: components.map { _ in 1 })) }

    /// The problems of `models`, each naming the setting and the fix.
    func modelsProblems() -> [(key: String, message: String)] {
        guard !models.isEmpty else { return [] }
        guard scalesToZero else {
            return [("models", "several models need inference components: add --scaling zero (CloudFormation only), or remove models and deploy one model-id per stack")]
        }
        var problems: [(String, String)] = []
        if modelID != models[0].modelID {
            problems.append(("model-id", "\(modelID) is not the first of models (\(models[0].modelID)), which is the default model: drop model-id or list it first in models"))
        }
        if weights == .s3 {
            problems.append(("models", "weights s3 stages one model: use weights hub with several models, or one model per stack"))
        }
        if models.count > 99 {
            problems.append(("models", "\(models.count) models: at most 99 (component names end in -model2 to -model99)"))
        }
        var seen: Set<String> = []
        let instance = InstanceCatalog.types[instanceType]
        for plan in components {
            if !seen.insert(plan.modelID).inserted {
                problems.append(("models", "\(plan.modelID) is listed twice: list each model once"))
            }
            if plan.index > 1 && ModelCatalog.models[plan.modelID] == nil {
                problems.append(("models", "unknown model '\(plan.modelID)': only the first model may be outside the catalog (its size from the model-* settings); use one of \(ModelCatalog.models.keys.sorted().joined(separator: ", "))"))
            }
            guard let instance, instance.accelerator == .nvidia else { continue }
            if plan.accelerators > instance.acceleratorCount {
                problems.append(("models", "\(plan.modelID) reserves \(plan.accelerators) GPUs per copy but \(instanceType) has \(instance.acceleratorCount): lower its accelerators or choose a larger instance-type"))
                continue
            }
            if plan.memoryMB > Int(instance.memoryGiB * 1024) {
                problems.append(("models", "\(plan.modelID) reserves \(plan.memoryMB) MB per copy but \(instanceType) has \(Int(instance.memoryGiB * 1024)) MB: lower its memory-mb"))
            }
            // the first model on all the GPUs is validate()'s own check
            var spec = ModelCatalog.models[plan.modelID]
            if plan.index == 1 { spec = plan.accelerators == instance.acceleratorCount ? nil : modelSpec }
            if let spec {
                var slice = instance
                slice.acceleratorCount = plan.accelerators
                let fit = GPUFit.of(spec, on: slice, config: self)
                if !fit.fits {
                    problems.append(("models", "\(plan.modelID) does not fit \(plan.accelerators) GPU(s) of \(instanceType): it needs \(Self.gib(fit.neededBytes)) but has \(Self.gib(fit.usableBytes)) usable: raise its accelerators, choose a larger instance-type or lower max-total-tokens"))
                }
            }
        }
        return problems
    }
}
