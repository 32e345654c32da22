import Fluent
import Foundation
import Vapor

/// A one-time code of "Forgot password" (issue 19 §1).
final class RecoveryCode: Model, @unchecked Sendable {
    static let schema = "recovery_codes"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "business_id") var businessID: UUID
    /// `whatsapp` or `email`.
    @Field(key: "channel") var channel: String
    /// HMAC of the user id and the code under a key derived from the vault key.
    @Field(key: "code_hash") var codeHash: String
    /// The code sealed with the vault key until the job has sent it; then nil.
    @OptionalField(key: "sealed_code") var sealedCode: String?
    /// Wrong codes tried against this one.
    @Field(key: "attempts") var attempts: Int
    @Field(key: "expires_at") var expiresAt: Date
    /// Used, or replaced by a newer code.
    @OptionalField(key: "used_at") var usedAt: Date?
    @OptionalField(key: "sent_at") var sentAt: Date?
    @Field(key: "created_at") var createdAt: Date
    /// nil: a code to set a new password; `sign_in`: a code to sign in with (issue 19 §1).
    @OptionalField(key: "purpose") var purpose: String?

    init() {}
}

/// "Forgot password" (issue 19 §1): a six-digit code sent to the member's own WhatsApp number
/// through the business's WhatsApp channel, or by email when `MUNIM_SMTP_URL` is set; it expires in
/// ten minutes, works once, and five wrong tries end it. Asking answers the same whether or not
/// the account exists; at most three codes per email and ten requests per address go out in
/// fifteen minutes, and twenty reset tries per address. Using a code sets the new password and
/// ends every session of the user.
struct Recovery: Sendable {
    let app: Application
    let now: Date
    var db: any Database { app.db }

    static let lifetimeMinutes = 10
    static let window: TimeInterval = 15 * 60
    static let codesPerEmail = 3
    static let requestsPerAddress = 10
    static let triesPerAddress = 20
    static let wrongTriesPerCode = 5

    enum Delivery: String, Sendable { case whatsapp, email }

    /// What a code is for; each is hashed under its own key, so one never works as the other.
    enum Purpose: String, Sendable {
        case reset, signIn = "sign_in"
        /// The stored column: NULL for reset codes (those made before sign-in codes existed).
        var column: String? { self == .reset ? nil : rawValue }
        var hashPurpose: String { self == .reset ? "recovery-code" : "sign-in-code" }
        var limitPrefix: String { self == .reset ? "recover" : "signin" }
    }

    /// What the login page offers: which ways a code can travel on this server.
    struct Options: Content {
        let email: Bool
        let whatsapp: Bool
        /// The command for whoever runs the server.
        let command: String
    }

    func options() async throws -> Options {
        Options(email: app.munimConfig.smtp != nil, whatsapp: try await MessagingService.whatsappConnectedAnywhere(db),
                command: "munim users reset-password EMAIL")
    }

    /// The reply to every request, whether or not the account exists.
    static let accepted = "If an account uses this email, a code is on its way to its WhatsApp number or email. It works for \(lifetimeMinutes) minutes."
    static let signInAccepted = "If an account uses this email and has a WhatsApp number, a sign-in code is on its way there. It works for \(lifetimeMinutes) minutes."

    /// Handles "Forgot password" for `email` from `address`. Throws only for a flood from one
    /// address (429); everything else looks the same from outside.
    func request(email: String, address: String, purpose: Purpose = .reset) async throws {
        let accounts = AccountsService(db: db, store: app.store)
        let since = now.addingTimeInterval(-Self.window)
        let addressKey = "\(purpose.limitPrefix)-ip:\(address)", emailKey = "\(purpose.limitPrefix)-email:\(email)"
        if try await accounts.loginAttempts(key: addressKey, since: since) >= Self.requestsPerAddress {
            var error = APIError(.tooManyRequests, "rate_limited", "Too many requests from this address. Wait 15 minutes and try again.")
            error.headers.replaceOrAdd(name: .retryAfter, value: "900")
            throw error
        }
        let tooMany = try await accounts.loginAttempts(key: emailKey, since: since) >= Self.codesPerEmail
        try await accounts.recordLoginAttempt(keys: [addressKey, emailKey], now: now)
        guard !tooMany, let user = try await accounts.user(email: email), let (membership, business) = try await accounts.membership(of: user.id!) else {
            return
        }
        let delivery: Delivery
        if Self.ownNumber(membership, business) != nil, try await MessagingService(app: app, businessID: business.id!).canSendSignInCode() {
            delivery = .whatsapp
        } else if purpose == .reset, app.munimConfig.smtp != nil {
            delivery = .email
        } else if purpose == .signIn {
            // Signing in with a code is WhatsApp's: without a number or a channel nothing is sent.
            return
        } else {
            app.logger.notice("a password reset was asked for, and neither WhatsApp nor email can carry the code; `munim users reset-password` can")
            return
        }
        let code = String(format: "%06d", Int.random(in: 0..<1_000_000))
        let row = RecoveryCode()
        row.id = UUID.timeOrdered()
        row.userID = user.id!
        row.businessID = business.id!
        row.channel = delivery.rawValue
        row.codeHash = Self.hash(code, userID: user.id!, vault: app.vault, purpose: purpose)
        row.purpose = purpose.column
        row.sealedCode = try app.vault.seal(code)
        row.attempts = 0
        row.expiresAt = now.addingTimeInterval(Double(Self.lifetimeMinutes) * 60)
        row.createdAt = now
        let now = now
        try await app.store.write(db) { tx in
            // One live code per user and purpose: a new one replaces the last; a day's history is kept.
            try await RecoveryCode.query(on: tx).filter(\.$userID == row.userID).filter(\.$usedAt == nil)
                .filter(\.$purpose == purpose.column)
                .set(\.$usedAt, to: now).set(\.$sealedCode, to: nil).update()
            try await RecoveryCode.query(on: tx).filter(\.$createdAt < now.addingTimeInterval(-86_400)).delete()
            try await row.create(on: tx)
            try await JobQueue.enqueue(RecoveryCodeJob.self, RecoveryPayload(codeID: row.id!), businessID: row.businessID, runAt: now,
                                       maxAttempts: 4, on: tx)
        }
    }

