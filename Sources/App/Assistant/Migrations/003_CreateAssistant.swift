import Fluent
import Foundation

/// Creates the assistant tables: conversations, assistant cards and conversation turns.
struct CreateAssistant: AsyncMigration {
    var name: String { "003_create_assistant" }

    func prepare(on db: any Database) async throws {
        try await db.schema("conversations")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("pending", .string)
            .field("last_activity_at", .datetime, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await db.schema("assistant_cards")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("conversation_id", .uuid, .required, .references("conversations", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("status", .string, .required)
            .field("title", .string, .required)
            .field("command", .string, .required)
            .field("data", .string, .required)
            .field("result", .string)
            .field("error", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await db.schema("conversation_turns")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("conversation_id", .uuid, .required, .references("conversations", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("text", .string, .required)
            .field("card_id", .uuid, .references("assistant_cards", "id", onDelete: .setNull))
            .field("engine", .string)
            .field("created_at", .datetime, .required)
            .field("seq", .int64, .required)
            .create()
        let sql = try db.sql
        try await sql.create(index: "conversations_user").on("conversations").column("business_id").column("user_id").run()
        try await sql.create(index: "turns_conversation").on("conversation_turns").column("conversation_id").column("seq").run()
        try await sql.create(index: "cards_conversation").on("assistant_cards").column("conversation_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("conversation_turns").delete()
        try await db.schema("assistant_cards").delete()
        try await db.schema("conversations").delete()
    }
}
