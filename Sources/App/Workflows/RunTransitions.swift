import Fluent
import Foundation
import SQLKit
import Vapor
import WorkflowCore

/// The one writer of workflow runs and their steps (DESIGN §7, issue 15 §4).
///
/// Every change to a `runs` or `run_steps` row, and every `run.step` job, is written here: a run
/// created by a trigger, decided in its webhook request, started, a step marked running, retried,
/// put to sleep, held for a decision, succeeded or failed, a run cancelled by a person or retried,
/// a run whose job kept killing the worker. Each transition locks the run row (PostgreSQL; SQLite
/// serializes writers), writes the step's outcome together with what it makes ready (local steps
/// decided at once, step rows and jobs for the rest) and settles the run's status, in one
/// transaction. What a node does, and which transition that calls for, is the engine's business
/// (`WorkflowEngine`, `Approvals`, `InlineRuns`); `RunTransitionTests` fails when any other file
/// writes these rows or queues a step.
enum RunTransitions {
    /// Extra job attempts beyond the node's own, for failures of the engine's own machinery (a
    /// database hiccup) rather than of the node.
    static let infraAttempts = 3

    // MARK: queueing steps

    /// Queues the `run.step` job of a step made ready. Nodes that call a service run in the provider
    /// lane, so their timeouts never hold up inbound messages and local steps (issue 14 §4).
    private static func queueStep(_ run: WorkflowRun, nodeID: String, spec: NodeSpec?, at: Date, on tx: any Database) async throws {
        let payload = StepPayload(runID: run.id!, nodeID: nodeID, lane: spec?.network == true ? JobLane.provider.rawValue : nil)
        try await JobQueue.enqueue(RunStepJob.self, payload, businessID: run.businessID, runAt: at,
                                   maxAttempts: (spec?.defaultAttempts ?? 1) + infraAttempts, on: tx)
    }

    /// Queues the wake-up of a step that waits: a delay's end or a decision's timeout.
    private static func queueWake(_ run: WorkflowRun, nodeID: String, at: Date, dedupeKey: String?, on tx: any Database) async throws {
        try await JobQueue.enqueue(RunStepJob.self, StepPayload(runID: run.id!, nodeID: nodeID, wake: true), businessID: run.businessID,
                                   runAt: at, maxAttempts: infraAttempts + 1, dedupeKey: dedupeKey, on: tx)
    }

    // MARK: creating runs

    /// Creates a queued run of the workflow's current version and its start job, in `tx`.
    /// With a `dedupeKey`, a second call for the same key returns the first run (`created` false).
    static func create(_ w: Workflow, trigger: String, payload: JSONValue, dedupeKey: String?, app: Application,
                       now: Date, on tx: any Database) async throws -> (id: UUID, created: Bool) {
        guard let (versionID, _) = try await app.blueprints.entry(workflowID: w.id!, version: w.version, app: app, on: tx) else {
            throw APIError.conflict("no_version", "This workflow has no saved version.")
        }
        let id = UUID.timeOrdered()
        let rows = try await tx.sql.raw("""
            INSERT INTO runs (id, business_id, workflow_id, version_id, version, status, trigger_service, trigger_payload,
              dedupe_key, created_at, updated_at)
            VALUES (\(bind: id), \(bind: w.businessID), \(bind: w.id!), \(bind: versionID), \(bind: w.version), 'queued',
              \(bind: trigger), \(bind: WorkflowJSON.text(payload)), \(bind: dedupeKey), \(bind: now), \(bind: now))
            ON CONFLICT (workflow_id, dedupe_key) DO NOTHING RETURNING id
            """).all()
        guard !rows.isEmpty else {
            guard let existing = try await WorkflowRun.query(on: tx).filter(\.$workflowID == w.id!).filter(\.$dedupeKey == dedupeKey).first() else {
                throw APIError.conflict("run_conflict", "A run with this key is being created; try again.")
            }
            return (existing.id!, false)
        }
        try await JobQueue.enqueue(RunStartJob.self, RunPayload(runID: id), businessID: w.businessID, runAt: now, maxAttempts: 10, on: tx)
        return (id, true)
    }

