import Foundation
import SigV4

extension AWSClient {
    // MARK: Query (CloudFormation, STS, IAM, EC2, CloudWatch)

    /// Calls a query-protocol operation (`POST /`, form body `Action=…&Version=…&…`).
    ///
    /// - Parameters:
    ///   - service: for example `.cloudFormation`.
    ///   - action: the operation, for example `DescribeStacks`.
    ///   - parameters: the flattened parameters in order, for example `("StackName", "x")`,
    ///     `("Parameters.member.1.ParameterKey", "K")`; see `QueryParameters`.
    /// - Returns: the root element of the XML answer (`<DescribeStacksResponse>`).
    /// - Throws: `AWSClientError`.
    public func query(_ service: AWSService, action: String, parameters: [(String, String)] = []) async throws -> XMLNode {
        var form = "Action=" + Self.formEncode(action) + "&Version=" + Self.formEncode(service.apiVersion)
        for (name, value) in parameters { form += "&" + Self.formEncode(name) + "=" + Self.formEncode(value) }
        let idempotent = Self.isReadOnly(action) || parameters.contains { Self.clientTokenNames.contains($0.0) }
        let response = try await send(AWSRequest(
            service: service, operation: action, method: "POST", path: "/",
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: Array(form.utf8),
            idempotent: idempotent, expect: .queryXML))
        do {
            return try XMLNode.parse(response.body)
        } catch {
            throw AWSClientError.invalidResponse(operation: "\(service.endpointPrefix) \(action)", reason: "\(error)")
        }
    }

    /// Operation name prefixes of calls that change nothing, or whose repetition cannot duplicate
    /// anything (a second delete finds nothing to delete).
    static let readOnlyPrefixes = ["Describe", "List", "Get", "BatchGet", "Search", "Lookup", "Validate", "Estimate", "Delete"]
    /// Parameter names of the client tokens that make a create or an execute idempotent.
    static let clientTokenNames: Set<String> = ["ClientToken", "ClientRequestToken", "clientToken", "clientRequestToken"]

    /// Whether an operation, by its name, may be sent again after a failure that reached the server.
    public static func isReadOnly(_ operation: String) -> Bool {
        readOnlyPrefixes.contains { operation.hasPrefix($0) && operation.dropFirst($0.count).first?.isUppercase != false }
    }

    /// `application/x-www-form-urlencoded` as botocore writes it (`urllib.parse.urlencode`): the
    /// unreserved characters as they are, space as `+`, everything else `%XX`. SigV4 hashes the bytes
    /// sent, so any encoding signs correctly on AWS; this one also matches servers that re-encode
    /// the parsed form before checking the signature, as moto does.
    static func formEncode(_ text: String) -> String {
        URIEncoding.encode(text).replacingOccurrences(of: "%20", with: "+")
    }

    // MARK: JSON 1.0/1.1 (SageMaker, Pricing, CloudWatch Logs)

    /// Calls a JSON-protocol operation (`POST /`, `X-Amz-Target: <prefix>.<operation>`).
    ///
    /// - Parameters:
    ///   - service: a service with a `targetPrefix`, for example `.sageMaker`.
    ///   - operation: for example `ListEndpoints`.
    ///   - body: the input (`{}` when the operation takes none).
    ///   - noOutput: true only for an operation AWS documents as having no output; an empty
    ///     answer is then `{}`. Otherwise an empty 2xx is an error (retried for reads).
    /// - Returns: the decoded answer.
    /// - Throws: `AWSClientError`.
    public func json(_ service: AWSService, operation: String, body: JSONValue = .object([:]), noOutput: Bool = false) async throws -> JSONValue {
        guard let prefix = service.targetPrefix else {
            throw AWSClientError.invalidConfiguration("\(service.id) does not speak the JSON protocol: use query, restJSON or the S3 calls")
        }
        let response = try await send(AWSRequest(
            service: service, operation: operation, method: "POST", path: "/",
            headers: [("Content-Type", "application/x-amz-json-\(service.jsonVersion)"), ("X-Amz-Target", "\(prefix).\(operation)")],
            body: body.encoded(),
            idempotent: Self.isReadOnly(operation) || Self.clientTokenNames.contains { body[$0] != nil },
            expect: noOutput ? .jsonOrEmpty : .json))
        return try Self.decodeJSON(response, operation: "\(service.endpointPrefix) \(operation)", allowEmpty: noOutput)
    }

    // MARK: REST-JSON (API Gateway, SageMaker Runtime, Lambda, Scheduler)

