// The SageMaker and Lambda types' CloudFormation forms: type, properties and whether they take tags.

extension SageMakerModel {
    public var cloudFormationType: String { "AWS::SageMaker::Model" }
    public var properties: [String: Value] {
        var container: [String: Value] = ["Image": .string(image), "Environment": .object(environment.mapValues(Value.string))]
        if let modelData {
            container["ModelDataSource"] = ["S3DataSource": ["S3Uri": modelData, "S3DataType": "S3Prefix", "CompressionType": "None"]]
        }
        var properties: [String: Value] = [
            "ExecutionRoleArn": executionRole, "PrimaryContainer": .object(container),
            "VpcConfig": ["Subnets": .list(subnets), "SecurityGroupIds": .list(securityGroups)],
        ]
        if networkIsolation { properties["EnableNetworkIsolation"] = true }
        return properties
    }
    public var takesTags: Bool { true }
}

extension EndpointConfig {
    public var cloudFormationType: String { "AWS::SageMaker::EndpointConfig" }
    /// One production variant: with a model, or (`components`) hosting inference components with
    /// managed instance scaling, the execution role and network they are deployed with.
    public var properties: [String: Value] {
        if let components { return componentHostingProperties(components) }
        var variant: [String: Value] = [
            "VariantName": .string(variantName), "ModelName": model ?? "", "InstanceType": .string(instanceType),
            "InitialInstanceCount": .int(instanceCount), "InitialVariantWeight": 1,
            "ContainerStartupHealthCheckTimeoutInSeconds": .int(startupHealthCheckTimeoutSeconds),
            "ModelDataDownloadTimeoutInSeconds": .int(modelDataDownloadTimeoutSeconds),
        ]
        if let inferenceAmiVersion { variant["InferenceAmiVersion"] = .string(inferenceAmiVersion) }
        return ["ProductionVariants": [.object(variant)]]
    }
    public var takesTags: Bool { true }

    private func componentHostingProperties(_ hosting: ComponentHosting) -> [String: Value] {
        var variant: [String: Value] = [
            "VariantName": .string(variantName), "InstanceType": .string(instanceType), "InitialInstanceCount": .int(instanceCount),
            "ManagedInstanceScaling": .ordered(["Status": "ENABLED", "MinInstanceCount": .int(hosting.scaling.minInstances),
                                                "MaxInstanceCount": .int(hosting.scaling.maxInstances)]),
            "RoutingConfig": ["RoutingStrategy": .string(ManagedInstanceScaling.routingStrategy)],
        ]
        if let inferenceAmiVersion { variant["InferenceAmiVersion"] = .string(inferenceAmiVersion) }
        return [
            "ExecutionRoleArn": hosting.executionRole,
            "VpcConfig": ["Subnets": .list(hosting.subnets), "SecurityGroupIds": .list(hosting.securityGroups)],
            "ProductionVariants": [.object(variant)],
        ]
    }
}

extension Endpoint {
    public var cloudFormationType: String { "AWS::SageMaker::Endpoint" }
    public var properties: [String: Value] {
        var properties: [String: Value] = ["EndpointConfigName": config]
        if let name { properties["EndpointName"] = .string(name) }
        return properties
    }
    public var takesTags: Bool { true }
}

extension LambdaFunction {
    public var cloudFormationType: String { "AWS::Lambda::Function" }
    /// The code from the assets bucket when packaged, else inline as `Code.ZipFile` (the renderer
    /// refuses inline code over `LambdaSource.inlineLimit`).
    public var properties: [String: Value] {
        var properties: [String: Value] = [
            "Description": .string(description), "Runtime": .string(runtime), "Handler": .string(handler),
            "Code": package.map { .ordered(["S3Bucket": LambdaPackage.bucket, "S3Key": .string($0.key)]) } ?? ["ZipFile": .string(code)],
            "Role": role, "MemorySize": .int(memoryMB), "Timeout": .int(timeoutSeconds),
            "Environment": ["Variables": .object(environment)],
            "LoggingConfig": ["LogGroup": logGroup],
        ]
        if let reservedConcurrency { properties["ReservedConcurrentExecutions"] = .int(reservedConcurrency) }
        if !layers.isEmpty { properties["Layers"] = .list(layers) }
        if !subnets.isEmpty { properties["VpcConfig"] = ["SubnetIds": .list(subnets), "SecurityGroupIds": .list(securityGroups)] }
        if tracing { properties["TracingConfig"] = ["Mode": "Active"] }
        return properties
    }
    public var takesTags: Bool { true }
}

extension LambdaPermission {
    public var cloudFormationType: String { "AWS::Lambda::Permission" }
    public var properties: [String: Value] {
        ["Action": "lambda:InvokeFunction", "FunctionName": function, "Principal": .string(principal), "SourceArn": sourceArn]
    }
}
