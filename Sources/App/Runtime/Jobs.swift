import Fluent
import Foundation
import NIOConcurrencyHelpers
import PostgresNIO
import SQLKit
import Vapor

/// The durable job queue (DESIGN §1 runtime, §6 outbox, §7 engine): one row per unit of work.
///
/// A worker claims due rows by setting a lease (`lease_owner`, `lease_until`); on PostgreSQL the
/// claim uses `FOR UPDATE SKIP LOCKED` so several processes never take the same row, on SQLite the
/// one-writer lock serializes claims. A lease that runs out (the process died) makes the row
/// claimable again, so a crash re-runs at most the jobs in flight. A finished job is deleted in
/// the same transaction as its effects when the handler commits them (`finish(on:)`), which makes
/// "commit the step and its successors' jobs" one atomic change.
final class JobRow: Model, @unchecked Sendable {
    static let schema = "jobs"

    @ID(key: .id) var id: UUID?
    @Field(key: "kind") var kind: String
    @OptionalField(key: "business_id") var businessID: UUID?
    @Field(key: "payload") var payload: String
    @Enum(key: "status") var status: JobStatus
    @Field(key: "run_at") var runAt: Date
    @Field(key: "attempts") var attempts: Int
    @Field(key: "max_attempts") var maxAttempts: Int
    @OptionalField(key: "lease_owner") var leaseOwner: String?
    @OptionalField(key: "lease_until") var leaseUntil: Date?
    @OptionalField(key: "last_error") var lastError: String?
    @OptionalField(key: "dedupe_key") var dedupeKey: String?
    @Enum(key: "lane") var lane: JobLane
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// Which worker loops run a job. `local` is the database and in-process work (inbound messages,
/// routing, the customer bot, ledger and local workflow steps); `provider` is every call to an
/// outside service (sending, channel checks, polls, provider workflow nodes), whose timeouts must
/// never hold up the local lane.
enum JobLane: String, Codable, Sendable, CaseIterable {
    case local, provider
}

/// Where a job stands. A finished job is deleted, so there is no "done".
enum JobStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting for `run_at` and a free worker.
    case queued
    /// Leased by a worker until `lease_until`.
    case running
    /// Its handler gave up (`JobFailure.permanent`, or attempts used up).
    case failed
    /// The worker stopped while running it `max_attempts` times.
    case dead

    /// What the Operations page lists: jobs that will not run again by themselves.
    static let givenUp: [JobStatus] = [.dead, .failed]
}

/// What a handler sees of its job.
struct ClaimedJob: Sendable {
    let id: UUID
    let kind: String
    let businessID: UUID?
    /// The stored payload; the handler reads it as its kind's `Payload` (`JobKinds`).
    let payloadText: String
    let attempts: Int
    let maxAttempts: Int
    let owner: String

    var isLastAttempt: Bool { attempts >= maxAttempts }
}

/// How a handler asks for its job to be retried or given up.
enum JobFailure: Error, CustomStringConvertible {
    /// Try again later (after the backoff, or at `after`) unless attempts are used up.
    case retry(String, after: TimeInterval? = nil)
    /// Do not retry: the job is marked failed.
    case permanent(String)

    var description: String {
        switch self {
        case .retry(let m, _), .permanent(let m): return m
        }
    }
}

/// The worker's view of the application for one job.
struct JobContext: Sendable {
    let app: Application
    let job: ClaimedJob
    var db: any Database { app.db }
    var store: Store { app.store }
    var now: Date { app.clock.now() }
    var logger: Logger
    /// Set when the handler deleted its job in its own transaction, so the worker does not.
    let finished = NIOLockedValueBox(false)

    /// Finishes the job inside the handler's transaction (see `JobQueue.finish`).
    func finish(on tx: any Database) async throws {
        try await JobQueue.finish(job, on: tx)
        finished.withLockedValue { $0 = true }
    }
}

/// A job that will not run again: its process stopped while running it `max_attempts` times.
struct DeadJob: Sendable {
    let id: UUID
    let kind: String
    let businessID: UUID?
    let payloadText: String
    let attempts: Int
    let reason: String
}

/// A job kind's code. Registered once at configure time.
struct JobHandler: Sendable {
    let kind: String
    /// Lease length: longer than the handler's own timeouts. A running job's lease is renewed
    /// while it runs (heartbeat), so only a dead worker's job is ever taken over.
    let lease: TimeInterval
    let run: @Sendable (JobContext) async throws -> Void
    /// Shows the failure where the owner looks (the inbox message, the run, the outbox row) when
    /// the job dies; runs in the transaction that marks it dead.
    let died: (@Sendable (DeadJob, Application, any Database) async throws -> DeadJobs.AfterCommit?)?

