/// One statement of an IAM policy.
public struct PolicyStatement: Sendable, Hashable {
    public var sid: String?
    public var effect: String
    public var actions: [String]
    public var resources: [Value]
    /// Service principals (for trust and key policies), for example `lambda.amazonaws.com`.
    public var servicePrincipals: [String]
    /// AWS principals (for key policies): ARNs or the account root.
    public var awsPrincipals: [Value]
    /// Conditions: operator → key → values.
    public var conditions: [String: [String: Value]]

    /// An `Allow` statement of actions on resources.
    public static func allow(_ actions: [String], on resources: [Value], sid: String? = nil,
                             conditions: [String: [String: Value]] = [:]) -> PolicyStatement {
        PolicyStatement(sid: sid, effect: "Allow", actions: actions, resources: resources,
                        servicePrincipals: [], awsPrincipals: [], conditions: conditions)
    }

    /// A trust statement letting a service assume the role.
    public static func trust(_ service: String, conditions: [String: [String: Value]] = [:]) -> PolicyStatement {
        PolicyStatement(sid: nil, effect: "Allow", actions: ["sts:AssumeRole"], resources: [],
                        servicePrincipals: [service], awsPrincipals: [], conditions: conditions)
    }
}

/// An IAM policy document.
public struct PolicyDocument: Sendable, Hashable {
    public var statements: [PolicyStatement]

    public init(_ statements: [PolicyStatement]) { self.statements = statements }

    /// The document as a value in IAM's JSON shape (`Version`, `Statement`).
    public var value: Value {
        .object([
            "Version": "2012-10-17",
            "Statement": .list(statements.map { statement in
                var fields: [String: Value] = ["Effect": .string(statement.effect)]
                if let sid = statement.sid { fields["Sid"] = .string(sid) }
                fields["Action"] = statement.actions.count == 1 ? .string(statement.actions[0]) : .list(statement.actions.map(Value.string))
                if !statement.resources.isEmpty {
                    fields["Resource"] = statement.resources.count == 1 ? statement.resources[0] : .list(statement.resources)
                }
                var principal: [String: Value] = [:]
                if !statement.servicePrincipals.isEmpty {
                    principal["Service"] = statement.servicePrincipals.count == 1
                        ? .string(statement.servicePrincipals[0]) : .list(statement.servicePrincipals.map(Value.string))
                }
                if !statement.awsPrincipals.isEmpty {
                    principal["AWS"] = statement.awsPrincipals.count == 1 ? statement.awsPrincipals[0] : .list(statement.awsPrincipals)
                }
                if !principal.isEmpty { fields["Principal"] = .object(principal) }
                if !statement.conditions.isEmpty {
                    fields["Condition"] = .object(statement.conditions.mapValues { .object($0) })
                }
                return .object(fields)
            }),
        ])
    }
}

/// An IAM role with inline policies (`AWS::IAM::Role`; Terraform `aws_iam_role` plus one
/// `aws_iam_role_policy` per inline policy). No fixed role name: a second copy of the stack can coexist.
public struct Role: Resource {
    public static let kind = "Role"
    public let id: LogicalID
    public var description: String
    public var trust: PolicyDocument
    /// Inline policies by name, rendered in name order.
    public var policies: [String: PolicyDocument]
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, description: String, assumedBy service: String,
                trustConditions: [String: [String: Value]] = [:], policies: [String: PolicyDocument]) {
        self.id = id
        self.description = description
        self.trust = PolicyDocument([.trust(service, conditions: trustConditions)])
        self.policies = policies
    }
}

/// A customer-managed KMS key with rotation on (`AWS::KMS::Key`, `aws_kms_key`).
public struct KmsKey: Resource {
    public static let kind = "KmsKey"
    public let id: LogicalID
    public var description: String
    public var policy: PolicyDocument
    public var pendingWindowDays: Int
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, description: String, policy: PolicyDocument, pendingWindowDays: Int = 7) {
        self.id = id
        self.description = description
        self.policy = policy
        self.pendingWindowDays = pendingWindowDays
    }
}

/// A CloudWatch Logs log group with retention and optional KMS encryption
/// (`AWS::Logs::LogGroup`, `aws_cloudwatch_log_group`).
///
/// Without a `name` the group's name is generated. A name is for the groups a service writes to
/// by a name of its own (`/aws/sagemaker/Endpoints/<endpoint>`,
/// `API-Gateway-Execution-Logs_<api>/<stage>`): created by the stack first, they get its key and
/// retention and go with it, instead of being created by the service, unencrypted and never expiring.
public struct LogGroup: Resource {
    public static let kind = "LogGroup"
    public let id: LogicalID
    /// The group's name (`LogGroupName`), or nil for a generated one.
    public var name: Value?
    @FromSetting public var retentionDays: Int
    public var kmsKey: Value?
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, name: Value? = nil, retentionDays: Int, kmsKey: KmsKey?) {
        self.id = id
        self.name = name
        self.retentionDays = retentionDays
        self.kmsKey = kmsKey?.attribute(.arn)
    }
}
