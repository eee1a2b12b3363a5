import Foundation
import Testing
@testable import AWSClient
@testable import SLMStackCLI

/// A preflight call AWS refuses stops deploy and resume with one line: preflight, the IAM action, the way out.
@Suite struct PreflightGateTests {
    static let template = #"{"Resources": {"Config": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {"ProductionVariants": [{"InstanceType": "ml.g5.xlarge", "InitialInstanceCount": 1}]}}}}"#

    /// STS answers, CloudFormation has no such stack, and Service Quotas refuses the identity.
    static func refusingServiceQuotas() -> FakeTransport {
        FakeTransport { request, _ in
            if request.url.contains("://sts.") { return .xml(200, Fixture.identityXML) }
            if request.url.contains("://cloudformation.") {
                return .xml(400, "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id slm does not exist</Message></Error><RequestId>r-1</RequestId></ErrorResponse>")
            }
            return .json(400, #"{"__type": "AccessDeniedException", "message": "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: servicequotas:GetServiceQuota"}"#)
        }
    }

    static let io = CommandIO(environment: [:], isInteractive: false, out: { _ in }, err: { _ in }, stdin: { Data() })

    @Test func aRefusedCallNamesPreflightTheActionToGrantAndSkipPreflight() async throws {
        let transport = Self.refusingServiceQuotas()
        do {
            try await PreflightGate.check(client: Fixture.client(transport, maxAttempts: 1), template: Self.template, stack: "slm", io: Self.io)
            Issue.record("the gate let a refused call through")
        } catch let error as CLIError {
            #expect(error.exitCode == .failure)
            let text = error.description
            #expect(text.hasPrefix("preflight: servicequotas GetServiceQuota failed: AccessDeniedException"), "\(text)")
            #expect(text.contains("grant servicequotas:GetServiceQuota to these credentials"), "\(text)")
            #expect(text.hasSuffix("or pass --skip-preflight to go ahead without the checks"), "\(text)")
            #expect(!text.contains("\n"))
        }
        #expect(transport.requests.contains { $0.url.contains("servicequotas") }, "the refusal came from the call, not before it")
    }

    @Test func slmstackPreflightNamesTheActionWithoutTheSkipFlag() async throws {
        do {
            _ = try await PreflightGate.report(client: Fixture.client(Self.refusingServiceQuotas(), maxAttempts: 1), template: Self.template, stack: "slm")
            Issue.record("a refused call produced a report")
        } catch let error as CLIError {
            #expect(error.exitCode == .failure && error.description.contains("grant servicequotas:GetServiceQuota"))
            #expect(!error.description.contains("--skip-preflight"))
        }
    }

    @Test(arguments: [
        ("servicequotas ListAWSDefaultServiceQuotas", "servicequotas:ListAWSDefaultServiceQuotas"),
        ("lambda GetAccountSettings", "lambda:GetAccountSettings"),
        ("ec2 DescribeNatGateways", "ec2:DescribeNatGateways"),
        ("cloudformation DescribeStackResources", "cloudformation:DescribeStackResources"),
        ("apigateway GetAccount", "apigateway:GET (arn:aws:apigateway:REGION::/account)"),
    ])
    func iamActions(operation: String, action: String) {
        #expect(PreflightGate.iamAction(operation) == action)
    }

    @Test func getCallerIdentityNeedsNoPermission() {
        #expect(PreflightGate.iamAction("sts GetCallerIdentity") == nil)
        let text = PreflightGate.failure(AWSError(code: "ThrottlingException", message: "Rate exceeded", httpStatus: 400, operation: "lambda GetAccountSettings"), gate: true)
        #expect(text == "preflight: lambda GetAccountSettings failed: ThrottlingException (Rate exceeded); preflight needs lambda:GetAccountSettings; or pass --skip-preflight to go ahead without the checks")
    }
}