    init(kind: String, lease: TimeInterval,
         died: (@Sendable (DeadJob, Application, any Database) async throws -> DeadJobs.AfterCommit?)? = nil,
         run: @escaping @Sendable (JobContext) async throws -> Void) {
        self.kind = kind
        self.lease = lease
        self.run = run
        self.died = died
    }
}

final class JobQueue: Sendable {
    let owner: String
    private let handlers = NIOLockedValueBox<[String: JobHandler]>([:])
    /// Wakes this process's idle worker when a job is enqueued here (other processes poll, or
    /// hear Postgres NOTIFY once the scale-out issue lands).
    let wakeup = Wakeup()

    init() {
        owner = "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)/\(UUID().uuidString.prefix(8))"
    }

    func register(_ handler: JobHandler) {
        handlers.withLockedValue { $0[handler.kind] = handler }
    }

    func handler(_ kind: String) -> JobHandler? { handlers.withLockedValue { $0[kind] } }

    /// A job to add with `insertMany`.
    struct NewJob: Sendable {
        var kind: String
        var businessID: UUID?
        var payload: String
        var runAt: Date
        var maxAttempts: Int
        var dedupeKey: String?
        var lane: JobLane
    }

    /// Adds many jobs in one statement inside the caller's transaction (group commit of inbound
    /// webhooks). A job whose `dedupeKey` is already queued or running is skipped.
    static func insertMany(_ jobs: [NewJob], on db: any Database) async throws {
        guard !jobs.isEmpty else { return }
        var q = SQLQueryString("""
            INSERT INTO jobs (id, kind, business_id, payload, status, run_at, attempts, max_attempts, dedupe_key, lane, created_at, updated_at) VALUES
            """)
        for (i, j) in jobs.enumerated() {
            q.appendInterpolation(unsafeRaw: i == 0 ? " (" : ", (")
            q.appendInterpolation(binds: [UUID.timeOrdered(), j.kind, j.businessID, j.payload, "queued", j.runAt, 0, j.maxAttempts, j.dedupeKey,
                                          j.lane.rawValue, j.runAt, j.runAt])
            q.appendInterpolation(unsafeRaw: ")")
        }
        q.appendInterpolation(unsafeRaw: " ON CONFLICT (dedupe_key) DO NOTHING")
        try await db.sql.raw(q).run()
    }

    /// Claims up to `limit` due jobs of `lane` (all lanes when nil): queued and due, or running with
    /// an expired lease (its worker died; the reclaim counts as an attempt), each with its kind's
    /// lease, in one statement. First, in the same transaction, a job whose lease expired with
    /// no attempts left is retired as `dead` (issue 14 §2): a job that kills its process comes
    /// back at most `max_attempts` times, never forever.
    func claim(limit: Int, now: Date, app: Application, lane: JobLane? = nil) async throws -> [ClaimedJob] {
        let owner = owner
        let leases = handlers.withLockedValue { $0.values.map { ($0.kind, $0.lease) } }
        let (dead, afterCommit) = try await retireDead(now: now, app: app)
        if !dead.isEmpty { announceDead(dead, app: app) }
        for tell in afterCommit { tell() }
        let rows: [SQLRow] = try await app.store.write(app.db) { tx in
            let sql = try tx.sql
            let skipLocked = app.store.isSQLite ? "" : " FOR UPDATE SKIP LOCKED"
            let laneFilter = lane.map { SQLQueryString(" AND lane = \(bind: $0.rawValue)") } ?? SQLQueryString("")
            var leaseUntil = SQLQueryString("CASE kind")
            for (kind, lease) in leases {
                leaseUntil.appendInterpolation(unsafeRaw: " WHEN ")
                leaseUntil.appendInterpolation(bind: kind)
                leaseUntil.appendInterpolation(unsafeRaw: " THEN ")
                leaseUntil.appendInterpolation(bind: now.addingTimeInterval(lease))
            }
            leaseUntil.appendInterpolation(unsafeRaw: " ELSE ")
            leaseUntil.appendInterpolation(bind: now.addingTimeInterval(120))
            leaseUntil.appendInterpolation(unsafeRaw: " END")
            return try await sql.raw("""
                UPDATE jobs SET status = 'running', lease_owner = \(bind: owner), lease_until = \(leaseUntil),
                  attempts = attempts + 1, updated_at = \(bind: now)
                WHERE id IN (SELECT id FROM jobs WHERE ((status = 'queued' AND run_at <= \(bind: now))
                  OR (status = 'running' AND lease_until < \(bind: now) AND attempts < max_attempts))\(laneFilter)
                  ORDER BY run_at LIMIT \(bind: limit)\(unsafeRaw: skipLocked))
                RETURNING id, kind, business_id, payload, attempts, max_attempts
                """).all()
        }
        return try rows.map { row in
            let payloadText = try row.decode(column: "payload", as: String.self)
            return ClaimedJob(id: try row.decode(column: "id", as: UUID.self), kind: try row.decode(column: "kind", as: String.self),
                              businessID: try row.decode(column: "business_id", as: UUID?.self),
                              payloadText: payloadText,
                              attempts: try row.decode(column: "attempts", as: Int.self),
                              maxAttempts: try row.decode(column: "max_attempts", as: Int.self), owner: owner)
        }
    }

