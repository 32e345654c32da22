import Fluent
import Foundation
import Vapor

/// Signed, expiring public links to a customer's statement of account as a PDF (issue 18 §4), for
/// Twilio's MediaUrl and for the customer: `GET /p/statements/{customer}.pdf?b=&from=&to=&exp=&sig=`.
/// The signature covers the customer, business, period and expiry under a key derived from the
/// vault key, so a link shows exactly the statement it was made for.
enum StatementLinks {
    static let link = SignedLink(purpose: "statement-pdf-link", noun: "statement")
    /// `from` of a statement "from the start": before any business's books.
    static let beginning = "1900-01-01"

    static func url(_ app: Application, customerID: UUID, businessID: UUID, from: String, to: String, now: Date) -> String {
        let (exp, sig) = link.sign(app, fields(customerID, businessID, from, to), now: now)
        return Endpoint.publicStatementPDF.url(base: app.publicBaseURL, "\(customerID.uuidString.lowercased()).pdf",
                                              query: "b=\(businessID.uuidString.lowercased())&from=\(from)&to=\(to)&exp=\(exp)&sig=\(sig)")
    }

    static func fields(_ customerID: UUID, _ businessID: UUID, _ from: String, _ to: String) -> [String] {
        [customerID.uuidString.lowercased(), businessID.uuidString.lowercased(), from, to]
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
        try link.verify(req, fields(customerID, businessID, from, to), exp: exp, sig: sig)
        let pdf = try await ReportsController.statementPDF(db: req.db, store: req.store, businessID: businessID, customerID: customerID,
                                                           from: from, to: to, now: req.now, app: req.application)
        let res = Response(status: .ok, body: .init(data: pdf))
        res.headers.contentType = HTTPMediaType(type: "application", subType: "pdf")
        res.headers.replaceOrAdd(name: .contentDisposition, value: "inline; filename=\"statement-\(to).pdf\"")
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=300")
        return res
    }
}
