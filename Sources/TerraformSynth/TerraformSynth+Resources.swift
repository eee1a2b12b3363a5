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
    /// Zip files the resources read from the module's folder (a Lambda function's package), by name.
    var archives: [(name: String, archive: ZipArchive)] = []

    /// Adds a Terraform resource of `type`; `count` goes after the body's leading comments.
    mutating func add(_ type: String, name: String? = nil, _ body: [HCLBodyItem]) {
        var body = body
        let skipCount = body.prefix { if case .comment = $0 { true } else { false } }.count
        body.insert(contentsOf: count, at: skipCount)
        resources.append(TerraformResource(address: TerraformAddress(type, name ?? address.name), body: body))
    }
}

/// How one model resource type becomes Terraform: registered once, in its service's file
/// (`TerraformSynth+Network.swift`, `+Identity`, `+SageMaker`, `+Lambda`, `+ApiGateway`,
/// `+Operations`), and looked up by type.
struct TerraformTranslation: Sendable {
    /// Which `.tf` file the resource goes to.
    enum Placement: Sendable, Equatable {
        /// Always this file.
        case area(Area)
        /// With the first resource that uses it by value (roles, log groups).
        case withFirstUser
        /// With what its `SourceArn` names may invoke it (Lambda permissions), else api.tf.
        case withInvoker
    }

    /// The model type it translates.
    let key: ObjectIdentifier
    /// The Terraform resource type the model resource becomes first.
    let primaryType: String
    /// The attribute that plays CloudFormation's `Ref`.
    let refAttribute: String
    let placement: Placement
    /// What a policy appends to its ARN (a log group's `:*`, which Terraform's `arn` lacks and IAM
    /// needs to cover the group's streams).
    let arnSuffixInPolicies: String?
    /// Whether its logical ID ends in a route hash its Terraform name leaves out (a deployment,
    /// which Terraform redeploys through `triggers` instead).
    let namedWithoutRouteHash: Bool
    /// The other Terraform resources it becomes, for `depends_on` on it.
    let companions: @Sendable (any Resource, TerraformAddress) -> [TerraformAddress]
    /// Adds its Terraform resources.
    let translate: @Sendable (Translator, any Resource, inout ResourceTranslation) throws -> Void

    init<R: Resource>(_ type: R.Type, _ primaryType: String, ref: String = "id", _ placement: Placement,
                      arnSuffixInPolicies: String? = nil, namedWithoutRouteHash: Bool = false,
                      companions: @escaping @Sendable (R, TerraformAddress) -> [TerraformAddress] = { _, _ in [] },
                      _ translate: @escaping @Sendable (Translator, R, inout ResourceTranslation) throws -> Void) {
        key = ObjectIdentifier(type)
        self.primaryType = primaryType
        refAttribute = ref
        self.placement = placement
        self.arnSuffixInPolicies = arnSuffixInPolicies
        self.namedWithoutRouteHash = namedWithoutRouteHash
        // the table is keyed by type, so the resource is an R
        self.companions = { resource, address in companions(resource as! R, address) }
        self.translate = { translator, resource, out in try translate(translator, resource as! R, &out) }
    }
}

extension Translator {
    /// Every built-in type's translation, by type.
    static let translations: [ObjectIdentifier: TerraformTranslation] = Dictionary(
        uniqueKeysWithValues: (networkTranslations + identityTranslations + sageMakerTranslations + lambdaTranslations
            + apiGatewayTranslations + operationsTranslations).map { ($0.key, $0) })

    /// The registered translation of a resource's type, if any (declared resources have none).
    static func translation(for resource: any Resource) -> TerraformTranslation? {
        translations[ObjectIdentifier(type(of: resource))]
    }

    /// One model resource → its Terraform resources, the first carrying the checkov skips. Under a
    /// stack condition each of them gets `count = local.running ? 1 : 0` first.
    func translate(_ resource: any Resource) throws -> (resources: [TerraformResource], archives: [(name: String, archive: ZipArchive)]) {
        var out = ResourceTranslation(address: book.primary[resource.id]!,
                                      count: scope.map { [.attribute("count", Self.count($0)), .blankLine] } ?? [],
                                      skips: Self.skips(resource), depends: dependsOn(resource))
        if let translation = Self.translation(for: resource) {
            try translation.translate(self, resource, &out)
        } else if let declared = resource as? any DeclaredResource {
            try translate(declared, into: &out)
        } else {
            throw TerraformSynthError.unsupportedResource(kind: type(of: resource).kind, id: resource.id.rawValue, type: resource.cloudFormationType)
        }
        return (try applyOverrides(stack.propertyOverrides[resource.id] ?? [], of: resource, to: out.resources), out.archives)
    }

    /// An attribute of the first Terraform resource in `out`, for the others it becomes.
    func own(_ attribute: String, of out: ResourceTranslation) -> HCLExpression {
        reference(out.address, attribute, condition: scope)
    }
}
