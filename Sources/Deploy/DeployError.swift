/// Why a deploy, destroy or status could not be done. Each message says what happened and what to do.
public enum DeployError: Error, CustomStringConvertible, Equatable {
    /// The stack operation failed; `rootCause` is the first failed resource and its reason.
    case operationFailed(stack: String, status: String, rootCause: String?)
    /// Polling gave up.
    case timedOut(stack: String, status: String, seconds: Int)
    /// The stack is in a state no deploy can start from.
    case stuck(stack: String, status: String, advice: String)
    /// A change set could not be made.
    case changeSetFailed(stack: String, reason: String)
    /// A confirmation was needed and there was no terminal to ask on.
    case needsConfirmation(String)
    /// The person said no.
    case declined
    /// The stack does not exist.
    case noStack(String, region: String)
    /// An output the command needs is missing.
    case missingOutput(stack: String, output: String)
    /// A SageMaker endpoint of the stack is still there after destroy.
    case endpointLeft(stack: String, endpoints: [String])
    /// The API answered with an error.
    case apiError(status: Int, body: String)
    /// CloudFormation refused a change set because it changes nothing.
    case noChanges(stack: String)
    /// A stack operation was started, then following it failed: it goes on without slmstack.
    case lostTrack(stack: String, operation: String, cause: String)
    /// The command does not apply to the stack as it is (no TTL to extend, no Paused parameter):
    /// bad input, nothing was changed.
    case notApplicable(stack: String, reason: String)

    public var description: String {
        switch self {
        case .operationFailed(let stack, let status, let rootCause):
            (rootCause.map { "\($0)\n" } ?? "") + "stack \(stack) ended in \(status)"
        case .timedOut(let stack, let status, let seconds):
            "stack \(stack) is still \(status) after \(seconds) s: run 'slmstack status' to check on it, or deploy again to attach to it"
        case .stuck(let stack, let status, let advice):
            "stack \(stack) is \(status): \(advice)"
        case .changeSetFailed(let stack, let reason):
            "could not plan the change to \(stack): \(reason)"
        case .needsConfirmation(let what):
            "\(what) needs confirmation and there is no terminal to ask on: pass --yes to go ahead without asking"
        case .declined:
            "nothing was changed"
        case .noStack(let stack, let region):
            "stack \(stack) does not exist in \(region): deploy it first with 'slmstack deploy'"
        case .missingOutput(let stack, let output):
            "stack \(stack) has no output \(output): redeploy it with this version of slmstack"
        case .endpointLeft(let stack, let endpoints):
            "SageMaker endpoint(s) tagged for \(stack) still exist and bill every hour: \(endpoints.joined(separator: ", ")); delete them in the console or with 'aws sagemaker delete-endpoint'"
        case .apiError(let status, let body):
            "the API answered HTTP \(status): \(body)"
        case .noChanges(let stack):
            "stack \(stack): no updates are to be performed"
        case .lostTrack(let stack, let operation, let cause):
            "\(cause)\n\(operation) of stack \(stack) was started and goes on in CloudFormation: run 'slmstack status --stack-name \(stack)' to see how it ends"
        case .notApplicable(let stack, let reason):
            "stack \(stack) \(reason)"
        }
    }
}
