import Fluent
import Foundation
import Vapor
import WorkflowCore

/// Workflows' service (DESIGN §2): the only writer of workflows and their versions (runs and steps
/// are written by `RunTransitions`), and the way other code reads them. Every save of a changed
/// blueprint is a new immutable version.
struct WorkflowService {
    let app: Application
    let businessID: UUID

    func workflow(_ id: UUID, on db: (any Database)? = nil) async throws -> Workflow {
        guard let w = try await Workflow.query(on: db ?? app.db).filter(\.$businessID == businessID).filter(\.$id == id)
            .filter(\.$deletedAt == nil).first() else { throw APIError.notFound("Workflow") }
        return w
    }

    func version(of w: Workflow, _ number: Int? = nil, on db: (any Database)? = nil) async throws -> WorkflowVersion {
        guard let v = try await WorkflowVersion.query(on: db ?? app.db).filter(\.$workflowID == w.id!)
            .filter(\.$version == (number ?? w.version)).first() else { throw APIError.notFound("Workflow version") }
        return v
    }

    /// The blueprint of a version as clients see it: secrets masked.
    func maskedBlueprint(_ v: WorkflowVersion) throws -> Blueprint {
        let decoded = (try? WorkflowJSON.decoder.decode(Blueprint.self, from: Data(v.blueprint.utf8))) ?? Blueprint(name: "", nodes: [], edges: [])
        return WorkflowSecrets.merge(decoded, try WorkflowSecrets.open(app, v.secrets), masked: true)
    }

    static func invalid(_ issues: [ValidationIssue]) -> APIError {
        let first = issues.first.map { i in (i.nodeID.map { "\($0): " } ?? "") + i.message } ?? "invalid"
        let list: [JSONValue] = issues.map { i in
            ["node_id": i.nodeID.map(JSONValue.string) ?? .null, "field": i.field.map(JSONValue.string) ?? .null,
             "message": .string(i.message)]
        }
        return APIError(.unprocessableEntity, "invalid_blueprint",
                        "The workflow has \(issues.count) problem\(issues.count == 1 ? "" : "s"): \(first)",
                        details: ["errors": .array(list)])
    }

    /// Validates and stores a new version (a new workflow when `existing` is nil).
    func save(existing: Workflow?, name: String?, blueprint incoming: Blueprint?, userID: UUID?, now: Date) async throws -> Workflow {
        var problems: [String: String] = [:]
        let trimmed = name?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let trimmed, trimmed.isEmpty || trimmed.count > 120 { problems["name"] = "must be 1 to 120 characters" }
        if existing == nil && trimmed == nil && (incoming?.name ?? "").isEmpty { problems["name"] = "is required" }
        if existing == nil && incoming == nil { problems["blueprint"] = "is required" }
        guard problems.isEmpty else { throw APIError.validation(problems) }

        var previousSecrets: WorkflowSecrets.Values = [:]
        var previousText: String? = nil
        if let existing {
            let v = try await version(of: existing)
            previousSecrets = try WorkflowSecrets.open(app, v.secrets)
            previousText = v.blueprint
        }
        var newVersion: (text: String, sealed: String?)? = nil
        var trigger: TriggerInfo? = nil
        if let incoming {
            var bp = NodeCatalog.normalize(WorkflowSecrets.restoreMasks(incoming, previous: previousSecrets))
            bp.name = trimmed ?? (bp.name.isEmpty ? existing?.name ?? "" : bp.name)
            let issues = BlueprintValidator.validate(bp)
            guard issues.isEmpty else { throw Self.invalid(issues) }
            var (stored, secrets) = WorkflowSecrets.split(bp)
            // The name lives on the workflow: renaming is not a new version.
            stored.name = ""
            let text = WorkflowJSON.text(try JSONValue(keepingKeys: stored))
            let sealed = secrets.isEmpty ? nil : try app.vault.seal(json: secrets)
            if text != previousText || secrets != previousSecrets { newVersion = (text, sealed) }
            trigger = TriggerInfo(bp)
        }
        let w = existing ?? Workflow()
        if existing == nil {
            w.id = UUID()
            w.businessID = businessID
            w.publicID = "wh_" + Tokens.random(bytes: 15)
            w.active = false
            w.version = 0
            w.createdAt = now
            w.lastTickAt = nil
        }
        if let n = trimmed ?? (existing == nil ? incoming?.name : nil) { w.name = n }
        if let trigger {
            if trigger.service != w.$triggerService.value || trigger.key != w.triggerKey { w.lastTickAt = nil }
            w.triggerService = trigger.service
            w.triggerKey = trigger.key
        }
        w.updatedAt = now
        let isNew = existing == nil
        let newVersionValue = newVersion
        try await app.store.write(app.db) { tx in
            if let nv = newVersionValue {
                w.version += 1
                let v = WorkflowVersion()
                v.id = UUID()
                v.workflowID = w.id!
                v.businessID = businessID
                v.version = w.version
                v.blueprint = nv.text
                v.secrets = nv.sealed
                v.createdBy = userID
                v.createdAt = now
                if isNew { try await w.create(on: tx) } else { try await w.update(on: tx) }
                try await v.create(on: tx)
            } else {
                try await w.update(on: tx)
            }
            if w.active { try await WorkflowTriggers.armSchedule(w, app: app, now: now, on: tx) }
        }
        return w
    }

