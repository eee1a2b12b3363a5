import AWSClient

/// An inference component's state (`scaling zero`): its copies now and as requested.
public struct ComponentInfo: Sendable, Equatable {
    public var name: String
    public var status: String
    /// Copies running now (`RuntimeConfig.CurrentCopyCount`).
    public var currentCopies: Int?
    /// Copies requested, by autoscaling or a wake (`RuntimeConfig.DesiredCopyCount`).
    public var desiredCopies: Int?

    /// One line for `status`: `1 of 1 running`, `0 (scaled to zero)`, `0, waking to 1`.
    public var copiesText: String {
        switch (currentCopies, desiredCopies) {
        case (0?, 0?): "0 (scaled to zero: the next request wakes it, 5-10 minutes)"
        case let (current?, desired?) where desired > current: "\(current), waking to \(desired) (5-10 minutes from the first request)"
        case let (current?, desired?): "\(current) running (desired \(desired))"
        default: "unknown"
        }
    }
}

extension SageMakerAPI {
    /// DescribeInferenceComponent, or nil when SageMaker says it does not exist.
    public func inferenceComponentIfExists(_ name: String) async throws -> ComponentInfo? {
        let operation = "sagemaker DescribeInferenceComponent"
        let answer: JSONValue
        do {
            answer = try await client.json(.sageMaker, operation: "DescribeInferenceComponent", body: ["InferenceComponentName": .string(name)])
        } catch where Self.isMissing(error, "inference component") || Self.isMissing(error, "inference-component") {
            return nil
        }
        guard let status = try answer.require("InferenceComponentStatus", operation: operation).string else {
            throw AWSClientError.invalidResponse(operation: operation, reason: "InferenceComponentStatus is not a string")
        }
        let runtime = answer["RuntimeConfig"]
        return ComponentInfo(name: answer["InferenceComponentName"]?.string ?? name, status: status,
                             currentCopies: runtime?["CurrentCopyCount"]?.int, desiredCopies: runtime?["DesiredCopyCount"]?.int)
    }
}
