import AWSClient
import Foundation
import StackModel

/// The account checks run before anything is created or billed (`slmstack preflight`, and the start of
/// `deploy` and `resume`). Read-only calls only: sts GetCallerIdentity, Service Quotas, lambda
/// GetAccountSettings/GetFunctionConcurrency, apigateway GetAccount, ec2 Describe*, cloudformation
/// DescribeStacks/DescribeStackResources. CloudFormation type availability comes from the generated
/// region catalog (cfn-lint's region provider lists), not from DescribeType calls.
public struct Preflight: Sendable {
    /// Service Quotas codes checked against their names (a code is used only when the answer carries the
    /// expected name; other instance types are found by name, applied value first, else the AWS default).
    /// Sources: codes seen in public quota audits (`L-1928E07B` "ml.g5.xlarge for endpoint usage" in three).
    public static let endpointQuotaCodes: [String: String] = [
        "ml.g5.xlarge": "L-1928E07B", "ml.g6.xlarge": "L-D470D954", "ml.g6e.xlarge": "L-B0729CB4",
    ]
    /// (service code, quota code, quota name): VPCs per region.
    public static let vpcQuota = ("vpc", "L-F678F1CE", "VPCs per Region")
    /// (service code, quota code, quota name): NAT gateways per availability zone.
    public static let natQuota = ("vpc", "L-FE5A380F", "NAT gateways per Availability Zone")
    /// (service code, quota code, quota name): Elastic IP addresses.
    public static let eipQuota = ("ec2", "L-0263D0A3", "EC2-VPC Elastic IPs")
    /// (service code, quota code, quota name): the account's Lambda concurrency.
    public static let lambdaQuota = ("lambda", "L-B99A9384", "Concurrent executions")

    let client: AWSClient

    /// Creates a preflight over a client (its region is the one checked).
    public init(client: AWSClient) { self.client = client }

    /// The Service Quotas increase request, as an AWS CLI command.
    public static func requestCommand(service: String, code: String, value: Int, region: String) -> String {
        "aws service-quotas request-service-quota-increase --service-code \(service) --quota-code \(code) --desired-value \(value) --region \(region)"
    }

    /// The name of the endpoint-usage quota of a hosting instance type.
    public static func endpointQuotaName(_ instanceType: String) -> String { "\(instanceType) for endpoint usage" }

    /// Runs every check.
    ///
    /// - Parameters:
    ///   - template: the CloudFormation JSON that would be deployed.
    ///   - stackName: the stack, to count only what a deploy adds to an existing copy.
    /// - Returns: the report; failures are states of the account, not errors.
    /// - Throws: `AWSClientError` when a call itself fails, `PreflightError.invalidTemplate`.
    public func run(template: String, stackName: String) async throws -> PreflightReport {
        let region = client.region
        let needs = try StackNeeds(template: template, region: region)
        let identity = try await client.getCallerIdentity()
        var checks = [PreflightCheck("identity", .ok, "account \(identity.account) as \(identity.arn)")]
        let existing = try await ExistingStack.read(stackName, api: CloudFormationAPI(client: client))
        checks.append(Self.cloudFormationTypes(needs, region: region))
        checks += try await endpointQuota(needs, region: region)
        checks.append(try await lambdaConcurrency(needs, existing: existing, region: region))
        checks.append(try await apiGatewayRole(needs, existing: existing))
        checks += try await network(needs, existing: existing, region: region)
        return PreflightReport(region: region, account: identity.account, checks: checks)
    }

    /// Whether the region offers the template's CloudFormation types, from the generated region catalog; a type
    /// the catalog does not list (a `--template` of one's own) is reported unchecked (warn), never as offered.
    static func cloudFormationTypes(_ needs: StackNeeds, region: String) -> PreflightCheck {
        let used = needs.typeCounts.keys.sorted()
        if let missing = RegionCatalog.missingCloudFormationTypes[region] {
            let lacking = used.filter { missing.contains($0) }
            if !lacking.isEmpty {
                return PreflightCheck("cloudformation-types", .fail, "\(region) lacks \(lacking.count) of the \(used.count) CloudFormation types the stack uses: \(lacking.joined(separator: ", ")) (generated catalog from cfn-lint's region lists)",
                                      fix: "deploy to a region with SageMaker CloudFormation support (--region), one of \(RegionCatalog.regions.joined(separator: ", "))")
            }
        } else if !RegionCatalog.regions.contains(region) {
            return PreflightCheck("cloudformation-types", .warn, "\(region) is not in the region catalog, so its CloudFormation types are unchecked",
                                  fix: "use a catalog region (--region): \(RegionCatalog.regions.joined(separator: ", "))")
        }
        let unlisted = used.filter { !RegionCatalog.cloudFormationTypes.contains($0) }
        guard unlisted.isEmpty else {
            return PreflightCheck("cloudformation-types", .warn, "\(used.count - unlisted.count) of the \(used.count) CloudFormation types the stack uses are offered in \(region); \(unlisted.count) not in the region catalog, unchecked: \(unlisted.joined(separator: ", "))",
                                  fix: "check each is offered in \(region): aws cloudformation describe-type --type RESOURCE --type-name TYPE --region \(region)")
        }
        return PreflightCheck("cloudformation-types", .ok, "all \(used.count) CloudFormation types the stack uses are offered in \(region) (generated catalog from cfn-lint's region lists)")
    }

