import Fluent

/// Issue 17 §2: whether a product's price includes GST (as most shops quote), and whether each
/// invoice line's unit price did when it was written. NULL — everything from before — reads as
/// false (the price is before GST), so old invoices and products keep their maths.
struct AddPriceIncludesGST: AsyncMigration {
    var name: String { "018_add_price_includes_gst" }

    func prepare(on db: any Database) async throws {
        try await db.schema("products").field("price_includes_gst", .bool).update()
        try await db.schema("invoice_items").field("price_includes_gst", .bool).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("invoice_items").deleteField("price_includes_gst").update()
        try await db.schema("products").deleteField("price_includes_gst").update()
    }
}
