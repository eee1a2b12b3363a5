import AWSClient
import Foundation
import SigV4
import Testing
@testable import Deploy

/// apigateway GetAccount decides whether the stack takes over the account-wide CloudWatch role: an
/// answer that is not GetAccount's (empty, `{}` from a proxy) must stop deploy and preflight, never
/// read as "the account has no role".
private final class AccountAnswer: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private let body: String
    private var paths: [String] = []
    init(_ body: String) { self.body = body }
    var requested: [String] { lock.withLock { paths } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        lock.withLock { paths.append(URLComponents(string: request.url)?.path ?? request.url) }
        return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: Data(body.utf8))
    }
}

private func client(_ transport: AccountAnswer) -> AWSClient {
    let credentials = StaticCredentialsProvider(AWSCredentials(credentials: SigV4Credentials(accessKeyID: "AKID", secretAccessKey: "secret"), source: .explicit))
    return AWSClient(credentials: credentials, region: "us-east-1", endpoints: EndpointResolver(override: "http://127.0.0.1:1"),
                     transport: transport, retry: RetryPolicy(maxAttempts: 2, sleep: { _ in }))
}

private let template = #"{"Parameters": {"ApiGatewayRole": {"Type": "String", "Default": "false"}}, "Resources": {}}"#

@Test(arguments: ["", "{}", #"{"apiKeyVersion": "4"}"#])
func anAnswerThatIsNotGetAccountsNeverMeansNoRole(body: String) async throws {
    let transport = AccountAnswer(body)
    let deployer = Deployer(api: CloudFormationAPI(client: client(transport)), console: RecordingConsole(), clock: InstantClock().pollClock)
    await #expect(throws: AWSClientError.self) { _ = try await deployer.apiGatewayRoleValue(template: template, existing: nil) }
    await #expect { _ = try await client(transport).apiGatewayAccount() } throws: { error in
        "\(error)".contains("apigateway GetAccount") && (body.isEmpty ? "\(error)".contains("is empty") : "\(error)".contains("no throttleSettings in the answer"))
    }
    // An empty body is retried inside the client (a read); a JSON object without the member is checked after.
    #expect(transport.requested.allSatisfy { $0 == "/account" } && transport.requested.count == (body.isEmpty ? 4 : 2))
}

@Test func getAccountWithItsLimitsDecidesTheRole() async throws {
    let limits = #""throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0}"#
    let none = Deployer(api: CloudFormationAPI(client: client(AccountAnswer("{\(limits)}"))), console: RecordingConsole(), clock: InstantClock().pollClock)
    #expect(try await none.apiGatewayRoleValue(template: template, existing: nil) == .value("true"))
    let arn = "arn:aws:iam::111122223333:role/other-tools-role"
    let other = AccountAnswer(#"{"cloudwatchRoleArn": "\#(arn)", \#(limits)}"#)
    let kept = Deployer(api: CloudFormationAPI(client: client(other)), console: RecordingConsole(), clock: InstantClock().pollClock)
    #expect(try await kept.apiGatewayRoleValue(template: template, existing: nil) == .value("false"))
    #expect(try await client(other).apiGatewayAccount().cloudWatchRoleARN == arn)
}
