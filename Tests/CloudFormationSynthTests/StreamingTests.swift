import Foundation
import Testing
@testable import CloudFormationSynth
import StackModel

private func resources(_ config: ServiceConfig) throws -> [String: [String: Any]] {
    let template = try CloudFormationSynth.synthesize(Stack.slmService(config))
    return try #require((try JSONSerialization.jsonObject(with: Data(template.text.utf8)) as? [String: Any])?["Resources"] as? [String: [String: Any]])
}

private func streaming() -> ServiceConfig {
    var config = ServiceConfig()
    config.streaming = true
    return config
}

/// With streaming on, only the chat route streams: to the streaming function, through the
/// InvokeWithResponseStream URI, with the longer timeout; the other routes stay buffered on the shim.
@Test func streamingSendsOnlyTheChatRouteToTheStreamingFunction() throws {
    let all = try resources(streaming())
    let chat = try #require(all["ChatCompletionsMethod"]?["Properties"] as? [String: Any])
    let integration = try #require(chat["Integration"] as? [String: Any])
    #expect(integration["ResponseTransferMode"] as? String == "STREAM")
    #expect(integration["TimeoutInMillis"] as? Int == SLMService.streamSeconds * 1000)
    let uri = try #require((integration["Uri"] as? [String: Any])?["Fn::Sub"] as? String)
    #expect(uri.hasSuffix(":lambda:path/2021-11-15/functions/${StreamFunction.Arn}/response-streaming-invocations"))
    for method in ["InvokeMethod", "ModelsMethod"] {
        let other = try #require((all[method]?["Properties"] as? [String: Any])?["Integration"] as? [String: Any])
        #expect(other["ResponseTransferMode"] == nil, "\(method) stays buffered")
        #expect((other["Uri"] as? [String: Any])?["Fn::Sub"] as? String == uri.replacingOccurrences(of: "2021-11-15", with: "2015-03-31")
            .replacingOccurrences(of: "StreamFunction", with: "ShimFunction").replacingOccurrences(of: "response-streaming-invocations", with: "invocations"))
    }
    // API Gateway may invoke the streaming function on the chat route only
    let permission = try #require(all["StreamPermission"]?["Properties"] as? [String: Any])
    #expect(((permission["SourceArn"] as? [String: Any])?["Fn::Sub"] as? String)?.hasSuffix("/*/POST/v1/chat/completions") == true)
}

/// The streaming function runs the packaged web app behind the Lambda Web Adapter layer, in
/// response-stream mode, from the assets bucket, with the shim's settings.
@Test func theStreamingFunctionRunsBehindTheWebAdapter() throws {
    let all = try resources(streaming())
    let function = try #require(all["StreamFunction"]?["Properties"] as? [String: Any])
    let shim = try #require(all["ShimFunction"]?["Properties"] as? [String: Any])
    #expect(function["Handler"] as? String == "serve.py")
    #expect(function["Timeout"] as? Int == SLMService.streamSeconds)
    let code = try #require(function["Code"] as? [String: Any])
    #expect((code["S3Bucket"] as? [String: Any])?["Fn::Sub"] as? String == "slmstack-assets-${AWS::AccountId}-${AWS::Region}")
    #expect(code["S3Key"] as? String == SLMService.streamPackage.key)
    let layers = try #require(function["Layers"] as? [[String: Any]])
    #expect(layers.first?["Fn::Sub"] as? String == "arn:${AWS::Partition}:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerX86:26")
    let env = try #require((function["Environment"] as? [String: Any])?["Variables"] as? [String: Any])
    let shimEnv = try #require((shim["Environment"] as? [String: Any])?["Variables"] as? [String: Any])
    #expect(env["AWS_LAMBDA_EXEC_WRAPPER"] as? String == "/opt/bootstrap")
    #expect(env["AWS_LWA_INVOKE_MODE"] as? String == "response_stream")
    #expect(env["AWS_LWA_READINESS_CHECK_PATH"] as? String == "/healthz")
    #expect(env["STREAMING"] as? String == "true")
    for key in ["ENDPOINT_NAME", "MODEL_ID", "ENGINE", "MAX_INPUT_TOKENS", "MAX_TOTAL_TOKENS", "LOG_PROMPTS"] {
        #expect(env[key] as? String == shimEnv[key] as? String, "\(key) as the shim's")
    }
    #expect(shimEnv["STREAMING"] == nil && shimEnv["AWS_LAMBDA_EXEC_WRAPPER"] == nil, "the shim itself is unchanged")
    // the shared role may stream from this stack's endpoint and write both log groups
    let role = try #require(all["ShimRole"]?["Properties"] as? [String: Any])
    let policies = String(decoding: try JSONSerialization.data(withJSONObject: role, options: [.sortedKeys]), as: UTF8.self)
    #expect(policies.contains("sagemaker:InvokeEndpointWithResponseStream"))
    #expect(policies.contains("StreamLogGroup"))
}

/// Streaming off (the default) leaves the stack as it was: no streaming function, no package, no
/// STREAM integration, no response-stream permission on the role.
@Test func streamingOffAddsNothing() throws {
    let all = try resources(ServiceConfig())
    #expect(all["StreamFunction"] == nil && all["StreamLogGroup"] == nil && all["StreamPermission"] == nil)
    let text = try CloudFormationSynth.synthesize(Stack.slmService(ServiceConfig())).text
    #expect(!text.contains("ResponseTransferMode") && !text.contains("InvokeEndpointWithResponseStream") && !text.contains("S3Key"))
}

/// The package is the same bytes every time, its key names its content, and the start script is
/// executable in the zip (the adapter's bootstrap execs it).
@Test func theStreamPackageIsDeterministicWithAnExecutableStartScript() throws {
    let first = SLMService.streamPackage, second = SLMService.streamPackage
    #expect(first.archive.bytes == second.archive.bytes)
    #expect(first.key == "lambda/stream-\(StableHash.hex8(bytes: first.archive.bytes)).zip")
    #expect(first.archive.entries.map(\.path) == ["index.py", "serve.py"])
    #expect(first.archive.entries.map(\.executable) == [false, true])
    #expect(first.archive.entries[0].bytes == Array(LambdaSource.handlerFile.utf8))
    // the central directory's external attributes: 0o100755 << 16 for serve.py, 0o100644 for index.py
    let bytes = first.archive.bytes
    var modes: [UInt32] = []
    var i = 0
    while i + 46 <= bytes.count {
        if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x01, bytes[i + 3] == 0x02 {
            let attrs = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + 38 + $1]) << (8 * UInt32($1)) }
            modes.append(attrs >> 16)
            i += 46
        } else {
            i += 1
        }
    }
    #expect(modes == [0o100644, 0o100755])
    var changed = first.archive
    changed.entries[1].bytes += Array("\n# changed\n".utf8)
    #expect(LambdaPackage(stem: "stream", archive: changed).key != first.key, "changed code is a new object")
}
