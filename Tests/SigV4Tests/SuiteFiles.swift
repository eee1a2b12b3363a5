import Foundation
import Testing
import SigV4

/// Reads the published SigV4 test suites vendored under `Tests/Fixtures/sigv4-suite` (aws-c-auth's and
/// botocore's cases, Apache-2.0, with their LICENSE and NOTICE files; provenance in its README.md).
enum SuiteFiles {
    /// The package root: `Tests/SigV4Tests/SuiteFiles.swift` is three levels below it.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let suiteRoot: URL = packageRoot.appendingPathComponent("Tests/Fixtures/sigv4-suite")

    static var available: Bool {
        let ok = FileManager.default.fileExists(atPath: suiteRoot.appendingPathComponent("aws-c-auth/v4").path)
            && FileManager.default.fileExists(atPath: suiteRoot.appendingPathComponent("botocore/aws4_testsuite").path)
        if !ok { reportSkip }
        return ok
    }

    private static let reportSkip: Void = {
        print("SKIPPED: SigV4 suite not found at \(suiteRoot.path) (it is part of the repository: is the checkout complete?); the suite and differential tests did not run")
    }()

    static let accessKey = "AKIDEXAMPLE"
    static let secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

    static func text(_ url: URL) throws -> String {
        try String(decoding: Data(contentsOf: url), as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// The aws-c-auth case names (folders with a `context.json`), or none when the suite is missing.
    static var cAuthCases: [String] {
        let root = suiteRoot.appendingPathComponent("aws-c-auth/v4")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/context.json").path) }.sorted()
    }

    /// The botocore cases as paths relative to `aws4_testsuite`, without the extension.
    static var botocoreCases: [String] {
        let root = suiteRoot.appendingPathComponent("botocore/aws4_testsuite")
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var cases: [String] = []
        while let path = walker.nextObject() as? String {
            if path.hasSuffix(".req") { cases.append(String(path.dropLast(4))) }
        }
        return cases.sorted()
    }
}

/// A raw request from the suites: `METHOD target HTTP/1.1`, `Name:value` lines (a line starting
/// with whitespace continues the previous value), a blank line, the body.
struct RawRequest {
    var method: String
    var target: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(_ text: String) {
        let head: Substring, body: Substring
        if let split = text.range(of: "\n\n") {
            head = text[..<split.lowerBound]
            body = text[split.upperBound...]
        } else {
            head = Substring(text)
            body = ""
        }
        let lines = head.split(separator: "\n", omittingEmptySubsequences: false)
        let requestLine = lines[0]
        let space = requestLine.firstIndex(of: " ")!
        method = String(requestLine[..<space])
        var rest = requestLine[requestLine.index(after: space)...]
        if rest.hasSuffix(" HTTP/1.1") { rest = rest.dropLast(" HTTP/1.1".count) }
        target = String(rest)
        headers = []
        for line in lines.dropFirst() where !line.isEmpty {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line // obs-fold: trim-all squeezes it
                continue
            }
            let colon = line.firstIndex(of: ":")!
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        self.body = Array(body.utf8)
    }

    var host: String {
        headers.first { $0.name.lowercased() == "host" }!.value.trimmingCharacters(in: .whitespaces)
    }

    var url: String { "https://\(host)\(target)" }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Decoded query parameters as a sorted list, for order-insensitive comparison.
func decodedQuery(_ query: Substring) -> [String] {
    query.split(separator: "&").map { part -> String in
        let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(decoding: URIEncoding.decode(Array(pieces[0].utf8)), as: UTF8.self)
        let value = pieces.count > 1 ? String(decoding: URIEncoding.decode(Array(pieces[1].utf8)), as: UTF8.self) : ""
        return name + "=" + value
    }.sorted()
}
