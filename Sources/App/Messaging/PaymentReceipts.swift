import Fluent
import Foundation
import Vapor

/// A payment receipt on WhatsApp (issue 18 §4): what was received, how, when, and what is still
/// due, from the business's own number through the outbox — as the approved "payment received"
/// template when the customer last wrote more than 24 hours ago.
struct PaymentReceipts {
    let messaging: MessagingService
    let userID: UUID?

    static func modeText(_ mode: PaymentMode) -> String {
        switch mode {
        case .cash: return "cash"
        case .upi: return "UPI"
        case .card: return "card"
        case .bank: return "bank transfer"
        case .cheque: return "cheque"
        case .other: return "other"
        }
    }

    static func text(business: Business, customerName: String, amount: Int64, mode: PaymentMode, paidOn: String, balance: Int64) -> String {
        let date = IndianDate.text(paidOn)
        if business.preferredLanguage == "hi" {
            let after = balance > 0 ? "Ab baaki: \(Money.format(balance))." : balance < 0 ? "Aapka \(Money.format(-balance)) advance jama hai." : "Ab kuch baaki nahi."
            return "Namaste \(customerName), \(business.name) ko aapka \(Money.format(amount)) (\(modeText(mode))) ka bhugtan \(date) ko mil gaya. \(after) Dhanyavaad!"
        }
        let after = balance > 0 ? "Balance due: \(Money.format(balance))." : balance < 0 ? "You have \(Money.format(-balance)) in advance with us." : "Nothing is due now."
        return "Namaste \(customerName), \(business.name) received your payment of \(Money.format(amount)) (\(modeText(mode))) on \(date). \(after) Thank you!"
    }

    func send(paymentID: UUID, channelID: UUID?) async throws -> (InboxSession, Message) {
        let ledger = LedgerService(db: messaging.db, store: messaging.store, businessID: messaging.businessID, userID: userID, now: messaging.now)
        let payment = try await ledger.payment(paymentID)
        let customer = try await ledger.customer(payment.customerID)
        guard let phone = customer.phone else {
            throw APIError(.unprocessableEntity, "no_phone", "\(customer.name) has no phone number; add one to send the receipt.")
        }
        let channel = try await messaging.documentChannel(channelID, advice: "Connect one on the Integrations page.")
        let business = try await ledger.business()
        let text = Self.text(business: business, customerName: customer.name, amount: payment.amount, mode: payment.mode,
                             paidOn: payment.paidOn, balance: customer.balance)
        let template = TemplateRequest(purpose: .paymentReceived, values: [
            "customer_name": customer.name, "business_name": business.name, "amount_paid": Money.format(payment.amount),
            "amount_due": Money.format(max(0, customer.balance)),
        ])
        return try await messaging.send(on: channel, to: phone, name: customer.name, text: text, author: "system", authorName: "Receipt",
                                        template: template)
    }
}
