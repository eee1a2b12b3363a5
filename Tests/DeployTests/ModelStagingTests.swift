import AWSClient
import Testing
@testable import Deploy

private func file(_ path: String, _ size: Int = 10) -> HubFile { HubFile(path: path, size: size, gitOID: "oid", sha256: nil) }

@Test func servingFilesAreConfigTokenizerAndSafetensors() {
    let listed = ["config.json", "tokenizer.json", "tokenizer_config.json", "model-00001-of-00002.safetensors",
                  "model-00002-of-00002.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "model.gguf",
                  "onnx/model.onnx", "original/consolidated.00.pth", "README.md", ".gitattributes", "LICENSE"].map { file($0) }
    #expect(ModelStager.servingFiles(listed).map(\.path) == ["config.json", "tokenizer.json", "tokenizer_config.json",
                                                             "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                                                             "model.safetensors.index.json"])
    // no safetensors: the PyTorch weights
    let old = ["config.json", "pytorch_model.bin", "vocab.json", "merges.txt", "README.md"].map { file($0) }
    #expect(ModelStager.servingFiles(old).map(\.path) == ["config.json", "pytorch_model.bin", "vocab.json", "merges.txt"])
}

@Test func nextLinkAndHostsForRedirects() {
    #expect(HubClient.nextLink(#"<https://huggingface.co/api/models/a/b/tree/x?cursor=abc>; rel="next""#)
            == "https://huggingface.co/api/models/a/b/tree/x?cursor=abc")
    #expect(HubClient.nextLink(#"<https://x/prev>; rel="prev""#) == nil && HubClient.nextLink(nil) == nil)
    #expect(HubClient.origin("https://huggingface.co/a/b/resolve/c/d") == "https://huggingface.co")
    #expect(HubClient.host("https://cdn-lfs.hf.co/x?sig=1") != HubClient.host("https://huggingface.co/x"))
    #expect(HubClient.withoutQuery("https://cdn/x?X-Amz-Signature=s") == "https://cdn/x")
}

@Test func gatedErrorsNameThePageAndTheFixNeverTheToken() {
    let anonymous = HubError.gated(model: "google/gemma-3-270m", status: 401, hasToken: false, endpoint: "https://huggingface.co").description
    #expect(anonymous.contains("https://huggingface.co/google/gemma-3-270m") && anonymous.contains("HF_TOKEN") && !anonymous.contains("\n"))
    let refused = HubError.gated(model: "m/x", status: 403, hasToken: true, endpoint: "https://huggingface.co").description
    #expect(refused.contains("refused the token"))
}

@Test func progressLineHasBytesPercentAndRate() {
    let lines = Locked([String]())
    let progress = StagingProgress(total: 2_000_000, inPlace: false) { text in lines.withLock { $0.append(text) } }
    progress.advance(1_000_000, file: "model.safetensors part 1/2")
    #expect(progress.line(file: "f", seconds: 2) == "staging 1.0 MB / 2.0 MB (50%) at 500.0 kB/s: f")
    let written = lines.withLock { $0 }
    #expect(written.count == 1 && written[0].hasPrefix("staging 1.0 MB / 2.0 MB (50%) at ") && written[0].hasSuffix("\n"))
    #expect(StagingProgress.bytes(980) == "980 B" && StagingProgress.bytes(2_200_000_000) == "2.2 GB")
}
