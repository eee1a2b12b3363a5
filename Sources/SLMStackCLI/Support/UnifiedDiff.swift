/// Line diffs in the unified format (`diff -u`), for drift checks and golden-file failures.
public enum UnifiedDiff {
    enum Edit: Equatable { case keep(String), delete(String), insert(String) }

    /// The unified diff from `old` to `new`, or an empty string when they are equal.
    ///
    /// - Parameters:
    ///   - oldName: the heading for the old side (`--- oldName`).
    ///   - newName: the heading for the new side (`+++ newName`).
    ///   - context: unchanged lines shown around each change.
    public static func diff(_ old: String, _ new: String, oldName: String, newName: String, context: Int = 3) -> String {
        if old == new { return "" }
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let edits = editScript(a, b)
        var out = "--- \(oldName)\n+++ \(newName)\n"
        // Group edits into hunks with `context` lines around changes.
        var index = 0
        var oldLine = 1, newLine = 1
        var positions: [(Edit, Int, Int)] = []
        for edit in edits {
            positions.append((edit, oldLine, newLine))
            switch edit {
            case .keep: oldLine += 1; newLine += 1
            case .delete: oldLine += 1
            case .insert: newLine += 1
            }
        }
        while index < positions.count {
            guard let firstChange = positions[index...].firstIndex(where: { if case .keep = $0.0 { false } else { true } }) else { break }
            let start = max(index, firstChange - context)
            var end = firstChange
            var lastChange = firstChange
            while end < positions.count {
                if case .keep = positions[end].0 {
                    if end - lastChange > 2 * context { break }
                } else {
                    lastChange = end
                }
                end += 1
            }
            let stop = min(positions.count, lastChange + context + 1)
            let hunk = positions[start..<stop]
            let oldCount = hunk.filter { if case .insert = $0.0 { false } else { true } }.count
            let newCount = hunk.filter { if case .delete = $0.0 { false } else { true } }.count
            let oldStart = oldCount == 0 ? hunk.first!.1 - 1 : hunk.first!.1
            let newStart = newCount == 0 ? hunk.first!.2 - 1 : hunk.first!.2
            out += "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@\n"
            for (edit, _, _) in hunk {
                switch edit {
                case .keep(let line): out += " \(line)\n"
                case .delete(let line): out += "-\(line)\n"
                case .insert(let line): out += "+\(line)\n"
                }
            }
            index = stop
        }
        return out
    }

    /// The shortest edit script by LCS over the lines between the common prefix and suffix.
    static func editScript(_ a: [String], _ b: [String]) -> [Edit] {
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let middleA = Array(a[prefix..<(a.count - suffix)])
        let middleB = Array(b[prefix..<(b.count - suffix)])
        let n = middleA.count, m = middleB.count
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        if n > 0, m > 0 {
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    lengths[i][j] = middleA[i] == middleB[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
                }
            }
        }
        var edits = a[..<prefix].map { Edit.keep($0) }
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, middleA[i] == middleB[j] {
                edits.append(.keep(middleA[i])); i += 1; j += 1
            } else if i < n, j == m || lengths[i + 1][j] >= lengths[i][j + 1] {
                edits.append(.delete(middleA[i])); i += 1
            } else {
                edits.append(.insert(middleB[j])); j += 1
            }
        }
        edits += a[(a.count - suffix)...].map { Edit.keep($0) }
        return edits
    }
}
