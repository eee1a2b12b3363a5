import AWSClient
import Deploy
import Foundation
import StackModel

/// `slmstack stage-model`.
struct StageModelCommand: SubCommand {
    static let name = "stage-model"
    static let abstract = "Copy the model's weights from the Hugging Face Hub to the assets bucket, for --weights s3."
    static let discussion = """
        Lists the revision's files with the Hub's file API and copies the serving files (config, tokenizer,
        *.safetensors) to s3://slmstack-assets-<account>-<region>/models/<model-id>/<revision>/, where a stack
        deployed with --weights s3 (and the same --weights-revision) loads them. Large files go up in parts with
        SHA-256 checksums, checked end to end against the Hub's LFS SHA-256; a re-run skips what is staged and
        resumes an unfinished upload. Authenticates to the Hub with your own token from HF_TOKEN or
        ~/.cache/huggingface/token (gated models: accept the licence on the Hub first); the token is sent only to
        the Hub, never stored in AWS and never printed. HF_ENDPOINT points it at another Hub.
        """
    static let options: [OptionSpec] = [
        .value("model-id", "ID", "The Hub model to stage (default: the model-id of --config, else the default model)."),
        .value("revision", "REV", "The Hub revision to stage (branch, tag or commit); default: the weights-revision of --config, else main."),
        .value("part-size", "MIB", "Multipart part size in MiB (5-512, default 16): one Hub range request and one S3 part each."),
    ] + AWSContext.identitySpecs

    let context: AWSContext
    let revision: String
    let partSize: Int

    init(arguments: ParsedArguments, io: CommandIO) throws {
        context = try AWSContext(arguments: arguments, io: io)
        revision = arguments["revision"] ?? context.config.weightsRevision
        if let problem = StagedWeights.revisionProblem(revision) { throw CLIError.usage("--revision: \(problem)") }
        if let problem = StagedWeights.modelIDProblem(context.config.modelID) { throw CLIError.usage("--model-id: \(problem)") }
        let mib = arguments["part-size"] ?? "16"
        guard let size = Int(mib), (5...512).contains(size) else {
            throw CLIError.usage("--part-size: expected a whole number of MiB from 5 to 512, got '\(mib)'")
        }
        partSize = size * 1_048_576
    }

    func run(io: CommandIO) throws -> ExitCode {
        let context = self.context, revision = self.revision, partSize = self.partSize
        let modelID = context.config.modelID
        let hub = HubClient.fromEnvironment(io.environment)
        let inPlace = isatty(STDERR_FILENO) == 1 && !["true", "1"].contains((io.environment["CI"] ?? "").lowercased())
        let outcome = try AWSCommandOptions.blocking {
            do {
                let client = try await context.client(io: io)
                let stager = ModelStager(hub: hub, client: client, partSize: partSize, inPlace: inPlace,
                                         note: { io.note($0) }, write: { FileHandle.standardError.write(Data($0.utf8)) })
                // The Hub first: a gated model or a bad token stops here, before any AWS call.
                let (listed, files) = try await stager.plan(modelID: modelID, revision: revision)
                io.note("\(modelID) at \(revision) is commit \(listed.commit): \(files.count) files, \(StagingProgress.bytes(files.reduce(0) { $0 + $1.size }))\(hub.hasToken ? "" : " (no Hub token)")")
                return try await stager.stage(listed, files: files)
            } catch let error as HubError {
                if case .gated = error { throw CLIError.usage(error.description) }
                if case .notFound = error { throw CLIError.usage(error.description) }
                throw CLIError.failure(error.description)
            } catch let error as StagingError {
                switch error {
                case .noWeights, .noConfig, .tooManyParts: throw CLIError.usage(error.description)
                default: throw CLIError.failure(error.description)
                }
            }
        }
        io.line("staged \(modelID) at \(revision) (commit \(outcome.commit)) in s3://\(outcome.bucket)/\(outcome.prefix): "
            + "\(outcome.uploaded.count) uploaded (\(StagingProgress.bytes(outcome.bytes))), \(outcome.skipped.count) already there")
        io.line("deploy it with: slmstack deploy --weights s3 --model-id \(modelID)" + (revision == "main" ? "" : " --weights-revision \(revision)"))
        return .success
    }
}