    /// What the dashboard shows of the workflows (issue 19 §3).
    struct RunFigures: Sendable {
        var workflows = 0
        var active = 0
        /// Runs created since the window's start, by status.
        var window: [RunStatus: Int] = [:]
        /// Runs created since the start of today, by status.
        var today: [RunStatus: Int] = [:]
    }

    /// Workflows and their runs since `since` (and since `todayStart`, within it).
    func runFigures(since: Date, todayStart: Date) async throws -> RunFigures {
        var f = RunFigures()
        let workflows = try await Workflow.query(on: app.db).filter(\.$businessID == businessID).filter(\.$deletedAt == nil).all(\.$active)
        f.workflows = workflows.count
        f.active = workflows.filter { $0 }.count
        let runs = try await WorkflowRun.query(on: app.db).filter(\.$businessID == businessID).filter(\.$createdAt >= since)
            .field(\.$status).field(\.$createdAt).all()
        for r in runs {
            f.window[r.status, default: 0] += 1
            if r.createdAt >= todayStart { f.today[r.status, default: 0] += 1 }
        }
        return f
    }

    /// Queues a run of the workflow's current version (`RunTransitions.create`); with a
    /// `dedupeKey` already used, the earlier run's id.
    func startRun(_ w: Workflow, trigger: String, payload: JSONValue, dedupeKey: String?, now: Date) async throws -> UUID {
        let app = app
        return try await app.store.write(app.db) { tx in
            try await RunTransitions.create(w, trigger: trigger, payload: payload, dedupeKey: dedupeKey, app: app, now: now, on: tx).id
        }
    }

    /// Deletes a workflow (kept as a row, hidden): its schedule is withdrawn and its unfinished runs
    /// are cancelled, in one transaction; their events are published after it commits.
    func delete(_ w: Workflow, now: Date) async throws {
        let app = app
        let ended: [Advance] = try await app.store.write(app.db) { tx in
            w.deletedAt = now
            w.active = false
            w.updatedAt = now
            try await w.update(on: tx)
            try await WorkflowTriggers.armSchedule(w, app: app, now: now, on: tx)
            return try await RunTransitions.cancelRuns(ofWorkflow: w.id!, reason: "the workflow was deleted", now: now, on: tx)
        }
        for a in ended { a.publish(app) }
    }

    /// Switches a workflow on or off (validated by the caller), arming or withdrawing its schedule.
    func setActive(_ w: Workflow, _ active: Bool, now: Date) async throws {
        guard w.active != active else { return }
        let app = app
        try await app.store.write(app.db) { tx in
            w.active = active
            w.updatedAt = now
            if active { w.lastTickAt = nil }
            try await w.update(on: tx)
            try await WorkflowTriggers.armSchedule(w, app: app, now: now, on: tx)
        }
    }
}
