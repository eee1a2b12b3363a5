import StackModel

/// A stack translated to a Terraform module: `.tf` files and the Lambda packages beside them.
public struct TerraformModule: Sendable {
    /// The `.tf` files in a fixed order: versions, providers, variables, network, sagemaker, lambda,
    /// api, outputs (areas without resources are left out).
    public var files: [HCLFile]
    /// Zip packages by file name (`shim.zip`), in name order.
    public var archives: [(name: String, archive: ZipArchive)]

    /// Every file as a path relative to the module folder and its bytes, `.tf` files first.
    public var rendered: [(path: String, bytes: [UInt8])] {
        files.map { ($0.name, Array($0.rendered().utf8)) } + archives.map { ($0.name, $0.archive.bytes) }
    }

    /// The file called `name`, if any.
    public func file(_ name: String) -> HCLFile? { files.first { $0.name == name } }

    /// Every top-level block of every file, in file order.
    public var blocks: [HCLBlock] { files.flatMap(\.blocks) }

    /// The `resource` block at `address`, if any.
    public func resource(_ address: TerraformAddress) -> HCLBlock? {
        blocks.first { $0.type == "resource" && $0.labels == [address.type, address.name] }
    }
}

/// Why a stack cannot be written as Terraform.
public enum TerraformSynthError: Error, CustomStringConvertible, Equatable {
    /// A resource type has no Terraform translation.
    case unsupportedResource(kind: String, id: String)
    /// Two logical IDs give the same Terraform address.
    case duplicateAddress(address: String, ids: [String])
    /// A resource whose meaning depends on something Terraform does not have.
    case noEquivalent(kind: String, id: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedResource(let kind, let id):
            "\(kind) '\(id)': no Terraform translation for this resource type"
        case .duplicateAddress(let address, let ids):
            "\(ids.joined(separator: "' and '")): both become \(address) in Terraform: rename one logical ID"
        case .noEquivalent(let kind, let id, let reason):
            "\(kind) '\(id)': \(reason)"
        }
    }
}

/// The Terraform renderer: `Stack` → HCL tree → text (+ a deterministic zip per Lambda function).
///
/// 1. `translate` maps each typed resource to one or more Terraform resources (a role and its
///    inline policies, a method and its integration, a stage and its method settings), values to
///    expressions (references to `aws_x.name.attr`, pseudo parameters to data sources and
///    variables, joins to interpolated strings, policies to `jsonencode`), properties that come from
///    a `ServiceConfig` setting to `var.<setting>`, checkov suppressions to inline
///    `#checkov:skip=ID:reason` comments, and the stack's tags to the provider's `default_tags`.
/// 2. `HCLFile.rendered()` writes each file as `terraform fmt` would.
public enum TerraformSynth {
    /// The folder the files are written to, under the output folder.
    public static let folder = "terraform"

    /// Translates and renders a stack built from `config`.
    ///
    /// - Returns: paths relative to the module folder and their bytes.
    /// - Throws: `TerraformSynthError` for a resource without a translation or clashing names.
    public static func synthesize(_ stack: Stack, config: ServiceConfig) throws -> [(path: String, bytes: [UInt8])] {
        try translate(stack, config: config).rendered
    }

    /// Stage 1: the stack as an HCL tree.
    public static func translate(_ stack: Stack, config: ServiceConfig) throws -> TerraformModule {
        let book = try AddressBook(stack)
        var translator = Translator(stack: stack, config: config, book: book)
        return try translator.module()
    }
}

/// The Terraform addresses of every model resource.
struct AddressBook {
    /// The first Terraform resource each model resource becomes.
    var primary: [LogicalID: TerraformAddress] = [:]
    var resources: [LogicalID: any Resource] = [:]

    init(_ stack: Stack) throws {
        var seen: [TerraformAddress: LogicalID] = [:]
        for resource in stack.resources {
            guard let type = TerraformNames.primaryType(resource) else {
                throw TerraformSynthError.unsupportedResource(kind: Swift.type(of: resource).kind, id: resource.id.rawValue)
            }
            let address = TerraformAddress(type, TerraformNames.resourceName(resource))
            if let other = seen[address] {
                throw TerraformSynthError.duplicateAddress(address: address.description, ids: [other.rawValue, resource.id.rawValue])
            }
            seen[address] = resource.id
            primary[resource.id] = address
            resources[resource.id] = resource
        }
    }

    /// Every Terraform resource a model resource becomes, for `depends_on`.
    func all(_ id: LogicalID) -> [TerraformAddress] {
        guard let address = primary[id], let resource = resources[id] else { return [] }
        switch resource {
        case let role as Role:
            return [address] + role.policies.keys.sorted().map { TerraformAddress("aws_iam_role_policy", Translator.policyName(address.name, $0)) }
        case is ApiMethod:
            return [address, TerraformAddress("aws_api_gateway_integration", address.name)]
        case is ApiStage:
            return [address, TerraformAddress("aws_api_gateway_method_settings", address.name)]
        default:
            return [address]
        }
    }
}

/// The `.tf` file a resource is written to.
enum Area: String, CaseIterable {
    case network, sagemaker, lambda, api, operations

    var fileName: String { "\(rawValue).tf" }
}

/// One Terraform resource being built.
struct TerraformResource {
    var address: TerraformAddress
    var body: [HCLBodyItem]
}

struct Translator {
    let stack: Stack
    let config: ServiceConfig
    let book: AddressBook
    let bindings: Bindings
    /// The stack condition of the resource or output being translated: references to resources
    /// under the same condition take instance `[0]`, since both exist or neither does.
    var scope: LogicalID?

    init(stack: Stack, config: ServiceConfig, book: AddressBook) {
        self.stack = stack
        self.config = config
        self.book = book
        let chatTemplate = stack.resources(of: LambdaFunction.self).lazy.compactMap { function -> String? in
            if case .string(let text)? = function.environment["CHAT_TEMPLATE"] { text } else { nil }
        }.first
        self.bindings = Bindings(config: config, stackChatTemplate: chatTemplate)
    }

    static func policyName(_ roleName: String, _ policy: String) -> String {
        "\(roleName)_\(TerraformNames.snakeCase(policy.replacingOccurrences(of: "-", with: "_")))"
    }

