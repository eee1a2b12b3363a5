import StackModel

// The REST API, its resources, methods, authorizer, responses, deployment, stage, keys and usage plan as Terraform resources.
extension Translator {
    /// The API Gateway types, in api.tf.
    static let apiGatewayTranslations: [TerraformTranslation] = [
        TerraformTranslation(RestApi.self, "aws_api_gateway_rest_api", .area(.api)) { $0.translate($1, into: &$2) },
        TerraformTranslation(ApiResource.self, "aws_api_gateway_resource", .area(.api)) { $0.translate($1, into: &$2) },
        TerraformTranslation(ApiMethod.self, "aws_api_gateway_method", .area(.api), companions: { _, address in [TerraformAddress("aws_api_gateway_integration", address.name)] }) { try $0.translate($1, into: &$2) },
        TerraformTranslation(ApiDeployment.self, "aws_api_gateway_deployment", .area(.api), namedWithoutRouteHash: true) { $0.translate($1, into: &$2) },
        TerraformTranslation(ApiStage.self, "aws_api_gateway_stage", ref: "stage_name", .area(.api), companions: { _, address in [TerraformAddress("aws_api_gateway_method_settings", address.name)] }) { $0.translate($1, into: &$2) },
        TerraformTranslation(ApiKey.self, "aws_api_gateway_api_key", .area(.api)) { $0.translate($1, into: &$2) },
        TerraformTranslation(UsagePlan.self, "aws_api_gateway_usage_plan", .area(.api)) { $0.translate($1, into: &$2) },
        TerraformTranslation(UsagePlanKey.self, "aws_api_gateway_usage_plan_key", .area(.api)) { $0.translate($1, into: &$2) },
        TerraformTranslation(ApiGatewayAccount.self, "aws_api_gateway_account", .area(.api)) { $0.translate($1, into: &$2) },
        TerraformTranslation(ApiAuthorizer.self, "aws_api_gateway_authorizer", .area(.api)) { $0.translate($1, into: &$2) },
        TerraformTranslation(GatewayResponse.self, "aws_api_gateway_gateway_response", .area(.api)) { $0.translate($1, into: &$2) },
    ]

    /// `aws_api_gateway_rest_api`.
    func translate(_ r: RestApi, into out: inout ResourceTranslation) {
        // A replaced API is created before the old one goes, so the stage never points at nothing.
        out.add(out.address.type, out.skips + [
            .attribute("name", value(r.name)),
            .attribute("description", .string(r.description)),
            .attribute("api_key_source", .string(r.apiKeySource.rawValue)),
            .block(HCLBlock("endpoint_configuration", [], [.attribute("types", .list([.string("REGIONAL")]))])),
        ] + out.depends + [.block(HCLBlock("lifecycle", [], [.attribute("create_before_destroy", .bool(true))]))])
    }

