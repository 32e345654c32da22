import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor
import WorkflowCore

/// `/api/v1/workflows…`, `/api/v1/runs…` and the public `POST /hooks/{public_id}`
/// (docs/workflows-api.md). Bodies are decoded and encoded with keys as sent (`WorkflowJSON`).
struct WorkflowsController {
    func register(_ api: any RoutesBuilder) {
        api.on(.workflowCatalog, use: catalog)
        api.on(.workflowValidate, use: validate)
        api.on(.workflowDraft, use: draft)
        api.on(.workflowTestData, use: testData)
        api.on(.workflows, use: list)
        api.on(.workflowCreate, use: create)
        api.on(.workflow, use: get)
        api.on(.workflowReplace, use: update)
        api.on(.workflowUpdate, use: update)
        api.on(.workflowDelete, use: delete)
        api.on(.workflowVersions, use: versions)
        api.on(.workflowVersion, use: version)
        api.on(.workflowActivate, use: activate)
        api.on(.workflowDeactivate, use: deactivate)
        api.on(.workflowStartRun, use: startRun)
        api.on(.runs, use: listRuns)
        api.on(.run, use: getRun)
        api.on(.runCancel, use: cancel)
        api.on(.runRetry, use: retry)
        api.on(.runRestart, use: restart)
        api.on(.runApprove) { req in try await decide(req, approve: true) }
        api.on(.runReject) { req in try await decide(req, approve: false) }
    }

    static func registerHooks(_ app: Application) {
        app.on(.workflowHook, body: .collect(maxSize: "64kb"), use: hook)
    }

    static func store(_ req: Request) throws -> WorkflowService {
        WorkflowService(app: req.application, businessID: try req.principal.businessID)
    }

    // MARK: catalog, validation, drafts

    @Sendable func catalog(req: Request) async throws -> Response {
        _ = try req.principal
        return try WorkflowJSON.response(NodeCatalog.asJSON())
    }

    struct BlueprintInput: Decodable { let blueprint: Blueprint? }

    static func issuesJSON(_ issues: [ValidationIssue]) -> JSONValue {
        .array(issues.map { i in
            ["node_id": i.nodeID.map(JSONValue.string) ?? .null, "field": i.field.map(JSONValue.string) ?? .null, "message": .string(i.message)]
        })
    }

    @Sendable func validate(req: Request) async throws -> Response {
        _ = try req.principal
        guard let bp = try WorkflowJSON.decode(BlueprintInput.self, from: req).blueprint else {
            throw APIError.validation("blueprint", "is required")
        }
        let issues = BlueprintValidator.validate(NodeCatalog.normalize(bp))
        return try WorkflowJSON.response(["valid": .bool(issues.isEmpty), "errors": Self.issuesJSON(issues)] as JSONValue)
    }

    struct TestDataInput: Decodable {
        let blueprint: Blueprint?
        let workflow_id: String?
    }

    /// Test data for "Run with test data" (`WorkflowTestData`); nothing is saved or run.
    @Sendable func testData(req: Request) async throws -> Response {
        let p = try req.principal
        let input = try WorkflowJSON.decode(TestDataInput.self, from: req)
        guard let bp = input.blueprint else { throw APIError.validation("blueprint", "is required") }
        var workflowID: UUID? = nil
        if let raw = input.workflow_id {
            guard let id = UUID(uuidString: raw) else { throw APIError.validation("workflow_id", "is not an id") }
            workflowID = try await Self.store(req).workflow(id).id
        }
        let r = try await WorkflowTestData.make(NodeCatalog.normalize(bp), workflowID: workflowID, businessID: p.businessID, userID: p.userID,
                                                app: req.application, db: req.db, now: req.now)
        return try WorkflowJSON.response(["payload": r.payload, "source": .string(r.source), "note": .string(r.note)] as JSONValue)
    }

    struct DraftInput: Decodable { let prompt: String? }