    func endpointQuota(_ needs: StackNeeds, region: String) async throws -> [PreflightCheck] {
        guard let type = needs.instanceType else { return [] }
        let name = Self.endpointQuotaName(type)
        var quota: ServiceQuota?
        if let code = Self.endpointQuotaCodes[type] {
            quota = try await client.serviceQuota(service: "sagemaker", code: code)
            if quota?.name != name { quota = nil }
        }
        if quota == nil { quota = try await client.serviceQuota(service: "sagemaker", named: name) }
        guard let quota else {
            return [PreflightCheck("hosting-instance", .fail, "\(type) is not offered for SageMaker hosting in \(region): Service Quotas has no '\(name)' quota there",
                                   fix: "choose another instance type (--instance-type) or region (--region)")]
        }
        let offered = PreflightCheck("hosting-instance", .ok, "\(type) is offered for SageMaker hosting in \(region) ('\(name)' quota \(quota.code) exists)")
        let value = Int(quota.value)
        guard value >= needs.maxInstances else {
            return [offered, PreflightCheck("endpoint-quota", .fail, "'\(name)' (\(quota.code)) is \(value), the stack runs up to \(needs.maxInstances): CreateEndpoint would fail with ResourceLimitExceeded after the rest is built",
                                            fix: "request \(needs.maxInstances) in Service Quotas (SageMaker, '\(name)', \(quota.code)): \(Self.requestCommand(service: "sagemaker", code: quota.code, value: needs.maxInstances, region: region))")]
        }
        return [offered, PreflightCheck("endpoint-quota", .ok, "'\(name)' (\(quota.code)) is \(value), the stack runs up to \(needs.maxInstances) (other endpoints of this type in the account count too)")]
    }

    func lambdaConcurrency(_ needs: StackNeeds, existing: ExistingStack?, region: String) async throws -> PreflightCheck {
        let settings = try await client.lambdaAccountSettings()
        let held = existing?.reservedConcurrency ?? 0
        let added = needs.reservedConcurrency - held
        let left = settings.unreservedConcurrentExecutions - added
        let seen = "account concurrency \(settings.concurrentExecutions), unreserved \(settings.unreservedConcurrentExecutions)"
            + (held > 0 ? " (the stack holds \(held))" : "") + "; the stack reserves \(needs.reservedConcurrency), leaving \(left) unreserved, Lambda's minimum is \(settings.minimumUnreserved)"
        if needs.reservedConcurrency == 0 {
            let room = "account concurrency \(settings.concurrentExecutions), unreserved \(settings.unreservedConcurrentExecutions); the stack reserves none and its usage plan lets \(needs.throttleBurst) requests reach the shim at once"
            if settings.unreservedConcurrentExecutions < needs.throttleBurst {
                return PreflightCheck("lambda-concurrency", .warn, room + ": Lambda throttles the excess (callers see 5xx)",
                                      fix: "lower throttle-burst to \(settings.unreservedConcurrentExecutions), or request more in Service Quotas (Lambda, '\(Self.lambdaQuota.2)', \(Self.lambdaQuota.1))")
            }
            if settings.concurrentExecutions < 100 {
                return PreflightCheck("lambda-concurrency", .warn, room + "; below 100 the account cannot reserve any (Lambda keeps \(settings.minimumUnreserved) unreserved), so lambda-concurrency must stay none",
                                      fix: "request 1000 in Service Quotas (Lambda, '\(Self.lambdaQuota.2)', \(Self.lambdaQuota.1)): \(Self.requestCommand(service: Self.lambdaQuota.0, code: Self.lambdaQuota.1, value: 1000, region: region))")
            }
            return PreflightCheck("lambda-concurrency", .ok, room)
        }
        guard added <= 0 || left >= settings.minimumUnreserved else {
            let wanted = settings.concurrentExecutions + (settings.minimumUnreserved - left) + (settings.concurrentExecutions < 100 ? 100 - settings.minimumUnreserved : 0)
            let (service, code, name) = Self.lambdaQuota
            return PreflightCheck("lambda-concurrency", .fail, seen + ": Lambda would refuse the reservation",
                                  fix: "lower lambda-concurrency (at most \(max(0, settings.reservable + held)) fits), or request \(wanted) in Service Quotas (Lambda, '\(name)', \(code)): \(Self.requestCommand(service: service, code: code, value: wanted, region: region))")
        }
        return PreflightCheck("lambda-concurrency", .ok, seen)
    }

