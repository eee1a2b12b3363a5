import Foundation
import Testing
import StackModel
@testable import Deploy

/// What preflight reads from a template: every number it compares with the account.
@Suite struct PreflightNeedsTests {
    static let template = """
        {
          "Parameters": {"Concurrency": {"Type": "Number", "Default": 7}},
          "Conditions": {"Running": {"Fn::Equals": ["a", "a"]}, "SetsRole": {"Fn::Equals": ["a", "b"]}},
          "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "A": {"Type": "AWS::EC2::Subnet", "Properties": {"AvailabilityZone": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}}},
            "B": {"Type": "AWS::EC2::Subnet", "Properties": {"AvailabilityZone": {"Fn::Select": [2, {"Fn::GetAZs": ""}]}}},
            "Eip": {"Type": "AWS::EC2::EIP", "Condition": "Running"},
            "Nat": {"Type": "AWS::EC2::NatGateway", "Condition": "Running"},
            "Runtime": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Interface",
                        "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.sagemaker.runtime"}}},
            "S3": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Gateway", "ServiceName": "com.amazonaws.eu-west-2.s3"}},
            "Config": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {"ProductionVariants": [
                        {"InstanceType": "ml.g6.xlarge", "InitialInstanceCount": 2}]}},
            "Scaling": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {"MinCapacity": 2, "MaxCapacity": 5}},
            "Shim": {"Type": "AWS::Lambda::Function", "Properties": {"ReservedConcurrentExecutions": {"Fn::If": ["Running", 10, 3]}}},
            "Pause": {"Type": "AWS::Lambda::Function", "Properties": {"ReservedConcurrentExecutions": {"Ref": "Concurrency"}}},
            "Free": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "Account": {"Type": "AWS::ApiGateway::Account", "Condition": "SetsRole"},
            "Plan": {"Type": "AWS::ApiGateway::UsagePlan", "Properties": {"Throttle": {"RateLimit": 5, "BurstLimit": 12}}},
            "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"MethodSettings": [{"LoggingLevel": "ERROR"}]}}
          }
        }
        """

    @Test func readsEveryNeed() throws {
        let needs = try StackNeeds(template: Self.template, region: "eu-west-2")
        #expect(needs.instanceType == "ml.g6.xlarge")
        #expect(needs.maxInstances == 5, "the autoscaling maximum, not the initial count")
        #expect(needs.reservedConcurrency == 17, "Fn::If counts its larger branch, Ref its parameter's default")
        #expect(needs.zoneCount == 3)
        #expect(needs.interfaceServices == ["com.amazonaws.eu-west-2.sagemaker.runtime"])
        #expect(needs.count("AWS::EC2::EIP") == 1 && needs.count("AWS::EC2::NatGateway") == 1 && needs.count("AWS::EC2::VPC") == 1)
        #expect(needs.apiGatewayAccount == .conditional)
        #expect(needs.throttleBurst == 12)
        #expect(needs.stageLogs)
    }

    @Test func aTemplateWithoutLoggingOrAccountNeedsNoRole() throws {
        let needs = try StackNeeds(template: #"{"Resources": {"Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"MethodSettings": [{"LoggingLevel": "OFF"}]}}}}"#, region: "us-east-1")
        #expect(!needs.stageLogs && needs.apiGatewayAccount == .none && needs.maxInstances == 0 && needs.instanceType == nil)
    }

    @Test func notATemplateIsAnError() {
        #expect(throws: PreflightError.self) { try StackNeeds(template: "[]", region: "us-east-1") }
    }

    @Test(arguments: [(10, 10), (50, 50), (99, 99), (100, 100), (1000, 100)])
    func lambdaKeepsMin100OrTheLimit(limit: Int, minimum: Int) {
        let settings = LambdaAccountSettings(concurrentExecutions: limit, unreservedConcurrentExecutions: limit)
        #expect(settings.minimumUnreserved == minimum)
        #expect(settings.reservable == limit - minimum)
    }

    @Test func worstStatusWins() {
        let report = PreflightReport(region: "us-east-1", account: "1", checks: [
            PreflightCheck("a", .ok, ""), PreflightCheck("b", .warn, ""), PreflightCheck("c", .fail, "", fix: "x"),
        ])
        #expect(report.status == .fail && report.failures.map(\.id) == ["c"])
        #expect(PreflightError.failed(report).description.contains("(c)"))
    }
}

/// The CloudFormation types check: what the generated region catalog does not list is unchecked, not offered.
@Suite struct PreflightTypesTests {
    static func needs(_ types: [String], region: String = "us-east-1") throws -> StackNeeds {
        let resources = types.enumerated().map { "\"R\($0.offset)\": {\"Type\": \"\($0.element)\"}" }.joined(separator: ", ")
        return try StackNeeds(template: "{\"Resources\": {\(resources)}}", region: region)
    }

    @Test func typesTheCatalogDoesNotListAreUncheckedNotOffered() throws {
        #expect(!RegionCatalog.cloudFormationTypes.contains("AWS::DynamoDB::Table"))
        let check = Preflight.cloudFormationTypes(try Self.needs(["AWS::SageMaker::Endpoint", "AWS::DynamoDB::Table"]), region: "us-east-1")
        #expect(check.status == .warn)
        #expect(check.summary.contains("1 of the 2 CloudFormation types") && check.summary.contains("unchecked: AWS::DynamoDB::Table"), "\(check.summary)")
        #expect(!check.summary.contains("all 2"))
        #expect(check.fix?.contains("describe-type") == true)
    }

    @Test func catalogTypesAreOffered() throws {
        let check = Preflight.cloudFormationTypes(try Self.needs(["AWS::SageMaker::Endpoint", "AWS::Lambda::Function"]), region: "us-east-1")
        #expect(check.status == .ok && check.summary.hasPrefix("all 2 CloudFormation types"))
    }

    @Test func aRegionLackingACatalogTypeStillFails() throws {
        let check = Preflight.cloudFormationTypes(try Self.needs(["AWS::SageMaker::Endpoint", "AWS::SQS::Queue"], region: "ap-south-2"), region: "ap-south-2")
        #expect(check.status == .fail && check.summary.contains("lacks 1 of the 2"))
    }
}
