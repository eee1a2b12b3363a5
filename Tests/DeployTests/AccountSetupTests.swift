import Foundation
import Testing
@testable import Deploy

/// `ApiGatewayRole`: the stack sets API Gateway's account-wide CloudWatch role only when the account
/// has none, keeps setting it once it has, and never drops a role the setting names.
@Test(arguments: [
    // (previous, account role, the stack's own role, expected)
    (nil, nil, nil, StackParameter.Value.value("true")),                                                         // new account
    (nil, "arn:aws:iam::111122223333:role/other-tools-role", nil, .value("false")),                          // someone else's: left alone
    (nil, "arn:aws:iam::111122223333:role/demo-ApiGatewayLogsRole-ABC", "demo-ApiGatewayLogsRole-ABC", .value("true")), // old default on
    (nil, "arn:aws:iam::111122223333:role/demo-ApiGatewayLogsRole-ABC", "demo-ApiGatewayLogsRole-XYZ", .value("false")),
    ("true", "arn:aws:iam::111122223333:role/other-tools-role", nil, .previous),                             // it set it: keeps it
    ("false", "arn:aws:iam::111122223333:role/other-tools-role", nil, .previous),
    ("false", nil, nil, .value("true")),                                                                      // the account lost its role
    (nil, "", nil, .value("true")),
] as [(String?, String?, String?, StackParameter.Value)])
func apiGatewayRoleIsSetOnlyWhenTheAccountHasNone(_ previous: String?, _ arn: String?, _ own: String?, _ expected: StackParameter.Value) {
    #expect(StackParameters.apiGatewayRole(previous: previous, accountRoleARN: arn, stackRoleName: own) == expected)
}

@Test func forDeploySendsTheDecidedApiGatewayRoleAndDefaultsToFalse() throws {
    let declared = ["ApiGatewayRole", "Paused"]
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    let decided = try StackParameters.forDeploy(declared: declared, previous: nil, ttlMinutes: nil, ttlGiven: false, now: now, stack: "s",
                                                apiGatewayRole: .value("true"))
    #expect(decided.map(\.description) == ["ApiGatewayRole=true", "Paused=false"])
    let undecided = try StackParameters.forDeploy(declared: declared, previous: nil, ttlMinutes: nil, ttlGiven: false, now: now, stack: "s")
    #expect(undecided.map(\.description) == ["ApiGatewayRole=false", "Paused=false"])
    let kept = try StackParameters.forDeploy(declared: declared, previous: ["ApiGatewayRole": "true", "Paused": "false"], ttlMinutes: nil,
                                             ttlGiven: false, now: now, stack: "s")
    #expect(kept.map(\.description) == ["ApiGatewayRole=(previous)", "Paused=(previous)"])
}

private let serviceGroups = """
    {"Resources": {
      "ApiExecutionLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Fn::Sub": "API-Gateway-Execution-Logs_${Api}/prod"}}},
      "EndpointLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/aws/sagemaker/Endpoints/demo-endpoint"}},
      "ShimLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 365}},
      "Paused": {"Type": "AWS::Logs::LogGroup", "Condition": "Running", "Properties": {"LogGroupName": "conditional"}},
      "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "demo-api"}}
    }}
    """

@Test func theNamedLogGroupsOfATemplateAreFoundAndResolvedInTheStack() throws {
    let named = try #require(Deployer.namedLogGroups(in: serviceGroups))
    #expect(named.map(\.0) == ["ApiExecutionLogGroup", "EndpointLogGroup"], "generated names and conditional groups are left out")
    let resources = ["Api": "a1b2c3d4e5"]
    #expect(Deployer.resolve(named[0].1, resources: resources, stack: "demo", region: "eu-west-1") == "API-Gateway-Execution-Logs_a1b2c3d4e5/prod")
    #expect(Deployer.resolve(named[1].1, resources: resources, stack: "demo", region: "eu-west-1") == "/aws/sagemaker/Endpoints/demo-endpoint")
    // a name over a resource the stack does not have yet cannot exist yet: nothing to import
    #expect(Deployer.resolve(named[0].1, resources: [:], stack: "demo", region: "eu-west-1") == nil)
    #expect(Deployer.resolve(["Fn::Sub": "/x/${AWS::StackName}/${AWS::Region}"], resources: [:], stack: "demo", region: "eu-west-1") == "/x/demo/eu-west-1")
    #expect(Deployer.namedLogGroups(in: "AWSTemplateFormatVersion: '2010-09-09'") == nil, "YAML is not read")
}
