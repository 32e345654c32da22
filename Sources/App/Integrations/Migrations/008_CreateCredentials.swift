import Fluent
import Foundation

/// Creates `credentials`, the sealed per-business credentials of the non-channel providers.
struct CreateCredentials: AsyncMigration {
    var name: String { "008_create_credentials" }

    func prepare(on db: any Database) async throws {
        try await db.schema("credentials")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("provider", .string, .required)
            .field("secret", .string, .required)
            .field("state", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "business_id", "provider")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("credentials").delete()
    }
}
