import Foundation
import Testing
@testable import WorkflowCore

/// The example blueprint from the workflows issue: a router whose two branches both lead to `reply`.
let issueExampleJSON = """
{"name": "Order → payment link",
 "nodes": [
  {"id": "trigger", "kind": "trigger", "service": "webhook", "task": "receive", "params": {}, "position": {"x": 0, "y": 0}},
  {"id": "check", "kind": "router", "service": "router", "task": "route",
   "params": {"branches": [{"port": "big", "when": {"all": [{"left": "{{trigger.amount}}", "op": ">=", "right": 1000}]}}]},
   "position": {"x": 240, "y": 0}},
  {"id": "reply", "kind": "action", "service": "respond", "task": "respond", "params": {"status": 200, "body": {"ok": true, "amount": "{{trigger.amount}}"}}, "position": {"x": 480, "y": 0}}
 ],
 "edges": [
  {"source": "trigger", "source_port": "out", "target": "check"},
  {"source": "check", "source_port": "big", "target": "reply"},
  {"source": "check", "source_port": "else", "target": "reply"}
 ]}
"""

func decodeBlueprint(_ json: String) throws -> Blueprint {
    try JSONDecoder().decode(Blueprint.self, from: Data(json.utf8))
}

func decodeValue(_ json: String) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
}

func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// An instant from an ISO-8601 timestamp written in the test.
func instant(_ text: String) -> Date {
    guard let d = ISODate.parse(text) else { fatalError("bad test timestamp \(text)") }
    return d
}

let utc = TimeZone(identifier: "UTC")!
let newYork = TimeZone(identifier: "America/New_York")!
let kolkata = TimeZone(identifier: "Asia/Kolkata")!

// MARK: blueprint builders

func trigger(_ service: String = "webhook", _ params: JSONValue = [:], id: String = "trigger") -> Node {
    Node(id: id, kind: .trigger, service: service, task: Catalog.all.first { $0.service == service && $0.kind == .trigger }?.task ?? "x",
         params: params)
}

func action(_ id: String, _ key: String, _ params: JSONValue) -> Node {
    let parts = key.split(separator: "/").map(String.init)
    let kind = Catalog.spec(service: parts[0], task: parts[1])?.kind ?? .action
    return Node(id: id, kind: kind, service: parts[0], task: parts[1], params: params)
}

func whatsapp(_ id: String, text: String = "Hello", to: String = "+919812345678") -> Node {
    action(id, "whatsapp/send_message", ["to": .string(to), "text": .string(text)])
}

func edge(_ source: String, _ target: String, _ port: String = "out") -> Edge {
    Edge(source: source, sourcePort: port, target: target)
}

func blueprint(_ nodes: [Node], _ edges: [Edge], name: String = "Test") -> Blueprint {
    Blueprint(name: name, nodes: nodes, edges: edges)
}

extension Array where Element == ValidationIssue {
    func matching(node: String?, field: String?) -> [ValidationIssue] {
        filter { $0.nodeID == node && $0.field == field }
    }
}

/// Deterministic pseudo-random numbers (SplitMix64) so generated cases are reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
