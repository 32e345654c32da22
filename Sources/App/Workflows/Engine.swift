import AsyncHTTPClient
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor
import WorkflowCore

/// What a node produced: the port it leaves by and its output object.
struct NodeResult: Sendable {
    var port: String = "out"
    var output: WValue
}

/// How a node failed. Retryable failures are tried again with backoff while the node has attempts
/// left (network nodes: 3); permanent ones fail the step at once.
enum NodeFailure: Error, CustomStringConvertible {
    case retryable(String, after: TimeInterval? = nil)
    case permanent(String)

    var description: String {
        switch self {
        case .retryable(let m, _), .permanent(let m): return m
        }
    }
}

/// What a node implementation sees (DESIGN §7).
struct StepContext: Sendable {
    let app: Application
    let businessID: UUID
    let runID: UUID
    let node: Node
    let spec: NodeSpec
    /// Params with every `{{…}}` resolved.
    let params: WValue
    let variables: VariableContext
    /// Run id + node id: the same on every attempt of this step, passed to providers that accept one.
    let idempotencyKey: String
    let attempt: Int
    let logger: Logger
    let now: Date

    func string(_ name: String) -> String? {
        guard let v = params[name], v != .null else { return nil }
        let s = v.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? nil : s
    }

    func requireString(_ name: String) throws -> String {
        guard let s = string(name) else { throw NodeFailure.permanent("\(name) is empty") }
        return s
    }

    func int(_ name: String) throws -> Int64? {
        guard let v = params[name], v != .null, !(v.stringValue?.isEmpty ?? false) else { return nil }
        guard let i = v.intValue else { throw NodeFailure.permanent("\(name) must be a whole number, got \(v.text)") }
        return i
    }

    func number(_ name: String) throws -> Double? {
        guard let v = params[name], v != .null, !(v.stringValue?.isEmpty ?? false) else { return nil }
        guard let d = v.numberValue else { throw NodeFailure.permanent("\(name) must be a number, got \(v.text)") }
        return d
    }

    func bool(_ name: String, default d: Bool) -> Bool {
        params[name]?.boolValue ?? spec.param(name)?.defaultValue?.boolValue ?? d
    }
}

typealias NodeRun = @Sendable (StepContext) async throws -> NodeResult
/// Nodes that only write this database (the ledger) run inside the transaction that commits their
/// step, so their effect and the step's result are one atomic change: never applied twice.
typealias NodeRunInTransaction = @Sendable (StepContext, any Database) async throws -> NodeResult

enum NodeExecutor: Sendable {
    /// Computes its output from its params alone: no I/O, no side effect (`LocalSteps`).
    case pure(NodeRun)
    /// Only reads this database (the ledger look-ups): may run in a webhook request (`LocalSteps`).
    case read(NodeRun)
    case external(NodeRun)
    case transactional(NodeRunInTransaction)
}

/// The durable runtime of DESIGN §7: runs and steps are rows advanced by jobs. Every step's result
/// is committed together with its successors' step rows and jobs, under a lock on the run row.
enum WorkflowEngine {
    /// Extra job attempts beyond the node's own, for failures of the engine's own machinery (a
    /// database hiccup) rather than of the node.
    static let infraAttempts = 3

    /// A `run.step` job's payload. Nodes that call a service run in the provider lane, so their
    /// timeouts never hold up inbound messages and local steps (issue 14 §4).
    static func stepPayload(runID: UUID, nodeID: String, spec: NodeSpec?) -> StepPayload {
        StepPayload(runID: runID, nodeID: nodeID, lane: spec?.network == true ? JobLane.provider.rawValue : nil)
    }

