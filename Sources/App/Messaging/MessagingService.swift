import Fluent
import Foundation
import SQLKit
import Vapor

/// A message a channel adapter received, normalized (DESIGN §6).
struct InboundMessage: Sendable {
    var handle: String
    var name: String?
    var text: String
    /// The provider's id for deduplication (Twilio MessageSid, a post uri, a DM id …).
    var providerID: String
    var media: [MediaRef] = []
    /// The provider's thread (Bluesky convo id, Instagram conversation id) for replies.
    var threadRef: String? = nil
    /// What a reply must reference (JSON).
    var replyRef: JSONValue? = nil
    var receivedAt: Date
    /// Set by the simulator: the message is treated as coming from the owner's number.
    var asOwner: Bool = false
}

struct MediaRef: Codable, Sendable, Equatable {
    let url: String
    let contentType: String?
}

/// Messaging's service (DESIGN §2 and §6): inbox, outbox and routing for one business, the only
/// writer of channels, contacts, sessions, messages and outbox rows, and the way other domains
/// read them (channels for a workflow node, a message by its provider id). Every query is scoped
/// to `businessID`.
struct MessagingService: Sendable {
    let app: Application
    let db: any Database
    let businessID: UUID
    let now: Date

    init(app: Application, businessID: UUID, db: (any Database)? = nil) {
        self.app = app
        self.db = db ?? app.db
        self.businessID = businessID
        self.now = app.clock.now()
    }

    var store: Store { app.store }

    // MARK: lookups

    func channel(_ id: UUID, includeDeleted: Bool = false) async throws -> Channel {
        var q = Channel.query(on: db).filter(\.$businessID == businessID).filter(\.$id == id)
        if !includeDeleted { q = q.filter(\.$deletedAt == nil) }
        guard let c = try await q.first() else { throw APIError.notFound("Channel") }
        return c
    }

    // MARK: channels and sessions, as people change them

    /// Adds a channel (built and validated by the controller) with its first checks.
    func create(_ c: Channel) async throws {
        try await store.write(db) { tx in
            try await c.create(on: tx)
            try await Self.enqueueChecks(c, now: c.createdAt, on: tx)
        }
    }

    /// Saves a changed channel; `recheck` (new credentials, enabled again) verifies it again.
    func save(_ c: Channel, recheck: Bool) async throws {
        let now = c.updatedAt
        try await store.write(db) { tx in
            try await c.save(on: tx)
            if recheck { try await Self.enqueueChecks(c, now: now, on: tx) }
        }
    }

    /// Soft delete: the inbox keeps its history; credentials are erased now.
    func delete(_ c: Channel, now: Date) async throws {
        try await store.write(db) { tx in
            try await Channel.query(on: tx).filter(\.$id == c.id!).set(\.$deletedAt, to: now).set(\.$credentials, to: nil)
                .set(\.$state, to: nil).set(\.$enabled, to: false).set(\.$updatedAt, to: now).update()
        }
    }

    /// A verification job, and the first poll for polling channels.
    static func enqueueChecks(_ c: Channel, now: Date, on tx: any Database) async throws {
        guard c.kind != .simulator else { return }
        try await JobQueue.enqueue(ChannelVerifyJob.self, ChannelPayload(channelID: c.id!), businessID: c.businessID, runAt: now, maxAttempts: 3, on: tx)
        if c.kind.polls && c.enabled {
            try await JobQueue.enqueue(ChannelPollJob.self, ChannelPayload(channelID: c.id!), businessID: c.businessID, runAt: now, maxAttempts: 3,
                                       dedupeKey: "poll-\(c.id!.uuidString)", on: tx)
        }
    }

    /// A person answered a conversation nobody had: it is theirs now.
    func assign(_ session: InboxSession, to userID: UUID) async throws {
        try await store.write(db) { tx in
            try await InboxSession.query(on: tx).filter(\.$id == session.id!).set(\.$assigneeID, to: userID).update()
        }
        session.assigneeID = userID
    }

