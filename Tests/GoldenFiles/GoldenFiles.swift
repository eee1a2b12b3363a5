import Foundation
import SLMStackCLI

/// Golden files with a record switch, shared by the renderers' tests: `templates/` holds the
/// committed output, and `RECORD_SNAPSHOTS=1 swift test` rewrites it.
///
/// A plain library (no `import Testing`), so `swift build -c release` builds it too: it returns what
/// is wrong, and the test records it.
public enum GoldenFiles {
    /// The package root, from this file's path.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Whether this run records instead of comparing.
    public static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != nil }

    /// Compares `bytes` with the committed file at `path` (relative to the package root), or writes
    /// it when recording.
    ///
    /// - Returns: nil when they match; otherwise what to report: a unified diff, a missing file, or
    ///   that the file was recorded (a recording run is never green).
    public static func check(_ bytes: [UInt8], matches path: String) throws -> String? {
        let url = packageRoot.appendingPathComponent(path)
        if recording {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
            return "recorded \(url.path); unset RECORD_SNAPSHOTS and run again"
        }
        guard let committed = FileManager.default.contents(atPath: url.path) else {
            return "\(path) is missing: RECORD_SNAPSHOTS=1 swift test writes it"
        }
        guard Array(committed) != bytes else { return nil }
        let old = String(validating: Array(committed), as: UTF8.self), new = String(validating: bytes, as: UTF8.self)
        let diff = old.flatMap { old in new.map { UnifiedDiff.diff(old, $0, oldName: path, newName: "synthesized") } } ?? "(binary file differs)"
        return "\(path) differs from what the model renders now (RECORD_SNAPSHOTS=1 swift test rewrites it):\n\(String(diff.prefix(20_000)))"
    }

    /// The same for text.
    public static func check(_ text: String, matches path: String) throws -> String? {
        try check(Array(text.utf8), matches: path)
    }
}