    /// Writes a batch of runs decided in their webhook requests (`InlineRuns`): one statement for
    /// the runs, then the steps of those that were created. A run whose Idempotency-Key another run
    /// of its workflow already holds is not written (false in the result).
    static func insertDecided(_ runs: [InlineRuns.Decided], on db: any Database) async throws -> [Bool] {
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

    // MARK: the job path

    /// `run.start`: a queued run starts (unless the business is at its concurrency limit, when the
    /// job is postponed): its trigger step succeeds with the payload and what follows is queued.
    static func start(_ runID: UUID, ctx: JobContext) async throws {
        let app = ctx.app
        let limit = app.munimConfig.workflowConcurrency
        let outcome: Advance? = try await ctx.store.write(ctx.db) { tx in
            guard let run = try await lockRun(runID, on: tx), run.status == .queued else {
                try await ctx.finish(on: tx)
                return nil
            }
            // The per-business limit: runs over it wait in `queued` (DESIGN §7).
            try await AccountsService.lockBusiness(run.businessID, on: tx)
            let running = try await WorkflowRun.query(on: tx).filter(\.$businessID == run.businessID)
                .filter(\.$status == .running).count()
            if running >= limit { throw JobPostpone(after: 0.5) }
            let version = try await WorkflowEngine.versionRow(run.versionID, on: tx)
            let entry = try app.blueprints.entry(version, app: app)
            guard let triggerID = entry.planner.triggerID else { throw JobFailure.permanent("the workflow has no trigger") }
            run.status = .running
            run.startedAt = ctx.now
            run.updatedAt = ctx.now
            try await run.update(on: tx)
            let step = newStep(run, node: triggerID, status: .succeeded, now: ctx.now)
            step.port = "out"
            step.output = run.triggerPayload
            step.startedAt = ctx.now
            step.finishedAt = ctx.now
            step.attempts = 1
            try await step.create(on: tx)
            let adv = try await advance(run, finished: step, entry: entry, app: app, now: ctx.now, on: tx)
            try await ctx.finish(on: tx)
            return adv
        }
        outcome?.publish(app)
    }

    /// A step's job found its run cancelled: the step is cancelled too.
    static func cancelLeftover(_ step: RunStep, ctx: JobContext) async throws {
        try await ctx.store.write(ctx.db) { tx in
            try await RunStep.query(on: tx).filter(\.$id == step.id!).set(\.$status, to: .cancelled)
                .set(\.$finishedAt, to: ctx.now).set(\.$updatedAt, to: ctx.now).update()
            try await ctx.finish(on: tx)
        }
    }

    /// A provider call is about to start: the builder's monitor shows it in flight.
    static func markRunning(_ run: WorkflowRun, _ step: RunStep, input: JSONValue, ctx: JobContext) async throws {
        try await ctx.store.write(ctx.db) { tx in
            try await RunStep.query(on: tx).filter(\.$id == step.id!).set(\.$status, to: .running)
                .set(\.$startedAt, to: ctx.now).set(\.$attempts, to: ctx.job.attempts).set(\.$input, to: WorkflowJSON.text(input))
                .set(\.$updatedAt, to: ctx.now).update()
        }
        WorkflowEngine.publishStep(ctx.app, run, nodeID: step.nodeID, status: .running, port: nil, error: nil)
    }

    /// An attempt failed in a way worth retrying: the step is queued again with the reason (its job
    /// is retried by the queue).
    static func noteRetry(_ step: RunStep, message: String, ctx: JobContext) async throws {
        try await ctx.store.write(ctx.db) { tx in
            try await RunStep.query(on: tx).filter(\.$id == step.id!).set(\.$status, to: .queued)
                .set(\.$error, to: "attempt \(ctx.job.attempts) failed: \(message)").set(\.$attempts, to: ctx.job.attempts)
                .set(\.$updatedAt, to: ctx.now).update()
        }
    }

    /// Parks a step until `until`: the step is `waiting` and a wake-up job is due then (a persisted
    /// wake-up, not a sleeping task). With a `dedupeKey` (a decision's timeout) the wake-up can be
    /// withdrawn when the decision comes first. With `pending`, that is the step's output so far
    /// (a drafted reply). False when the run was already over.
    @discardableResult
    static func park(_ run: WorkflowRun, _ step: RunStep, until: Date, input: JSONValue, pending: JSONValue? = nil, dedupeKey: String? = nil,
                     ctx: JobContext) async throws -> Bool {
        let app = ctx.app
        let adv = try await onOpenRun(run, ctx: ctx) { tx, locked in
            step.status = .waiting
            step.wakeAt = until
            step.input = WorkflowJSON.text(input)
            if let pending { step.output = WorkflowJSON.text(pending) }
            step.startedAt = step.startedAt ?? ctx.now
            step.attempts = ctx.job.attempts
            step.updatedAt = ctx.now
            try await step.update(on: tx)
            try await queueWake(run, nodeID: step.nodeID, at: until, dedupeKey: dedupeKey, on: tx)
            return try await refreshRunStatus(locked, now: ctx.now, on: tx)
        }
        guard let adv else { return false }
        WorkflowEngine.publishStep(app, run, nodeID: step.nodeID, status: .waiting, port: nil, error: nil)
        adv.publish(app)
        return true
    }

    /// Commits a step's success (running `body` in the same transaction when given) and queues what
    /// follows.
    static func succeed(_ run: WorkflowRun, _ step: RunStep, entry: BlueprintCache.Entry, port: String?, output: JSONValue?,
                        input: JSONValue?, ctx: JobContext,
                        body: (@Sendable (any Database) async throws -> NodeResult)? = nil) async throws {
        let app = ctx.app
        let responds = WorkflowNodes.capabilities(entry.blueprint.node(step.nodeID)).contains(.responds)
        let adv = try await onOpenRun(run, ctx: ctx) { tx, locked in
            var result = NodeResult(port: port ?? "out", output: output ?? [:])
            if let body { result = try await body(tx) }
            step.status = .succeeded
            step.port = result.port
            step.output = WorkflowJSON.text(result.output)
            if let input { step.input = WorkflowJSON.text(input) }
            step.error = nil
            step.attempts = ctx.job.attempts
            step.startedAt = step.startedAt ?? ctx.now
            step.finishedAt = ctx.now
            step.updatedAt = ctx.now
            try await step.update(on: tx)
            if responds { locked.response = step.output }
            return try await advance(locked, finished: step, entry: entry, app: app, now: ctx.now, on: tx)
        }
        if let adv {
            adv.publish(app)
            if responds { app.runWaiters.signal(run.id!) }
        }
    }

    /// A step failed for good: follow its "error" connection when it has one, else fail the run.
    static func fail(_ run: WorkflowRun, _ step: RunStep, entry: BlueprintCache.Entry, message: String, input: JSONValue?,
                     ctx: JobContext) async throws {
        if entry.planner.hasConnection(from: step.nodeID, port: "error") {
            try await succeed(run, step, entry: entry, port: "error", output: ["error": .string(message)], input: input, ctx: ctx)
            return
        }
        let app = ctx.app
        let adv = try await onOpenRun(run, ctx: ctx) { tx, locked in
            step.status = .failed
            step.error = String(message.prefix(2000))
            if let input { step.input = WorkflowJSON.text(input) }
            step.attempts = ctx.job.attempts
            step.startedAt = step.startedAt ?? ctx.now
            step.finishedAt = ctx.now
            step.updatedAt = ctx.now
            try await step.update(on: tx)
            return try await finishRun(locked, status: .failed, error: "\(step.nodeID): \(message)", now: ctx.now, on: tx)
        }
        adv?.publish(app)
        app.runWaiters.signal(run.id!)
    }

    /// A job of this run kept stopping the worker (`DeadJobs`): its step (when it was a step's) and
    /// the run fail with the reason, shown on the run page.
    static func died(runID: UUID, nodeID: String?, reason: String, attempts: Int, now: Date, on tx: any Database) async throws -> Advance? {
        guard let run = try await lockRun(runID, on: tx), !run.status.isFinished else { return nil }
        var place = "run"
        if let node = nodeID {
            place = node
            try await RunStep.query(on: tx).filter(\.$runID == runID).filter(\.$nodeID == node)
                .set(\.$status, to: .failed).set(\.$error, to: "The worker stopped while running this step \(attempts) times.")
                .set(\.$finishedAt, to: now).set(\.$updatedAt, to: now).update()
        }
        return try await finishRun(run, status: .failed, error: "\(place): \(reason)", now: now, on: tx)
    }

    /// Runs `body` on the run locked in one transaction that also finishes the job; nil (and the job
    /// finished) when the run is already over.
    private static func onOpenRun(_ run: WorkflowRun, ctx: JobContext,
                                  _ body: @escaping @Sendable (any Database, WorkflowRun) async throws -> Advance) async throws -> Advance? {
        try await ctx.store.write(ctx.db) { tx in
            guard let locked = try await lockRun(run.id!, on: tx), !locked.status.isFinished else {
                try await ctx.finish(on: tx)
                return nil
            }
            let adv = try await body(tx, locked)
            try await ctx.finish(on: tx)
            return adv
        }
    }

    // MARK: people's decisions

    /// Cancels an unfinished run of the business (`POST /runs/{id}/cancel`).
    static func cancel(_ runID: UUID, businessID: UUID, app: Application, now: Date) async throws {
        let adv: Advance = try await app.store.write(app.db) { tx in
            guard let run = try await lockRun(runID, on: tx), run.businessID == businessID else { throw APIError.notFound("Run") }
            guard !run.status.isFinished else {
                throw APIError.conflict("run_finished", "This run has already \(run.status == .succeeded ? "succeeded" : run.status.rawValue).")
            }
            return try await finishRun(run, status: .cancelled, error: "cancelled by a person", now: now, on: tx)
        }
        adv.publish(app)
    }

    /// Cancels every unfinished run of a workflow being deleted, in the deleting transaction; the
    /// caller publishes the result after commit.
    static func cancelRuns(ofWorkflow workflowID: UUID, reason: String, now: Date, on tx: any Database) async throws -> [Advance] {
        var ended: [Advance] = []
        let open = try await WorkflowRun.query(on: tx).filter(\.$workflowID == workflowID)
            .filter(\.$status ~~ [.queued, .running, .waiting]).all()
        for r in open {
            guard let locked = try await lockRun(r.id!, on: tx), !locked.status.isFinished else { continue }
            ended.append(try await finishRun(locked, status: .cancelled, error: reason, now: now, on: tx))
        }
        return ended
    }

    /// A failed run continues from its failed step (`POST /runs/{id}/retry`): that step and the
    /// steps cancelled with it are queued again; everything that succeeded keeps its result.
    static func retry(_ runID: UUID, businessID: UUID, app: Application, now: Date) async throws {
        let ref: RunRef = try await app.store.write(app.db) { tx in
            guard let run = try await lockRun(runID, on: tx), run.businessID == businessID else { throw APIError.notFound("Run") }
            guard run.status == .failed else {
                throw APIError.conflict("run_not_failed", "Only a failed run can be retried; this one is \(run.status.rawValue).")
            }
            let version = try await WorkflowEngine.versionRow(run.versionID, on: tx)
            let entry = try app.blueprints.entry(version, app: app)
            let again = try await RunStep.query(on: tx).filter(\.$runID == runID).filter(\.$status ~~ [.failed, .cancelled]).all()
            for s in again {
                s.status = .queued
                s.error = nil
                s.port = nil
                s.attempts = 0
                s.finishedAt = nil
                s.wakeAt = nil
                s.updatedAt = now
                try await s.update(on: tx)
                try await queueStep(run, nodeID: s.nodeID, spec: entry.blueprint.node(s.nodeID).flatMap { NodeCatalog.spec(for: $0) },
                                    at: now, on: tx)
            }
            run.status = .running
            run.error = nil
            run.finishedAt = nil
            run.updatedAt = now
            try await run.update(on: tx)
            return RunRef(run)
        }
        Advance(run: ref).publish(app)
    }

    /// Settles the run's step that waits for a decision (the given node, or the only one waiting):
    /// `outcome` gives the port and output from the node and what the step holds; its timeout job
    /// is withdrawn and what follows is queued.
    static func decide(_ runID: UUID, businessID: UUID, nodeID: String?, timeoutKey: @escaping @Sendable (String) -> String,
                       app: Application, now: Date,
                       outcome: @escaping @Sendable (Node, JSONValue) -> (port: String, output: JSONValue)) async throws {
        let adv: Advance = try await app.store.write(app.db) { tx in
            guard let run = try await lockRun(runID, on: tx), run.businessID == businessID else {
                throw APIError.notFound("Run")
            }
            let version = try await WorkflowEngine.versionRow(run.versionID, on: tx)
            let entry = try app.blueprints.entry(version, app: app)
            var waiting = try await RunStep.query(on: tx).filter(\.$runID == runID).filter(\.$status == .waiting).all()
                .filter { WorkflowNodes.capabilities(entry.blueprint.node($0.nodeID)).contains(.awaitsDecision) }
            if let nodeID { waiting = waiting.filter { $0.nodeID == nodeID } }
            guard !run.status.isFinished, let step = waiting.first else {
                throw APIError.conflict("no_pending_approval", "This run has no approval waiting for a decision.")
            }
            guard waiting.count == 1 else {
                throw APIError.validation("node_id", "several approvals are waiting; say which node (\(waiting.map(\.nodeID).joined(separator: ", ")))")
            }
            let (port, output) = outcome(entry.blueprint.node(step.nodeID)!, WorkflowJSON.value(step.output))
            step.status = .succeeded
            step.port = port
            step.output = WorkflowJSON.text(output)
            step.finishedAt = now
            step.updatedAt = now
            try await step.update(on: tx)
            try await JobQueue.withdraw(dedupeKey: timeoutKey(step.nodeID), on: tx)
            return try await advance(run, finished: step, entry: entry, app: app, now: now, on: tx)
        }
        adv.publish(app)
    }

    // MARK: settling a run

    /// Ends a run: other unfinished steps are cancelled (their jobs find the run over and stop).
    private static func finishRun(_ run: WorkflowRun, status: RunStatus, error: String?, now: Date,
                                  on tx: any Database) async throws -> Advance {
        run.status = status
        run.error = error.map { String($0.prefix(2000)) }
        run.finishedAt = now
        run.updatedAt = now
        try await run.update(on: tx)
        let open = try await RunStep.query(on: tx).filter(\.$runID == run.id!).filter(\.$status ~~ [.queued, .running, .waiting]).all()
        for s in open {
            s.status = .cancelled
            s.finishedAt = now
            s.updatedAt = now
            try await s.update(on: tx)
        }
        var adv = Advance(run: RunRef(run))
        adv.steps = open.map { ($0.nodeID, StepStatus.cancelled, nil, nil) }
        return adv
    }

    /// After `finished` got its outcome: runs the local nodes it leads to (`LocalSteps`: routers,
    /// data.set, respond) right here, records the skips, queues the other nodes made ready (a step
    /// row and a job each, in this transaction), and settles the run's status.
    private static func advance(_ run: WorkflowRun, finished: RunStep, entry: BlueprintCache.Entry, app: Application, now: Date,
                                on tx: any Database) async throws -> Advance {
        var adv = Advance(run: RunRef(run))
        adv.steps.append((finished.nodeID, finished.status, finished.port, finished.error))
        var steps = try await RunStep.query(on: tx).filter(\.$runID == run.id!).all()
        var states: [String: NodeOutcome] = [:]
        for s in steps {
            switch s.status {
            case .succeeded: states[s.nodeID] = .succeeded(port: s.port ?? "out")
            case .skipped: states[s.nodeID] = .skipped
            default: break
            }
        }
        var chain = LocalSteps.Chain(entry: entry, reach: .pure, states: states, existing: Set(steps.map(\.nodeID)))
        let known = steps
        try await chain.run(after: finished.nodeID, app: app, businessID: run.businessID, runID: run.id!, logger: app.logger, now: now) {
            try await LocalSteps.variables(trigger: WorkflowJSON.value(run.triggerPayload), steps: WorkflowEngine.outputs(of: known),
                                           businessID: run.businessID, withBusiness: entry.needsBusiness, on: tx)
        }
        for record in chain.records {
            let s = newStep(run, node: record.nodeID, status: record.status, now: now)
            s.port = record.port
            s.input = record.input.map(WorkflowJSON.text)
            s.output = record.output.map(WorkflowJSON.text)
            s.error = record.error
            s.attempts = record.status == .skipped ? 0 : 1
            s.startedAt = record.status == .skipped ? nil : now
            s.finishedAt = now
            try await s.create(on: tx)
            steps.append(s)
            adv.steps.append((record.nodeID, record.status, record.port, record.error))
        }
        if let response = chain.response {
            run.response = WorkflowJSON.text(response)
            adv.responded = true
        }
        if let failure = chain.failure {
            let done = try await finishRun(run, status: .failed, error: failure, now: now, on: tx)
            adv.run = done.run
            adv.steps += done.steps
            adv.finished = true
            return adv
        }
        for id in chain.blocked {
            let s = newStep(run, node: id, status: .queued, now: now)
            try await s.create(on: tx)
            steps.append(s)
            try await queueStep(run, nodeID: id, spec: entry.blueprint.node(id).flatMap { NodeCatalog.spec(for: $0) }, at: now, on: tx)
            adv.steps.append((id, .queued, nil, nil))
        }
        if entry.planner.isComplete(states: chain.states) {
            let done = try await finishRun(run, status: .succeeded, error: nil, now: now, on: tx)
            adv.run = done.run
            adv.finished = true
        } else {
            let status: RunStatus = steps.contains { $0.status == .queued || $0.status == .running } ? .running : .waiting
            // `hasChanges`: a respond node's output set on the run by this commit.
            if status != run.status || run.hasChanges {
                run.status = status
                run.updatedAt = now
                try await run.update(on: tx)
            }
            adv.run = RunRef(run)
        }
        return adv
    }

    /// The run's status from its open steps, after one of them went to sleep.
    private static func refreshRunStatus(_ run: WorkflowRun, now: Date, on tx: any Database) async throws -> Advance {
        let active = try await RunStep.query(on: tx).filter(\.$runID == run.id!).filter(\.$status ~~ [.queued, .running]).count()
        let status: RunStatus = active > 0 ? .running : .waiting
        if status != run.status {
            run.status = status
            run.updatedAt = now
            try await run.update(on: tx)
        }
        return Advance(run: RunRef(run))
    }

    private static func newStep(_ run: WorkflowRun, node: String, status: StepStatus, now: Date) -> RunStep {
        let s = RunStep()
        s.id = UUID.timeOrdered()
        s.runID = run.id!
        s.businessID = run.businessID
        s.nodeID = node
        s.status = status
        s.attempts = 0
        s.createdAt = now
        s.updatedAt = now
        return s
    }

    /// The run row, locked for the rest of the transaction on PostgreSQL (SQLite serializes writers),
    /// so two steps of one run finishing at once see each other's outcome: a join node is queued once.
    private static func lockRun(_ id: UUID, on tx: any Database) async throws -> WorkflowRun? {
        if let sql = tx as? any SQLDatabase, sql.dialect.name == "postgresql" {
            _ = try await sql.raw("SELECT id FROM runs WHERE id = \(bind: id) FOR UPDATE").all()
        }
        return try await WorkflowRun.find(id, on: tx)
    }
}
