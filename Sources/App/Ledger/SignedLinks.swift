import Foundation
import Vapor

/// What the public document links share (`InvoiceLinks`, `StatementLinks`): an expiry 30 days
/// out, an HMAC over the link's fields under a key derived for its purpose, and the check that
/// a presented link carries exactly that signature and has not expired.
struct SignedLink {
    let purpose: String
    /// What the link is called in "This … link has expired".
    let noun: String
    static let lifetime: TimeInterval = 30 * 86_400

    /// The expiry and signature for `fields` (joined with `|`), made `now`.
    func sign(_ app: Application, _ fields: [String], now: Date) -> (exp: Int64, sig: String) {
        let exp = Int64(now.addingTimeInterval(Self.lifetime).timeIntervalSince1970)
        return (exp, app.vault.signature((fields + [String(exp)]).joined(separator: "|"), purpose: purpose))
    }

    /// 403 for a wrong signature, 410 `link_expired` for an old link.
    func verify(_ req: Request, _ fields: [String], exp: Int64, sig: String) throws {
        let expected = req.application.vault.signature((fields + [String(exp)]).joined(separator: "|"), purpose: purpose)
        guard Tokens.equal(sig.lowercased(), expected) else { throw APIError.forbidden("This link is not valid.") }
        guard Double(exp) > req.now.timeIntervalSince1970 else {
            throw APIError(.gone, "link_expired", "This \(noun) link has expired; ask the business for a new one.")
        }
    }
}
