import Fluent
import SQLKit

/// Issue 19 §1: one-time codes for "Forgot password". The code itself is kept only as an HMAC
/// (`code_hash`) and, until the job has sent it, sealed with the vault key (`sealed_code`).
struct CreateRecoveryCodes: AsyncMigration {
    var name: String { "025_create_recovery_codes" }

    func prepare(on db: any Database) async throws {
        try await db.schema("recovery_codes")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("channel", .string, .required)
            .field("code_hash", .string, .required)
            .field("sealed_code", .string)
            .field("attempts", .int, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("sent_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.raw("CREATE INDEX recovery_codes_user ON recovery_codes (user_id, created_at)").run()
        }
    }

    func revert(on db: any Database) async throws {
        try await db.schema("recovery_codes").delete()
    }
}
