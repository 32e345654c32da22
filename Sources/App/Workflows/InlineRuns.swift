import Fluent
import Foundation
import SQLKit
import Vapor
import WorkflowCore

/// Webhook runs decided inside their request (issue 5 §4 and §9).
///
/// When every node a webhook run reaches is local (`LocalSteps`: routers, data.set, respond and the
/// ledger look-ups), nothing in the run can wait, call out or change the books, so there is no step
/// a job would have to resume. The request runs those nodes in memory, then writes the finished run
/// and every one of its step rows in one transaction, and answers with the respond node's output.
/// Concurrent requests share that transaction (`GroupCommit`): on SQLite one commit, and one pass
/// through the write lock, carries a whole batch of runs.
///
/// Nothing is answered before the commit, so a crash before it loses only an unanswered request
/// (the caller retries, with its Idempotency-Key if it sent one). A run that reaches any other node
/// (a provider, WhatsApp, a ledger write, a delay or an approval) is not decided here: it is created
/// queued and takes the durable path from its first step, as before.
///
/// Such runs never occupy a worker slot, so the per-business concurrency limit (which bounds the
/// runs the workers hold at once) does not apply to them.
enum InlineRuns {
    /// A run decided in memory: what one batch item writes.
    struct Decided: Sendable {
        let runID: UUID
        let businessID: UUID
        let workflowID: UUID
        let versionID: UUID
        let version: Int
        let status: RunStatus
        let payload: String
        let dedupeKey: String?
        let error: String?
        let response: WValue?
        /// The trigger's step first, then the chain's, in the order they were decided.
        let steps: [LocalSteps.Record]
        let now: Date
    }

    /// Runs the workflow's nodes in memory; nil when some node needs a job (or a read failed in a way
    /// a retry might fix), so the run must take the durable path.
    static func decide(_ w: Workflow, versionID: UUID, entry: BlueprintCache.Entry, payload: WValue, dedupeKey: String?,
                       app: Application, logger: Logger, now: Date) async -> Decided? {
        guard let trigger = entry.planner.triggerID else { return nil }
        let runID = UUID.timeOrdered()
        var chain = LocalSteps.Chain(entry: entry, reach: .reads, states: [trigger: .succeeded(port: "out")], existing: [trigger])
        do {
            try await chain.run(after: trigger, app: app, businessID: w.businessID, runID: runID, logger: logger, now: now) {
                try await LocalSteps.variables(trigger: payload, steps: [trigger: payload], businessID: w.businessID,
                                               withBusiness: entry.needsBusiness, on: app.db)
            }
        } catch {
            return nil
        }
        guard chain.blocked.isEmpty, chain.failure != nil || chain.isComplete else { return nil }
        let first = LocalSteps.Record(nodeID: trigger, status: .succeeded, port: "out", output: payload)
        return Decided(runID: runID, businessID: w.businessID, workflowID: w.id!, versionID: versionID, version: w.version,
                       status: chain.failure == nil ? .succeeded : .failed, payload: WorkflowJSON.text(payload), dedupeKey: dedupeKey,
                       error: chain.failure.map { String($0.prefix(2000)) }, response: chain.response, steps: [first] + chain.records,
                       now: now)
    }

    /// Writes a batch of decided runs: one statement for the runs, then the steps of those that were
    /// created. A run whose Idempotency-Key another run of its workflow already holds is not
    /// written (false in the result).
    static func write(_ runs: [Decided], on db: any Database) async throws -> [Bool] {
        guard !runs.isEmpty else { return [] }
        let sql = try db.sql
        var q = SQLQueryString("""
            INSERT INTO runs (id, business_id, workflow_id, version_id, version, status, trigger_service, trigger_payload, dedupe_key,
              error, response, created_at, started_at, finished_at, updated_at) VALUES
            """)
        for (i, r) in runs.enumerated() {
            q.appendInterpolation(unsafeRaw: i == 0 ? " (" : ", (")
            q.appendInterpolation(binds: [r.runID, r.businessID, r.workflowID, r.versionID, r.version, r.status.rawValue, "webhook", r.payload,
                                          r.dedupeKey, r.error, r.response.map(WorkflowJSON.text), r.now, r.now, r.now, r.now])
            q.appendInterpolation(unsafeRaw: ")")
        }
        q.appendInterpolation(unsafeRaw: " ON CONFLICT (workflow_id, dedupe_key) DO NOTHING RETURNING id")
        let created = Set(try await sql.raw(q).all().map { try $0.decode(column: "id", as: UUID.self) })
        let rows = runs.filter { created.contains($0.runID) }.flatMap { r in r.steps.map { (r, $0) } }
        // Bounded statements: SQLite allows 32,766 bound values in one, PostgreSQL 65,535.
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + 500)]
            start += chunk.count
            var s = SQLQueryString("""
                INSERT INTO run_steps (id, run_id, business_id, node_id, status, port, input, output, error, attempts, created_at,
                  started_at, finished_at, updated_at) VALUES
                """)
            for (i, (r, step)) in chunk.enumerated() {
                let ran = step.status != .skipped
                s.appendInterpolation(unsafeRaw: i == 0 ? " (" : ", (")
                s.appendInterpolation(binds: [UUID.timeOrdered(), r.runID, r.businessID, step.nodeID, step.status.rawValue, step.port,
                                              step.input.map(WorkflowJSON.text), step.output.map(WorkflowJSON.text), step.error, ran ? 1 : 0,
                                              r.now, ran ? r.now : nil, r.now, r.now])
                s.appendInterpolation(unsafeRaw: ")")
            }
            try await sql.raw(s).run()
        }
        return runs.map { created.contains($0.runID) }
    }

    /// The SSE events of a run decided here, as the engine publishes them step by step.
    static func publish(_ r: Decided, app: Application) {
        guard app.events.hasSubscribers(r.businessID) else { return }
        var adv = Advance(run: RunRef(id: r.runID, businessID: r.businessID, workflowID: r.workflowID, status: r.status))
        adv.steps = r.steps.map { ($0.nodeID, $0.status, $0.port, $0.error) }
        adv.finished = true
        adv.publishEvents(app)
    }
}

extension Application {
    private struct InlineRunIntakeKey: StorageKey { typealias Value = GroupCommit<InlineRuns.Decided, Bool> }

    /// Webhook runs decided in their requests, group-committed (`InlineRuns`). Set up in `configure`.
    var inlineRuns: GroupCommit<InlineRuns.Decided, Bool> {
        get {
            guard let intake = storage[InlineRunIntakeKey.self] else { fatalError("configure(_:) sets up the inline run intake") }
            return intake
        }
        set { storage[InlineRunIntakeKey.self] = newValue }
    }
}