    mutating func module() throws -> TerraformModule {
        var areaBlocks: [Area: [HCLBlock]] = [:]
        var archives: [(name: String, archive: ZipArchive)] = []
        let areas = assignAreas()
        for resource in stack.resources {
            var scoped = self
            scoped.scope = stack.conditionByResource[resource.id]
            let translated = try scoped.translate(resource)
            let area = areas[resource.id] ?? .network
            areaBlocks[area, default: []] += translated.map { HCLBlock("resource", [$0.address.type, $0.address.name], $0.body) }
            if let function = resource as? LambdaFunction {
                archives.append((Self.packageName(function), function.package?.archive
                                 ?? ZipArchive([.init(path: Self.moduleFile(function), bytes: Array(function.code.utf8))])))
            }
        }
        if !stack.resources(of: EndpointConfig.self).isEmpty || !stack.resources(of: SageMakerModel.self).isEmpty {
            areaBlocks[.sagemaker, default: []].insert(bindings.catalogLocals(stack: stack), at: 0)
        }
        let header = ["Generated by slmstack from the '\(stack.name)' model: \(stack.description).",
                      "Do not edit: change the model or its settings and run `slmstack synth --format terraform`."]
        var files: [HCLFile] = [versionsFile(header), providersFile(header, using: areaBlocks), variablesFile(header)]
        for area in Area.allCases {
            guard let blocks = areaBlocks[area], !blocks.isEmpty else { continue }
            files.append(HCLFile(name: area.fileName, header: header, blocks: blocks))
        }
        files.append(outputsFile(header))
        return TerraformModule(files: files, archives: archives.sorted { $0.name < $1.name })
    }

    /// The zip file of a function: its logical ID without `Function`, in kebab case (`shim.zip`).
    static func packageName(_ function: LambdaFunction) -> String {
        var stem = function.id.rawValue
        if stem.hasSuffix("Function"), stem.count > "Function".count { stem.removeLast("Function".count) }
        return TerraformNames.kebabCase(stem) + ".zip"
    }

    /// The file in the zip: the handler's module (`index.handler` → `index.py`).
    static func moduleFile(_ function: LambdaFunction) -> String {
        let module = function.handler.split(separator: ".").dropLast().joined(separator: "/")
        return (module.isEmpty ? "index" : module) + ".py"
    }

    /// Each model resource's file: by kind, and roles and log groups with the first resource that
    /// uses them (the flow-log role in network.tf, the shim's role in lambda.tf, …).
    func assignAreas() -> [LogicalID: Area] {
        var areas: [LogicalID: Area] = [:]
        for resource in stack.resources {
            switch resource {
            case is SageMakerModel, is EndpointConfig, is Endpoint: areas[resource.id] = .sagemaker
            case is LambdaFunction: areas[resource.id] = .lambda
            case is RestApi, is ApiResource, is ApiMethod, is ApiDeployment, is ApiStage, is ApiKey,
                 is UsagePlan, is UsagePlanKey, is ApiGatewayAccount, is ApiAuthorizer, is GatewayResponse: areas[resource.id] = .api
            case is SnsTopic, is SnsSubscription, is MetricAlarm, is OneTimeSchedule, is SqsQueue, is ScalableTarget, is TargetTrackingPolicy:
                areas[resource.id] = .operations
            case is Role, is LogGroup, is LambdaPermission: break
            default: areas[resource.id] = .network
            }
        }
        // A permission goes with what may invoke the function: the API, the idle alarm.
        for case let permission as LambdaPermission in stack.resources {
            areas[permission.id] = permission.sourceArn.references.lazy.compactMap { areas[$0] }.first ?? .api
        }
        // Users by value, not by `dependsOn` (with a TTL every resource without references depends
        // on the expiry role, so it is deleted last); the first user in stack order wins. One walk
        // of each resource's values: reflection is most of synth's time.
        var firstUser: [LogicalID: LogicalID] = [:]
        for other in stack.resources where !(other is Role || other is LogGroup) {
            for id in other.referencedIDs.dropLast(other.dependsOn.count) where firstUser[id] == nil {
                firstUser[id] = other.id
            }
        }
        for resource in stack.resources where resource is Role || resource is LogGroup {
            areas[resource.id] = firstUser[resource.id].flatMap { areas[$0] } ?? .network
        }
        return areas
    }

    // MARK: Values

    /// A model value as an expression. Inside policy documents (`inPolicy`), a log group's ARN gets
    /// CloudFormation's `:*` suffix back (Terraform's `arn` attribute lacks it, and IAM needs it to
    /// cover the group's streams), and literals that name the region or the TGI registry account
    /// become expressions.
    ///
    /// Conditions: a parameter is its variable (a flag as `tostring(var.paused)`, the string
    /// CloudFormation's parameter holds); `ifCondition` is `local.running ? … : …`; a reference to a
    /// resource with `count` is `aws_x.y[0].attr` from a resource under the same condition, else
    /// `one(aws_x.y[*].attr)`, which is null rather than an error while the resource does not exist
    /// (inside `ifCondition` on its condition, or an output's `local.running ? … : null`).
    func value(_ value: Value, inPolicy: Bool = false) -> HCLExpression {
        switch value {
        case .string(let text): return inPolicy ? bindings.bind(text) : .string(text)
        case .int(let number): return .number(Double(number))
        case .bool(let flag): return .bool(flag)
        case .list(let items): return .list(items.map { self.value($0, inPolicy: inPolicy) })
        case .object(let fields):
            return .object(fields.keys.sorted().map { HCLObjectItem($0, self.value(fields[$0]!, inPolicy: inPolicy)) })
        case .ref(let id):
            guard let resource = book.resources[id] else { return .string(id.rawValue) }
            return reference(id, TerraformNames.refAttribute(resource))
        case .attribute(let id, let attribute):
            guard let resource = book.resources[id] else { return .string(id.rawValue) }
            let expression = reference(id, TerraformNames.attribute(attribute))
            if inPolicy, resource is LogGroup, attribute == .arn {
                return .template([.interpolation(expression), .literal(":*")])
            }
            return expression
        case .pseudo(let parameter): return Self.pseudo(parameter)
        case .availabilityZone(let index):
            return .index(.traversal("data.aws_availability_zones.available.names"), .number(Double(index)))
        case .document(let inner): return .call("jsonencode", [self.value(inner, inPolicy: true)])
        case .parameter(let name): return parameter(name)
        case .ifCondition(let condition, let whenTrue, let whenFalse):
            return .conditional(Self.condition(condition), self.value(whenTrue, inPolicy: inPolicy),
                                self.value(whenFalse, inPolicy: inPolicy))
        case .join(let parts):
            var pieces: [HCLTemplatePart] = []
            for part in parts {
                switch part {
                case .string(let text):
                    if case .template(let bound) = bindings.bind(text) { pieces += bound } else { pieces.append(.literal(text)) }
                case .int(let number): pieces.append(.literal(String(number)))
                default:
                    let inner = self.value(part, inPolicy: inPolicy)
                    if case .template(let nested) = inner { pieces += nested } else { pieces.append(.interpolation(inner)) }
                }
            }
            return Self.template(pieces)
        }
    }

