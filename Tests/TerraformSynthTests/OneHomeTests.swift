import Foundation
import Testing
@testable import CloudFormationSynth
import StackModel
@testable import TerraformSynth

// Each resource type has one home: its CloudFormation form beside its model file, its Terraform
// translation registered in its service's file, its price by CloudFormation type name. The
// renderers and `cost` dispatch on none of the model's types anywhere else.

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The files where a type's own code lives, allowed to name the type: the per-service Terraform
/// translations.
private let homes: Set<String> = [
    "TerraformSynth+Network.swift", "TerraformSynth+Identity.swift", "TerraformSynth+SageMaker.swift",
    "TerraformSynth+Lambda.swift", "TerraformSynth+ApiGateway.swift", "TerraformSynth+Operations.swift",
]

/// The model's resource types, read from their declarations in Sources/StackModel/API.
private func resourceTypeNames() throws -> [String] {
    let folder = root.appendingPathComponent("Sources/StackModel/API")
    let declaration = try NSRegularExpression(pattern: #"public struct (\w+): (?:Declared)?Resource\b"#)
    var names: [String] = []
    for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where file.hasSuffix(".swift") {
        let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        for match in declaration.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            names.append(String(text[Range(match.range(at: 1), in: text)!]))
        }
    }
    return names
}

/// Lines of the renderers and `cost` (outside the homes) that branch on a model type: `case let x
/// as T`, `as? T`, `as! T`, `is T`, `T.self`. Comment lines are not code.
private func perTypeBranches(types: [String]) throws -> [String] {
    let alternatives = types.joined(separator: "|")
    let branch = try NSRegularExpression(pattern: #"(case let \w+ as|as[?!]|\bis) (?:any )?(\#(alternatives))\b|\b(\#(alternatives))\.self\b"#)
    var found: [String] = []
    for module in ["CloudFormationSynth", "TerraformSynth", "Cost"] {
        let folder = root.appendingPathComponent("Sources/\(module)")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where file.hasSuffix(".swift") && !homes.contains(file) {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.components(separatedBy: "\n").enumerated() {
                if line.trimmingCharacters(in: .whitespaces).hasPrefix("//") { continue }
                if branch.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil {
                    found.append("Sources/\(module)/\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
    }
    return found
}

@Test func theRenderersAndCostBranchOnNoModelTypeOutsideItsHome() throws {
    let types = try resourceTypeNames()
    #expect(types.count >= 40, "found only \(types) in Sources/StackModel/API")
    #expect(types.contains("LambdaFunction") && types.contains("RawResource"))
    let branches = try perTypeBranches(types: types)
    #expect(branches.isEmpty, """
        per-type branches outside the type's home: move them into the type's CloudFormation form \
        (Sources/StackModel/API/*+CloudFormation.swift), its Terraform translation (its service's \
        TerraformSynth+<Service>.swift table) or Cost's price rules by CloudFormation type:
        \(branches.joined(separator: "\n"))
        """)
}

/// The scan sees a branch when there is one: a line as it was before the types had one home.
@Test func theBranchScanFindsABranch() throws {
    let types = try resourceTypeNames()
    let pattern = try NSRegularExpression(pattern: #"(case let \w+ as|as[?!]|\bis) (?:any )?(\#(types.joined(separator: "|")))\b"#)
    for line in ["        case let r as Vpc:", "if let function = resource as? LambdaFunction {", "case is Route, is RouteTable: break"] {
        #expect(pattern.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil, "\(line)")
    }
    let other = "let route = routes as? [String: Any] // is Routed"
    #expect(pattern.firstMatch(in: other, range: NSRange(other.startIndex..., in: other)) == nil)
}

/// Every built-in type a service option produces has a Terraform translation registered in its
/// service's table, except the one the provider cannot express, which is refused in one line.
@Test func everyTypeOfTheServiceHasATerraformTranslation() throws {
    var variants: [ServiceConfig] = [ServiceConfig()]
    for settings in [["ttl": "4h", "idle-pause": "on", "alarm-email": "ops@example.com", "max-instances": "3"], ["streaming": "on"],
                     ["api-gateway-account": "on"], ["weights": "s3"], ["scaling": "zero", "max-instances": "2", "ttl": "4h"]] {
        var config = ServiceConfig()
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) { try #require(ServiceConfig.setting(key)).apply(&config, value) }
        variants.append(config)
    }
    var seen = Set<String>()
    for config in variants {
        for resource in Stack.slmService(config).resources {
            let kind = type(of: resource).kind
            seen.insert(kind)
            if resource is InferenceComponent { continue }
            #expect(Translator.translation(for: resource) != nil, "\(kind) has no Terraform translation registered")
        }
    }
    let builtIn = Set(try resourceTypeNames()).subtracting(["RawResource"])
    #expect(builtIn.subtracting(seen).isEmpty, "types no service option produces, so untested here: \(builtIn.subtracting(seen).sorted())")
    let zero = try #require(variants.last)
    #expect(throws: TerraformSynthError.self) { try TerraformSynth.translate(Stack.slmService(zero), config: zero) }
}

/// A user's own `Resource` (not a `DeclaredResource`) must declare its CloudFormation form to
/// compile, so CloudFormation renders it; Terraform, with no translation for it, refuses in one line
/// naming its CloudFormation type.
private struct Queue: Resource {
    static let kind = "Queue"
    var id: LogicalID
    var dependsOn: [LogicalID] = []
    var suppressions: [Suppression] = []
    var values: [Value] { [] }
    var cloudFormationType: String { "AWS::SQS::Queue" }
    var properties: [String: Value] { ["DelaySeconds": .double(2.5)] }
}

@Test func aUserResourceRendersInCloudFormationAndTerraformRefusesItByType() throws {
    let stack = Stack("own", description: "a resource type of its own") { Queue(id: "Jobs") }
    let template = try CloudFormationSynth.synthesize(stack)
    #expect(template.document["Resources"]?["Jobs"]?["Type"] == .string("AWS::SQS::Queue"))
    #expect(template.document["Resources"]?["Jobs"]?["Properties"] == .object([("DelaySeconds", .double(2.5))]))
    #expect(throws: TerraformSynthError.unsupportedResource(kind: "Queue", id: "Jobs", type: "AWS::SQS::Queue")) {
        try TerraformSynth.translate(stack, config: ServiceConfig())
    }
    #expect(TerraformSynthError.unsupportedResource(kind: "Queue", id: "Jobs", type: "AWS::SQS::Queue").description
        == "Queue 'Jobs': AWS::SQS::Queue has no Terraform translation: declare the type as a DeclaredResource with a TerraformDeclaration, or synthesize --format cloudformation")
}
