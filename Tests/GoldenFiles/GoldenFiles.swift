import Foundation
import SLMStackCLI
import Testing

/// Golden files with a record switch, shared by the renderers' tests: `templates/` holds the
/// committed output, and `RECORD_SNAPSHOTS=1 swift test` rewrites it.
public enum GoldenFiles {
    /// The package root, from this file's path.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Whether this run records instead of comparing.
    public static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != nil }

    /// Compares `bytes` with the committed file at `path` (relative to the package root), or writes
    /// it when recording. A mismatch is recorded as an issue with a unified diff.
    public static func expect(_ bytes: [UInt8], matches path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = packageRoot.appendingPathComponent(path)
        if recording {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
            Issue.record("recorded \(url.path); unset RECORD_SNAPSHOTS and run again", sourceLocation: sourceLocation)
            return
        }
        guard let committed = FileManager.default.contents(atPath: url.path) else {
            Issue.record("\(path) is missing: RECORD_SNAPSHOTS=1 swift test writes it", sourceLocation: sourceLocation)
            return
        }
        guard Array(committed) != bytes else { return }
        let old = String(validating: Array(committed), as: UTF8.self), new = String(validating: bytes, as: UTF8.self)
        let diff = old.flatMap { old in new.map { UnifiedDiff.diff(old, $0, oldName: path, newName: "synthesized") } } ?? "(binary file differs)"
        Issue.record("\(path) differs from what the model renders now (RECORD_SNAPSHOTS=1 swift test rewrites it):\n\(String(diff.prefix(20_000)))",
                     sourceLocation: sourceLocation)
    }

    /// The same for text.
    public static func expect(_ text: String, matches path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expect(Array(text.utf8), matches: path, sourceLocation: sourceLocation)
    }
}
