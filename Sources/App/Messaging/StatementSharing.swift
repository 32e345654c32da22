import Fluent
import Foundation
import Vapor

/// A customer's statement of account on WhatsApp (issue 18 §4): the balance, the period and a
/// signed link to the statement PDF (attached as media), from the business's own number — as the
/// approved "statement" template when the customer last wrote more than 24 hours ago.
struct StatementSharing {
    let messaging: MessagingService
    let userID: UUID?

    static func text(business: Business, customerName: String, period: String, due: Int64, link: String) -> String {
        if business.preferredLanguage == "hi" {
            let dueText = due > 0 ? "\(Money.format(due)) baaki" : due < 0 ? "\(Money.format(-due)) advance jama" : "kuch baaki nahi"
            return "Namaste \(customerName), \(business.name) ka aapka hisaab (\(period)): \(dueText). PDF: \(link)"
        }
        let dueText = due > 0 ? "\(Money.format(due)) due" : due < 0 ? "\(Money.format(-due)) in advance" : "nothing due"
        return "Namaste \(customerName), here is your statement of account from \(business.name) (\(period)): \(dueText). PDF: \(link)"
    }

    /// Sends the statement for `from`…`to` (from the start, up to today, by default).
    func send(customerID: UUID, channelID: UUID?, from: String?, to: String?) async throws -> (InboxSession, Message) {
        let ledger = LedgerService(db: messaging.db, store: messaging.store, businessID: messaging.businessID, userID: userID, now: messaging.now)
        let customer = try await ledger.customer(customerID)
        guard let phone = customer.phone else {
            throw APIError(.unprocessableEntity, "no_phone", "\(customer.name) has no phone number; add one to send the statement.")
        }
        let channel = try await messaging.documentChannel(channelID, advice: "Connect one on the Integrations page, or download the PDF and share it.")
        let business = try await ledger.business()
        let today = Validate.localDate(messaging.now, timezone: business.timezone)
        let end = min(to ?? today, today)
        let start = from ?? StatementLinks.beginning
        guard start <= end else { throw APIError.validation("from", "must not be after to") }
        let statement = try await LedgerController.statement(service: ledger, customerID: customerID,
                                                            from: from, to: end)
        let due = statement.closingBalance
        let period = from == nil ? "up to \(IndianDate.text(end))" : "\(IndianDate.text(start)) to \(IndianDate.text(end))"
        let link = StatementLinks.url(messaging.app, customerID: customerID, businessID: messaging.businessID, from: start, to: end, now: messaging.now)
        let text = Self.text(business: business, customerName: customer.name, period: period, due: due, link: link)
        let template = TemplateRequest(purpose: .statementSent, values: [
            "customer_name": customer.name, "business_name": business.name, "period": period,
            "amount_due": Money.format(max(0, due)), "document_link": link,
            "document_path": TemplateRequest.documentPath(link, base: messaging.app.publicBaseURL),
        ])
        return try await messaging.send(on: channel, to: phone, name: customer.name, text: text, mediaURL: link,
                                        author: "system", authorName: "Statement", template: template)
    }
}
