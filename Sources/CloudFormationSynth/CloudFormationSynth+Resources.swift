import Foundation

import StackModel

// Each resource type's CloudFormation type name, properties and whether it takes `Tags`.
extension CloudFormationSynth {
    private static func ids(_ values: [Value]) -> OrderedJSON { .array(values.map(value)) }

    /// The CloudFormation type, properties, and whether the type takes `Tags`.
    static func typeAndProperties(_ resource: any Resource) throws -> (String, [String: OrderedJSON], Bool) {
        switch resource {
        case let r as Vpc:
            return ("AWS::EC2::VPC", ["CidrBlock": .string(r.cidr), "EnableDnsHostnames": .bool(true), "EnableDnsSupport": .bool(true)], true)
        case let r as Subnet:
            return ("AWS::EC2::Subnet", ["VpcId": value(r.vpc), "CidrBlock": .string(r.cidr),
                                         "AvailabilityZone": value(.availabilityZone(r.zoneIndex)), "MapPublicIpOnLaunch": .bool(false)], true)
        case is InternetGateway:
            return ("AWS::EC2::InternetGateway", [:], true)
        case let r as GatewayAttachment:
            return ("AWS::EC2::VPCGatewayAttachment", ["VpcId": value(r.vpc), "InternetGatewayId": value(r.gateway)], false)
        case is ElasticIP:
            return ("AWS::EC2::EIP", ["Domain": .string("vpc")], true)
        case let r as NatGateway:
            return ("AWS::EC2::NatGateway", ["SubnetId": value(r.subnet), "AllocationId": value(r.allocation)], true)
        case let r as RouteTable:
            return ("AWS::EC2::RouteTable", ["VpcId": value(r.vpc)], true)
        case let r as Route:
            var props: [String: OrderedJSON] = ["RouteTableId": value(r.routeTable), "DestinationCidrBlock": .string(r.destination)]
            switch r.target {
            case .internetGateway(let gateway): props["GatewayId"] = value(gateway)
            case .natGateway(let nat): props["NatGatewayId"] = value(nat)
            }
            return ("AWS::EC2::Route", props, false)
        case let r as RouteTableAssociation:
            return ("AWS::EC2::SubnetRouteTableAssociation", ["RouteTableId": value(r.routeTable), "SubnetId": value(r.subnet)], false)
        case let r as SecurityGroup:
            func rules(_ rules: [SecurityRule], peerKey: String) -> OrderedJSON {
                .array(rules.map { rule in
                    var fields: [String: OrderedJSON] = ["IpProtocol": .string(rule.ipProtocol), "FromPort": .int(rule.fromPort),
                                                       "ToPort": .int(rule.toPort), "Description": .string(rule.description)]
                    switch rule.peer {
                    case .cidr(let cidr): fields["CidrIp"] = .string(cidr)
                    case .securityGroup(let group): fields[peerKey] = value(group)
                    }
                    return .sorted(fields)
                })
            }
            var props: [String: OrderedJSON] = ["GroupDescription": .string(r.groupDescription), "VpcId": value(r.vpc),
                                              "SecurityGroupEgress": rules(r.egress, peerKey: "DestinationSecurityGroupId")]
            if !r.ingress.isEmpty { props["SecurityGroupIngress"] = rules(r.ingress, peerKey: "SourceSecurityGroupId") }
            return ("AWS::EC2::SecurityGroup", props, true)
        case let r as InterfaceEndpoint:
            return ("AWS::EC2::VPCEndpoint", ["VpcId": value(r.vpc), "VpcEndpointType": .string("Interface"), "PrivateDnsEnabled": .bool(true),
                                              "ServiceName": value(.join(["com.amazonaws.", .pseudo(.region), .string(".\(r.service)")])),
                                              "SubnetIds": ids(r.subnets), "SecurityGroupIds": ids(r.securityGroups)], false)
        case let r as GatewayEndpoint:
            return ("AWS::EC2::VPCEndpoint", ["VpcId": value(r.vpc), "VpcEndpointType": .string("Gateway"),
                                              "ServiceName": value(.join(["com.amazonaws.", .pseudo(.region), .string(".\(r.service)")])),
                                              "RouteTableIds": ids(r.routeTables)], false)
        case let r as FlowLog:
            return ("AWS::EC2::FlowLog", ["ResourceId": value(r.vpc), "ResourceType": .string("VPC"), "TrafficType": .string(r.trafficType),
                                          "LogDestinationType": .string("cloud-watch-logs"), "LogDestination": value(r.logGroup),
                                          "DeliverLogsPermissionArn": value(r.role)], true)
        case let r as Role:
            let policies = r.policies.keys.sorted().map { name in
                OrderedJSON.object([("PolicyName", .string(name)), ("PolicyDocument", value(r.policies[name]!.value))])
            }
            return ("AWS::IAM::Role", ["Description": .string(r.description), "AssumeRolePolicyDocument": value(r.trust.value),
                                       "Policies": .array(policies)], true)
        case let r as KmsKey:
            return ("AWS::KMS::Key", ["Description": .string(r.description), "EnableKeyRotation": .bool(true),
                                      "PendingWindowInDays": .int(r.pendingWindowDays), "KeyPolicy": value(r.policy.value)], true)
        case let r as LogGroup:
            var props: [String: OrderedJSON] = ["RetentionInDays": .int(r.retentionDays)]
            if let name = r.name { props["LogGroupName"] = value(name) }
            if let key = r.kmsKey { props["KmsKeyId"] = value(key) }
            return ("AWS::Logs::LogGroup", props, true)
        case let r as SageMakerModel:
            var container: [String: OrderedJSON] = ["Image": .string(r.image), "Environment": .sorted(r.environment.mapValues(OrderedJSON.string))]
            if let data = r.modelData {
                container["ModelDataSource"] = .object([("S3DataSource", .sorted(["S3Uri": value(data), "S3DataType": .string("S3Prefix"),
                                                                                 "CompressionType": .string("None")]))])
            }
            var props: [String: OrderedJSON] = [
                "ExecutionRoleArn": value(r.executionRole),
                "PrimaryContainer": .sorted(container),
                "VpcConfig": .sorted(["Subnets": ids(r.subnets), "SecurityGroupIds": ids(r.securityGroups)]),
            ]
            if r.networkIsolation { props["EnableNetworkIsolation"] = .bool(true) }
            return ("AWS::SageMaker::Model", props, true)
        case let r as EndpointConfig:
            if let hosting = r.components { return componentHosting(r, hosting) }
            var variant: [String: OrderedJSON] = [
                "VariantName": .string(r.variantName), "ModelName": r.model.map(value) ?? .string(""), "InstanceType": .string(r.instanceType),
                "InitialInstanceCount": .int(r.instanceCount), "InitialVariantWeight": .int(1),
                "ContainerStartupHealthCheckTimeoutInSeconds": .int(r.startupHealthCheckTimeoutSeconds),
                "ModelDataDownloadTimeoutInSeconds": .int(r.modelDataDownloadTimeoutSeconds),
            ]
            if let ami = r.inferenceAmiVersion { variant["InferenceAmiVersion"] = .string(ami) }
            return ("AWS::SageMaker::EndpointConfig", ["ProductionVariants": .array([.sorted(variant)])], true)
        case let r as InferenceComponent:
            return inferenceComponent(r)
        case let r as StepScalingPolicy:
            return stepScalingPolicy(r)
        case let r as Endpoint:
            var props: [String: OrderedJSON] = ["EndpointConfigName": value(r.config)]
            if let name = r.name { props["EndpointName"] = .string(name) }
            return ("AWS::SageMaker::Endpoint", props, true)
        case let r as LambdaFunction:
            guard r.code.count <= LambdaSource.inlineLimit else {
                throw CloudFormationSynthError.inlineCodeTooLong(function: r.id.rawValue, characters: r.code.count, limit: LambdaSource.inlineLimit)
            }
            var props: [String: OrderedJSON] = [
                "Description": .string(r.description), "Runtime": .string(r.runtime), "Handler": .string(r.handler),
                "Code": r.package.map { .object([("S3Bucket", value(LambdaPackage.bucket)), ("S3Key", .string($0.key))]) }
                    ?? .object([("ZipFile", .string(r.code))]),
                "Role": value(r.role), "MemorySize": .int(r.memoryMB),
                "Timeout": .int(r.timeoutSeconds),
                "Environment": .object([("Variables", .sorted(r.environment.mapValues(value)))]),
                "LoggingConfig": .object([("LogGroup", value(r.logGroup))]),
            ]
            if let reserved = r.reservedConcurrency { props["ReservedConcurrentExecutions"] = .int(reserved) }
            if !r.layers.isEmpty { props["Layers"] = .array(r.layers.map(value)) }
            if !r.subnets.isEmpty {
                props["VpcConfig"] = .sorted(["SubnetIds": ids(r.subnets), "SecurityGroupIds": ids(r.securityGroups)])
            }
            if r.tracing { props["TracingConfig"] = .object([("Mode", .string("Active"))]) }
            return ("AWS::Lambda::Function", props, true)
        case let r as LambdaPermission:
            return ("AWS::Lambda::Permission", ["Action": .string("lambda:InvokeFunction"), "FunctionName": value(r.function),
                                                "Principal": .string(r.principal), "SourceArn": value(r.sourceArn)], false)
        case let r as RestApi:
            return ("AWS::ApiGateway::RestApi", ["Name": value(r.name), "Description": .string(r.description),
                                                 "EndpointConfiguration": .object([("Types", .array([.string("REGIONAL")]))]),
                                                 "ApiKeySourceType": .string(r.apiKeySource.rawValue)], true)
        case let r as ApiResource:
            return ("AWS::ApiGateway::Resource", ["RestApiId": value(r.api), "ParentId": value(r.parent), "PathPart": .string(r.pathPart)], false)
        case let r as ApiMethod:
            var props: [String: OrderedJSON] = [
                "RestApiId": value(r.api), "ResourceId": value(r.resource), "HttpMethod": .string(r.httpMethod),
                "AuthorizationType": .string(r.authorizer == nil ? "NONE" : "CUSTOM"), "ApiKeyRequired": .bool(r.apiKeyRequired),
            ]
            var integration: [String: OrderedJSON] = ["Type": .string("AWS_PROXY"), "IntegrationHttpMethod": .string("POST"), "Uri": value(r.integrationURI)]
            if r.responseTransferMode == .stream { integration["ResponseTransferMode"] = .string(r.responseTransferMode.rawValue) }
            if let timeout = r.timeoutMillis { integration["TimeoutInMillis"] = .int(timeout) }
            props["Integration"] = .sorted(integration)
            if let authorizer = r.authorizer { props["AuthorizerId"] = value(authorizer) }
            return ("AWS::ApiGateway::Method", props, false)
        case let r as ApiAuthorizer:
            var props: [String: OrderedJSON] = [
                "RestApiId": value(r.api), "Name": value(r.name), "Type": .string("REQUEST"), "AuthorizerUri": value(r.authorizerURI),
                "AuthorizerResultTtlInSeconds": .int(r.resultTtlSeconds),
            ]
            if !r.identitySource.isEmpty { props["IdentitySource"] = .string(r.identitySource.joined(separator: ",")) }
            return ("AWS::ApiGateway::Authorizer", props, false)
        case let r as GatewayResponse:
            var props: [String: OrderedJSON] = [
                "RestApiId": value(r.api), "ResponseType": .string(r.responseType),
                "ResponseTemplates": .object([("application/json", .string(r.template))]),
            ]
            if let status = r.statusCode { props["StatusCode"] = .string(String(status)) }
            return ("AWS::ApiGateway::GatewayResponse", props, false)
        case let r as ApiDeployment:
            return ("AWS::ApiGateway::Deployment", ["RestApiId": value(r.api), "Description": .string(r.description)], false)
        case let r as ApiStage:
            let settings: [String: OrderedJSON] = [
                "ResourcePath": .string("/*"), "HttpMethod": .string("*"), "LoggingLevel": .string(r.loggingLevel),
                "MetricsEnabled": .bool(true), "DataTraceEnabled": .bool(false),
            ]
            var props: [String: OrderedJSON] = [
                "RestApiId": value(r.api), "DeploymentId": value(r.deployment), "StageName": .string(r.stageName),
                "TracingEnabled": .bool(true),
                "AccessLogSetting": .sorted(["DestinationArn": value(r.accessLogGroup), "Format": .string(r.accessLogFormat)]),
                "MethodSettings": .array([.sorted(settings)]),
            ]
            if let description = r.description { props["Description"] = value(description) }
            return ("AWS::ApiGateway::Stage", props, true)
        case let r as ApiKey:
            return ("AWS::ApiGateway::ApiKey", ["Description": .string(r.description), "Enabled": .bool(true)], true)
        case let r as UsagePlan:
            return ("AWS::ApiGateway::UsagePlan", [
                "Description": .string(r.description),
                "ApiStages": .array([.sorted(["ApiId": value(r.api), "Stage": value(r.stage)])]),
                "Throttle": .sorted(["RateLimit": .double(r.throttleRate), "BurstLimit": .int(r.throttleBurst)]),
                "Quota": .sorted(["Limit": .int(r.quotaLimit), "Period": .string(r.quotaPeriod.rawValue)]),
            ], true)
        case let r as UsagePlanKey:
            return ("AWS::ApiGateway::UsagePlanKey", ["KeyId": value(r.key), "KeyType": .string("API_KEY"), "UsagePlanId": value(r.plan)], false)
        case let r as ApiGatewayAccount:
            return ("AWS::ApiGateway::Account", ["CloudWatchRoleArn": value(r.cloudWatchRole)], false)
        case let r as SnsTopic:
            return ("AWS::SNS::Topic", ["DisplayName": .string(r.displayName), "KmsMasterKeyId": value(r.kmsKey)], true)
        case let r as SnsSubscription:
            return ("AWS::SNS::Subscription", ["Protocol": .string("email"), "Endpoint": .string(r.email), "TopicArn": value(r.topic)], false)
        case let r as MetricAlarm:
            var props: [String: OrderedJSON] = [
                "AlarmDescription": .string(r.description), "Namespace": .string(r.namespace), "MetricName": .string(r.metricName),
                "Dimensions": .array(r.dimensions.map { .object([("Name", .string($0.name)), ("Value", value($0.value))]) }),
                "Period": .int(r.periodSeconds), "EvaluationPeriods": .int(r.evaluationPeriods), "DatapointsToAlarm": .int(r.evaluationPeriods),
                "Threshold": number(r.threshold), "ComparisonOperator": .string(r.comparison.rawValue),
                "TreatMissingData": .string(r.missingData.rawValue), "AlarmActions": ids(r.actions),
            ]
            switch r.statistic {
            case .statistic(let name): props["Statistic"] = .string(name)
            case .percentile(let name): props["ExtendedStatistic"] = .string(name)
            }
            if let name = r.name { props["AlarmName"] = value(name) }
            return ("AWS::CloudWatch::Alarm", props, true)
        case let r as OneTimeSchedule:
            var target: [String: OrderedJSON] = ["Arn": .string(r.targetArn), "RoleArn": value(r.role), "Input": jsonText(r.input),
                "RetryPolicy": .object([("MaximumEventAgeInSeconds", .int(r.maximumEventAgeSeconds)), ("MaximumRetryAttempts", .int(r.maximumRetryAttempts))])]
            if let queue = r.deadLetterQueue { target["DeadLetterConfig"] = .object([("Arn", value(queue))]) }
            return ("AWS::Scheduler::Schedule", [
                "Description": .string(r.description), "ScheduleExpression": value(.join(["at(", r.at, ")"])),
                "ScheduleExpressionTimezone": .string("UTC"), "FlexibleTimeWindow": .object([("Mode", .string("OFF"))]),
                "State": .string("ENABLED"), "KmsKeyArn": value(r.kmsKey),
                "Target": .sorted(target),
            ], false)
        case let r as SqsQueue:
            return ("AWS::SQS::Queue", ["SqsManagedSseEnabled": .bool(true), "MessageRetentionPeriod": .int(r.retentionSeconds)], true)
        case let r as ScalableTarget:
            return ("AWS::ApplicationAutoScaling::ScalableTarget", [
                "ResourceId": value(r.resourceID), "ScalableDimension": .string(r.dimension),
                "ServiceNamespace": .string(ScalableTarget.serviceNamespace), "MinCapacity": .int(r.minCapacity), "MaxCapacity": .int(r.maxCapacity),
            ], false)
        case let r as TargetTrackingPolicy:
            return ("AWS::ApplicationAutoScaling::ScalingPolicy", [
                "PolicyName": .string(r.policyName), "PolicyType": .string("TargetTrackingScaling"), "ScalingTargetId": value(r.target),
                "TargetTrackingScalingPolicyConfiguration": .sorted([
                    "TargetValue": number(r.targetValue), "ScaleInCooldown": .int(r.scaleInCooldownSeconds),
                    "ScaleOutCooldown": .int(r.scaleOutCooldownSeconds),
                    "PredefinedMetricSpecification": .object([("PredefinedMetricType", .string(r.predefinedMetric))]),
                ]),
            ], false)
        case let r as any DeclaredResource:
            return (r.cloudFormationType, r.properties.mapValues(value), r.takesTags)
        default:
            throw CloudFormationSynthError.unsupportedResource(kind: type(of: resource).kind, id: resource.id.rawValue)
        }
    }
}
