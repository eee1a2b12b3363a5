import AWSClient
import Foundation

/// How a destroy ended.
public struct DestroyResult: Sendable, Equatable {
    /// False when there was nothing to destroy.
    public var existed: Bool
    /// Resources kept on request (`--retain`).
    public var retained: [String]
}

extension Deployer {
    /// Deletes the stack and checks that no SageMaker endpoint of it is left billing.
    ///
    /// - Parameters:
    ///   - retain: logical IDs to keep when retrying a DELETE_FAILED stack.
    /// - Throws: `DeployError.operationFailed` naming every resource that could not be deleted and
    ///   why (with the `--retain` advice), or `.endpointLeft`.
    public func destroy(stack: String, assumeYes: Bool, retain: [String] = [], keepLogs: Bool = false) async throws -> DestroyResult {
        guard var current = try await api.describeStack(stack) else {
            console.say("stack \(stack) does not exist in \(api.client.region): nothing to destroy")
            return DestroyResult(existed: false, retained: [])
        }
        if StackStatus.isInProgress(current.status) {
            console.say("stack \(stack) is \(current.status): waiting for that operation to end first")
            _ = try await follower.follow(stack: current.id, since: current.lastUpdatedTime ?? current.creationTime ?? clock.now(), total: 0, verb: "Following")
            guard let after = try await api.describeStack(stack) else {
                console.say("stack \(stack) is gone")
                try await checkNoEndpointLeft(stack)
                return DestroyResult(existed: true, retained: [])
            }
            current = after
        }
        if !retain.isEmpty, current.status != "DELETE_FAILED" {
            throw DeployError.stuck(stack: stack, status: current.status, advice: "--retain only applies to a stack whose delete failed (DELETE_FAILED)")
        }
        try confirm("Destroy stack \(stack) in \(api.client.region) and everything in it\(keepLogs ? " but its logs" : "")?", assumeYes: assumeYes, what: "destroying \(stack)")
        var kept: [String] = []
        if keepLogs { kept = try await retainLogs(current) }
        // No DescribeStackResources for a progress total: the bar counts resources as their events
        // arrive (and on the local AWS that call re-creates the resources of a stack being deleted).
        let total = 0
        let since = clock.now()
        let deleteToken = "slmstack-delete-\(makeToken())"
        try await api.deleteStack(current.id, clientToken: deleteToken, retain: retain)
        let outcome = try await followStarted("the delete", stack: stack) {
            try await follower.follow(stack: current.id, since: since, total: total, verb: "Destroying", clientToken: deleteToken)
        }
        if let status = outcome.status, status != "DELETE_COMPLETE" {
            let stuck = outcome.failures.map { "\($0.logicalID) (\($0.resourceType)): \($0.reason ?? "no reason given")" }
            let advice = outcome.failures.isEmpty ? ""
                : "\nfix the cause and run 'slmstack destroy' again, or keep the stuck resources with 'slmstack destroy --retain \(outcome.failures.map(\.logicalID).joined(separator: ","))'"
            throw DeployError.operationFailed(stack: stack, status: status,
                                              rootCause: (stuck.isEmpty ? outcome.statusReason.map { "reason: \($0)" } : stuck.joined(separator: "\n")).map { $0 + advice })
        }
        try await checkNoEndpointLeft(stack)
        if !kept.isEmpty { console.say("kept (not deleted, still stored and billed for storage): \(kept.joined(separator: ", "))") }
        return DestroyResult(existed: true, retained: retain + kept)
    }

