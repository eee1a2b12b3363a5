import Foundation
import GoldenFiles
import Testing
@testable import CloudFormationSynth
@testable import StackModel

/// The package root, from this file's path.
let packageRoot = GoldenFiles.packageRoot

/// The default stack with a small handler, for tests that must not depend on the shim's size.
func stackWithSmallHandler(_ config: ServiceConfig = ServiceConfig()) -> Stack {
    var stack = Stack.slmService(config)
    stack.resources = stack.resources.map { resource in
        guard var function = resource as? LambdaFunction else { return resource }
        function.code = "def handler(event, context):\n    return {'statusCode': 200}\n"
        return function
    }
    return stack
}

/// Every `Ref`/`Fn::GetAtt` target and `${X}` / `${X.Attr}` in `Fn::Sub` strings.
func referencedNames(_ json: OrderedJSON) -> [String] {
    switch json {
    case .object(let fields):
        if fields.count == 1, fields[0].0 == "Ref", case .string(let name) = fields[0].1 { return [name] }
        if fields.count == 1, fields[0].0 == "Fn::GetAtt", case .array(let parts) = fields[0].1, case .string(let name) = parts[0] { return [name] }
        if fields.count == 1, fields[0].0 == "Fn::Sub", case .string(let text) = fields[0].1 {
            var names: [String] = []
            var rest = Substring(text)
            while let open = rest.range(of: "${") {
                rest = rest[open.upperBound...]
                guard let close = rest.firstIndex(of: "}") else { break }
                let name = rest[..<close]
                if !name.hasPrefix("!") { names.append(String(name.split(separator: ".")[0])) }
                rest = rest[close...]
            }
            return names
        }
        return fields.flatMap { referencedNames($0.1) }
    case .array(let items): return items.flatMap(referencedNames)
    default: return []
    }
}

@Test func goldenDefaultTemplateMatchesTheCommittedFile() throws {
    let template = try CloudFormationSynth.synthesize(Stack.slmService(ServiceConfig()))
    if let problem = try GoldenFiles.check(template.text, matches: "templates/cloudformation/\(template.fileName)") { Issue.record(Comment(rawValue: problem)) }
}

@Test func twoSynthsAreByteIdentical() throws {
    let first = try CloudFormationSynth.synthesize(Stack.slmService(ServiceConfig())).text
    let second = try CloudFormationSynth.synthesize(Stack.slmService(ServiceConfig())).text
    #expect(first == second)
    #expect(first.hasSuffix("}\n") && !first.hasSuffix("\n\n"))
}

@Test func sectionsComeInTheUsualOrder() throws {
    let document = try CloudFormationSynth.translate(stackWithSmallHandler())
    guard case .object(let sections) = document else { Issue.record("not an object"); return }
    #expect(sections.map(\.0) == ["AWSTemplateFormatVersion", "Description", "Parameters", "Conditions", "Resources", "Outputs"])
}

/// The operations features all on: expiry, idle pause, e-mail, autoscaling.
let everyOperationsFeature: ServiceConfig = {
    var config = ServiceConfig()
    config.ttlMinutes = 240
    config.idlePause = true
    config.alarmEmail = "ops@example.com"
    config.maxInstances = 3
    return config
}()

