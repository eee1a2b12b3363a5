import AWSClient
import Foundation

// `slmstack scan`, second half: stacks whose TTL passed and that are still there.
//
// A stack deletes in minutes, so one still listed well after its `ExpiresAt` had its deletion
// fail (DELETE_FAILED) or refused (Scheduler's DeleteStack met a busy stack), and keeps billing.
// `status` says so for one stack; `scan` finds them all in the region.

/// A stack whose `ExpiresAt` passed more than `StackTTLScan.graceSeconds` ago and that still exists.
public struct OverdueStack: Sendable, Equatable {
    /// The stack's name.
    public var name: String
    /// Its status now, for example `UPDATE_COMPLETE` or `DELETE_FAILED`.
    public var status: String
    /// Its `ExpiresAt` parameter as a date.
    public var expiresAt: Date
    /// Hours since `expiresAt`.
    public var overdueHours: Double
    /// The URL of the stack's expiry dead-letter queue (its `ExpiryDeadLetterQueueUrl` output), if it has one.
    public var deadLetterQueueURL: String?
    /// Messages waiting in that queue (each a failed deletion), when it was read.
    public var deadLetterMessages: Int?

    /// The command that removes it.
    public var destroyCommand: String { "slmstack destroy --stack-name \(name)" }

    /// One line: why the stack is flagged and what to run.
    public var reason: String {
        var text = "TTL passed \(ExpiryTime.span(overdueHours * 3600)) ago (at \(ExpiryTime.text(expiresAt))Z) and the stack is still here (\(status)): its deletion failed or was refused and it keeps billing"
        if let url = deadLetterQueueURL, let count = deadLetterMessages, count > 0 {
            text += "; TTL deletion failed: \(count) message\(count == 1 ? "" : "s") in \(url)"
        }
        return text + "; run '\(destroyCommand)'"
    }
}

/// The pure part: which described stacks are overdue.
public enum StackTTLScan {
    /// How long after `ExpiresAt` a stack may still be deleting before it counts as overdue.
    public static let graceSeconds: TimeInterval = 3_600

    /// The stacks with an `ExpiresAt` parameter more than `graceSeconds` before `now`, in name order.
    /// Stacks already gone (`DELETE_COMPLETE`) or being deleted right now (`DELETE_IN_PROGRESS`) are left out.
    public static func overdue(_ stacks: [StackDescription], now: Date) -> [OverdueStack] {
        stacks.compactMap { stack -> OverdueStack? in
            guard !["DELETE_COMPLETE", "DELETE_IN_PROGRESS"].contains(stack.status),
                  let deadline = stack.parameters[StackParameters.expiresAt].flatMap(ExpiryTime.date) else { return nil }
            let overdue = now.timeIntervalSince(deadline)
            guard overdue > graceSeconds else { return nil }
            return OverdueStack(name: stack.name, status: stack.status, expiresAt: deadline, overdueHours: overdue / 3600,
                                deadLetterQueueURL: stack.output(DeadLetterQueue.outputKey))
        }.sorted { $0.name < $1.name }
    }
}

/// The expiry schedule's dead-letter queue: where Scheduler puts a DeleteStack it could not make.
public enum DeadLetterQueue {
    /// The stack output that carries the queue's URL.
    public static let outputKey = "ExpiryDeadLetterQueueUrl"

    /// Messages waiting in the queue (`ApproximateNumberOfMessages`, SQS GetQueueAttributes).
    public static func messages(_ client: AWSClient, queueURL: String) async throws -> Int {
        let answer = try await client.json(.sqs, operation: "GetQueueAttributes", body: [
            "QueueUrl": .string(queueURL), "AttributeNames": .array([.string("ApproximateNumberOfMessages")]),
        ])
        guard let text = answer["Attributes"]?["ApproximateNumberOfMessages"]?.string, let count = Int(text) else {
            throw AWSClientError.invalidResponse(operation: "sqs GetQueueAttributes", reason: "the answer has no Attributes.ApproximateNumberOfMessages")
        }
        return count
    }

    /// The messages waiting, or the error code when SQS refuses the read (the queue deleted by hand,
    /// no `sqs:GetQueueAttributes`): a stack's report goes on without it. Transport failures throw.
    public static func messagesOrRefusal(_ client: AWSClient, queueURL: String) async throws -> Result<Int, AWSError> {
        do {
            return .success(try await messages(client, queueURL: queueURL))
        } catch let error as AWSClientError {
            guard let refusal = error.serviceError else { throw error }
            return .failure(refusal)
        }
    }
}

extension CloudFormationAPI {
    /// Every stack of the region that still exists (DescribeStacks without a name, all pages).
    ///
    /// - Throws: `AWSClientError` when a page fails or a stack in it has no id, name or status.
    public func describeAllStacks() async throws -> [StackDescription] {
        let operation = "cloudformation DescribeStacks"
        var stacks: [StackDescription] = []
        var token: String?
        repeat {
            let root = try await client.query(.cloudFormation, action: "DescribeStacks", parameters: token.map { [("NextToken", $0)] } ?? [])
            let result = try root.require("DescribeStacksResult", operation: operation)
            for member in result.child("Stacks")?.members ?? [] {
                stacks.append(try Self.stack(member, operation: operation))
            }
            token = result.child("NextToken")?.text
            if token?.isEmpty == true { token = nil }
        } while token != nil
        return stacks.filter { $0.status != "DELETE_COMPLETE" }
    }

    /// The overdue stacks of the region, each with the messages in its dead-letter queue when it has one.
    public func overdueStacks(now: Date) async throws -> [OverdueStack] {
        var overdue = StackTTLScan.overdue(try await describeAllStacks(), now: now)
        for index in overdue.indices {
            if let url = overdue[index].deadLetterQueueURL {
                overdue[index].deadLetterMessages = try? await DeadLetterQueue.messagesOrRefusal(client, queueURL: url).get()
            }
        }
        return overdue
    }
}
