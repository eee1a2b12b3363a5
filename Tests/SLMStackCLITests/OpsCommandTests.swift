import Foundation
import Testing
@testable import SLMStackCLI

/// The package root, from this file's path.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Test(arguments: [
    (["--format", "xml"], "--format: expected table or json"),
    (["--idle-hours", "-1"], "--idle-hours"),
    (["--idle-hours", "soon"], "--idle-hours"),
    (["--region", "Mars"], "--region"),
    (["--nat-gateway", "off"], "unknown option '--nat-gateway'"),
])
func scanRejectsBadFlagsWithExit2(flags: [String], message: String) {
    // An endpoint nothing listens on: a bad flag must fail before any call would reach it.
    let result = slmstack(["scan"] + flags + ["--endpoint-url", "http://127.0.0.1:9"])
    #expect(result.code == .usage)
    #expect(result.err.contains(message), "\(result.err)")
}

private func slmstack(_ arguments: [String], environment: [String: String] = [:]) -> Run {
    let out = Buffer(), err = Buffer()
    let io = CommandIO(environment: environment, isInteractive: false, out: out.append, err: err.append)
    return Run(code: SLMStack.run(arguments, io: io), out: out.value, err: err.value)
}

@Test func scanIsListedWithItsExitCodes() {
    let help = slmstack(["scan", "--help"])
    #expect(help.code == .success)
    #expect(help.out.contains("--idle-hours N") && help.out.contains("3 something flagged"))
    #expect(slmstack(["--help"]).out.contains("graph"))
}

@Test func graphPrintsTheCommittedMermaidAndDot() throws {
    let mermaid = slmstack(["graph"])
    #expect(mermaid.code == .success)
    #expect(mermaid.out == (try String(contentsOf: root.appendingPathComponent("templates/graph/slmstack.mmd"), encoding: .utf8)))
    let dot = slmstack(["graph", "--format", "dot"])
    #expect(dot.out == (try String(contentsOf: root.appendingPathComponent("templates/graph/slmstack.dot"), encoding: .utf8)))
}

@Test func graphFollowsTheStackSettings() {
    let off = slmstack(["graph", "--nat-gateway", "off", "--az-count", "3"])
    #expect(off.code == .success)
    #expect(!off.out.contains("NatGateway") && off.out.contains("Private subnets (3 AZs)"))
    let invalid = slmstack(["graph", "--instance-type", "ml.nope"])
    #expect(invalid.code == .usage)
}

@Test func graphRejectsBadFormatsAndMissingGraphviz() throws {
    #expect(slmstack(["graph", "--format", "svg"]).code == .usage)
    let noOut = slmstack(["graph", "--format", "png"], environment: ["PATH": "/nonexistent"])
    #expect(noOut.code == .usage && noOut.err.contains("--out"))
    let noDot = slmstack(["graph", "--format", "png", "--out", "/tmp/never.png"], environment: ["PATH": "/nonexistent"])
    #expect(noDot.code == .usage)
    #expect(noDot.err.contains("apt-get install graphviz"))
}

@Test func graphWritesToAFile() throws {
    let folder = try temporaryFolder()
    let file = folder.appendingPathComponent("g.dot")
    let run = slmstack(["graph", "--format", "dot", "--out", file.path])
    #expect(run.code == .success && run.out.isEmpty)
    #expect(try String(contentsOf: file, encoding: .utf8).hasPrefix("digraph slmstack {"))
}

@Test func graphRendersAPNGWhenGraphvizIsInstalled() throws {
    guard GraphCommand.findExecutable("dot", path: ProcessInfo.processInfo.environment["PATH"]) != nil else { return }
    let file = try temporaryFolder().appendingPathComponent("g.png")
    let run = slmstack(["graph", "--format", "png", "--out", file.path], environment: ProcessInfo.processInfo.environment)
    #expect(run.code == .success, "\(run.err)")
    let bytes = try Data(contentsOf: file)
    #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
}

@Test func diffAgainstCoversTheGraphFolderWhenItExists() throws {
    let folder = try temporaryFolder()
    #expect(slmstack(["synth", "--out", folder.path]).code == .success)
    // Without graph/: only the template is compared.
    #expect(slmstack(["diff", "--against", folder.path]).out.contains("no drift: 1 files"))
    let graphFolder = folder.appendingPathComponent("graph")
    try FileManager.default.createDirectory(at: graphFolder, withIntermediateDirectories: true)
    let missing = slmstack(["diff", "--against", folder.path])
    #expect(missing.code == .failure)
    #expect(missing.out.contains("graph/slmstack.mmd") && missing.out.contains("slmstack graph --format mermaid --out"))
    #expect(slmstack(["graph", "--out", graphFolder.appendingPathComponent("slmstack.mmd").path]).code == .success)
    #expect(slmstack(["graph", "--format", "dot", "--out", graphFolder.appendingPathComponent("slmstack.dot").path]).code == .success)
    let same = slmstack(["diff", "--against", folder.path])
    #expect(same.code == .success && same.out.contains("no drift: 3 files"), "\(same.out)\(same.err)")
    let drift = slmstack(["diff", "--against", folder.path, "--nat-gateway", "off"])
    #expect(drift.code == .failure)
    #expect(drift.out.split(separator: "\n").contains { $0.hasPrefix("-") && $0.hasSuffix("NatGateway(\"NAT gateway\")") })
    #expect(drift.err.contains("'slmstack synth --out \(folder.path)' and 'slmstack graph --format mermaid --out"))
}

@Test func theCommittedTemplatesHaveNoDriftIncludingTheGraph() {
    let run = slmstack(["diff", "--against", root.appendingPathComponent("templates").path])
    #expect(run.code == .success, "\(run.out)\(run.err)")
}
