import Fluent
import Foundation
import Vapor

/// Sharing an issued invoice (issue 17 §3, issue 18 §4): the message and the signed PDF link, a
/// `wa.me` link that opens WhatsApp on the owner's phone with the message typed, a `mailto:` link,
/// and — when a WhatsApp channel is connected — sending it from the business's own number with
/// the PDF attached (through the outbox, like any reply).
struct InvoiceSharing {
    let messaging: MessagingService
    let userID: UUID?

    struct ChannelRef: Content {
        let id: UUID
        let name: String
    }

    struct Share: Content {
        let pdfUrl: String
        let message: String
        @NullEncoded var whatsappUrl: String?
        @NullEncoded var emailUrl: String?
        @NullEncoded var phone: String?
        /// The WhatsApp channel `POST /invoices/{id}/send` would use; null when none is connected.
        @NullEncoded var channel: ChannelRef?
    }

    /// The message a customer gets: who it is from, the number, the total and what is still due.
    static func text(business: Business, customerName: String, number: String, total: Int64, due: Int64, link: String) -> String {
        if business.preferredLanguage == "hi" {
            let dueText = due > 0 ? ", \(Money.format(due)) baaki" : ", poora paid — dhanyavaad!"
            return "Namaste \(customerName), \(business.name) ka bill \(number): \(Money.format(total))\(dueText). PDF: \(link)"
        }
        let dueText = due > 0 ? ", \(Money.format(due)) due" : ", paid in full — thank you!"
        return "Namaste \(customerName), here is your invoice \(number) from \(business.name): \(Money.format(total))\(dueText). PDF: \(link)"
    }

    /// Characters left as they are in a query value; everything else is percent-encoded.
    static let queryValue: CharacterSet = {
        var s = CharacterSet.alphanumerics
        s.insert(charactersIn: "-._~")
        return s
    }()

    static func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: queryValue) ?? "" }

    /// `https://wa.me/919812345678?text=…` for an E.164 number.
    static func whatsappURL(phone: String, text: String) -> String? {
        let digits = phone.filter(\.isASCII).filter(\.isNumber)
        guard (8...15).contains(digits.count) else { return nil }
        return "https://wa.me/\(digits)?text=\(encode(text))"
    }

    static func emailURL(email: String, subject: String, body: String) -> String {
        "mailto:\(encode(email))?subject=\(encode(subject))&body=\(encode(body))"
    }

    private func parts(_ invoiceID: UUID) async throws -> (Invoice, Customer, Business, String, String) {
        let ledger = LedgerService(db: messaging.db, store: messaging.store, businessID: messaging.businessID, userID: userID, now: messaging.now)
        let inv = try await ledger.invoice(invoiceID)
        guard let number = inv.numberText, inv.status != .draft else {
            throw APIError.conflict("invalid_state", "Issue the invoice first: a draft cannot be shared.")
        }
        if inv.status == .void { throw APIError.conflict("invalid_state", "This invoice is void; it cannot be shared.") }
        let customer = try await ledger.customer(inv.customerID)
        let business = try await ledger.business()
        let link = InvoiceLinks.url(messaging.app, invoiceID: invoiceID, businessID: messaging.businessID, now: messaging.now)
        let text = Self.text(business: business, customerName: customer.name, number: number, total: inv.total,
                             due: max(0, inv.balanceDue), link: link)
        return (inv, customer, business, link, text)
    }

    func share(invoiceID: UUID) async throws -> Share {
        let (inv, customer, business, link, text) = try await parts(invoiceID)
        let channel = try await messaging.whatsappChannel()
        return Share(pdfUrl: link, message: text,
                     whatsappUrl: customer.phone.flatMap { Self.whatsappURL(phone: $0, text: text) },
                     emailUrl: customer.email.map { Self.emailURL(email: $0, subject: "Invoice \(inv.numberText ?? "") from \(business.name)", body: text) },
                     phone: customer.phone,
                     channel: channel.map { ChannelRef(id: $0.id!, name: $0.name) })
    }

    func send(invoiceID: UUID, channelID: UUID?) async throws -> (InboxSession, Message) {
        let (inv, customer, business, link, text) = try await parts(invoiceID)
        guard let phone = customer.phone else {
            throw APIError(.unprocessableEntity, "no_phone", "\(customer.name) has no phone number; add one to send the invoice.")
        }
        let channel = try await messaging.documentChannel(channelID, advice: "Connect one in Channels, or share the WhatsApp link instead.")
        let template = TemplateRequest(purpose: .invoiceSent, values: [
            "customer_name": customer.name, "business_name": business.name, "invoice_number": inv.numberText ?? "",
            "invoice_total": Money.format(inv.total), "amount_due": Money.format(max(0, inv.balanceDue)), "document_link": link,
            "document_path": TemplateRequest.documentPath(link, base: messaging.app.publicBaseURL),
        ])
        return try await messaging.send(on: channel, to: phone, name: customer.name, text: text, mediaURL: link,
                                        author: "system", authorName: "Invoice", template: template)
    }
}
