import Foundation

/// The document a 2xx answer must be before the client believes it. A captive portal, a corporate
/// proxy or a misrouted endpoint answers 200 with a page of its own; read as an AWS answer, a page
/// without `<Stacks>` would say "no stack".
public enum ResponseShape: Sendable, Equatable {
    /// Anything (raw bodies: SageMaker Runtime InvokeEndpoint, S3 GetObject).
    case any
    /// The query protocol's `<{Operation}Response>` XML document (CloudFormation, STS, IAM, EC2, CloudWatch).
    case queryXML
    /// The JSON protocols: a JSON object. An empty body is not one: read as `{}` it would say
    /// "nothing set" (apigateway GetAccount: no CloudWatch role).
    case json
    /// The JSON protocols, for an operation AWS documents as having no output (its model has no
    /// `output` shape, e.g. SageMaker DeleteEndpoint): a JSON object or an empty body.
    case jsonOrEmpty
    /// REST-XML (S3): empty, or an XML document that is not an HTML page.
    case restXML

    /// What is wrong with a 2xx answer, or nil when it has the promised shape.
    public func problem(in response: HTTPResponse, operation: String) -> String? {
        let body = response.body
        let blank = !body.contains { ![0x20, 0x0a, 0x0d, 0x09].contains($0) }
        // The body decides, not Content-Type: some services (and the local AWS) label JSON text/html.
        switch self {
        case .any:
            return nil
        case .queryXML:
            let root = try? XMLNode.parse(body)
            if root?.name == operation + "Response" { return nil }
            return "\(ResponseText.summary(response)) is not the <\(operation)Response> document the query protocol promises"
                + (root.map { " (its root element is <\($0.name)>)" } ?? "")
        case .json, .jsonOrEmpty:
            if blank {
                return self == .jsonOrEmpty ? nil
                    : "\(ResponseText.summary(response)) is empty, not the JSON object \(operation) answers with"
            }
            if case .object? = try? JSONValue.parse(body) { return nil }
            return "\(ResponseText.summary(response)) is not the JSON object the protocol promises"
        case .restXML:
            if blank { return nil }
            if let root = try? XMLNode.parse(body), root.name.lowercased() != "html" { return nil }
            return "\(ResponseText.summary(response)) is not an S3 XML document"
        }
    }
}

/// Short, safe renderings of bodies that are not AWS documents, for error messages.
public enum ResponseText {
    /// At most `limit` characters of one line of `body`: an HTML page's `<title>`, else the text
    /// with tags removed; whitespace collapsed, control characters dropped. Empty for no text.
    public static func line(_ body: Data, limit: Int = 80) -> String {
        var text = String(decoding: body.prefix(8192), as: UTF8.self)
        if let open = text.range(of: "<title", options: .caseInsensitive),
           let openEnd = text.range(of: ">", range: open.upperBound..<text.endIndex),
           let close = text.range(of: "</title", options: .caseInsensitive, range: openEnd.upperBound..<text.endIndex) {
            text = String(text[openEnd.upperBound..<close.lowerBound])
        } else {
            text = text.replacingOccurrences(of: "<[^>]*>?", with: " ", options: .regularExpression)
        }
        for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&nbsp;", " "), ("&amp;", "&")] {
            text = text.replacingOccurrences(of: entity, with: character)
        }
        let scalars = text.unicodeScalars.map { scalar -> Character in
            scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
                || scalar.properties.generalCategory == .lineSeparator || scalar.properties.generalCategory == .paragraphSeparator
                ? " " : Character(scalar)
        }
        let words = String(scalars).split(whereSeparator: { $0.isWhitespace })
        let joined = words.joined(separator: " ")
        return joined.count > limit ? String(joined.prefix(limit - 1)) + "…" : joined
    }

    /// `HTTP 200 (text/html, 1234 bytes: "Sign in to the network")`. Only a page or plain text is
    /// quoted: a JSON or XML document may carry secrets (an API key's value, credentials).
    public static func summary(_ response: HTTPResponse) -> String {
        let type = response.headers["content-type"].map { ResponseText.line(Data($0.utf8), limit: 40) } ?? "no content type"
        let text = quotable(response.body) ? line(response.body) : ""
        return "HTTP \(response.status) (\(type), \(response.body.count) bytes\(text.isEmpty ? "" : ": \"\(text)\""))"
    }

    /// Whether a body is an HTML page or plain text, not a JSON or XML document.
    public static func quotable(_ body: Data) -> Bool {
        guard let first = body.first(where: { ![0x20, 0x0a, 0x0d, 0x09].contains($0) }) else { return false }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") { return false }
        if first == UInt8(ascii: "<") {
            let head = String(decoding: body.prefix(512), as: UTF8.self).lowercased()
            return head.contains("<html") || head.contains("<!doctype html")
        }
        return true
    }
}

