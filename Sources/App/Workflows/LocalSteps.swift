import Fluent
import Foundation
import Vapor
import WorkflowCore

/// Steps that need no job of their own (DESIGN §7, issue 5 §4 and §9).
///
/// A router, `data.set` and `respond` compute their outcome from the run's variables alone: no I/O,
/// no side effect, microseconds of work. Giving each of them a job (a claim transaction and a
/// commit transaction) made them cost as much as a provider call. Instead they run where the step
/// before them commits, and their step rows are written in that same transaction:
///
/// - in `RunTransitions.advance`, inside the transaction that commits the previous step (only
///   pure nodes there: a database read would hold SQLite's one write lock);
/// - in the webhook trigger (`InlineRuns`), before anything is written, where nodes that only read
///   this database (the ledger look-ups) may run too. When every node of the run is of these kinds
///   the whole run is decided in the request and committed at once; otherwise the run takes the
///   durable path from the start and this work is thrown away (it had no effect).
///
/// Every step still gets its row with input, output, port, error and timings; a crash loses nothing
/// that was committed, because these steps commit together with what came before them.
enum LocalSteps {
    /// Where a node may run without a job: `pure` anywhere, `reads` only outside a transaction.
    enum Reach: Comparable { case pure, reads }

    static func reach(_ node: Node) -> Reach? { WorkflowNodes.binding(node)?.reach }

    /// What a local node did. A failure is the node's own (a router condition that cannot be
    /// evaluated, a missing variable, a customer that does not exist): retrying would not help.
    enum Outcome: Sendable {
        case succeeded(port: String, output: JSONValue, input: JSONValue?)
        case failed(message: String, input: JSONValue?)
    }

    /// Runs a router or a pure/read node now. Throws `NodeFailure.retryable` and database errors,
    /// which the caller retries (a job) or answers by taking the durable path (a webhook).
    static func evaluate(_ node: Node, variables: VariableContext, app: Application, businessID: UUID, runID: UUID,
                         attempt: Int, logger: Logger, now: Date) async throws -> Outcome {
        if node.nodeKind == .router {
            do {
                let port = try BranchRouter.choosePort(params: node.params, context: variables)
                return .succeeded(port: port, output: ["port": .string(port)], input: nil)
            } catch {
                return .failed(message: String(describing: error), input: nil)
            }
        }
        guard let spec = NodeCatalog.spec(for: node) else {
            return .failed(message: "\(node.service).\(node.task) is not a node this server knows", input: nil)
        }
        let params: JSONValue
        do {
            params = try Template.resolve(node.params, context: variables)
        } catch {
            return .failed(message: String(describing: error), input: nil)
        }
        let input = WorkflowEngine.redact(params, spec: spec)
        let body: NodeRun
        switch WorkflowNodes.binding(node)?.executor {
        case .pure(let b)?: body = b
        case .read(let b)?: body = b
        default: return .failed(message: "\(spec.key) cannot run on this server", input: input)
        }
        let sctx = StepContext(app: app, businessID: businessID, runID: runID, node: node, spec: spec, params: params,
                               variables: variables, idempotencyKey: "\(runID.uuidString.lowercased())-\(node.id)",
                               attempt: attempt, logger: logger, now: now)
        do {
            let result: NodeResult
            if case .pure? = reach(node) {
                result = try await body(sctx)
            } else {
                result = try await WorkflowEngine.withTimeout(seconds: spec.defaultTimeoutSeconds, node: spec.key) { try await body(sctx) }
            }
            return .succeeded(port: result.port, output: result.output, input: input)
        } catch let e as NodeFailure {
            if case .permanent(let message) = e { return .failed(message: message, input: input) }
            throw e
        } catch let e as APIError {
            // A service refused (no such customer): the input is wrong, retrying will not help.
            return .failed(message: e.message, input: input)
        }
    }

    /// A step decided by a `Chain`, to be written as a `run_steps` row.
    struct Record: Sendable {
        var nodeID: String
        var status: StepStatus
        var port: String?
        var input: JSONValue?
        var output: JSONValue?
        var error: String?
    }