    /// Turns the customer bot on or off for one conversation.
    func setBot(_ session: InboxSession, active: Bool, now: Date) async throws {
        try await store.write(db) { tx in
            try await InboxSession.query(on: tx).filter(\.$id == session.id!).set(\.$botActive, to: active).set(\.$updatedAt, to: now).update()
        }
        session.botActive = active
        session.updatedAt = now
    }

    func markRead(_ session: InboxSession) async throws {
        try await store.write(db) { tx in
            try await InboxSession.query(on: tx).filter(\.$id == session.id!).set(\.$unreadCount, to: 0).update()
        }
        session.unreadCount = 0
    }

    /// The business's enabled channels, oldest first; of one kind when given.
    func enabledChannels(kind: ChannelKind? = nil) async throws -> [Channel] {
        var q = Channel.query(on: db).filter(\.$businessID == businessID).filter(\.$deletedAt == nil).filter(\.$enabled == true)
        if let kind { q = q.filter(\.$kind == kind) }
        return try await q.sort(\.$createdAt).all()
    }

    /// What the dashboard shows of the inbox (issue 19 §3).
    struct Traffic: Sendable {
        /// Messages (in and out) per platform per business-local day.
        var perDay: [String: [String: Int]] = [:]
        /// Unread inbound messages over all conversations.
        var unread = 0
        /// The platforms of the business's enabled channels, sorted.
        var platforms: [String] = []
    }

    /// Messages since `since`, counted per platform and business-local day, and the unread count.
    func traffic(since: Date, timezone: String) async throws -> Traffic {
        var t = Traffic()
        // Deleted channels too: their messages stay in the history.
        let channels = try await Channel.query(on: db).filter(\.$businessID == businessID).all()
        let platformOf = Dictionary(uniqueKeysWithValues: channels.map { ($0.id!, $0.kind.platform) })
        t.platforms = Array(Set(channels.filter { $0.deletedAt == nil && $0.enabled }.map(\.kind.platform))).sorted()
        let rows = try await Message.query(on: db).filter(\.$businessID == businessID).filter(\.$createdAt >= since)
            .field(\.$channelID).field(\.$createdAt).all()
        for m in rows {
            let platform = platformOf[m.channelID] ?? "other"
            t.perDay[platform, default: [:]][Validate.localDate(m.createdAt, timezone: timezone), default: 0] += 1
        }
        t.unread = try await InboxSession.query(on: db).filter(\.$businessID == businessID).filter(\.$unreadCount > 0)
            .all(\.$unreadCount).reduce(0, +)
        return t
    }

    /// A message Munim received or sent with this provider id (a Bluesky post's URI).
    func message(providerID: String) async throws -> Message? {
        try await Message.query(on: db).filter(\.$businessID == businessID).filter(\.$providerID == providerID).first()
    }

    func session(_ id: UUID) async throws -> InboxSession {
        guard let s = try await InboxSession.query(on: db).filter(\.$businessID == businessID).filter(\.$id == id).first() else {
            throw APIError.notFound("Session")
        }
        return s
    }

    /// The business's simulator channel, created on first use.
    /// The business's WhatsApp channel for messages it starts (reminders, shared invoices): the
    /// first enabled one that is connected, else one still pending; nil when there is none.
    func whatsappChannel() async throws -> Channel? {
        let channels = try await Channel.query(on: db).filter(\.$businessID == businessID)
            .filter(\.$kind == .twilioWhatsapp).filter(\.$deletedAt == nil).filter(\.$enabled == true).sort(\.$createdAt).all()
        return channels.first(where: { $0.status == .connected }) ?? channels.first(where: { $0.status == .pending })
    }

