import AssistantNLU
import Fluent
import Foundation
import SQLKit
import Vapor

/// Job handlers of the messaging domain: routing inbound messages (DESIGN §6), sending the outbox,
/// and verifying channel credentials.
enum MessagingJobs {
    /// An inbound message that could not be processed: the inbox shows why, and it is not routed again.
    static func routeDied(messageID id: UUID, _ job: DeadJob, _ app: Application, _ tx: any Database) async throws -> DeadJobs.AfterCommit? {
        try await Message.query(on: tx).filter(\.$id == id)
            .set(\.$errorCode, to: "processing_failed")
            .set(\.$errorMessage, to: "Munim could not process this message (\(job.reason)). See Operations.")
            .set(\.$routedAt, to: app.clock.now()).set(\.$updatedAt, to: app.clock.now())
            .update()
        guard let m = try await Message.find(id, on: tx) else { return nil }
        return { MessagingService.publishUpdated(app, m) }
    }

    /// Hooks other domains register to see inbound customer messages (workflow message triggers).
    /// Called after routing, with `{channel, from, text, session_id, contact}`.
    typealias MessageSink = @Sendable (_ app: Application, _ businessID: UUID, _ payload: JSONValue, _ channelID: UUID) async throws -> Void

    /// Routes one stored inbound message: the owner's and staff's numbers reach the assistant;
    /// anyone else reaches the inbox, the customer bot when it is on, and message triggers.
    @Sendable static func route(_ job: MessagePayload, _ ctx: JobContext) async throws {
        let messageID = job.messageID
        guard let businessID = ctx.job.businessID else { throw JobFailure.permanent("routing job without a business") }
        guard let message = try await Message.query(on: ctx.db).filter(\.$businessID == businessID).filter(\.$id == messageID).first() else {
            return  // deleted with its business
        }
        if message.routedAt != nil { return }
        // A voice note is heard first; its transcription job routes it again (VoiceNotes).
        if try await VoiceNotes.transcribeFirst(message, ctx) { return }
        let messaging = MessagingService(app: ctx.app, businessID: businessID)
        let session = try await messaging.session(message.sessionID)
        let channel = try await messaging.channel(message.channelID, includeDeleted: true)
        guard let contact = try await Contact.find(session.contactID, on: ctx.db) else { return }

        if session.isOwner {
            try await OwnerThread.handle(message, session: session, contact: contact, messaging: messaging, logger: ctx.logger)
        } else if let wish = OptOut.keyword(message.text) {
            // STOP / START: recorded for this number on every channel of the business, confirmed once.
            let business = try await AccountsService(db: ctx.db).business(businessID)
            try await OptOut.set(wish == .stop, handle: contact.handle, businessID: businessID, now: ctx.now, store: ctx.store, db: ctx.db)
            _ = try await messaging.queueOutbound(session: session, text: OptOut.reply(wish, business: business), author: "bot",
                                                  authorName: wish == .stop ? "Opted out" : "Opted in")
        } else {
            // The bot answers what was said or heard; a voice note nobody could hear waits for a person.
            let said = message.spokenText
            if session.botActive, !said.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || message.voiceNote == nil {
                let answer = try await botAnswer(said, contact: contact, businessID: businessID, db: ctx.db)
                if answer.handoff {
                    try await ctx.store.write(ctx.db) { tx in
                        try await InboxSession.query(on: tx).filter(\.$id == session.id!).set(\.$botActive, to: false).update()
                    }
                    session.botActive = false
                }
                _ = try await messaging.queueOutbound(session: session, text: answer.text, author: "bot", authorName: "Bot")
            }
            let payload: JSONValue = [
                "channel": .string(channel.kind.platform), "channel_id": .string(channel.id!.uuidString),
                "from": .string(contact.handle), "text": .string(said), "session_id": .string(session.id!.uuidString),
                "message_id": .string(message.id!.uuidString),
                "contact": ["id": .string(contact.id!.uuidString), "name": contact.name.map { .string($0) } ?? .null,
                            "handle": .string(contact.handle), "customer_id": contact.customerID.map { .string($0.uuidString) } ?? .null],
            ]
            for sink in ctx.app.messageSinks {
                try await sink(ctx.app, businessID, payload, channel.id!)
            }
        }
        try await ctx.store.write(ctx.db) { tx in
            try await Message.query(on: tx).filter(\.$id == messageID).set(\.$routedAt, to: ctx.now).update()
        }
    }

