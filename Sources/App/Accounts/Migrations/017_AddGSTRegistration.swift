import Fluent

/// Issue 17 §1: how the business is registered for GST — `regular` (tax invoices), `composition`
/// (bills of supply, no tax charged) or `unregistered`. NULL (businesses from before) reads as regular.
struct AddGSTRegistration: AsyncMigration {
    var name: String { "017_add_gst_registration" }

    func prepare(on db: any Database) async throws {
        try await db.schema("businesses").field("gst_registration", .string).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("businesses").deleteField("gst_registration").update()
    }
}
