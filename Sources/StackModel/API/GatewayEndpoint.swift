/// A gateway VPC endpoint (`AWS::EC2::VPCEndpoint` with `VpcEndpointType: Gateway`,
/// `aws_vpc_endpoint`): routes to an AWS service (S3 or DynamoDB) added to route tables, with no
/// network interfaces and no hourly or per-GB charge.
public struct GatewayEndpoint: Resource {
    public static let kind = "GatewayEndpoint"
    public let id: LogicalID
    public var vpc: Value
    /// The service name without the region prefix: `s3` or `dynamodb`.
    public var service: String
    /// The route tables that get the service's prefix-list route.
    public var routeTables: [Value]
    public var dependsOn: [LogicalID] = []
    public var suppressions: [Suppression] = []

    public init(_ id: LogicalID, vpc: Vpc, service: String, routeTables: [RouteTable]) {
        self.id = id
        self.vpc = vpc.ref
        self.service = service
        self.routeTables = routeTables.map(\.ref)
    }
}

extension GatewayEndpoint { public var values: [Value] { [vpc] + routeTables } }
