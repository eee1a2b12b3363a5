import Deploy
import Foundation

/// The deployer's console over the CLI's streams: live redraws and prompts on a terminal, plain
/// lines in CI.
final class CLIConsole: DeployConsole, @unchecked Sendable {
    let io: CommandIO
    private let lock = NSLock()
    private var liveLines = 0

    init(io: CommandIO) { self.io = io }

    var isInteractive: Bool { io.isInteractive }

    func say(_ line: String) { io.line(line) }

    func warn(_ line: String) { io.note("warning: \(line)") }

    func confirm(_ question: String) -> Bool? {
        guard io.isInteractive else { return nil }
        io.write("\(question) [y/N] ")
        guard let answer = io.ask() else { return false }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }

    func redraw(_ lines: [String]) {
        lock.lock()
        defer { lock.unlock() }
        // Move to the start of the block drawn last, clear to the end of the screen, draw again.
        var text = liveLines > 0 ? "\u{1B}[\(liveLines)F\u{1B}[J" : ""
        text += lines.joined(separator: "\n") + "\n"
        liveLines = lines.count
        io.write(text)
    }

    func endLive() {
        lock.lock()
        liveLines = 0
        lock.unlock()
    }
}
