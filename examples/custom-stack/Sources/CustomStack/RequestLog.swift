import StackModel

/// A DynamoDB table that records requests: a resource type slmstack does not ship, declared here
/// once for both formats.
struct RequestLog: DeclaredResource {
    static let kind = "RequestLog"
    var id: LogicalID
    var dependsOn: [LogicalID] = []
    var suppressions: [Suppression] = []
    /// The table's name.
    var name: Value
    /// The KMS key that encrypts it.
    var key: Value

    var cloudFormationType: String { "AWS::DynamoDB::Table" }
    var takesTags: Bool { true }
    var properties: [String: Value] {
        [
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [["AttributeName": "requestId", "AttributeType": "S"]],
            "KeySchema": [["AttributeName": "requestId", "KeyType": "HASH"]],
            "PointInTimeRecoverySpecification": ["PointInTimeRecoveryEnabled": true],
            "SSESpecification": ["SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": key],
        ]
    }
    var terraform: TerraformDeclaration? {
        TerraformDeclaration(type: "aws_dynamodb_table",
                             arguments: ["name": name, "billing_mode": "PAY_PER_REQUEST", "hash_key": "requestId"],
                             blocks: [
                                 TerraformBlock("attribute", ["name": "requestId", "type": "S"]),
                                 TerraformBlock("point_in_time_recovery", ["enabled": true]),
                                 TerraformBlock("server_side_encryption", ["enabled": true, "kms_key_arn": key]),
                             ],
                             refAttribute: "name")
    }
}