    /// Marks the stack's log groups, and the KMS key they are encrypted with, `DeletionPolicy: Retain`
    /// through an update, so the delete that follows keeps them. Returns their logical IDs.
    func retainLogs(_ current: StackDescription) async throws -> [String] {
        let text = try await api.template(current.id)
        guard var document = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              var resources = document["Resources"] as? [String: [String: Any]] else {
            throw DeployError.stuck(stack: current.name, status: current.status, advice: "--keep-logs needs a JSON template; delete without it or keep the logs by hand")
        }
        let keep = resources.filter { ["AWS::Logs::LogGroup", "AWS::KMS::Key"].contains($0.value["Type"] as? String) }.keys.sorted()
        let toChange = keep.filter { resources[$0]?["DeletionPolicy"] as? String != "Retain" }
        guard !toChange.isEmpty else { return keep }
        for id in toChange {
            resources[id]?["DeletionPolicy"] = "Retain"
            resources[id]?["UpdateReplacePolicy"] = "Retain"
            // A policy alone is not a change CloudFormation applies: a tag makes it a real update.
            var properties = resources[id]?["Properties"] as? [String: Any] ?? [:]
            var tags = properties["Tags"] as? [[String: Any]] ?? []
            tags.removeAll { $0["Key"] as? String == "slmstack:kept" }
            tags.append(["Key": "slmstack:kept", "Value": "true"])
            properties["Tags"] = tags
            resources[id]?["Properties"] = properties
        }
        document["Resources"] = resources
        let updated = String(decoding: try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]), as: UTF8.self)
        console.say("keeping the logs: marking \(toChange.joined(separator: ", ")) DeletionPolicy Retain before the delete")
        let source = try await templateSource(DeployRequest(stackName: current.name, template: updated, resourceCount: 0, tags: current.tags,
                                                            assumeYes: true, noRollback: false))
        let id = try await api.createChangeSet(stack: current.name, name: "slmstack-keep-logs-\(Self.stamp(clock.now()))", type: "UPDATE",
                                               template: source, parameters: StackParameters.update([:], keeping: current.parameters),
                                               tags: current.tags, clientToken: "slmstack-keep-\(makeToken())",
                                               description: "slmstack destroy --keep-logs")
        let changeSet = try await waitForChangeSet(id, stack: current.name)
        guard changeSet.status == "CREATE_COMPLETE", !changeSet.isEmpty else {
            try? await api.deleteChangeSet(id, stack: current.name)
            throw DeployError.stuck(stack: current.name, status: current.status,
                                    advice: "could not mark the logs to be kept (\(changeSet.statusReason ?? changeSet.status)); nothing was deleted: destroy without --keep-logs, or export the logs first")
        }
        let since = clock.now()
        let executeToken = "slmstack-keep-exec-\(makeToken())"
        try await api.executeChangeSet(id, stack: current.name, clientToken: executeToken, disableRollback: false)
        try report(try await follower.follow(stack: current.name, since: since, total: toChange.count, verb: "Retaining logs of",
                                             clientToken: executeToken), stack: current.name)
        // Check before deleting: the logs are the point of --keep-logs.
        let appliedText = try await api.template(current.id)
        let applied = (try? JSONSerialization.jsonObject(with: Data(appliedText.utf8)) as? [String: Any])?["Resources"] as? [String: [String: Any]] ?? [:]
        let missing = keep.filter { applied[$0]?["DeletionPolicy"] as? String != "Retain" }
        guard missing.isEmpty else {
            throw DeployError.stuck(stack: current.name, status: current.status,
                                    advice: "the deployed template does not retain \(missing.joined(separator: ", ")); nothing was deleted: destroy without --keep-logs, or export the logs first")
        }
        return keep
    }

    /// Follows an operation this command started. When following fails (the network, an answer
    /// that is not AWS's), the operation itself goes on in CloudFormation: the error says so.
    func followStarted(_ what: String, stack: String, _ follow: () async throws -> OperationOutcome) async throws -> OperationOutcome {
        do {
            return try await follow()
        } catch let error as AWSClientError {
            throw DeployError.lostTrack(stack: stack, operation: what, cause: error.description)
        }
    }

    /// Looks for SageMaker endpoints tagged with the stack (the thing that bills by the hour).
    func checkNoEndpointLeft(_ stack: String) async throws {
        let left = try await SageMakerAPI(client: api.client).endpoints(taggedFor: stack)
        guard left.isEmpty else { throw DeployError.endpointLeft(stack: stack, endpoints: left.map(\.name)) }
        console.say("destroyed \(stack): no SageMaker endpoint of it remains, nothing of it is billing by the hour")
    }
}

