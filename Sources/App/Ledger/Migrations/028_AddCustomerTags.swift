import Fluent

/// Issue 18 §5: customers carry tags ("wholesale", "regular"), so a broadcast can go to a tag.
/// Stored as ",wholesale,regular," (lowercased, each tag between commas) so one tag is found with
/// LIKE '%,wholesale,%'.
struct AddCustomerTags: AsyncMigration {
    var name: String { "028_add_customer_tags" }

    func prepare(on db: any Database) async throws {
        try await db.schema("customers").field("tags", .string).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("customers").deleteField("tags").update()
    }
}
