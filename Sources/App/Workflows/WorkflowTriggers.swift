import Fluent
import Foundation
import SQLKit
import Vapor
import WorkflowCore

/// The triggers that start runs by themselves (DESIGN §7): schedules, inbound messages and ledger
/// events. Manual runs and webhooks start in `WorkflowsController`.
enum WorkflowTriggers {
    static func register(_ app: Application) {
        app.messageSinks.append { app, businessID, payload, channelID in
            try await message(app, businessID: businessID, payload: payload, channelID: channelID)
        }
        // Ledger changes enqueue a durable job in their own transaction, only when an active
        // workflow listens for that event.
        LedgerEvents.listen { event, businessID, subject, key, now, tx in
            let listening = try await Workflow.query(on: tx).filter(\.$businessID == businessID).filter(\.$active == true)
                .filter(\.$deletedAt == nil).filter(\.$triggerService == "ledger").filter(\.$triggerKey == event.rawValue).count()
            guard listening > 0 else { return }
            try await JobQueue.enqueue(LedgerEventJob.self, LedgerEventPayload(event: event.rawValue, subject: subject, key: key, at: ISODate.string(now)),
                                       businessID: businessID, runAt: now, maxAttempts: 5, on: tx)
        }
    }

    // MARK: schedules

    static func scheduleKey(_ w: Workflow) -> String { "schedule-\(w.id!.uuidString)" }

    /// (Re)arms the one pending job of a time-driven workflow (schedules, overdue scans); removes it
    /// when the workflow is not active or not time-driven. Called in the transaction that changes
    /// the workflow.
    static func armSchedule(_ w: Workflow, app: Application, now: Date, on tx: any Database) async throws {
        try await JobQueue.withdraw(dedupeKey: scheduleKey(w), on: tx)
        guard w.active, w.deletedAt == nil else { return }
        if w.triggerService == "schedule" {
            guard let (cron, tz) = try await scheduleSpec(w, app: app, on: tx), let next = cron.next(after: now, in: tz) else { return }
            try await JobQueue.enqueue(ScheduleTickJob.self, WorkflowPayload(workflowID: w.id!, tick: ISODate.string(next)), businessID: w.businessID,
                                       runAt: next, maxAttempts: 10, dedupeKey: scheduleKey(w), on: tx)
        } else if w.triggerService == "ledger" && w.triggerKey == "invoice_overdue" {
            try await JobQueue.enqueue(OverdueScanJob.self, WorkflowPayload(workflowID: w.id!), businessID: w.businessID,
                                       runAt: now, maxAttempts: 10, dedupeKey: scheduleKey(w), on: tx)
        }
    }

    static func triggerNode(_ w: Workflow, app: Application, on db: any Database) async throws -> Node? {
        guard let (_, entry) = try await app.blueprints.entry(workflowID: w.id!, version: w.version, app: app, on: db) else { return nil }
        return entry.planner.triggerID.flatMap { entry.blueprint.node($0) }
    }

    static func scheduleSpec(_ w: Workflow, app: Application, on db: any Database) async throws -> (CronExpression, TimeZone)? {
        guard let t = try await triggerNode(w, app: app, on: db), let text = t.param("cron")?.stringValue,
              let cron = try? CronExpression(text) else { return nil }
        let tz = t.param("timezone")?.stringValue.flatMap { TimeZone(identifier: $0) } ?? TimeZone(identifier: "Asia/Kolkata")!
        return (cron, tz)
    }

    /// One tick: the latest due tick since the last one makes one run (missed ticks after downtime
    /// collapse into it), and the next tick is armed, all in one transaction. The run's dedupe key is
    /// the tick, so even two processes holding the job cannot make two runs for it.
    static func scheduleTick(_ job: WorkflowPayload, _ ctx: JobContext) async throws {
        let id = job.workflowID
        let app = ctx.app
        _ = try await ctx.store.write(ctx.db) { tx in
            guard let w = try await Workflow.find(id, on: tx), w.active, w.deletedAt == nil, w.triggerService == "schedule",
                  let (cron, tz) = try await scheduleSpec(w, app: app, on: tx) else {
                try await ctx.finish(on: tx)
                return false
            }
            let planned = job.tick.flatMap { ISODate.parse($0) } ?? ctx.now
            let since = w.lastTickAt ?? planned.addingTimeInterval(-1)
            var made = false
            if let tick = cron.latest(in: (after: since, upTo: ctx.now), timeZone: tz) {
                let payload: JSONValue = ["scheduled_for": .string(ISODate.string(tick)), "fired_at": .string(ISODate.string(ctx.now))]
                made = try await RunTransitions.create(w, trigger: "schedule", payload: payload,
                                                          dedupeKey: "tick-\(Int64(tick.timeIntervalSince1970))",
                                                          app: app, now: ctx.now, on: tx).created
                w.lastTickAt = tick
                try await Workflow.query(on: tx).filter(\.$id == id).set(\.$lastTickAt, to: tick).update()
            }
            try await ctx.finish(on: tx)
            if let next = cron.next(after: ctx.now, in: tz) {
                try await JobQueue.enqueue(ScheduleTickJob.self, WorkflowPayload(workflowID: id, tick: ISODate.string(next)), businessID: w.businessID,
                                           runAt: next, maxAttempts: 10, dedupeKey: scheduleKey(w), on: tx)
            }
            return made
        }
    }

    // MARK: ledger events