    /// The WhatsApp channel a document goes out on: the one named (it must be WhatsApp), else the
    /// connected (or pending) one; never the simulator — a document must reach the customer.
    /// 409 `no_channel` with `advice` when there is none.
    func documentChannel(_ id: UUID?, advice: String) async throws -> Channel {
        if let id {
            let c = try await channel(id)
            guard c.kind == .twilioWhatsapp else { throw APIError.validation("channel_id", "must be a WhatsApp channel") }
            return c
        }
        guard let c = try await whatsappChannel() else {
            throw APIError.conflict("no_channel", "No WhatsApp channel is connected. \(advice)")
        }
        return c
    }

    /// Where a business-initiated message goes by default: the connected (or pending) WhatsApp
    /// channel, else the simulator (a business trying Munim out).
    func outboundChannel() async throws -> Channel {
        if let c = try await whatsappChannel() { return c }
        return try await simulatorChannel()
    }

    func simulatorChannel() async throws -> Channel {
        if let c = try await Channel.query(on: db).filter(\.$businessID == businessID).filter(\.$kind == .simulator)
            .filter(\.$deletedAt == nil).sort(\.$createdAt).first() {
            return c
        }
        let c = Channel()
        c.id = UUID()
        c.businessID = businessID
        c.kind = .simulator
        c.name = "Simulator"
        c.status = .connected
        c.identity = "simulator"
        c.enabled = true
        c.createdAt = now
        c.updatedAt = now
        try await store.write(db) { tx in try await c.create(on: tx) }
        return c
    }

    /// Phone numbers that belong to the business (owner and staff): their messages go to the
    /// assistant, never to the customer bot (issue 4 §3).
    func ownerNumbers() async throws -> [String: UUID] {
        let accounts = AccountsService(db: db)
        let business = try await accounts.business(businessID)
        let members = try await accounts.memberships(of: businessID)
        var numbers: [String: UUID] = [:]
        for m in members {
            if let n = m.whatsappNumber.flatMap(Self.phoneKey) { numbers[n] = m.userID }
        }
        if let n = business.whatsappNumber.flatMap(Self.phoneKey), let owner = members.first(where: { $0.role == .owner }) {
            numbers[n] = owner.userID
        }
        return numbers
    }

    /// Digits only, so "+91 98123 45678", "whatsapp:+919812345678" and "919812345678" compare equal.
    static func phoneKey(_ s: String) -> String? {
        let digits = s.filter(\.isNumber)
        return digits.count >= 6 ? digits : nil
    }

    static func normalizeHandle(_ kind: ChannelKind, _ raw: String) -> String {
        let t = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if kind == .twilioWhatsapp, t.lowercased().hasPrefix("whatsapp:") { return String(t.dropFirst("whatsapp:".count)) }
        return t
    }

    // MARK: inbound

    enum InboundOutcome {
        case stored(Message, InboxSession)
        case duplicate
    }

    /// Stores an inbound message (deduplicated on the provider's id) and enqueues its routing job,
    /// in one transaction: once this returns, the message cannot be lost.
    func recordInbound(_ channel: Channel, _ m: InboundMessage) async throws -> InboundOutcome {
        let channelID = channel.id!, businessID = businessID, now = now, kind = channel.kind
        let handle = Self.normalizeHandle(kind, m.handle)
        // Only phone-number channels can carry the owner's own number.
        var isOwner = m.asOwner
        if !isOwner, kind == .twilioWhatsapp || kind == .simulator, let key = Self.phoneKey(handle) {
            isOwner = try await ownerNumbers()[key] != nil
        }
        let owner = isOwner
        do {
            let outcome: InboundOutcome = try await store.write(db) { tx in
                if try await Message.query(on: tx).filter(\.$channelID == channelID).filter(\.$providerID == m.providerID).first() != nil {
                    return .duplicate
                }
                let (session, _) = try await Self.findOrCreateSession(channelID: channelID, businessID: businessID, handle: handle,
                                                                      name: m.name, isOwner: owner, threadRef: m.threadRef, now: now, on: tx)
                let message = try await Self.appendMessage(to: session, direction: .inbound, author: "contact", authorName: m.name ?? handle,
                                                           text: m.text, media: m.media, status: .received, providerID: m.providerID,
                                                           replyRef: m.replyRef, now: now, on: tx)
                try await JobQueue.enqueue(InboundRouteJob.self, MessagePayload(messageID: message.id!), businessID: businessID, runAt: now, maxAttempts: 5, on: tx)
                return .stored(message, session)
            }
            if case .stored(let message, let session) = outcome {
                publishCreated(message, session: session, channel: channel)
            }
            return outcome
        } catch let e as any DatabaseError where e.isConstraintFailure {
            // Two deliveries of one message raced; the other one stored it.
            return .duplicate
        }
    }