@Test func parametersAndConditionsAreDeclaredAndUsed() throws {
    let document = try CloudFormationSynth.translate(stackWithSmallHandler(everyOperationsFeature))
    #expect(document["Parameters"]?["Paused"]?["AllowedValues"] == .array([.string("false"), .string("true")]))
    #expect(document["Parameters"]?["Paused"]?["Default"] == .string("false"))
    #expect(document["Parameters"]?["ExpiresAt"]?["AllowedPattern"] != nil)
    #expect(document["Parameters"]?["ExpiresAt"]?["Default"] == nil, "a deadline has no sensible default")
    #expect(document["Conditions"]?["Running"] == .object([("Fn::Equals", .array([.object([("Ref", .string("Paused"))]), .string("false")]))]))
    guard case .object(let resources) = document["Resources"]! else { Issue.record("no resources"); return }
    let conditional = Set(resources.filter { $0.1["Condition"] == .string("Running") }.map(\.0))
    #expect(conditional == ["NatAddress", "NatGateway", "PrivateDefaultRoute", "Endpoint", "IdleAlarm",
                            "EndpointErrorsAlarm", "ModelLatencyAlarm", "ScalableTarget", "ScalingPolicy"])
    // a pause changes nothing that stays: the shim names the endpoint by its fixed name, no PAUSED
    #expect(document["Resources"]?["ShimFunction"]?["Properties"]?["Environment"]?["Variables"]?["PAUSED"] == nil)
    #expect(document["Resources"]?["ShimFunction"]?["Properties"]?["Environment"]?["Variables"]?["ENDPOINT_NAME"] == .string("slmstack-endpoint"))
    #expect(document["Resources"]?["Endpoint"]?["Properties"]?["EndpointName"] == .string("slmstack-endpoint"))
    #expect(document["Resources"]?["IdleAlarm"]?["DependsOn"] == .array([.string("IdlePausePermission")]))
    #expect(document["Resources"]?["ExpirySchedule"]?["Properties"]?["ScheduleExpression"] == .object([("Fn::Sub", .string("at(${ExpiresAt})"))]))
    #expect(document["Resources"]?["ExpirySchedule"]?["Properties"]?["Target"]?["Input"]
        == .object([("Fn::Sub", .string(#"{"StackName":"${AWS::StackId}"}"#))]))
    // without a TTL there is no deadline to set
    let plain = try CloudFormationSynth.translate(stackWithSmallHandler())
    #expect(plain["Parameters"]?["ExpiresAt"] == nil)
    #expect(plain["Resources"]?["ExpirySchedule"] == nil)
}

@Test func theExpiryRoleIsRetainedAndNothingWaitsForIt() throws {
    // The TTL's deletion runs on the expiry role: deleting the role would first remove the policy that
    // allows it, so CloudFormation keeps it, and no resource needs to be deleted before it.
    let document = try CloudFormationSynth.translate(Stack.slmService(everyOperationsFeature))
    #expect(document["Resources"]?["ExpiryRole"]?["DeletionPolicy"] == .string("Retain"))
    #expect(document["Resources"]?["ExpiryRole"]?["UpdateReplacePolicy"] == .string("Retain"))
    guard case .object(let resources) = document["Resources"]! else { Issue.record("no resources"); return }
    let waiting = resources.filter { if case .array(let ids)? = $0.1["DependsOn"] { ids.contains(.string("ExpiryRole")) } else { false } }.map(\.0)
    #expect(waiting.isEmpty, "\(waiting)")
}

@Test(arguments: [
    ServiceConfig(),
    { var c = ServiceConfig(); c.natGateway = false; return c }(),
    { var c = ServiceConfig(); c.apiGatewayAccount = .off; return c }(),
    { var c = ServiceConfig(); c.apiGatewayAccount = .on; c.lambdaReservedConcurrency = 10; return c }(),
    { var c = ServiceConfig(); c.azCount = 3; c.region = "eu-west-2"; c.instanceType = "ml.g6.xlarge"; return c }(),
    everyOperationsFeature,
])
func everyReferenceResolvesInsideTheTemplate(_ config: ServiceConfig) throws {
    let document = try CloudFormationSynth.translate(stackWithSmallHandler(config))
    guard case .object(let resources) = document["Resources"]! else { Issue.record("no resources"); return }
    var names = Set(resources.map(\.0))
    if case .object(let parameters) = document["Parameters"] ?? .object([]) { names.formUnion(parameters.map(\.0)) }
    let pseudo: Set = ["AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::StackId", "AWS::URLSuffix"]
    for name in referencedNames(document) {
        #expect(names.contains(name) || pseudo.contains(name), "dangling reference to \(name)")
    }
    for (id, resource) in resources {
        if case .array(let dependencies) = resource["DependsOn"] ?? .array([]) {
            for case .string(let dependency) in dependencies {
                #expect(names.contains(dependency), "\(id) depends on missing \(dependency)")
            }
        }
    }
}

@Test func referencesRenderAsIntrinsics() {
    #expect(CloudFormationSynth.value(.ref("Vpc")) == .object([("Ref", .string("Vpc"))]))
    #expect(CloudFormationSynth.value(.attribute("Role", .arn)) == .object([("Fn::GetAtt", .array([.string("Role"), .string("Arn")]))]))
    #expect(CloudFormationSynth.value(.join(["arn:", .pseudo(.partition), ":x:", .ref("Api"), "/${literal}"]))
        == .object([("Fn::Sub", .string("arn:${AWS::Partition}:x:${Api}/${!literal}"))]))
    #expect(CloudFormationSynth.value(.join(["a", "b", 3])) == .string("ab3"))
    #expect(CloudFormationSynth.value(.availabilityZone(1))
        == .object([("Fn::Select", .array([.int(1), .object([("Fn::GetAZs", .string(""))])]))]))
}

@Test func tagsGoOnTaggableResourcesOnly() throws {
    var config = ServiceConfig()
    config.tags = ["team": "ml"]
    let document = try CloudFormationSynth.translate(stackWithSmallHandler(config))
    let vpcTags = document["Resources"]?["Vpc"]?["Properties"]?["Tags"]
    #expect(vpcTags == .array([.object([("Key", .string("slmstack:stack")), ("Value", .string("slmstack"))]),
                               .object([("Key", .string("team")), ("Value", .string("ml"))])]))
    #expect(document["Resources"]?["UsagePlanKey"]?["Properties"]?["Tags"] == nil)
}