    /// `aws_api_gateway_resource`.
    func translate(_ r: ApiResource, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("rest_api_id", value(r.api)),
            .attribute("parent_id", value(r.parent)),
            .attribute("path_part", .string(r.pathPart)),
        ] + out.depends)
    }

    /// `aws_api_gateway_method`, and its `aws_api_gateway_integration`.
    func translate(_ r: ApiMethod, into out: inout ResourceTranslation) throws {
        // The hashicorp/aws provider tested here (5.100.0) has no response transfer mode on the integration.
        guard r.responseTransferMode == .buffered else {
            throw TerraformSynthError.noEquivalent(kind: ApiMethod.kind, id: r.id.rawValue,
                reason: "response streaming (Integration.ResponseTransferMode STREAM) has no equivalent in the hashicorp/aws provider's aws_api_gateway_integration (5.100.0): deploy this stack with CloudFormation (`slmstack deploy`, `synth --format cloudformation`), or set streaming off for Terraform")
        }
        out.add(out.address.type, out.skips + [
            .attribute("rest_api_id", value(r.api)),
            .attribute("resource_id", value(r.resource)),
            .attribute("http_method", .string(r.httpMethod)),
            .attribute("authorization", .string(r.authorizer == nil ? "NONE" : "CUSTOM")),
        ] + (r.authorizer.map { [.attribute("authorizer_id", value($0))] } ?? []) + [
            .attribute("api_key_required", .bool(r.apiKeyRequired)),
        ] + out.depends)
        out.add("aws_api_gateway_integration", [
            .attribute("rest_api_id", value(r.api)),
            .attribute("resource_id", value(r.resource)),
            .attribute("http_method", own("http_method", of: out)),
            .attribute("type", .string("AWS_PROXY")),
            .attribute("integration_http_method", .string("POST")),
            .attribute("uri", value(r.integrationURI)),
        ])
    }

    /// `aws_api_gateway_authorizer`.
    func translate(_ r: ApiAuthorizer, into out: inout ResourceTranslation) {
        // The provider's identity_source defaults to the Authorization header, which API Gateway
        // would then require; "" sends none (allowed with a TTL of 0).
        out.add(out.address.type, out.skips + [
            .attribute("name", value(r.name)),
            .attribute("rest_api_id", value(r.api)),
            .attribute("type", .string("REQUEST")),
            .attribute("authorizer_uri", value(r.authorizerURI)),
            .attribute("authorizer_result_ttl_in_seconds", .number(Double(r.resultTtlSeconds))),
            .attribute("identity_source", .string(r.identitySource.joined(separator: ","))),
        ] + out.depends)
    }

    /// `aws_api_gateway_gateway_response`.
    func translate(_ r: GatewayResponse, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("rest_api_id", value(r.api)),
            .attribute("response_type", .string(r.responseType)),
        ] + (r.statusCode.map { [.attribute("status_code", .string(String($0)))] } ?? []) + [
            .attribute("response_templates", .object([HCLObjectItem("application/json", .string(r.template))])),
        ] + out.depends)
    }

    /// `aws_api_gateway_deployment`.
    func translate(_ r: ApiDeployment, into out: inout ResourceTranslation) {
        var body = out.skips + [
            .attribute("rest_api_id", value(r.api)),
            .attribute("description", .string(r.description)),
        ]
        if let hash = TerraformNames.deploymentHash(r.id) {
            body.append(.attribute("triggers", .object([HCLObjectItem("redeployment", .string(hash))])))
        }
        out.add(out.address.type, body + out.depends + [.block(HCLBlock("lifecycle", [], [.attribute("create_before_destroy", .bool(true))]))])
    }

    /// `aws_api_gateway_stage`, and its `aws_api_gateway_method_settings`.
    func translate(_ r: ApiStage, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("rest_api_id", value(r.api)),
            .attribute("deployment_id", value(r.deployment)),
            .attribute("stage_name", bindings.marked(r.$stageName)),
        ] + (r.description.map { description -> [HCLBodyItem] in [.attribute("description", self.value(description))] } ?? []) + [
            .attribute("xray_tracing_enabled", .bool(true)),
            .block(HCLBlock("access_log_settings", [], [
                .attribute("destination_arn", value(r.accessLogGroup)),
                .attribute("format", .string(r.accessLogFormat)),
            ])),
        ] + out.depends)
        out.add("aws_api_gateway_method_settings", out.skips + [
            .attribute("rest_api_id", value(r.api)),
            .attribute("stage_name", own("stage_name", of: out)),
            .attribute("method_path", .string("*/*")),
            .block(HCLBlock("settings", [], [
                .attribute("logging_level", .string(r.loggingLevel)),
                .attribute("metrics_enabled", .bool(true)),
                .attribute("data_trace_enabled", .bool(false)),
            ])),
        ])
    }

    /// `aws_api_gateway_api_key`.
    func translate(_ r: ApiKey, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("name", Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))])),
            .attribute("description", .string(r.description)),
            .attribute("enabled", .bool(true)),
        ] + out.depends)
    }

    /// `aws_api_gateway_usage_plan`.
    func translate(_ r: UsagePlan, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("name", Self.template([.interpolation(.variable("stack_name")), .literal("-" + TerraformNames.kebabCase(r.id.rawValue))])),
            .attribute("description", .string(r.description)),
            .block(HCLBlock("api_stages", [], [
                .attribute("api_id", value(r.api)),
                .attribute("stage", value(r.stage)),
            ])),
            .block(HCLBlock("throttle_settings", [], [
                .attribute("rate_limit", bindings.marked(r.$throttleRate)),
                .attribute("burst_limit", bindings.marked(r.$throttleBurst)),
            ])),
            .block(HCLBlock("quota_settings", [], [
                .attribute("limit", bindings.marked(r.$quotaLimit)),
                .attribute("period", bindings.marked(r.$quotaPeriod, .string(r.quotaPeriod.rawValue))),
            ])),
        ] + out.depends
            // the checks are over the settings' variables: only for a plan the settings throttle
            + (r.$throttleRate.setting == nil ? [] : [.block(Bindings.lifecycle(Bindings.throttlePreconditions))]))
    }

    /// `aws_api_gateway_usage_plan_key`.
    func translate(_ r: UsagePlanKey, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .attribute("key_id", value(r.key)),
            .attribute("key_type", .string("API_KEY")),
            .attribute("usage_plan_id", value(r.plan)),
        ] + out.depends)
    }

    /// `aws_api_gateway_account`.
    func translate(_ r: ApiGatewayAccount, into out: inout ResourceTranslation) {
        // Destroy resets the account setting (provider 5.x's reset_on_delete): Terraform has no
        // Retain, and the role it points at is destroyed with the module.
        out.add(out.address.type, out.skips + [.attribute("cloudwatch_role_arn", value(r.cloudWatchRole)), .attribute("reset_on_delete", .bool(true))] + out.depends)
    }
}
