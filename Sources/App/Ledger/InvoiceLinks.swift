import Fluent
import Foundation
import Vapor

/// Signed, expiring public links to an invoice PDF, for providers that fetch a file by URL (Twilio's
/// MediaUrl) and for customers without an account. `GET /p/invoices/{id}.pdf?b=&exp=&sig=` where
/// `sig` is an HMAC over the invoice, business and expiry under a key derived from the vault key.
enum InvoiceLinks {
    static let link = SignedLink(purpose: "invoice-pdf-link", noun: "invoice")

    static func url(_ app: Application, invoiceID: UUID, businessID: UUID, now: Date) -> String {
        let (exp, sig) = link.sign(app, fields(invoiceID, businessID), now: now)
        return Endpoint.publicInvoicePDF.url(base: app.publicBaseURL, "\(invoiceID.uuidString.lowercased()).pdf",
                                            query: "b=\(businessID.uuidString.lowercased())&exp=\(exp)&sig=\(sig)")
    }

    static func fields(_ invoiceID: UUID, _ businessID: UUID) -> [String] {
        [invoiceID.uuidString.lowercased(), businessID.uuidString.lowercased()]
    }

    static func register(_ app: Application) {
        app.on(.publicInvoicePDF, use: serve)
    }

    @Sendable static func serve(req: Request) async throws -> Response {
        let file = req.parameters.get("file") ?? ""
        guard file.hasSuffix(".pdf"), let invoiceID = UUID(uuidString: String(file.dropLast(4))),
              let b = req.query[String.self, at: "b"], let businessID = UUID(uuidString: b),
              let expText = req.query[String.self, at: "exp"], let exp = Int64(expText),
              let sig = req.query[String.self, at: "sig"] else {
            throw APIError.notFound("Invoice")
        }
        try link.verify(req, fields(invoiceID, businessID), exp: exp, sig: sig)
        let service = LedgerService(db: req.db, store: req.store, businessID: businessID, userID: nil, now: req.now)
        let inv = try await service.invoice(invoiceID)
        guard inv.status != .draft else { throw APIError.notFound("Invoice") }
        let res = try await LedgerController.renderPDF(req, service: service, invoiceID: invoiceID)
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=300")
        return res
    }
}
