import Foundation
import Testing
@testable import SigV4

/// Our signer against botocore (`Tests/Fixtures/sigv4-suite/oracle.py`, run by the test venv's Python)
/// over generated requests, all sent to the oracle in one batch call.
@Suite("Differential test against botocore", .enabled(if: Oracle.available, "the test venv's Python with botocore is missing (make venv)"))
struct DifferentialTests {
    static let count = 1_200

    @Test func generatedRequestsAgreeWithBotocore() throws {
        var generator = SplitMix64(seed: 0x5167_4a33)
        let cases = (0..<Self.count).map { _ in GeneratedCase.make(using: &generator) }
        let answers = try Oracle.run(cases.map(\.oracleInput))
        try #require(answers.count == cases.count)
        var mismatches: [String] = []
        var covered = Coverage()
        for (generated, answer) in zip(cases, answers) {
            covered.note(generated)
            if let error = answer["error"] as? String {
                mismatches.append("\(generated.url): oracle error \(error)")
                continue
            }
            let ours = try generated.sign()
            var problems: [String] = []
            if ours.canonicalRequest != answer["canonical_request"] as? String {
                problems.append("canonical request\n  ours:\n\(ours.canonicalRequest)\n  botocore:\n\(answer["canonical_request"] ?? "-")")
            }
            if ours.stringToSign != answer["string_to_sign"] as? String { problems.append("string to sign") }
            if ours.signature != answer["signature"] as? String { problems.append("signature") }
            if generated.query {
                let theirs = (answer["url"] as? String) ?? ""
                func split(_ url: String) -> (Substring, [String]) {
                    let parts = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
                    return (parts[0], decodedQuery(parts.count > 1 ? parts[1] : ""))
                }
                let (ourBase, ourQuery) = split(ours.url), (theirBase, theirQuery) = split(theirs)
                if ourBase != theirBase || ourQuery != theirQuery { problems.append("presigned url\n  ours: \(ours.url)\n  botocore: \(theirs)") }
            } else {
                if ours.authorization != answer["authorization"] as? String { problems.append("authorization") }
                let theirHeaders = ((answer["headers"] as? [[String]]) ?? []).map { $0[0].lowercased() + ":" + $0[1] }.sorted()
                let ourHeaders = ours.headers.map { $0.name.lowercased() + ":" + $0.value }.sorted()
                if theirHeaders != ourHeaders { problems.append("headers\n  ours: \(ourHeaders)\n  botocore: \(theirHeaders)") }
            }
            if !problems.isEmpty {
                mismatches.append("\(generated.method) \(generated.url) [\(generated.query ? "query" : "header")\(generated.s3 ? ", s3" : "")]: " + problems.joined(separator: "; "))
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ from botocore; first: \(mismatches.prefix(3).joined(separator: "\n\n"))")
        // The generator must really have produced the interesting shapes.
        #expect(covered.missing.isEmpty, "generator never produced: \(covered.missing)")
        print("differential: \(cases.count) requests, \(mismatches.count) mismatches; coverage \(covered.summary)")
    }
}

/// Runs `oracle.py` once with a JSON array.
enum Oracle {
    static let script = SuiteFiles.suiteRoot.appendingPathComponent("oracle.py")

    /// The Python with botocore: the test venv's (`make venv` makes `.build/test-venv`), or
    /// `SLMSTACK_TEST_PYTHON`, else `python3` on PATH.
    static let python: [String] = {
        if let chosen = ProcessInfo.processInfo.environment["SLMSTACK_TEST_PYTHON"], !chosen.isEmpty { return [chosen] }
        let venv = SuiteFiles.packageRoot.appendingPathComponent(".build/test-venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? [venv] : ["/usr/bin/env", "python3"]
    }()

    static var available: Bool {
        guard FileManager.default.fileExists(atPath: script.path) else {
            print("SKIPPED: differential test: \(script.path) not found (it is part of the repository: is the checkout complete?)")
            return false
        }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python[0])
        probe.arguments = Array(python.dropFirst()) + ["-c", "import botocore"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        do { try probe.run() } catch {
            print("SKIPPED: differential test: \(python.joined(separator: " ")) cannot be run (make venv creates .build/test-venv)")
            return false
        }
        probe.waitUntilExit()
        if probe.terminationStatus != 0 { print("SKIPPED: differential test: \(python.joined(separator: " ")) cannot import botocore (make venv creates .build/test-venv with it)") }
        return probe.terminationStatus == 0
    }

    static func run(_ inputs: [[String: Any]]) throws -> [[String: Any]] {
        let input = try JSONSerialization.data(withJSONObject: inputs)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sigv4-oracle-\(UUID().uuidString).json")
        try input.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python[0])
        process.arguments = Array(python.dropFirst()) + [script.path]
        process.standardInput = try FileHandle(forReadingFrom: file)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let parsed = try JSONSerialization.jsonObject(with: data)
        return parsed as? [[String: Any]] ?? []
    }
}

/// One generated request and how to sign it both ways.
struct GeneratedCase {
    var method: String
    var url: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    var region: String
    var service: String
    var accessKey: String
    var secretKey: String
    var token: String?
    var timestamp: String
    var query: Bool
    var expires: Int
    var s3: Bool
    var unsigned: Bool

    var oracleInput: [String: Any] {
        var input: [String: Any] = [
            "method": method, "url": url, "headers": headers.map { [$0.name, $0.value] },
            "body_base64": Data(body).base64EncodedString(), "region": region, "service": service,
            "access_key": accessKey, "secret_key": secretKey, "timestamp": timestamp,
            "mode": query ? "query" : "header", "s3": s3, "unsigned_payload": unsigned, "expires": expires,
        ]
        if let token { input["session_token"] = token }
        return input
    }

    func sign() throws -> SigV4Result {
        try SigV4Signer(credentials: SigV4Credentials(accessKeyID: accessKey, secretAccessKey: secretKey, sessionToken: token))
            .sign(SigV4Request(method: method, url: url, headers: headers, body: body), region: region, service: service,
                  time: try SigningTime(parsing: timestamp), mode: query ? .query(expires: expires) : .header,
                  options: SigV4Options(s3: s3, unsignedPayload: unsigned))
    }

    // Building blocks: unreserved, reserved and unicode characters, spaces, dots, encoded bytes.
    static let pathPieces = ["a", "Z9", "-_.~", "sp ace", "ሴ", "é", "😀", "!$&'()*+,;=:@", "%20", "%2F", "%41", "%e1%88%b4",
                             ".", "..", "", "x.y", "100%", "[]", "{}", "|", "^`"]
    static let queryPieces = ["a", "B", "Param", "param", "Param-3", "ሴ", "é", "😀", "x y", "+", "=", "/", "?", "&", "#",
                              "%", "~-._", "", "v1", "a=b", "\"q\"", "<>", ",;:@!$'()*"]
    static let headerNames = ["My-Header1", "my-header1", "X-Amz-Meta-Color", "x-amz-meta-color", "Content-Type", "x-custom",
                              "X-Amz-Target", "ZZ-Last", "a-first", "User-Agent", "Expect", "X-Amzn-Trace-Id", "Content-Length"]
    static let headerValues = ["value1", "  padded  ", "a   b\t\tc", "\tTabbed\t", "\"quoted   value\"", "", "   ", "UPPER lower",
                               "application/x-amz-json-1.1", "SageMaker.ListEndpoints", "1,2,3", "k=v; q=0.5", "12"]
    static let services = ["service", "iam", "cloudformation", "sagemaker", "execute-api", "apigateway", "sts", "s3", "s3"]
    static let hosts = ["example.amazonaws.com", "Example.AmazonAWS.com", "127.0.0.1:4566", "localhost:443", "api.sagemaker.eu-west-1.amazonaws.com"]

    static func make(using g: inout SplitMix64) -> GeneratedCase {
        func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &g)] }
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &g) < p }
        let service = pick(services)
        let s3 = service == "s3"
        let query = chance(0.35)
        let scheme = chance(0.8) ? "https" : "http"
        var host = pick(hosts)
        if scheme == "http" && host == "localhost:443" { host = "localhost:80" }

        // Path: S3 gets a key encoded once (its wire form); others get raw or encoded pieces and dot segments.
        var path = ""
        for _ in 0..<Int.random(in: 0...4, using: &g) {
            var segment = pick(pathPieces)
            if s3 { segment = URIEncoding.encode(String(decoding: URIEncoding.decode(Array(segment.utf8)), as: UTF8.self)) }
            path += "/" + segment
        }
        if path.isEmpty || chance(0.3) { path += "/" }

        // Query: raw or percent-encoded names and values, empty values, missing "=", repeated names
        // (header mode only: botocore's presigner keeps only the last of a repeated name).
        var pairs: [String] = []
        var names: Set<String> = []
        for _ in 0..<(chance(0.4) ? 0 : Int.random(in: 1...5, using: &g)) {
            var name = pick(queryPieces)
            if query && names.contains(name) { continue }
            if name.isEmpty && chance(0.5) { name = "k" }
            names.insert(name)
            let value = pick(queryPieces)
            func wire(_ text: String) -> String {
                let safeRaw = !text.contains(where: { "&=#%+?".contains($0) })
                return safeRaw && chance(0.4) ? text : URIEncoding.encode(text)
            }
            switch Int.random(in: 0..<6, using: &g) {
            case 0: pairs.append(wire(name))
            case 1: pairs.append(wire(name) + "=")
            default: pairs.append(wire(name) + "=" + wire(value))
            }
            if !query && chance(0.15) { pairs.append(wire(name) + "=" + wire(pick(queryPieces))) }
        }
        let url = "\(scheme)://\(host)\(path)" + (pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&"))

        var headers: [(name: String, value: String)] = []
        for _ in 0..<Int.random(in: 0...4, using: &g) {
            let name = pick(headerNames)
            var value = pick(headerValues)
            // Known quirk 1: botocore's presigner drops exactly this content type; see SuiteQuirkTests.
            if query && name == "Content-Type" && value.hasPrefix("application/x-www-form-urlencoded; charset=utf-8") { value = "text/plain" }
            headers.append((name, value))
        }
        if chance(0.2) { headers.append(("Content-Type", query ? "application/json" : "application/x-www-form-urlencoded; charset=utf-8")) }

        var body: [UInt8] = []
        switch Int.random(in: 0..<4, using: &g) {
        case 0: body = []
        case 1: body = Array("Action=ListStacks&Version=2010-05-15&NextToken=a%2Bb+c".utf8)
        case 2: body = Array("{\"EndpointName\":\"slm-é\",\"n\":[1,2]}".utf8)
        default: body = (0..<Int.random(in: 1...300, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
        }
        let token: String? = chance(0.3) ? "FQoG/+tok=" + String(UInt64.random(in: 0...UInt64.max, using: &g), radix: 36) : nil
        let seconds = Int64.random(in: 946_684_800...2_082_758_399, using: &g)
        return GeneratedCase(
            method: pick(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]), url: url, headers: headers, body: body,
            region: pick(["us-east-1", "eu-west-1", "ap-southeast-2"]), service: service,
            accessKey: "AKID" + String(UInt32.random(in: 0...UInt32.max, using: &g), radix: 16).uppercased(),
            secretKey: "s3cr/t+" + String(UInt64.random(in: 0...UInt64.max, using: &g), radix: 36),
            token: token, timestamp: SigningTime(secondsSince1970: seconds).amzDate, query: query,
            expires: Int.random(in: 1...604_800, using: &g), s3: s3, unsigned: chance(0.2))
    }
}

