import Fluent
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Typed background jobs (issue 15 §3). A `JobKind` names its wire kind, its `Codable` payload,
/// its lane, lease and handler; `JobKinds.all` is the one table of them. Callers enqueue a typed
/// payload with `JobQueue.enqueue(_:_:…)` inside their transaction; workers are woken after that
/// transaction commits, by `Store.write`, so no caller wakes them by hand. The webhook intake's
/// group commit is the batched path of the same API (`JobQueue.enqueueBatched`).
///
/// Kind names and payload keys are what is stored in `jobs.kind` and `jobs.payload`; they never
/// change, so jobs queued by an older binary still run.
protocol JobKind: Sendable {
    associatedtype Payload: JobPayload
    /// The stored kind, e.g. `run.step`.
    static var name: String { get }
    /// Lease length; longer than the handler's own timeouts (the heartbeat renews it while it runs).
    static func lease(_ config: AppConfig) -> TimeInterval
    /// The worker loops that run it: `.provider` when it calls an outside service.
    static func lane(_ payload: Payload) -> JobLane
    static func run(_ payload: Payload, _ ctx: JobContext) async throws
    /// Shows the failure where the owner looks when the job dies (`DeadJobs`), in the transaction
    /// that retires it.
    static func died(_ payload: Payload, _ job: DeadJob, _ app: Application, _ tx: any Database) async throws -> DeadJobs.AfterCommit?
    /// What the job is for, in words, and that thing's id (the Operations page).
    static func subject(_ payload: Payload) -> (String, UUID?)
}

extension JobKind {
    static func lane(_ payload: Payload) -> JobLane { .local }
    static func died(_ payload: Payload, _ job: DeadJob, _ app: Application, _ tx: any Database) async throws -> DeadJobs.AfterCommit? { nil }
    static func subject(_ payload: Payload) -> (String, UUID?) { (name, nil) }
}

/// A job payload: `Codable`, written as JSON text. Dates are seconds since 1970.
protocol JobPayload: Codable, Sendable {
    /// The stored text; a kind on a hot path may write it by hand (it must decode with `JobCoders`).
    var jobText: String { get }
}

extension JobPayload {
    var jobText: String { String(decoding: (try? JobCoders.encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self) }
}

enum JobCoders {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        return d
    }()

    static func decode<P: JobPayload>(_ type: P.Type, _ text: String) throws -> P {
        do {
            return try decoder.decode(P.self, from: Data(text.utf8))
        } catch {
            throw JobFailure.permanent("the job's payload is unreadable: \(error)")
        }
    }
}

// MARK: payloads

/// `{"run_id": …}`
struct RunPayload: JobPayload {
    var runID: UUID
    enum CodingKeys: String, CodingKey { case runID = "run_id" }
}

/// `{"run_id", "node_id", "wake"?, "lane"?}`: one workflow step; `wake` when it is the timeout or
/// delay job of a waiting step; `lane` is `provider` for nodes that call a service.
struct StepPayload: JobPayload {
    var runID: UUID
    var nodeID: String
    var wake: Bool?
    var lane: String?
    enum CodingKeys: String, CodingKey { case runID = "run_id", nodeID = "node_id", wake, lane }
}

/// `{"workflow_id", "tick"?}`: a schedule tick (ISO time of the planned tick) or an overdue scan.
struct WorkflowPayload: JobPayload {
    var workflowID: UUID
    var tick: String?
    enum CodingKeys: String, CodingKey { case workflowID = "workflow_id", tick }
}

/// `{"event", "subject", "key", "at"}`: a ledger change some active workflow listens for.
struct LedgerEventPayload: JobPayload {
    var event: String
    var subject: UUID
    var key: String
    var at: String?
}

struct MessagePayload: JobPayload {
    var messageID: UUID
    enum CodingKeys: String, CodingKey { case messageID = "message_id" }
}

struct OutboxPayload: JobPayload {
    var outboxID: UUID
    enum CodingKeys: String, CodingKey { case outboxID = "outbox_id" }
}

