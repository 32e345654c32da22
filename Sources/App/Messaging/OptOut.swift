import Fluent
import Foundation
import Vapor

/// A customer's "STOP" on WhatsApp (issue 18 §5): the number gets no more business-initiated
/// messages — reminders, invoices and receipts sent from Munim, workflow sends, broadcasts — until
/// it sends "START". What the customer asks is still answered (they wrote first). Kept per number
/// across the business's channels; a refused send fails before Twilio with `error_code`
/// `opted_out`.
enum OptOut {
    enum Wish { case stop, start }

    /// The whole message is the keyword (any case, trailing punctuation ignored): STOP,
    /// UNSUBSCRIBE, STOP ALL, "बंद करो", or START / SUBSCRIBE / "चालू करो".
    static func keyword(_ text: String) -> Wish? {
        let t = text.lowercased().trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
        switch t {
        case "stop", "stop all", "stopall", "unsubscribe", "opt out", "optout", "बंद", "बंद करो", "band karo": return .stop
        case "start", "subscribe", "opt in", "optin", "unstop", "चालू", "चालू करो", "chalu karo": return .start
        default: return nil
        }
    }

    static func reply(_ wish: Wish, business: Business) -> String {
        let hi = business.preferredLanguage == "hi"
        switch wish {
        case .stop:
            return hi ? "Theek hai. \(business.name) ab aapko reminder ya message nahi bhejega. Dobara paane ke liye START likhiye."
                      : "Done. \(business.name) will not send you reminders or other messages on WhatsApp any more. Send START to get them again."
        case .start:
            return hi ? "Swagat hai! \(business.name) ke reminder aur bill ab aapko WhatsApp par milenge. Band karne ke liye STOP likhiye."
                      : "Welcome back! You will get \(business.name)'s reminders and bills on WhatsApp again. Send STOP to end them."
        }
    }

    /// Records the wish on every contact of the business with this handle.
    static func set(_ stop: Bool, handle: String, businessID: UUID, now: Date, store: Store, db: any Database) async throws {
        try await store.write(db) { tx in
            try await Contact.query(on: tx).filter(\.$businessID == businessID).filter(\.$handle == handle)
                .set(\.$optedOutAt, to: stop ? now : nil).update()
        }
    }

    /// Whether the number asked for no business-initiated messages.
    /// Every handle of the business that sent STOP (one query, for a list of customers).
    static func optedOutHandles(businessID: UUID, db: any Database) async throws -> Set<String> {
        Set(try await Contact.query(on: db).filter(\.$businessID == businessID).filter(\.$optedOutAt != nil).all().map(\.handle))
    }

    static func isOptedOut(handle: String, businessID: UUID, db: any Database) async throws -> Bool {
        try await Contact.query(on: db).filter(\.$businessID == businessID).filter(\.$handle == handle)
            .filter(\.$optedOutAt != nil).first() != nil
    }

    /// Message authors whose messages the business starts (not answers to the contact).
    static let businessInitiated: Set<String> = ["system", "workflow"]

    static let refusedCode = "opted_out"
    static let refusal = "Not sent: this customer sent STOP and asked for no more messages from the business. They can send START to get them again."
}
