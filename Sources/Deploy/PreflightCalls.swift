import AWSClient
import Foundation
import SigV4

// The read-only account calls preflight makes (and that deploy-time decisions can reuse), on the
// existing client API. Wire formats from botocore's service models (servicequotas 2019-06-24,
// lambda 2015-03-31 GetAccountSettings, apigateway GetAccount, ec2 2016-11-15).

extension AWSService {
    /// Service Quotas, JSON 1.1 (`X-Amz-Target: ServiceQuotasV20190624.<Op>`), signed as `servicequotas`.
    public static let serviceQuotas = AWSService(id: "Service Quotas", endpointPrefix: "servicequotas", apiVersion: "2019-06-24",
                                                 targetPrefix: "ServiceQuotasV20190624")
}

/// One Service Quotas quota.
public struct ServiceQuota: Sendable, Equatable {
    /// The service code, for example `sagemaker`, `ec2`, `vpc`.
    public var serviceCode: String
    /// The quota code, for example `L-1928E07B`.
    public var code: String
    /// The quota's name, for example `ml.g5.xlarge for endpoint usage`.
    public var name: String
    /// The applied (or default) value.
    public var value: Double
    /// Whether an increase can be requested.
    public var adjustable: Bool

    init?(_ json: JSONValue?) {
        guard let json, let code = json["QuotaCode"]?.string, let value = json["Value"]?.number else { return nil }
        self.serviceCode = json["ServiceCode"]?.string ?? ""
        self.code = code
        self.name = json["QuotaName"]?.string ?? code
        self.value = value
        self.adjustable = json["Adjustable"]?.bool ?? false
    }

    /// Creates a quota.
    public init(serviceCode: String, code: String, name: String, value: Double, adjustable: Bool) {
        self.serviceCode = serviceCode
        self.code = code
        self.name = name
        self.value = value
        self.adjustable = adjustable
    }
}

/// apigateway GetAccount: the account-wide, per-region CloudWatch Logs role of API Gateway.
public struct APIGatewayAccountSetting: Sendable, Equatable {
    /// The role API Gateway writes execution and access logs with, or nil when none is set.
    public var cloudWatchRoleARN: String?
    /// Whether the account has a role set.
    public var hasRole: Bool { cloudWatchRoleARN != nil }

    /// Creates a setting.
    public init(cloudWatchRoleARN: String?) {
        self.cloudWatchRoleARN = cloudWatchRoleARN?.isEmpty == true ? nil : cloudWatchRoleARN
    }
}

/// lambda GetAccountSettings: the account's concurrency in this region.
public struct LambdaAccountSettings: Sendable, Equatable {
    /// `AccountLimit.ConcurrentExecutions`.
    public var concurrentExecutions: Int
    /// `AccountLimit.UnreservedConcurrentExecutions`: what functions without a reservation share.
    public var unreservedConcurrentExecutions: Int

    /// Creates settings.
    public init(concurrentExecutions: Int, unreservedConcurrentExecutions: Int) {
        self.concurrentExecutions = concurrentExecutions
        self.unreservedConcurrentExecutions = unreservedConcurrentExecutions
    }

    /// The unreserved concurrency Lambda keeps for functions without a reservation: 100 ("You can reserve
    /// up to the Unreserved account concurrency value that is shown, minus 100", Lambda developer guide,
    /// configuration-concurrency), or the whole limit in accounts below 100 (the refusal then says
    /// "below its minimum value of [10]" at a limit of 10, "[50]" at 50).
    public var minimumUnreserved: Int { min(100, concurrentExecutions) }

    /// The most the account lets new reservations take now.
    public var reservable: Int { max(0, unreservedConcurrentExecutions - minimumUnreserved) }
}

extension AWSClient {
    /// Service Quotas GetServiceQuota, falling back to GetAWSDefaultServiceQuota when no applied value
    /// exists; nil when the quota does not exist in this region (NoSuchResourceException).
    public func serviceQuota(service: String, code: String) async throws -> ServiceQuota? {
        let body: JSONValue = ["ServiceCode": .string(service), "QuotaCode": .string(code)]
        for operation in ["GetServiceQuota", "GetAWSDefaultServiceQuota"] {
            do {
                if let quota = ServiceQuota(try await json(.serviceQuotas, operation: operation, body: body)["Quota"]) { return quota }
            } catch AWSClientError.service(let error) where error.code == "NoSuchResourceException" {
                continue
            }
        }
        return nil
    }

    /// The quota named `name` of a service, or nil: Service Quotas ListServiceQuotas (applied values), every
    /// page, then ListAWSDefaultServiceQuotas, because ListServiceQuotas leaves out a quota whose applied value
    /// is not available ("For some quotas, only the default values are available. If the applied quota value
    /// is not available for a quota, the quota is not retrieved", Service Quotas API reference, ListServiceQuotas).
    public func serviceQuota(service: String, named name: String) async throws -> ServiceQuota? {
        for operation in ["ListServiceQuotas", "ListAWSDefaultServiceQuotas"] {
            var token: String?
            repeat {
                var body: [String: JSONValue] = ["ServiceCode": .string(service), "MaxResults": 100]
                if let token { body["NextToken"] = .string(token) }
                let page = try await json(.serviceQuotas, operation: operation, body: .object(body))
                if let found = (page["Quotas"]?.array ?? []).compactMap({ ServiceQuota($0) }).first(where: { $0.name == name }) { return found }
                token = page["NextToken"]?.string
            } while token?.isEmpty == false
        }
        return nil
    }