    static func botAnswer(_ text: String, contact: Contact, businessID: UUID, db: any Database) async throws -> CustomerBot.Answer {
        guard let business = try await AccountsService(db: db).findBusiness(businessID) else { throw JobFailure.permanent("business gone") }
        let ledger = LedgerReads(db: db, businessID: businessID)
        let products = try await ledger.activeProducts(limit: 2000)
        var customer: (String, Int64)? = nil
        if let cid = contact.customerID, let c = try await ledger.customer(cid) {
            customer = (c.name, c.balance)
        }
        let context = CustomerBot.Context(businessName: business.name, hours: business.hours, address: business.address,
                                          products: products.map { .init(name: $0.name, unit: $0.unit, price: $0.price, stock: $0.stock, lowStock: $0.lowStockThreshold,
                                                                                    gstBP: $0.gstRateBP, priceIncludesGST: $0.priceIncludesGST) },
                                          customer: customer, hinglish: business.preferredLanguage == "hi")
        return CustomerBot.answer(text, context: context)
    }
}

extension Application {
    private struct SinksKey: StorageKey { typealias Value = [MessagingJobs.MessageSink] }

    var messageSinks: [MessagingJobs.MessageSink] {
        get { storage[SinksKey.self] ?? [] }
        set { storage[SinksKey.self] = newValue }
    }
}

