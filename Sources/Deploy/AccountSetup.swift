import AWSClient
import Foundation

/// Steps of a deploy that look at the account and the deployed stack before the change set:
/// whether the stack sets API Gateway's CloudWatch role (`ApiGatewayRole`), and adopting the log
/// groups services created by name before the stack created them itself.
extension Deployer {
    /// `ApiGatewayRole` for this deploy, or nil when the template does not declare it.
    ///
    /// Reads the account's setting (apigateway GetAccount) and, on an update, the role the stack has:
    /// see `StackParameters.apiGatewayRole` for the rule.
    func apiGatewayRoleValue(template: String, existing: StackDescription?) async throws -> StackParameter.Value? {
        guard StackParameters.declared(in: template).contains(StackParameters.apiGatewayRole) else { return nil }
        let arn = try await api.client.apiGatewayAccount().cloudWatchRoleARN
        var ownRole: String?
        if let existing {
            ownRole = try await api.stackResources(existing.name).first { $0.logicalID == StackParameters.apiGatewayLogsRole }?.physicalID
        }
        let value = StackParameters.apiGatewayRole(previous: existing?.parameters[StackParameters.apiGatewayRole], accountRoleARN: arn,
                                                   stackRoleName: ownRole)
        switch (value, arn) {
        case (.value("true"), nil):
            console.say("API Gateway has no CloudWatch role in this account and region: the stack sets its own (kept after destroy, so the setting never names a deleted role)")
        case (.value("false"), let arn?):
            console.say("API Gateway's CloudWatch role in this account and region is \(arn): the stack leaves it as it is")
        default:
            break
        }
        return value
    }

