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
        let response: JSONValue?
        /// The trigger's step first, then the chain's, in the order they were decided.
        let steps: [LocalSteps.Record]
        let now: Date
    }

    /// Runs the workflow's nodes in memory; nil when some node needs a job (or a read failed in a way
    /// a retry might fix), so the run must take the durable path.
    static func decide(_ w: Workflow, versionID: UUID, entry: BlueprintCache.Entry, payload: JSONValue, dedupeKey: String?,
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