    static func findOrCreateSession(channelID: UUID, businessID: UUID, handle: String, name: String?, isOwner: Bool,
                                    threadRef: String?, now: Date, on tx: any Database) async throws -> (InboxSession, Contact) {
        let contact: Contact
        if let c = try await Contact.query(on: tx).filter(\.$channelID == channelID).filter(\.$handle == handle).first() {
            contact = c
            if let name, !name.isEmpty, c.name != name {
                c.name = String(name.prefix(200))
                try await c.save(on: tx)
            }
        } else {
            // Link to a ledger customer with the same phone number (customers' phones are stored in
            // E.164, as Validate.phone gives them), so the bot can tell a balance.
            var customerID: UUID? = nil
            if case .success(let phone) = Validate.e164(handle) {
                customerID = try await LedgerReads(db: tx, businessID: businessID).customerID(phone: phone)
            }
            // Concurrent first messages to one handle (two workflow runs, two deliveries in
            // different processes) race to create the contact: ON CONFLICT lets the later one use
            // the row the other committed instead of aborting its transaction.
            try await tx.sql.raw("""
                INSERT INTO contacts (id, business_id, channel_id, handle, name, customer_id, created_at)
                VALUES (\(bind: UUID()), \(bind: businessID), \(bind: channelID), \(bind: handle),
                  \(bind: name.map { String($0.prefix(200)) }), \(bind: customerID), \(bind: now))
                ON CONFLICT (channel_id, handle) DO NOTHING
                """).run()
            guard let c = try await Contact.query(on: tx).filter(\.$channelID == channelID).filter(\.$handle == handle).first() else {
                throw APIError(.conflict, "contact_conflict", "The contact is being created by another request; try again.")
            }
            contact = c
        }
        if let s = try await InboxSession.query(on: tx).filter(\.$channelID == channelID).filter(\.$contactID == contact.id!).first() {
            if s.isOwner != isOwner || (threadRef != nil && s.threadRef != threadRef) {
                s.isOwner = isOwner
                if let threadRef { s.threadRef = threadRef }
                try await s.save(on: tx)
            }
            return (s, contact)
        }
        // The same race for the session.
        try await tx.sql.raw("""
            INSERT INTO inbox_sessions (id, business_id, channel_id, contact_id, is_owner, bot_active, unread_count, next_seq,
              thread_ref, created_at, updated_at)
            VALUES (\(bind: UUID()), \(bind: businessID), \(bind: channelID), \(bind: contact.id!), \(bind: isOwner), \(bind: !isOwner),
              0, 1, \(bind: threadRef), \(bind: now), \(bind: now))
            ON CONFLICT (channel_id, contact_id) DO NOTHING
            """).run()
        guard let s = try await InboxSession.query(on: tx).filter(\.$channelID == channelID).filter(\.$contactID == contact.id!).first() else {
            throw APIError(.conflict, "session_conflict", "The conversation is being created by another request; try again.")
        }
        if s.isOwner != isOwner {
            s.isOwner = isOwner
            try await s.save(on: tx)
        }
        return (s, contact)
    }

