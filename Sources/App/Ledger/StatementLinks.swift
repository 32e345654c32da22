import Fluent
import Foundation
import Vapor

/// Signed, expiring public links to a customer's statement of account as a PDF (issue 18 §4), for
/// Twilio's MediaUrl and for the customer: `GET /p/statements/{customer}.pdf?b=&from=&to=&exp=&sig=`.
/// The signature covers the customer, business, period and expiry under a key derived from the
/// vault key, so a link shows exactly the statement it was made for.
enum StatementLinks {
    static let purpose = "statement-pdf-link"
    static let lifetime: TimeInterval = 30 * 86_400
    /// `from` of a statement "from the start": before any business's books.
    static let beginning = "1900-01-01"

    static func url(_ app: Application, customerID: UUID, businessID: UUID, from: String, to: String, now: Date) -> String {
        let exp = Int64(now.addingTimeInterval(lifetime).timeIntervalSince1970)
        let sig = app.vault.signature(message(customerID, businessID, from, to, exp), purpose: purpose)
        return Endpoint.publicStatementPDF.url(base: app.publicBaseURL, "\(customerID.uuidString.lowercased()).pdf",
                                              query: "b=\(businessID.uuidString.lowercased())&from=\(from)&to=\(to)&exp=\(exp)&sig=\(sig)")
    }

    static func message(_ customerID: UUID, _ businessID: UUID, _ from: String, _ to: String, _ exp: Int64) -> String {
        "\(customerID.uuidString.lowercased())|\(businessID.uuidString.lowercased())|\(from)|\(to)|\(exp)"
    }

    static func register(_ app: Application) {
        app.on(.publicStatementPDF, use: serve)
    }

    @Sendable static func serve(req: Request) async throws -> Response {
        let file = req.parameters.get("file") ?? ""
        guard file.hasSuffix(".pdf"), let customerID = UUID(uuidString: String(file.dropLast(4))),
              let b = req.query[String.self, at: "b"], let businessID = UUID(uuidString: b),
              let from = req.query[String.self, at: "from"], let to = req.query[String.self, at: "to"],
              case .success = Validate.date(from), case .success = Validate.date(to),
              let expText = req.query[String.self, at: "exp"], let exp = Int64(expText),
              let sig = req.query[String.self, at: "sig"] else {
            throw APIError.notFound("Statement")
        }
        let expected = req.application.vault.signature(message(customerID, businessID, from, to, exp), purpose: purpose)
        guard Tokens.equal(sig.lowercased(), expected) else { throw APIError.forbidden("This link is not valid.") }
        guard Double(exp) > req.now.timeIntervalSince1970 else {
            throw APIError(.gone, "link_expired", "This statement link has expired; ask the business for a new one.")
        }
        let pdf = try await ReportsController.statementPDF(db: req.db, store: req.store, businessID: businessID, customerID: customerID,
                                                           from: from, to: to, now: req.now, app: req.application)
        let res = Response(status: .ok, body: .init(data: pdf))
        res.headers.contentType = HTTPMediaType(type: "application", subType: "pdf")
        res.headers.replaceOrAdd(name: .contentDisposition, value: "inline; filename=\"statement-\(to).pdf\"")
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=300")
        return res
    }
}
