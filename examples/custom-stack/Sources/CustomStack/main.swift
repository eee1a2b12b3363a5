import CloudFormationSynth
import Foundation
import StackModel
import TerraformSynth

// Builds the stack and writes it in both formats:
//   swift run CustomStack OUT_DIR [STACK_NAME]
// OUT_DIR/<name>.template.json and OUT_DIR/terraform/*.tf.

let arguments = CommandLine.arguments.dropFirst()
guard let out = arguments.first else {
    FileHandle.standardError.write(Data("usage: CustomStack OUT_DIR [STACK_NAME]\n".utf8))
    exit(2)
}
var config = ServiceConfig()
config.stackName = arguments.dropFirst().first ?? "custom-stack"
config.vpcCidr = "10.40.0.0/16"
config.natGateway = false

let network = SLMService.Network(config: config)
var stack = Stack(config.stackName, description: "slmstack library example: the service's VPC, a request log table and an archive bucket",
                  tags: ["slmstack:example": "custom-stack"]) {
    network
    let bucket = RawResource("ArchiveBucket", type: "AWS::S3::Bucket", properties: [
        "VersioningConfiguration": ["Status": "Enabled"],
        "PublicAccessBlockConfiguration": ["BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true],
    ], takesTags: true, terraform: TerraformDeclaration(type: "aws_s3_bucket", arguments: ["force_destroy": false]))
        .suppress("CKV_AWS_18", because: "an example bucket: access logging would need a second bucket")
        .suppress("CKV_AWS_144", because: "an example bucket: one region is enough")
    bucket
    RequestLog(id: "RequestLog", name: .join([.pseudo(.stackName), "-requests"]), key: network.logsKey.attribute(.arn))
    Output("ArchiveBucketName", "The archive bucket", bucket.ref)
    Output("VpcId", "The VPC", network.vpc.ref)
}
// A typed resource's property the model does not set, in both formats.
stack.override("Vpc", "InstanceTenancy", "default", terraformPath: "instance_tenancy")
// The bucket's encryption, added by path to the CloudFormation template only: on Terraform's side
// it is a resource of its own (aws_s3_bucket_server_side_encryption_configuration), so this
// override names no Terraform path and Terraform would refuse it; Terraform gets the stack without it.
let terraformStack = stack
stack.override("ArchiveBucket", "BucketEncryption.ServerSideEncryptionConfiguration",
               [["ServerSideEncryptionByDefault": ["SSEAlgorithm": "aws:kms", "KMSMasterKeyID": network.logsKey.attribute(.arn)],
                 "BucketKeyEnabled": true]])

let problems = stack.validate()
guard problems.isEmpty else {
    for problem in problems { FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
    exit(2)
}
do {
    let template = try CloudFormationSynth.synthesize(stack)
    try FileManager.default.createDirectory(atPath: out + "/terraform", withIntermediateDirectories: true)
    try template.text.write(toFile: "\(out)/\(template.fileName)", atomically: true, encoding: .utf8)
    for file in try TerraformSynth.synthesize(terraformStack, config: config) {
        try Data(file.bytes).write(to: URL(fileURLWithPath: "\(out)/terraform/\(file.path)"))
    }
    print("wrote \(out)/\(template.fileName) and \(out)/terraform")
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