    /// Marks jobs dead whose lease ran out with no attempts left, and lets each kind show the
    /// failure on its subject, all in one transaction. Cheap when there are none: one indexed
    /// SELECT on (status, run_at) … the lease check needs no write.
    func retireDead(now: Date, app: Application) async throws -> ([DeadJob], [DeadJobs.AfterCommit]) {
        let candidates = try await app.db.sql.raw("""
            SELECT id FROM jobs WHERE status = 'running' AND lease_until < \(bind: now) AND attempts >= max_attempts LIMIT 50
            """).all()
        guard !candidates.isEmpty else { return ([], []) }
        let handlers = handlers.withLockedValue { $0 }
        return try await app.store.write(app.db) { tx in
            let skipLocked = app.store.isSQLite ? "" : " FOR UPDATE SKIP LOCKED"
            let rows = try await tx.sql.raw("""
                UPDATE jobs SET status = 'dead', lease_owner = NULL, lease_until = NULL, updated_at = \(bind: now),
                  last_error = 'the worker stopped while running it ' || CAST(attempts AS TEXT) || ' times'
                WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND lease_until < \(bind: now)
                  AND attempts >= max_attempts LIMIT 50\(unsafeRaw: skipLocked))
                RETURNING id, kind, business_id, payload, attempts
                """).all()
            var dead: [DeadJob] = [], tell: [DeadJobs.AfterCommit] = []
            for row in rows {
                let attempts = try row.decode(column: "attempts", as: Int.self)
                let payloadText = try row.decode(column: "payload", as: String.self)
                let job = DeadJob(id: try row.decode(column: "id", as: UUID.self), kind: try row.decode(column: "kind", as: String.self),
                                  businessID: try row.decode(column: "business_id", as: UUID?.self),
                                  payloadText: payloadText,
                                  attempts: attempts, reason: "the worker stopped while running it \(attempts) times")
                if let after = try await handlers[job.kind]?.died?(job, app, tx) { tell.append(after) }
                dead.append(job)
            }
            return (dead, tell)
        }
    }

    /// Logs each retired job (after the commit) and tells the owner's open pages.
    func announceDead(_ dead: [DeadJob], app: Application) {
        for job in dead {
            app.logger.error("job is dead: \(job.reason)", metadata: ["job": .string(job.kind), "job_id": .string(job.id.uuidString)])
            if let business = job.businessID {
                app.events.publish(business, BusinessEvent(type: "job.dead", id: job.id, at: app.clock.now(), data: ["kind": .string(job.kind)]))
            }
        }
    }

    /// Renews the lease of a job this worker is running, so a slow but live job is never taken
    /// over by another worker (issue 14 §5). Returns false when the lease is no longer ours.
    func renewLease(_ job: ClaimedJob, lease: TimeInterval, now: Date, app: Application) async throws -> Bool {
        try await app.store.write(app.db) { tx in
            let rows = try await tx.sql.update("jobs").set("lease_until", to: now.addingTimeInterval(lease))
                .where("id", .equal, job.id).where("lease_owner", .equal, job.owner).where("status", .equal, "running")
                .returning("id").all()
            return !rows.isEmpty
        }
    }


    struct LeaseLost: Error, CustomStringConvertible {
        var description: String { "the job's lease was taken over by another worker" }
    }