    /// Imports into an existing stack the log groups the new template names (`LogGroupName`) that
    /// already exist outside the stack, before the update that creates them would fail
    /// ("already exists"): SageMaker and API Gateway created them for stacks deployed by an earlier
    /// slmstack.
    ///
    /// 1. Finds them: a named log group of the template the stack does not have, whose name
    ///    (literal, or `Fn::Sub` over the stack's own resources) exists in CloudWatch Logs.
    /// 2. Creates an IMPORT change set: the deployed template unchanged plus each group with its
    ///    name only and `DeletionPolicy: Delete` (an import may change nothing else), every
    ///    parameter kept.
    /// 3. Shows it, asks (or takes `assumeYes`), executes it and follows the events. The update that
    ///    follows gives the groups the stack's KMS key, retention and tags.
    ///
    /// - Returns: the names imported (empty when there was nothing to import).
    /// - Throws: `DeployError.changeSetFailed`, `.declined`, `.needsConfirmation`, `.operationFailed`.
    func importServiceLogGroups(_ stack: StackDescription, template: String, assumeYes: Bool) async throws -> [String] {
        guard let wanted = Self.namedLogGroups(in: template), !wanted.isEmpty else { return [] }
        let resources = try await api.stackResources(stack.name)
        let physical = Dictionary(resources.compactMap { r in r.physicalID.map { (r.logicalID, $0) } }, uniquingKeysWith: { first, _ in first })
        var found: [(logicalID: String, name: String)] = []
        for (logicalID, name) in wanted where physical[logicalID] == nil {
            guard let resolved = Self.resolve(name, resources: physical, stack: stack.name, region: api.client.region) else { continue }
            if try await logGroupExists(resolved) { found.append((logicalID, resolved)) }
        }
        guard !found.isEmpty else { return [] }
        let deployed = try await api.template(stack.name)
        guard var document = try? JSONSerialization.jsonObject(with: Data(deployed.utf8)) as? [String: Any],
              var deployedResources = document["Resources"] as? [String: Any] else {
            throw DeployError.changeSetFailed(stack: stack.name, reason: "the log groups \(found.map(\.name).joined(separator: ", ")) exist outside the stack and its deployed template is not JSON, so they cannot be imported: delete them (aws logs delete-log-group) and deploy again")
        }
        for group in found {
            deployedResources[group.logicalID] = ["Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Delete",
                                                  "Properties": ["LogGroupName": group.name]] as [String: Any]
        }
        document["Resources"] = deployedResources
        let text = String(decoding: try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]), as: UTF8.self)
        let source = try await templateSource(DeployRequest(stackName: stack.name, template: text, resourceCount: 0, tags: [:],
                                                            assumeYes: assumeYes, noRollback: false))
        let kept = StackParameters.declared(in: deployed).filter { stack.parameters[$0] != nil }.map { StackParameter($0, .previous) }
        let id = try await createImportChangeSet(stack: stack.name, template: source, parameters: kept, imports: found)
        let changeSet = try await waitForChangeSet(id, stack: stack.name)
        guard changeSet.status == "CREATE_COMPLETE" else {
            try? await api.deleteChangeSet(id, stack: stack.name)
            throw DeployError.changeSetFailed(stack: stack.name, reason: changeSet.statusReason ?? changeSet.status)
        }
        var lines = ["Importing into \(stack.name) the log groups its services created before this version (the update that follows gives them the stack's key and retention):"]
        lines += found.map { "  ↳ Import  \($0.logicalID.padding(toLength: 36, withPad: " ", startingAt: 0)) \($0.name)" }
        console.say(lines.joined(separator: "\n"))
        do {
            try confirm("Import these \(found.count) log groups into \(stack.name)?", assumeYes: assumeYes, what: "importing \(found.count) log groups into \(stack.name)")
        } catch {
            try? await api.deleteChangeSet(id, stack: stack.name)
            throw error
        }
        let since = clock.now()
        let token = "slmstack-import-exec-\(makeToken())"
        try await api.executeChangeSet(id, stack: stack.name, clientToken: token, disableRollback: false)
        try report(try await follower.follow(stack: stack.name, since: since, total: found.count, verb: "Importing", clientToken: token), stack: stack.name)
        return found.map(\.name)
    }

    /// CreateChangeSet with `ChangeSetType=IMPORT` and `ResourcesToImport`; returns its ARN.
    func createImportChangeSet(stack: String, template: CloudFormationAPI.TemplateSource, parameters: [StackParameter],
                               imports: [(logicalID: String, name: String)]) async throws -> String {
        var query: [(String, String)] = [("StackName", stack), ("ChangeSetName", "slmstack-import-\(Self.stamp(clock.now()))"),
                                         ("ChangeSetType", "IMPORT"), ("ClientToken", "slmstack-import-\(makeToken())"),
                                         ("Description", "slmstack: adopt service-created log groups"),
                                         ("Capabilities.member.1", "CAPABILITY_IAM")]
        switch template {
        case .body(let body): query.append(("TemplateBody", body))
        case .url(let url): query.append(("TemplateURL", url))
        case .previous: query.append(("UsePreviousTemplate", "true"))
        }
        for (index, parameter) in parameters.enumerated() {
            query += [("Parameters.member.\(index + 1).ParameterKey", parameter.key), ("Parameters.member.\(index + 1).UsePreviousValue", "true")]
        }
        for (index, group) in imports.enumerated() {
            let prefix = "ResourcesToImport.member.\(index + 1)."
            query += [(prefix + "ResourceType", "AWS::Logs::LogGroup"), (prefix + "LogicalResourceId", group.logicalID),
                      (prefix + "ResourceIdentifier.entry.1.key", "LogGroupName"), (prefix + "ResourceIdentifier.entry.1.value", group.name)]
        }
        let root = try await api.client.query(.cloudFormation, action: "CreateChangeSet", parameters: query)
        guard let id = root.first(named: "Id")?.text, !id.isEmpty else {
            throw DeployError.changeSetFailed(stack: stack, reason: "CreateChangeSet (IMPORT) answered without a change set Id")
        }
        return id
    }

    /// Whether a log group of exactly this name exists (DescribeLogGroups by prefix).
    func logGroupExists(_ name: String) async throws -> Bool {
        let page = try await api.client.json(.logs, operation: "DescribeLogGroups", body: .object(["logGroupNamePrefix": .string(name), "limit": 50]))
        return (page["logGroups"]?.array ?? []).contains { $0["logGroupName"]?.string == name }
    }

    /// The template's log groups that have a `LogGroupName`, by logical ID, in ID order; nil for a
    /// template that is not JSON.
    static func namedLogGroups(in template: String) -> [(String, Any)]? {
        guard let document = try? JSONSerialization.jsonObject(with: Data(template.utf8)) as? [String: Any],
              let resources = document["Resources"] as? [String: Any] else { return nil }
        return resources.keys.sorted().compactMap { id in
            guard let resource = resources[id] as? [String: Any], resource["Type"] as? String == "AWS::Logs::LogGroup",
                  resource["Condition"] == nil, let name = (resource["Properties"] as? [String: Any])?["LogGroupName"] else { return nil }
            return (id, name)
        }
    }

    /// A `LogGroupName` as it resolves in the deployed stack: a literal, or `Fn::Sub` whose
    /// variables are the stack's resources (their physical IDs), its name or its region; nil when
    /// it names anything else (it cannot exist yet).
    static func resolve(_ name: Any, resources: [String: String], stack: String, region: String) -> String? {
        if let text = name as? String { return text }
        guard let sub = (name as? [String: Any])?["Fn::Sub"] as? String else { return nil }
        var out = ""
        var rest = Substring(sub)
        while let open = rest.range(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { return nil }
            let variable = String(rest[open.upperBound..<close])
            switch variable {
            case "AWS::StackName": out += stack
            case "AWS::Region": out += region
            default:
                guard let value = resources[variable] else { return nil }
                out += value
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