    /// An attribute of the Terraform resource a model resource became, indexed when it has `count`:
    /// `[0]` under the same condition as the referrer, else `one(…[*].attr)`.
    func reference(_ id: LogicalID, _ attribute: String) -> HCLExpression {
        guard let address = book.primary[id] else { return .string(id.rawValue) }
        return reference(address, attribute, condition: stack.conditionByResource[id])
    }

    /// An attribute of a Terraform resource that exists under `condition` (nil: always).
    func reference(_ address: TerraformAddress, _ attribute: String, condition: LogicalID?) -> HCLExpression {
        guard let condition else { return .reference(address.description, attribute) }
        if condition == scope { return .getAttribute(.index(.traversal(address.description), .number(0)), attribute) }
        return .call("one", [.splat(.traversal(address.description), attribute)])
    }

    /// A stack parameter: `var.expires_at`, or a flag as the string CloudFormation holds (`tostring(var.paused)`).
    func parameter(_ name: LogicalID) -> HCLExpression {
        let variable = HCLExpression.variable(TerraformNames.snakeCase(name.rawValue))
        if case .flag? = stack.parameters.first(where: { $0.name == name })?.kind { return .call("tostring", [variable]) }
        return variable
    }

    /// A stack condition: its local (`local.running`).
    static func condition(_ name: LogicalID) -> HCLExpression { .local(TerraformNames.snakeCase(name.rawValue)) }

    /// `count` for a resource under a condition: `local.running ? 1 : 0`.
    static func count(_ condition: LogicalID) -> HCLExpression { .conditional(Self.condition(condition), .number(1), .number(0)) }

    /// A template with adjacent literals merged; a plain string when nothing is interpolated.
    static func template(_ pieces: [HCLTemplatePart]) -> HCLExpression {
        var merged: [HCLTemplatePart] = []
        for piece in pieces {
            if case .literal(let text) = piece, case .literal(let before)? = merged.last {
                merged[merged.count - 1] = .literal(before + text)
            } else if case .literal("") = piece {
                continue
            } else {
                merged.append(piece)
            }
        }
        if merged.allSatisfy({ if case .literal = $0 { true } else { false } }) {
            return .string(merged.map { if case .literal(let text) = $0 { text } else { "" } }.joined())
        }
        return .template(merged)
    }

    static func pseudo(_ parameter: PseudoParameter) -> HCLExpression {
        switch parameter {
        case .region: .traversal("data.aws_region.current.name")
        case .accountID: .traversal("data.aws_caller_identity.current.account_id")
        case .partition: .traversal("data.aws_partition.current.partition")
        case .urlSuffix: .traversal("data.aws_partition.current.dns_suffix")
        case .stackName: .variable("stack_name")
        case .stackID: .template([.literal("arn:"), .interpolation(.traversal("data.aws_partition.current.partition")), .literal(":cloudformation:"),
                                  .interpolation(.traversal("data.aws_region.current.name")), .literal(":"),
                                  .interpolation(.traversal("data.aws_caller_identity.current.account_id")), .literal(":stack/"),
                                  .interpolation(.variable("stack_name")), .literal("/*")])
        }
    }

    /// A permission's function: by name when the model gives a function's ARN (Terraform's
    /// `function_name` takes either; the name keeps the ARN out of the request path).
    func functionName(_ function: Value) -> HCLExpression {
        if case .attribute(let id, .arn) = function, book.resources[id] is LambdaFunction, let address = book.primary[id] {
            return .reference(address.description, "function_name")
        }
        return value(function)
    }

    func ids(_ values: [Value]) -> HCLExpression { .list(values.map { value($0) }) }

    /// `depends_on` for the model's explicit dependencies: every Terraform resource each one became.
    func dependsOn(_ resource: any Resource) -> [HCLBodyItem] {
        guard !resource.dependsOn.isEmpty else { return [] }
        return [.attribute("depends_on", .list(resource.dependsOn.flatMap { book.all($0) }.map { .traversal($0.description) }))]
    }

    /// The checkov skips, one comment line each.
    static func skips(_ resource: any Resource) -> [HCLBodyItem] {
        resource.suppressions.map { .comment("checkov:skip=\($0.check):\($0.reason)") }
    }

    // MARK: Resources