    /// Sets a new password with a code. `hash` makes the new password's hash once the code is
    /// known to be right. Throws 400 `invalid_code` for a wrong, used or expired code (the same
    /// for an unknown email) and 429 when an address tries too often.
    func reset(email: String, code: String, address: String, hash: @Sendable () async throws -> String) async throws {
        _ = try await use(email: email, code: code, address: address, purpose: .reset, prepare: hash) { tx, userID, newHash in
            try await User.query(on: tx).filter(\.$id == userID).set(\.$passwordHash, to: newHash).set(\.$mustChangePassword, to: false).update()
            try await WebSession.query(on: tx).filter(\.$userID == userID).delete()
        }
    }

    /// Signs in with a code sent to WhatsApp: the user whose code it was. Throws as `reset` does.
    func signIn(email: String, code: String, address: String) async throws -> User {
        try await use(email: email, code: code, address: address, purpose: .signIn, prepare: { "" }) { _, _, _ in }
    }

    /// Checks a code and, in the transaction that marks it used, does what it is for (`apply`
    /// gets what `prepare` made once the code was known to be right). Returns the code's user.
    private func use(email: String, code: String, address: String, purpose: Purpose, prepare: @Sendable () async throws -> String,
                     apply: @escaping @Sendable (any Database, UUID, String) async throws -> Void) async throws -> User {
        let accounts = AccountsService(db: db, store: app.store)
        let addressKey = purpose == .reset ? "reset-ip:\(address)" : "signin-try-ip:\(address)"
        if try await accounts.loginAttempts(key: addressKey, since: now.addingTimeInterval(-Self.window)) >= Self.triesPerAddress {
            var error = APIError(.tooManyRequests, "rate_limited", "Too many tries from this address. Wait 15 minutes and try again.")
            error.headers.replaceOrAdd(name: .retryAfter, value: "900")
            throw error
        }
        try await accounts.recordLoginAttempt(keys: [addressKey], now: now)
        let invalid = APIError(.badRequest, "invalid_code", "This code is wrong or has expired. Ask for a new code.")
        let typed = code.filter { !$0.isWhitespace }
        guard typed.count == 6, typed.allSatisfy(\.isASCII), typed.allSatisfy(\.isNumber),
              let user = try await accounts.user(email: email),
              let live = try await RecoveryCode.query(on: db).filter(\.$userID == user.id!).filter(\.$usedAt == nil)
                .filter(\.$purpose == purpose.column).sort(\.$createdAt, .descending).first(),
              live.expiresAt > now, live.attempts < Self.wrongTriesPerCode else { throw invalid }
        guard Tokens.equal(Self.hash(typed, userID: user.id!, vault: app.vault, purpose: purpose), live.codeHash) else {
            let now = now, limit = Self.wrongTriesPerCode
            try await app.store.write(db) { tx in
                let tries = live.attempts + 1
                var update = RecoveryCode.query(on: tx).filter(\.$id == live.id!).set(\.$attempts, to: tries)
                if tries >= limit { update = update.set(\.$usedAt, to: now).set(\.$sealedCode, to: nil) }
                try await update.update()
            }
            throw invalid
        }
        let prepared = try await prepare()
        let now = now, codeID = live.id!, userID = user.id!
        let used: Bool = try await app.store.write(db) { tx in
            // The business row lock orders two uses of the same code on PostgreSQL (SQLite has
            // one writer); the second finds the code used.
            try await AccountsService.lockBusiness(live.businessID, on: tx)
            guard let fresh = try await RecoveryCode.find(codeID, on: tx), fresh.usedAt == nil else { return false }
            fresh.usedAt = now
            fresh.sealedCode = nil
            try await fresh.save(on: tx)
            try await apply(tx, userID, prepared)
            return true
        }
        guard used else { throw invalid }
        return user
    }