    /// Adds a message to a session and moves the session's summary along (caller's transaction).
    static func appendMessage(to session: InboxSession, direction: MessageDirection, author: String, authorName: String?, text: String,
                              media: [MediaRef], status: MessageStatus, providerID: String?, replyRef: JSONValue? = nil,
                              now: Date, on tx: any Database) async throws -> Message {
        // Claim the next sequence number atomically (concurrent writers on Postgres).
        let rows = try await tx.sql.update(InboxSession.schema)
            .set("next_seq", to: SQLRaw("next_seq + 1"))
            .set("last_text", to: String(text.prefix(200)))
            .set("last_direction", to: direction)
            .set("last_at", to: now)
            .set("updated_at", to: now)
            .set("unread_count", to: direction == .inbound ? SQLRaw("unread_count + 1") as any SQLExpression : SQLColumn("unread_count"))
            .set("last_inbound_at", to: direction == .inbound ? SQLBind(now) as any SQLExpression : SQLColumn("last_inbound_at"))
            .where("id", .equal, session.id!)
            .returning("next_seq", "unread_count").all()
        guard let row = rows.first else { throw APIError.notFound("Session") }
        let seq = try row.decode(column: "next_seq", as: Int64.self) - 1
        session.nextSeq = seq + 1
        session.lastText = String(text.prefix(200))
        session.lastDirection = direction
        session.lastAt = now
        session.updatedAt = now
        session.unreadCount = try row.decode(column: "unread_count", as: Int.self)
        if direction == .inbound { session.lastInboundAt = now }
        let m = Message()
        m.id = UUID()
        m.businessID = session.businessID
        m.sessionID = session.id!
        m.channelID = session.channelID
        m.seq = seq
        m.direction = direction
        m.author = author
        m.authorName = authorName.map { String($0.prefix(200)) }
        m.text = text
        m.media = String(decoding: (try? JSONEncoder().encode(media)) ?? Data("[]".utf8), as: UTF8.self)
        m.status = status
        m.providerID = providerID
        m.replyRef = replyRef?.jsonText
        m.createdAt = now
        m.updatedAt = now
        try await m.create(on: tx)
        return m
    }

    // MARK: outbound

    /// Queues a message on a session: a `queued` message row, its outbox row and the send job, in
    /// one transaction.
    func queueOutbound(session: InboxSession, text: String, mediaURL: String? = nil, author: String, authorName: String?,
                       template: TemplateRequest? = nil, on existing: (any Database)? = nil) async throws -> Message {
        let channel = try await self.channel(session.channelID, includeDeleted: true)
        guard channel.deletedAt == nil else {
            throw APIError.conflict("channel_deleted", "This conversation's channel was removed; reconnect it on Integrations to reply.")
        }
        guard channel.enabled else {
            throw APIError.conflict("channel_disabled", "The \(channel.name) channel is disabled; enable it on Integrations to reply.")
        }
        guard let contact = try await Contact.find(session.contactID, on: db) else { throw APIError.notFound("Contact") }
        let businessID = businessID, now = now, maxAttempts = app.munimConfig.outboxMaxAttempts
        let body: @Sendable (any Database) async throws -> Message = { tx in
            let media = mediaURL.map { [MediaRef(url: $0, contentType: nil)] } ?? []
            let m = try await Self.appendMessage(to: session, direction: .outbound, author: author, authorName: authorName, text: text,
                                                 media: media, status: .queued, providerID: nil, now: now, on: tx)
            let o = OutboxItem()
            o.id = UUID()
            o.businessID = businessID
            o.channelID = session.channelID
            o.messageID = m.id!
            o.recipient = contact.handle
            o.body = text
            o.mediaURL = mediaURL
            o.purpose = template?.purpose.rawValue
            o.templateValues = template?.valuesJSON
            o.status = .queued
            o.attempts = 0
            o.idempotencyKey = "msg-\(m.id!.uuidString.lowercased())"
            o.createdAt = now
            o.updatedAt = now
            try await o.create(on: tx)
            try await JobQueue.enqueue(OutboxSendJob.self, OutboxPayload(outboxID: o.id!), businessID: businessID, runAt: now, maxAttempts: maxAttempts, on: tx)
            return m
        }
        let message: Message
        if let existing {
            message = try await body(existing)
        } else {
            message = try await store.write(db, body)
            publishCreated(message, session: session, channel: channel)
        }
        return message
    }