    static func ledgerEvent(_ job: LedgerEventPayload, _ ctx: JobContext) async throws {
        guard let businessID = ctx.job.businessID else { throw JobFailure.permanent("ledger event without a business") }
        let event = job.event, key = job.key, subject = job.subject
        let app = ctx.app
        let occurred = job.at.flatMap { ISODate.parse($0) } ?? ctx.now
        let service = LedgerService(db: ctx.db, store: ctx.store, businessID: businessID, userID: nil, now: ctx.now)
        guard let payload = try await service.eventPayload(event, subject: subject, pdfURL: { id in
            InvoiceLinks.url(app, invoiceID: id, businessID: businessID, now: occurred)
        }, occurredAt: occurred) else { return }
        try await startMatching(app, businessID: businessID, service: "ledger", key: event, payload: payload,
                                dedupeKey: "event-\(key)", ctx: ctx) { node in
            guard event == "stock_low", let threshold = node.param("threshold")?.numberValue else { return true }
            return (payload["stock"].flatMap { if case .double(let d) = $0 { return d } else { return nil } } ?? 0) <= threshold
        }
    }

    /// Daily-ish scan for the `invoice_overdue` trigger: each invoice at least `days` past due makes
    /// one run (deduplicated on the invoice), then the scan re-arms itself an hour later.
    static func overdueScan(_ job: WorkflowPayload, _ ctx: JobContext) async throws {
        let id = job.workflowID
        let app = ctx.app
        guard let w = try await Workflow.find(id, on: ctx.db), w.active, w.deletedAt == nil, w.triggerKey == "invoice_overdue",
              let node = try await triggerNode(w, app: app, on: ctx.db) else { return }
        let days = Int(node.param("days")?.intValue ?? 1)
        let service = LedgerService(db: ctx.db, store: ctx.store, businessID: w.businessID, userID: nil, now: ctx.now)
        let due = try await service.overdueInvoices(days: days, today: try await service.today())
        for (invoiceID, daysOverdue) in due {
            guard var payload = try await service.eventPayload("invoice_overdue", subject: invoiceID, pdfURL: { iid in
                InvoiceLinks.url(app, invoiceID: iid, businessID: w.businessID, now: ctx.now)
            }, occurredAt: ctx.now) else { continue }
            if case .object(var o) = payload { o["days_overdue"] = .int(Int64(daysOverdue)); payload = .object(o) }
            let p = payload
            _ = try await ctx.store.write(ctx.db) { tx in
                try await RunTransitions.create(w, trigger: "ledger", payload: p, dedupeKey: "overdue-\(invoiceID.uuidString)-\(days)",
                                                   app: app, now: ctx.now, on: tx)
            }
        }
        try await ctx.store.write(ctx.db) { tx in
            try await ctx.finish(on: tx)
            try await JobQueue.enqueue(OverdueScanJob.self, WorkflowPayload(workflowID: id), businessID: w.businessID,
                                       runAt: ctx.now.addingTimeInterval(3600), maxAttempts: 10, dedupeKey: scheduleKey(w), on: tx)
        }
    }

    // MARK: messages

    /// An inbound customer message (after the bot had its turn): every active message-triggered
    /// workflow whose channel and filters match starts a run, deduplicated on the message id.
    static func message(_ app: Application, businessID: UUID, payload: JSONValue, channelID: UUID) async throws {
        let text = payload["text"]?.stringValue ?? ""
        let platform = payload["channel"]?.stringValue ?? ""
        var p = payload
        if case .object(var o) = p {
            o["channel"] = .string(channelID.uuidString)
            o["channel_type"] = .string(platform)
            p = .object(o)
        }
        let key = "msg-\(payload["message_id"]?.stringValue ?? UUID().uuidString)"
        let runPayload = p
        let workflows = try await Workflow.query(on: app.db).filter(\.$businessID == businessID).filter(\.$active == true)
            .filter(\.$deletedAt == nil).filter(\.$triggerService == "message").all()
        for w in workflows where w.triggerKey == nil || w.triggerKey == channelID.uuidString {
            guard let node = try await triggerNode(w, app: app, on: app.db) else { continue }
            if let type = node.param("channel_type")?.stringValue, type != "any", !type.isEmpty, type != platform { continue }
            let matches: Bool
            do { matches = try MessageTriggerFilter.matches(text: text, params: node.params) } catch {
                app.logger.notice("workflow \(w.id!) message filter failed: \(String(describing: error))")
                continue
            }
            guard matches else { continue }
            _ = try await app.store.write(app.db) { tx in
                try await RunTransitions.create(w, trigger: "message", payload: runPayload, dedupeKey: key, app: app, now: app.clock.now(), on: tx)
            }
        }
    }

    static func startMatching(_ app: Application, businessID: UUID, service: String, key: String, payload: JSONValue, dedupeKey: String,
                              ctx: JobContext, filter: (Node) -> Bool) async throws {
        let workflows = try await Workflow.query(on: ctx.db).filter(\.$businessID == businessID).filter(\.$active == true)
            .filter(\.$deletedAt == nil).filter(\.$triggerService == service).filter(\.$triggerKey == key).all()
        var matching: [Workflow] = []
        for w in workflows {
            guard let node = try await triggerNode(w, app: app, on: ctx.db), filter(node) else { continue }
            matching.append(w)
        }
        try await ctx.store.write(ctx.db) { [matching] tx in
            for w in matching {
                _ = try await RunTransitions.create(w, trigger: service, payload: payload, dedupeKey: dedupeKey, app: app, now: ctx.now, on: tx)
            }
            try await ctx.finish(on: tx)
        }
    }
}
