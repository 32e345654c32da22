import Fluent
import Foundation
import SQLKit
import Vapor

/// Broadcasts (issue 18 §5): one announcement — news, an offer, new stock — to a chosen set of
/// customers: all with a phone, those owing for more than N days, or those with a tag. The owner
/// previews who gets it (and who does not, and why), then sends; every message goes through the
/// outbox like any other (text inside WhatsApp's 24-hour window, the approved "announcement"
/// template outside it; STOP honoured at send time too), and each delivery is tracked through its
/// message.
///
/// Durable: creating a broadcast writes it, one row per recipient and its job in one transaction;
/// the job queues the messages a few at a time, each recipient marked in the same transaction as
/// its message, so a job retried after a crash never sends anyone the announcement twice.
final class Broadcast: Model, @unchecked Sendable {
    static let schema = "broadcasts"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    /// all | debtors | tag
    @Field(key: "audience") var audience: String
    @OptionalField(key: "audience_days") var audienceDays: Int?
    @OptionalField(key: "audience_tag") var audienceTag: String?
    @Field(key: "text") var text: String
    @Field(key: "channel_id") var channelID: UUID
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class BroadcastRecipient: Model, @unchecked Sendable {
    static let schema = "broadcast_recipients"

    @ID(key: .id) var id: UUID?
    @Field(key: "broadcast_id") var broadcastID: UUID
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "customer_id") var customerID: UUID
    @Field(key: "name") var name: String
    @OptionalField(key: "phone") var phone: String?
    @Enum(key: "status") var status: BroadcastRecipientStatus
    @OptionalField(key: "reason") var reason: String?
    @OptionalField(key: "message_id") var messageID: UUID?
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

enum BroadcastRecipientStatus: String, Codable, Sendable {
    /// To be queued by the job.
    case pending
    /// Its message is in the outbox (its delivery is the message's status).
    case queued
    /// Never sent: no phone, sent STOP.
    case skipped
    /// Could not be queued (the channel was removed or disabled meanwhile).
    case failed
}

struct Broadcasts {
    let messaging: MessagingService
    let userID: UUID?

    /// The most customers one broadcast reaches.
    static let maxRecipients = 1000
    static let maxText = 500
    /// Recipients queued per transaction by the job.
    static let batch = 25

    struct Input: Content {
        var audience: String?
        var days: Int?
        var tag: String?
        var text: String?
    }

    struct Entry: Content {
        let customerId: UUID
        let name: String
        /// Why this customer does not get it (no phone number, sent STOP); null when it goes.
        @NullEncoded var skip: String?
    }

    struct Preview: Content {
        let count: Int
        let customers: [Entry]
        /// The sample message, for the first customer who gets it (as text inside the window).
        let sample: String
        /// The approved announcement template used outside WhatsApp's 24-hour window (a message
        /// WhatsApp charges for); null when there is none, and those messages will fail.
        @NullEncoded var template: String?
        /// The channel is WhatsApp: outside the 24-hour window only the approved template goes.
        let templateNeeded: Bool
        @NullEncoded var channel: String?
    }

    struct Counts: Content {
        /// Waiting to be queued by the job.
        var pending = 0
        /// In the outbox, not yet accepted by the provider.
        var queued = 0
        var sent = 0
        var delivered = 0
        var read = 0
        var failed = 0
        /// Never sent: no phone, sent STOP.
        var skipped = 0
    }

    struct DTO: Content {
        let id: UUID
        let audience: String
        @NullEncoded var days: Int?
        @NullEncoded var tag: String?
        let text: String
        let total: Int
        let counts: Counts
        let createdAt: Date
        /// Every recipient with the state of their message (only in GET /broadcasts/{id}).
        @NullEncoded var recipients: [RecipientDTO]?
    }

