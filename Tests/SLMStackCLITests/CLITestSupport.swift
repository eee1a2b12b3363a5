import Foundation
@testable import SLMStackCLI

/// One in-process run of `slmstack` with captured output.
struct Run {
    var code: ExitCode
    var out: String
    var err: String
}

final class Buffer: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func append(_ more: String) { lock.lock(); text += more; lock.unlock() }
    var value: String { lock.lock(); defer { lock.unlock() }; return text }
}

/// Runs the CLI with `arguments`, capturing stdout and stderr.
func slmstack(_ arguments: String..., environment: [String: String] = [:], stdin: String = "") -> Run {
    let out = Buffer(), err = Buffer()
    let io = CommandIO(environment: environment, isInteractive: false, out: out.append, err: err.append,
                       stdin: { Data(stdin.utf8) })
    let code = SLMStack.run(arguments, io: io)
    return Run(code: code, out: out.value, err: err.value)
}

/// A fresh temporary folder.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("slmstack-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
