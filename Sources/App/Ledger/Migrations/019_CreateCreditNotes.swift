import Fluent
import SQLKit

/// Issue 17 §3: credit notes (sales returns and price corrections) against an issued invoice, with
/// their own gap-free series per business (CN-0001…), and what each invoice has been credited.
struct CreateCreditNotes: AsyncMigration {
    var name: String { "019_create_credit_notes" }

    func prepare(on db: any Database) async throws {
        try await db.schema("credit_notes")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("invoice_id", .uuid, .required, .references("invoices", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("number", .int64, .required)
            .field("issue_date", .string, .required)
            .field("reason", .string)
            .field("place_of_supply", .string)
            .field("taxable", .int64, .required)
            .field("cgst", .int64, .required)
            .field("sgst", .int64, .required)
            .field("igst", .int64, .required)
            .field("tax_total", .int64, .required)
            .field("total", .int64, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime)
            .unique(on: "business_id", "number")
            .create()
        try await db.schema("credit_note_items")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("credit_note_id", .uuid, .required, .references("credit_notes", "id", onDelete: .cascade))
            .field("invoice_item_id", .uuid, .required, .references("invoice_items", "id"))
            .field("position", .int, .required)
            .field("product_id", .uuid)
            .field("description", .string, .required)
            .field("quantity", .int64, .required)
            .field("unit", .string, .required)
            .field("unit_price", .int64, .required)
            .field("gst_rate_bp", .int64)
            .field("hsn", .string)
            .field("taxable", .int64, .required)
            .field("cgst", .int64, .required)
            .field("sgst", .int64, .required)
            .field("igst", .int64, .required)
            .field("total", .int64, .required)
            .field("unit_cost", .int64, .required)
            .create()
        try await db.schema("invoices").field("credited", .int64).update()
        if let sql = db as? any SQLDatabase {
            try await sql.raw("CREATE INDEX credit_notes_invoice ON credit_notes (business_id, invoice_id)").run()
            try await sql.raw("CREATE INDEX credit_notes_date ON credit_notes (business_id, issue_date)").run()
            try await sql.raw("CREATE INDEX credit_note_items_note ON credit_note_items (credit_note_id)").run()
        }
    }

    func revert(on db: any Database) async throws {
        try await db.schema("invoices").deleteField("credited").update()
        try await db.schema("credit_note_items").delete()
        try await db.schema("credit_notes").delete()
    }
}