    /// Calls a REST-JSON operation.
    ///
    /// - Parameters:
    ///   - service: for example `.apiGateway`.
    ///   - operation: for logs and errors, for example `GetRestApis`.
    ///   - method: `GET`, `POST`, `PUT`, `PATCH`, `DELETE`.
    ///   - path: wire form; encode labels with `URIEncoding.encode(_:)`, for example `"/restapis/" + URIEncoding.encode(id)`.
    ///   - query: query parameters, not encoded.
    ///   - body: a JSON body, or nil for none.
    ///   - noOutput: true only for an operation AWS documents as having no output (see `json`).
    /// - Returns: the decoded answer.
    /// - Throws: `AWSClientError`.
    public func restJSON(_ service: AWSService, operation: String, method: String, path: String,
                         query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
                         body: JSONValue? = nil, noOutput: Bool = false) async throws -> JSONValue {
        var allHeaders = headers
        if body != nil, !allHeaders.contains(where: { $0.name.lowercased() == "content-type" }) {
            allHeaders.append(("Content-Type", "application/json"))
        }
        let idempotent = ["GET", "HEAD", "PUT", "DELETE"].contains(method.uppercased()) || Self.isReadOnly(operation)
            || Self.clientTokenNames.contains { body?[$0] != nil }
        let response = try await send(AWSRequest(service: service, operation: operation, method: method, path: path,
                                                 query: query, headers: allHeaders, body: body?.encoded() ?? [],
                                                 idempotent: idempotent, expect: noOutput ? .jsonOrEmpty : .json))
        return try Self.decodeJSON(response, operation: "\(service.endpointPrefix) \(operation)", allowEmpty: noOutput)
    }

    /// Calls a REST operation with a raw body and returns the raw answer (SageMaker Runtime
    /// InvokeEndpoint, S3 objects).
    ///
    /// - Parameters:
    ///   - expect: the shape a 2xx must have: `.any` for raw bodies, `.restXML` for S3 operations
    ///     answered with an XML document or nothing.
    ///   - idempotent: nil decides by method (see `AWSRequest`).
    public func rest(_ service: AWSService, operation: String, method: String, path: String,
                     query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
                     body: [UInt8] = [], hostPrefix: String? = nil, expect: ResponseShape = .any,
                     idempotent: Bool? = nil) async throws -> AWSResponse {
        try await send(AWSRequest(service: service, operation: operation, method: method, path: path, query: query,
                                  headers: headers, body: body, hostPrefix: hostPrefix, idempotent: idempotent, expect: expect))
    }

    // MARK: REST-XML (S3)

    /// Calls a REST-XML operation and parses the XML answer, or returns nil for an empty body.
    public func restXML(_ service: AWSService, operation: String, method: String, path: String,
                        query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
                        body: [UInt8] = [], hostPrefix: String? = nil) async throws -> XMLNode? {
        let response = try await rest(service, operation: operation, method: method, path: path, query: query,
                                      headers: headers, body: body, hostPrefix: hostPrefix, expect: .restXML)
        guard response.body.contains(where: { ![0x20, 0x0a, 0x0d, 0x09].contains($0) }) else { return nil }
        do {
            return try XMLNode.parse(response.body)
        } catch {
            throw AWSClientError.invalidResponse(operation: "\(service.endpointPrefix) \(operation)", reason: "\(error)")
        }
    }

    /// The JSON document of an answer; an empty body is `{}` only with `allowEmpty` (an operation
    /// without output), and an error otherwise.
    static func decodeJSON(_ response: AWSResponse, operation: String, allowEmpty: Bool = false) throws -> JSONValue {
        guard response.body.contains(where: { ![0x20, 0x0a, 0x0d, 0x09].contains($0) }) else {
            if allowEmpty { return .object([:]) }
            throw AWSClientError.invalidResponse(operation: operation, reason: "an empty answer (HTTP \(response.status)), not the JSON document it promises")
        }
        do {
            return try JSONValue.parse(response.body)
        } catch {
            throw AWSClientError.invalidResponse(operation: operation, reason: "\(error)")
        }
    }
}

/// Helpers to flatten lists and maps into query-protocol parameters.
public enum QueryParameters {
    /// `Name.member.1=a&Name.member.2=b` (CloudFormation, IAM, STS).
    public static func members(_ name: String, _ values: [String]) -> [(String, String)] {
        values.enumerated().map { ("\(name).member.\($0.offset + 1)", $0.element) }
    }

    /// `Name.member.N.Key=k&Name.member.N.Value=v`, e.g. CloudFormation `Parameters` with
    /// `ParameterKey`/`ParameterValue` or `Tags` with `Key`/`Value`.
    public static func memberPairs(_ name: String, _ pairs: [(String, String)], keyName: String = "Key",
                                   valueName: String = "Value") -> [(String, String)] {
        pairs.enumerated().flatMap { index, pair in
            [("\(name).member.\(index + 1).\(keyName)", pair.0), ("\(name).member.\(index + 1).\(valueName)", pair.1)]
        }
    }

    /// `Name.1=a&Name.2=b` (EC2).
    public static func ec2List(_ name: String, _ values: [String]) -> [(String, String)] {
        values.enumerated().map { ("\(name).\($0.offset + 1)", $0.element) }
    }
}

// MARK: - S3