    static func register(_ app: Application) {
        WorkflowTriggers.register(app)
        // Create the shared per-process state now, not lazily from concurrent tasks.
        _ = app.blueprints
        _ = app.runWaiters
        _ = app.providerTokens
        var config = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(60)))
        config.decompression = .enabled(limit: .ratio(20))
        let client = HTTPClient(eventLoopGroupProvider: .shared(app.eventLoopGroup), configuration: config)
        app.workflowHTTP = client
        app.lifecycle.use(HTTPClientShutdown(client: client))
    }

    // MARK: creating runs

    /// Creates a queued run of the workflow's current version and its start job, in `tx`.
    /// With a `dedupeKey`, a second call for the same key returns the first run (`created` false).
    static func createRun(_ w: Workflow, trigger: String, payload: WValue, dedupeKey: String?, app: Application,
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

    // MARK: run.start

    static func start(_ payload: RunPayload, _ ctx: JobContext) async throws {
        let runID = payload.runID
        let app = ctx.app
        let limit = app.munimConfig.workflowConcurrency
        let outcome: Advance? = try await ctx.store.write(ctx.db) { tx in
            guard let run = try await lockRun(runID, on: tx), run.status == .queued else {
                try await ctx.finish(on: tx)
                return nil
            }
            // The per-business limit: runs over it wait in `queued` (DESIGN §7).
            if !ctx.store.isSQLite {
                try await tx.sql.raw("SELECT id FROM businesses WHERE id = \(bind: run.businessID) FOR UPDATE").run()
            }
            let running = try await WorkflowRun.query(on: tx).filter(\.$businessID == run.businessID)
                .filter(\.$status == .running).count()
            if running >= limit { throw JobPostpone(after: 0.5) }
            let version = try await versionRow(run.versionID, on: tx)
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
        if let outcome { outcome.publish(app) }
    }

    // MARK: run.step

    static func step(_ payload: StepPayload, _ ctx: JobContext) async throws {
        let app = ctx.app
        let runID = payload.runID, nodeID = payload.nodeID
        guard let run = try await WorkflowRun.find(runID, on: ctx.db) else { return }
        guard let step = try await RunStep.query(on: ctx.db).filter(\.$runID == runID).filter(\.$nodeID == nodeID).first() else { return }
        if run.status.isFinished || [.succeeded, .failed, .skipped, .cancelled].contains(step.status) {
            if run.status == .cancelled && [.queued, .running, .waiting].contains(step.status) {
                try await ctx.store.write(ctx.db) { tx in
                    try await RunStep.query(on: tx).filter(\.$id == step.id!).set(\.$status, to: .cancelled)
                        .set(\.$finishedAt, to: ctx.now).set(\.$updatedAt, to: ctx.now).update()
                    try await ctx.finish(on: tx)
                }
            }
            return
        }
        let version = try await versionRow(run.versionID, on: ctx.db)
        let entry = try app.blueprints.entry(version, app: app)
        guard let node = entry.blueprint.node(nodeID), let spec = NodeCatalog.spec(for: node) else {
            throw JobFailure.permanent("node \(nodeID) is not in version \(version.version)")
        }
        let variables = try await variableContext(run, app: app, db: ctx.db)
        let attempt = ctx.job.attempts
        let isWake = payload.wake == true

        if step.status == .waiting && node.nodeKind != .delay {
            // A step held for a decision (an approval, or a drafted reply): only its timeout job acts.
            try await Approvals.step(run, step, node: node, entry: entry, variables: variables, isWake: isWake, ctx: ctx)
            return
        }

        switch node.nodeKind {
        case .delay?:
            try await delay(run, step, node: node, entry: entry, variables: variables, isWake: isWake, ctx: ctx)
            return
        case .approval?:
            try await Approvals.step(run, step, node: node, entry: entry, variables: variables, isWake: isWake, ctx: ctx)
            return
        default:
            break
        }
        if LocalSteps.reach(node) != nil {
            try await runLocal(run, step, node: node, spec: spec, entry: entry, variables: variables, ctx: ctx)
            return
        }

        let params: WValue
        do {
            params = try Template.resolve(node.params, context: variables)
        } catch {
            try await fail(run, step, entry: entry, message: String(describing: error), input: nil, ctx: ctx)
            return
        }
        let input = redact(params, spec: spec)
        guard let executor = WorkflowNodes.executor(service: node.service, task: node.task) else {
            try await fail(run, step, entry: entry, message: "\(spec.key) cannot run on this server", input: input, ctx: ctx)
            return
        }
        let sctx = StepContext(app: app, businessID: run.businessID, runID: runID, node: node, spec: spec, params: params,
                               variables: variables, idempotencyKey: "\(runID.uuidString.lowercased())-\(nodeID)",
                               attempt: attempt, logger: ctx.logger, now: ctx.now)
        let nodeAttempts = spec.defaultAttempts
        do {
            switch executor {
            case .transactional(let body):
                try await succeed(run, step, entry: entry, port: nil, output: nil, input: input, ctx: ctx, body: { tx in
                    try await body(sctx, tx)
                })
            case .external(let body), .pure(let body), .read(let body):
                if spec.network {
                    // Mark it running so the builder's monitor shows the call in flight.
                    try await ctx.store.write(ctx.db) { tx in
                        try await RunStep.query(on: tx).filter(\.$id == step.id!).set(\.$status, to: .running)
                            .set(\.$startedAt, to: ctx.now).set(\.$attempts, to: attempt).set(\.$input, to: WorkflowJSON.text(input))
                            .set(\.$updatedAt, to: ctx.now).update()
                    }
                    publishStep(app, run, nodeID: nodeID, status: .running, port: nil, error: nil)
                }
                let result = try await withTimeout(seconds: spec.defaultTimeoutSeconds, node: spec.key) { try await body(sctx) }
                if spec.key == "social/draft_reply", sctx.bool("require_approval", default: true) {
                    // Held for the owner: approve (optionally editing the text) continues on "out";
                    // reject or a 7-day silence ends this path.
                    try await Approvals.park(run, step, message: "Approve this reply: \(result.output["draft"]?.text ?? "")", channel: "inbox",
                                             timeout: 7 * 86_400, input: input, pending: result.output, ctx: ctx)
                    return
                }
                try await succeed(run, step, entry: entry, port: result.port, output: result.output, input: input, ctx: ctx)
            }
        } catch {
            try await stepThrew(error, run, step, entry: entry, input: input, attempts: nodeAttempts, ctx: ctx)
        }
    }

    /// What a step's error means for its job: a retryable node failure is retried while the node
    /// has attempts left; a node's own failure or a service's refusal fails the step; anything else
    /// (the engine's machinery, the database) retries the job and fails the step only on its last
    /// attempt. A lost lease is passed on untouched.
    static func stepThrew(_ error: any Error, _ run: WorkflowRun, _ step: RunStep, entry: BlueprintCache.Entry, input: WValue?,
                          attempts nodeAttempts: Int, ctx: JobContext) async throws {
        let attempt = ctx.job.attempts
        switch error {
        case is JobQueue.LeaseLost:
            throw error
        case let e as NodeFailure:
            if case .retryable(let message, let after) = e, attempt < nodeAttempts {
                try await noteRetry(step, message: message, attempt: attempt, ctx: ctx)
                throw JobFailure.retry(message, after: after)
            }
            try await fail(run, step, entry: entry, message: e.description, input: input, ctx: ctx)
        case let e as APIError:
            // A service refused (no such customer, not enough stock): the input is wrong, retrying
            // will not help.
            try await fail(run, step, entry: entry, message: e.message, input: input, ctx: ctx)
        default:
            guard ctx.job.isLastAttempt else { throw error }
            try await fail(run, step, entry: entry, message: String(describing: error), input: input, ctx: ctx)
        }
    }

    /// A router or a pure/read node run as a job of its own: one queued before the engine ran such
    /// nodes inline, a retried read, or a failed step retried by the owner.
    static func runLocal(_ run: WorkflowRun, _ step: RunStep, node: Node, spec: NodeSpec, entry: BlueprintCache.Entry,
                         variables: VariableContext, ctx: JobContext) async throws {
        let outcome: LocalSteps.Outcome
        do {
            outcome = try await LocalSteps.evaluate(node, variables: variables, app: ctx.app, businessID: run.businessID, runID: run.id!,
                                                    attempt: ctx.job.attempts, logger: ctx.logger, now: ctx.now)
        } catch {
            try await stepThrew(error, run, step, entry: entry, input: nil, attempts: spec.defaultAttempts, ctx: ctx)
            return
        }
        switch outcome {
        case .succeeded(let port, let output, let input):
            try await succeed(run, step, entry: entry, port: port, output: output, input: input, ctx: ctx)
        case .failed(let message, let input):
            try await fail(run, step, entry: entry, message: message, input: input, ctx: ctx)
        }
    }

    static func noteRetry(_ step: RunStep, message: String, attempt: Int, ctx: JobContext) async throws {
        try await ctx.store.write(ctx.db) { tx in
            try await RunStep.query(on: tx).filter(\.$id == step.id!).set(\.$status, to: .queued)
                .set(\.$error, to: "attempt \(attempt) failed: \(message)").set(\.$attempts, to: attempt)
                .set(\.$updatedAt, to: ctx.now).update()
        }
    }

    static func withTimeout<T: Sendable>(seconds: Int, node: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw NodeFailure.retryable("\(node) took longer than \(seconds) s")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    // MARK: delays

    static func delay(_ run: WorkflowRun, _ step: RunStep, node: Node, entry: BlueprintCache.Entry, variables: VariableContext,
                      isWake: Bool, ctx: JobContext) async throws {
        if let wake = step.wakeAt {
            if ctx.now >= wake {
                try await succeed(run, step, entry: entry, port: "out", output: ["waited_until": .string(ISODate.string(wake))],
                                  input: WorkflowJSON.value(step.input), ctx: ctx)
            } else {
                // Woken early (a retried job): go back to sleep until the time.
                try await sleep(run, step, until: wake, input: WorkflowJSON.value(step.input), ctx: ctx)
            }
            return
        }
        let params: WValue
        do { params = try Template.resolve(node.params, context: variables) } catch {
            try await fail(run, step, entry: entry, message: String(describing: error), input: nil, ctx: ctx)
            return
        }
        var wake: Date? = nil
        if let d = params["duration"], d != .null, !(d.stringValue ?? "x").isEmpty {
            guard let seconds = WDuration.seconds(d.text) else {
                try await fail(run, step, entry: entry, message: "duration \(d.text) is not a duration like 90s, 10m or 2h", input: params, ctx: ctx)
                return
            }
            wake = ctx.now.addingTimeInterval(TimeInterval(seconds))
        } else if let u = params["until"]?.stringValue, !u.isEmpty {
            guard let date = ISODate.parse(u, timeZone: variables.timeZone) else {
                try await fail(run, step, entry: entry, message: "until \(u) is not a date and time", input: params, ctx: ctx)
                return
            }
            wake = date
        }
        guard let wake, wake > ctx.now else {
            try await succeed(run, step, entry: entry, port: "out", output: ["waited_until": .string(ISODate.string(ctx.now))],
                              input: params, ctx: ctx)
            return
        }
        try await sleep(run, step, until: wake, input: params, ctx: ctx)
    }

    /// Parks a step until `until`: the step is `waiting` and a wake-up job is due then (a persisted
    /// wake-up, not a sleeping task).
    static func sleep(_ run: WorkflowRun, _ step: RunStep, until: Date, input: WValue, ctx: JobContext) async throws {
        let app = ctx.app
        let adv: Advance? = try await ctx.store.write(ctx.db) { tx in
            guard let locked = try await lockRun(run.id!, on: tx), !locked.status.isFinished else {
                try await ctx.finish(on: tx)
                return nil
            }
            step.status = .waiting
            step.wakeAt = until
            step.input = WorkflowJSON.text(input)
            step.startedAt = step.startedAt ?? ctx.now
            step.attempts = ctx.job.attempts
            step.updatedAt = ctx.now
            try await step.update(on: tx)
            try await JobQueue.enqueue(RunStepJob.self, StepPayload(runID: run.id!, nodeID: step.nodeID, wake: true), businessID: run.businessID,
                                       runAt: until, maxAttempts: infraAttempts + 1, on: tx)
            let adv = try await refreshRunStatus(locked, app: app, now: ctx.now, on: tx)
            try await ctx.finish(on: tx)
            return adv
        }
        if let adv {
            publishStep(app, run, nodeID: step.nodeID, status: .waiting, port: nil, error: nil)
            adv.publish(app)
        }
    }

    // MARK: committing outcomes

    /// Commits a step's success (running `body` in the same transaction when given) and queues what
    /// follows.
    static func succeed(_ run: WorkflowRun, _ step: RunStep, entry: BlueprintCache.Entry, port: String?, output: WValue?,
                        input: WValue?, ctx: JobContext,
                        body: (@Sendable (any Database) async throws -> NodeResult)? = nil) async throws {
        let app = ctx.app
        let adv: Advance? = try await ctx.store.write(ctx.db) { tx in
            guard let locked = try await lockRun(run.id!, on: tx), !locked.status.isFinished else {
                try await ctx.finish(on: tx)
                return nil
            }
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
            if let node = entry.blueprint.node(step.nodeID), node.service == "respond" {
                locked.response = step.output
            }
            let adv = try await advance(locked, finished: step, entry: entry, app: app, now: ctx.now, on: tx)
            try await ctx.finish(on: tx)
            return adv
        }
        if let adv {
            adv.publish(app)
            if step.status == .succeeded, entry.blueprint.node(step.nodeID)?.service == "respond" {
                app.runWaiters.signal(run.id!)
            }
        }
    }

    /// A step failed for good: follow its "error" connection when it has one, else fail the run.
    static func fail(_ run: WorkflowRun, _ step: RunStep, entry: BlueprintCache.Entry, message: String, input: WValue?,
                     ctx: JobContext) async throws {
        if entry.planner.hasConnection(from: step.nodeID, port: "error") {
            try await succeed(run, step, entry: entry, port: "error", output: ["error": .string(message)], input: input, ctx: ctx)
            return
        }
        let app = ctx.app
        let adv: Advance? = try await ctx.store.write(ctx.db) { tx in
            guard let locked = try await lockRun(run.id!, on: tx), !locked.status.isFinished else {
                try await ctx.finish(on: tx)
                return nil
            }
            step.status = .failed
            step.error = String(message.prefix(2000))
            if let input { step.input = WorkflowJSON.text(input) }
            step.attempts = ctx.job.attempts
            step.startedAt = step.startedAt ?? ctx.now
            step.finishedAt = ctx.now
            step.updatedAt = ctx.now
            try await step.update(on: tx)
            let adv = try await finishRun(locked, status: .failed, error: "\(step.nodeID): \(message)", app: app, now: ctx.now, on: tx)
            try await ctx.finish(on: tx)
            return adv
        }
        adv?.publish(app)
        app.runWaiters.signal(run.id!)
    }

    /// Ends a run: other unfinished steps are cancelled (their jobs find the run over and stop).
    static func finishRun(_ run: WorkflowRun, status: RunStatus, error: String?, app: Application, now: Date,
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
    static func advance(_ run: WorkflowRun, finished: RunStep, entry: BlueprintCache.Entry, app: Application, now: Date,
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
            try await LocalSteps.variables(trigger: WorkflowJSON.value(run.triggerPayload), steps: outputs(of: known), businessID: run.businessID,
                                           withBusiness: entry.needsBusiness, on: tx)
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
            let done = try await finishRun(run, status: .failed, error: failure, app: app, now: now, on: tx)
            adv.run = done.run
            adv.steps += done.steps
            adv.finished = true
            return adv
        }
        for id in chain.blocked {
            let s = newStep(run, node: id, status: .queued, now: now)
            try await s.create(on: tx)
            steps.append(s)
            let spec = entry.blueprint.node(id).flatMap { NodeCatalog.spec(for: $0) }
            try await JobQueue.enqueue(RunStepJob.self, stepPayload(runID: run.id!, nodeID: id, spec: spec), businessID: run.businessID,
                                       runAt: now, maxAttempts: (spec?.defaultAttempts ?? 1) + infraAttempts, on: tx)
            adv.steps.append((id, .queued, nil, nil))
        }
        if entry.planner.isComplete(states: chain.states) {
            let done = try await finishRun(run, status: .succeeded, error: nil, app: app, now: now, on: tx)
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
    static func refreshRunStatus(_ run: WorkflowRun, app: Application, now: Date, on tx: any Database) async throws -> Advance {
        let active = try await RunStep.query(on: tx).filter(\.$runID == run.id!).filter(\.$status ~~ [.queued, .running]).count()
        let status: RunStatus = active > 0 ? .running : .waiting
        if status != run.status {
            run.status = status
            run.updatedAt = now
            try await run.update(on: tx)
        }
        return Advance(run: RunRef(run))
    }

    // MARK: helpers

    static func newStep(_ run: WorkflowRun, node: String, status: StepStatus, now: Date) -> RunStep {
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
    static func lockRun(_ id: UUID, on tx: any Database) async throws -> WorkflowRun? {
        if let sql = tx as? any SQLDatabase, sql.dialect.name == "postgresql" {
            _ = try await sql.raw("SELECT id FROM runs WHERE id = \(bind: id) FOR UPDATE").all()
        }
        return try await WorkflowRun.find(id, on: tx)
    }

    static func versionRow(_ id: UUID, on db: any Database) async throws -> WorkflowVersion {
        guard let v = try await WorkflowVersion.find(id, on: db) else { throw JobFailure.permanent("workflow version gone") }
        return v
    }

    /// `{{trigger.…}}`, `{{steps.<id>.…}}` and `{{business.…}}` for a run.
    static func variableContext(_ run: WorkflowRun, app: Application, db: any Database) async throws -> VariableContext {
        let steps = try await RunStep.query(on: db).filter(\.$runID == run.id!).filter(\.$status == .succeeded)
            .field(\.$nodeID).field(\.$output).field(\.$status).all()
        return try await LocalSteps.variables(trigger: WorkflowJSON.value(run.triggerPayload), steps: outputs(of: steps),
                                              businessID: run.businessID, withBusiness: true, on: db)
    }

    /// The outputs of a run's succeeded steps by node id.
    static func outputs(of steps: [RunStep]) -> [String: WValue] {
        var outputs: [String: WValue] = [:]
        for s in steps where s.status == .succeeded { outputs[s.nodeID] = WorkflowJSON.value(s.output) }
        return outputs
    }

    static let sensitiveKeys = ["authorization", "password", "secret", "token", "api_key", "apikey", "key_secret", "cookie"]

    /// A step's input as stored and shown: secret params and credential-looking keys redacted.
    static func redact(_ params: WValue, spec: NodeSpec) -> WValue {
        guard case .object(var o) = params else { return params }
        for ps in spec.params where ps.type == .secret && o[ps.name] != nil { o[ps.name] = .string(WorkflowSecrets.mask) }
        func scrub(_ v: WValue) -> WValue {
            switch v {
            case .object(let d):
                var out: [String: WValue] = [:]
                for (k, x) in d {
                    out[k] = sensitiveKeys.contains(where: { k.lowercased().contains($0) }) ? .string(WorkflowSecrets.mask) : scrub(x)
                }
                return .object(out)
            case .array(let a): return .array(a.map(scrub))
            default: return v
            }
        }
        if let h = o["headers"] { o["headers"] = scrub(h) }
        return .object(o)
    }

    // MARK: events

    static func publishStep(_ app: Application, _ run: WorkflowRun, nodeID: String, status: StepStatus, port: String?, error: String?) {
        guard app.events.hasSubscribers(run.businessID) else { return }
        app.events.publish(run.businessID, stepEvent(runID: run.id!, workflowID: run.workflowID, nodeID: nodeID, status: status,
                                                     port: port, error: error, at: app.clock.now()))
    }

    /// The `run.step` event of docs/workflows-api.md.
    static func stepEvent(runID: UUID, workflowID: UUID, nodeID: String, status: StepStatus, port: String?, error: String?,
                          at: Date) -> BusinessEvent {
        BusinessEvent(type: "run.step", id: runID, at: at, data: [
            "run_id": .string(runID.uuidString), "workflow_id": .string(workflowID.uuidString), "node_id": .string(nodeID),
            "status": .string(status.rawValue), "port": port.map(JSONValue.string) ?? .null, "error": error.map(JSONValue.string) ?? .null,
        ])
    }
}

/// Shuts the http node's client down with the application.
struct HTTPClientShutdown: LifecycleHandler {
    let client: HTTPClient
    func shutdownAsync(_ app: Application) async {
        try? await client.shutdown()
    }
}

/// A run's identity and status after a commit, for events.
struct RunRef: Sendable {
    let id: UUID
    let businessID: UUID
    let workflowID: UUID
    let status: RunStatus

    init(_ r: WorkflowRun) {
        self.init(id: r.id!, businessID: r.businessID, workflowID: r.workflowID, status: r.status)
    }

    init(id: UUID, businessID: UUID, workflowID: UUID, status: RunStatus) {
        self.id = id
        self.businessID = businessID
        self.workflowID = workflowID
        self.status = status
    }
}

/// What a commit changed, published after the transaction: SSE events and the worker wake-up.
struct Advance: Sendable {
    var run: RunRef
    var steps: [(String, StepStatus, String?, String?)] = []
    var finished = false
    /// A `respond` node ran in this commit: a webhook call may be waiting for it.
    var responded = false

    func publish(_ app: Application) {
        if run.status.isFinished || responded { app.runWaiters.signal(run.id) }
        publishEvents(app)
    }

    /// The `run.step` and `run.updated` events alone (a run decided in its webhook request has no
    /// job to wake and nobody waiting for it).
    func publishEvents(_ app: Application) {
        guard app.events.hasSubscribers(run.businessID) else { return }
        let now = app.clock.now()
        for (node, status, port, error) in steps {
            app.events.publish(run.businessID, WorkflowEngine.stepEvent(runID: run.id, workflowID: run.workflowID, nodeID: node,
                                                                        status: status, port: port, error: error, at: now))
        }
        app.events.publish(run.businessID, BusinessEvent(type: "run.updated", id: run.id, at: now, data: [
            "id": .string(run.id.uuidString), "workflow_id": .string(run.workflowID.uuidString), "status": .string(run.status.rawValue),
        ]))
    }
}

/// Webhook callers waiting for a run's `respond` node, in this process. Other processes' workers
/// are noticed by polling (see `WorkflowTriggers.awaitResponse`).
final class RunWaiters: Sendable {
    private struct State {
        var waiting: [UUID: [UUID: CheckedContinuation<Void, Never>]] = [:]
        /// Tokens whose timer fired before their continuation was registered.
        var fired: Set<UUID> = []
    }
    private let state = NIOLockedValueBox(State())
    private let remote = NIOLockedValueBox<(@Sendable (UUID) -> Void)?>(nil)

    /// Installs the cross-process signal (`configure` does, on PostgreSQL): a webhook call waiting
    /// in a `serve` process hears of a response a worker elsewhere produced.
    func setRemote(_ announce: (@Sendable (UUID) -> Void)?) { remote.withLockedValue { $0 = announce } }

    func signal(_ runID: UUID) {
        signalLocal(runID)
        remote.withLockedValue { $0 }?(runID)
    }

    func isWaiting(_ runID: UUID) -> Bool { state.withLockedValue { !($0.waiting[runID] ?? [:]).isEmpty } }

    func signalLocal(_ runID: UUID) {
        let list = state.withLockedValue { $0.waiting.removeValue(forKey: runID) } ?? [:]
        for c in list.values { c.resume() }
    }

    /// Returns when signalled or after `timeout`, whichever is first.
    func wait(_ runID: UUID, timeout: Duration) async {
        let token = UUID()
        let timer = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { self.expire(runID, token) }
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLockedValue { s -> Bool in
                if s.fired.remove(token) != nil { return true }
                s.waiting[runID, default: [:]][token] = c
                return false
            }
            if now { c.resume() }
        }
        timer.cancel()
        await timer.value
        state.withLockedValue { _ = $0.fired.remove(token) }
    }

    private func expire(_ runID: UUID, _ token: UUID) {
        let c = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
            guard let c = s.waiting[runID]?.removeValue(forKey: token) else {
                s.fired.insert(token)
                return nil
            }
            if s.waiting[runID]?.isEmpty == true { s.waiting[runID] = nil }
            return c
        }
        c?.resume()
    }
}

extension Application {
    private struct RunWaitersKey: StorageKey { typealias Value = RunWaiters }

    var runWaiters: RunWaiters {
        if let w = storage[RunWaitersKey.self] { return w }
        let w = RunWaiters()
        storage[RunWaitersKey.self] = w
        return w
    }
}

/// Thrown by a handler to run its job again later without spending an attempt (a run waiting for a
/// slot under the concurrency limit).
struct JobPostpone: Error {
    let after: TimeInterval
}
