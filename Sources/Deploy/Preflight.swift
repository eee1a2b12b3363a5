import AWSClient
import Foundation

/// The outcome of one preflight check.
public enum PreflightStatus: String, Sendable, Comparable {
    /// Nothing to do.
    case ok
    /// Worth knowing; the deploy goes ahead.
    case warn
    /// The account would refuse part of the stack; deploy and resume stop.
    case fail

    public static func < (a: PreflightStatus, b: PreflightStatus) -> Bool {
        let order: [PreflightStatus] = [.ok, .warn, .fail]
        return order.firstIndex(of: a)! < order.firstIndex(of: b)!
    }
}

/// One preflight check: what was looked at, what was seen, and the fix when it is not ok.
public struct PreflightCheck: Sendable, Equatable {
    /// A stable identifier for CI (`endpoint-quota`, `lambda-concurrency` …).
    public var id: String
    /// ok, warn or fail.
    public var status: PreflightStatus
    /// One line: what was seen against what the stack needs, with the numbers.
    public var summary: String
    /// What to do, when the status is not ok.
    public var fix: String?

    /// Creates a check.
    public init(_ id: String, _ status: PreflightStatus, _ summary: String, fix: String? = nil) {
        self.id = id
        self.status = status
        self.summary = summary
        self.fix = fix
    }
}

/// Why preflight stopped a command.
public enum PreflightError: Error, CustomStringConvertible, Equatable {
    /// The template could not be read.
    case invalidTemplate(String)
    /// Checks failed: the account would refuse part of the stack (deploy and resume stop, exit 3).
    case failed(PreflightReport)

    public var description: String {
        switch self {
        case .invalidTemplate(let reason): "preflight: \(reason)"
        case .failed(let report):
            "preflight: \(report.failures.count) check(s) failed (\(report.failures.map(\.id).joined(separator: ", "))); nothing was created: "
                + "fix them, or pass --skip-preflight to try anyway"
        }
    }
}

/// Every check of one preflight run.
public struct PreflightReport: Sendable, Equatable {
    /// The region checked.
    public var region: String
    /// The account the credentials belong to.
    public var account: String
    /// The checks, in the order they ran.
    public var checks: [PreflightCheck]

    /// The worst status.
    public var status: PreflightStatus { checks.map(\.status).max() ?? .ok }
    /// The checks that failed.
    public var failures: [PreflightCheck] { checks.filter { $0.status == .fail } }
}

/// What a template asks of the account, read from the CloudFormation JSON that would be deployed
/// (synthesized or `--template`), so it follows every option without knowing the settings.
public struct StackNeeds: Sendable, Equatable {
    /// Resource count per CloudFormation type.
    public var typeCounts: [String: Int]
    /// Hosting instance type of the endpoint config (the first variant), if any.
    public var instanceType: String?
    /// Instances the endpoint runs at most: the autoscaling maximum, else the initial count.
    public var maxInstances: Int
    /// Sum of `ReservedConcurrentExecutions` over the functions (a Fn::If counts its larger branch).
    public var reservedConcurrency: Int
    /// Availability zones the subnets use (`Fn::Select [i, Fn::GetAZs]`): highest index + 1.
    public var zoneCount: Int
    /// Interface endpoint service names, with `${AWS::Region}` resolved.
    public var interfaceServices: [String]
    /// Whether a stage turns on execution or access logging (needs the account's CloudWatch role).
    public var stageLogs: Bool
    /// How the template treats API Gateway's account role: not at all, always sets it, or under a
    /// condition decided at deploy time (only when the account has none).
    public var apiGatewayAccount: APIGatewayAccountUse
    /// The usage plans' largest `Throttle.BurstLimit`: requests API Gateway may hand the shim at once.
    public var throttleBurst: Int

    /// How a template treats `AWS::ApiGateway::Account`.
    public enum APIGatewayAccountUse: Sendable, Equatable {
        /// The template has no `AWS::ApiGateway::Account`.
        case none
        /// It always sets the account's role.
        case always
        /// It sets it under a condition (decided at deploy time, only when the account has none).
        case conditional
    }

