import Fluent
import Foundation

public enum Role: String, Codable, Sendable {
    case owner, staff
}

final class User: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    @Field(key: "email") var email: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "name") var name: String
    @Field(key: "must_change_password") var mustChangePassword: Bool
    /// The web app's language for this user ("en", "hi"); nil follows the business's.
    @OptionalField(key: "language") var language: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
    init(id: UUID? = nil, email: String, passwordHash: String, name: String, mustChangePassword: Bool = false) {
        self.id = id
        self.email = email
        self.passwordHash = passwordHash
        self.name = name
        self.mustChangePassword = mustChangePassword
    }
}

final class Business: Model, @unchecked Sendable {
    static let schema = "businesses"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "owner_name") var ownerName: String
    @OptionalField(key: "gstin") var gstin: String?
    @OptionalField(key: "industry") var industry: String?
    @Field(key: "preferred_language") var preferredLanguage: String
    @OptionalField(key: "whatsapp_number") var whatsappNumber: String?
    @OptionalField(key: "state") var state: String?
    @OptionalField(key: "address") var address: String?
    @Field(key: "timezone") var timezone: String
    @Field(key: "currency") var currency: String
    /// UPI VPA (name@bank); when set, invoices carry a UPI payment QR code.
    @OptionalField(key: "upi_id") var upiID: String?
    /// `GSTRegistration` raw value; nil (rows from before issue 17) is regular.
    @OptionalField(key: "gst_registration") var gstRegistrationRaw: String?
    /// The fewest HSN digits each taxed line must carry (4, 6 or 8); nil: not enforced.
    @OptionalField(key: "hsn_digits") var hsnDigits: Int64?
    /// Invoice totals rounded to the rupee, with a round-off line (nil: no).
    @OptionalField(key: "round_off") var roundOff: Bool?

    var gstRegistration: GSTRegistration {
        get { gstRegistrationRaw.flatMap(GSTRegistration.init(rawValue:)) ?? .regular }
        set { gstRegistrationRaw = newValue.rawValue }
    }
    /// Free text such as "Mon–Sat 9:00–20:00"; the customer bot quotes it.
    @OptionalField(key: "hours") var hours: String?
    /// Last issued invoice number; incremented inside the issuing transaction so numbers are gap-free.
    @Field(key: "invoice_seq") var invoiceSeq: Int64
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
    init(id: UUID? = nil, name: String, ownerName: String) {
        self.id = id
        self.name = name
        self.ownerName = ownerName
        self.preferredLanguage = "en"
        self.timezone = "Asia/Kolkata"
        self.currency = "INR"
        self.invoiceSeq = 0
    }
}

final class Membership: Model, @unchecked Sendable {
    static let schema = "memberships"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "business_id") var businessID: UUID
    @Enum(key: "role") var role: Role
    /// A staff member's own WhatsApp number: messages from it reach the assistant.
    @OptionalField(key: "whatsapp_number") var whatsappNumber: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}
    init(userID: UUID, businessID: UUID, role: Role) {
        self.userID = userID
        self.businessID = businessID
        self.role = role
    }
}

/// A browser session, stored so any instance can serve it (issue 2 §4).
final class WebSession: Model, @unchecked Sendable {
    static let schema = "sessions_web"

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "user_id") var userID: UUID
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "csrf_token") var csrfToken: String
    @Field(key: "expires_at") var expiresAt: Date
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}
    init(tokenHash: String, userID: UUID, businessID: UUID, csrfToken: String, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.businessID = businessID
        self.csrfToken = csrfToken
        self.expiresAt = expiresAt
    }
}

final class APIToken: Model, @unchecked Sendable {
    static let schema = "api_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "user_id") var userID: UUID
    @Field(key: "name") var name: String
    @Field(key: "prefix") var prefix: String
    @Field(key: "token_hash") var tokenHash: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    init() {}
    init(businessID: UUID, userID: UUID, name: String, prefix: String, tokenHash: String) {
        self.businessID = businessID
        self.userID = userID
        self.name = name
        self.prefix = prefix
        self.tokenHash = tokenHash
    }
}

/// One row per login attempt, keyed `email:<addr>` or `ip:<addr>`; counted over the last minute.
final class LoginAttempt: Model, @unchecked Sendable {
    static let schema = "login_attempts"

    @ID(key: .id) var id: UUID?
    @Field(key: "key") var key: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
    init(key: String, createdAt: Date) {
        self.key = key
        self.createdAt = createdAt
    }
}

final class IdempotencyRecord: Model, @unchecked Sendable {
    static let schema = "idempotency_keys"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "key") var key: String
    @Field(key: "request_hash") var requestHash: String
    @OptionalField(key: "status") var status: Int?
    @OptionalField(key: "response_body") var responseBody: String?
    @Field(key: "created_at") var createdAt: Date
    /// Until when the request counts as in progress (issue 14 §3).
    @OptionalField(key: "lease_until") var leaseUntil: Date?
    /// Set in the transaction that committed the request's effect.
    @OptionalField(key: "committed_at") var committedAt: Date?
    /// The API path whose GET answers for the committed request, and the status to answer with.
    @OptionalField(key: "resource") var resource: String?
    @OptionalField(key: "replay_status") var replayStatus: Int?

    init() {}
    init(businessID: UUID, key: String, requestHash: String, createdAt: Date) {
        self.businessID = businessID
        self.key = key
        self.requestHash = requestHash
        self.createdAt = createdAt
    }
}

/// How a business is registered for GST (issue 17 §1). A regular dealer charges GST on a tax
/// invoice; a composition dealer and an unregistered business issue a bill of supply and charge none.
enum GSTRegistration: String, Codable, Sendable, CaseIterable {
    case regular, composition, unregistered

    var chargesTax: Bool { self == .regular }
}