    /// Runs local nodes from a finished step onward, in memory, following the planner (DESIGN §7:
    /// join rule, skips, error ports). Stops at nodes that need a job (`blocked`) and at a failure
    /// with no error connection (`failure`: the run fails).
    struct Chain {
        let entry: BlueprintCache.Entry
        /// How far it may go: `.pure` inside a transaction, `.reads` outside one.
        let reach: Reach
        var states: [String: NodeOutcome]
        /// Nodes that already have a step row (queued, waiting, running or done) in this run.
        var existing: Set<String>
        /// Loaded on the first local node that needs them (most commits run none).
        var variables: VariableContext?
        var records: [Record] = []
        var blocked: [String] = []
        var failure: String?
        /// The output of a `respond` node decided here.
        var response: JSONValue?

        init(entry: BlueprintCache.Entry, reach: Reach, states: [String: NodeOutcome], existing: Set<String>,
             variables: VariableContext? = nil) {
            self.entry = entry
            self.reach = reach
            self.states = states
            self.existing = existing
            self.variables = variables
        }

        /// True when every node has an outcome and nothing waits: the run is over.
        var isComplete: Bool { failure == nil && blocked.isEmpty && entry.planner.isComplete(states: states) }

        mutating func run(after finished: String, app: Application, businessID: UUID, runID: UUID, logger: Logger, now: Date,
                          loadVariables: () async throws -> VariableContext) async throws {
            var pending = [finished]
            while !pending.isEmpty, failure == nil {
                let f = pending.removeFirst()
                let (ready, skipped) = entry.planner.advance(states: states, finished: f)
                for id in skipped where states[id] == nil && !existing.contains(id) {
                    states[id] = .skipped
                    existing.insert(id)
                    records.append(Record(nodeID: id, status: .skipped))
                }
                for id in ready where !existing.contains(id) {
                    existing.insert(id)
                    guard let node = entry.blueprint.node(id), let r = LocalSteps.reach(node), r <= reach else {
                        blocked.append(id)
                        continue
                    }
                    if variables == nil { variables = try await loadVariables() }
                    let outcome = try await LocalSteps.evaluate(node, variables: variables!, app: app, businessID: businessID, runID: runID,
                                                                attempt: 1, logger: logger, now: now)
                    switch outcome {
                    case .succeeded(let port, let output, let input):
                        succeed(id, port: port, output: output, input: input, isRespond: WorkflowNodes.capabilities(node).contains(.responds))
                        pending.append(id)
                    case .failed(let message, let input):
                        if entry.planner.hasConnection(from: id, port: "error") {
                            // As the engine does for any failed step with an error connection.
                            succeed(id, port: "error", output: ["error": .string(message)], input: input, isRespond: false)
                            pending.append(id)
                        } else {
                            records.append(Record(nodeID: id, status: .failed, input: input, error: String(message.prefix(2000))))
                            failure = "\(id): \(message)"
                            return
                        }
                    }
                }
            }
        }

        private mutating func succeed(_ id: String, port: String, output: JSONValue, input: JSONValue?, isRespond: Bool) {
            states[id] = .succeeded(port: port)
            variables?.steps[id] = output
            records.append(Record(nodeID: id, status: .succeeded, port: port, input: input, output: output))
            if isRespond { response = output }
        }
    }

    /// A run's variables: `{{trigger.…}}`, `{{steps.<id>.…}}`, and `{{business.…}}` with the
    /// business's timezone — read only when `withBusiness` (`BlueprintCache.Entry.needsBusiness`),
    /// else empty and the default timezone.
    static func variables(trigger: JSONValue, steps: [String: JSONValue], businessID: UUID, withBusiness: Bool,
                          on db: any Database) async throws -> VariableContext {
        var context = VariableContext(trigger: trigger, steps: steps, timeZone: defaultTimeZone)
        guard withBusiness else { return context }
        let business = try await AccountsService(db: db).findBusiness(businessID)
        context.timeZone = business.flatMap { TimeZone(identifier: $0.timezone) } ?? defaultTimeZone
        var b: [String: JSONValue] = [:]
        if let business {
            b["name"] = .string(business.name)
            b["phone"] = business.whatsappNumber.map(JSONValue.string) ?? .null
            b["whatsapp_number"] = business.whatsappNumber.map(JSONValue.string) ?? .null
            b["address"] = business.address.map(JSONValue.string) ?? .null
            b["gstin"] = business.gstin.map(JSONValue.string) ?? .null
            b["upi_id"] = business.upiID.map(JSONValue.string) ?? .null
            b["timezone"] = .string(business.timezone)
            b["hours"] = business.hours.map(JSONValue.string) ?? .null
        }
        context.business = .object(b)
        return context
    }

    static let defaultTimeZone = TimeZone(identifier: "Asia/Kolkata")!
}
