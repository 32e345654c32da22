import Fluent
import Foundation
import Vapor
import WorkflowCore

/// The JSON shapes of docs/workflows-api.md, built as `JSONValue` so user keys pass through untouched.
enum WorkflowViews {
    struct VersionSummary: Codable, Sendable {
        let version: Int
        let createdAt: Date
        enum CodingKeys: String, CodingKey { case version, createdAt = "created_at" }
    }

    /// ISO-8601 UTC with milliseconds, as every API date (DESIGN §4).
    static func date(_ d: Date?) -> JSONValue { d.map { .string(JSONCoders.string(from: $0)) } ?? .null }

    static func webhookURL(_ w: Workflow, app: Application) -> JSONValue {
        w.triggerService == "webhook" ? .string(Endpoint.workflowHook.url(base: app.publicBaseURL, w.publicID)) : .null
    }

    static func summary(_ w: Workflow, lastRun: WorkflowRun?, trigger: (String, String), app: Application) -> JSONValue {
        [
            "id": .string(w.id!.uuidString), "public_id": .string(w.publicID), "name": .string(w.name), "active": .bool(w.active),
            "version": .int(Int64(w.version)), "trigger": ["service": .string(trigger.0), "task": .string(trigger.1)],
            "webhook_url": webhookURL(w, app: app), "created_at": date(w.createdAt), "updated_at": date(w.updatedAt),
            "last_run": lastRun.map { r in
                ["id": .string(r.id!.uuidString), "status": .string(r.status.rawValue), "created_at": date(r.createdAt)]
            } ?? .null,
        ]
    }

    static func lastRuns(_ ids: [UUID], db: any Database) async throws -> [UUID: WorkflowRun] {
        var out: [UUID: WorkflowRun] = [:]
        for id in ids {
            out[id] = try await WorkflowRun.query(on: db).filter(\.$workflowID == id).sort(\.$createdAt, .descending).first()
        }
        return out
    }

    static func summaries(_ rows: [Workflow], app: Application, db: any Database) async throws -> [JSONValue] {
        let last = try await lastRuns(rows.map { $0.id! }, db: db)
        var out: [JSONValue] = []
        for w in rows {
            let t = try await WorkflowTriggers.triggerNode(w, app: app, on: db)
            out.append(summary(w, lastRun: last[w.id!], trigger: (w.triggerService, t?.task ?? ""), app: app))
        }
        return out
    }

    static func detail(_ w: Workflow, app: Application, db: any Database) async throws -> JSONValue {
        let store = WorkflowService(app: app, businessID: w.businessID)
        let v = try await store.version(of: w, on: db)
        var bp = try store.maskedBlueprint(v)
        bp.name = w.name
        let t = bp.nodes.first { $0.kind == NodeKind.trigger.rawValue }
        let last = try await lastRuns([w.id!], db: db)[w.id!]
        guard case .object(var o) = summary(w, lastRun: last, trigger: (w.triggerService, t?.task ?? ""), app: app) else { return .null }
        o["blueprint"] = try JSONValue(keepingKeys: bp)
        return .object(o)
    }

    static func runSummaries(_ runs: [WorkflowRun], db: any Database) async throws -> [JSONValue] {
        let ids = Array(Set(runs.map(\.workflowID)))
        let names = Dictionary(try await Workflow.query(on: db).filter(\.$id ~~ ids).all().map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        return runs.map { runSummary($0, name: names[$0.workflowID] ?? "") }
    }

    static func runSummary(_ r: WorkflowRun, name: String) -> JSONValue {
        [
            "id": .string(r.id!.uuidString), "workflow_id": .string(r.workflowID.uuidString), "workflow_name": .string(name),
            "version": .int(Int64(r.version)), "status": .string(r.status.rawValue), "trigger_service": .string(r.triggerService),
            "error": r.error.map(JSONValue.string) ?? .null, "created_at": date(r.createdAt), "started_at": date(r.startedAt),
            "finished_at": date(r.finishedAt),
        ]
    }

    static func run(_ id: UUID, businessID: UUID, app: Application, db: any Database) async throws -> JSONValue {
        guard let r = try await WorkflowRun.query(on: db).filter(\.$id == id).filter(\.$businessID == businessID).first() else {
            throw APIError.notFound("Run")
        }
        let w = try await Workflow.find(r.workflowID, on: db)
        let steps = try await RunStep.query(on: db).filter(\.$runID == id).sort(\.$createdAt).all()
        let entry = try? await WorkflowVersion.find(r.versionID, on: db).map { try app.blueprints.entry($0, app: app) }
        guard case .object(var o) = runSummary(r, name: w?.name ?? "") else { return .null }
        o["trigger_payload"] = WorkflowJSON.value(r.triggerPayload)
        o["response"] = WorkflowJSON.value(r.response)
        var approvals: [JSONValue] = []
        o["steps"] = .array(steps.map { s in
            let node = entry?.blueprint.node(s.nodeID)
            if s.status == .waiting, let node, node.nodeKind == .approval || node.service == "social" {
                let input = WorkflowJSON.value(s.input)
                approvals.append(["node_id": .string(s.nodeID), "message": input["approval_message"] ?? .null, "timeout_at": date(s.wakeAt),
                                  "draft": WorkflowJSON.value(s.output)["draft"] ?? .null])
            }
            return [
                "node_id": .string(s.nodeID), "service": .string(node?.service ?? ""), "task": .string(node?.task ?? ""),
                "status": .string(s.status.rawValue), "port": s.port.map(JSONValue.string) ?? .null,
                "input": WorkflowJSON.value(s.input), "output": s.status == .waiting ? .null : WorkflowJSON.value(s.output),
                "error": s.error.map(JSONValue.string) ?? .null, "attempts": .int(Int64(s.attempts)),
                "created_at": date(s.createdAt), "started_at": date(s.startedAt), "finished_at": date(s.finishedAt), "wake_at": date(s.wakeAt),
            ]
        })
        o["pending_approvals"] = .array(approvals)
        return .object(o)
    }
}