    func apiGatewayRole(_ needs: StackNeeds, existing: ExistingStack?) async throws -> PreflightCheck {
        let account = try await client.apiGatewayAccount()
        let id = "apigateway-role"
        guard let arn = account.cloudWatchRoleARN else {
            switch needs.apiGatewayAccount {
            case .always, .conditional:
                return PreflightCheck(id, .warn, "the account has no API Gateway CloudWatch role in this region: the stack creates its own and makes it the account's setting (account-wide, per region)",
                                      fix: "none needed; to manage the account's role yourself, set one (aws apigateway update-account --patch-operations op=replace,path=/cloudwatchRoleArn,value=ROLE_ARN) and deploy with --api-gateway-account off")
            case .none where needs.stageLogs:
                return PreflightCheck(id, .fail, "the account has no API Gateway CloudWatch role in this region and the stack does not set one, but its stage logs: API Gateway would refuse the stage (\"CloudWatch Logs role ARN must be set in account settings\")",
                                      fix: "deploy without --api-gateway-account off, or set a role once for the region (aws apigateway update-account --patch-operations op=replace,path=/cloudwatchRoleArn,value=ROLE_ARN)")
            case .none:
                return PreflightCheck(id, .ok, "the account has no API Gateway CloudWatch role; the stack does not log through API Gateway")
            }
        }
        if existing?.roleNames.contains(where: { arn.hasSuffix("/" + $0) }) == true {
            return PreflightCheck(id, .ok, "the account's API Gateway CloudWatch role is this stack's own (\(arn))")
        }
        if needs.apiGatewayAccount == .always {
            return PreflightCheck(id, .warn, "the account already has an API Gateway CloudWatch role (\(arn)); the stack would replace it for every REST API in this region",
                                  fix: "deploy with the api-gateway-account setting that keeps an existing role (--api-gateway-account off, or auto where offered)")
        }
        return PreflightCheck(id, .ok, "the account has an API Gateway CloudWatch role (\(arn)); the stack uses it and leaves it as it is")
    }

    func network(_ needs: StackNeeds, existing: ExistingStack?, region: String) async throws -> [PreflightCheck] {
        func adds(_ type: String) -> Int { max(0, needs.count(type) - (existing?.typeCounts[type] ?? 0)) }
        let usage = try await client.networkUsage()
        let zones = try await client.availabilityZones()
        let chosen = Array(zones.prefix(needs.zoneCount))
        var checks: [PreflightCheck] = []
        func quotaCheck(_ id: String, _ spec: (String, String, String), used: Int, adding: Int, what: String) async throws {
            guard adding > 0 else { return checks.append(PreflightCheck(id, .ok, "\(what): the stack adds none (\(used) in use)")) }
            let value = Int(try await client.serviceQuota(service: spec.0, code: spec.1)?.value ?? Double(Int.max / 2))
            let seen = "'\(spec.2)' (\(spec.1)) is \(value), \(used) in use, the stack adds \(adding)"
            if used + adding > value {
                checks.append(PreflightCheck(id, .fail, seen, fix: "release unused ones or request \(used + adding) in Service Quotas (\(spec.0), '\(spec.2)', \(spec.1)): \(Self.requestCommand(service: spec.0, code: spec.1, value: used + adding, region: region))"))
            } else {
                checks.append(PreflightCheck(id, .ok, seen))
            }
        }
        try await quotaCheck("vpc-quota", Self.vpcQuota, used: usage.vpcs, adding: adds("AWS::EC2::VPC"), what: "VPCs")
        try await quotaCheck("eip-quota", Self.eipQuota, used: usage.elasticIPs, adding: adds("AWS::EC2::EIP"), what: "Elastic IPs")
        // The NAT gateways go in the first zones; the quota counts per zone.
        let natZone = chosen.first?.name ?? "?"
        try await quotaCheck("nat-quota", Self.natQuota, used: usage.natGatewaysByZone[natZone] ?? 0, adding: adds("AWS::EC2::NatGateway"), what: "NAT gateways in \(natZone)")
        for service in needs.interfaceServices {
            guard let offered = try await client.vpcEndpointServiceZones(service) else {
                checks.append(PreflightCheck("endpoint-service", .fail, "\(region) does not offer the interface endpoint service \(service)", fix: "choose another region (--region)"))
                continue
            }
            let missing = chosen.filter { !offered.contains($0.name) }
            let names = chosen.map { "\($0.name) (\($0.id))" }.joined(separator: ", ")
            if chosen.count < needs.zoneCount {
                checks.append(PreflightCheck("endpoint-service", .fail, "the stack uses \(needs.zoneCount) availability zones, \(region) has \(chosen.count) available", fix: "lower az-count (--az-count \(max(1, chosen.count)))"))
            } else if missing.isEmpty {
                checks.append(PreflightCheck("endpoint-service", .ok, "\(service) is offered in the stack's zones \(names)"))
            } else {
                checks.append(PreflightCheck("endpoint-service", .fail, "\(service) is not offered in \(missing.map { "\($0.name) (\($0.id))" }.joined(separator: ", ")), one of the stack's zones \(names) (offered in \(offered.sorted().joined(separator: ", ")))",
                                             fix: "deploy to another region (--region); the stack takes the first \(needs.zoneCount) zones in name order (Fn::GetAZs)"))
            }
        }
        return checks
    }
}
