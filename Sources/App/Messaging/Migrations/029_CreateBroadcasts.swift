import Fluent

/// Issue 18 §5: a broadcast of an announcement to a chosen set of customers, and its recipients
/// (each sent through the outbox by a job, and tracked through its message).
struct CreateBroadcasts: AsyncMigration {
    var name: String { "029_create_broadcasts" }

    func prepare(on db: any Database) async throws {
        try await db.schema("broadcasts")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("audience", .string, .required)
            .field("audience_days", .int)
            .field("audience_tag", .string)
            .field("text", .string, .required)
            .field("channel_id", .uuid, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await db.schema("broadcast_recipients")
            .id()
            .field("broadcast_id", .uuid, .required, .references("broadcasts", "id", onDelete: .cascade))
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("customer_id", .uuid, .required)
            .field("name", .string, .required)
            .field("phone", .string)
            .field("status", .string, .required)
            .field("reason", .string)
            .field("message_id", .uuid)
            .field("updated_at", .datetime, .required)
            .unique(on: "broadcast_id", "customer_id")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("broadcast_recipients").delete()
        try await db.schema("broadcasts").delete()
    }
}
