import Fluent
import SQLKit

// Append-only (DESIGN §3): never edit a shipped migration; add a new one. Migrations use the
// schema builder and SQLKit only, never live models, so they run the same on SQLite and Postgres.

/// Creates the account tables: users, businesses, memberships, web sessions, API tokens, login attempts and idempotency keys.
struct CreateAccounts: AsyncMigration {
    var name: String { "001_create_accounts" }

    func prepare(on db: any Database) async throws {
        try await db.schema("users")
            .id()
            .field("email", .string, .required)
            .field("password_hash", .string, .required)
            .field("name", .string, .required)
            .field("must_change_password", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "email")
            .create()
        try await db.schema("businesses")
            .id()
            .field("name", .string, .required)
            .field("owner_name", .string, .required)
            .field("gstin", .string)
            .field("industry", .string)
            .field("preferred_language", .string, .required)
            .field("whatsapp_number", .string)
            .field("state", .string)
            .field("address", .string)
            .field("timezone", .string, .required)
            .field("currency", .string, .required)
            .field("invoice_seq", .int64, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await db.schema("memberships")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "user_id")
            .create()
        try await db.schema("sessions_web")
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("csrf_token", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("created_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await db.schema("api_tokens")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("prefix", .string, .required)
            .field("token_hash", .string, .required)
            .field("created_at", .datetime)
            .field("last_used_at", .datetime)
            .field("revoked_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await db.schema("login_attempts")
            .id()
            .field("key", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await db.schema("idempotency_keys")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("key", .string, .required)
            .field("request_hash", .string, .required)
            .field("status", .int)
            .field("response_body", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "business_id", "key")
            .create()
        try await db.sql.create(index: "login_attempts_key_time").on("login_attempts").column("key").column("created_at").run()
        try await db.sql.create(index: "memberships_business").on("memberships").column("business_id").run()
    }

    func revert(on db: any Database) async throws {
        for table in ["idempotency_keys", "login_attempts", "api_tokens", "sessions_web", "memberships", "businesses", "users"] {
            try await db.schema(table).delete()
        }
    }
}
