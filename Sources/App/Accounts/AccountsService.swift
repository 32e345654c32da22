import Fluent
import Foundation
import SQLKit

/// Accounts' service (DESIGN §2): the only way other domains read users, businesses and
/// memberships, and the only code that changes them.
struct AccountsService: Sendable {
    let db: any Database
    /// Set for a service that writes (the accounts controller); readers need none.
    var store: Store? = nil

    /// One transaction through the store's write gate (DESIGN §3).
    private func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard let store else { throw APIError(.internalServerError, "internal", "The accounts service was built without a store.") }
        return try await store.write(db, body)
    }

    // MARK: reads for other domains

    /// The business, or 404 `not_found` when it is gone.
    func business(_ id: UUID) async throws -> Business {
        guard let b = try await findBusiness(id) else { throw APIError.notFound("Business") }
        return b
    }

    func findBusiness(_ id: UUID) async throws -> Business? {
        try await Business.find(id, on: db)
    }

    func user(_ id: UUID) async throws -> User? {
        try await User.find(id, on: db)
    }

    /// A user's display name, for "decided by" and "sent by" lines.
    func userName(_ id: UUID) async throws -> String? {
        try await user(id)?.name
    }

    func users(_ ids: some Sequence<UUID>) async throws -> [UUID: User] {
        let list = Array(Set(ids))
        guard !list.isEmpty else { return [:] }
        return Dictionary(uniqueKeysWithValues: try await User.query(on: db).filter(\.$id ~~ list).all().map { ($0.id!, $0) })
    }

    func userExists(email: String) async throws -> Bool {
        try await User.query(on: db).filter(\.$email == email).first() != nil
    }

    func memberships(of businessID: UUID) async throws -> [Membership] {
        try await Membership.query(on: db).filter(\.$businessID == businessID).all()
    }

    // MARK: row locks other domains take in their transactions

    /// Locks the business row until `tx` commits (PostgreSQL; SQLite serializes writers): the first
    /// lock of every ledger change, and what keeps two workers from passing the business's run
    /// limit at once.
    static func lockBusiness(_ id: UUID, on tx: any Database) async throws {
        guard let sql = tx as? any SQLDatabase, sql.dialect.name == "postgresql" else { return }
        try await sql.raw("SELECT id FROM businesses WHERE id = \(bind: id) FOR UPDATE").run()
    }

    /// Takes the business's next invoice number in `tx`. The row stays locked until commit, so
    /// numbers are gap-free.
    static func nextInvoiceNumber(_ businessID: UUID, on tx: any Database) async throws -> Int64 {
        let row = try await tx.sql.update(Business.schema)
            .set(SQLIdentifier("invoice_seq"), to: SQLBinaryExpression(SQLIdentifier("invoice_seq"), .add, SQLBind(Int64(1))))
            .where("id", .equal, businessID)
            .returning("invoice_seq").first()
        guard let number = try row?.decode(column: "invoice_seq", as: Int64.self) else { throw APIError.notFound("Business") }
        return number
    }

    // MARK: sign-up, login and sessions

    static let emailTaken = "An account with this email already exists. Log in instead."

    /// A new owner with their business and first session, in one transaction.
    func signUp(email: String, passwordHash: String, businessName: String, ownerName: String, sessionTokenHash: String,
                csrfToken: String, expiresAt: Date) async throws -> (User, Business) {
        do {
            return try await write { tx in
                if try await User.query(on: tx).filter(\.$email == email).first() != nil {
                    throw APIError.conflict("email_taken", Self.emailTaken)
                }
                let user = User(email: email, passwordHash: passwordHash, name: ownerName)
                try await user.create(on: tx)
                let business = Business(name: businessName, ownerName: ownerName)
                try await business.create(on: tx)
                try await Membership(userID: user.id!, businessID: business.id!, role: .owner).create(on: tx)
                try await WebSession(tokenHash: sessionTokenHash, userID: user.id!, businessID: business.id!,
                                     csrfToken: csrfToken, expiresAt: expiresAt).create(on: tx)
                return (user, business)
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw APIError.conflict("email_taken", Self.emailTaken)
        }
    }

    /// An owner and their business, set up by `profile`, without a session (the demo seeder).
    func createOwner(email: String, passwordHash: String, ownerName: String, businessName: String,
                     profile: @escaping @Sendable (Business) -> Void) async throws -> (User, Business) {
        try await write { tx in
            let user = User(email: email, passwordHash: passwordHash, name: ownerName)
            try await user.create(on: tx)
            let business = Business(name: businessName, ownerName: ownerName)
            profile(business)
            try await business.create(on: tx)
            try await Membership(userID: user.id!, businessID: business.id!, role: .owner).create(on: tx)
            return (user, business)
        }
    }

    /// Login attempts under `key` since `since` (the per-email and per-IP rate limit).
    func loginAttempts(key: String, since: Date) async throws -> Int {
        try await LoginAttempt.query(on: db).filter(\.$key == key).filter(\.$createdAt > since).count()
    }

    /// Counts an attempt under each key; attempts older than an hour are dropped.
    func recordLoginAttempt(keys: [String], now: Date) async throws {
        try await write { tx in
            try await LoginAttempt.query(on: tx).filter(\.$createdAt < now.addingTimeInterval(-3600)).delete()
            for key in keys { try await LoginAttempt(key: key, createdAt: now).create(on: tx) }
        }
    }

    func user(email: String) async throws -> User? {
        try await User.query(on: db).filter(\.$email == email).first()
    }

    /// The user's membership and its business (one business per user).
    func membership(of userID: UUID) async throws -> (Membership, Business)? {
        guard let m = try await Membership.query(on: db).filter(\.$userID == userID).first(),
              let b = try await findBusiness(m.businessID) else { return nil }
        return (m, b)
    }

    /// Starts a web session; the user's expired sessions are cleared in the same transaction.
    func startSession(_ session: WebSession, now: Date) async throws {
        try await write { tx in
            try await WebSession.query(on: tx).filter(\.$userID == session.userID).filter(\.$expiresAt < now).delete()
            try await session.create(on: tx)
        }
    }

    func endSession(_ id: UUID) async throws {
        try await write { tx in try await WebSession.query(on: tx).filter(\.$id == id).delete() }
    }

    func setLanguage(userID: UUID, _ language: String?) async throws {
        try await write { tx in try await User.query(on: tx).filter(\.$id == userID).set(\.$language, to: language).update() }
    }

    /// Sets a new password hash; every other session of the user ends (a changed password must lock
    /// out an old session).
    func setPassword(userID: UUID, hash: String, keepSession: UUID?) async throws {
        try await write { tx in
            try await User.query(on: tx).filter(\.$id == userID)
                .set(\.$passwordHash, to: hash).set(\.$mustChangePassword, to: false).update()
            var others = WebSession.query(on: tx).filter(\.$userID == userID)
            if let keepSession { others = others.filter(\.$id != keepSession) }
            try await others.delete()
        }
    }

    /// Account recovery by whoever runs the server (`munim users reset-password`): a new password
    /// hash that must be changed at the next login, and every session of the user ends. False when
    /// no user has the email.
    func resetPassword(email: String, hash: String) async throws -> Bool {
        // The command runs in its own process beside a running server. On SQLite the first
        // statement of the transaction must be the write: a deferred transaction that reads first
        // and writes after the server has committed fails at once with "database is locked"
        // (a stale snapshot, which SQLite's busy handler cannot wait out), while a write that
        // comes first waits for the server's writer like any other.
        try await write { tx in
            try await User.query(on: tx).filter(\.$email == email)
                .set(\.$passwordHash, to: hash).set(\.$mustChangePassword, to: true).update()
            guard let user = try await User.query(on: tx).filter(\.$email == email).first() else { return false }
            try await WebSession.query(on: tx).filter(\.$userID == user.id!).delete()
            return true
        }
    }

    /// One line per user for `munim users list`.
    struct DirectoryEntry: Sendable {
        let email: String
        let name: String
        let role: Role
        let business: String
        let mustChangePassword: Bool
    }

    func directory() async throws -> [DirectoryEntry] {
        let users = try await User.query(on: db).sort(\.$email).all()
        let memberships = try await Membership.query(on: db).all()
        let businesses = Dictionary(uniqueKeysWithValues: try await Business.query(on: db).all().map { ($0.id!, $0.name) })
        let byUser = Dictionary(memberships.map { ($0.userID, $0) }, uniquingKeysWith: { a, _ in a })
        return users.map { u in
            let m = byUser[u.id!]
            return DirectoryEntry(email: u.email, name: u.name, role: m?.role ?? .staff,
                                  business: m.flatMap { businesses[$0.businessID] } ?? "(no business)", mustChangePassword: u.mustChangePassword)
        }
    }

    // MARK: the business profile

    /// Saves a business edited by `AccountsController.patchBusiness` (validated there).
    func save(_ business: Business) async throws {
        try await write { tx in try await business.update(on: tx) }
    }

    // MARK: staff

    /// The business's members with their users, owner first, then by name.
    func staff(of businessID: UUID) async throws -> [(Membership, User)] {
        let memberships = try await memberships(of: businessID)
        let users = try await users(memberships.map(\.userID))
        return memberships.compactMap { m in users[m.userID].map { (m, $0) } }
            .sorted { ($0.0.role == .owner ? 0 : 1, $0.1.name) < ($1.0.role == .owner ? 0 : 1, $1.1.name) }
    }

    static let staffEmailTaken = "A user with this email already exists."

    /// A staff member with a one-time password (its hash) that must be changed at first login.
    func addStaff(email: String, passwordHash: String, name: String, whatsappNumber: String?, businessID: UUID) async throws -> (User, Membership) {
        do {
            return try await write { tx in
                if try await User.query(on: tx).filter(\.$email == email).first() != nil {
                    throw APIError.conflict("email_taken", Self.staffEmailTaken)
                }
                let user = User(email: email, passwordHash: passwordHash, name: name, mustChangePassword: true)
                try await user.create(on: tx)
                let m = Membership(userID: user.id!, businessID: businessID, role: .staff)
                m.whatsappNumber = whatsappNumber
                try await m.create(on: tx)
                return (user, m)
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw APIError.conflict("email_taken", Self.staffEmailTaken)
        }
    }

    /// Removes a staff member: the user row goes too (one business per user), with its sessions.
    func removeStaff(userID id: UUID, businessID: UUID) async throws {
        try await write { tx in
            guard let m = try await Membership.query(on: tx).filter(\.$businessID == businessID).filter(\.$userID == id).first() else {
                throw APIError.notFound("Staff member")
            }
            guard m.role == .staff else { throw APIError.conflict("invalid_state", "Only staff members can be removed.") }
            try await WebSession.query(on: tx).filter(\.$userID == id).delete()
            try await m.delete(on: tx)
            try await User.query(on: tx).filter(\.$id == id).delete()
        }
    }

    // MARK: API tokens

    func activeTokens(of businessID: UUID) async throws -> [APIToken] {
        try await APIToken.query(on: db).filter(\.$businessID == businessID).filter(\.$revokedAt == nil)
            .sort(\.$createdAt, .descending).all()
    }

    func create(_ token: APIToken) async throws {
        try await write { tx in try await token.create(on: tx) }
    }

    func revokeToken(_ id: UUID, businessID: UUID, now: Date) async throws {
        try await write { tx in
            guard let t = try await APIToken.query(on: tx).filter(\.$businessID == businessID).filter(\.$id == id)
                .filter(\.$revokedAt == nil).first() else {
                throw APIError.notFound("API token")
            }
            t.revokedAt = now
            try await t.update(on: tx)
        }
    }
}
