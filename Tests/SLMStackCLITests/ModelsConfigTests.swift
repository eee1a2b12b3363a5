import Foundation
import Testing
@testable import SLMStackCLI
@testable import StackModel

/// `models` in a config file is a list of objects with the flag's keys; it reads as the flag does.
@Test func configFileModelsAreAListOfObjects() throws {
    let folder = try temporaryFolder()
    let file = folder.appendingPathComponent("models.json")
    try #"{"scaling": "zero", "models": [{"model-id": "TinyLlama/TinyLlama-1.1B-Chat-v1.0"}, {"model-id": "Qwen/Qwen2.5-0.5B-Instruct", "copies": 2, "accelerators": 1, "memory-mb": 4096}]}"#
        .write(to: file, atomically: true, encoding: .utf8)
    let config = try ServiceOptions.config(from: try ArgumentParser.parse(["--config", file.path], options: ServiceOptions.specs))
    #expect(config.models == [ListedModel(modelID: "TinyLlama/TinyLlama-1.1B-Chat-v1.0"),
                              ListedModel(modelID: "Qwen/Qwen2.5-0.5B-Instruct", copies: 2, accelerators: 1, memoryMB: 4096)])
    #expect(config.modelID == "TinyLlama/TinyLlama-1.1B-Chat-v1.0")
    let flag = try ServiceOptions.config(from: try ArgumentParser.parse(
        ["--scaling", "zero", "--models", "TinyLlama/TinyLlama-1.1B-Chat-v1.0,Qwen/Qwen2.5-0.5B-Instruct:copies=2:accelerators=1:memory-mb=4096"],
        options: ServiceOptions.specs))
    #expect(flag.models == config.models)
    #expect(slmstack("validate", "--config", file.path).code == .success)
}

@Test func modelsMistakesExitTwoWithOneLine() throws {
    let folder = try temporaryFolder()
    let cases: [(String, String)] = [
        (#"{"models": [{"copies": 2}]}"#, #"models[0]: expected an object with a "model-id" string"#),
        (#"{"models": [{"model-id": "Qwen/Qwen2.5-0.5B-Instruct", "gpus": 1}]}"#, "models[0]: unknown key 'gpus'"),
        (#"{"models": [{"model-id": "Qwen/Qwen2.5-0.5B-Instruct", "copies": 0}]}"#, "models: Qwen/Qwen2.5-0.5B-Instruct: copies expected a whole number from 1 to 100"),
    ]
    for (index, (body, expected)) in cases.enumerated() {
        let file = folder.appendingPathComponent("m\(index).json")
        try body.write(to: file, atomically: true, encoding: .utf8)
        let run = slmstack("validate", "--config", file.path)
        #expect(run.code == .usage && run.err.contains(expected), "\(body) → \(run.err)")
    }
    let instance = slmstack("validate", "--models", "TinyLlama/TinyLlama-1.1B-Chat-v1.0,Qwen/Qwen2.5-0.5B-Instruct")
    #expect(instance.code == .usage && instance.err.contains("models: several models need inference components: add --scaling zero"), "\(instance.err)")
}
