import Foundation
import Testing
@testable import CloudFormationSynth
import StackModel
@testable import TerraformSynth

// The escape hatches of the library: a resource type declared outside the model, a raw resource
// of any type, and property overrides on typed resources, through both renderers and `cost`.

/// A type a library user declares: DynamoDB, which the model does not have.
private struct Table: DeclaredResource {
    static let kind = "Table"
    var id: LogicalID
    var dependsOn: [LogicalID] = []
    var suppressions: [Suppression] = []
    var key: String
    var stream: Value
    var cloudFormationType: String { "AWS::DynamoDB::Table" }
    var takesTags: Bool { true }
    var properties: [String: Value] {
        ["BillingMode": "PAY_PER_REQUEST", "KeySchema": [["AttributeName": .string(key), "KeyType": "HASH"]],
         "AttributeDefinitions": [["AttributeName": .string(key), "AttributeType": "S"]], "TableName": stream]
    }
    var terraform: TerraformDeclaration? {
        TerraformDeclaration(type: "aws_dynamodb_table", arguments: ["billing_mode": "PAY_PER_REQUEST", "hash_key": .string(key), "name": stream],
                             blocks: [TerraformBlock("attribute", ["name": .string(key), "type": "S"])], refAttribute: "name")
    }
}

private func customStack(rawTerraform: TerraformDeclaration? = nil) -> Stack {
    Stack("custom", description: "declared, raw and overridden", tags: ["team": "ml"]) {
        let vpc = Vpc("Vpc", cidr: "10.0.0.0/16")
        vpc
        let bucket = RawResource("Bucket", type: "AWS::S3::Bucket", properties: [
            "VersioningConfiguration": ["Status": "Enabled"],
        ], takesTags: true, terraform: rawTerraform)
        bucket
        Table(id: "Table", key: "pk", stream: .join([.pseudo(.stackName), "-table"])).dependsOn(bucket)
        Output("BucketName", "the bucket", bucket.ref)
    }
}

private func resources(_ template: CloudFormationTemplate) throws -> [String: [String: Any]] {
    try #require((try JSONSerialization.jsonObject(with: Data(template.text.utf8)) as? [String: Any])?["Resources"] as? [String: [String: Any]])
}

@Test func declaredAndRawResourcesRenderInCloudFormation() throws {
    let template = try CloudFormationSynth.synthesize(customStack())
    let all = try resources(template)
    #expect(all["Bucket"]?["Type"] as? String == "AWS::S3::Bucket")
    let bucket = try #require(all["Bucket"]?["Properties"] as? [String: Any])
    #expect((bucket["VersioningConfiguration"] as? [String: Any])?["Status"] as? String == "Enabled")
    #expect((bucket["Tags"] as? [[String: String]])?.first == ["Key": "team", "Value": "ml"])
    #expect(all["Table"]?["Type"] as? String == "AWS::DynamoDB::Table")
    #expect(all["Table"]?["DependsOn"] as? [String] == ["Bucket"])
    let table = try #require(all["Table"]?["Properties"] as? [String: Any])
    #expect((table["TableName"] as? [String: String]) == ["Fn::Sub": "${AWS::StackName}-table"])
    #expect((table["KeySchema"] as? [[String: String]])?.first?["AttributeName"] == "pk")
    #expect(customStack().validate().isEmpty)
}

@Test func propertyOverridesSetAddAndDeleteByPath() throws {
    var stack = customStack()
    stack.override("Bucket", "VersioningConfiguration.Status", "Suspended")
    stack.override("Bucket", "BucketEncryption.ServerSideEncryptionConfiguration", [["ServerSideEncryptionByDefault": ["SSEAlgorithm": "aws:kms"]]])
    stack.override("Vpc", "EnableDnsHostnames", nil)
    stack.override("Vpc", "InstanceTenancy", "default")
    stack.override("Table", "KeySchema.0.KeyType", "RANGE")
    #expect(stack.validate().isEmpty)
    let all = try resources(try CloudFormationSynth.synthesize(stack))
    let bucket = try #require(all["Bucket"]?["Properties"] as? [String: Any])
    #expect((bucket["VersioningConfiguration"] as? [String: Any])?["Status"] as? String == "Suspended")
    #expect(((bucket["BucketEncryption"] as? [String: Any])?["ServerSideEncryptionConfiguration"] as? [Any])?.count == 1)
    let vpc = try #require(all["Vpc"]?["Properties"] as? [String: Any])
    #expect(vpc["EnableDnsHostnames"] == nil)
    #expect(vpc["EnableDnsSupport"] as? Bool == true)
    #expect(vpc["InstanceTenancy"] as? String == "default")
    #expect(((all["Table"]?["Properties"] as? [String: Any])?["KeySchema"] as? [[String: String]])?.first?["KeyType"] == "RANGE")
    // new keys land in sorted order, as the renderer writes properties
    let text = try CloudFormationSynth.synthesize(stack).text.components(separatedBy: "\"Vpc\": {")[1]
    #expect(text.range(of: "\"EnableDnsSupport\"")!.lowerBound < text.range(of: "\"InstanceTenancy\"")!.lowerBound)
}

