import AWSClient
import Foundation

/// A stack as DescribeStacks reports it.
public struct StackDescription: Sendable, Equatable {
    public var name: String
    public var id: String
    public var status: String
    public var statusReason: String?
    public var creationTime: Date?
    public var lastUpdatedTime: Date?
    /// Outputs in the order the template declares them, as CloudFormation returns them.
    public var outputs: [(key: String, value: String)]
    public var tags: [String: String]
    /// Parameter values the stack was last deployed with (`Paused`, `ExpiresAt`, …).
    public var parameters: [String: String] = [:]

    public static func == (a: StackDescription, b: StackDescription) -> Bool {
        a.id == b.id && a.status == b.status && a.outputs.map(\.key) == b.outputs.map(\.key) && a.outputs.map(\.value) == b.outputs.map(\.value)
            && a.parameters == b.parameters
    }

    /// The value of one output.
    public func output(_ key: String) -> String? { outputs.first { $0.key == key }?.value }

    public var isInProgress: Bool { status.hasSuffix("_IN_PROGRESS") }
}

/// One stack parameter of a change set: a new value, or the value the stack has now.
public struct StackParameter: Sendable, Equatable, CustomStringConvertible {
    public enum Value: Sendable, Equatable {
        /// Set to this value.
        case value(String)
        /// Keep the stack's current value (`UsePreviousValue`).
        case previous
    }

    public var key: String
    public var value: Value

    public init(_ key: String, _ value: Value) {
        self.key = key
        self.value = value
    }

    /// `Paused=true`, or `Paused=(previous)`.
    public var description: String {
        switch value {
        case .value(let text): "\(key)=\(text)"
        case .previous: "\(key)=(previous)"
        }
    }
}

/// One planned change of a change set.
public struct PlannedChange: Sendable, Equatable {
    /// `Add`, `Modify`, `Remove`, `Import`, `Dynamic`.
    public var action: String
    public var logicalID: String
    public var resourceType: String
    /// `True`, `False`, `Conditional`, or nil for adds and removes.
    public var replacement: String?
}

/// A change set as DescribeChangeSet reports it.
public struct ChangeSetDescription: Sendable, Equatable {
    public var id: String
    /// `CREATE_PENDING`, `CREATE_IN_PROGRESS`, `CREATE_COMPLETE`, `DELETE_*`, `FAILED`.
    public var status: String
    public var executionStatus: String?
    public var statusReason: String?
    public var changes: [PlannedChange]

    /// Whether the change set failed only because the template changes nothing.
    public var isEmpty: Bool {
        status == "FAILED" && (statusReason ?? "").range(of: "didn't contain changes|No updates are to be performed|submitted information didn't contain changes",
                                                          options: .regularExpression) != nil
    }
}

/// One stack event.
public struct StackEvent: Sendable, Equatable {
    public var id: String
    public var timestamp: Date
    public var logicalID: String
    public var physicalID: String?
    public var resourceType: String
    public var status: String
    public var reason: String?
    public var clientRequestToken: String?

    /// Whether this event is about the stack itself rather than one of its resources.
    public var isStackEvent: Bool { resourceType == "AWS::CloudFormation::Stack" }
}

/// One resource of a deployed stack.
public struct StackResource: Sendable, Equatable {
    public var logicalID: String
    public var physicalID: String?
    public var resourceType: String
    public var status: String
    public var reason: String?
}