@Test func suppressionsBecomeCheckovMetadata() throws {
    let document = try CloudFormationSynth.translate(stackWithSmallHandler())
    guard case .array(let skips) = document["Resources"]?["ApiStage"]?["Metadata"]?["checkov"]?["skip"] else {
        Issue.record("no checkov metadata on ApiStage"); return
    }
    #expect(skips.contains { $0["id"] == .string("CKV_AWS_120") && $0["comment"] != nil })
}

@Test func inlineCodeIsTheEmbeddedHandlerAndFitsTheLimit() throws {
    let stack = Stack.slmService(ServiceConfig())
    let function = try #require(stack.resources(of: LambdaFunction.self).first)
    #expect(function.code == LambdaSource.inlined(LambdaSource.handlerFile))
    let onDisk = try String(contentsOf: packageRoot.appendingPathComponent("templates/lambda/handler.py"), encoding: .utf8)
    #expect(LambdaSource.handlerFile == onDisk, "the binary embeds templates/lambda/handler.py as it is now")
    let template = try CloudFormationSynth.synthesize(stack)
    #expect(template.document["Resources"]?["ShimFunction"]?["Properties"]?["Code"]?["ZipFile"] == .string(function.code))
    // deploy sends the compact form: the default inline; the fullest configuration is over CreateStack's
    // inline limit and goes through the assets bucket, whose limit is 1 MB
    let fullest = try CloudFormationSynth.synthesize(Stack.slmService(everyOperationsFeature))
    #expect(template.compactText.utf8.count <= CloudFormationSynth.templateBodyLimit, "\(template.compactText.utf8.count) bytes")
    for candidate in [template, fullest] {
        #expect(candidate.compactText.utf8.count <= 1_000_000, "\(candidate.compactText.utf8.count) bytes")
        let pretty = try JSONSerialization.jsonObject(with: Data(candidate.text.utf8)) as? NSDictionary
        let compact = try JSONSerialization.jsonObject(with: Data(candidate.compactText.utf8)) as? NSDictionary
        #expect(pretty != nil && pretty == compact, "the compact text is the same document")
    }
}

@Test func tooLongInlineCodeIsRefusedWithAClearMessage() {
    var stack = Stack.slmService(ServiceConfig())
    stack.resources = stack.resources.map { resource in
        guard var function = resource as? LambdaFunction else { return resource }
        function.code = String(repeating: "x = 1\n", count: 3000)
        return function
    }
    #expect(throws: CloudFormationSynthError.inlineCodeTooLong(function: "ShimFunction", characters: 18000, limit: 16384)) {
        try CloudFormationSynth.synthesize(stack)
    }
    #expect(CloudFormationSynthError.inlineCodeTooLong(function: "ShimFunction", characters: 18000, limit: 16384).description
        == "LambdaFunction 'ShimFunction': property 'Code.ZipFile' is 18000 characters after dropping blank and comment lines; slmstack inlines at most 16384 so the template stays under CreateStack's 51,200-byte limit: shorten templates/lambda/handler.py")
}

@Test func jsonTextEscapesWhatJsonRequires() {
    let text = OrderedJSON.object([("k", .string("a\"b\\c\nd\u{01}é/"))]).rendered()
    #expect(text == "{\n  \"k\": \"a\\\"b\\\\c\\nd\\u0001é/\"\n}\n")
    #expect(OrderedJSON.array([]).rendered() == "[]\n")
    #expect(OrderedJSON.double(50).rendered() == "50\n")
    #expect(OrderedJSON.double(12.5).rendered() == "12.5\n")
}

@Test func idlePauseCodeIsTheEmbeddedFileInlined() throws {
    let onDisk = try String(contentsOf: packageRoot.appendingPathComponent("templates/lambda/idle_pause.py"), encoding: .utf8)
    #expect(LambdaSource.idlePauseFile == onDisk, "the binary embeds templates/lambda/idle_pause.py as it is now")
    let document = try CloudFormationSynth.translate(Stack.slmService(everyOperationsFeature))
    #expect(document["Resources"]?["IdlePauseFunction"]?["Properties"]?["Code"]?["ZipFile"] == .string(LambdaSource.inlined(onDisk)))
    #expect(document["Resources"]?["IdlePauseFunction"]?["Properties"]?["VpcConfig"] == nil, "it must reach CloudFormation without the NAT gateway")
}