@Test func badOverridesAreNamedProblems() throws {
    var stack = customStack()
    stack.override("Missing", "X", "y")
    stack.override("Bucket", "A..B", "y")
    stack.override("Vpc", "CidrBlock", .ref("Nowhere"))
    let problems = stack.validate().map(\.description)
    #expect(problems.contains { $0.contains("'Missing'") && $0.contains("not in the stack") })
    #expect(problems.contains { $0.contains("RawResource 'Bucket'") && $0.contains("empty segment") })
    #expect(problems.contains { $0.contains("Vpc 'Vpc'") && $0.contains("'Nowhere'") })
    var scalar = customStack()
    scalar.override("Vpc", "CidrBlock.Inner", "x")
    #expect(throws: CloudFormationSynthError.self) { try CloudFormationSynth.synthesize(scalar) }
    var pastEnd = customStack()
    pastEnd.override("Table", "KeySchema.3.KeyType", "RANGE")
    do {
        _ = try CloudFormationSynth.synthesize(pastEnd)
        Issue.record("an index past the list's end rendered")
    } catch {
        #expect("\(error)".hasPrefix("Table 'Table': property override 'KeySchema.3.KeyType': '3' is not an index"))
    }
}

@Test func terraformRendersDeclaredTypesAndRefusesRawOnesByType() throws {
    do {
        _ = try TerraformSynth.translate(customStack(), config: ServiceConfig())
        Issue.record("a raw resource without a Terraform declaration rendered")
    } catch {
        #expect("\(error)" == "RawResource 'Bucket': AWS::S3::Bucket has no Terraform translation: give it one (terraform: TerraformDeclaration(type: \"aws_…\", …)) or synthesize --format cloudformation")
    }
    var stack = customStack(rawTerraform: TerraformDeclaration(type: "aws_s3_bucket", arguments: ["force_destroy": false]))
    stack.override("Table", "BillingMode", "PROVISIONED", terraformPath: "billing_mode")
    stack.override("Table", "AttributeDefinitions.0.AttributeType", "N", terraformPath: "attribute.type")
    let module = try TerraformSynth.translate(stack, config: ServiceConfig())
    let table = try #require(module.resource(TerraformAddress("aws_dynamodb_table", "table")))
    let text = HCLFile(name: "x.tf", header: [], blocks: [table]).rendered()
    #expect(text.contains("billing_mode = \"PROVISIONED\""))
    #expect(text.contains("hash_key     = \"pk\"") || text.contains("hash_key = \"pk\""))
    #expect(text.contains("type = \"N\""))
    #expect(text.contains("depends_on = [aws_s3_bucket.bucket]") || text.contains("aws_s3_bucket.bucket"))
    #expect(module.resource(TerraformAddress("aws_s3_bucket", "bucket")) != nil)
    // an override without a Terraform path refuses, naming the resource and the path
    var cloudFormationOnly = customStack(rawTerraform: TerraformDeclaration(type: "aws_s3_bucket", arguments: [:]))
    cloudFormationOnly.override("Vpc", "InstanceTenancy", "default")
    #expect(throws: TerraformSynthError.noEquivalent(kind: "Vpc", id: "Vpc",
        reason: "property override 'InstanceTenancy' has no Terraform path: pass terraformPath: \"argument\" to override(...) or synthesize --format cloudformation")) {
        try TerraformSynth.translate(cloudFormationOnly, config: ServiceConfig())
    }
}

/// A stack that is not the reference service emits only the variables it uses: none of the model's
/// settings it does not read.
@Test func aCustomStackEmitsOnlyTheVariablesItUses() throws {
    var config = ServiceConfig()
    config.vpcCidr = "10.0.0.0/16"
    let stack = customStack(rawTerraform: TerraformDeclaration(type: "aws_s3_bucket", arguments: [:]))
    let module = try TerraformSynth.translate(stack, config: config)
    let variables = module.file("variables.tf")!.blocks.filter { $0.type == "variable" }.map { $0.labels[0] }
    // the provider's region and default tags; the VPC's block equals vpc-cidr's but the stack does
    // not mark it as that setting's, so it stays a literal and there is no vpc_cidr variable
    #expect(variables == ["stack_name", "region"])
    #expect(module.resource(TerraformAddress("aws_vpc", "vpc"))?.attribute("cidr_block") == .string("10.0.0.0/16"))
    #expect(!variables.contains("instance_type") && !variables.contains("model_id"))
}

/// Ordered objects and fractional numbers, which the built-in types use in CloudFormation, also
/// render as HCL: keys in the order given, numbers as written.
@Test func orderedObjectsAndFractionsRenderInTerraform() throws {
    let stack = Stack("custom", description: "value forms", tags: [:]) {
        RawResource("Queue", type: "AWS::SQS::Queue", terraform: TerraformDeclaration(type: "aws_sqs_queue", arguments: [
            "redrive_policy": .document(.ordered(["maxReceiveCount": 3, "deadLetterTargetArn": "arn:x"])),
            "delay_seconds": .double(2.5),
        ]))
    }
    let module = try TerraformSynth.translate(stack, config: ServiceConfig())
    let queue = try #require(module.resource(TerraformAddress("aws_sqs_queue", "queue")))
    let text = HCLFile(name: "x.tf", header: [], blocks: [queue]).rendered()
    #expect(text.contains("2.5"))
    let receive = try #require(text.range(of: "maxReceiveCount")), target = try #require(text.range(of: "deadLetterTargetArn"))
    #expect(receive.lowerBound < target.lowerBound)
}