/// Counts the shapes the generator produced, so a weakened generator fails the test.
struct Coverage {
    var counts: [String: Int] = [:]
    mutating func note(_ c: GeneratedCase) {
        func add(_ key: String, _ condition: Bool) { if condition { counts[key, default: 0] += 1 } }
        let query = c.url.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let path = String(c.url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0].drop { $0 != "/" }.dropFirst(2))
        let names = query.split(separator: "&").map { $0.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0] }
        add("s3", c.s3); add("non-s3", !c.s3); add("query mode", c.query); add("header mode", !c.query)
        add("session token", c.token != nil); add("unsigned payload", c.unsigned)
        add("empty body", c.body.isEmpty); add("binary body", c.body.contains { $0 >= 0x80 } && String(validating: c.body, as: UTF8.self) == nil)
        add("unicode path", path.unicodeScalars.contains { $0.value > 0x7f }); add("encoded path", path.contains("%"))
        add("dot segments", path.contains("/../") || path.contains("/./")); add("reserved chars in path", path.contains("!$&"))
        add("unicode query", query.unicodeScalars.contains { $0.value > 0x7f }); add("empty query value", query.split(separator: "&").contains { $0.hasSuffix("=") || !$0.contains("=") })
        add("repeated query key", Set(names).count < names.count)
        add("repeated header", Set(c.headers.map { $0.name.lowercased() }).count < c.headers.count)
        add("header whitespace", c.headers.contains { $0.value.contains("  ") || $0.value.contains("\t") })
    }
    var missing: [String] {
        ["s3", "non-s3", "query mode", "header mode", "session token", "unsigned payload", "empty body", "binary body",
         "unicode path", "encoded path", "dot segments", "reserved chars in path", "unicode query", "empty query value",
         "repeated query key", "repeated header", "header whitespace"].filter { (counts[$0] ?? 0) < 5 }
    }
    var summary: String { counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") }
}
