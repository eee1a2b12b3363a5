/// How an AWS service is reached and signed: facts from botocore's service models
/// (`metadata`: serviceId, endpointPrefix, signingName, apiVersion, targetPrefix, jsonVersion).
public struct AWSService: Sendable, Hashable, CustomStringConvertible {
    /// The SDK service id, for example `CloudFormation`, `SageMaker Runtime`, `API Gateway`.
    public let id: String
    /// The first labels of the standard host: `cloudformation`, `api.sagemaker`, `runtime.sagemaker`.
    public let endpointPrefix: String
    /// The SigV4 signing name (`sagemaker` for SageMaker Runtime, `pricing` for Pricing).
    public let signingName: String
    /// The API version sent by the query protocol (`Version=`).
    public let apiVersion: String
    /// JSON protocol: the `X-Amz-Target` prefix, for example `SageMaker`.
    public let targetPrefix: String?
    /// JSON protocol: `1.0` or `1.1`.
    public let jsonVersion: String
    /// Global services (IAM): the host without a region and the region used in the signature.
    public let global: (host: String, signingRegion: String)?

    /// Creates a service description.
    public init(id: String, endpointPrefix: String, signingName: String? = nil, apiVersion: String,
                targetPrefix: String? = nil, jsonVersion: String = "1.1", global: (host: String, signingRegion: String)? = nil) {
        self.id = id
        self.endpointPrefix = endpointPrefix
        self.signingName = signingName ?? endpointPrefix
        self.apiVersion = apiVersion
        self.targetPrefix = targetPrefix
        self.jsonVersion = jsonVersion
        self.global = global
    }

    /// The suffix of the per-service endpoint variable: the service id upper-cased with spaces as
    /// `_` (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`), as the AWS SDKs name it.
    public var environmentSuffix: String { id.uppercased().replacingOccurrences(of: " ", with: "_") }

    public var description: String { id }

    public static func == (lhs: AWSService, rhs: AWSService) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    /// CloudFormation, query protocol 2010-05-15.
    public static let cloudFormation = AWSService(id: "CloudFormation", endpointPrefix: "cloudformation", apiVersion: "2010-05-15")
    /// STS, query protocol; regional endpoints.
    public static let sts = AWSService(id: "STS", endpointPrefix: "sts", apiVersion: "2011-06-15")
    /// IAM, query protocol; global host `iam.amazonaws.com`, signed for us-east-1.
    public static let iam = AWSService(id: "IAM", endpointPrefix: "iam", apiVersion: "2010-05-08",
                                       global: (host: "iam.amazonaws.com", signingRegion: "us-east-1"))
    /// EC2, EC2 query protocol.
    public static let ec2 = AWSService(id: "EC2", endpointPrefix: "ec2", apiVersion: "2016-11-15")
    /// S3, REST-XML; see `AWSClient.putObject` and friends.
    public static let s3 = AWSService(id: "S3", endpointPrefix: "s3", apiVersion: "2006-03-01")
    /// SageMaker control plane, JSON 1.1 (`X-Amz-Target: SageMaker.<Op>`), host `api.sagemaker.{region}`.
    public static let sageMaker = AWSService(id: "SageMaker", endpointPrefix: "api.sagemaker", signingName: "sagemaker",
                                             apiVersion: "2017-07-24", targetPrefix: "SageMaker")
    /// SageMaker Runtime (InvokeEndpoint), REST-JSON, host `runtime.sagemaker.{region}`, signed as `sagemaker`.
    public static let sageMakerRuntime = AWSService(id: "SageMaker Runtime", endpointPrefix: "runtime.sagemaker",
                                                    signingName: "sagemaker", apiVersion: "2017-05-13")
    /// API Gateway control plane, REST-JSON, signed as `apigateway`.
    public static let apiGateway = AWSService(id: "API Gateway", endpointPrefix: "apigateway", apiVersion: "2015-07-09")
    /// Price List Query API, JSON 1.1, host `api.pricing.{region}` (us-east-1, eu-central-1, ap-south-1), signed as `pricing`.
    public static let pricing = AWSService(id: "Pricing", endpointPrefix: "api.pricing", signingName: "pricing",
                                           apiVersion: "2017-10-15", targetPrefix: "AWSPriceListService")
    /// Lambda, REST-JSON.
    public static let lambda = AWSService(id: "Lambda", endpointPrefix: "lambda", apiVersion: "2015-03-31")
    /// CloudWatch Logs, JSON 1.1 (`Logs_20140328`).
    public static let logs = AWSService(id: "CloudWatch Logs", endpointPrefix: "logs", apiVersion: "2014-03-28",
                                        targetPrefix: "Logs_20140328")
    /// CloudWatch (metrics and alarms), query protocol, host `monitoring.{region}`.
    public static let cloudWatch = AWSService(id: "CloudWatch", endpointPrefix: "monitoring", apiVersion: "2010-08-01")
    /// EventBridge Scheduler, REST-JSON.
    public static let scheduler = AWSService(id: "Scheduler", endpointPrefix: "scheduler", apiVersion: "2021-06-30")
    /// SQS, JSON 1.0 (`X-Amz-Target: AmazonSQS.<Op>`), as botocore's sqs model since 2023.
    public static let sqs = AWSService(id: "SQS", endpointPrefix: "sqs", apiVersion: "2012-11-05", targetPrefix: "AmazonSQS", jsonVersion: "1.0")
    /// IAM Identity Center portal (GetRoleCredentials), REST-JSON with a bearer token, host `portal.sso.{region}`.
    public static let sso = AWSService(id: "SSO", endpointPrefix: "portal.sso", signingName: "awsssoportal", apiVersion: "2019-06-10")