    /// Sends to a handle on a channel, opening the inbox session if needed (tests, reminders,
    /// workflow nodes).
    func send(on channel: Channel, to rawHandle: String, name: String? = nil, text: String, mediaURL: String? = nil,
              author: String, authorName: String?, template: TemplateRequest? = nil) async throws -> (InboxSession, Message) {
        let handle = Self.normalizeHandle(channel.kind, rawHandle)
        let channelID = channel.id!, businessID = businessID, now = now
        let owners = try await ownerNumbers()
        let isOwner = Self.phoneKey(handle).map { owners[$0] != nil } ?? false
        let (session, _) = try await store.write(db) { tx in
            try await Self.findOrCreateSession(channelID: channelID, businessID: businessID, handle: handle, name: name,
                                               isOwner: isOwner, threadRef: nil, now: now, on: tx)
        }
        let message = try await queueOutbound(session: session, text: text, mediaURL: mediaURL, author: author, authorName: authorName,
                                              template: template)
        return (session, message)
    }

    // MARK: events

    func publishCreated(_ message: Message, session: InboxSession, channel: Channel) {
        let app = app, businessID = businessID
        guard app.events.hasSubscribers(businessID) else { return }
        Task {
            guard let dto = try? await InboxViews.session(session, on: app.db) else { return }
            app.events.publish(businessID, BusinessEvent(type: "message.created", id: message.id!, at: message.createdAt,
                                                         data: ["session_id": .string(session.id!.uuidString), "message": ((try? JSONValue(encoding: MessageDTO(message))) ?? .null)]))
            app.events.publish(businessID, BusinessEvent(type: "session.updated", id: session.id!, at: message.createdAt,
                                                         data: ["session": ((try? JSONValue(encoding: dto)) ?? .null)]))
        }
    }

    static func publishUpdated(_ app: Application, _ message: Message) {
        app.events.publish(message.businessID, BusinessEvent(type: "message.updated", id: message.id!, at: message.updatedAt,
                                                             data: ["session_id": .string(message.sessionID.uuidString),
                                                                    "message": ((try? JSONValue(encoding: MessageDTO(message))) ?? .null)]))
    }

    /// Applies a provider's delivery status to a message: never backwards, failures keep the
    /// provider's code and text.
    static func applyStatus(_ app: Application, channelID: UUID, providerID: String, status raw: String,
                            errorCode: String?, errorMessage: String?) async throws -> Bool {
        let mapped: MessageStatus?
        switch raw.lowercased() {
        case "accepted", "queued", "scheduled": mapped = .queued
        case "sending": mapped = .sending
        case "sent": mapped = .sent
        case "delivered": mapped = .delivered
        case "read": mapped = .read
        case "failed", "canceled": mapped = .failed
        case "undelivered": mapped = .undelivered
        default: mapped = nil
        }
        guard let status = mapped else { return false }
        let now = app.clock.now()
        let updated: Message? = try await app.store.write(app.db) { tx in
            guard let m = try await Message.query(on: tx).filter(\.$channelID == channelID).filter(\.$providerID == providerID).first() else {
                return nil
            }
            guard status.rank > m.status.rank else { return nil }
            m.status = status
            if status == .failed || status == .undelivered {
                m.errorCode = errorCode
                m.errorMessage = errorCode == "63016" ? WhatsAppWindow.twilioRefusal : errorMessage ?? (errorCode.map { "Twilio error \($0)" })
            }
            m.updatedAt = now
            try await m.save(on: tx)
            return m
        }
        if let updated { publishUpdated(app, updated) }
        return true
    }
}