extension AWSClient {
    /// Path-style (`/bucket/key`) for custom endpoints and names that are not DNS labels;
    /// virtual-hosted (`bucket.s3.region.amazonaws.com/key`) otherwise.
    func s3Address(bucket: String, key: String?) -> (path: String, hostPrefix: String?) {
        let encodedKey = key.map { URIEncoding.encode($0, keepSlash: true) }
        let endpoint = endpoints.endpoint(for: .s3, region: region)
        let dnsSafe = bucket.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" } && (3...63).contains(bucket.count)
        if endpoint.isCustom || !dnsSafe {
            return ("/" + URIEncoding.encode(bucket) + (encodedKey.map { "/" + $0 } ?? ""), nil)
        }
        return ("/" + (encodedKey ?? ""), bucket + ".")
    }

    /// Creates a bucket in the client's region.
    public func createBucket(_ bucket: String) async throws {
        let address = s3Address(bucket: bucket, key: nil)
        var body: [UInt8] = []
        if region != "us-east-1" {
            body = Array("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(region)</LocationConstraint></CreateBucketConfiguration>".utf8)
        }
        _ = try await rest(.s3, operation: "CreateBucket", method: "PUT", path: address.path,
                           headers: body.isEmpty ? [] : [("Content-Type", "application/xml")], body: body, hostPrefix: address.hostPrefix,
                           expect: .restXML)
    }

    /// Uploads an object (single PUT, payload signed).
    ///
    /// - Returns: the ETag, when the server sent one.
    @discardableResult
    public func putObject(bucket: String, key: String, body: Data, contentType: String = "application/octet-stream") async throws -> String? {
        let address = s3Address(bucket: bucket, key: key)
        let response = try await rest(.s3, operation: "PutObject", method: "PUT", path: address.path,
                                      headers: [("Content-Type", contentType)], body: Array(body), hostPrefix: address.hostPrefix,
                                      expect: .restXML)
        return response.headers["etag"]
    }

    /// Downloads an object.
    public func getObject(bucket: String, key: String) async throws -> Data {
        let address = s3Address(bucket: bucket, key: key)
        return try await rest(.s3, operation: "GetObject", method: "GET", path: address.path, hostPrefix: address.hostPrefix).body
    }

    /// Deletes an object.
    public func deleteObject(bucket: String, key: String) async throws {
        let address = s3Address(bucket: bucket, key: key)
        _ = try await rest(.s3, operation: "DeleteObject", method: "DELETE", path: address.path, hostPrefix: address.hostPrefix, expect: .restXML)
    }

    /// Deletes an empty bucket.
    public func deleteBucket(_ bucket: String) async throws {
        let address = s3Address(bucket: bucket, key: nil)
        _ = try await rest(.s3, operation: "DeleteBucket", method: "DELETE", path: address.path, hostPrefix: address.hostPrefix, expect: .restXML)
    }
}

// MARK: - STS

/// The answer of STS GetCallerIdentity.
public struct CallerIdentity: Sendable, Equatable {
    /// The 12-digit account id.
    public var account: String
    /// The ARN of the user or assumed role.
    public var arn: String
    /// The unique id of the principal.
    public var userID: String
}

extension AWSClient {
    /// STS GetCallerIdentity: who the credentials belong to.
    public func getCallerIdentity() async throws -> CallerIdentity {
        let root = try await query(.sts, action: "GetCallerIdentity")
        guard let result = root["GetCallerIdentityResult"], let arn = result.value("Arn") else {
            throw AWSClientError.invalidResponse(operation: "sts GetCallerIdentity", reason: "no GetCallerIdentityResult/Arn in the answer")
        }
        return CallerIdentity(account: result.value("Account") ?? "", arn: arn, userID: result.value("UserId") ?? "")
    }

    /// STS AssumeRole, signed with this client's credentials.
    ///
    /// - Returns: temporary credentials marked as coming from `source`.
    public func assumeRole(roleARN: String, sessionName: String, externalID: String? = nil, durationSeconds: Int? = nil,
                           source: CredentialSource) async throws -> AWSCredentials {
        var parameters = [("RoleArn", roleARN), ("RoleSessionName", sessionName)]
        if let externalID { parameters.append(("ExternalId", externalID)) }
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        let root = try await query(.sts, action: "AssumeRole", parameters: parameters)
        guard let credentials = root["AssumeRoleResult", "Credentials"],
              let accessKey = credentials.value("AccessKeyId"), let secret = credentials.value("SecretAccessKey") else {
            throw AWSClientError.invalidResponse(operation: "sts AssumeRole", reason: "no AssumeRoleResult/Credentials in the answer")
        }
        return AWSCredentials(credentials: SigV4Credentials(accessKeyID: accessKey, secretAccessKey: secret,
                                                            sessionToken: credentials.value("SessionToken")),
                              expiration: credentials.value("Expiration").flatMap(parseISO8601), source: source)
    }
}

/// Parses `2026-01-02T03:04:05Z`, with or without fractional seconds, or a `+00:00` offset.
func parseISO8601(_ text: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    // "2026-01-02T03:04:05UTC" (the SSO cache's older format)
    if text.hasSuffix("UTC") { return parseISO8601(String(text.dropLast(3)) + "Z") }
    return nil
}