/// The few SageMaker calls status, destroy and scan need.
public struct SageMakerAPI: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) { self.client = client }

    public struct EndpointInfo: Sendable, Equatable {
        public var name: String
        public var arn: String
        public var status: String
        public var creationTime: Date?
        public var configName: String?
        public var failureReason: String?
    }

    static func date(_ value: JSONValue?) -> Date? {
        if let seconds = value?.number { return Date(timeIntervalSince1970: seconds) }
        return CloudFormationAPI.date(value?.string)
    }

    /// Whether an error is SageMaker's own word that the endpoint (or endpoint configuration) does
    /// not exist: `ValidationException` "Could not find endpoint …".
    public static func isMissing(_ error: Error, _ what: String = "endpoint") -> Bool {
        guard let service = (error as? AWSClientError)?.serviceError else { return false }
        return ["ValidationException", "ResourceNotFound"].contains(service.code) && service.message.contains("Could not find \(what)")
    }

    /// The endpoint, or `AWSClientError` (its absence included: see `endpointIfExists`).
    public func endpoint(_ name: String) async throws -> EndpointInfo {
        try await describeEndpoint(name).info
    }

    /// The endpoint, or nil when SageMaker says it does not exist; every other failure throws.
    public func endpointIfExists(_ name: String) async throws -> EndpointInfo? {
        do {
            return try await endpoint(name)
        } catch where Self.isMissing(error) {
            return nil
        }
    }

    /// DescribeEndpoint and its answer, or nil when SageMaker says the endpoint does not exist.
    func describeEndpointIfExists(_ name: String) async throws -> (info: EndpointInfo, answer: JSONValue)? {
        do {
            return try await describeEndpoint(name)
        } catch where Self.isMissing(error) {
            return nil
        }
    }

    /// DescribeEndpoint, checked: the answer must name the endpoint and its status.
    func describeEndpoint(_ name: String) async throws -> (info: EndpointInfo, answer: JSONValue) {
        let operation = "sagemaker DescribeEndpoint"
        let answer = try await client.json(.sageMaker, operation: "DescribeEndpoint", body: ["EndpointName": .string(name)])
        guard let status = try answer.require("EndpointStatus", operation: operation).string,
              let returned = try answer.require("EndpointName", operation: operation).string else {
            throw AWSClientError.invalidResponse(operation: operation, reason: "EndpointName or EndpointStatus is not a string")
        }
        let info = EndpointInfo(name: returned, arn: answer["EndpointArn"]?.string ?? "", status: status,
                                creationTime: Self.date(answer["CreationTime"]), configName: answer["EndpointConfigName"]?.string,
                                failureReason: answer["FailureReason"]?.string)
        return (info, answer)
    }

    /// The instances running now behind the endpoint's first variant (after any scaling), if reported.
    public func currentInstanceCount(_ name: String) async throws -> Int? {
        try await describeEndpoint(name).answer["ProductionVariants"]?.array?.first?["CurrentInstanceCount"]?.int
    }

    /// (instance type, count) of the first production variant, or nil when the configuration does
    /// not exist (SageMaker's own answer); every other failure throws.
    public func variant(config: String) async throws -> (instanceType: String, count: Int)? {
        let operation = "sagemaker DescribeEndpointConfig"
        let answer: JSONValue
        do {
            answer = try await client.json(.sageMaker, operation: "DescribeEndpointConfig", body: ["EndpointConfigName": .string(config)])
        } catch where Self.isMissing(error, "endpoint configuration") || Self.isMissing(error, "endpoint_config") {
            return nil
        }
        guard let first = try answer.require("ProductionVariants", operation: operation).array?.first else {
            throw AWSClientError.invalidResponse(operation: operation, reason: "ProductionVariants is not a list with a variant")
        }
        return (first["InstanceType"]?.string ?? "?", first["InitialInstanceCount"]?.int ?? 1)
    }

    /// Every endpoint in the region (following NextToken).
    public func listEndpoints() async throws -> [EndpointInfo] {
        var all: [EndpointInfo] = []
        var token: String?
        repeat {
            var body: [String: JSONValue] = ["MaxResults": 100]
            if let token { body["NextToken"] = .string(token) }
            let answer = try await client.json(.sageMaker, operation: "ListEndpoints", body: .object(body))
            guard let items = try answer.require("Endpoints", operation: "sagemaker ListEndpoints").array else {
                throw AWSClientError.invalidResponse(operation: "sagemaker ListEndpoints", reason: "Endpoints is not a list")
            }
            for item in items {
                all.append(EndpointInfo(name: item["EndpointName"]?.string ?? "?", arn: item["EndpointArn"]?.string ?? "",
                                        status: item["EndpointStatus"]?.string ?? "?", creationTime: Self.date(item["CreationTime"]),
                                        configName: nil, failureReason: nil))
            }
            token = answer["NextToken"]?.string
        } while token != nil
        return all
    }

    /// All tags of a resource (following NextToken).
    public func tags(_ arn: String) async throws -> [String: String] {
        var tags: [String: String] = [:]
        var token: String?
        repeat {
            var body: [String: JSONValue] = ["ResourceArn": .string(arn)]
            if let token { body["NextToken"] = .string(token) }
            let answer = try await client.json(.sageMaker, operation: "ListTags", body: .object(body))
            guard let items = try answer.require("Tags", operation: "sagemaker ListTags").array else {
                throw AWSClientError.invalidResponse(operation: "sagemaker ListTags", reason: "Tags is not a list")
            }
            for tag in items { tags[tag["Key"]?.string ?? ""] = tag["Value"]?.string ?? "" }
            token = answer["NextToken"]?.string
        } while token != nil
        return tags
    }

    /// Endpoints that belong to `stack` by the slmstack owner tag or CloudFormation's own tag.
    /// An endpoint deleted between the list and its tags (another stack's teardown) is skipped.
    public func endpoints(taggedFor stack: String) async throws -> [EndpointInfo] {
        var found: [EndpointInfo] = []
        for endpoint in try await listEndpoints() {
            let tags: [String: String]
            do {
                tags = try await self.tags(endpoint.arn)
            } catch let error as AWSClientError where ["ValidationException", "ResourceNotFound"].contains(error.serviceError?.code ?? "") {
                continue
            }
            if tags["slmstack:stack"] == stack || tags["aws:cloudformation:stack-name"] == stack { found.append(endpoint) }
        }
        return found
    }
}

