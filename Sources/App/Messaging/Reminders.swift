import Fluent
import Foundation
import Vapor

/// Payment reminders over WhatsApp (issue 4 §8): the balance, plus a payment link when Razorpay
/// is configured; logged in the inbox like any other message.
struct Reminders {
    let messaging: MessagingService
    let userID: UUID?

    /// The first connected (or pending) WhatsApp channel, else the simulator.
    func channel(_ id: UUID?) async throws -> Channel {
        if let id { return try await messaging.channel(id) }
        return try await messaging.outboundChannel()
    }

    static func text(business: Business, customerName: String, due: Int64, link: String?) -> String {
        let hi = business.preferredLanguage == "hi"
        var t = hi ? "Namaste \(customerName), \(business.name) se yaad dilana tha: \(Money.format(due)) baaki hai."
                   : "Namaste \(customerName), a friendly reminder from \(business.name): \(Money.format(due)) is due."
        if let link { t += hi ? " Yahan pay kijiye: \(link)" : " Pay here: \(link)" }
        else if let upi = business.upiID { t += hi ? " UPI: \(upi)" : " UPI: \(upi)" }
        t += hi ? " Dhanyavaad!" : " Thank you!"
        return t
    }

    func send(customerID: UUID, channelID: UUID?) async throws -> (InboxSession, Message) {
        let ledger = LedgerService(db: messaging.db, store: messaging.store, businessID: messaging.businessID, userID: userID, now: messaging.now)
        let customer = try await ledger.customer(customerID)
        guard let phone = customer.phone else {
            throw APIError(.unprocessableEntity, "no_phone", "\(customer.name) has no phone number; add one to send a reminder.")
        }
        guard customer.balance > 0 else {
            throw APIError(.unprocessableEntity, "nothing_due", "\(customer.name) owes nothing, so there is no reminder to send.")
        }
        let business = try await ledger.business()
        let channel = try await channel(channelID)
        let link = try await PaymentLinks.linkIfConfigured(messaging.app, businessID: messaging.businessID, amount: customer.balance,
                                                          customer: customer, reference: "reminder-\(customerID.uuidString.prefix(8))-\(Int(messaging.now.timeIntervalSince1970))")
        let text = Self.text(business: business, customerName: customer.name, due: customer.balance, link: link)
        let template = TemplateRequest(purpose: .paymentReminder, values: [
            "customer_name": customer.name, "business_name": business.name, "amount_due": Money.format(customer.balance),
            // Read after "Payment:" in the recommended texts: a link, the UPI id, or the shop itself.
            "payment_link": link ?? business.upiID.map { "UPI \($0)" } ?? (business.preferredLanguage == "hi" ? "दुकान पर नकद या UPI" : "cash or UPI at the shop"),
        ])
        return try await messaging.send(on: channel, to: phone, name: customer.name, text: text, author: "system", authorName: "Reminder",
                                        template: template)
    }

    // MARK: everyone who owes (issue 18 §5)

    /// The most reminders one "Remind all debtors" sends (the largest balances first).
    static let bulkLimit = 500

    struct BulkEntry: Content {
        let customerId: UUID
        let name: String
        let due: Int64
        /// Why this one is not sent: no phone, sent STOP; null when it goes.
        @NullEncoded var skip: String?
    }

    struct BulkPreview: Content {
        /// Reminders that will be sent.
        let count: Int
        let totalDue: Int64
        let customers: [BulkEntry]
        /// The approved template used for customers outside WhatsApp's 24-hour window (a message
        /// WhatsApp charges for); null when there is none, and those reminders will fail.
        @NullEncoded var template: String?
        @NullEncoded var channel: String?
    }

    struct BulkResult: Content {
        let sent: Int
        let skipped: [BulkEntry]
    }

    func bulkPreview() async throws -> BulkPreview {
        let reads = LedgerReads(db: messaging.db, businessID: messaging.businessID)
        let debtors = try await reads.debtors(activeOnly: true, limit: Self.bulkLimit)
        let stopped = try await OptOut.optedOutHandles(businessID: messaging.businessID, db: messaging.db)
        let entries = debtors.map { c in
            // WhatsApp and simulator contacts share the E.164 handle.
            let skip: String?
            if let phone = c.phone {
                skip = stopped.contains(MessagingService.normalizeHandle(.twilioWhatsapp, phone)) ? "sent STOP" : nil
            } else {
                skip = "no phone number"
            }
            return BulkEntry(customerId: c.id!, name: c.name, due: c.balance, skip: skip)
        }
        let going = entries.filter { $0.skip == nil }
        let templates = try await WhatsAppTemplates(messaging: messaging).list()
            .filter { $0.purpose == TemplatePurpose.paymentReminder.rawValue && $0.status == .approved }
        let channel = try await channel(nil)
        return BulkPreview(count: going.count, totalDue: going.reduce(0) { $0 &+ $1.due }, customers: entries,
                           template: channel.kind == .twilioWhatsapp ? templates.first.map(\.name) : nil,
                           channel: channel.name)
    }

    /// Sends a reminder to every debtor with a phone who did not send STOP, each through the
    /// outbox (the provider lane's per-provider cap keeps the pace well under Twilio's limit).
    func sendAll() async throws -> BulkResult {
        let preview = try await bulkPreview()
        var sent = 0
        var skipped = preview.customers.filter { $0.skip != nil }
        for entry in preview.customers where entry.skip == nil {
            do {
                _ = try await send(customerID: entry.customerId, channelID: nil)
                sent += 1
            } catch let e as APIError {
                skipped.append(BulkEntry(customerId: entry.customerId, name: entry.name, due: entry.due, skip: e.message))
            }
        }
        return BulkResult(sent: sent, skipped: skipped)
    }
}