    @Sendable func draft(req: Request) async throws -> Response {
        _ = try req.principal
        let prompt = (try WorkflowJSON.decode(DraftInput.self, from: req).prompt ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !prompt.isEmpty, prompt.count <= 2000 else { throw APIError.validation("prompt", "must be 1 to 2000 characters") }
        let d = try await WorkflowArchitect.draft(prompt: prompt, app: req.application, logger: req.logger)
        return try WorkflowJSON.response(d)
    }

    // MARK: workflows

    struct SaveInput: Decodable {
        let name: String?
        let blueprint: Blueprint?
    }

    @Sendable func list(req: Request) async throws -> Response {
        let p = try req.principal
        let page = try PageRequest(req)
        var q = Workflow.query(on: req.db).filter(\.$businessID == p.businessID).filter(\.$deletedAt == nil)
        if let active = req.query[String.self, at: "active"] {
            guard let b = ["true": true, "false": false][active] else { throw APIError.validation("active", "must be true or false") }
            q = q.filter(\.$active == b)
        }
        if let term = req.query[String.self, at: "q"]?.trimmingCharacters(in: .whitespaces), !term.isEmpty {
            q = q.filter(.sql(ContainsIgnoringCase(column: "name", term: term)))
        }
        let rows = try await q.sort(\.$updatedAt, .descending).sort(\.$id).paged(page).all()
        let dtos = try await WorkflowViews.summaries(rows, app: req.application, db: req.db)
        return try WorkflowJSON.page(page, dtos)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let p = try req.principal
        let input = try WorkflowJSON.decode(SaveInput.self, from: req)
        let w = try await Self.store(req).save(existing: nil, name: input.name, blueprint: input.blueprint, userID: p.userID, now: req.now)
        req.publish("workflow.updated", id: w.id!, data: ["active": .bool(w.active), "version": .int(Int64(w.version))])
        return try WorkflowJSON.response(try await WorkflowViews.detail(w, app: req.application, db: req.db), status: .created)
    }

    @Sendable func get(req: Request) async throws -> Response {
        let w = try await Self.store(req).workflow(try LedgerController.id(req))
        return try WorkflowJSON.response(try await WorkflowViews.detail(w, app: req.application, db: req.db))
    }

    @Sendable func update(req: Request) async throws -> Response {
        let p = try req.principal
        let store = try Self.store(req)
        let existing = try await store.workflow(try LedgerController.id(req))
        let input = try WorkflowJSON.decode(SaveInput.self, from: req)
        let w = try await store.save(existing: existing, name: input.name, blueprint: input.blueprint, userID: p.userID, now: req.now)
        req.publish("workflow.updated", id: w.id!, data: ["active": .bool(w.active), "version": .int(Int64(w.version))])
        return try WorkflowJSON.response(try await WorkflowViews.detail(w, app: req.application, db: req.db))
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        try req.principal.requireOwner("delete workflows")
        let w = try await Self.store(req).workflow(try LedgerController.id(req))
        try await Self.store(req).delete(w, now: req.now)
        req.publish("workflow.updated", id: w.id!, data: ["active": false, "deleted": true])
        return .noContent
    }

    @Sendable func versions(req: Request) async throws -> Response {
        let w = try await Self.store(req).workflow(try LedgerController.id(req))
        let page = try PageRequest(req)
        let rows = try await WorkflowVersion.query(on: req.db).filter(\.$workflowID == w.id!).sort(\.$version, .descending)
            .field(\.$id).field(\.$version).field(\.$createdAt).paged(page).all()
        let items: [WorkflowViews.VersionSummary] = rows.map { .init(version: $0.version, createdAt: $0.createdAt) }
        return try WorkflowJSON.page(page, items)
    }

    @Sendable func version(req: Request) async throws -> Response {
        let store = try Self.store(req)
        let w = try await store.workflow(try LedgerController.id(req))
        guard let n = req.parameters.get("n", as: Int.self) else { throw APIError.notFound("Workflow version") }
        let v = try await store.version(of: w, n)
        return try WorkflowJSON.response(["version": .int(Int64(v.version)), "created_at": WorkflowViews.date(v.createdAt),
                                          "blueprint": try JSONValue(keepingKeys: { var b = try store.maskedBlueprint(v); b.name = w.name; return b }())] as JSONValue)
    }

    @Sendable func activate(req: Request) async throws -> Response {
        try await setActive(req, true)
    }

    @Sendable func deactivate(req: Request) async throws -> Response {
        try await setActive(req, false)
    }

    func setActive(_ req: Request, _ active: Bool) async throws -> Response {
        let store = try Self.store(req)
        let w = try await store.workflow(try LedgerController.id(req))
        if active {
            let v = try await store.version(of: w)
            let entry = try req.application.blueprints.entry(v, app: req.application)
            var bp = entry.blueprint
            bp.name = w.name
            let issues = BlueprintValidator.validate(bp)
            guard issues.isEmpty else { throw WorkflowService.invalid(issues) }
        }
        let app = req.application
        try await store.setActive(w, active, now: req.now)
        req.publish("workflow.updated", id: w.id!, data: ["active": .bool(w.active), "version": .int(Int64(w.version))])
        return try WorkflowJSON.response(try await WorkflowViews.detail(w, app: app, db: req.db))
    }

    struct RunInput: Decodable { let payload: JSONValue? }

    @Sendable func startRun(req: Request) async throws -> Response {
        let w = try await Self.store(req).workflow(try LedgerController.id(req))
        var payload: JSONValue = [:]
        if let body = req.body.data, body.readableBytes > 0 {
            let input = try WorkflowJSON.decode(RunInput.self, from: req)
            if let p = input.payload, p != .null {
                guard p.objectValue != nil else { throw APIError.validation("payload", "must be a JSON object") }
                payload = p
            }
        }
        let key = req.headers.first(name: "Idempotency-Key").map { "manual-\($0.prefix(100))" }
        let app = req.application
        let id = try await Self.store(req).startRun(w, trigger: "manual", payload: payload, dedupeKey: key, now: req.now)
        return try WorkflowJSON.response(try await WorkflowViews.run(id, businessID: w.businessID, app: app, db: req.db), status: .created)
    }

    // MARK: runs

    @Sendable func listRuns(req: Request) async throws -> Response {
        let p = try req.principal
        let page = try PageRequest(req)
        var q = WorkflowRun.query(on: req.db).filter(\.$businessID == p.businessID)
        if let wid = req.query[String.self, at: "workflow_id"] {
            guard let id = UUID(uuidString: wid) else { throw APIError.validation("workflow_id", "is not an id") }
            q = q.filter(\.$workflowID == id)
        }
        if let s = req.query[String.self, at: "status"] {
            guard let status = RunStatus(rawValue: s) else {
                throw APIError.validation("status", "must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            q = q.filter(\.$status == status)
        }
        let rows = try await q.sort(\.$createdAt, .descending).sort(\.$id, .descending).paged(page).all()
        let items = try await WorkflowViews.runSummaries(rows, db: req.db)
        return try WorkflowJSON.page(page, items)
    }

    static func runID(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw APIError.notFound("Run") }
        return id
    }

    @Sendable func getRun(req: Request) async throws -> Response {
        let p = try req.principal
        return try WorkflowJSON.response(try await WorkflowViews.run(try Self.runID(req), businessID: p.businessID, app: req.application, db: req.db))
    }

    @Sendable func cancel(req: Request) async throws -> Response {
        let p = try req.principal
        let id = try Self.runID(req)
        let now = req.now, app = req.application
        try await RunTransitions.cancel(id, businessID: p.businessID, app: app, now: now)
        return try WorkflowJSON.response(try await WorkflowViews.run(id, businessID: p.businessID, app: app, db: req.db))
    }

    /// A failed run continues from its failed step: that step and the steps cancelled with it are
    /// queued again; everything that succeeded keeps its result.
    @Sendable func retry(req: Request) async throws -> Response {
        let p = try req.principal
        let id = try Self.runID(req)
        let now = req.now, app = req.application
        try await RunTransitions.retry(id, businessID: p.businessID, app: app, now: now)
        return try WorkflowJSON.response(try await WorkflowViews.run(id, businessID: p.businessID, app: app, db: req.db))
    }

    /// A failed or cancelled run starts again from its trigger: a new run with the same trigger
    /// data, on the workflow's current version (so a step fixed since is the one that runs).
    /// Asked twice for the same run, it answers with the same new run.
    @Sendable func restart(req: Request) async throws -> Response {
        let p = try req.principal
        let id = try Self.runID(req)
        guard let old = try await WorkflowRun.query(on: req.db).filter(\.$businessID == p.businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Run")
        }
        guard old.status == .failed || old.status == .cancelled else {
            throw APIError.conflict("run_not_finished", "Only a failed or cancelled run can be run again from the start; this one is \(old.status.rawValue).")
        }
        let w = try await Self.store(req).workflow(old.workflowID)
        let newID = try await Self.store(req).startRun(w, trigger: old.triggerService, payload: WorkflowJSON.value(old.triggerPayload) == .null ? [:] : WorkflowJSON.value(old.triggerPayload),
                                                       dedupeKey: "restart-\(id.uuidString.lowercased())", now: req.now)
        return try WorkflowJSON.response(try await WorkflowViews.run(newID, businessID: p.businessID, app: req.application, db: req.db),
                                         status: .created)
    }

    struct DecisionInput: Decodable {
        let node_id: String?
        let note: String?
        let text: String?
    }

    func decide(_ req: Request, approve: Bool) async throws -> Response {
        let p = try req.principal
        let id = try Self.runID(req)
        var input = DecisionInput(node_id: nil, note: nil, text: nil)
        if let body = req.body.data, body.readableBytes > 0 { input = try WorkflowJSON.decode(DecisionInput.self, from: req) }
        if let note = input.note, note.count > 1000 { throw APIError.validation("note", "must be at most 1000 characters") }
        let decidedBy = try await AccountsService(db: req.db).userName(p.userID)
        try await Approvals.decide(req.application, businessID: p.businessID, runID: id,
                                   decision: .init(approve: approve, nodeID: input.node_id, note: input.note, text: input.text,
                                                   decidedBy: decidedBy ?? "owner"), now: req.now)
        return try WorkflowJSON.response(try await WorkflowViews.run(id, businessID: p.businessID, app: req.application, db: req.db))
    }

    // MARK: webhook trigger

    /// `POST /hooks/{public_id}`: starts a run of an active webhook workflow with the JSON or form
    /// body; answers with the `respond` node's output when the run reaches it in time, else 202.
    @Sendable static func hook(req: Request) async throws -> Response {
        guard let publicID = req.parameters.get("public_id"), publicID.count <= 64,
              let w = try await Workflow.query(on: req.db).filter(\.$publicID == publicID).filter(\.$deletedAt == nil).first(),
              w.triggerService == "webhook" else {
            throw APIError.notFound("Webhook")
        }
        guard w.active else { throw APIError.conflict("workflow_inactive", "This workflow is not active.") }
        let app = req.application
        let raw = req.body.data.map { Data(buffer: $0) } ?? Data()
        guard let (versionID, entry) = try await app.blueprints.entry(workflowID: w.id!, version: w.version, app: app, on: req.db),
              let trigger = entry.planner.triggerID.flatMap({ entry.blueprint.node($0) }) else { throw APIError.notFound("Webhook") }
        if let secret = trigger.param("secret")?.stringValue, !secret.isEmpty {
            let header = trigger.param("signature_header")?.stringValue?.nonEmpty ?? "X-Munim-Signature"
            let given = (req.headers.first(name: header) ?? "").lowercased()
            let mac = HMAC<SHA256>.authenticationCode(for: raw, using: SymmetricKey(data: Data(secret.utf8)))
                .map { String(format: "%02x", $0) }.joined()
            let candidate = given.hasPrefix("sha256=") ? String(given.dropFirst(7)) : given
            guard Tokens.equal(candidate, mac) else {
                throw APIError(.unauthorized, "bad_signature", "The \(header) header does not carry a valid HMAC-SHA256 of the body.")
            }
        }
        var payload: JSONValue = [:]
        let type = req.headers.contentType
        if !raw.isEmpty {
            if type == .urlEncodedForm {
                var o: [String: JSONValue] = [:]
                for pair in String(decoding: raw, as: UTF8.self).split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
                    if let k = kv.first, !k.isEmpty { o[k] = .string(kv.count > 1 ? kv[1] : "") }
                }
                payload = .object(o)
            } else {
                guard let v = JSONValue.parse(json: String(decoding: raw, as: UTF8.self)) else {
                    throw APIError.badRequest("The body is not valid JSON (send JSON or a form).")
                }
                payload = v.objectValue != nil ? v : ["body": v]
            }
        }
        let key = req.headers.first(name: "Idempotency-Key").map { "hook-\($0.prefix(100))" }
        let now = req.now, payloadValue = payload
        // A run that reaches only local nodes is decided here and committed together with other
        // requests' runs (`InlineRuns`); any other run is queued for the workers.
        if let decided = await InlineRuns.decide(w, versionID: versionID, entry: entry, payload: payload, dedupeKey: key, app: app,
                                                 logger: req.logger, now: now) {
            do {
                if try await app.inlineRuns.submit(decided) {
                    InlineRuns.publish(decided, app: app)
                    guard let out = decided.response else { return try accepted(decided.runID, status: decided.status) }
                    return hookResponse(out, runID: decided.runID)
                }
                // Another run holds this Idempotency-Key: createRun finds it and the reply is that run's.
            } catch {
                req.logger.warning("could not commit an inline run; it takes the durable path: \(String(describing: error))")
            }
        }
        let runID = try await WorkflowService(app: app, businessID: w.businessID).startRun(w, trigger: "webhook", payload: payloadValue,
                                                                                          dedupeKey: key, now: now)
        return try await awaitResponse(req, runID: runID)
    }

    /// Waits up to `MUNIM_HOOK_RESPONSE_TIMEOUT_MS` for the run's respond node (signalled in this
    /// process; checked in the database every 200 ms for workers elsewhere).
    static func awaitResponse(_ req: Request, runID: UUID) async throws -> Response {
        let app = req.application
        let timeout = Double(app.munimConfig.hookResponseTimeoutMilliseconds) / 1000
        let deadline = Date().addingTimeInterval(timeout)
        var status: RunStatus = .queued
        while true {
            guard let run = try await WorkflowRun.find(runID, on: req.db) else { throw APIError.notFound("Run") }
            status = run.status
            if let response = run.response, let out = JSONValue.parse(json: response) { return hookResponse(out, runID: runID) }
            let left = deadline.timeIntervalSinceNow
            if run.status.isFinished || left <= 0 { break }
            await app.runWaiters.wait(runID, timeout: .milliseconds(Int64(min(200, left * 1000))))
        }
        return try accepted(runID, status: status)
    }

    /// The webhook's answer from its run's respond node: that node's status, headers and body.
    static func hookResponse(_ out: JSONValue, runID: UUID) -> Response {
        let res = Response(status: HTTPResponseStatus(statusCode: Int(out["status"]?.intValue ?? 200)))
        for (k, v) in out["headers"]?.objectValue ?? [:] where !["content-length", "transfer-encoding"].contains(k.lowercased()) {
            res.headers.replaceOrAdd(name: k, value: v.text)
        }
        res.headers.replaceOrAdd(name: "X-Munim-Run-Id", value: runID.uuidString.lowercased())
        let body = out["body"] ?? .null
        if case .string(let s) = body, res.headers.contentType != nil {
            res.body = .init(string: s)
        } else {
            res.headers.contentType = .json
            res.body = .init(string: body.compactJSON)
        }
        return res
    }

    /// 202 with the run's id and status: the run had no respond output (yet).
    static func accepted(_ runID: UUID, status: RunStatus) throws -> Response {
        try WorkflowJSON.response(["run_id": .string(runID.uuidString.lowercased()), "status": .string(status.rawValue)] as JSONValue,
                                  status: .accepted)
    }
}