/// The CloudFormation calls the deployer makes, typed, over the project's SigV4 client.
public struct CloudFormationAPI: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) { self.client = client }

    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return withFraction.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }

    /// The stack, or nil when it does not exist (or was deleted).
    ///
    /// Absence is decided only by CloudFormation's own answer: its `ValidationError` "Stack with
    /// id X does not exist", or the stack reported as `DELETE_COMPLETE`. An answer without the
    /// stack in it is an error, never "no stack" (a page from a proxy would otherwise let
    /// `destroy` report nothing to destroy).
    ///
    /// - Throws: `AWSClientError.invalidResponse` when the answer lacks `DescribeStacksResult/Stacks`
    ///   or a stack's id, name or status; AWS errors.
    public func describeStack(_ name: String) async throws -> StackDescription? {
        let operation = "cloudformation DescribeStacks"
        let root: XMLNode
        do {
            root = try await client.query(.cloudFormation, action: "DescribeStacks", parameters: [("StackName", name)])
        } catch let error as AWSClientError {
            if let service = error.serviceError, service.code == "ValidationError", service.message.contains("does not exist") { return nil }
            throw error
        }
        guard let member = try root.require("DescribeStacksResult", "Stacks", operation: operation).members.first else {
            throw AWSClientError.invalidResponse(operation: operation, reason: "the answer lists no stack for \(name), and no ValidationError said it does not exist")
        }
        let stack = try Self.stack(member, operation: operation)
        return stack.status == "DELETE_COMPLETE" ? nil : stack
    }

    /// One member of DescribeStacks' `Stacks` list.
    ///
    /// - Throws: `AWSClientError.invalidResponse` when it lacks a StackId, StackName or StackStatus.
    static func stack(_ member: XMLNode, operation: String) throws -> StackDescription {
        guard let status = member.value("StackStatus"), !status.isEmpty, let id = member.value("StackId"), let name = member.value("StackName") else {
            throw AWSClientError.invalidResponse(operation: operation, reason: "the stack in the answer has no StackId, StackName or StackStatus")
        }
        let outputs = (member.child("Outputs")?.members ?? []).map { ($0.value("OutputKey") ?? "", $0.value("OutputValue") ?? "") }
        var tags: [String: String] = [:]
        for tag in member.child("Tags")?.members ?? [] { tags[tag.value("Key") ?? ""] = tag.value("Value") ?? "" }
        var parameters: [String: String] = [:]
        for parameter in member.child("Parameters")?.members ?? [] {
            guard let key = parameter.value("ParameterKey") else { continue }
            parameters[key] = parameter.value("ParameterValue") ?? ""
        }
        return StackDescription(name: name, id: id, status: status,
                                statusReason: member.value("StackStatusReason"), creationTime: Self.date(member.value("CreationTime")),
                                lastUpdatedTime: Self.date(member.value("LastUpdatedTime")), outputs: outputs.map { (key: $0.0, value: $0.1) }, tags: tags,
                                parameters: parameters)
    }

    /// Where the template comes from: inline, an S3 URL for templates over 51,200 bytes, or the
    /// template the stack already has (a parameter-only update).
    public enum TemplateSource: Sendable, Equatable {
        case body(String)
        case url(String)
        case previous
    }

    /// Creates a change set and returns its ARN.
    ///
    /// - Parameters:
    ///   - parameters: stack parameters in the order given: a new value, or the stack's current one
    ///     (`UsePreviousValue`). Parameters left out take the template's default.
    /// - Throws: `DeployError.noChanges` when CloudFormation refuses the request itself because it
    ///   changes nothing (it usually makes a FAILED change set instead; see `isEmpty`).
    public func createChangeSet(stack: String, name: String, type: String, template: TemplateSource, parameters stackParameters: [StackParameter] = [],
                                tags: [String: String], clientToken: String, description: String) async throws -> String {
        var parameters: [(String, String)] = [("StackName", stack), ("ChangeSetName", name), ("ChangeSetType", type),
                                              ("ClientToken", clientToken), ("Description", description),
                                              ("Capabilities.member.1", "CAPABILITY_IAM")]
        switch template {
        case .body(let body): parameters.append(("TemplateBody", body))
        case .url(let url): parameters.append(("TemplateURL", url))
        case .previous: parameters.append(("UsePreviousTemplate", "true"))
        }
        for (index, parameter) in stackParameters.enumerated() {
            let prefix = "Parameters.member.\(index + 1)."
            parameters.append((prefix + "ParameterKey", parameter.key))
            switch parameter.value {
            case .value(let value): parameters.append((prefix + "ParameterValue", value))
            case .previous: parameters.append((prefix + "UsePreviousValue", "true"))
            }
        }
        parameters += QueryParameters.memberPairs("Tags", tags.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        do {
            let root = try await client.query(.cloudFormation, action: "CreateChangeSet", parameters: parameters)
            return try root.require("CreateChangeSetResult", "Id", operation: "cloudformation CreateChangeSet").text
        } catch let error as AWSClientError {
            if let service = error.serviceError, service.code == "ValidationError", service.message.contains("No updates are to be performed") {
                throw DeployError.noChanges(stack: stack)
            }
            throw error
        }
    }

    /// The change set with all its changes (following NextToken).
    public func describeChangeSet(_ id: String, stack: String) async throws -> ChangeSetDescription {
        var changes: [PlannedChange] = []
        var token: String?
        var last: XMLNode
        repeat {
            var parameters = [("ChangeSetName", id), ("StackName", stack)]
            if let token { parameters.append(("NextToken", token)) }
            last = try await client.query(.cloudFormation, action: "DescribeChangeSet", parameters: parameters)
            let result = try last.require("DescribeChangeSetResult", operation: "cloudformation DescribeChangeSet")
            guard result.child("Status") != nil else {
                throw AWSClientError.invalidResponse(operation: "cloudformation DescribeChangeSet", reason: "no DescribeChangeSetResult/Status in the answer")
            }
            for member in result.child("Changes")?.members ?? [] {
                guard let change = member.child("ResourceChange") else { continue }
                changes.append(PlannedChange(action: change.value("Action") ?? "?", logicalID: change.value("LogicalResourceId") ?? "?",
                                             resourceType: change.value("ResourceType") ?? "?",
                                             replacement: change.value("Replacement").flatMap { $0.isEmpty ? nil : $0 }))
            }
            token = last.first(named: "NextToken")?.text
            if token?.isEmpty == true { token = nil }
        } while token != nil
        return ChangeSetDescription(id: last.first(named: "ChangeSetId")?.text ?? id, status: last.first(named: "Status")?.text ?? "UNKNOWN",
                                    executionStatus: last.first(named: "ExecutionStatus")?.text, statusReason: last.first(named: "StatusReason")?.text,
                                    changes: changes)
    }

    public func executeChangeSet(_ id: String, stack: String, clientToken: String, disableRollback: Bool) async throws {
        var parameters = [("ChangeSetName", id), ("StackName", stack), ("ClientRequestToken", clientToken)]
        if disableRollback { parameters.append(("DisableRollback", "true")) }
        _ = try await client.query(.cloudFormation, action: "ExecuteChangeSet", parameters: parameters)
    }

    public func deleteChangeSet(_ id: String, stack: String) async throws {
        _ = try await client.query(.cloudFormation, action: "DeleteChangeSet", parameters: [("ChangeSetName", id), ("StackName", stack)])
    }

    /// Stack events, newest first, up to `limit` pages.
    public func stackEvents(_ stack: String, pages limit: Int = 1) async throws -> [StackEvent] {
        var events: [StackEvent] = []
        var token: String?
        for _ in 0..<max(1, limit) {
            let (page, next) = try await stackEventsPage(stack, nextToken: token)
            events += page
            guard let next else { break }
            token = next
        }
        return events
    }

    /// One page of stack events, newest first, and the token of the next page.
    public func stackEventsPage(_ stack: String, nextToken: String?) async throws -> ([StackEvent], String?) {
        var parameters = [("StackName", stack)]
        if let nextToken { parameters.append(("NextToken", nextToken)) }
        let root = try await client.query(.cloudFormation, action: "DescribeStackEvents", parameters: parameters)
        let result = try root.require("DescribeStackEventsResult", operation: "cloudformation DescribeStackEvents")
        let events = (result.child("StackEvents")?.members ?? []).map { member in
            StackEvent(id: member.value("EventId") ?? UUID().uuidString,
                       timestamp: Self.date(member.value("Timestamp")) ?? .distantPast,
                       logicalID: member.value("LogicalResourceId") ?? "?", physicalID: member.value("PhysicalResourceId"),
                       resourceType: member.value("ResourceType") ?? "?", status: member.value("ResourceStatus") ?? "?",
                       reason: member.value("ResourceStatusReason"), clientRequestToken: member.value("ClientRequestToken"))
        }
        let next = result.child("NextToken")?.text
        return (events, next?.isEmpty == false ? next : nil)
    }

    public func stackResources(_ stack: String) async throws -> [StackResource] {
        let root = try await client.query(.cloudFormation, action: "DescribeStackResources", parameters: [("StackName", stack)])
        let result = try root.require("DescribeStackResourcesResult", operation: "cloudformation DescribeStackResources")
        return (result.child("StackResources")?.members ?? []).map { member in
            StackResource(logicalID: member.value("LogicalResourceId") ?? "?", physicalID: member.value("PhysicalResourceId"),
                          resourceType: member.value("ResourceType") ?? "?", status: member.value("ResourceStatus") ?? "?",
                          reason: member.value("ResourceStatusReason"))
        }
    }

    /// The template the stack was last deployed with.
    public func template(_ stack: String) async throws -> String {
        let root = try await client.query(.cloudFormation, action: "GetTemplate", parameters: [("StackName", stack), ("TemplateStage", "Original")])
        return try root.require("GetTemplateResult", "TemplateBody", operation: "cloudformation GetTemplate").text
    }

    public func deleteStack(_ stack: String, clientToken: String, retain: [String] = []) async throws {
        var parameters = [("StackName", stack), ("ClientRequestToken", clientToken)]
        parameters += QueryParameters.members("RetainResources", retain)
        _ = try await client.query(.cloudFormation, action: "DeleteStack", parameters: parameters)
    }
}
