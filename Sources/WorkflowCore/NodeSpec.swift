import Foundation

/// The value types a param can take. They drive validation, the builder's config form and the
/// JSON schema the LLM architect is constrained by (DESIGN §7 "Node catalog").
public enum ParamType: String, Sendable, Codable, CaseIterable {
    case string, text, number, integer, boolean, object, array, json
    case `enum`
    /// "90s", "10m", "2h", "1d", "1h30m" (see `WDuration`).
    case duration
    /// ISO-8601 date or timestamp (see `ISODate`).
    case datetime
    /// An object whose values are templates; its keys become the node's outputs (`data/set`).
    case templateObject = "template_object"
    /// The id of a configured messaging channel.
    case channel
    /// Write-only text (stored encrypted by the app, never shown back).
    case secret
}

public struct ParamSpec: Sendable, Equatable {
    public var name: String
    public var type: ParamType
    public var required: Bool
    public var defaultValue: JSONValue?
    /// Allowed values of an `.enum` param.
    public var options: [String]
    public var description: String
    public var placeholder: String
    /// The members of each item of an array of objects (or of a fixed-shape object), so invoice lines
    /// and shipment items are checked and described to the LLM like top-level params.
    public var fields: [ParamSpec]
    /// An amount of money, stored in paise like every amount in Munim; the builder shows and takes
    /// it in rupees.
    public var money: Bool

    public init(name: String, type: ParamType, required: Bool = false, defaultValue: JSONValue? = nil,
                options: [String] = [], description: String, placeholder: String = "", fields: [ParamSpec] = [], money: Bool = false) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.options = options
        self.description = description
        self.placeholder = placeholder
        self.fields = fields
        self.money = money
    }
}

public struct OutputSpec: Sendable, Equatable {
    public var name: String
    public var type: ParamType
    public var description: String

    public init(name: String, type: ParamType, description: String) {
        self.name = name
        self.type = type
        self.description = description
    }

    /// Outputs whose inner fields can be referenced (`{{steps.x.contact.name}}`) without being declared.
    public var allowsDeeperPaths: Bool {
        [.object, .json, .array, .templateObject].contains(type)
    }
}

/// Outputs that depend on one param's value: the ledger trigger's fields differ per event.
public struct OutputVariants: Sendable, Equatable {
    public var param: String
    public var outputs: [String: [OutputSpec]]
}

/// One service+task the engine can run, with everything the builder, validator and architect need.
public struct NodeSpec: Sendable, Equatable {
    public var service: String
    public var task: String
    public var kind: NodeKind
    public var title: String
    public var summary: String
    /// Display group in the builder's palette.
    public var group: String
    public var params: [ParamSpec]
    public var outputs: [OutputSpec]
    /// Static output ports. Routers add their branch ports and "else"; every non-trigger node also
    /// has the implicit "error" port (see `validPorts(params:)`).
    public var ports: [String]
    /// Calls an external service: retried by default and worth a longer timeout.
    public var network: Bool
    public var defaultAttempts: Int
    public var defaultTimeoutSeconds: Int
    /// The outputs are the keys of a param (`data/set`'s `values`), not a fixed list.
    public var dynamicOutputs: Bool
    public var outputVariants: OutputVariants?

    public init(service: String, task: String, kind: NodeKind, title: String, summary: String, group: String,
                params: [ParamSpec] = [], outputs: [OutputSpec] = [], ports: [String]? = nil, network: Bool = false,
                defaultAttempts: Int? = nil, defaultTimeoutSeconds: Int? = nil, dynamicOutputs: Bool = false,
                outputVariants: OutputVariants? = nil) {
        self.service = service
        self.task = task
        self.kind = kind
        self.title = title
        self.summary = summary
        self.group = group
        self.params = params
        self.outputs = outputs
        switch kind {
        case .router: self.ports = ports ?? []
        case .approval: self.ports = ports ?? ["approved", "rejected", "timeout"]
        default: self.ports = ports ?? ["out"]
        }
        self.network = network
        self.defaultAttempts = defaultAttempts ?? (network ? 3 : 1)
        self.defaultTimeoutSeconds = defaultTimeoutSeconds ?? (network ? 30 : 10)
        self.dynamicOutputs = dynamicOutputs
        self.outputVariants = outputVariants
    }

