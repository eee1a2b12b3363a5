/// Renders a `DiagramGraph` as a Mermaid flowchart.
///
/// Deterministic: nodes, groups and edges in graph order, two-space indent, one trailing newline.
public enum Mermaid {
    /// The Mermaid text, for a ```` ```mermaid ```` block or `mmdc`.
    public static func render(_ graph: DiagramGraph) -> String {
        var lines = ["---", "title: \(yamlQuoted(graph.title))", "---", "flowchart LR"]
        for node in graph.nodes { lines.append("  " + declaration(node)) }
        for top in graph.groups { group(top, depth: 1, into: &lines) }
        for edge in graph.edges {
            let arrow = edge.style == .dashed ? "-.->" : "-->"
            let label = edge.label.map { "|\"\(escape($0))\"|" } ?? ""
            lines.append("  \(edge.from) \(arrow)\(label) \(edge.to)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func group(_ group: DiagramGraph.Group, depth: Int, into lines: inout [String]) {
        let indent = String(repeating: "  ", count: depth)
        lines.append("\(indent)subgraph \(group.id)[\"\(escape(group.label))\"]")
        for node in group.nodes { lines.append(indent + "  " + declaration(node)) }
        for inner in group.groups { self.group(inner, depth: depth + 1, into: &lines) }
        lines.append("\(indent)end")
    }

    private static func declaration(_ node: DiagramGraph.Node) -> String {
        let text = "\"" + node.lines.map(escape).joined(separator: "<br/>") + "\""
        switch node.shape {
        case .resource: return "\(node.id)(\(text))"
        case .external: return "\(node.id)([\(text)])"
        }
    }

    /// A YAML double-quoted scalar, for the front matter's title.
    static func yamlQuoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Mermaid has no backslash escapes in labels: quotes become `#quot;`.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "#quot;")
    }
}

/// Renders a `DiagramGraph` in Graphviz DOT, for `dot -Tpng`.
///
/// Deterministic: nodes, clusters and edges in graph order, two-space indent, one trailing newline.
public enum Dot {
    /// The DOT text.
    public static func render(_ graph: DiagramGraph) -> String {
        var lines = [
            "digraph slmstack {",
            "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, labelloc=t, label=\(quote(graph.title))];",
            "  node [shape=box, style=\"rounded\", fontname=\"Helvetica\", fontsize=11];",
            "  edge [fontname=\"Helvetica\", fontsize=10];",
        ]
        for node in graph.nodes { lines.append("  " + declaration(node)) }
        for top in graph.groups { cluster(top, depth: 1, into: &lines) }
        for edge in graph.edges {
            var attributes: [String] = []
            if let label = edge.label { attributes.append("label=\(quote(label))") }
            if edge.style == .dashed { attributes.append("style=dashed") }
            lines.append("  \(quote(edge.from)) -> \(quote(edge.to))" + (attributes.isEmpty ? ";" : " [\(attributes.joined(separator: ", "))];"))
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func cluster(_ group: DiagramGraph.Group, depth: Int, into lines: inout [String]) {
        let indent = String(repeating: "  ", count: depth)
        lines.append("\(indent)subgraph \(quote("cluster_" + group.id)) {")
        lines.append("\(indent)  label=\(quote(group.label));")
        for node in group.nodes { lines.append(indent + "  " + declaration(node)) }
        for inner in group.groups { cluster(inner, depth: depth + 1, into: &lines) }
        lines.append("\(indent)}")
    }

    private static func declaration(_ node: DiagramGraph.Node) -> String {
        let label = node.lines.map(escape).joined(separator: "\\n")
        switch node.shape {
        case .resource: return "\(quote(node.id)) [label=\"\(label)\"];"
        case .external: return "\(quote(node.id)) [label=\"\(label)\", shape=ellipse, style=solid];"
        }
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    static func quote(_ text: String) -> String { "\"" + escape(text) + "\"" }
}
