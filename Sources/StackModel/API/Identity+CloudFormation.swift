// The identity and logging types' CloudFormation forms: type, properties and whether they take tags.

extension Role {
    public var cloudFormationType: String { "AWS::IAM::Role" }
    /// Inline policies in name order, each written `PolicyName` before `PolicyDocument`.
    public var properties: [String: Value] {
        let inline = policies.keys.sorted().map { name in Value.ordered(["PolicyName": .string(name), "PolicyDocument": policies[name]!.value]) }
        return ["Description": .string(description), "AssumeRolePolicyDocument": trust.value, "Policies": .list(inline)]
    }
    public var takesTags: Bool { true }
}

extension KmsKey {
    public var cloudFormationType: String { "AWS::KMS::Key" }
    public var properties: [String: Value] {
        ["Description": .string(description), "EnableKeyRotation": true, "PendingWindowInDays": .int(pendingWindowDays), "KeyPolicy": policy.value]
    }
    public var takesTags: Bool { true }
}

extension LogGroup {
    public var cloudFormationType: String { "AWS::Logs::LogGroup" }
    public var properties: [String: Value] {
        var properties: [String: Value] = ["RetentionInDays": .int(retentionDays)]
        if let name { properties["LogGroupName"] = name }
        if let kmsKey { properties["KmsKeyId"] = kmsKey }
        return properties
    }
    public var takesTags: Bool { true }
}