/// What `status` shows.
public struct StatusReport: Sendable {
    public var stack: StackDescription
    public var endpoint: SageMakerAPI.EndpointInfo?
    public var instanceType: String?
    public var instanceCount: Int?
    /// The inference components (`scaling zero`: output `InferenceComponentNames` with several
    /// models, else `InferenceComponentName`) that exist, in the order of the models.
    public var components: [ComponentInfo] = []
    /// The time of the report by the server's clock, for the time left until `ExpiresAt`.
    public var now: Date = Date()
    /// The expiry schedule's dead-letter queue (output `ExpiryDeadLetterQueueUrl`) and the messages
    /// waiting in it, each a DeleteStack Scheduler could not make; nil without a TTL.
    public var deadLetter: (url: String, messages: Result<Int, AWSError>)?

    /// True when paused, false when running, nil for a stack without the `Paused` parameter.
    public var isPaused: Bool? { stack.parameters[StackParameters.paused].map { $0 == "true" } }
    /// When the stack deletes itself, if it has a TTL.
    public var expiresAt: Date? { stack.parameters[StackParameters.expiresAt].flatMap(ExpiryTime.date) }
}

extension Deployer {
    /// The stack, its outputs, and its endpoint's state (not looked up while paused: there is none).
    ///
    /// The endpoint is "not found" only when SageMaker says so; any other failure of a call
    /// (expired credentials, throttling to the end, a cut connection) fails the report.
    public func status(stack: String) async throws -> StatusReport {
        guard let description = try await api.describeStack(stack) else { throw DeployError.noStack(stack, region: api.client.region) }
        var report = StatusReport(stack: description, now: serverNow)
        if let url = description.output(DeadLetterQueue.outputKey) {
            report.deadLetter = (url, try await DeadLetterQueue.messagesOrRefusal(api.client, queueURL: url))
        }
        if report.isPaused != true, let name = description.output("EndpointName") {
            let sagemaker = SageMakerAPI(client: api.client)
            if let (endpoint, answer) = try await sagemaker.describeEndpointIfExists(name) {
                report.endpoint = endpoint
                if let config = endpoint.configName, let variant = try await sagemaker.variant(config: config) {
                    report.instanceType = variant.instanceType
                    report.instanceCount = answer["ProductionVariants"]?.array?.first?["CurrentInstanceCount"]?.int ?? variant.count
                }
                let names = (description.output("InferenceComponentNames") ?? description.output("InferenceComponentName"))?
                    .split(separator: ",").map(String.init) ?? []
                for name in names {
                    if let component = try await sagemaker.inferenceComponentIfExists(name) { report.components.append(component) }
                }
            }
        }
        return report
    }
}
