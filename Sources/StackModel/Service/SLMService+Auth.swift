// MARK: - API keys from `x-api-key` or `Authorization: Bearer`

extension SLMService {
    /// The API key authorizer: a REQUEST Lambda authorizer that hands API Gateway the caller's key
    /// from `x-api-key` or `Authorization: Bearer <key>` (the API's key source is `AUTHORIZER`), and
    /// the gateway responses that give API Gateway's own refusals OpenAI's error shape.
    ///
    /// The authorizer runs the shim's own function (its `authorize` branch in handler.py): a second
    /// function would need its own role, log group and suppressions, about 3 KB of a template
    /// already close to CreateStack's 51,200-byte limit. The function does not judge the key:
    /// methods keep `ApiKeyRequired`, so API Gateway checks the returned key against the usage plan
    /// and throttles and counts it per key as before. The result is not cached (TTL 0, no identity
    /// source): a cached authorizer needs its identity source on every request, and a request
    /// carries one of two headers. So every request is one more short invocation (see docs/cost.md,
    /// the API key lines).
    struct KeyAuthorizer {
        let authorizer: ApiAuthorizer
        let responses: [GatewayResponse]
        let parts: [any Resource]

        /// `error.type` per class of API Gateway's own answers; `error.code` is the gateway
        /// response type (`UNAUTHORIZED`, `INVALID_API_KEY`, `THROTTLED`, `QUOTA_EXCEEDED`,
        /// `MISSING_AUTHENTICATION_TOKEN` …) and `error.message` API Gateway's message.
        static let responseShapes: [(type: String, errorType: String)] = [
            ("DEFAULT_4XX", "invalid_request_error"),
            ("DEFAULT_5XX", "server_error"),
        ]

        /// The JSON body template of a gateway response: OpenAI's `{"error": {…}}`.
        static func template(errorType: String) -> String {
            #"{"error":{"message":$context.error.messageString,"type":"\#(errorType)","param":null,"code":"$context.error.responseType"}}"#
        }

        init(shim: Shim, api: RestApi) {
            authorizer = ApiAuthorizer("ApiKeyAuthorizer", api: api, name: "api-key", function: shim.function)
            responses = Self.responseShapes.map { shape in
                let stem = shape.type.split(separator: "_").map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined()
                return GatewayResponse(LogicalID("\(stem)Response"), api: api, responseType: shape.type,
                                       template: Self.template(errorType: shape.errorType))
            }
            parts = [authorizer] + responses
        }

        /// What the deployment's logical ID hashes besides the routes, so a changed response redeploys.
        var signature: String {
            "authorizer ttl=\(authorizer.resultTtlSeconds);" + responses.map { "\($0.responseType) \($0.statusCode ?? 0) \(StableHash.hex8($0.template))" }.joined(separator: ";")
        }
    }
}

extension Resource {
    /// Adds explicit dependencies on a list of resources.
    func dependsOn(all others: [any Resource]) -> Self {
        var copy = self
        copy.dependsOn += others.map(\.id)
        return copy
    }
}