    /// Reads the needs from a template.
    ///
    /// - Throws: `PreflightError.invalidTemplate` when the text is not a JSON template.
    public init(template: String, region: String) throws {
        guard let data = template.data(using: .utf8), let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let resources = root["Resources"] as? [String: Any] else {
            throw PreflightError.invalidTemplate("the template is not CloudFormation JSON with Resources")
        }
        let parameters = root["Parameters"] as? [String: Any] ?? [:]
        func int(_ value: Any?) -> Int? {
            switch value {
            case let n as NSNumber: return n.intValue
            case let s as String: return Int(s)
            case let o as [String: Any]:
                if let branches = o["Fn::If"] as? [Any], branches.count == 3 { return [int(branches[1]), int(branches[2])].compactMap { $0 }.max() }
                if let name = o["Ref"] as? String { return int((parameters[name] as? [String: Any])?["Default"]) }
                return nil
            default: return nil
            }
        }
        var counts: [String: Int] = [:], instanceType: String?, initial = 0, maximum = 0, reserved = 0, zones = 0
        var services: [String] = [], logs = false, account = APIGatewayAccountUse.none, burst = 0
        func scanZones(_ value: Any) {
            if let o = value as? [String: Any] {
                if let select = o["Fn::Select"] as? [Any], select.count == 2, (select[1] as? [String: Any])?["Fn::GetAZs"] != nil,
                   let index = int(select[0]) { zones = max(zones, index + 1) }
                o.values.forEach(scanZones)
            } else if let a = value as? [Any] { a.forEach(scanZones) }
        }
        for key in resources.keys.sorted() {
            guard let resource = resources[key] as? [String: Any], let type = resource["Type"] as? String else { continue }
            counts[type, default: 0] += 1
            let properties = resource["Properties"] as? [String: Any] ?? [:]
            scanZones(properties)
            switch type {
            case "AWS::SageMaker::EndpointConfig":
                if let variant = (properties["ProductionVariants"] as? [[String: Any]])?.first {
                    instanceType = instanceType ?? variant["InstanceType"] as? String
                    initial = max(initial, int(variant["InitialInstanceCount"]) ?? 1)
                }
            case "AWS::ApplicationAutoScaling::ScalableTarget":
                maximum = max(maximum, int(properties["MaxCapacity"]) ?? 0)
            case "AWS::Lambda::Function":
                reserved += int(properties["ReservedConcurrentExecutions"]) ?? 0
            case "AWS::EC2::VPCEndpoint" where (properties["VpcEndpointType"] as? String) == "Interface":
                let raw = properties["ServiceName"]
                let name = (raw as? String) ?? ((raw as? [String: Any])?["Fn::Sub"] as? String)
                if let name { services.append(name.replacingOccurrences(of: "${AWS::Region}", with: region)) }
            case "AWS::ApiGateway::Account":
                account = resource["Condition"] == nil ? .always : (account == .always ? .always : .conditional)
            case "AWS::ApiGateway::UsagePlan":
                burst = max(burst, int((properties["Throttle"] as? [String: Any])?["BurstLimit"]) ?? 0)
            case "AWS::ApiGateway::Stage":
                let levels = (properties["MethodSettings"] as? [[String: Any]] ?? []).compactMap { $0["LoggingLevel"] as? String }
                if properties["AccessLogSetting"] != nil || levels.contains(where: { $0 != "OFF" }) { logs = true }
            default: break
            }
        }
        typeCounts = counts
        self.instanceType = instanceType
        maxInstances = max(initial, maximum)
        reservedConcurrency = reserved
        zoneCount = zones
        interfaceServices = services.sorted()
        stageLogs = logs
        apiGatewayAccount = account
        throttleBurst = burst
    }

    /// How many resources of `type` the template declares.
    public func count(_ type: String) -> Int { typeCounts[type] ?? 0 }
}

/// What an already deployed copy of the stack holds, so that preflight counts only what a deploy adds.
public struct ExistingStack: Sendable, Equatable {
    /// Resource count per type among the stack's live resources.
    public var typeCounts: [String: Int]
    /// The reservations its functions hold now (they return to the pool when the template changes them).
    public var reservedConcurrency: Int
    /// Physical IDs of its IAM roles (names), to recognize the stack's own API Gateway role.
    public var roleNames: Set<String>

    /// Creates a description.
    public init(typeCounts: [String: Int] = [:], reservedConcurrency: Int = 0, roleNames: Set<String> = []) {
        self.typeCounts = typeCounts
        self.reservedConcurrency = reservedConcurrency
        self.roleNames = roleNames
    }

    /// Reads a deployed stack's resources and its functions' reservations (read-only calls).
    public static func read(_ stack: String, api: CloudFormationAPI) async throws -> ExistingStack? {
        guard try await api.describeStack(stack) != nil else { return nil }
        let live = try await api.stackResources(stack).filter { !$0.status.hasPrefix("DELETE_") && $0.status != "CREATE_FAILED" }
        var existing = ExistingStack()
        for resource in live {
            existing.typeCounts[resource.resourceType, default: 0] += 1
            guard let id = resource.physicalID, !id.isEmpty else { continue }
            if resource.resourceType == "AWS::Lambda::Function" {
                existing.reservedConcurrency += try await api.client.lambdaReservedConcurrency(function: id) ?? 0
            } else if resource.resourceType == "AWS::IAM::Role" {
                existing.roleNames.insert(id)
            }
        }
        return existing
    }
}
