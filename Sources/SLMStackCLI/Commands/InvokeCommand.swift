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
    ] + AWSContext.specs

    let context: AWSContext
    let prompt: String
    let maxNewTokens: Int?
    let chat: Bool

    init(arguments: ParsedArguments, io: CommandIO) throws {
        guard let prompt = arguments.positionals.first, !prompt.isEmpty else {
            throw CLIError.usage("invoke needs a prompt: slmstack invoke \"What is the capital of France?\"")
        }
        self.prompt = prompt
        maxNewTokens = try arguments.int("max-new-tokens", in: 1...100_000)
        chat = arguments.flag("chat")
        context = try AWSContext(arguments: arguments, io: io)
    }

    func run(io: CommandIO) throws -> ExitCode {
        let context = self.context, prompt = self.prompt, chat = self.chat, maxNewTokens = self.maxNewTokens
        let name = context.config.stackName
        var body: [String: Any]
        if chat {
            body = ["model": context.config.modelID, "messages": [["role": "user", "content": prompt]]]
            if let maxNewTokens { body["max_tokens"] = maxNewTokens }
        } else {
            body = ["prompt": prompt]
            if let maxNewTokens { body["parameters"] = ["max_new_tokens": maxNewTokens] }
        }
        let payload = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
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
            return try await invoker.post(url: url, apiKey: key, body: payload)
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
