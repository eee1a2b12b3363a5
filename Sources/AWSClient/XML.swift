import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML element: name, attributes, child elements and text. Namespaces are dropped from names.
public final class XMLNode: Sendable, CustomStringConvertible {
    /// The local name, for example `StackSummaries`.
    public let name: String
    /// The attributes by name.
    public let attributes: [String: String]
    /// The child elements in document order.
    public let children: [XMLNode]
    /// The text directly inside this element (whitespace-only text between children is dropped).
    public let text: String

    init(name: String, attributes: [String: String], children: [XMLNode], text: String) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first child named `name`.
    public func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }

    /// Every child named `name`.
    public func children(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }

    /// The element reached by following child names, for example `node["DescribeStacksResult", "Stacks"]`.
    public subscript(_ path: String...) -> XMLNode? {
        var node: XMLNode? = self
        for name in path { node = node?.child(name) }
        return node
    }

    /// The text of the element reached by following child names, or nil.
    public func value(_ path: String...) -> String? {
        var node: XMLNode? = self
        for name in path { node = node?.child(name) }
        return node?.text
    }

    /// The items of a query-protocol list: the `member` children (or `item` for EC2).
    public var members: [XMLNode] { children.filter { $0.name == "member" || $0.name == "item" } }

    /// The first element named `name` anywhere below (depth first), or nil.
    public func first(named name: String) -> XMLNode? {
        for child in children {
            if child.name == name { return child }
            if let found = child.first(named: name) { return found }
        }
        return nil
    }

    public var description: String {
        children.isEmpty ? "<\(name)>\(text)</\(name)>" : "<\(name)>\(children.map(\.description).joined())</\(name)>"
    }

    /// Parses an XML document and returns its root element.
    ///
    /// - Throws: `AWSClientError.invalidResponse` when the text is not well-formed XML.
    public static func parse(_ data: Data) throws -> XMLNode {
        let builder = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.delegate = builder
        parser.shouldProcessNamespaces = false
        guard parser.parse(), let root = builder.root else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "no root element"
            throw AWSClientError.invalidResponse(operation: "xml", reason: "not well-formed xml (\(reason))")
        }
        return root
    }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    struct Open {
        var name: String
        var attributes: [String: String]
        var children: [XMLNode] = []
        var text = ""
    }

    var stack: [Open] = []
    var root: XMLNode?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
        stack.append(Open(name: local, attributes: attributeDict))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if !stack.isEmpty { stack[stack.count - 1].text += string }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        if !stack.isEmpty { stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self) }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard let open = stack.popLast() else { return }
        let text = open.children.isEmpty || !open.text.allSatisfy(\.isWhitespace) ? open.text : ""
        let node = XMLNode(name: open.name, attributes: open.attributes, children: open.children,
                           text: open.children.isEmpty ? text : text.trimmingCharacters(in: .whitespacesAndNewlines))
        if stack.isEmpty {
            root = node
        } else {
            stack[stack.count - 1].children.append(node)
        }
    }
}
