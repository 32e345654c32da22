import Foundation

/// The five node kinds of DESIGN §7.
public enum NodeKind: String, Sendable, Codable, CaseIterable {
    case trigger, action, router, delay, approval
}

/// A workflow graph as the builder and the architect write it. Field names are the wire format.
///
/// Decoding is forgiving about shape (missing name, params, position, edges) so a half-made draft
/// reaches the `Validator`, which explains what is wrong in sentences; a decoding error could not say
/// which node it was about.
public struct Blueprint: Codable, Sendable, Equatable {
    public var name: String
    public var nodes: [Node]
    public var edges: [Edge]

    public init(name: String, nodes: [Node], edges: [Edge]) {
        self.name = name
        self.nodes = nodes
        self.edges = edges
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        nodes = try c.decodeIfPresent([Node].self, forKey: .nodes) ?? []
        edges = try c.decodeIfPresent([Edge].self, forKey: .edges) ?? []
    }

    /// The node with `id`, if any (first one when ids are duplicated; the validator reports that).
    public func node(_ id: String) -> Node? {
        nodes.first { $0.id == id }
    }
}

public struct Node: Codable, Sendable, Equatable {
    public var id: String
    /// Kept as text so an unknown kind becomes a validation issue, not a decoding failure.
    public var kind: String
    public var service: String
    public var task: String
    /// Always meant to be a JSON object; anything else is reported by the validator.
    public var params: JSONValue
    public var position: Position

    public init(id: String, kind: NodeKind, service: String, task: String, params: JSONValue = [:],
                position: Position = Position()) {
        self.init(id: id, kind: kind.rawValue, service: service, task: task, params: params, position: position)
    }

    public init(id: String, kind: String, service: String, task: String, params: JSONValue = [:],
                position: Position = Position()) {
        self.id = id
        self.kind = kind
        self.service = service
        self.task = task
        self.params = params
        self.position = position
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? ""
        service = try c.decodeIfPresent(String.self, forKey: .service) ?? ""
        task = try c.decodeIfPresent(String.self, forKey: .task) ?? ""
        let p = try c.decodeIfPresent(JSONValue.self, forKey: .params) ?? .null
        params = p == .null ? .object([:]) : p
        position = try c.decodeIfPresent(Position.self, forKey: .position) ?? Position()
    }

    /// The kind, when it is one of the five known ones.
    public var nodeKind: NodeKind? { NodeKind(rawValue: kind) }

    /// A param by name; nil when absent or null (null means "not set" everywhere in the engine).
    public func param(_ name: String) -> JSONValue? {
        guard let v = params[name], v != .null else { return nil }
        return v
    }
}

public struct Position: Codable, Sendable, Equatable {
    public var x: Double
    public var y: Double

    public init(x: Double = 0, y: Double = 0) {
        self.x = x
        self.y = y
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        x = try c.decodeIfPresent(Double.self, forKey: .x) ?? 0
        y = try c.decodeIfPresent(Double.self, forKey: .y) ?? 0
    }
}

public struct Edge: Codable, Sendable, Equatable, Hashable {
    public var source: String
    public var sourcePort: String
    public var target: String

    public init(source: String, sourcePort: String = "out", target: String) {
        self.source = source
        self.sourcePort = sourcePort
        self.target = target
    }

    enum CodingKeys: String, CodingKey {
        case source
        case sourcePort = "source_port"
        case target
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decodeIfPresent(String.self, forKey: .source) ?? ""
        // A plain connection drawn without a port is the "out" port.
        sourcePort = try c.decodeIfPresent(String.self, forKey: .sourcePort) ?? "out"
        target = try c.decodeIfPresent(String.self, forKey: .target) ?? ""
    }
}
