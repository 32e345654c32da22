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
    var output: JSONValue
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
    let params: JSONValue
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
    /// Calls a provider, in the provider lane, with the node's timeout and attempts.
    case external(NodeRun)
    /// Writes this database inside the transaction that commits its step.
    case transactional(NodeRunInTransaction)
    /// Carried out by the runtime itself, not by node code.
    case runtime(RuntimeNode)

    var runtimeNode: RuntimeNode? {
        if case .runtime(let r) = self { return r }
        return nil
    }

    enum RuntimeNode: Sendable, Equatable {
        /// Starts runs (`WorkflowTriggers`); its step is the trigger payload.
        case trigger
        /// Picks a port from its conditions (`LocalSteps`).
        case route
        /// Sleeps until a time, as a persisted wake-up (`WorkflowEngine.delay`).
        case wait
        /// Waits for a person's decision or its timeout (`Approvals`).
        case decision
    }
}

/// The durable runtime of DESIGN §7: runs and steps are rows advanced by jobs. Every step's result
/// is committed together with its successors' step rows and jobs, under a lock on the run row.
enum WorkflowEngine {
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

    // MARK: run.start

    static func start(_ payload: RunPayload, _ ctx: JobContext) async throws {
        try await RunTransitions.start(payload.runID, ctx: ctx)
    }

    // MARK: run.step

    static func step(_ payload: StepPayload, _ ctx: JobContext) async throws {
        let app = ctx.app
        let runID = payload.runID, nodeID = payload.nodeID
        guard let run = try await WorkflowRun.find(runID, on: ctx.db) else { return }
        guard let step = try await RunStep.query(on: ctx.db).filter(\.$runID == runID).filter(\.$nodeID == nodeID).first() else { return }
        if run.status.isFinished || [.succeeded, .failed, .skipped, .cancelled].contains(step.status) {
            if run.status == .cancelled && [.queued, .running, .waiting].contains(step.status) {
                try await RunTransitions.cancelLeftover(step, ctx: ctx)
            }
            return
        }
        let version = try await versionRow(run.versionID, on: ctx.db)
        let entry = try app.blueprints.entry(version, app: app)
        guard let node = entry.blueprint.node(nodeID), let spec = NodeCatalog.spec(for: node) else {
            throw JobFailure.permanent("node \(nodeID) is not in version \(version.version)")
        }
        let variables = try await variableContext(run, app: app, db: ctx.db)
        let isWake = payload.wake == true

        guard let binding = WorkflowNodes.binding(node) else {
            try await RunTransitions.fail(run, step, entry: entry, message: "\(spec.key) cannot run on this server", input: nil, ctx: ctx)
            return
        }
        if step.status == .waiting && binding.executor.runtimeNode != .wait {
            // A step held for a decision (an approval, or a drafted reply): only its timeout job acts.
            try await Approvals.step(run, step, node: node, entry: entry, variables: variables, isWake: isWake, ctx: ctx)
            return
        }
        switch binding.executor {
        case .runtime(.wait):
            try await delay(run, step, node: node, entry: entry, variables: variables, isWake: isWake, ctx: ctx)
            return
        case .runtime(.decision):
            try await Approvals.step(run, step, node: node, entry: entry, variables: variables, isWake: isWake, ctx: ctx)
            return
        default:
            break
        }
        if binding.reach != nil {
            try await runLocal(run, step, node: node, spec: spec, entry: entry, variables: variables, ctx: ctx)
            return
        }

        let params: JSONValue
        do {
            params = try Template.resolve(node.params, context: variables)
        } catch {
            try await RunTransitions.fail(run, step, entry: entry, message: String(describing: error), input: nil, ctx: ctx)
            return
        }
        let input = redact(params, spec: spec)
        let sctx = StepContext(app: app, businessID: run.businessID, runID: runID, node: node, spec: spec, params: params,
                               variables: variables, idempotencyKey: "\(runID.uuidString.lowercased())-\(nodeID)",
                               attempt: ctx.job.attempts, logger: ctx.logger, now: ctx.now)
        let nodeAttempts = spec.defaultAttempts
        do {
            switch binding.executor {
            case .runtime:
                try await RunTransitions.fail(run, step, entry: entry, message: "\(spec.key) is run by the engine, not as a step", input: input, ctx: ctx)
            case .transactional(let body):
                try await RunTransitions.succeed(run, step, entry: entry, port: nil, output: nil, input: input, ctx: ctx, body: { tx in
                    try await body(sctx, tx)
                })
            case .external(let body), .pure(let body), .read(let body):
                if spec.network { try await RunTransitions.markRunning(run, step, input: input, ctx: ctx) }
                let result = try await withTimeout(seconds: spec.defaultTimeoutSeconds, node: spec.key) { try await body(sctx) }
                if binding.capabilities.contains(.awaitsDecision), sctx.bool("require_approval", default: true) {
                    // Held for the owner: approve (optionally editing the text) continues on "out";
                    // reject or a 7-day silence ends this path.
                    try await Approvals.park(run, step, message: "Approve this reply: \(result.output["draft"]?.text ?? "")", channel: "inbox",
                                             timeout: 7 * 86_400, input: input, pending: result.output, ctx: ctx)
                    return
                }
                try await RunTransitions.succeed(run, step, entry: entry, port: result.port, output: result.output, input: input, ctx: ctx)
            }
        } catch {
            try await stepThrew(error, run, step, entry: entry, input: input, attempts: nodeAttempts, ctx: ctx)
        }
    }