    /// Deletes the finished job in the caller's transaction. Throws `LeaseLost` when another worker
    /// has reclaimed it, which rolls the caller's transaction back: its effects are not committed
    /// twice.
    static func finish(_ job: ClaimedJob, on db: any Database) async throws {
        let rows = try await db.sql.delete(from: "jobs").where("id", .equal, job.id).where("lease_owner", .equal, job.owner)
            .returning("id").all()
        guard !rows.isEmpty else { throw LeaseLost() }
    }

    /// Records a failure: back to queued with a backoff, or failed when attempts are used up.
    func fail(_ job: ClaimedJob, error: String, retryAfter: TimeInterval?, permanent: Bool, now: Date, app: Application) async throws {
        let giveUp = permanent || job.attempts >= job.maxAttempts
        let delay = retryAfter ?? Self.backoff(attempt: job.attempts)
        try await app.store.write(app.db) { tx in
            try await tx.sql.update("jobs")
                .set("status", to: giveUp ? "failed" : "queued")
                .set("run_at", to: giveUp ? now : now.addingTimeInterval(delay))
                .set("lease_owner", to: SQLLiteral.null).set("lease_until", to: SQLLiteral.null)
                .set("last_error", to: String(error.prefix(1000)))
                .set("dedupe_key", to: giveUp ? SQLLiteral.null as any SQLExpression : SQLColumn("dedupe_key"))
                .set("updated_at", to: now)
                .where("id", .equal, job.id).where("lease_owner", .equal, job.owner).run()
        }
    }

    /// Puts a job back for later without spending an attempt (it could not start yet).
    func postpone(_ job: ClaimedJob, after: TimeInterval, now: Date, app: Application) async throws {
        try await app.store.write(app.db) { tx in
            try await tx.sql.update("jobs").set("status", to: "queued").set("run_at", to: now.addingTimeInterval(after))
                .set("lease_owner", to: SQLLiteral.null).set("lease_until", to: SQLLiteral.null)
                .set("attempts", to: SQLRaw("attempts - 1")).set("updated_at", to: now)
                .where("id", .equal, job.id).where("lease_owner", .equal, job.owner).run()
        }
    }

    /// Exponential backoff with jitter: 5 s, 10 s, 20 s … capped at 10 minutes, ±20%.
    static func backoff(attempt: Int, base: TimeInterval = 5, cap: TimeInterval = 600) -> TimeInterval {
        let raw = min(cap, base * pow(2, Double(max(0, attempt - 1))))
        return raw * Double.random(in: 0.8...1.2)
    }

    /// Hands the leases of jobs this process still holds back to the queue (graceful shutdown).
    func releaseLeases(app: Application, now: Date) async throws {
        try await app.store.write(app.db) { [owner] tx in
            try await tx.sql.update("jobs").set("status", to: "queued").set("lease_owner", to: SQLLiteral.null)
                .set("lease_until", to: SQLLiteral.null).set("attempts", to: SQLRaw("attempts - 1")).set("updated_at", to: now)
                .where("lease_owner", .equal, owner).where("status", .equal, "running").run()
        }
    }

