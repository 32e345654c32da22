import Fluent

/// Issue 17 §1–§2: a customer's GSTIN; each invoice's place of supply (a state name); each line's
/// CGST, SGST and IGST as computed when it was written (CGST = SGST, each half rounded on its
/// own). Invoices written before this have neither: they read as before (the customer's state
/// against the business's, the line's tax split in two).
struct AddPlaceOfSupply: AsyncMigration {
    var name: String { "016_add_place_of_supply" }

    func prepare(on db: any Database) async throws {
        try await db.schema("customers").field("gstin", .string).update()
        try await db.schema("invoices").field("place_of_supply", .string).update()
        try await db.schema("invoice_items").field("cgst", .int64).update()
        try await db.schema("invoice_items").field("sgst", .int64).update()
        try await db.schema("invoice_items").field("igst", .int64).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("invoice_items").deleteField("igst").update()
        try await db.schema("invoice_items").deleteField("sgst").update()
        try await db.schema("invoice_items").deleteField("cgst").update()
        try await db.schema("invoices").deleteField("place_of_supply").update()
        try await db.schema("customers").deleteField("gstin").update()
    }
}