    /// Every service above.
    public static let all: [AWSService] = [
        .cloudFormation, .sts, .iam, .ec2, .s3, .sageMaker, .sageMakerRuntime, .apiGateway, .pricing, .lambda, .logs,
        .cloudWatch, .scheduler, .sso, .sqs,
    ]
}

/// Where one call goes: the base URL and the signing scope.
public struct ResolvedEndpoint: Sendable, Equatable {
    /// `scheme://host[:port]` plus an optional base path, without a trailing `/`.
    public var url: String
    /// The region in the credential scope.
    public var signingRegion: String
    /// The service in the credential scope.
    public var signingName: String
    /// Whether the URL came from an override (`--endpoint-url`, `AWS_ENDPOINT_URL*`); S3 then uses path-style.
    public var isCustom: Bool
}

/// Picks the endpoint for each service: an override, or the standard AWS host.
///
/// Order, as the AWS SDKs: the `--endpoint-url` flag, then `AWS_ENDPOINT_URL_<SERVICE>`, then
/// `AWS_ENDPOINT_URL`, then the standard host (`{prefix}.{region}.amazonaws.com`,
/// `.amazonaws.com.cn` in China regions; IAM is global).
public struct EndpointResolver: Sendable {
    /// The `--endpoint-url` value, for every service.
    public var override: String?
    /// Per-service overrides, by `AWSService.environmentSuffix`.
    public var serviceOverrides: [String: String]
    /// The global override from `AWS_ENDPOINT_URL`.
    public var globalOverride: String?

    /// Creates a resolver.
    public init(override: String? = nil, serviceOverrides: [String: String] = [:], globalOverride: String? = nil) {
        self.override = override
        self.serviceOverrides = serviceOverrides
        self.globalOverride = globalOverride
    }

    /// Reads `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` from `environment`.
    ///
    /// - Throws: `AWSClientError.invalidEndpoint` for a value that is not an http(s) URL.
    public init(flag: String?, environment: [String: String]) throws {
        var perService: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix("AWS_ENDPOINT_URL_") && !value.isEmpty {
            perService[String(name.dropFirst("AWS_ENDPOINT_URL_".count))] = try Self.validated(value, name: name)
        }
        let global = try environment["AWS_ENDPOINT_URL"].flatMap { $0.isEmpty ? nil : try Self.validated($0, name: "AWS_ENDPOINT_URL") }
        self.init(override: try flag.map { try Self.validated($0, name: "--endpoint-url") }, serviceOverrides: perService, globalOverride: global)
    }

    /// Checks that `value` is `http(s)://host[:port][/path]` and drops a trailing `/`.
    ///
    /// - Throws: `AWSClientError.invalidEndpoint` for a malformed URL; `.invalidConfiguration` for
    ///   plain HTTP to an AWS host (see `EndpointPolicy`).
    public static func validated(_ value: String, name: String) throws -> String {
        let lower = value.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw AWSClientError.invalidEndpoint(name: name, value: value)
        }
        let rest = value.drop { $0 != ":" }.dropFirst(3)
        guard let host = rest.split(separator: "/", omittingEmptySubsequences: false).first, !host.isEmpty,
              !value.contains(" "), !value.contains("?"), !value.contains("#") else {
            throw AWSClientError.invalidEndpoint(name: name, value: value)
        }
        if case .refused(let message) = EndpointPolicy.verdict(for: value, name: name) {
            throw AWSClientError.invalidConfiguration(message)
        }
        var trimmed = value
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed
    }

    /// Where the endpoint of `service` comes from, for messages: `--endpoint-url`,
    /// `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, or `the standard endpoint`.
    public func source(for service: AWSService) -> String {
        if override != nil { return "--endpoint-url" }
        if serviceOverrides[service.environmentSuffix] != nil { return "AWS_ENDPOINT_URL_\(service.environmentSuffix)" }
        if globalOverride != nil { return "AWS_ENDPOINT_URL" }
        return "the standard endpoint"
    }

    /// The endpoint of `service` for a client configured for `region`.
    public func endpoint(for service: AWSService, region: String) -> ResolvedEndpoint {
        let signingRegion = service.global?.signingRegion ?? region
        if let custom = override ?? serviceOverrides[service.environmentSuffix] ?? globalOverride {
            return ResolvedEndpoint(url: custom, signingRegion: signingRegion, signingName: service.signingName, isCustom: true)
        }
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        let host = service.global?.host ?? "\(service.endpointPrefix).\(region).\(suffix)"
        return ResolvedEndpoint(url: "https://\(host)", signingRegion: signingRegion, signingName: service.signingName, isCustom: false)
    }
}
