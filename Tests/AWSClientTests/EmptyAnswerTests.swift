import Foundation
import Testing
@testable import AWSClient

/// An empty 2xx is believed only from an operation AWS documents as having no output: read as `{}`,
/// an empty GetAccount would say "no CloudWatch role" and the stack would take over the account's.
@Suite("Empty answers: believed only from operations without output")
struct EmptyAnswerTests {
    static let empty = HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: Data())
    static let blank = HTTPResponse(status: 200, headers: [:], body: Data(" \r\n".utf8))

    @Test func anEmptyAnswerToAReadIsAnErrorRetriedAndNamed() async throws {
        let transport = FakeTransport(responses: [Self.empty])
        let sleeps = SleepRecorder()
        await #expect {
            _ = try await Fixture.client(transport, sleeps: sleeps).restJSON(.apiGateway, operation: "GetAccount", method: "GET", path: "/account")
        } throws: { error in
            guard case AWSClientError.invalidResponse(let operation, let reason) = error else { return false }
            return operation == "apigateway GetAccount" && reason.contains("HTTP 200") && reason.contains("0 bytes")
                && reason.contains("is empty, not the JSON object GetAccount answers with") && reason.contains("(3 attempts)")
        }
        #expect(transport.requests.count == 3 && sleeps.recorded.count == 2)
        // The JSON 1.1 protocol too, and whitespace is no better than nothing.
        let json = FakeTransport(responses: [Self.blank])
        await #expect(throws: AWSClientError.self) { _ = try await Fixture.client(json).json(.sageMaker, operation: "ListEndpoints") }
        #expect(json.requests.count == 3)
    }

    @Test func theDocumentAfterAnEmptyAnswerIsBelieved() async throws {
        let transport = FakeTransport(responses: [Self.empty, .json(200, #"{"throttleSettings":{"burstLimit":5000,"rateLimit":10000.0}}"#)])
        let answer = try await Fixture.client(transport).restJSON(.apiGateway, operation: "GetAccount", method: "GET", path: "/account")
        #expect(answer["throttleSettings"]?["burstLimit"] == .number(5000) && transport.requests.count == 2)
    }

    @Test func anOperationWithoutOutputMayAnswerWithNothing() async throws {
        let json = FakeTransport(responses: [Self.empty])
        #expect(try await Fixture.client(json).json(.sageMaker, operation: "DeleteEndpoint", body: ["EndpointName": "e"], noOutput: true) == .object([:]))
        let rest = FakeTransport(responses: [HTTPResponse(status: 204, headers: [:], body: Data())])
        #expect(try await Fixture.client(rest).restJSON(.lambda, operation: "DeleteFunctionConcurrency", method: "DELETE",
                                                        path: "/2017-10-31/functions/f/concurrency", noOutput: true) == .object([:]))
        #expect(json.requests.count == 1 && rest.requests.count == 1)
        // A page is still not an answer, output or not.
        let page = FakeTransport(responses: [HTTPResponse(status: 200, headers: [:], body: Data("<html><title>x</title></html>".utf8))])
        await #expect(throws: AWSClientError.self) {
            _ = try await Fixture.client(page, maxAttempts: 1).json(.sageMaker, operation: "DeleteEndpoint", noOutput: true)
        }
    }

    @Test func credentialCallsDecodeAnEmptyBodyAsAnError() throws {
        // The SSO portal and SSO OIDC answers go through decodeJSON without a shape check of their own.
        let response = AWSResponse(status: 200, headers: [:], body: Data())
        #expect(throws: AWSClientError.self) { try AWSClient.decodeJSON(response, operation: "sso GetRoleCredentials") }
        #expect(try AWSClient.decodeJSON(response, operation: "x", allowEmpty: true) == .object([:]))
        #expect(ResponseShape.json.problem(in: HTTPResponse(status: 200, headers: [:], body: Data()), operation: "GetAccount") != nil)
        #expect(ResponseShape.jsonOrEmpty.problem(in: HTTPResponse(status: 200, headers: [:], body: Data()), operation: "DeleteEndpoint") == nil)
    }
}