    /// "service/task", the catalog key.
    public var key: String { "\(service)/\(task)" }

    public func param(_ name: String) -> ParamSpec? {
        params.first { $0.name == name }
    }

    /// The ports a node of this spec may connect from, given its params. Routers: their branch ports,
    /// "else" and "error"; every other non-trigger node: its static ports and "error".
    public func validPorts(params: JSONValue) -> [String] {
        switch kind {
        case .trigger: return ports
        case .router: return Router.branchPorts(params: params) + ["else", "error"]
        default: return ports + ["error"]
        }
    }

    /// The outputs a node with these params produces. Non-trigger nodes also expose `error` (the failure
    /// message) to steps on their error path.
    public func outputs(for params: JSONValue) -> [OutputSpec] {
        var list = outputs
        if let v = outputVariants, let selected = params[v.param]?.stringValue, let variant = v.outputs[selected] {
            list = variant
        }
        if kind != .trigger {
            list.append(OutputSpec(name: "error", type: .string, description: "Why the step failed (on the error path)."))
        }
        return list
    }
}

// MARK: JSON for the builder palette and the LLM

extension ParamSpec {
    public func asJSON() -> JSONValue {
        var o: [String: JSONValue] = [
            "name": .string(name), "type": .string(type.rawValue), "required": .bool(required),
            "description": .string(description), "placeholder": .string(placeholder),
            "options": .array(options.map(JSONValue.string)),
            "default": defaultValue ?? .null,
        ]
        if !fields.isEmpty { o["fields"] = .array(fields.map { $0.asJSON() }) }
        if money { o["money"] = true }
        return .object(o)
    }

    /// JSON-Schema for one param. Every scalar also accepts text, because any value may be a
    /// `{{placeholder}}` resolved at run time.
    ///
    /// Strict mode follows OpenAI's structured-output subset: every property is listed in `required`
    /// (optional ones accept null), `additionalProperties` is false, and free-form values (json, open
    /// objects, template objects, conditions) are asked for as JSON *text*, because strict schemas cannot
    /// express "any object". `NodeSpec.paramsFromStrict(_:)` turns such an answer back into params.
    func schema(strict: Bool) -> JSONValue {
        let nullable = strict && !required
        func types(_ t: [String]) -> JSONValue { .array((t + (nullable ? ["null"] : [])).map(JSONValue.string)) }
        var s: [String: JSONValue]
        switch type {
        case .string, .text, .channel, .secret, .duration, .datetime:
            s = ["type": types(["string"])]
        case .number: s = ["type": types(["number", "string"])]
        case .integer: s = ["type": types(["integer", "string"])]
        case .boolean: s = ["type": types(["boolean", "string"])]
        case .enum:
            s = ["type": types(["string"]), "enum": .array(options.map(JSONValue.string) + (nullable ? [.null] : []))]
        case .array:
            let item: JSONValue = fields.isEmpty
                ? ["type": ["string", "number", "boolean"]]
                : ParamSpec.objectSchema(fields, strict: strict)
            s = ["type": types(["array", "string"]), "items": item]
        case .object where !fields.isEmpty:
            return ParamSpec.objectSchema(fields, strict: strict, nullable: nullable, description: describedText)
        case .object, .json, .templateObject:
            if isJSONText(strict: strict) {
                s = ["type": types(["string"])]
            } else if type == .json {
                s = [:]
            } else if type == .object {
                s = ["type": "object"]
            } else { // template_object: name → template text or a literal scalar
                s = ["type": "object", "additionalProperties": ["type": ["string", "number", "boolean"]]]
            }
        }
        s["description"] = .string(describedText + (isJSONText(strict: strict) ? " Write it as JSON text." : ""))
        return .object(s)
    }