    /// One model resource → its Terraform resources, the first carrying the checkov skips. Under a
    /// stack condition each of them gets `count = local.running ? 1 : 0` first.
    func translate(_ resource: any Resource) throws -> [TerraformResource] {
        let address = book.primary[resource.id]!
        var results: [TerraformResource] = []
        let count: [HCLBodyItem] = scope.map { [.attribute("count", Self.count($0)), .blankLine] } ?? []
        func add(_ type: String, name: String? = nil, _ body: [HCLBodyItem]) {
            var body = body
            let skipCount = body.prefix { if case .comment = $0 { true } else { false } }.count
            body.insert(contentsOf: count, at: skipCount)
            results.append(TerraformResource(address: TerraformAddress(type, name ?? address.name), body: body))
        }
        /// An attribute of this resource's first Terraform resource, from the others it becomes.
        func own(_ attribute: String) -> HCLExpression { reference(address, attribute, condition: scope) }
        let skips = Self.skips(resource)
        let depends = dependsOn(resource)
        let t = bindings
        switch resource {
        case let r as Vpc:
            add(address.type, skips + [
                .attribute("cidr_block", t.tunable("vpc-cidr", r.cidr, .string(r.cidr))),
                .attribute("enable_dns_hostnames", .bool(true)),
                .attribute("enable_dns_support", .bool(true)),
            ] + depends)
        case let r as Subnet:
            add(address.type, skips + [
                .attribute("vpc_id", value(r.vpc)),
                .attribute("cidr_block", t.subnetCIDR(r.cidr)),
                .attribute("availability_zone", value(.availabilityZone(r.zoneIndex))),
                .attribute("map_public_ip_on_launch", .bool(false)),
            ] + depends)
        case is InternetGateway:
            add(address.type, skips + depends)
        case let r as GatewayAttachment:
            add(address.type, skips + [
                .attribute("internet_gateway_id", value(r.gateway)),
                .attribute("vpc_id", value(r.vpc)),
            ] + depends)
        case is ElasticIP:
            add(address.type, skips + [.attribute("domain", .string("vpc"))] + depends)
        case let r as NatGateway:
            add(address.type, skips + [
                .attribute("allocation_id", value(r.allocation)),
                .attribute("subnet_id", value(r.subnet)),
            ] + depends)
        case let r as RouteTable:
            add(address.type, skips + [.attribute("vpc_id", value(r.vpc))] + depends)
        case let r as Route:
            var body = skips + [
                .attribute("route_table_id", value(r.routeTable)),
                .attribute("destination_cidr_block", .string(r.destination)),
            ]
            switch r.target {
            case .internetGateway(let gateway): body.append(.attribute("gateway_id", value(gateway)))
            case .natGateway(let nat): body.append(.attribute("nat_gateway_id", value(nat)))
            }
            add(address.type, body + depends)
        case let r as RouteTableAssociation:
            add(address.type, skips + [
                .attribute("route_table_id", value(r.routeTable)),
                .attribute("subnet_id", value(r.subnet)),
            ] + depends)
        case let r as SecurityGroup:
            func rule(_ kind: String, _ rule: SecurityRule) -> HCLBodyItem {
                var body: [HCLBodyItem] = [
                    .attribute("description", .string(rule.description)),
                    .attribute("protocol", .string(rule.ipProtocol)),
                    .attribute("from_port", .number(Double(rule.fromPort))),
                    .attribute("to_port", .number(Double(rule.toPort))),
                ]
                switch rule.peer {
                case .cidr(let cidr): body.append(.attribute("cidr_blocks", .list([t.tunable("vpc-cidr", cidr, .string(cidr))])))
                case .securityGroup(let group): body.append(.attribute("security_groups", .list([value(group)])))
                }
                return .block(HCLBlock(kind, [], body))
            }
            add(address.type, skips + [
                .attribute("description", .string(r.groupDescription)),
                .attribute("vpc_id", value(r.vpc)),
            ] + r.ingress.map { rule("ingress", $0) } + r.egress.map { rule("egress", $0) } + depends)
        case let r as InterfaceEndpoint:
            add(address.type, skips + [
                .attribute("vpc_id", value(r.vpc)),
                .attribute("service_name", value(.join(["com.amazonaws.", .pseudo(.region), .string(".\(r.service)")]))),
                .attribute("vpc_endpoint_type", .string("Interface")),
                .attribute("private_dns_enabled", .bool(true)),
                .attribute("subnet_ids", ids(r.subnets)),
                .attribute("security_group_ids", ids(r.securityGroups)),
            ] + depends)
        case let r as FlowLog:
            add(address.type, skips + [
                .attribute("vpc_id", value(r.vpc)),
                .attribute("traffic_type", .string(r.trafficType)),
                .attribute("log_destination_type", .string("cloud-watch-logs")),
                .attribute("log_destination", value(r.logGroup)),
                .attribute("iam_role_arn", value(r.role)),
            ] + depends)
        case let r as Role:
            add(address.type, skips + [
                .attribute("description", .string(r.description)),
                .attribute("assume_role_policy", value(.document(r.trust.value))),
            ] + depends)
            for name in r.policies.keys.sorted() {
                guard let policy = Self.withoutStackStatements(r.policies[name]!) else { continue }
                add("aws_iam_role_policy", name: Self.policyName(address.name, name), [
                    .attribute("name", .string(name)),
                    .attribute("role", own("name")),
                    .attribute("policy", value(.document(policy.value))),
                ])
            }
        case let r as KmsKey:
            add(address.type, skips + [
                .attribute("description", .string(r.description)),
                .attribute("enable_key_rotation", .bool(true)),
                .attribute("deletion_window_in_days", .number(Double(r.pendingWindowDays))),
                .attribute("policy", value(.document(r.policy.value))),
            ] + depends)
        case let r as LogGroup:
            var body = skips
            if let name = r.name { body.append(.attribute("name", value(name))) }
            body.append(.attribute("retention_in_days", t.tunable("log-retention-days", r.retentionDays)))
            if let key = r.kmsKey { body.append(.attribute("kms_key_id", value(key))) }
            add(address.type, body + depends)
        case let r as SageMakerModel:
            add(address.type, skips + [
                .attribute("execution_role_arn", value(r.executionRole)),
                .block(HCLBlock("primary_container", [], [
                    .attribute("image", t.image(r.image)),
                    .attribute("environment", .object(r.environment.keys.sorted().map { HCLObjectItem($0, t.environment($0, r.environment[$0]!)) })),
                ])),
                .block(HCLBlock("vpc_config", [], [
                    .attribute("subnets", ids(r.subnets)),
                    .attribute("security_group_ids", ids(r.securityGroups)),
                ])),
            ] + depends)
        case let r as EndpointConfig:
            add(address.type, skips + [
                .block(HCLBlock("production_variants", [], [
                    .attribute("variant_name", .string(r.variantName)),
                    .attribute("model_name", value(r.model)),
                    .attribute("instance_type", t.tunable("instance-type", r.instanceType, .string(r.instanceType))),
                    .attribute("initial_instance_count", t.instanceCount(r.instanceCount)),
                    .attribute("initial_variant_weight", .number(1)),
                    .attribute("container_startup_health_check_timeout_in_seconds", t.tunable("startup-timeout", r.startupHealthCheckTimeoutSeconds)),
                    .attribute("model_data_download_timeout_in_seconds", t.tunable("download-timeout", r.modelDataDownloadTimeoutSeconds)),
                ])),
            ] + depends + [.block(Bindings.lifecycle(Bindings.sageMakerPreconditions))])
        case let r as Endpoint:
            // The fixed name (lower case, from the stack name): from var.stack_name by the same rule.
            add(address.type, skips + (r.name.map { [.attribute("name", t.endpointName($0))] } ?? [])
                + [.attribute("endpoint_config_name", value(r.config))] + depends)
        case let r as LambdaFunction:
            let package = Self.packageName(r)
            // Without subnets the function runs outside the VPC (the idle pause function: it calls
            // AWS APIs, which from the VPC would need the NAT gateway a pause removes).
            let vpc: [HCLBodyItem] = r.subnets.isEmpty ? [] : [.block(HCLBlock("vpc_config", [], [
                .attribute("subnet_ids", ids(r.subnets)),
                .attribute("security_group_ids", ids(r.securityGroups)),
            ]))]
            let note: [HCLBodyItem] = r.environment.values.contains(.pseudo(.stackID)) ? Self.stackIDNote : []
            let layers: [HCLBodyItem] = r.layers.isEmpty ? [] : [.attribute("layers", .list(r.layers.map { value($0) }))]
            // The lambda-* settings size the shim: a function is theirs when all three match (the
            // idle pause function's 60 s timeout is above lambda-timeout's range).
            let sized = [("lambda-memory", r.memoryMB), ("lambda-timeout", r.timeoutSeconds)]
                .allSatisfy { t.tunable($0.0, $0.1) != .number(Double($0.1)) }
            // The shim's reservation follows var.lambda_concurrency (null: none reserved, the default).
            let reserved: HCLExpression = sized && r.reservedConcurrency == config.lambdaReservedConcurrency
                ? .variable(TerraformNames.variable("lambda-concurrency"))
                : r.reservedConcurrency.map { HCLExpression.number(Double($0)) } ?? .traversal("null")
            add(address.type, skips + note + [
                .attribute("function_name", .call("substr", [Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))]), .number(0), .number(64)])),
                .attribute("description", .string(r.description)),
                .attribute("filename", .template([.interpolation(.traversal("path.module")), .literal("/\(package)")])),
                .attribute("source_code_hash", .call("filebase64sha256", [.template([.interpolation(.traversal("path.module")), .literal("/\(package)")])])),
                .attribute("handler", .string(r.handler)),
                .attribute("runtime", .string(r.runtime)),
                .attribute("role", value(r.role)),
                .attribute("memory_size", sized ? t.tunable("lambda-memory", r.memoryMB) : .number(Double(r.memoryMB))),
                .attribute("timeout", sized ? t.tunable("lambda-timeout", r.timeoutSeconds) : .number(Double(r.timeoutSeconds))),
                .attribute("reserved_concurrent_executions", reserved),
            ] + layers + [
                .block(HCLBlock("environment", [], [
                    .attribute("variables", .object(r.environment.keys.sorted().map { key in
                        if case .string(let text) = r.environment[key]! { HCLObjectItem(key, t.environment(key, text)) } else { HCLObjectItem(key, value(r.environment[key]!)) }
                    })),
                ])),
            ] + vpc + [
                .block(HCLBlock("logging_config", [], [
                    .attribute("log_format", .string("Text")),
                    .attribute("log_group", value(r.logGroup)),
                ])),
            ] + (r.tracing ? [.block(HCLBlock("tracing_config", [], [.attribute("mode", .string("Active"))]))] : []) + depends)
        case let r as LambdaPermission:
            add(address.type, skips + [
                .attribute("action", .string("lambda:InvokeFunction")),
                .attribute("function_name", functionName(r.function)),
                .attribute("principal", .string(r.principal)),
                .attribute("source_arn", value(r.sourceArn)),
            ] + depends)
        case let r as RestApi:
            // A replaced API is created before the old one goes, so the stage never points at nothing.
            add(address.type, skips + [
                .attribute("name", value(r.name)),
                .attribute("description", .string(r.description)),
                .attribute("api_key_source", .string(r.apiKeySource.rawValue)),
                .block(HCLBlock("endpoint_configuration", [], [.attribute("types", .list([.string("REGIONAL")]))])),
            ] + depends + [.block(HCLBlock("lifecycle", [], [.attribute("create_before_destroy", .bool(true))]))])
        case let r as ApiResource:
            add(address.type, skips + [
                .attribute("rest_api_id", value(r.api)),
                .attribute("parent_id", value(r.parent)),
                .attribute("path_part", .string(r.pathPart)),
            ] + depends)
        case let r as ApiMethod:
            // The hashicorp/aws provider tested here (5.100.0) has no response transfer mode on the integration.
            guard r.responseTransferMode == .buffered else {
                throw TerraformSynthError.noEquivalent(kind: ApiMethod.kind, id: r.id.rawValue,
                    reason: "response streaming (Integration.ResponseTransferMode STREAM) has no equivalent in the hashicorp/aws provider's aws_api_gateway_integration (5.100.0): deploy this stack with CloudFormation (`slmstack deploy`, `synth --format cloudformation`), or set streaming off for Terraform")
            }
            add(address.type, skips + [
                .attribute("rest_api_id", value(r.api)),
                .attribute("resource_id", value(r.resource)),
                .attribute("http_method", .string(r.httpMethod)),
                .attribute("authorization", .string(r.authorizer == nil ? "NONE" : "CUSTOM")),
            ] + (r.authorizer.map { [.attribute("authorizer_id", value($0))] } ?? []) + [
                .attribute("api_key_required", .bool(r.apiKeyRequired)),
            ] + depends)
            add("aws_api_gateway_integration", [
                .attribute("rest_api_id", value(r.api)),
                .attribute("resource_id", value(r.resource)),
                .attribute("http_method", own("http_method")),
                .attribute("type", .string("AWS_PROXY")),
                .attribute("integration_http_method", .string("POST")),
                .attribute("uri", value(r.integrationURI)),
            ])
        case let r as ApiAuthorizer:
            // The provider's identity_source defaults to the Authorization header, which API Gateway
            // would then require; "" sends none (allowed with a TTL of 0).
            add(address.type, skips + [
                .attribute("name", value(r.name)),
                .attribute("rest_api_id", value(r.api)),
                .attribute("type", .string("REQUEST")),
                .attribute("authorizer_uri", value(r.authorizerURI)),
                .attribute("authorizer_result_ttl_in_seconds", .number(Double(r.resultTtlSeconds))),
                .attribute("identity_source", .string(r.identitySource.joined(separator: ","))),
            ] + depends)
        case let r as GatewayResponse:
            add(address.type, skips + [
                .attribute("rest_api_id", value(r.api)),
                .attribute("response_type", .string(r.responseType)),
            ] + (r.statusCode.map { [.attribute("status_code", .string(String($0)))] } ?? []) + [
                .attribute("response_templates", .object([HCLObjectItem("application/json", .string(r.template))])),
            ] + depends)
        case let r as ApiDeployment:
            var body = skips + [
                .attribute("rest_api_id", value(r.api)),
                .attribute("description", .string(r.description)),
            ]
            if let hash = TerraformNames.deploymentHash(r.id) {
                body.append(.attribute("triggers", .object([HCLObjectItem("redeployment", .string(hash))])))
            }
            add(address.type, body + depends + [.block(HCLBlock("lifecycle", [], [.attribute("create_before_destroy", .bool(true))]))])
        case let r as ApiStage:
            add(address.type, skips + [
                .attribute("rest_api_id", value(r.api)),
                .attribute("deployment_id", value(r.deployment)),
                .attribute("stage_name", t.tunable("stage-name", r.stageName, .string(r.stageName))),
            ] + (r.description.map { description -> [HCLBodyItem] in [.attribute("description", self.value(description))] } ?? []) + [
                .attribute("xray_tracing_enabled", .bool(true)),
                .block(HCLBlock("access_log_settings", [], [
                    .attribute("destination_arn", value(r.accessLogGroup)),
                    .attribute("format", .string(r.accessLogFormat)),
                ])),
            ] + depends)
            add("aws_api_gateway_method_settings", skips + [
                .attribute("rest_api_id", value(r.api)),
                .attribute("stage_name", own("stage_name")),
                .attribute("method_path", .string("*/*")),
                .block(HCLBlock("settings", [], [
                    .attribute("logging_level", .string(r.loggingLevel)),
                    .attribute("metrics_enabled", .bool(true)),
                    .attribute("data_trace_enabled", .bool(false)),
                ])),
            ])
        case let r as ApiKey:
            add(address.type, skips + [
                .attribute("name", Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))])),
                .attribute("description", .string(r.description)),
                .attribute("enabled", .bool(true)),
            ] + depends)
        case let r as UsagePlan:
            add(address.type, skips + [
                .attribute("name", Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))])),
                .attribute("description", .string(r.description)),
                .block(HCLBlock("api_stages", [], [
                    .attribute("api_id", value(r.api)),
                    .attribute("stage", value(r.stage)),
                ])),
                .block(HCLBlock("throttle_settings", [], [
                    .attribute("rate_limit", t.tunable("throttle-rate", r.throttleRate)),
                    .attribute("burst_limit", t.tunable("throttle-burst", r.throttleBurst)),
                ])),
                .block(HCLBlock("quota_settings", [], [
                    .attribute("limit", t.tunable("quota", r.quotaLimit)),
                    .attribute("period", t.tunable("quota-period", r.quotaPeriod.rawValue, .string(r.quotaPeriod.rawValue))),
                ])),
            ] + depends + [.block(Bindings.lifecycle(Bindings.throttlePreconditions))])
        case let r as UsagePlanKey:
            add(address.type, skips + [
                .attribute("key_id", value(r.key)),
                .attribute("key_type", .string("API_KEY")),
                .attribute("usage_plan_id", value(r.plan)),
            ] + depends)
        case let r as ApiGatewayAccount:
            // Destroy resets the account setting (provider 5.x's reset_on_delete): Terraform has no
            // Retain, and the role it points at is destroyed with the module.
            add(address.type, skips + [.attribute("cloudwatch_role_arn", value(r.cloudWatchRole)), .attribute("reset_on_delete", .bool(true))] + depends)
        case let r as SnsTopic:
            add(address.type, skips + [
                .attribute("name", Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))])),
                .attribute("display_name", t.withStackName(r.displayName)),
                .attribute("kms_master_key_id", value(r.kmsKey)),
            ] + depends)
        case let r as SnsSubscription:
            add(address.type, skips + [
                .attribute("topic_arn", value(r.topic)),
                .attribute("protocol", .string("email")),
                .attribute("endpoint", t.tunable("alarm-email", r.email, .string(r.email))),
            ] + depends)
        case let r as MetricAlarm:
            let idle = t.isIdleAlarm(r)
            var body = skips + [
                .attribute("alarm_name", r.name.map { value($0) } ?? Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))])),
                .attribute("alarm_description", idle ? t.idleDescription(r) : .string(r.description)),
                .attribute("namespace", .string(r.namespace)),
                .attribute("metric_name", .string(r.metricName)),
                .attribute("dimensions", .object(r.dimensions.map { HCLObjectItem($0.name, value($0.value)) })),
            ]
            switch r.statistic {
            case .statistic(let name): body.append(.attribute("statistic", .string(name)))
            case .percentile(let name): body.append(.attribute("extended_statistic", .string(name)))
            }
            let periods = idle ? t.tunable("idle-hours", r.evaluationPeriods) : .number(Double(r.evaluationPeriods))
            body += [
                .attribute("period", .number(Double(r.periodSeconds))),
                .attribute("evaluation_periods", periods),
                .attribute("datapoints_to_alarm", periods),
                .attribute("threshold", t.alarmThreshold(r)),
                .attribute("comparison_operator", .string(r.comparison.rawValue)),
                .attribute("treat_missing_data", .string(r.missingData.rawValue)),
                .attribute("alarm_actions", ids(r.actions)),
            ]
            add(address.type, body + depends)
        case let r as OneTimeSchedule:
            let (targetArn, input, note) = try scheduleTarget(r)
            add(address.type, skips + note + [
                .attribute("name", .call("substr", [Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))]), .number(0), .number(64)])),
                .attribute("description", .string(r.description)),
                .attribute("schedule_expression", value(.join(["at(", r.at, ")"]))),
                .attribute("schedule_expression_timezone", .string("UTC")),
                .attribute("state", .string("ENABLED")),
                .attribute("kms_key_arn", value(r.kmsKey)),
                .block(HCLBlock("flexible_time_window", [], [.attribute("mode", .string("OFF"))])),
                .block(HCLBlock("target", [], [
                    .attribute("arn", .string(targetArn)),
                    .attribute("role_arn", value(r.role)),
                    .attribute("input", value(input)),
                    .block(HCLBlock("retry_policy", [], [
                        .attribute("maximum_event_age_in_seconds", .number(Double(r.maximumEventAgeSeconds))),
                        .attribute("maximum_retry_attempts", .number(Double(r.maximumRetryAttempts))),
                    ])),
                ] + (r.deadLetterQueue.map { [.block(HCLBlock("dead_letter_config", [], [.attribute("arn", value($0))]))] } ?? []))),
            ] + depends)
        case let r as SqsQueue:
            // Terraform has no Retain: the queue goes with terraform destroy, which the schedule never runs.
            add(address.type, skips + [
                .attribute("name", Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))])),
                .attribute("sqs_managed_sse_enabled", .bool(true)),
                .attribute("message_retention_seconds", .number(Double(r.retentionSeconds))),
            ] + depends)
        case let r as ScalableTarget:
            let low = t.minInstances(r.minCapacity), high = t.tunable("max-instances", r.maxCapacity)
            var body = skips + [
                .attribute("service_namespace", .string(ScalableTarget.serviceNamespace)),
                .attribute("scalable_dimension", .string(ScalableTarget.scalableDimension)),
                .attribute("resource_id", value(r.resourceID)),
                .attribute("min_capacity", low),
                .attribute("max_capacity", high),
            ] + depends
            if case .traversal(let lowVariable) = low, case .traversal(let highVariable) = high {
                body.append(.block(Bindings.lifecycle([("\(lowVariable) <= \(highVariable)", .string(
                    "Autoscaling needs \(lowVariable.dropFirst(4)) <= \(highVariable.dropFirst(4)): raise max_instances or lower \(lowVariable.dropFirst(4))."))])))
            }
            add(address.type, body)
        case let r as TargetTrackingPolicy:
            // Terraform names the target again by its three parts; referring to them orders the two.
            guard case .ref(let targetID) = r.target, book.resources[targetID] is ScalableTarget else {
                throw TerraformSynthError.noEquivalent(kind: TargetTrackingPolicy.kind, id: r.id.rawValue,
                                                       reason: "its target must be a ScalableTarget of the stack, which Terraform names by its parts")
            }
            add(address.type, skips + [
                .attribute("name", .string(r.policyName)),
                .attribute("policy_type", .string("TargetTrackingScaling")),
                .attribute("resource_id", reference(targetID, "resource_id")),
                .attribute("scalable_dimension", reference(targetID, "scalable_dimension")),
                .attribute("service_namespace", reference(targetID, "service_namespace")),
                .block(HCLBlock("target_tracking_scaling_policy_configuration", [], [
                    .attribute("target_value", t.tunable("scaling-target", r.targetValue)),
                    .attribute("scale_in_cooldown", .number(Double(r.scaleInCooldownSeconds))),
                    .attribute("scale_out_cooldown", .number(Double(r.scaleOutCooldownSeconds))),
                    .block(HCLBlock("predefined_metric_specification", [], [
                        .attribute("predefined_metric_type", .string(r.predefinedMetric)),
                    ])),
                ])),
            ] + depends)
        default:
            throw TerraformSynthError.unsupportedResource(kind: type(of: resource).kind, id: resource.id.rawValue)
        }
        return results
    }

    /// A policy without the statements only a CloudFormation stack uses: those on the stack's own
    /// ID (Terraform has no stack; `AWS::StackId` would become a pattern of every stack of that name)
    /// and those allowed only through CloudFormation (`aws:CalledVia`), so a Terraform role grants
    /// nothing its calls do not use. Nil when nothing is left.
    static func withoutStackStatements(_ policy: PolicyDocument) -> PolicyDocument? {
        let kept = policy.statements.filter { statement in
            statement.resources != [.pseudo(.stackID)]
                && !statement.conditions.values.contains { $0["aws:CalledVia"] == ["cloudformation.amazonaws.com"] }
        }
        return kept.isEmpty ? nil : PolicyDocument(kept)
    }

    /// Scheduler's universal target for CloudFormation's DeleteStack.
    static let deleteStackTarget = "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack"
    /// Scheduler's universal target for SageMaker's DeleteEndpoint.
    static let deleteEndpointTarget = "arn:aws:scheduler:::aws-sdk:sagemaker:deleteEndpoint"

    /// A schedule's target ARN and input, and comment lines for its block.
    ///
    /// A Terraform deployment has no CloudFormation stack to delete, so a schedule that deletes the
    /// stack becomes one that deletes the stack's SageMaker endpoint: what bills by the hour stops at
    /// the expiry time, and `terraform destroy` removes the rest. The model's expiry role allows
    /// DeleteEndpoint on endpoints carrying the stack's owner tag for this.
    func scheduleTarget(_ schedule: OneTimeSchedule) throws -> (arn: String, input: Value, comments: [HCLBodyItem]) {
        guard schedule.targetArn == Self.deleteStackTarget else { return (schedule.targetArn, schedule.input, []) }
        let endpoints = stack.resources(of: Endpoint.self)
        guard endpoints.count == 1, let endpoint = endpoints.first else {
            throw TerraformSynthError.noEquivalent(kind: OneTimeSchedule.kind, id: schedule.id.rawValue,
                reason: "deletes the CloudFormation stack, which Terraform has none of; it stands for deleting the stack's one SageMaker endpoint, but the stack has \(endpoints.count)")
        }
        var name = endpoint.attribute(.endpointName)
        if let condition = stack.conditionByResource[endpoint.id] { name = .ifCondition(condition, name, "paused") }
        return (Self.deleteEndpointTarget, .document(["EndpointName": name]), [
            .comment(" Terraform: there is no CloudFormation stack to delete, so at expires_at this deletes the SageMaker"),
            .comment(" endpoint (what bills by the hour) through Scheduler's universal target, which the expiry role allows"),
            .comment(" for endpoints with this stack's owner tag. `terraform destroy` removes everything else."),
        ])
    }

    /// The note on a function that reads the CloudFormation stack's ID (the idle pause function).
    static let stackIDNote: [HCLBodyItem] = [
        .comment(" Terraform: this function pauses a CloudFormation stack (a parameter-only update with Paused=true);"),
        .comment(" a Terraform deployment has none, so its call fails and is logged, and the idle alarm only notifies"),
        .comment(" the topic. Pause with `terraform apply -var paused=true`."),
    ]

    // MARK: Files

    /// The one checkov skip with no model resource behind it: the zone list is Terraform's form of
    /// CloudFormation's `Fn::GetAZs`, which checkov does not check.
    static let zonesSkips: [HCLBodyItem] = [
        .comment("checkov:skip=CKV_AWS_394:subnets take the region's first zones by index, as Fn::GetAZs does in the CloudFormation template; zone names differ per account, so they cannot be pinned at synth time"),
    ]

    func versionsFile(_ header: [String]) -> HCLFile {
        HCLFile(name: "versions.tf", header: header, blocks: [
            HCLBlock("terraform", [], [
                .attribute("required_version", .string(">= 1.5")),
                .block(HCLBlock("required_providers", [], [
                    .attribute("aws", .object([
                        HCLObjectItem("source", .string("hashicorp/aws")),
                        HCLObjectItem("version", .string("~> 5.0")),
                    ])),
                ])),
            ]),
        ])
    }

    /// The provider with the stack's tags as `default_tags`, and the data sources the other files use.
    func providersFile(_ header: [String], using areaBlocks: [Area: [HCLBlock]]) -> HCLFile {
        var blocks = [HCLBlock("provider", ["aws"], [
            .attribute("region", .variable("region")),
            .blankLine,
            .block(HCLBlock("default_tags", [], [.attribute("tags", bindings.tags(stack.tags))])),
        ])]
        var used = Set<String>()
        func collect(_ expression: HCLExpression) {
            switch expression {
            case .traversal(let path) where path.hasPrefix("data."):
                used.insert(path.split(separator: ".").prefix(3).joined(separator: "."))
            case .list(let items): items.forEach(collect)
            case .object(let items): items.forEach { collect($0.value) }
            case .index(let base, let key), .binary(_, let base, let key): collect(base); collect(key)
            case .getAttribute(let base, _), .splat(let base, _), .not(let base): collect(base)
            case .conditional(let condition, let whenTrue, let whenFalse): [condition, whenTrue, whenFalse].forEach(collect)
            case .call(_, let arguments): arguments.forEach(collect)
            case .template(let parts): for case .interpolation(let inner) in parts { collect(inner) }
            default: break
            }
        }
        func walk(_ items: [HCLBodyItem]) {
            for item in items {
                switch item {
                case .attribute(_, let value): collect(value)
                case .block(let block): walk(block.body)
                default: break
                }
            }
        }
        for blocks in areaBlocks.values { for block in blocks { walk(block.body) } }
        for output in stack.outputs { collect(value(output.value)) }
        let sources: [(String, [HCLBodyItem])] = [
            ("data.aws_availability_zones.available", Self.zonesSkips + [
                .attribute("state", .string("available")),
                .block(HCLBlock("filter", [], [
                    .attribute("name", .string("opt-in-status")),
                    .attribute("values", .list([.string("opt-in-not-required")])),
                ])),
            ]),
            ("data.aws_caller_identity.current", []),
            ("data.aws_partition.current", []),
            ("data.aws_region.current", []),
        ]
        for (path, body) in sources where used.contains(path) {
            let parts = path.split(separator: ".").map(String.init)
            blocks.append(HCLBlock("data", [parts[1], parts[2]], body))
        }
        return HCLFile(name: "providers.tf", header: header, blocks: blocks)
    }

    func variablesFile(_ header: [String]) -> HCLFile {
        HCLFile(name: "variables.tf", header: header + [
            "",
            "First the deploy-time parameters of the CloudFormation template (paused, and expires_at with a",
            "ttl), then one variable per slmstack setting that sets a property; defaults are the synthesized",
            "values. Not variables: az-count, nat-gateway and api-gateway-account change which resources",
            "exist, so they stay choices made at synth time (run `slmstack synth --az-count 3 --nat-gateway",
            "off --format terraform`; --api-gateway-account off leaves out API Gateway's CloudWatch role, one",
            "setting per account and region, for when another stack already set it), as do ttl (whether",
            "there is an expiry schedule), idle-pause, alarms, idle-hours 0, alarm-email (whether there is a",
            "subscription) and max-instances (whether there is autoscaling); the model-size settings for a",
            "model outside the catalog only feed local.models in sagemaker.tf.",
        ], blocks: stack.parameters.map(parameterVariable) + bindings.variables() + conditionLocals())
    }

    /// A stack parameter as a variable: a flag as a `bool`, a text as a `string` with its pattern as a
    /// validation and no default.
    func parameterVariable(_ parameter: Parameter) -> HCLBlock {
        let name = TerraformNames.snakeCase(parameter.name.rawValue)
        var body: [HCLBodyItem] = Self.parameterNotes[parameter.name] ?? []
        body.append(.attribute("description", .string(parameter.description)))
        switch parameter.kind {
        case .flag(let value):
            body += [.attribute("type", .traversal("bool")), .attribute("default", .bool(value))]
        case .text(let pattern, let example):
            body += [.attribute("type", .traversal("string")), .block(HCLBlock("validation", [], [
                .attribute("condition", .call("can", [.call("regex", [.string(pattern), .variable(name)])])),
                .attribute("error_message", .string("Expected a value matching \(pattern), for example \(example).")),
            ]))]
        }
        return HCLBlock("variable", [name], body)
    }

    /// How the parameters slmstack knows are used with Terraform, where slmstack's own commands
    /// (which drive CloudFormation) do not set them.
    static let parameterNotes: [LogicalID: [HCLBodyItem]] = [
        "Paused": [.comment(" Terraform: terraform apply -var paused=true removes what the CloudFormation condition Running removes.")],
        "ExpiresAt": [
            .comment(" Terraform: required with a ttl, for example -var expires_at=$(date -u -d +4hours +%Y-%m-%dT%H:%M:%S)."),
            .comment(" At that time the SageMaker endpoint is deleted (its billing stops); terraform destroy removes the rest."),
        ],
    ]

    /// The stack conditions as locals: `running = !var.paused`.
    func conditionLocals() -> [HCLBlock] {
        guard !stack.conditions.isEmpty else { return [] }
        return [HCLBlock("locals", [], stack.conditions.map { condition in
            let flag = HCLExpression.variable(TerraformNames.snakeCase(condition.flag.rawValue))
            return .attribute(TerraformNames.snakeCase(condition.name.rawValue), condition.holdsWhen ? flag : .not(flag))
        })]
    }

    /// The same outputs as the CloudFormation template, in snake_case (`ApiUrl` → `api_url`); an
    /// output under a condition is null while the condition does not hold.
    func outputsFile(_ header: [String]) -> HCLFile {
        HCLFile(name: "outputs.tf", header: header, blocks: stack.outputs.map { output in
            var scoped = self
            scoped.scope = nil
            var expression = scoped.value(output.value)
            if let condition = output.condition {
                expression = .conditional(Self.condition(condition), expression, .traversal("null"))
            }
            return HCLBlock("output", [TerraformNames.snakeCase(output.name)], [
                .attribute("description", .string(output.description)),
                .attribute("value", expression),
            ])
        })
    }
}