/// The owner's (or a staff member's) own number talking to the assistant over a channel: cards
/// become text with numbered options, "1" confirms and "2" cancels the open card.
enum OwnerThread {
    static func handle(_ message: Message, session: InboxSession, contact: Contact, messaging: MessagingService, logger: Logger) async throws {
        let app = messaging.app
        let owners = try await messaging.ownerNumbers()
        guard let key = MessagingService.phoneKey(contact.handle), let userID = owners[key] ?? owners.values.first else {
            _ = try await messaging.queueOutbound(session: session, text: "This number is not linked to the business any more.",
                                                  author: "system", authorName: nil)
            return
        }
        let assistant = AssistantService(db: app.db, store: app.store, businessID: messaging.businessID, userID: userID,
                                         now: messaging.now, logger: logger, engine: ParseEngine(app: app), app: app)
        let text = message.spokenText.trimmingCharacters(in: .whitespacesAndNewlines)
        let heard = message.transcript == nil ? nil : text
        // Replies speak the message's language (issue 18 §2); "1" or "3" the business's.
        let preferred = try await AccountsService(db: app.db).business(messaging.businessID).preferredLanguage
        var say = AssistantService.Say(ReplyLanguage.of(text) ?? .fallback(preferred: preferred))
        var replyText: String
        var openCard: UUID? = nil
        var offer: UUID? = nil
        let approver = try await AccountsService(db: app.db).userName(userID) ?? "owner"
        if let answer = try await Approvals.ownerReply(app, businessID: messaging.businessID, text: text,
                                                       decidedBy: "\(approver) (WhatsApp)", now: messaging.now) {
            // "approve …" / "reject …": a workflow approval, not the assistant; an open card stays open.
            replyText = answer
            openCard = session.openCardID
        } else if let cardID = session.openCardID, let choice = Replies.number(text).map(Int.init), choice == 1 || choice == 2, text.count <= 3 {
            do {
                let r = choice == 1 ? try await assistant.confirm(cardID) : try await assistant.cancel(cardID)
                replyText = r.reply
                // The card answers in the language it was asked in; the offer follows it.
                if let asked = ReplyLanguage.of(r.reply) { say = AssistantService.Say(asked) }
                if let follow = r.followUp { replyText += "\n" + CardText.render(follow, say) }
                if choice == 1, let follow = r.followUp {
                    publishLedgerEvent(app, businessID: messaging.businessID, follow: follow)
                    // A sale just issued: offer to send the bill to the customer from here.
                    if let (line, invoiceID) = try await sendOffer(follow, messaging: messaging, say: say) {
                        replyText += "\n\n" + line
                        offer = invoiceID
                    }
                }
            } catch let e as APIError {
                replyText = e.message
            }
        } else if let invoiceID = session.offeredInvoiceID, Replies.number(text) == 3, text.count <= 3 {
            do {
                let inv = try await LedgerService(db: app.db, store: app.store, businessID: messaging.businessID, userID: userID, now: messaging.now)
                    .invoice(invoiceID)
                let name = try await LedgerReads(db: app.db, businessID: messaging.businessID).customer(inv.customerID)?.name ?? "the customer"
                let done = say("\(inv.numberText ?? "The invoice") is on its way to \(name) on WhatsApp, with the PDF.",
                               "\(inv.numberText ?? "Bill") \(name) ko WhatsApp par PDF ke saath bhej diya.",
                               "\(inv.numberText ?? "बिल") \(name) को WhatsApp पर PDF के साथ भेज दिया।")
                // The offer is used, the bill queued and the owner answered in one transaction: a
                // job retried after a failure finds the offer taken and never sends the bill twice.
                let sessionID = session.id!, businessID = messaging.businessID
                try await app.store.write(app.db) { tx in
                    let taken = try await tx.sql.raw("""
                        UPDATE inbox_sessions SET offered_invoice_id = NULL
                        WHERE id = \(bind: sessionID) AND offered_invoice_id = \(bind: invoiceID) RETURNING id
                        """).all()
                    guard !taken.isEmpty else { return }
                    let inTx = MessagingService(app: app, businessID: businessID, db: tx)
                    _ = try await InvoiceSharing(messaging: inTx, userID: userID).send(invoiceID: invoiceID, channelID: nil)
                    _ = try await inTx.queueOutbound(session: session, text: done, author: "assistant", authorName: "Munim")
                }
                session.offeredInvoiceID = nil
                return
            } catch let e as APIError {
                replyText = e.message
            }
            openCard = session.openCardID
        } else if text.isEmpty, message.voiceNote != nil {
            replyText = VoiceNotes.ownerReply(message, transcriptionEnabled: app.munimConfig.transcriptionEnabled)
            openCard = session.openCardID
        } else if text.isEmpty {
            replyText = "I read text and voice notes. Please type the sale, payment or question, or send it as a voice note."
            openCard = session.openCardID
        } else {
            let reply = try await assistant.handle(text: text, conversationID: session.conversationID, transcript: heard)
            if session.conversationID != reply.conversationId {
                try await app.store.write(app.db) { tx in
                    try await InboxSession.query(on: tx).filter(\.$id == session.id!).set(\.$conversationID, to: reply.conversationId).update()
                }
                session.conversationID = reply.conversationId
            }
            // What was heard comes first, so a wrong transcription is seen before Confirm.
            replyText = (heard.map { say("Heard: “\($0)”", "Suna: “\($0)”", "सुना: “\($0)”") + "\n\n" } ?? "") + reply.reply
            if let card = reply.card {
                replyText += "\n\n" + CardText.render(card, say)
                if card.status == .pending {
                    openCard = card.id
                    replyText += "\n\n" + say("Reply 1 to confirm, 2 to cancel.", "Pakka karne ke liye 1, cancel ke liye 2 likhiye.",
                                                "पक्का करने के लिए 1, रद्द करने के लिए 2 लिखिए।")
                }
            }
        }
        let stillOpen = openCard, offered = offer
        try await app.store.write(app.db) { tx in
            try await InboxSession.query(on: tx).filter(\.$id == session.id!).set(\.$openCardID, to: stillOpen)
                .set(\.$offeredInvoiceID, to: offered).update()
        }
        session.openCardID = openCard
        session.offeredInvoiceID = offer
        _ = try await messaging.queueOutbound(session: session, text: replyText, author: "assistant", authorName: "Munim")
    }