    static func hash(_ code: String, userID: UUID, vault: Vault, purpose: Purpose = .reset) -> String {
        vault.signature("\(userID.uuidString.lowercased()):\(code)", purpose: purpose.hashPurpose)
    }

    /// The member's own WhatsApp number: theirs, or for the owner the business's number.
    static func ownNumber(_ membership: Membership, _ business: Business) -> String? {
        membership.whatsappNumber ?? (membership.role == .owner ? business.whatsappNumber : nil)
    }

    // MARK: the job that sends it

    /// Sends one code (`RecoveryCodeJob`); a used or expired code is not sent. The sealed code is
    /// dropped once it has gone.
    @Sendable static func send(_ p: RecoveryPayload, _ ctx: JobContext) async throws {
        guard let row = try await RecoveryCode.find(p.codeID, on: ctx.db), row.usedAt == nil, row.expiresAt > ctx.now,
              let sealed = row.sealedCode else { return }
        let code = try ctx.app.vault.open(sealed)
        let accounts = AccountsService(db: ctx.db)
        guard let user = try await accounts.user(row.userID), let (membership, business) = try await accounts.membership(of: row.userID) else { return }
        let hindi = business.preferredLanguage.lowercased().hasPrefix("hi")
        do {
            switch Delivery(rawValue: row.channel) {
            case .whatsapp:
                guard let number = ownNumber(membership, business) else { return }
                try await MessagingService(app: ctx.app, businessID: row.businessID).sendSignInCode(code, to: number, business: business,
                                                                                                 minutes: lifetimeMinutes)
            case .email:
                guard let smtp = ctx.app.munimConfig.smtp else { return }
                let (subject, text) = email(code: code, name: user.name, business: business.name, hindi: hindi)
                try await SMTPClient(settings: smtp, group: ctx.app.eventLoopGroup).send(to: user.email, subject: subject, text: text, date: ctx.now)
            case nil:
                return
            }
        } catch let e as ChannelFailure {
            throw e.retryable && !ctx.job.isLastAttempt ? JobFailure.retry(e.message) : JobFailure.permanent(e.message)
        } catch let e as SMTPClient.Failure {
            throw e.retryable && !ctx.job.isLastAttempt ? JobFailure.retry(e.description) : JobFailure.permanent(e.description)
        }
        let now = ctx.now
        try await ctx.store.write(ctx.db) { tx in
            try await ctx.finish(on: tx)
            try await RecoveryCode.query(on: tx).filter(\.$id == p.codeID).set(\.$sealedCode, to: nil).set(\.$sentAt, to: now).update()
        }
    }

    /// The email: the code, how long it works, and what to do when someone else asked.
    static func email(code: String, name: String, business: String, hindi: Bool) -> (subject: String, text: String) {
        let english = """
        Namaste \(name),

        Your code to set a new Munim password for \(business) is \(code).
        It works once, for \(lifetimeMinutes) minutes. Do not share it with anyone.

        If you did not ask for it, ignore this email: your password has not changed.
        """
        guard hindi else { return ("Your Munim sign-in code", english) }
        let hindiText = """
        नमस्ते \(name),

        \(business) के Munim खाते का नया पासवर्ड रखने के लिए आपका कोड \(code) है।
        यह एक बार, \(lifetimeMinutes) मिनट तक चलेगा। यह कोड किसी को न बताएँ।

        अगर आपने यह नहीं माँगा, तो इस ईमेल को अनदेखा करें: आपका पासवर्ड नहीं बदला है।
        """
        return ("आपका Munim साइन-इन कोड", hindiText + "\n\n———\n\n" + english)
    }
}

struct RecoveryPayload: JobPayload {
    var codeID: UUID
    enum CodingKeys: String, CodingKey { case codeID = "code_id" }
}

enum RecoveryCodeJob: JobKind {
    static let name = "auth.recovery_code"
    static func lease(_ config: AppConfig) -> TimeInterval { 90 }
    static func lane(_ p: RecoveryPayload) -> JobLane { .provider }
    static func run(_ p: RecoveryPayload, _ ctx: JobContext) async throws { try await Recovery.send(p, ctx) }
    static func subject(_ p: RecoveryPayload) -> (String, UUID?) { ("Sign-in code", p.codeID) }
}