    /// In strict mode, free-form values travel as JSON text (see `schema(strict:)`).
    func isJSONText(strict: Bool) -> Bool {
        guard strict else { return false }
        switch type {
        case .json, .templateObject: return true
        case .object: return fields.isEmpty
        default: return false
        }
    }

    private var describedText: String {
        placeholder.isEmpty ? description : "\(description) Example: \(placeholder)"
    }

    static func objectSchema(_ fields: [ParamSpec], strict: Bool, nullable: Bool = false,
                             description: String? = nil) -> JSONValue {
        var props: [String: JSONValue] = [:]
        for f in fields { props[f.name] = f.schema(strict: strict) }
        let required = strict ? fields.map(\.name) : fields.filter(\.required).map(\.name)
        var s: [String: JSONValue] = [
            "type": nullable ? ["object", "null"] : "object",
            "properties": .object(props),
            "required": .array(required.map(JSONValue.string)),
            "additionalProperties": false,
        ]
        if let description { s["description"] = .string(description) }
        return .object(s)
    }
}

extension OutputSpec {
    public func asJSON() -> JSONValue {
        ["name": .string(name), "type": .string(type.rawValue), "description": .string(description)]
    }
}

extension NodeSpec {
    /// A JSON Schema object for this node's params (see `ParamSpec.schema(strict:)` for strict mode).
    public func paramsJSONSchema(strict: Bool = false) -> JSONValue {
        ParamSpec.objectSchema(params, strict: strict)
    }

    /// Turns params produced under the strict schema back into blueprint params: nulls (= "not set")
    /// are dropped and JSON-text values parsed. Text that is not valid JSON is kept, so the validator
    /// reports it against the right field instead of it vanishing.
    public func paramsFromStrict(_ value: JSONValue) -> JSONValue {
        ParamSpec.fromStrict(value, fields: params)
    }

    public func asJSON() -> JSONValue {
        var o: [String: JSONValue] = [
            "service": .string(service), "task": .string(task), "kind": .string(kind.rawValue),
            "title": .string(title), "summary": .string(summary), "group": .string(group),
            "params": .array(params.map { $0.asJSON() }),
            "outputs": .array(outputs.map { $0.asJSON() }),
            "ports": .array(ports.map(JSONValue.string)),
            "dynamic_ports": .bool(kind == .router),
            "error_port": .bool(kind != .trigger),
            "dynamic_outputs": .bool(dynamicOutputs),
            "network": .bool(network),
            "default_attempts": .int(Int64(defaultAttempts)),
            "default_timeout_seconds": .int(Int64(defaultTimeoutSeconds)),
        ]
        if let v = outputVariants {
            o["output_variants"] = [
                "param": .string(v.param),
                "outputs": .object(v.outputs.mapValues { .array($0.map { $0.asJSON() }) }),
            ]
        }
        return .object(o)
    }
}

extension ParamSpec {
    static func fromStrict(_ value: JSONValue, fields: [ParamSpec]) -> JSONValue {
        guard case .object(let o) = value else { return value }
        var out: [String: JSONValue] = [:]
        for (key, v) in o where v != .null {
            guard let f = fields.first(where: { $0.name == key }) else { out[key] = v; continue }
            if f.isJSONText(strict: true), case .string(let s) = v {
                out[key] = JSONValue.parse(json: s) ?? v
            } else if !f.fields.isEmpty, case .array(let items) = v {
                out[key] = .array(items.map { fromStrict($0, fields: f.fields) })
            } else if !f.fields.isEmpty, case .object = v {
                out[key] = fromStrict(v, fields: f.fields)
            } else {
                out[key] = v
            }
        }
        return .object(out)
    }
}
