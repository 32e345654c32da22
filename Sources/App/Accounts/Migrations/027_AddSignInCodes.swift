import Fluent

/// Issue 19 §1: sign-in with a one-time code on WhatsApp. A code is for setting a new password
/// (`purpose` NULL, as before) or for signing in (`sign_in`); one never works as the other.
struct AddSignInCodes: AsyncMigration {
    var name: String { "027_add_sign_in_codes" }

    func prepare(on db: any Database) async throws {
        try await db.schema("recovery_codes").field("purpose", .string).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("recovery_codes").deleteField("purpose").update()
    }
}