    /// Runs one claimed job through its handler and records the outcome.
    func execute(_ job: ClaimedJob, app: Application) async {
        var logger = app.logger
        logger[metadataKey: "job"] = .string(job.kind)
        logger[metadataKey: "job_id"] = .string(job.id.uuidString)
        guard let handler = handler(job.kind) else {
            try? await fail(job, error: "no handler for job kind \(job.kind)", retryAfter: nil, permanent: true, now: app.clock.now(), app: app)
            return
        }
        // Heartbeat: renew the lease at a third of its length while the handler runs.
        let heartbeat = Task { [handler] in
            let interval = max(0.2, handler.lease / 3)
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
                if Task.isCancelled { return }
                do {
                    if try await !renewLease(job, lease: handler.lease, now: app.clock.now(), app: app) { return }
                } catch {
                    logger.warning("could not renew the job's lease: \(Self.describe(error))")
                }
            }
        }
        await runHandler(handler, job, app: app, logger: logger)
        // No lease write may outlive the job's execution.
        heartbeat.cancel()
        await heartbeat.value
    }

    private func runHandler(_ handler: JobHandler, _ job: ClaimedJob, app: Application, logger: Logger) async {
        do {
            let context = JobContext(app: app, job: job, logger: logger)
            try await handler.run(context)
            // Handlers that commit effects finish the job in that transaction themselves.
            if !context.finished.withLockedValue({ $0 }) {
                try await app.store.write(app.db) { tx in try await Self.finish(job, on: tx) }
            }
        } catch let e as LeaseLost {
            logger.warning("\(e.description); its result was discarded")
        } catch let e as JobPostpone {
            try? await postpone(job, after: e.after, now: app.clock.now(), app: app)
        } catch let e as JobFailure {
            if case .retry(_, let after) = e {
                try? await fail(job, error: e.description, retryAfter: after, permanent: false, now: app.clock.now(), app: app)
            } else {
                try? await fail(job, error: e.description, retryAfter: nil, permanent: true, now: app.clock.now(), app: app)
            }
            logger.notice("job failed: \(e.description)")
        } catch {
            let text = Self.describe(error)
            logger.warning("job error: \(text)")
            try? await fail(job, error: text, retryAfter: nil, permanent: false, now: app.clock.now(), app: app)
        }
    }

    /// An error for logs and `last_error`: PostgreSQL errors keep their SQLSTATE and the server's
    /// message (PSQLError's own description hides both; neither carries bound values).
    static func describe(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            let state = e.serverInfo?[.sqlState].map { " \($0)" } ?? ""
            let message = e.serverInfo?[.message].map { ": \($0)" } ?? ""
            return "PostgreSQL \(e.code)\(state)\(message)"
        }
        return String(describing: error)
    }

    /// Runs every due job in this task until none is left (tests and the `worker --once` mode use
    /// this; they move a pinned clock instead of sleeping).
    @discardableResult
    func drain(app: Application, maxJobs: Int = 10_000, lane: JobLane? = nil) async throws -> Int {
        var count = 0
        while count < maxJobs {
            let jobs = try await claim(limit: 1, now: app.clock.now(), app: app, lane: lane)
            guard let job = jobs.first else { break }
            await execute(job, app: app)
            count += 1
        }
        return count
    }
}

/// Wakes idle worker loops when a job is enqueued. A loop reads `generation` before it looks for
/// work and waits only if nothing was signalled since, so no wake-up is lost.
///
/// One notification wakes one idle loop; a loop that then finds a job passes the baton on
/// (`notifyLocal`) before running it, so a burst of jobs fans out over the loops while a single
/// job does not send every idle loop to the database for nothing. On PostgreSQL, `notify` also
/// tells the other processes (`ClusterLink`).
final class Wakeup: Sendable {
    private struct State {
        var generation = 0
        var waiters: [UUID: (lane: JobLane, continuation: CheckedContinuation<Void, Never>)] = [:]
    }
    private let state = NIOLockedValueBox(State())
    private let remote = NIOLockedValueBox<(@Sendable () -> Void)?>(nil)

    var generation: Int { state.withLockedValue { $0.generation } }

    /// Installs the cross-process announcement (`configure` does, on PostgreSQL).
    func setRemote(_ announce: (@Sendable () -> Void)?) { remote.withLockedValue { $0 = announce } }

    /// A job was enqueued here: wake a local loop and tell the other processes.
    func notify() {
        notifyLocal()
        remote.withLockedValue { $0 }?()
    }

    /// Wakes one idle loop of each lane of this process (the job's lane is not known here; a loop
    /// of the other lane finds nothing and waits again), or of `lane` only.
    func notifyLocal(lane: JobLane? = nil) {
        let woken = state.withLockedValue { s -> [CheckedContinuation<Void, Never>] in
            s.generation += 1
            var out: [CheckedContinuation<Void, Never>] = []
            for l in lane.map({ [$0] }) ?? JobLane.allCases {
                if let key = s.waiters.first(where: { $0.value.lane == l })?.key, let w = s.waiters.removeValue(forKey: key) {
                    out.append(w.continuation)
                }
            }
            return out
        }
        for w in woken { w.resume() }
    }

    /// Wakes every idle loop (shutdown).
    func notifyAll() {
        let waiters = state.withLockedValue { s -> [CheckedContinuation<Void, Never>] in
            s.generation += 1
            let w = s.waiters.values.map(\.continuation)
            s.waiters.removeAll()
            return w
        }
        for w in waiters { w.resume() }
    }

