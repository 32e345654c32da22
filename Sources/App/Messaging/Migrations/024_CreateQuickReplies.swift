import Fluent
import SQLKit

/// Issue 18 §5: the inbox's saved answers, inserted with `/` and their name.
struct CreateQuickReplies: AsyncMigration {
    var name: String { "024_create_quick_replies" }

    func prepare(on db: any Database) async throws {
        try await db.schema("quick_replies")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("text", .string, .required)
            .field("media_url", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "business_id", "name")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("quick_replies").delete()
    }
}
