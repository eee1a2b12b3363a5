import AWSClient
import SigV4
import Foundation

/// Calls the deployed API the way a client would: with the API key in `x-api-key`.
public struct Invoker: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) { self.client = client }

    /// The API key's value (API Gateway GetApiKey with includeValue). Only printed when asked for.
    public func apiKeyValue(id: String) async throws -> String {
        let answer = try await client.restJSON(.apiGateway, operation: "GetApiKey", method: "GET",
                                               path: "/apikeys/" + URIEncoding.encode(id), query: [("includeValue", "true")])
        guard let value = answer["value"]?.string, !value.isEmpty else {
            throw DeployError.apiError(status: 200, body: "GetApiKey returned no value for key \(id)")
        }
        return value
    }

    /// Where to send a request for `url` (an `execute-api` URL from the stack outputs): the URL
    /// itself on AWS, or the local AWS's user-request route when every call goes to a custom
    /// endpoint (`{endpoint}/restapis/{id}/{stage}/_user_request_/{path}`).
    public func target(for url: String) -> String {
        let endpoint = client.endpoints.endpoint(for: .apiGateway, region: client.region)
        guard endpoint.isCustom, let parsed = URL(string: url), let host = parsed.host, host.contains(".execute-api.") else { return url }
        let apiID = String(host.prefix { $0 != "." })
        let parts = parsed.path.split(separator: "/", maxSplits: 1).map(String.init)
        guard let stage = parts.first else { return url }
        let rest = parts.count > 1 ? parts[1] : ""
        return endpoint.url.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/restapis/\(apiID)/\(stage)/_user_request_/\(rest)"
    }

    /// POSTs JSON with the key and returns the status and body.
    public func post(url: String, apiKey: String, body: Data, timeout: TimeInterval = 35) async throws -> (status: Int, body: Data) {
        let response = try await send(url: url, apiKey: apiKey, body: body, timeout: timeout)
        return (response.status, response.body)
    }

    /// One JSON POST to the API with the key, and the whole answer.
    func send(url: String, apiKey: String, body: Data, timeout: TimeInterval) async throws -> HTTPResponse {
        try await client.transport.send(HTTPRequest(
            method: "POST", url: target(for: url),
            headers: [("Content-Type", "application/json"), ("x-api-key", apiKey), ("Accept", "application/json")],
            body: body, timeout: timeout))
    }

    /// POSTs a chat request with `"stream": true` and calls `onEvent` with each server-sent event's
    /// data as it arrives (`[DONE]` included); returns the status and the whole body.
    ///
    /// A transport that cannot stream still delivers: the body is then read as events at the end.
    public func stream(url: String, apiKey: String, body: Data, timeout: TimeInterval = 330,
                       onEvent: @escaping @Sendable (String) -> Void) async throws -> (status: Int, body: Data) {
        let parser = Locked(ServerSentEvents())
        let streamed = Locked(false)
        let response = try await client.transport.send(HTTPRequest(
            method: "POST", url: target(for: url),
            headers: [("Content-Type", "application/json"), ("x-api-key", apiKey), ("Accept", "text/event-stream")],
            body: body, timeout: timeout, idleTimeout: 90,
            onBody: { chunk in
                streamed.withLock { $0 = true }
                parser.withLock { $0.feed(chunk) }.forEach(onEvent)
            }))
        if response.status == 200, !streamed.withLock({ $0 }) {
            parser.withLock { $0.feed(response.body) }.forEach(onEvent)
        }
        return (response.status, response.body)
    }
}
