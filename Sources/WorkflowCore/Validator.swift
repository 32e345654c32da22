import Foundation

/// One problem with a blueprint, phrased for the person fixing it. `node_id` and `field` let the
/// builder highlight the node and its form field ("params.to", "edges[2].source_port").
public struct ValidationIssue: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public var nodeID: String?
    public var field: String?
    public var message: String

    public init(nodeID: String?, field: String?, message: String) {
        self.nodeID = nodeID
        self.field = field
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case nodeID = "node_id"
        case field, message
    }

    // Always writes all three keys (null when absent) so clients can rely on the shape.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(nodeID, forKey: .nodeID)
        try c.encode(field, forKey: .field)
        try c.encode(message, forKey: .message)
    }

    public var description: String {
        [nodeID.map { "[\($0)]" }, field, message].compactMap { $0 }.joined(separator: " ")
    }
}

/// Checks a blueprint before it is saved, run, or shown as an architect draft (DESIGN §7).
/// In App code, Vapor's `Validator` clashes with this name; use `BlueprintValidator`.
public enum Validator {
    public static let maxNodes = 200
    public static let maxEdges = 1000

    /// Every problem found, in a stable order (workflow, nodes, connections, graph, params, variables).
    public static func validate(_ blueprint: Blueprint, catalog: [NodeSpec] = Catalog.all) -> [ValidationIssue] {
        var run = Run(bp: blueprint, index: SpecIndex(catalog))
        run.check()
        return run.issues
    }

    static let idCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")