struct ChannelPayload: JobPayload {
    var channelID: UUID
    enum CodingKeys: String, CodingKey { case channelID = "channel_id" }
}

struct NoPayload: JobPayload {}

// MARK: the kinds

enum RunStartJob: JobKind {
    static let name = "run.start"
    static func lease(_ config: AppConfig) -> TimeInterval { 30 }
    static func run(_ p: RunPayload, _ ctx: JobContext) async throws { try await WorkflowEngine.start(p, ctx) }
    static func died(_ p: RunPayload, _ job: DeadJob, _ app: Application, _ tx: any Database) async throws -> DeadJobs.AfterCommit? {
        try await DeadJobs.runDied(runID: p.runID, nodeID: nil, job, app, tx)
    }
    static func subject(_ p: RunPayload) -> (String, UUID?) { ("Workflow run start", p.runID) }
}

enum RunStepJob: JobKind {
    static let name = "run.step"
    static func lease(_ config: AppConfig) -> TimeInterval { TimeInterval(config.stepLeaseSeconds) }
    static func lane(_ p: StepPayload) -> JobLane { p.lane.flatMap(JobLane.init(rawValue:)) ?? .local }
    static func run(_ p: StepPayload, _ ctx: JobContext) async throws { try await WorkflowEngine.step(p, ctx) }
    static func died(_ p: StepPayload, _ job: DeadJob, _ app: Application, _ tx: any Database) async throws -> DeadJobs.AfterCommit? {
        try await DeadJobs.runDied(runID: p.runID, nodeID: p.nodeID, job, app, tx)
    }
    static func subject(_ p: StepPayload) -> (String, UUID?) { ("Workflow step \(p.nodeID)", p.runID) }
}

enum ScheduleTickJob: JobKind {
    static let name = "workflow.schedule"
    static func lease(_ config: AppConfig) -> TimeInterval { 60 }
    static func run(_ p: WorkflowPayload, _ ctx: JobContext) async throws { try await WorkflowTriggers.scheduleTick(p, ctx) }
    static func subject(_ p: WorkflowPayload) -> (String, UUID?) { ("Workflow schedule", p.workflowID) }
}

enum LedgerEventJob: JobKind {
    static let name = "workflow.event"
    static func lease(_ config: AppConfig) -> TimeInterval { 60 }
    static func run(_ p: LedgerEventPayload, _ ctx: JobContext) async throws { try await WorkflowTriggers.ledgerEvent(p, ctx) }
    static func subject(_ p: LedgerEventPayload) -> (String, UUID?) { ("Workflow trigger \(p.event)", p.subject) }
}

enum OverdueScanJob: JobKind {
    static let name = "workflow.overdue_scan"
    static func lease(_ config: AppConfig) -> TimeInterval { 120 }
    static func run(_ p: WorkflowPayload, _ ctx: JobContext) async throws { try await WorkflowTriggers.overdueScan(p, ctx) }
    static func subject(_ p: WorkflowPayload) -> (String, UUID?) { ("Overdue invoice scan", p.workflowID) }
}

enum InboundReceiveJob: JobKind {
    static let name = "inbound.receive"
    static func lease(_ config: AppConfig) -> TimeInterval { 60 }
    static func run(_ p: TwilioWebhooks.Delivery, _ ctx: JobContext) async throws { try await TwilioWebhooks.receive(p, ctx) }
    static func subject(_ p: TwilioWebhooks.Delivery) -> (String, UUID?) {
        ("Incoming WhatsApp message" + (p.from.isEmpty ? "" : " from \(p.from)"), p.channelID)
    }
}

enum InboundRouteJob: JobKind {
    static let name = "inbound.route"
    static func lease(_ config: AppConfig) -> TimeInterval { 120 }
    static func run(_ p: MessagePayload, _ ctx: JobContext) async throws { try await MessagingJobs.route(p, ctx) }
    static func died(_ p: MessagePayload, _ job: DeadJob, _ app: Application, _ tx: any Database) async throws -> DeadJobs.AfterCommit? {
        try await MessagingJobs.routeDied(messageID: p.messageID, job, app, tx)
    }
    static func subject(_ p: MessagePayload) -> (String, UUID?) { ("Incoming message", p.messageID) }
}