    /// apigateway GetAccount (`GET /account`), for preflight and deploy alike.
    ///
    /// AWS leaves `cloudwatchRoleArn` out when no role is set, so its absence means "no role" only
    /// in an answer that is GetAccount's: one with `throttleSettings`, which AWS always sends (the
    /// account's limits). An answer without it (`{}` from a proxy) is an error, never "no role",
    /// which would make the stack take over the account-wide setting.
    ///
    /// - Throws: `AWSClientError.invalidResponse` naming `throttleSettings`, or the call's errors.
    public func apiGatewayAccount() async throws -> APIGatewayAccountSetting {
        let answer = try await restJSON(.apiGateway, operation: "GetAccount", method: "GET", path: "/account")
        _ = try answer.require("throttleSettings", operation: "apigateway GetAccount")
        return APIGatewayAccountSetting(cloudWatchRoleARN: answer["cloudwatchRoleArn"]?.string)
    }

    /// lambda GetAccountSettings (`GET /2016-08-19/account-settings`, as botocore sends it).
    public func lambdaAccountSettings() async throws -> LambdaAccountSettings {
        let answer = try await restJSON(.lambda, operation: "GetAccountSettings", method: "GET", path: "/2016-08-19/account-settings")
        guard let limit = answer["AccountLimit"]?["ConcurrentExecutions"]?.int,
              let unreserved = answer["AccountLimit"]?["UnreservedConcurrentExecutions"]?.int else {
            throw AWSClientError.invalidResponse(operation: "lambda GetAccountSettings", reason: "no AccountLimit.ConcurrentExecutions in the answer")
        }
        return LambdaAccountSettings(concurrentExecutions: limit, unreservedConcurrentExecutions: unreserved)
    }

    /// lambda GetFunctionConcurrency: the function's reservation, or nil for none.
    public func lambdaReservedConcurrency(function: String) async throws -> Int? {
        let path = "/2019-09-30/functions/" + URIEncoding.encode(function) + "/concurrency"
        return try await restJSON(.lambda, operation: "GetFunctionConcurrency", method: "GET", path: path)["ReservedConcurrentExecutions"]?.int
    }

    /// An EC2 Describe call, every page (`NextToken`); the `item`s of `set` from each page.
    func ec2Items(_ action: String, set: String, parameters: [(String, String)] = []) async throws -> [XMLNode] {
        var items: [XMLNode] = []
        var token: String?
        repeat {
            var page = parameters
            if let token { page.append(("NextToken", token)) }
            let root = try await query(.ec2, action: action, parameters: page)
            items += root.child(set)?.members ?? []
            token = root.child("nextToken")?.text
        } while token?.isEmpty == false
        return items
    }

    /// EC2 DescribeAvailabilityZones: the available zones of the region as (name, id), in name order.
    public func availabilityZones() async throws -> [(name: String, id: String)] {
        let items = try await ec2Items("DescribeAvailabilityZones", set: "availabilityZoneInfo",
                                       parameters: [("Filter.1.Name", "state"), ("Filter.1.Value.1", "available")])
        return items.filter { ($0.value("zoneType") ?? "availability-zone") == "availability-zone" }
            .compactMap { item in item.value("zoneName").map { ($0, item.value("zoneId") ?? "") } }
            .sorted { $0.name < $1.name }
    }

    /// EC2 DescribeVpcEndpointServices for one service name: the zones it is offered in, or nil when
    /// the region does not offer it.
    public func vpcEndpointServiceZones(_ serviceName: String) async throws -> [String]? {
        do {
            let root = try await query(.ec2, action: "DescribeVpcEndpointServices", parameters: [("ServiceName.1", serviceName)])
            guard let detail = root.child("serviceDetailSet")?.members.first(where: { $0.value("serviceName") == serviceName }) else { return nil }
            return detail.child("availabilityZoneSet")?.members.map(\.text) ?? []
        } catch AWSClientError.service(let error) where error.code == "InvalidServiceName" {
            return nil
        }
    }

    /// EC2 usage preflight compares with quotas: VPCs, VPC Elastic IPs, and NAT gateways that are
    /// pending or available, by availability zone.
    public func networkUsage() async throws -> (vpcs: Int, elasticIPs: Int, natGatewaysByZone: [String: Int]) {
        let vpcs = try await ec2Items("DescribeVpcs", set: "vpcSet").count
        let addresses = try await query(.ec2, action: "DescribeAddresses").child("addressesSet")?.members ?? []
        let eips = addresses.filter { ($0.value("domain") ?? "vpc") == "vpc" }.count
        let nats = try await ec2Items("DescribeNatGateways", set: "natGatewaySet",
                                      parameters: [("Filter.1.Name", "state"), ("Filter.1.Value.1", "pending"), ("Filter.1.Value.2", "available")])
        var byZone: [String: Int] = [:]
        let subnets = Set(nats.compactMap { $0.value("subnetId") }).sorted()
        if !subnets.isEmpty {
            var parameters: [(String, String)] = []
            for (index, subnet) in subnets.enumerated() { parameters.append(("SubnetId.\(index + 1)", subnet)) }
            let zones = try await ec2Items("DescribeSubnets", set: "subnetSet", parameters: parameters)
            let zoneOf = Dictionary(zones.compactMap { s in s.value("subnetId").map { ($0, s.value("availabilityZone") ?? "?") } }, uniquingKeysWith: { a, _ in a })
            for nat in nats { byZone[zoneOf[nat.value("subnetId") ?? ""] ?? "?", default: 0] += 1 }
        }
        return (vpcs, eips, byZone)
    }
}
