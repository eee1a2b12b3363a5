import StackModel

/// The Terraform resources one model resource becomes, in order: the first is at `address` and
/// carries the checkov skips.
struct ResourceTranslation {
    /// The first Terraform resource's address; the others take its name unless given one.
    let address: TerraformAddress
    /// `count = local.running ? 1 : 0` and a blank line under a stack condition, else nothing.
    let count: [HCLBodyItem]
    /// The model resource's checkov skips, one comment line each.
    let skips: [HCLBodyItem]
    /// `depends_on` for the model resource's explicit dependencies.
    let depends: [HCLBodyItem]
    private(set) var resources: [TerraformResource] = []

    /// Adds a Terraform resource of `type`; `count` goes after the body's leading comments.
    mutating func add(_ type: String, name: String? = nil, _ body: [HCLBodyItem]) {
        var body = body
        let skipCount = body.prefix { if case .comment = $0 { true } else { false } }.count
        body.insert(contentsOf: count, at: skipCount)
        resources.append(TerraformResource(address: TerraformAddress(type, name ?? address.name), body: body))
    }
}

extension Translator {
    /// One model resource → its Terraform resources, the first carrying the checkov skips. Under a
    /// stack condition each of them gets `count = local.running ? 1 : 0` first.
    ///
    /// One case per resource type; the translations live in one file per service
    /// (`TerraformSynth+Network.swift`, `+Identity`, `+SageMaker`, `+Lambda`, `+ApiGateway`, `+Operations`).
    func translate(_ resource: any Resource) throws -> [TerraformResource] {
        var out = ResourceTranslation(address: book.primary[resource.id]!,
                                      count: scope.map { [.attribute("count", Self.count($0)), .blankLine] } ?? [],
                                      skips: Self.skips(resource), depends: dependsOn(resource))
        switch resource {
        // TerraformSynth+Network.swift
        case let r as Vpc: translate(r, into: &out)
        case let r as Subnet: translate(r, into: &out)
        case let r as InternetGateway: translate(r, into: &out)
        case let r as GatewayAttachment: translate(r, into: &out)
        case let r as ElasticIP: translate(r, into: &out)
        case let r as NatGateway: translate(r, into: &out)
        case let r as RouteTable: translate(r, into: &out)
        case let r as Route: translate(r, into: &out)
        case let r as RouteTableAssociation: translate(r, into: &out)
        case let r as SecurityGroup: translate(r, into: &out)
        case let r as InterfaceEndpoint: translate(r, into: &out)
        case let r as GatewayEndpoint: translate(r, into: &out)
        case let r as FlowLog: translate(r, into: &out)
        // TerraformSynth+Identity.swift
        case let r as Role: translate(r, into: &out)
        case let r as KmsKey: translate(r, into: &out)
        case let r as LogGroup: translate(r, into: &out)
        // TerraformSynth+SageMaker.swift
        case let r as SageMakerModel: translate(r, into: &out)
        case let r as EndpointConfig: translate(r, into: &out)
        case let r as Endpoint: translate(r, into: &out)
        // TerraformSynth+Lambda.swift
        case let r as LambdaFunction: translate(r, into: &out)
        case let r as LambdaPermission: translate(r, into: &out)
        // TerraformSynth+ApiGateway.swift
        case let r as RestApi: translate(r, into: &out)
        case let r as ApiResource: translate(r, into: &out)
        case let r as ApiMethod: try translate(r, into: &out)
        case let r as ApiAuthorizer: translate(r, into: &out)
        case let r as GatewayResponse: translate(r, into: &out)
        case let r as ApiDeployment: translate(r, into: &out)
        case let r as ApiStage: translate(r, into: &out)
        case let r as ApiKey: translate(r, into: &out)
        case let r as UsagePlan: translate(r, into: &out)
        case let r as UsagePlanKey: translate(r, into: &out)
        case let r as ApiGatewayAccount: translate(r, into: &out)
        // TerraformSynth+Operations.swift
        case let r as SnsTopic: translate(r, into: &out)
        case let r as SnsSubscription: translate(r, into: &out)
        case let r as MetricAlarm: translate(r, into: &out)
        case let r as OneTimeSchedule: try translate(r, into: &out)
        case let r as SqsQueue: translate(r, into: &out)
        case let r as ScalableTarget: translate(r, into: &out)
        case let r as TargetTrackingPolicy: try translate(r, into: &out)
        case let r as StepScalingPolicy: try translate(r, into: &out)
        // TerraformSynth+Declared.swift
        case let r as any DeclaredResource: try translate(r, into: &out)
        default:
            throw TerraformSynthError.unsupportedResource(kind: type(of: resource).kind, id: resource.id.rawValue)
        }
        return try applyOverrides(stack.propertyOverrides[resource.id] ?? [], of: resource, to: out.resources)
    }

    /// An attribute of the first Terraform resource in `out`, for the others it becomes.
    func own(_ attribute: String, of out: ResourceTranslation) -> HCLExpression {
        reference(out.address, attribute, condition: scope)
    }
}
