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
        if let c = try await messaging.whatsappChannel() { return c }
        return try await messaging.simulatorChannel()
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
}