    struct RecipientDTO: Content {
        let customerId: UUID
        let name: String
        @NullEncoded var phone: String?
        /// pending, queued, sent, delivered, read, failed, undelivered or skipped.
        let status: String
        @NullEncoded var reason: String?
        @NullEncoded var messageId: UUID?
    }

    // MARK: choosing the audience

    struct Audience {
        let kind: String
        let days: Int?
        let tag: String?
        let text: String
    }

    func validated(_ input: Input) throws -> Audience {
        var errors = FieldErrors()
        let kind = (input.audience ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        if !["all", "debtors", "tag"].contains(kind) { errors.add("audience", "must be all, debtors or tag") }
        var days: Int? = nil
        var tag: String? = nil
        if kind == "debtors" {
            let d = input.days ?? 0
            if (0...3650).contains(d) { days = d } else { errors.add("days", "must be between 0 and 3650") }
        }
        if kind == "tag" {
            let t = (input.tag ?? "").lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if t.isEmpty || t.count > 30 { errors.add("tag", "is required (one of the customers' tags)") } else { tag = t }
        }
        let text = (input.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { errors.add("text", "is required") }
        else if text.count > Self.maxText { errors.add("text", "must be at most \(Self.maxText) characters") }
        try errors.throwIfAny()
        return Audience(kind: kind, days: days, tag: tag, text: text)
    }

    /// The customers the audience names, each with why they are skipped (nil: it goes).
    func recipients(_ a: Audience) async throws -> [(customer: Customer, skip: String?)] {
        let reads = LedgerReads(db: messaging.db, businessID: messaging.businessID)
        var customers = try await reads.activeCustomers(limit: 20_000)
            .sorted { ($0.name.lowercased(), $0.id!.uuidString) < ($1.name.lowercased(), $1.id!.uuidString) }
        switch a.kind {
        case "debtors":
            let ledger = LedgerService(db: messaging.db, store: messaging.store, businessID: messaging.businessID, userID: userID, now: messaging.now)
            let owing = try await reads.customersOwingSince(Periods.add(days: -(a.days ?? 0), to: try await ledger.today()))
            customers = customers.filter { owing.contains($0.id!) && $0.balance > 0 }
        case "tag":
            customers = customers.filter { $0.tagList.contains(a.tag ?? "") }
        default:
            break
        }
        guard customers.count <= Self.maxRecipients else {
            throw APIError(.unprocessableEntity, "too_many_recipients",
                           "This broadcast would go to \(customers.count) customers; one broadcast reaches at most \(Self.maxRecipients). Choose a tag or the debtors.")
        }
        let stopped = try await OptOut.optedOutHandles(businessID: messaging.businessID, db: messaging.db)
        return customers.map { c in
            guard let phone = c.phone else { return (c, "no phone number") }
            // WhatsApp and simulator contacts share the E.164 handle.
            if stopped.contains(MessagingService.normalizeHandle(.twilioWhatsapp, phone)) { return (c, "sent STOP") }
            return (c, nil)
        }
    }

    /// The message a customer reads inside the window (the recommended template's words, in the
    /// business's language), and the template's values for outside it.
    static func message(business: Business, customerName: String, text: String) -> (String, TemplateRequest) {
        let hi = business.preferredLanguage == "hi"
        let body = hi ? "नमस्ते \(customerName), \(business.name) की ओर से ख़बर: \(text) ये मैसेज बंद करने के लिए STOP लिखें।"
                      : "Namaste \(customerName), news from \(business.name): \(text) Reply STOP to stop these messages."
        return (body, TemplateRequest(purpose: .announcement, values: [
            "customer_name": customerName, "business_name": business.name, "announcement": text,
        ]))
    }

    func preview(_ input: Input) async throws -> Preview {
        let audience = try validated(input)
        let list = try await recipients(audience)
        let channel = try await messaging.outboundChannel()
        let business = try await AccountsService(db: messaging.db).business(messaging.businessID)
        let first = list.first { $0.skip == nil }?.customer.name ?? (business.preferredLanguage == "hi" ? "ग्राहक" : "Customer")
        let templates = try await WhatsAppTemplates(messaging: messaging).list()
            .filter { $0.purpose == TemplatePurpose.announcement.rawValue && $0.status == .approved }
        return Preview(count: list.filter { $0.skip == nil }.count,
                       customers: list.map { Entry(customerId: $0.customer.id!, name: $0.customer.name, skip: $0.skip) },
                       sample: Self.message(business: business, customerName: first, text: audience.text).0,
                       template: channel.kind == .twilioWhatsapp ? templates.first.map(\.name) : nil,
                       templateNeeded: channel.kind == .twilioWhatsapp,
                       channel: channel.name)
    }

    // MARK: sending

    func create(_ input: Input) async throws -> DTO {
        let audience = try validated(input)
        let list = try await recipients(audience)
        guard list.contains(where: { $0.skip == nil }) else {
            throw APIError(.unprocessableEntity, "no_recipients", "No customer in this choice can get the message (they need a phone number and must not have sent STOP).")
        }
        let channel = try await messaging.outboundChannel()
        let b = Broadcast()
        b.id = UUID()
        b.businessID = messaging.businessID
        b.audience = audience.kind
        b.audienceDays = audience.days
        b.audienceTag = audience.tag
        b.text = audience.text
        b.channelID = channel.id!
        b.createdBy = userID
        b.createdAt = messaging.now
        let now = messaging.now, businessID = messaging.businessID
        try await messaging.store.write(messaging.db) { tx in
            try await b.create(on: tx)
            for (customer, skip) in list {
                let r = BroadcastRecipient()
                r.id = UUID()
                r.broadcastID = b.id!
                r.businessID = businessID
                r.customerID = customer.id!
                r.name = customer.name
                r.phone = customer.phone
                r.status = skip == nil ? .pending : .skipped
                r.reason = skip
                r.updatedAt = now
                try await r.create(on: tx)
            }
            try await JobQueue.enqueue(BroadcastSendJob.self, BroadcastPayload(broadcastID: b.id!), businessID: businessID, runAt: now, on: tx)
            IdempotencyScope.made(Endpoint.broadcast.path(b.id!.uuidString), status: 201)
        }
        return try await dto(b, withRecipients: false)
    }

    /// The job: queues the pending recipients' messages, a batch per transaction, each recipient
    /// taken (pending → queued, conditionally) in the transaction that queues its message.
    static func sendPending(_ p: BroadcastPayload, _ ctx: JobContext) async throws {
        guard let b = try await Broadcast.find(p.broadcastID, on: ctx.db) else { return }  // deleted with its business
        let messaging = MessagingService(app: ctx.app, businessID: b.businessID)
        let business = try await AccountsService(db: ctx.db).business(b.businessID)
        let channel: Channel
        do {
            channel = try await messaging.channel(b.channelID)
        } catch {
            try await markRest(b, reason: "The channel it was going on was removed.", ctx)
            return
        }
        while true {
            let batch = try await BroadcastRecipient.query(on: ctx.db).filter(\.$broadcastID == b.id!).filter(\.$status == .pending)
                .sort(\.$name).sort(\.$id).limit(Self.batch).all()
            if batch.isEmpty { return }
            for r in batch {
                let (text, template) = Self.message(business: business, customerName: r.name, text: b.text)
                let recipientID = r.id!, now = ctx.now
                do {
                    try await ctx.store.write(ctx.db) { tx in
                        let taken = try await tx.sql.raw("""
                            UPDATE broadcast_recipients SET status = 'queued', updated_at = \(bind: now)
                            WHERE id = \(bind: recipientID) AND status = 'pending' RETURNING id
                            """).all()
                        guard !taken.isEmpty else { return }
                        let inTx = MessagingService(app: ctx.app, businessID: b.businessID, db: tx)
                        let (_, message) = try await inTx.send(on: channel, to: r.phone ?? "", name: r.name, text: text, author: "system",
                                                               authorName: "Broadcast", template: template)
                        try await BroadcastRecipient.query(on: tx).filter(\.$id == recipientID).set(\.$messageID, to: message.id).update()
                    }
                } catch let e as APIError {
                    // This one cannot be queued (the channel was disabled meanwhile, …): said on its row.
                    try await BroadcastRecipient.query(on: ctx.db).filter(\.$id == recipientID).filter(\.$status == .pending)
                        .set(\.$status, to: .failed).set(\.$reason, to: e.message).set(\.$updatedAt, to: ctx.now).update()
                }
            }
        }
    }

    private static func markRest(_ b: Broadcast, reason: String, _ ctx: JobContext) async throws {
        try await BroadcastRecipient.query(on: ctx.db).filter(\.$broadcastID == b.id!).filter(\.$status == .pending)
            .set(\.$status, to: .failed).set(\.$reason, to: reason).set(\.$updatedAt, to: ctx.now).update()
    }

    // MARK: reading

    func list() async throws -> [DTO] {
        let rows = try await Broadcast.query(on: messaging.db).filter(\.$businessID == messaging.businessID)
            .sort(\.$createdAt, .descending).sort(\.$id, .descending).limit(20).all()
        var out: [DTO] = []
        for b in rows { out.append(try await dto(b, withRecipients: false)) }
        return out
    }

    func one(_ id: UUID) async throws -> DTO {
        guard let b = try await Broadcast.query(on: messaging.db).filter(\.$businessID == messaging.businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Broadcast")
        }
        return try await dto(b, withRecipients: true)
    }

    func dto(_ b: Broadcast, withRecipients: Bool) async throws -> DTO {
        let recipients = try await BroadcastRecipient.query(on: messaging.db).filter(\.$broadcastID == b.id!)
            .filter(\.$businessID == messaging.businessID).sort(\.$name).sort(\.$id).all()
        let ids = recipients.compactMap(\.messageID)
        var messages: [UUID: Message] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            for m in try await Message.query(on: messaging.db).filter(\.$businessID == messaging.businessID).filter(\.$id ~~ chunk).all() {
                messages[m.id!] = m
            }
        }
        var counts = Counts()
        var shown: [RecipientDTO] = []
        for r in recipients {
            var status = r.status.rawValue
            var reason = r.reason
            if r.status == .queued, let id = r.messageID, let m = messages[id] {
                status = m.status.rawValue
                if m.status == .failed || m.status == .undelivered { reason = m.errorMessage }
            }
            switch status {
            case "pending": counts.pending += 1
            case "skipped": counts.skipped += 1
            case "sent": counts.sent += 1
            case "delivered": counts.delivered += 1
            case "read": counts.read += 1
            case "failed", "undelivered": counts.failed += 1
            default: counts.queued += 1
            }
            if withRecipients {
                shown.append(RecipientDTO(customerId: r.customerID, name: r.name, phone: r.phone, status: status, reason: reason, messageId: r.messageID))
            }
        }
        return DTO(id: b.id!, audience: b.audience, days: b.audienceDays, tag: b.audienceTag, text: b.text,
                   total: recipients.count, counts: counts, createdAt: b.createdAt, recipients: withRecipients ? shown : nil)
    }
}

struct BroadcastPayload: JobPayload {
    let broadcastID: UUID
    enum CodingKeys: String, CodingKey { case broadcastID = "broadcast_id" }
}

enum BroadcastSendJob: JobKind {
    static let name = "broadcast.send"
    static func lease(_ config: AppConfig) -> TimeInterval { 120 }
    static func run(_ p: BroadcastPayload, _ ctx: JobContext) async throws { try await Broadcasts.sendPending(p, ctx) }
    static func subject(_ p: BroadcastPayload) -> (String, UUID?) { ("Broadcast", p.broadcastID) }
}
