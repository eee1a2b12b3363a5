// MARK: - Streaming chat function (`streaming` on)

extension SLMService {
    /// The layer that runs the streaming function as a web app: AWS Lambda Web Adapter 0.9.x
    /// (awslabs/aws-lambda-web-adapter, layer version 26), published by AWS's account 753240598075
    /// in the commercial regions. Python cannot stream from a Lambda handler; behind the adapter
    /// the same Python answers plain HTTP and the adapter streams it (docs/http-api.md, streaming).
    public static let webAdapterLayer: Value = .join(["arn:", .pseudo(.partition), ":lambda:", .pseudo(.region),
                                                      ":753240598075:layer:LambdaAdapterLayerX86:26"])

    /// How long one streamed chat answer may take: the function's timeout and, in milliseconds,
    /// the chat route's integration timeout (STREAM allows up to 15 minutes).
    public static let streamSeconds = 300

    /// Seconds the streaming function waits for the model's first byte, and between bytes.
    public static let streamModelWaitSeconds = 60

    /// The port the web app listens on, as the adapter expects it.
    static let webAdapterPort = "8080"

    /// The zip of the streaming function: the shim's handler as `index.py` (its checks, prompt
    /// rendering and model call) and the web app `serve.py` (executable: the adapter's bootstrap
    /// runs `$LAMBDA_TASK_ROOT/$_HANDLER`).
    public static var streamPackage: LambdaPackage {
        LambdaPackage(stem: "stream", archive: ZipArchive([
            .init(path: "index.py", bytes: Array(LambdaSource.handlerFile.utf8)),
            .init(path: "serve.py", bytes: Array(LambdaSource.streamServerFile.utf8), executable: true),
        ]))
    }

    /// The chat route's function when `streaming` is on: the shim's settings and environment, its
    /// code from `streamPackage` behind the Lambda Web Adapter in response-stream mode.
    static func streamFunction(config: ServiceConfig, network: Network, shim: LambdaFunction, role: Role, logGroup: LogGroup) -> LambdaFunction {
        var environment = shim.environment
        environment["SAGEMAKER_TIMEOUT"] = .string(String(streamModelWaitSeconds))
        environment["STREAMING"] = .string("true")
        environment["AWS_LAMBDA_EXEC_WRAPPER"] = .string("/opt/bootstrap")
        environment["AWS_LWA_INVOKE_MODE"] = .string("response_stream")
        environment["AWS_LWA_PORT"] = .string(webAdapterPort)
        environment["AWS_LWA_READINESS_CHECK_PATH"] = .string("/healthz")
        var function = LambdaFunction(
            "StreamFunction", description: "slmstack streaming chat: API Gateway response streaming to the SageMaker endpoint",
            runtime: shim.runtime, handler: "serve.py", code: "", role: role,
            memoryMB: config.lambdaMemoryMB, timeoutSeconds: streamSeconds, reservedConcurrency: config.lambdaReservedConcurrency,
            environment: environment, subnets: network.privateSubnets, securityGroups: [network.lambdaGroup], logGroup: logGroup)
        function.package = streamPackage
        function.layers = [webAdapterLayer]
        function.suppressions = shim.suppressions
        function = function.markingEnvironment(shim.environmentSettings)
        return config.lambdaReservedConcurrency == nil
            ? function.suppress("CKV_AWS_115", because: "reserving is opt-in (lambda-concurrency), as for the shim: new accounts have 10 executions in all; the usage plan throttles callers")
            : function
    }
}
