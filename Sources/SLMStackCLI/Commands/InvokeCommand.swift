import AWSClient
import CloudFormationSynth
import Cost
import Deploy
import Foundation
import StackModel

/// `slmstack invoke "prompt"`.
struct InvokeCommand: SubCommand {
    static let name = "invoke"
    static let abstract = "Send a prompt to the deployed API with its key and print the answer."
    static let positionals = (max: 1, usage: "\"PROMPT\"")
    static let options: [OptionSpec] = [
        .value("max-new-tokens", "N", "Longest answer in tokens (default: the shim's)."),
        .flag("chat", "Use the OpenAI-style /v1/chat/completions route."),
        .flag("stream", "Stream the answer from /v1/chat/completions, printing tokens as they arrive (a stack deployed with --streaming on)."),
        .value("model-id", "ID", "The model a chat request names (default: the model-id of --config, else the default model); on a stack with several models (--models), the model asked (default: the stack's first)."),
    ] + AWSContext.identitySpecs

    let context: AWSContext
    let prompt: String
    let maxNewTokens: Int?
    let chat: Bool
    let stream: Bool
    /// Whether the model was named (`--model-id`, or a config file): a several-model stack otherwise
    /// gets no `model` and answers with its default.
    let modelNamed: Bool

    init(arguments: ParsedArguments, io: CommandIO) throws {
        guard let prompt = arguments.positionals.first, !prompt.isEmpty else {
            throw CLIError.usage("invoke needs a prompt: slmstack invoke \"What is the capital of France?\"")
        }
        self.prompt = prompt
        maxNewTokens = try arguments.int("max-new-tokens", in: 1...100_000)
        stream = arguments.flag("stream")
        chat = arguments.flag("chat") || stream
        modelNamed = arguments["model-id"] != nil || arguments["config"] != nil
        context = try AWSContext(arguments: arguments, io: io)
    }

    func run(io: CommandIO) throws -> ExitCode {
        let context = self.context, prompt = self.prompt, chat = self.chat, maxNewTokens = self.maxNewTokens, stream = self.stream
        let name = context.config.stackName
        var body: [String: Any]
        if chat {
            body = ["model": context.config.modelID, "messages": [["role": "user", "content": prompt]]]
            if let maxNewTokens { body["max_tokens"] = maxNewTokens }
            if stream { body["stream"] = true }
        } else {
            body = ["prompt": prompt]
            if let maxNewTokens { body["parameters"] = ["max_new_tokens": maxNewTokens] }
        }
        let plain = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        // several models (`models`): the model named, on /invoke too (a one-model stack's refuses the
        // field), or none: the stack's default
        var named = body
        named["model"] = modelNamed ? context.config.modelID : nil
        let routed = try JSONSerialization.data(withJSONObject: named, options: [.sortedKeys])
        let printer = TokenPrinter(io: io)
        let (status, answer) = try AWSContext.run {
            let client = try await context.client(io: io)
            guard let stack = try await CloudFormationAPI(client: client).describeStack(name) else {
                throw DeployError.noStack(name, region: client.region)
            }
            let output = chat ? "ChatCompletionsUrl" : "InvokeUrl"
            guard let url = stack.output(output) else { throw DeployError.missingOutput(stack: name, output: output) }
            guard let keyID = stack.output("ApiKeyId") else { throw DeployError.missingOutput(stack: name, output: "ApiKeyId") }
            let invoker = Invoker(client: client)
            let key = try await invoker.apiKeyValue(id: keyID)
            let payload = stack.output("InferenceComponentNames") != nil ? routed : plain
            guard stream else {
                // scale to zero: the first request wakes the model; wait for it with a progress line
                return try await invoker.postWaking(url: url, apiKey: key, body: payload) { waited, next in
                    io.note("waking: the model is starting (it scales to zero when idle; 5-10 minutes), \(Int(waited)) s so far; trying again in \(Int(next)) s")
                }
            }
            return try await invoker.stream(url: url, apiKey: key, body: payload) { printer.take($0) }
        }
        if stream, status == 200 {
            try printer.end()
            return .success
        }
        let text = String(decoding: answer, as: UTF8.self)
        guard (200..<300).contains(status) else {
            let code = ((try? JSONSerialization.jsonObject(with: answer)) as? [String: Any]).flatMap { ($0["error"] as? [String: Any])?["code"] as? String }
            let hint = status == 503 && code == "paused" ? "\nstack \(name) is paused: 'slmstack resume --stack-name \(name)' brings the endpoint back" : ""
            throw CLIError.failure("the API answered HTTP \(status): \(text.trimmingCharacters(in: .whitespacesAndNewlines))\(hint)")
        }
        let object = (try? JSONSerialization.jsonObject(with: answer)) as? [String: Any]
        let generated = (object?["generated_text"] as? String)
            ?? (((object?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String)
        io.line(generated ?? text)
        return .success
    }
}

/// Prints a streamed chat answer's tokens as their events arrive, and remembers how it ended.
final class TokenPrinter: @unchecked Sendable {
    private let io: CommandIO
    private let lock = NSLock()
    private var done = false
    private var failure: String?
    private var printed = false

    init(io: CommandIO) { self.io = io }

    /// One event's data: `[DONE]`, a `chat.completion.chunk`, or an `{"error": …}` object.
    func take(_ data: String) {
        lock.withLock {
            guard !done, failure == nil else { return }
            if data == "[DONE]" {
                done = true
                return
            }
            let object = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any]
            if let error = object?["error"] as? [String: Any] {
                failure = (error["message"] as? String) ?? data
                return
            }
            let delta = ((object?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
            if let delta, !delta.isEmpty {
                io.write(delta)
                printed = true
            }
        }
    }

    /// Ends the line; throws when the stream carried an error or stopped before `[DONE]`.
    func end() throws {
        let (done, failure, printed) = lock.withLock { (self.done, self.failure, self.printed) }
        if printed { io.line() }
        if let failure { throw CLIError.failure("the answer stopped: \(failure)") }
        if !done { throw CLIError.failure("the answer stopped before its end ([DONE] never came): try again, or without --stream") }
    }
}
