import StackModel

// The SageMaker model, endpoint configuration and endpoint as Terraform resources.
extension Translator {
    /// The SageMaker types, in sagemaker.tf (referred to by ARN, CloudFormation's `Ref`).
    static let sageMakerTranslations: [TerraformTranslation] = [
        TerraformTranslation(SageMakerModel.self, "aws_sagemaker_model", ref: "arn", .area(.sagemaker)) { $0.translate($1, into: &$2) },
        TerraformTranslation(EndpointConfig.self, "aws_sagemaker_endpoint_configuration", ref: "arn", .area(.sagemaker)) { $0.translate($1, into: &$2) },
        TerraformTranslation(Endpoint.self, "aws_sagemaker_endpoint", ref: "arn", .area(.sagemaker)) { $0.translate($1, into: &$2) },
    ]

    /// `aws_sagemaker_model`.
    func translate(_ r: SageMakerModel, into out: inout ResourceTranslation) {
        // model_data_source: in hashicorp/aws since 5.x (5.100.0 has it, as s3_data_source blocks).
        let data: [HCLBodyItem] = r.modelData.map { uri in
            [.block(HCLBlock("model_data_source", [], [.block(HCLBlock("s3_data_source", [], [
                .attribute("s3_uri", value(uri)), .attribute("s3_data_type", .string("S3Prefix")), .attribute("compression_type", .string("None")),
            ]))]))]
        } ?? []
        out.add(out.address.type, out.skips + [
            .attribute("execution_role_arn", value(r.executionRole)),
        ] + (r.networkIsolation ? [.attribute("enable_network_isolation", .bool(true))] : []) + [
            .block(HCLBlock("primary_container", [], [
                .attribute("image", bindings.image(r.image)),
                .attribute("environment", .object(r.environment.keys.sorted().map { HCLObjectItem($0, bindings.environment($0, r.environment[$0]!, setting: r.environmentSettings[$0])) })),
            ] + data)),
            .block(HCLBlock("vpc_config", [], [
                .attribute("subnets", ids(r.subnets)),
                .attribute("security_group_ids", ids(r.securityGroups)),
            ])),
        ] + out.depends)
    }

    /// `aws_sagemaker_endpoint_configuration`.
    func translate(_ r: EndpointConfig, into out: inout ResourceTranslation) {
        out.add(out.address.type, out.skips + [
            .block(HCLBlock("production_variants", [], [
                .attribute("variant_name", .string(r.variantName)),
                .attribute("model_name", r.model.map { value($0) } ?? .string("")),
                .attribute("instance_type", bindings.marked(r.$instanceType)),
                .attribute("initial_instance_count", bindings.marked(r.$instanceCount)),
                .attribute("initial_variant_weight", .number(1)),
                .attribute("container_startup_health_check_timeout_in_seconds", bindings.marked(r.$startupHealthCheckTimeoutSeconds)),
                .attribute("model_data_download_timeout_in_seconds", bindings.marked(r.$modelDataDownloadTimeoutSeconds)),
            ] + (r.inferenceAmiVersion.map { [.attribute("inference_ami_version", bindings.inferenceAMI($0))] } ?? []))),
        ] + out.depends
            // the model-fit checks are over the settings' variables: only for a variant the settings size
            + (r.$instanceType.setting == nil ? [] : [.block(Bindings.lifecycle(bindings.sageMakerPreconditions))]))
    }

    /// `aws_sagemaker_endpoint`.
    func translate(_ r: Endpoint, into out: inout ResourceTranslation) {
        // The fixed name (lower case, from the stack name): from var.stack_name by the same rule.
        out.add(out.address.type, out.skips + (r.name.map { [.attribute("name", bindings.endpointName($0))] } ?? [])
            + [.attribute("endpoint_config_name", value(r.config))] + out.depends)
    }
}

extension TerraformSynth {
    /// Refuses, in one line, a SageMaker setup the hashicorp/aws provider cannot express: an
    /// inference component (scaling zero), or a host AMI outside the provider's list.
    static func refuseWhatTheProviderCannotExpress(_ stack: Stack) throws {
        // hashicorp/terraform-provider-aws has no inference component resource (issue #35226; none in 5.100.0)
        if let component = stack.resources(of: InferenceComponent.self).first {
            throw TerraformSynthError.noEquivalent(kind: InferenceComponent.kind, id: component.id.rawValue,
                reason: "scaling zero needs a SageMaker inference component, which the hashicorp/aws provider cannot express (no aws_sagemaker_inference_component; hashicorp/terraform-provider-aws #35226): deploy it with CloudFormation (`slmstack deploy`, `synth --format cloudformation`), or set scaling instance for Terraform")
        }
        for endpointConfig in stack.resources(of: EndpointConfig.self) {
            if let ami = endpointConfig.inferenceAmiVersion, !providerInferenceAMIs.contains(ami) {
                throw TerraformSynthError.noEquivalent(kind: EndpointConfig.kind, id: endpointConfig.id.rawValue,
                    reason: "InferenceAmiVersion \(ami) (the host the image's CUDA needs) is not a value the hashicorp/aws provider accepts (5.100.0: \(providerInferenceAMIs.sorted().joined(separator: ", "))): choose an engine version built for CUDA 12 (for vLLM: --vllm-version \(Self.offeredVersions(.vllm).last ?? "0.17.0")), or deploy with CloudFormation")
            }
        }
    }
}
