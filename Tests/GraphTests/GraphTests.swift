import Foundation
import GoldenFiles
import Testing
@testable import Graph
@testable import StackModel

/// The package root, from this file's path.
let packageRoot = GoldenFiles.packageRoot

func graph(_ change: (inout ServiceConfig) -> Void = { _ in }) -> DiagramGraph {
    var config = ServiceConfig()
    change(&config)
    return ArchitectureGraph.build(Stack.slmService(config))
}


@Test(arguments: [("slmstack.mmd", true), ("slmstack.dot", false)])
func goldenGraphMatchesTheCommittedFile(file: String, mermaid: Bool) throws {
    if let problem = try GoldenFiles.check(mermaid ? Mermaid.render(graph()) : Dot.render(graph()), matches: "templates/graph/\(file)") {
        Issue.record(Comment(rawValue: problem))
    }
}

@Test func twoRendersAreByteIdentical() {
    #expect(Mermaid.render(graph()) == Mermaid.render(graph()))
    #expect(Dot.render(graph()) == Dot.render(graph()))
    #expect(Mermaid.render(graph()).hasSuffix("\n") && !Mermaid.render(graph()).hasSuffix("\n\n"))
}

@Test func theRequestPathFollowsTheModelsReferences() {
    let edges = graph().edges.map { "\($0.from)->\($0.to)" }
    for expected in [
        "Client->Api", "Api->InvokeMethod", "Api->ChatCompletionsMethod",
        "InvokeMethod->ShimFunction", "ChatCompletionsMethod->ShimFunction",
        "ShimFunction->SageMakerRuntimeEndpoint", "SageMakerRuntimeEndpoint->Endpoint", "Endpoint->Model",
        "Model->NatGateway", "NatGateway->InternetGateway", "InternetGateway->Internet", "UsagePlan->Api",
    ] {
        #expect(edges.contains(expected), "missing \(expected) in \(edges)")
    }
    #expect(Set(edges).count == edges.count)
    // Every edge joins drawn nodes.
    let ids = Set(graph().allNodes.map(\.id))
    for edge in graph().edges { #expect(ids.contains(edge.from) && ids.contains(edge.to), "\(edge) joins an undrawn node") }
}

@Test func groupsHoldTheMainResourcesOnly() {
    let built = graph()
    #expect(built.groups.map(\.id) == ["network_Vpc", "api_gateway", "compute_lambda", "ml_sagemaker", "operations"])
    let ids = built.allNodes.map(\.id)
    for hidden in ["PublicRouteTable", "PrivateRouteTable", "ShimSecurityGroup", "ShimRole", "LogsKey", "PrivateSubnet1", "ApiDeployment"] {
        #expect(!ids.contains { $0.hasPrefix(hidden) }, "\(hidden) should be collapsed")
    }
    #expect(built.groups[0].groups.map(\.label) == ["Public subnets (2 AZs)", "Private subnets (2 AZs)"])
}

@Test func operationsAreDrawnFromTheirReferences() {
    let plain = graph()
    #expect(plain.groups.last?.nodes.map(\.id) == ["IdleAlarm", "Alarms", "AlarmTopic"])
    #expect(plain.edges.contains(.init("Endpoint", "IdleAlarm", label: "metrics", style: .dashed)))
    #expect(plain.edges.contains(.init("Alarms", "AlarmTopic", label: "notify")))
    #expect(!plain.allNodes.contains { $0.id == "Stack" || $0.id == "Email" }, "no expiry, no idle pause, no e-mail by default")
    let everything = graph {
        $0.ttlMinutes = 60
        $0.idlePause = true
        $0.alarmEmail = "ops@example.com"
        $0.maxInstances = 3
    }
    let ids = everything.allNodes.map(\.id)
    for id in ["ExpirySchedule", "ScalableTarget", "IdlePauseFunction", "Stack", "Email"] { #expect(ids.contains(id), "\(id)") }
    #expect(everything.edges.contains(.init("ExpirySchedule", "Stack", label: "deleteStack")))
    #expect(everything.edges.contains(.init("IdleAlarm", "IdlePauseFunction", label: "invoke")))
    #expect(everything.edges.contains(.init("ScalableTarget", "Endpoint", label: "instance count", style: .dashed)))
    #expect(ids.filter { $0 == "Stack" }.count == 1, "one stack node for two arrows")
    let quiet = graph { $0.alarms = false; $0.idleHours = 0 }
    #expect(!quiet.groups.contains { $0.id == "operations" })
}

@Test func turningTheNatOffRemovesTheNatAndTheInternetEdge() {
    let off = graph { $0.natGateway = false }
    let ids = off.allNodes.map(\.id)
    #expect(!ids.contains("NatGateway") && !ids.contains("InternetGateway") && !ids.contains("Internet"))
    #expect(!off.edges.contains { $0.to == "Internet" || $0.to == "NatGateway" })
    #expect(off.groups[0].groups.map(\.label) == ["Private subnets (2 AZs)"])
    #expect(!Mermaid.render(off).contains("NatGateway"))
    #expect(!Dot.render(off).contains("Internet"))
    // The request path is still drawn.
    #expect(off.edges.contains { $0.from == "SageMakerRuntimeEndpoint" && $0.to == "Endpoint" })
}

@Test func moreZonesChangeOnlyTheTierLabels() {
    let two = graph(), three = graph { $0.azCount = 3 }
    #expect(two.allNodes.map(\.id) == three.allNodes.map(\.id))
    #expect(two.edges == three.edges)
    #expect(three.groups[0].groups.map(\.label) == ["Public subnets (3 AZs)", "Private subnets (3 AZs)"])
    let changed = zip(Mermaid.render(two).split(separator: "\n"), Mermaid.render(three).split(separator: "\n")).filter { $0 != $1 }
    #expect(changed.count == 2)
}

@Test func settingsShowInTheLabels() {
    let big = graph { $0.instanceType = "ml.g6.2xlarge"; $0.instanceCount = 2; $0.stageName = "live" }
    let text = Mermaid.render(big)
    #expect(text.contains("2 x ml.g6.2xlarge"))
    #expect(text.contains("stage live"))
}

@Test func renderersEscapeQuotes() {
    let tricky = DiagramGraph(title: "a \"b\"", nodes: [.init(id: "N", lines: ["say \"hi\" \\ there"])], groups: [],
                              edges: [.init("N", "N", label: "\"x\"")])
    #expect(Mermaid.render(tricky).contains("N(\"say #quot;hi#quot; \\ there\")"))
    #expect(Dot.render(tricky).contains("\"N\" [label=\"say \\\"hi\\\" \\\\ there\"];"))
    #expect(Dot.render(tricky).contains("label=\"\\\"x\\\"\""))
}
