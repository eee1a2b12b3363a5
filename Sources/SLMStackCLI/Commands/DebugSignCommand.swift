import AWSClient
import Foundation
import StackModel
import SigV4

/// `slmstack debug sign`: shows each SigV4 stage for a request described on stdin.
struct DebugSignCommand: SubCommand {
    static let name = "debug sign"
    static let abstract = "Show the SigV4 canonical request, string to sign and signature for a request (JSON on stdin)."
    static let discussion = """
        Reads one JSON object on stdin with the fields of Tests/Fixtures/sigv4-suite/oracle.py:
          method, url, headers ({"Name": "value"} or [["Name", "value"], ...]), body_base64,
          region, service (the signing name), access_key, secret_key, session_token,
          timestamp (YYYYMMDDTHHMMSSZ; default now), mode (header | query), expires (query mode,
          default 3600), s3, unsigned_payload, and the oracle's normalize_path,
          content_sha256_header and omit_session_token.
        Prints JSON with sorted keys: canonical_request, string_to_sign, signature, signed_headers,
        credential_scope, payload_hash, and authorization (header mode) or url (query mode).
        The secret key is never printed. A session token appears only where SigV4 puts it: in the
        canonical request (it is signed) and in a presigned URL. Compare the canonical request with the
        one in a SignatureDoesNotMatch message to find what differs.
        """
    static let options: [OptionSpec] = []

    let input: Data

    init(arguments: ParsedArguments, io: CommandIO) throws {
        input = io.readStdin()
    }

    func run(io: CommandIO) throws -> ExitCode {
        let description: JSONValue
        do {
            description = try JSONValue.parse(input)
        } catch {
            throw CLIError.usage("stdin: expected one JSON object describing the request (see --help): \(error)")
        }
        let job = try SignJob(description)
        let result: SigV4Result
        do {
            result = try job.sign()
        } catch let error as SigV4Error {
            throw CLIError.usage("\(error)")
        }
        var output: [String: JSONValue] = [
            "canonical_request": .string(result.canonicalRequest),
            "string_to_sign": .string(result.stringToSign),
            "signature": .string(result.signature),
            "signed_headers": .string(result.signedHeaders),
            "credential_scope": .string(result.credentialScope),
            "payload_hash": .string(result.payloadHash),
        ]
        if let authorization = result.authorization {
            output["authorization"] = .string(authorization)
        } else {
            output["url"] = .string(result.url)
        }
        io.write(JSONValue.object(output).pretty())
        return .success
    }
}

/// A request description from `debug sign`'s stdin, validated.
struct SignJob {
    var request: SigV4Request
    var credentials: SigV4Credentials
    var region: String
    var service: String
    var time: SigningTime
    var mode: SigV4Mode
    var options: SigV4Options

    init(_ json: JSONValue, now: Date = Date()) throws {
        guard case .object(let fields) = json else { throw CLIError.usage("stdin: expected a JSON object, got \(json)") }
        let known: Set<String> = ["method", "url", "headers", "body_base64", "region", "service", "access_key", "secret_key",
                                  "session_token", "timestamp", "mode", "expires", "s3", "unsigned_payload", "normalize_path",
                                  "content_sha256_header", "omit_session_token", "query_handling", "body_to_query"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            let hint = Suggest.closest(to: unknown, in: Array(known)).map { ": did you mean \"\($0)\"?" } ?? ""
            throw CLIError.usage("stdin: unknown field \"\(unknown)\"\(hint)")
        }
        func string(_ key: String, required: Bool = true) throws -> String? {
            guard let value = fields[key], value != .null else {
                if required { throw CLIError.usage("stdin: missing field \"\(key)\" (a string)") }
                return nil
            }
            guard let text = value.string else { throw CLIError.usage("stdin: field \"\(key)\" must be a string, got \(value)") }
            return text
        }
        func bool(_ key: String) throws -> Bool? {
            guard let value = fields[key], value != .null else { return nil }
            guard let flag = value.bool else { throw CLIError.usage("stdin: field \"\(key)\" must be true or false, got \(value)") }
            return flag
        }
        if let handling = try string("query_handling", required: false), handling != "reencode" {
            throw CLIError.usage("stdin: query_handling \"\(handling)\" is not supported: slmstack always decodes and re-encodes the query (\"reencode\")")
        }
        if try bool("body_to_query") == true {
            throw CLIError.usage("stdin: body_to_query is not supported: the body stays the body")
        }
        var headers: [(name: String, value: String)] = []
        switch fields["headers"] {
        case nil, .null?: break
        case .object(let members)?:
            for key in members.keys.sorted() {
                guard let value = members[key]?.string else { throw CLIError.usage("stdin: header \"\(key)\" must have a string value") }
                headers.append((key, value))
            }
        case .array(let items)?:
            for item in items {
                guard let pair = item.array, pair.count == 2, let name = pair[0].string, let value = pair[1].string else {
                    throw CLIError.usage("stdin: \"headers\" as a list must hold [name, value] pairs of strings, got \(item)")
                }
                headers.append((name, value))
            }
        case let other?:
            throw CLIError.usage("stdin: \"headers\" must be an object or a list of [name, value] pairs, got \(other)")
        }
        var body: [UInt8] = []
        if let encoded = try string("body_base64", required: false), !encoded.isEmpty {
            guard let data = Data(base64Encoded: encoded) else { throw CLIError.usage("stdin: body_base64 is not valid base64") }
            body = Array(data)
        }
        request = SigV4Request(method: try string("method", required: false) ?? "GET", url: try string("url")!, headers: headers, body: body)
        credentials = SigV4Credentials(accessKeyID: try string("access_key")!, secretAccessKey: try string("secret_key")!,
                                       sessionToken: try string("session_token", required: false))
        region = try string("region")!
        service = try string("service")!
        if let timestamp = try string("timestamp", required: false) {
            do { time = try SigningTime(parsing: timestamp) } catch { throw CLIError.usage("stdin: timestamp: \(error)") }
        } else {
            time = SigningTime(now)
        }
        switch try string("mode", required: false) ?? "header" {
        case "header": mode = .header
        case "query":
            let expires = fields["expires"].flatMap(\.int) ?? (fields["expires"]?.string).flatMap { Int($0) } ?? 3600
            guard (1...604_800).contains(expires) else { throw CLIError.usage("stdin: expires must be 1 to 604800 seconds, got \(expires)") }
            mode = .query(expires: expires)
        case let other: throw CLIError.usage("stdin: mode must be \"header\" or \"query\", got \"\(other)\"")
        }
        options = SigV4Options(s3: try bool("s3") ?? false, normalizePath: try bool("normalize_path") ?? true,
                               unsignedPayload: try bool("unsigned_payload") ?? false,
                               addContentSHA256Header: try bool("content_sha256_header") ?? false,
                               omitSessionToken: try bool("omit_session_token") ?? false)
    }

    func sign() throws -> SigV4Result {
        try SigV4Signer(credentials: credentials).sign(request, region: region, service: service, time: time, mode: mode, options: options)
    }
}
