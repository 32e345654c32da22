import Foundation
import Vapor
import WorkflowCore

/// `POST /api/v1/workflows/draft`: a sentence → a validated, unsaved blueprint (DESIGN §7).
/// Offline recipes answer first; with an LLM configured, other prompts go to the model, whose
/// output is constrained by a JSON schema built from the node catalog, validated, and repaired once
/// with the validator's errors.
enum WorkflowArchitect {
    struct Reply: Encodable {
        let blueprint: Blueprint
        let explanation: String
        let source: String
        let recipe: String?
        let todo: [String]
        let valid: Bool
        let errors: [ValidationIssue]
    }

    static func draft(prompt: String, app: Application, logger: Logger) async throws -> Reply {
        if let d = Architect.draft(prompt: prompt) {
            let issues = BlueprintValidator.validate(d.blueprint)
            return Reply(blueprint: d.blueprint, explanation: d.explanation, source: "recipe", recipe: d.recipe, todo: d.todo,
                         valid: issues.isEmpty, errors: issues)
        }
        let config = app.munimConfig
        guard let client = app.providers.openAI(.drafting) else {
            throw APIError(.unprocessableEntity, "no_recipe",
                           "No built-in recipe matches that, and no LLM is configured to draft one. Try e.g. “remind debtors every day at 10”, "
                           + "“when an order webhook arrives, send a payment link on WhatsApp”, or build it in the editor.",
                           details: ["recipes": .array(Architect.recipes.map(JSONValue.string))])
        }
        var user = prompt
        for round in 0..<2 {
            let content: String
            do {
                content = try await client.completeJSON(model: config.llmModel, system: systemPrompt, user: user,
                                                        schemaName: "workflow_blueprint", schema: schema)
            } catch {
                logger.warning("architect LLM call failed: \(String(describing: error))")
                throw APIError(.badGateway, "llm_failed", "The LLM could not draft a workflow right now; try again or build it in the editor.")
            }
            guard let answer = JSONValue.parse(json: content) else {
                throw APIError(.badGateway, "llm_failed", "The LLM's answer was not JSON.")
            }
            let bp = Architect.layout(blueprint(from: answer))
            let issues = BlueprintValidator.validate(bp)
            if issues.isEmpty {
                return Reply(blueprint: bp, explanation: answer["explanation"]?.text ?? "", source: "llm", recipe: nil, todo: [],
                             valid: true, errors: [])
            }
            if round == 1 {
                throw APIError(.unprocessableEntity, "draft_invalid",
                               "The drafted workflow still had problems after one repair: \(issues.prefix(3).map(\.description).joined(separator: "; "))",
                               details: ["errors": .array(issues.map { JSONValue.string($0.description) })])
            }
            user = "\(prompt)\n\nYour previous answer:\n\(content)\n\nIt has these problems; fix them and answer again:\n"
                + issues.map { "- \($0.description)" }.joined(separator: "\n")
        }
        throw APIError(.unprocessableEntity, "draft_invalid", "The drafted workflow was not valid.")
    }

    static var systemPrompt: String {
        var s = """
        You design automation workflows for a small Indian business in Munim. Answer with a workflow: exactly one trigger node \
        (kind trigger), then action, router, delay or approval nodes, connected by edges from a node's port to a node. Ports: \
        "out" for most nodes; routers: each branch's port and "else"; approvals: approved, rejected, timeout; any non-trigger \
        node may have "error". No cycles. Reference data with {{trigger.field}}, {{steps.<node_id>.field}} or \
        {{business.name}}. Amounts are integers in paise. Node ids are short snake_case words.
        Nodes (service/task: summary; params):
        """
        for spec in NodeCatalog.all {
            s += "\n- \(spec.key) [\(spec.kind.rawValue)]: \(spec.summary) Params: "
                + spec.params.map { "\($0.name)\($0.required ? "*" : "") (\($0.type.rawValue))" }.joined(separator: ", ")
            if !spec.outputs.isEmpty { s += ". Outputs: " + spec.outputs.map(\.name).joined(separator: ", ") }
        }
        return s
    }

    /// One anyOf variant per catalog node, each with that node's strict param schema.
    static var schema: JSONValue {
        let variants: [JSONValue] = NodeCatalog.all.map { spec in
            [
                "type": "object", "additionalProperties": false, "required": ["id", "service", "task", "params"],
                "properties": [
                    "id": ["type": "string"],
                    "service": ["type": "string", "enum": [.string(spec.service)]],
                    "task": ["type": "string", "enum": [.string(spec.task)]],
                    "params": spec.paramsJSONSchema(strict: true),
                ],
            ]
        }
        return [
            "type": "object", "additionalProperties": false, "required": ["name", "explanation", "nodes", "edges"],
            "properties": [
                "name": ["type": "string"],
                "explanation": ["type": "string"],
                "nodes": ["type": "array", "items": ["anyOf": .array(variants)]],
                "edges": ["type": "array", "items": [
                    "type": "object", "additionalProperties": false, "required": ["source", "source_port", "target"],
                    "properties": ["source": ["type": "string"], "source_port": ["type": "string"], "target": ["type": "string"]],
                ]],
            ],
        ]
    }

    static func blueprint(from answer: JSONValue) -> Blueprint {
        var nodes: [Node] = []
        for n in answer["nodes"]?.arrayValue ?? [] {
            let service = n["service"]?.text ?? "", task = n["task"]?.text ?? ""
            let spec = NodeCatalog.spec(service: service, task: task)
            nodes.append(Node(id: n["id"]?.text ?? "", kind: spec?.kind.rawValue ?? "action", service: service, task: task,
                              params: spec?.paramsFromStrict(n["params"] ?? [:]) ?? (n["params"] ?? [:])))
        }
        let edges = (answer["edges"]?.arrayValue ?? []).map {
            Edge(source: $0["source"]?.text ?? "", sourcePort: $0["source_port"]?.text.nonEmpty ?? "out", target: $0["target"]?.text ?? "")
        }
        return Blueprint(name: answer["name"]?.text ?? "", nodes: nodes, edges: edges)
    }
}
