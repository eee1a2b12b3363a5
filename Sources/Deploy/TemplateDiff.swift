import Foundation

/// A resource-level, semantic difference between two CloudFormation templates: which resources
/// are added, removed or changed, and for a change, which property paths differ.
public struct TemplateDiff: Sendable, Equatable {
    public struct Change: Sendable, Equatable {
        public var logicalID: String
        public var type: String
        /// Property paths that differ, for example `Properties.Throttle.RateLimit`.
        public var paths: [String]
    }

    public var added: [(id: String, type: String)]
    public var removed: [(id: String, type: String)]
    public var changed: [Change]
    public var outputsChanged: [String]

    public static func == (a: TemplateDiff, b: TemplateDiff) -> Bool {
        a.added.map(\.id) == b.added.map(\.id) && a.removed.map(\.id) == b.removed.map(\.id) && a.changed == b.changed
            && a.outputsChanged == b.outputsChanged
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty && outputsChanged.isEmpty }

    /// Compares two templates given as JSON text (key order and whitespace do not matter).
    ///
    /// - Throws: `DeployError.apiError` when either side is not a JSON template (a YAML template
    ///   deployed by another tool, for example).
    public static func compare(deployed: String, current: String) throws -> TemplateDiff {
        func parse(_ text: String, _ side: String) throws -> [String: Any] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw DeployError.stuck(stack: side, status: "not JSON", advice: "the \(side) template is not a JSON template; compare it by hand")
            }
            return object
        }
        let old = try parse(deployed, "deployed"), new = try parse(current, "current")
        let oldResources = old["Resources"] as? [String: [String: Any]] ?? [:]
        let newResources = new["Resources"] as? [String: [String: Any]] ?? [:]
        var diff = TemplateDiff(added: [], removed: [], changed: [], outputsChanged: [])
        for id in newResources.keys.sorted() where oldResources[id] == nil {
            diff.added.append((id, newResources[id]?["Type"] as? String ?? "?"))
        }
        for id in oldResources.keys.sorted() where newResources[id] == nil {
            diff.removed.append((id, oldResources[id]?["Type"] as? String ?? "?"))
        }
        for id in newResources.keys.sorted() {
            guard let before = oldResources[id], let after = newResources[id] else { continue }
            let paths = differences(before, after, path: "")
            if !paths.isEmpty { diff.changed.append(Change(logicalID: id, type: after["Type"] as? String ?? "?", paths: paths)) }
        }
        let oldOutputs = old["Outputs"] as? [String: Any] ?? [:], newOutputs = new["Outputs"] as? [String: Any] ?? [:]
        diff.outputsChanged = Set(oldOutputs.keys).union(newOutputs.keys).sorted().filter { key in
            guard let a = oldOutputs[key], let b = newOutputs[key] else { return true }
            return !differences(a, b, path: "").isEmpty
        }
        return diff
    }

    /// The paths at which two JSON values differ.
    static func differences(_ a: Any, _ b: Any, path: String) -> [String] {
        switch (a, b) {
        case (let a as [String: Any], let b as [String: Any]):
            return Set(a.keys).union(b.keys).sorted().flatMap { key -> [String] in
                let next = path.isEmpty ? key : "\(path).\(key)"
                guard let left = a[key], let right = b[key] else { return [next] }
                return differences(left, right, path: next)
            }
        case (let a as [Any], let b as [Any]):
            if a.count != b.count { return [path] }
            return zip(a, b).enumerated().flatMap { differences($0.element.0, $0.element.1, path: "\(path)[\($0.offset)]") }
        default:
            return (a as? NSObject) == (b as? NSObject) ? [] : [path]
        }
    }

    /// The diff as people read it.
    public var rendered: String {
        if isEmpty { return "no differences between the deployed template and the current model\n" }
        var lines: [String] = []
        for (id, type) in added { lines.append("+ \(id) (\(type))") }
        for (id, type) in removed { lines.append("- \(id) (\(type))") }
        for change in changed {
            lines.append("~ \(change.logicalID) (\(change.type))")
            lines += change.paths.map { "    \($0)" }
        }
        for output in outputsChanged { lines.append("~ output \(output)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Deployer {
    /// The deployed template against the request's, and CloudFormation's own plan for the change
    /// (a change set with the parameters deploy would send, described, then deleted: nothing is
    /// applied).
    public func preview(_ request: DeployRequest) async throws -> (TemplateDiff, [PlannedChange]) {
        let stack = request.stackName
        guard let current = try await api.describeStack(stack) else { throw DeployError.noStack(stack, region: api.client.region) }
        let (request, parameters) = try planParameters(request, previous: current.parameters)
        let deployed = try await api.template(current.id)
        let diff = try TemplateDiff.compare(deployed: deployed, current: request.template)
        if diff.isEmpty, !request.ttlGiven { return (diff, []) }
        let source = try await templateSource(request)
        let id: String
        do {
            id = try await api.createChangeSet(stack: stack, name: "slmstack-preview-\(Self.stamp(clock.now()))", type: "UPDATE", template: source,
                                               parameters: parameters, tags: request.tags, clientToken: "slmstack-preview-\(makeToken())",
                                               description: "slmstack diff preview")
        } catch DeployError.noChanges {
            return (diff, [])
        }
        let changeSet = try await waitForChangeSet(id, stack: stack)
        try? await api.deleteChangeSet(id, stack: stack)
        if changeSet.isEmpty { return (diff, []) }
        guard changeSet.status == "CREATE_COMPLETE" else {
            throw DeployError.changeSetFailed(stack: stack, reason: changeSet.statusReason ?? changeSet.status)
        }
        return (diff, changeSet.changes)
    }
}