    /// "Reply 3 to send INV-0007 to Ramesh on WhatsApp." after an issued invoice whose customer
    /// has a phone and when a WhatsApp channel is connected; nil otherwise.
    static func sendOffer(_ follow: CardDTO, messaging: MessagingService, say: AssistantService.Say) async throws -> (String, UUID)? {
        guard follow.kind == "invoice_issued", case .string(let raw)? = follow.data["invoice_id"], let invoiceID = UUID(uuidString: raw),
              try await messaging.whatsappChannel() != nil else { return nil }
        let reads = LedgerReads(db: messaging.db, businessID: messaging.businessID)
        guard let inv = try await reads.invoices(ids: [invoiceID]).first, let number = inv.numberText,
              let customer = try await reads.customer(inv.customerID), customer.phone != nil else { return nil }
        return (say("Reply 3 to send \(number) to \(customer.name) on WhatsApp.", "\(number) \(customer.name) ko WhatsApp par bhejne ke liye 3 likhiye.",
                    "\(number) \(customer.name) को WhatsApp पर भेजने के लिए 3 लिखिए।"), invoiceID)
    }

    static func publishLedgerEvent(_ app: Application, businessID: UUID, follow: CardDTO) {
        guard let (type, id) = follow.ledgerEvent else { return }
        app.events.publish(businessID, BusinessEvent(type: type, id: id, at: app.clock.now(), data: follow.data))
    }
}

extension CardDTO {
    /// The business event a confirmed card's follow-up stands for (`invoice.updated` or
    /// `payment.recorded`), for the web and WhatsApp confirm paths alike.
    var ledgerEvent: (type: String, id: UUID)? {
        guard case .string(let raw)? = data["invoice_id"] ?? data["payment_id"], let id = UUID(uuidString: raw) else { return nil }
        return (kind == "invoice_issued" ? "invoice.updated" : "payment.recorded", id)
    }
}

/// A card as plain text for chat channels, its labels in the reply's language (issue 19 §2).
enum CardText {
    static func render(_ card: CardDTO, _ say: AssistantService.Say) -> String {
        let d = card.data
        func money(_ key: String) -> String? { if case .int(let v)? = d[key] { return Money.format(v) } else { return nil } }
        func str(_ v: JSONValue?) -> String? {
            switch v {
            case .string(let s)?: return s
            case .int(let i)?: return String(i)
            case .double(let x)?: return String(x)
            default: return nil
            }
        }
        var lines = ["*\(card.title)*"]
        if case .array(let items)? = d["items"] ?? d["lines"] {
            for item in items {
                // Preview lines name the product as a string; issued ones as {id, name}.
                let name = str(item["name"]) ?? str(item["product"]) ?? str(item["product"]?["name"]) ?? str(item["description"]) ?? "item"
                let qty = [str(item["quantity"]), str(item["unit"])].compactMap { $0 }.joined(separator: " ")
                let amount = ["amount", "line_total", "total"].lazy.compactMap { key -> String? in
                    if case .int(let v)? = item[key] { return Money.format(v) } else { return nil }
                }.first
                lines.append("• \(qty.isEmpty ? "" : qty + " ")\(name)\(amount.map { " = \($0)" } ?? "")")
            }
        }
        let due = say("Due", "Baaki", "बाकी")
        let labelled: [(String, String)] = [
            ("total", say("Total", "Total", "कुल")), ("amount_paid", say("Paid", "Jama", "जमा")), ("balance_due", due),
            ("amount", say("Amount", "Rakam", "रक़म")), ("customer_balance", say("Customer balance", "Customer ka baaki", "ग्राहक का बाकी")),
            ("balance_after", say("Balance after", "Baad mein baaki", "बाद में बाकी")), ("due", due),
        ]
        for (key, label) in labelled { if let v = money(key) { lines.append("\(label): \(v)") } }
        if let stock = str(d["stock"]), let unit = str(d["unit"]) { lines.append("\(say("Stock", "Stock", "स्टॉक")): \(stock) \(unit)") }
        if case .array(let debtors)? = d["debtors"] {
            for x in debtors.prefix(10) {
                if let n = str(x["name"]), case .int(let due)? = x["balance"] ?? x["due"] { lines.append("• \(n): \(Money.format(due))") }
            }
        }
        if let text = str(d["text"]) { lines.append(text) }
        if let pdf = str(d["pdf_url"]) { lines.append("PDF: \(pdf)") }
        return lines.joined(separator: "\n")
    }
}