/// A voice note to transcribe before routing (issue 18 §1): a download and a speech-to-text call.
enum VoiceNoteJob: JobKind {
    static let name = "voice.transcribe"
    /// The download (at most the provider timeout, twice) and the transcription (three LLM timeouts, twice).
    static func lease(_ config: AppConfig) -> TimeInterval { TimeInterval(60 + 6 * config.llmTimeoutSeconds + 2 * (config.providerTimeoutSeconds ?? 20)) }
    static func lane(_ p: MessagePayload) -> JobLane { .provider }
    static func run(_ p: MessagePayload, _ ctx: JobContext) async throws { try await VoiceNotes.transcribe(p, ctx) }
    static func died(_ p: MessagePayload, _ job: DeadJob, _ app: Application, _ tx: any Database) async throws -> DeadJobs.AfterCommit? {
        try await VoiceNotes.died(messageID: p.messageID, job, app, tx)
    }
    static func subject(_ p: MessagePayload) -> (String, UUID?) { ("Voice note", p.messageID) }
}

enum OutboxSendJob: JobKind {
    static let name = "outbox.send"
    static func lease(_ config: AppConfig) -> TimeInterval { 60 }
    static func lane(_ p: OutboxPayload) -> JobLane { .provider }
    static func run(_ p: OutboxPayload, _ ctx: JobContext) async throws { try await Outbox.send(p, ctx) }
    static func died(_ p: OutboxPayload, _ job: DeadJob, _ app: Application, _ tx: any Database) async throws -> DeadJobs.AfterCommit? {
        try await Outbox.died(outboxID: p.outboxID, job, app, tx)
    }
    static func subject(_ p: OutboxPayload) -> (String, UUID?) { ("Outgoing message", p.outboxID) }
}

enum ChannelVerifyJob: JobKind {
    static let name = "channel.verify"
    static func lease(_ config: AppConfig) -> TimeInterval { 60 }
    static func lane(_ p: ChannelPayload) -> JobLane { .provider }
    static func run(_ p: ChannelPayload, _ ctx: JobContext) async throws { try await ChannelAdapters.verify(p, ctx) }
    static func subject(_ p: ChannelPayload) -> (String, UUID?) { ("Channel check", p.channelID) }
}

enum ChannelPollJob: JobKind {
    static let name = "channel.poll"
    static func lease(_ config: AppConfig) -> TimeInterval { 300 }
    static func lane(_ p: ChannelPayload) -> JobLane { .provider }
    static func run(_ p: ChannelPayload, _ ctx: JobContext) async throws { try await ChannelAdapters.poll(p, ctx) }
    static func subject(_ p: ChannelPayload) -> (String, UUID?) { ("Channel polling", p.channelID) }
}

/// Only with `MUNIM_TEST_HOOKS=1` (never in production): kills its own process the way a trap
/// would, so the process tests can check such a job is retired after `max_attempts` (issue 14 §2).
enum TestCrashJob: JobKind {
    static let name = "test.crash"
    static func lease(_ config: AppConfig) -> TimeInterval { 2 }
    static func run(_ p: NoPayload, _ ctx: JobContext) async throws {
        ctx.logger.critical("test.crash: killing this process as a crashing job would")
        kill(getpid(), SIGKILL)
    }
}

/// The one table of job kinds.
enum JobKinds {
    static let all: [any JobKind.Type] = [
        RunStartJob.self, RunStepJob.self, ScheduleTickJob.self, LedgerEventJob.self, OverdueScanJob.self,
        InboundReceiveJob.self, InboundRouteJob.self, VoiceNoteJob.self, OutboxSendJob.self, ChannelVerifyJob.self, ChannelPollJob.self, RecoveryCodeJob.self,
        BroadcastSendJob.self, TestCrashJob.self,
    ]

    static func register(_ app: Application) {
        for kind in all {
            if kind == TestCrashJob.self && !app.munimConfig.testHooks { continue }
            if kind == TestCrashJob.self { app.logger.warning("MUNIM_TEST_HOOKS is on: test-only job kinds are registered") }
            app.jobs.register(JobHandler(kind, config: app.munimConfig))
        }
    }

