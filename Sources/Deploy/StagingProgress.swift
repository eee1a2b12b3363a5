import Foundation

/// The progress line of `stage-model` on stderr: bytes done of the total, percent, rate and the
/// file. On a terminal one line is rewritten in place (`\r`, erase to the end); otherwise (CI,
/// logs) a plain line per part or file.
public final class StagingProgress: @unchecked Sendable {
    private let total: Int
    private let inPlace: Bool
    private let write: @Sendable (String) -> Void
    private let started: TimeInterval
    private var done = 0
    private var lastDrawn: TimeInterval = 0
    private var drawn = false

    /// - Parameters:
    ///   - total: bytes the whole staging covers (files skipped as already staged included).
    ///   - inPlace: rewrite one line (a terminal) instead of printing lines.
    ///   - write: where the text goes (stderr), without adding newlines.
    public init(total: Int, inPlace: Bool, write: @escaping @Sendable (String) -> Void) {
        self.total = total
        self.inPlace = inPlace
        self.write = write
        started = ProcessInfo.processInfo.systemUptime
    }

    /// Counts `bytes` more as done, working on `file`.
    public func advance(_ bytes: Int, file: String) {
        done += bytes
        let now = ProcessInfo.processInfo.systemUptime
        // On a terminal, at most 10 redraws a second (and always the last one).
        if inPlace, now - lastDrawn < 0.1, done < total { return }
        lastDrawn = now
        let text = line(file: file, seconds: now - started)
        if inPlace {
            write("\r" + text + "\u{1B}[K")
            drawn = true
        } else {
            write(text + "\n")
        }
    }

    /// Ends the in-place line so that what follows starts on its own line.
    public func finish() {
        if inPlace, drawn { write("\n") }
        drawn = false
    }

    /// `staging 12.6 MB / 25.2 MB (50%) at 4.1 MB/s: model.safetensors`
    func line(file: String, seconds: TimeInterval) -> String {
        let percent = total > 0 ? Int((Double(done) / Double(total) * 100).rounded(.down)) : 100
        let rate = seconds > 0 ? Double(done) / seconds : 0
        return "staging \(Self.bytes(done)) / \(Self.bytes(total)) (\(percent)%) at \(Self.bytes(Int(rate)))/s: \(file)"
    }

    /// Decimal units, one decimal: `980 B`, `12.6 MB`, `2.2 GB`.
    public static func bytes(_ count: Int) -> String {
        let value = Double(count)
        if value < 1_000 { return "\(count) B" }
        for (limit, unit) in [(1e6, "kB"), (1e9, "MB"), (1e12, "GB")] where value < limit {
            return String(format: "%.1f", value / (limit / 1_000)) + " " + unit
        }
        return String(format: "%.1f TB", value / 1e12)
    }
}