    /// What a step's error means for its job: a retryable node failure is retried while the node
    /// has attempts left; a node's own failure or a service's refusal fails the step; anything else
    /// (the engine's machinery, the database) retries the job and fails the step only on its last
    /// attempt. A lost lease is passed on untouched.
    static func stepThrew(_ error: any Error, _ run: WorkflowRun, _ step: RunStep, entry: BlueprintCache.Entry, input: JSONValue?,
                          attempts nodeAttempts: Int, ctx: JobContext) async throws {
        let attempt = ctx.job.attempts
        switch error {
        case is JobQueue.LeaseLost, is JobPostpone:
            // A lost lease, or a provider at its share of the lane: the job is put back untouched.
            throw error
        case let e as NodeFailure:
            if case .retryable(let message, let after) = e, attempt < nodeAttempts {
                try await RunTransitions.noteRetry(step, message: message, ctx: ctx)
                throw JobFailure.retry(message, after: after)
            }
            try await RunTransitions.fail(run, step, entry: entry, message: e.description, input: input, ctx: ctx)
        case let e as APIError:
            // A service refused (no such customer, not enough stock): the input is wrong, retrying
            // will not help.
            try await RunTransitions.fail(run, step, entry: entry, message: e.message, input: input, ctx: ctx)
        default:
            guard ctx.job.isLastAttempt else { throw error }
            try await RunTransitions.fail(run, step, entry: entry, message: String(describing: error), input: input, ctx: ctx)
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
            try await RunTransitions.succeed(run, step, entry: entry, port: port, output: output, input: input, ctx: ctx)
        case .failed(let message, let input):
            try await RunTransitions.fail(run, step, entry: entry, message: message, input: input, ctx: ctx)
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
                try await RunTransitions.succeed(run, step, entry: entry, port: "out", output: ["waited_until": .string(ISODate.string(wake))],
                                  input: WorkflowJSON.value(step.input), ctx: ctx)
            } else {
                // Woken early (a retried job): go back to sleep until the time.
                try await RunTransitions.park(run, step, until: wake, input: WorkflowJSON.value(step.input), ctx: ctx)
            }
            return
        }
        let params: JSONValue
        do { params = try Template.resolve(node.params, context: variables) } catch {
            try await RunTransitions.fail(run, step, entry: entry, message: String(describing: error), input: nil, ctx: ctx)
            return
        }
        var wake: Date? = nil
        if let d = params["duration"], d != .null, !(d.stringValue ?? "x").isEmpty {
            guard let seconds = WDuration.seconds(d.text) else {
                try await RunTransitions.fail(run, step, entry: entry, message: "duration \(d.text) is not a duration like 90s, 10m or 2h", input: params, ctx: ctx)
                return
            }
            wake = ctx.now.addingTimeInterval(TimeInterval(seconds))
        } else if let u = params["until"]?.stringValue, !u.isEmpty {
            guard let date = ISODate.parse(u, timeZone: variables.timeZone) else {
                try await RunTransitions.fail(run, step, entry: entry, message: "until \(u) is not a date and time", input: params, ctx: ctx)
                return
            }
            wake = date
        }
        guard let wake, wake > ctx.now else {
            try await RunTransitions.succeed(run, step, entry: entry, port: "out", output: ["waited_until": .string(ISODate.string(ctx.now))],
                              input: params, ctx: ctx)
            return
        }
        try await RunTransitions.park(run, step, until: wake, input: params, ctx: ctx)
    }

    // MARK: helpers

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
    static func outputs(of steps: [RunStep]) -> [String: JSONValue] {
        var outputs: [String: JSONValue] = [:]
        for s in steps where s.status == .succeeded { outputs[s.nodeID] = WorkflowJSON.value(s.output) }
        return outputs
    }

    static let sensitiveKeys = ["authorization", "password", "secret", "token", "api_key", "apikey", "key_secret", "cookie"]

    /// A step's input as stored and shown: secret params and credential-looking keys redacted.
    static func redact(_ params: JSONValue, spec: NodeSpec) -> JSONValue {
        guard case .object(var o) = params else { return params }
        for ps in spec.params where ps.type == .secret && o[ps.name] != nil { o[ps.name] = .string(WorkflowSecrets.mask) }
        func scrub(_ v: JSONValue) -> JSONValue {
            switch v {
            case .object(let d):
                var out: [String: JSONValue] = [:]
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