extension AWSClient {
    /// Reads the error code, message and request id from an XML or JSON body and the headers. A
    /// body that is not an AWS error document is quoted as one short sanitized line; a redirect
    /// names where it pointed (it is never followed).
    public static func parseError(_ response: HTTPResponse, operation: String) -> AWSError {
        var code: String?
        var message: String?
        var requestID = response.headers["x-amzn-requestid"] ?? response.headers["x-amz-request-id"] ?? response.headers["x-amzn-request-id"]
        let body = response.body
        let firstByte = body.first { ![0x20, 0x0a, 0x0d, 0x09].contains($0) }
        if firstByte == UInt8(ascii: "<"), let root = try? XMLNode.parse(body), root.name.lowercased() != "html" {
            code = root.first(named: "Code")?.text ?? (root.name == "Code" ? root.text : nil)
            message = root.first(named: "Message")?.text ?? root.first(named: "message")?.text
            requestID = requestID ?? root.first(named: "RequestId")?.text ?? root.first(named: "RequestID")?.text
        } else if firstByte == UInt8(ascii: "{"), let json = try? JSONValue.parse(body) {
            code = (json["__type"] ?? json["code"] ?? json["Code"])?.string
            message = (json["message"] ?? json["Message"] ?? json["errorMessage"])?.string
        }
        if let header = response.headers["x-amzn-errortype"], !header.isEmpty {
            code = code ?? header
        }
        var cleaned = code.map { ResponseText.line(Data($0.utf8), limit: 80) } ?? "HTTP\(response.status)"
        if let hash = cleaned.lastIndex(of: "#") { cleaned = String(cleaned[cleaned.index(after: hash)...]) }
        if let colon = cleaned.firstIndex(of: ":") { cleaned = String(cleaned[..<colon]) }
        if cleaned.isEmpty { cleaned = "HTTP\(response.status)" }
        if message == nil, code == nil, !body.isEmpty {
            let type = response.headers["content-type"].map { ResponseText.line(Data($0.utf8), limit: 40) } ?? "no content type"
            let line = ResponseText.quotable(body) ? ResponseText.line(body) : ""
            message = "not an AWS error document (\(type), \(body.count) bytes)" + (line.isEmpty ? "" : ": \"\(line)\"")
        }
        if (300..<400).contains(response.status) {
            let target = response.headers["location"].map { EndpointPolicy.host(of: $0) ?? ResponseText.line(Data($0.utf8), limit: 60) } ?? "no Location"
            let note = "redirected to \(target), not followed: AWS APIs do not redirect, and signed requests are never sent on to another host; check --endpoint-url, AWS_ENDPOINT_URL and any proxy"
            message = message.map { "\(note); \($0)" } ?? note
        }
        return AWSError(code: cleaned, message: message ?? "", requestID: requestID, httpStatus: response.status, operation: operation)
    }
}

extension XMLNode {
    /// The element reached by following child names, or `AWSClientError.invalidResponse` naming the
    /// path: for elements AWS always sends, whose absence means the answer is not AWS's.
    public func require(_ path: String..., operation: String) throws -> XMLNode {
        var node: XMLNode = self
        for name in path {
            guard let next = node.child(name) else {
                throw AWSClientError.invalidResponse(operation: operation, reason: "no \(([self.name] + path).joined(separator: "/")) in the answer")
            }
            node = next
        }
        return node
    }
}

extension JSONValue {
    /// The member `key`, or `AWSClientError.invalidResponse` naming it: for members AWS always sends.
    public func require(_ key: String, operation: String) throws -> JSONValue {
        guard let value = self[key], value != .null else {
            throw AWSClientError.invalidResponse(operation: operation, reason: "no \(key) in the answer")
        }
        return value
    }
}