    static func named(_ name: String) -> (any JobKind.Type)? { all.first { $0.name == name } }

    /// What a stored job is for (the Operations page); its kind name when the payload is unreadable.
    static func subject(kind: String, payloadText: String) -> (String, UUID?) {
        guard let k = named(kind) else { return (kind, nil) }
        return subject(k, payloadText) ?? (kind, nil)
    }

    private static func subject<K: JobKind>(_ kind: K.Type, _ text: String) -> (String, UUID?)? {
        (try? JobCoders.decode(K.Payload.self, text)).map { K.subject($0) }
    }
}

extension JobHandler {
    init<K: JobKind>(_ kind: K.Type, config: AppConfig) {
        self.init(kind: K.name, lease: K.lease(config), died: { job, app, tx in
            guard let payload = try? JobCoders.decode(K.Payload.self, job.payloadText) else { return nil }
            return try await K.died(payload, job, app, tx)
        }, run: { ctx in
            try await K.run(try JobCoders.decode(K.Payload.self, ctx.job.payloadText), ctx)
        })
    }
}

// MARK: enqueueing

extension JobQueue {
    /// Adds a job inside the caller's transaction `tx`; the workers are woken once it commits.
    /// With a `dedupeKey`, a second enqueue of the same key while the first is not finished does
    /// nothing (returns false).
    @discardableResult
    static func enqueue<K: JobKind>(_ kind: K.Type, _ payload: K.Payload, businessID: UUID?, runAt: Date, maxAttempts: Int = 5,
                                    dedupeKey: String? = nil, on tx: any Database) async throws -> Bool {
        if let dedupeKey, try await JobRow.query(on: tx).filter(\.$dedupeKey == dedupeKey).first() != nil {
            return false
        }
        let j = JobRow()
        j.id = UUID.timeOrdered()
        j.kind = K.name
        j.businessID = businessID
        j.payload = payload.jobText
        j.status = .queued
        j.runAt = runAt
        j.attempts = 0
        j.maxAttempts = maxAttempts
        j.dedupeKey = dedupeKey
        j.lane = K.lane(payload)
        j.createdAt = runAt
        j.updatedAt = runAt
        try await j.create(on: tx)
        TransactionHooks.current?.jobsEnqueued()
        return true
    }

    /// Withdraws a queued job by its `dedupeKey` inside `tx` (a timeout that a decision came
    /// before, a schedule re-armed); a job already running is left to finish.
    static func withdraw(dedupeKey: String, on tx: any Database) async throws {
        try await JobRow.query(on: tx).filter(\.$dedupeKey == dedupeKey).filter(\.$status == .queued).delete()
    }

    /// The batched path of `enqueue` (issue 4 §9): concurrent callers' jobs are written together in
    /// one statement by `Application.jobIntake`; returns once this one is committed, after waking
    /// the workers. A job whose `dedupeKey` is already queued or running is skipped.
    static func enqueueBatched<K: JobKind>(_ kind: K.Type, _ payload: K.Payload, businessID: UUID?, runAt: Date, maxAttempts: Int = 5,
                                           dedupeKey: String? = nil, app: Application) async throws {
        try await app.jobIntake.submit(NewJob(kind: K.name, businessID: businessID, payload: payload.jobText, runAt: runAt,
                                              maxAttempts: maxAttempts, dedupeKey: dedupeKey, lane: K.lane(payload)))
        app.jobs.wakeup.notify()
    }
}

/// What runs after the transaction `Store.write` opened commits. Bound as a task local for the
/// transaction's body; a nested `Store.write` joins the outer one's hooks.
final class TransactionHooks: Sendable {
    @TaskLocal static var current: TransactionHooks?

    private let enqueued = NIOLockedValueBox(false)

    /// A job was added: wake the workers after the commit.
    func jobsEnqueued() { enqueued.withLockedValue { $0 = true } }

    var wakeWorkers: Bool { enqueued.withLockedValue { $0 } }
}