    static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.allSatisfy { idCharacters.contains($0) }
    }

    /// "a, b or c" (or "a, b and c").
    static func list(_ items: [String], _ conjunction: String = "or") -> String {
        switch items.count {
        case 0: return "nothing"
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items.last!
        }
    }

    private struct Run {
        let bp: Blueprint
        let index: SpecIndex
        var issues: [ValidationIssue] = []
        var nodes: [String: Node] = [:]
        var specs: [String: NodeSpec] = [:]
        var graph = Graph(nodes: [], edges: [])
        var triggerID: String?

        init(bp: Blueprint, index: SpecIndex) {
            self.bp = bp
            self.index = index
        }

        mutating func add(_ node: String?, _ field: String?, _ message: String) {
            issues.append(ValidationIssue(nodeID: node, field: field, message: message))
        }

        mutating func check() {
            if bp.name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                add(nil, "name", "Give the workflow a name.")
            } else if bp.name.count > 200 {
                add(nil, "name", "The name is too long; keep it under 200 characters.")
            }
            guard bp.nodes.count <= Validator.maxNodes, bp.edges.count <= Validator.maxEdges else {
                add(nil, nil, "A workflow can have at most \(Validator.maxNodes) steps and \(Validator.maxEdges) connections.")
                return
            }
            checkNodes()
            let edges = checkEdges()
            graph = Graph(nodes: bp.nodes, edges: edges)
            checkGraph()
            for id in graph.ids {
                guard let node = nodes[id], let spec = specs[id] else { continue }
                checkParams(node, spec)
                checkReferences(node, spec)
            }
        }

        // MARK: nodes

        mutating func checkNodes() {
            var triggers: [String] = []
            for node in bp.nodes {
                let id = node.id
                if id.isEmpty {
                    add(nil, "id", "A step has no id; give every step a short id like “send_link”.")
                    continue
                }
                if !Validator.isValidID(id) {
                    add(id, "id", "“\(id)” is not a usable id: use 1–64 letters, digits, “_” or “-”.")
                    continue
                }
                if nodes[id] != nil {
                    add(id, "id", "Two steps have the id “\(id)”; ids must be unique.")
                    continue
                }
                nodes[id] = node
                guard let kind = node.nodeKind else {
                    add(id, "kind", "“\(node.kind)” is not a kind of step; use trigger, action, router, delay or approval.")
                    continue
                }
                if kind == .trigger { triggers.append(id) }
                guard let spec = index.spec(for: node) else {
                    if kind == .trigger {
                        let names = index.triggers.keys.sorted()
                        add(id, "service", "“\(node.service)” is not a trigger; use \(Validator.list(names)).")
                    } else {
                        add(id, "service", "There is no “\(node.service)/\(node.task)” step in the catalog.")
                    }
                    continue
                }
                if spec.kind != kind {
                    add(id, "kind", "“\(spec.key)” is a \(spec.kind.rawValue) step, not a\(kind == .action || kind == .approval ? "n" : "") \(kind.rawValue).")
                    continue
                }
                specs[id] = spec
            }
            if triggers.isEmpty {
                add(nil, nil, "Add a trigger: every workflow starts with exactly one.")
            } else {
                triggerID = triggers[0]
                for extra in triggers.dropFirst() {
                    add(extra, "kind", "A workflow starts with exactly one trigger; “\(extra)” is a second one. Remove it or make it a separate workflow.")
                }
            }
        }

        // MARK: connections

        mutating func checkEdges() -> [Edge] {
            var kept: [Edge] = []
            var seen = Set<Edge>()
            for (i, e) in bp.edges.enumerated() {
                let f = "edges[\(i)]"
                guard nodes[e.source] != nil else {
                    add(nil, "\(f).source", "A connection starts at “\(e.source)”, which is not a step.")
                    continue
                }
                guard nodes[e.target] != nil else {
                    add(e.source, "\(f).target", "A connection from “\(e.source)” goes to “\(e.target)”, which is not a step.")
                    continue
                }
                if e.source == e.target {
                    add(e.source, "\(f).target", "“\(e.source)” is connected to itself; workflows can't loop — use a schedule to repeat.")
                    continue
                }
                if nodes[e.target]?.kind == NodeKind.trigger.rawValue {
                    add(e.target, "\(f).target", "Nothing can connect into the trigger “\(e.target)”; it is where the workflow starts.")
                    continue
                }
                if let spec = specs[e.source] {
                    let ports = spec.validPorts(params: nodes[e.source]!.params)
                    if !ports.contains(e.sourcePort) {
                        add(e.source, "\(f).source_port",
                            "“\(e.sourcePort)” is not an exit of “\(e.source)”; use \(Validator.list(ports)).")
                        continue
                    }
                }
                guard seen.insert(e).inserted else {
                    add(e.source, f, "The connection \(e.source) → \(e.target) from “\(e.sourcePort)” is listed twice.")
                    continue
                }
                kept.append(e)
            }
            return kept
        }

        mutating func checkGraph() {
            for cycle in graph.cycles() {
                add(cycle[0], nil, "These steps form a loop: \(cycle.joined(separator: " → ")). Workflows can't loop — use a schedule to repeat.")
            }
            guard let triggerID else { return }
            let reached = graph.reachable(from: triggerID)
            for id in graph.ids where !reached.contains(id) && nodes[id]?.kind != NodeKind.trigger.rawValue {
                add(id, nil, "“\(id)” is not connected to the trigger, so it would never run.")
            }
        }

        // MARK: params

        mutating func checkParams(_ node: Node, _ spec: NodeSpec) {
            let id = node.id
            guard case .object(let params) = node.params else {
                add(id, "params", "The settings of “\(id)” must be an object.")
                return
            }
            for key in params.keys.sorted() where spec.param(key) == nil {
                add(id, "params.\(key)", "“\(key)” is not a setting of \(spec.title); it has \(Validator.list(spec.params.map(\.name), "and")).")
            }
            for ps in spec.params {
                let f = "params.\(ps.name)"
                guard let value = params[ps.name], !isBlank(value) else {
                    if ps.required { add(id, f, "Fill in “\(ps.name)”: \(lowerFirst(ps.description))") }
                    continue
                }
                if spec.kind == .router, ps.name == "branches" {
                    checkBranches(id, value)
                    continue
                }
                checkValue(value, ps, node: id, field: f)
                if spec.kind == .trigger, !Template.references(in: value).isEmpty {
                    add(id, f, "Trigger settings can't use {{variables}}: they are read before a run exists.")
                }
            }
            checkSpecific(node, spec, params)
        }

        func isBlank(_ v: JSONValue) -> Bool {
            switch v {
            case .null: return true
            case .string(let s): return s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            default: return false
            }
        }

        mutating func checkValue(_ value: JSONValue, _ ps: ParamSpec, node id: String, field f: String) {
            if value.isTemplate { return } // known at run time; references are checked separately
            let name = ps.name
            func wrong(_ expected: String) {
                add(id, f, "“\(name)” should be \(expected), not \(value.typeName).")
            }
            switch ps.type {
            case .string, .text, .channel, .secret:
                if value.stringValue == nil { wrong("text") }
            case .number:
                if value.numberValue == nil || value.stringValue != nil { wrong("a number") }
            case .integer:
                switch value {
                case .int: break
                case .double where value.intValue != nil: break
                default: wrong("a whole number")
                }
            case .boolean:
                if value.boolValue == nil { wrong("true or false") }
            case .object, .templateObject:
                if value.objectValue == nil { wrong("an object") } else if !ps.fields.isEmpty {
                    checkFields(value, ps.fields, node: id, field: f)
                }
            case .array:
                guard let items = value.arrayValue else { wrong("a list"); return }
                if !ps.fields.isEmpty {
                    for (i, item) in items.enumerated() where !item.isTemplate {
                        if item.objectValue == nil {
                            add(id, "\(f)[\(i)]", "Each item of “\(name)” should be an object with \(Validator.list(ps.fields.map(\.name), "and")).")
                        } else {
                            checkFields(item, ps.fields, node: id, field: "\(f)[\(i)]")
                        }
                    }
                }
            case .json:
                break
            case .enum:
                if let s = value.stringValue, ps.options.contains(s) { break }
                add(id, f, "“\(value.text)” is not an option for “\(name)”; use \(Validator.list(ps.options)).")
            case .duration:
                guard let s = value.stringValue else { wrong("a duration like 2h"); return }
                do { _ = try WDuration.parse(s) } catch { add(id, f, "\(error)") }
            case .datetime:
                guard let s = value.stringValue, ISODate.parse(s) != nil else {
                    add(id, f, "“\(value.text)” is not a date; write it like 2025-01-31 or 2025-01-31T10:00:00+05:30.")
                    return
                }
            }
        }

        mutating func checkFields(_ value: JSONValue, _ fields: [ParamSpec], node id: String, field f: String) {
            guard case .object(let o) = value else { return }
            for key in o.keys.sorted() where !fields.contains(where: { $0.name == key }) {
                add(id, "\(f).\(key)", "“\(key)” is not a field here; use \(Validator.list(fields.map(\.name))).")
            }
            for ps in fields {
                guard let v = o[ps.name], !isBlank(v) else {
                    if ps.required { add(id, "\(f).\(ps.name)", "Fill in “\(ps.name)”: \(lowerFirst(ps.description))") }
                    continue
                }
                checkValue(v, ps, node: id, field: "\(f).\(ps.name)")
            }
        }

        mutating func checkBranches(_ id: String, _ value: JSONValue) {
            guard let items = value.arrayValue else {
                add(id, "params.branches", "“branches” should be a list of {\"port\", \"when\"}.")
                return
            }
            if items.isEmpty { add(id, "params.branches", "A router needs at least one branch.") }
            var ports = Set<String>()
            for (i, item) in items.enumerated() {
                let f = "params.branches[\(i)]"
                guard case .object(let o) = item else {
                    add(id, f, "Each branch should be an object with “port” and “when”.")
                    continue
                }
                let port = o["port"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
                if port.isEmpty {
                    add(id, "\(f).port", "Give branch \(i + 1) a port name, like “big”.")
                } else if port == "else" || port == "error" {
                    add(id, "\(f).port", "“\(port)” is reserved; name the branch something else.")
                } else if !Validator.isValidID(port) {
                    add(id, "\(f).port", "Port “\(port)” should be 1–64 letters, digits, “_” or “-”.")
                } else if !ports.insert(port).inserted {
                    add(id, "\(f).port", "Two branches are called “\(port)”; port names must be unique.")
                }
                guard let when = o["when"], when != .null else {
                    add(id, "\(f).when", "Branch “\(port)” needs a condition (“when”).")
                    continue
                }
                for message in Condition(when).validate() { add(id, "\(f).when", message) }
            }
        }

        mutating func checkSpecific(_ node: Node, _ spec: NodeSpec, _ params: [String: JSONValue]) {
            let id = node.id
            switch spec.key {
            case "schedule/cron":
                if let cron = params["cron"]?.stringValue, !isBlank(.string(cron)), !Template.isTemplate(cron) {
                    do { _ = try CronExpression(cron) } catch { add(id, "params.cron", "\(error)") }
                }
                if let tz = params["timezone"]?.stringValue, !tz.isEmpty, TimeZone(identifier: tz) == nil {
                    add(id, "params.timezone", "“\(tz)” is not a timezone; use a name like Asia/Kolkata.")
                }
            case "message/received":
                if let pattern = params["regex"]?.stringValue, !pattern.isEmpty, !Template.isTemplate(pattern) {
                    do { _ = try SafeRegex(pattern) } catch { add(id, "params.regex", "\(error)") }
                }
            case "webhook/receive", "manual/start":
                if let sample = params["sample_payload"], sample != .null, sample.objectValue == nil {
                    add(id, "params.sample_payload", "The sample payload should be a JSON object, like {\"amount\": 1500}.")
                }
            case "delay/wait":
                let hasDuration = params["duration"].map { !isBlank($0) } ?? false
                let hasUntil = params["until"].map { !isBlank($0) } ?? false
                if hasDuration && hasUntil {
                    add(id, "params.until", "Set either how long to wait (duration) or until when (until), not both.")
                } else if !hasDuration && !hasUntil {
                    add(id, "params.duration", "Set how long to wait (duration, like 2h) or until when (until).")
                }
            case "data/set":
                if let values = params["values"]?.objectValue {
                    if values.isEmpty { add(id, "params.values", "Add at least one value to set.") }
                    for key in values.keys.sorted() where !Validator.isValidID(key) {
                        add(id, "params.values", "Value name “\(key)” should be letters, digits, “_” or “-” (it becomes {{steps.\(id).\(key)}}).")
                    }
                }
            case "http/request":
                if let url = params["url"]?.stringValue, !Template.isTemplate(url) {
                    let lower = url.lowercased()
                    if !(lower.hasPrefix("http://") || lower.hasPrefix("https://")) || URL(string: url)?.host == nil {
                        add(id, "params.url", "“\(url)” is not a web address; it should start with https://.")
                    }
                }
            default:
                break
            }
        }

        // MARK: variables

        mutating func checkReferences(_ node: Node, _ spec: NodeSpec) {
            guard case .object(let params) = node.params else { return }
            let ancestors = graph.ancestors(of: node.id)
            for key in params.keys.sorted() {
                let f = "params.\(key)"
                let value = params[key]!
                for problem in Template.problems(in: value) { add(node.id, f, problem.description) }
                if spec.kind == .trigger { continue } // reported in checkParams
                for path in Template.references(in: value) {
                    if let message = referenceProblem(path, from: node.id, ancestors: ancestors) {
                        add(node.id, f, message)
                    }
                }
            }
        }

        func referenceProblem(_ path: String, from id: String, ancestors: Set<String>) -> String? {
            guard let ref = VariableRef(path) else {
                return "{{\(path)}} is not a variable; variables start with trigger., steps.<step id>. or business."
            }
            switch ref.root {
            case .business:
                if let f = ref.firstSegment, !Variables.businessFields.contains(f) {
                    return "{{\(path)}}: the business profile has no “\(f)”; use \(Validator.list(Variables.businessFields))."
                }
                return nil
            case .trigger:
                guard let triggerID, let trigger = nodes[triggerID], let spec = specs[triggerID] else { return nil }
                return triggerReferenceProblem(ref, path: path, trigger: trigger, spec: spec)
            case .steps:
                let stepID = ref.stepID ?? ""
                guard let target = nodes[stepID] else {
                    return "{{\(path)}} points to “\(stepID)”, which is not a step."
                }
                if stepID == id { return "A step can't use its own output ({{\(path)}})." }
                if target.kind == NodeKind.trigger.rawValue {
                    return "Use {{trigger.…}} for the trigger's data, not {{\(path)}}."
                }
                guard ancestors.contains(stepID) else {
                    return "{{\(path)}} uses “\(stepID)”, which does not run before “\(id)”; connect it earlier in the flow."
                }
                guard let spec = specs[stepID] else { return nil }
                return outputProblem(ref, path: path, owner: "“\(stepID)” (\(spec.title))", node: target, spec: spec)
            }
        }

        func triggerReferenceProblem(_ ref: VariableRef, path: String, trigger: Node, spec: NodeSpec) -> String? {
            guard let first = ref.firstSegment else { return nil }
            if spec.outputs.isEmpty && spec.outputVariants == nil {
                // webhook/manual: the payload is whatever the caller sends; a sample payload pins it down.
                guard let sample = trigger.param("sample_payload")?.objectValue else { return nil }
                if sample[first] == nil {
                    return "{{\(path)}}: the trigger's sample payload has no “\(first)”; it has \(Validator.list(sample.keys.sorted(), "and"))."
                }
                return nil
            }
            if let v = spec.outputVariants, spec.outputs.isEmpty,
               trigger.param(v.param).flatMap({ v.outputs[$0.stringValue ?? ""] }) == nil {
                return nil // event not chosen yet (reported as a param problem)
            }
            return outputProblem(ref, path: path, owner: "the trigger", node: trigger, spec: spec)
        }

        func outputProblem(_ ref: VariableRef, path: String, owner: String, node: Node, spec: NodeSpec) -> String? {
            guard let first = ref.firstSegment else { return nil }
            if spec.dynamicOutputs {
                if let keys = node.param("values")?.objectValue?.keys, !keys.contains(first), first != "error" {
                    return "{{\(path)}}: \(owner) sets only \(Validator.list(keys.sorted(), "and"))."
                }
                return nil
            }
            let outputs = spec.outputs(for: node.params)
            guard let out = outputs.first(where: { $0.name == first }) else {
                return "{{\(path)}}: \(owner) has no output “\(first)”; it has \(Validator.list(outputs.map(\.name), "and"))."
            }
            if ref.rest.contains("."), !out.allowsDeeperPaths {
                return "{{\(path)}}: “\(first)” is a single value (\(out.type.rawValue)); it has no fields."
            }
            return nil
        }

        func lowerFirst(_ s: String) -> String {
            guard let c = s.first else { return s }
            return c.lowercased() + s.dropFirst()
        }
    }
}

public typealias BlueprintValidator = Validator