    /// Returns when notified after `generation`, or after `timeout`.
    func wait(since generation: Int, timeout: Duration, lane: JobLane = .local) async {
        let id = UUID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now = self.state.withLockedValue { s -> Bool in
                        if s.generation != generation { return true }
                        s.waiters[id] = (lane, c)
                        return false
                    }
                    if now { c.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.resume(id)
            }
            await group.next()
            group.cancelAll()
            self.resume(id)
        }
    }

    private func resume(_ id: UUID) {
        state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
    }
}

extension Application {
    private struct JobQueueKey: StorageKey { typealias Value = JobQueue }

    var jobs: JobQueue {
        if let q = storage[JobQueueKey.self] { return q }
        let q = JobQueue()
        storage[JobQueueKey.self] = q
        return q
    }

    private struct JobIntakeKey: StorageKey { typealias Value = GroupCommit<JobQueue.NewJob, Void> }

    /// Jobs enqueued by many concurrent requests, group-committed (`GroupCommit`): the inbound
    /// webhooks' path. Set up in `configure`.
    var jobIntake: GroupCommit<JobQueue.NewJob, Void> {
        get {
            guard let intake = storage[JobIntakeKey.self] else { fatalError("configure(_:) sets up the job intake") }
            return intake
        }
        set { storage[JobIntakeKey.self] = newValue }
    }
}

/// The embedded or standalone worker: per lane, `concurrency` loops that each claim one due job
/// of that lane at a time (issue 14 §4: a slow provider fills only the provider lane's loops).
/// Started by the lifecycle when the process runs jobs; on shutdown the loops stop claiming, finish
/// the job in hand (up to `drainTimeout`), and the leases of any still running are handed back.
final class Worker: LifecycleHandler, @unchecked Sendable {
    private let lock = NIOLock()
    private var task: Task<Void, Never>?
    private var stopping = false
    let concurrency: Int
    let providerConcurrency: Int
    let pollInterval: Duration
    let drainTimeout: Duration

    init(concurrency: Int, providerConcurrency: Int = 4, pollInterval: Duration, drainTimeout: Duration = .seconds(20)) {
        self.concurrency = concurrency
        self.providerConcurrency = providerConcurrency
        self.pollInterval = pollInterval
        self.drainTimeout = drainTimeout
    }

    // Vapor's testing boot calls the synchronous hook and `serve` the asynchronous one; both start
    // the loops once.
    func didBoot(_ app: Application) throws { start(app) }
    func didBootAsync(_ app: Application) async throws { start(app) }

    private func start(_ app: Application) {
        let n = concurrency, p = providerConcurrency
        let started = lock.withLock { () -> Bool in
            guard task == nil else { return false }
            task = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<n { group.addTask { await self.loop(app, lane: .local) } }
                    for _ in 0..<p { group.addTask { await self.loop(app, lane: .provider) } }
                }
            }
            return true
        }
        guard started else { return }
        app.logger.info("worker started", metadata: ["owner": .string(app.jobs.owner), "concurrency": .stringConvertible(n),
                                                     "provider_concurrency": .stringConvertible(p)])
    }

    var isStopping: Bool { lock.withLock { stopping } }

    private func loop(_ app: Application, lane: JobLane) async {
        let queue = app.jobs
        while !isStopping {
            let generation = queue.wakeup.generation
            var job: ClaimedJob? = nil
            do {
                job = try await queue.claim(limit: 1, now: app.clock.now(), app: app, lane: lane).first
            } catch {
                if !isStopping { app.logger.warning("could not claim jobs: \(String(describing: error))") }
            }
            if let job {
                // There may be more: let another idle loop of this lane look while this one works.
                queue.wakeup.notifyLocal(lane: lane)
                await queue.execute(job, app: app)
            } else {
                await queue.wakeup.wait(since: generation, timeout: pollInterval, lane: lane)
            }
        }
    }

    func shutdownAsync(_ app: Application) async {
        let t = lock.withLock { () -> Task<Void, Never>? in
            stopping = true
            return task
        }
        app.jobs.wakeup.notifyAll()
        if let t {
            // Jobs in hand get `drainTimeout` to finish; then they are cancelled and their
            // leases handed back so another worker picks them up at once.
            let timer = Task { [drainTimeout] in
                try? await Task.sleep(for: drainTimeout)
                if !Task.isCancelled { t.cancel() }
            }
            await t.value
            timer.cancel()
        }
        do {
            try await app.jobs.releaseLeases(app: app, now: app.clock.now())
        } catch {
            app.logger.warning("could not release job leases: \(String(describing: error))")
        }
        app.logger.info("worker stopped")
    }
}
