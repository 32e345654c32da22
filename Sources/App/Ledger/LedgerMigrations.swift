import Fluent
import SQLKit

struct CreateLedger: AsyncMigration {
    var name: String { "002_create_ledger" }

    func prepare(on db: any Database) async throws {
        try await db.schema("customers")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("phone", .string)
            .field("email", .string)
            .field("address", .string)
            .field("state", .string)
            .field("notes", .string)
            .field("balance", .int64, .required)
            .field("archived_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "business_id", "phone")
            .create()
        try await db.schema("products")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("name_key", .string, .required)
            .field("unit", .string, .required)
            .field("sku", .string)
            .field("price", .int64, .required)
            .field("stock", .int64, .required)
            .field("low_stock_threshold", .int64, .required)
            .field("hsn", .string)
            .field("gst_rate_bp", .int64)
            .field("archived_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "business_id", "name_key")
            .create()
        try await db.schema("invoices")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("number", .int64)
            .field("status", .string, .required)
            .field("issue_date", .string, .required)
            .field("due_date", .string)
            .field("notes", .string)
            .field("subtotal", .int64, .required)
            .field("discount_total", .int64, .required)
            .field("tax_total", .int64, .required)
            .field("total", .int64, .required)
            .field("amount_paid", .int64, .required)
            .field("issued_at", .datetime)
            .field("voided_at", .datetime)
            .field("void_reason", .string)
            .field("created_by", .uuid)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "business_id", "number")
            .create()
        try await db.schema("invoice_items")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("invoice_id", .uuid, .required, .references("invoices", "id", onDelete: .cascade))
            .field("position", .int, .required)
            .field("product_id", .uuid, .references("products", "id"))
            .field("description", .string, .required)
            .field("quantity", .int64, .required)
            .field("unit", .string, .required)
            .field("unit_price", .int64, .required)
            .field("discount", .int64, .required)
            .field("gst_rate_bp", .int64)
            .field("hsn", .string)
            .field("taxable", .int64, .required)
            .field("tax", .int64, .required)
            .field("total", .int64, .required)
            .create()
        try await db.schema("stock_movements")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("product_id", .uuid, .required, .references("products", "id"))
            .field("delta", .int64, .required)
            .field("kind", .string, .required)
            .field("reason", .string, .required)
            .field("invoice_id", .uuid, .references("invoices", "id"))
            .field("user_id", .uuid)
            .field("stock_after", .int64, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await db.schema("payments")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("amount", .int64, .required)
            .field("mode", .string, .required)
            .field("reference", .string)
            .field("paid_on", .string, .required)
            .field("notes", .string)
            .field("unallocated", .int64, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime)
            .create()
        try await db.schema("payment_allocations")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("payment_id", .uuid, .required, .references("payments", "id"))
            .field("invoice_id", .uuid, .required, .references("invoices", "id"))
            .field("amount", .int64, .required)
            .field("released_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        let sql = try db.sql
        try await sql.create(index: "customers_business").on("customers").column("business_id").run()
        try await sql.create(index: "products_business").on("products").column("business_id").run()
        try await sql.create(index: "invoices_business_status").on("invoices").column("business_id").column("status").run()
        try await sql.create(index: "invoices_customer").on("invoices").column("customer_id").run()
        try await sql.create(index: "invoice_items_invoice").on("invoice_items").column("invoice_id").run()
        try await sql.create(index: "stock_movements_product").on("stock_movements").column("product_id").run()
        try await sql.create(index: "payments_customer").on("payments").column("customer_id").run()
        try await sql.create(index: "allocations_invoice").on("payment_allocations").column("invoice_id").run()
        try await sql.create(index: "allocations_payment").on("payment_allocations").column("payment_id").run()
    }

    func revert(on db: any Database) async throws {
        for table in ["payment_allocations", "payments", "stock_movements", "invoice_items", "invoices", "products", "customers"] {
            try await db.schema(table).delete()
        }
    }
}

/// Issue 6: exports walk invoices and payments in date order a page at a time; these indexes let
/// the database read them in that order instead of sorting the whole table for every page.
struct AddExportIndexes: AsyncMigration {
    var name: String { "005_add_export_indexes" }

    func prepare(on db: any Database) async throws {
        let sql = try db.sql
        try await sql.create(index: "invoices_business_issue_date").on("invoices").column("business_id").column("issue_date").column("issued_at").run()
        try await sql.create(index: "invoices_business_voided").on("invoices").column("business_id").column("voided_at").run()
        try await sql.create(index: "payments_business_paid_on").on("payments").column("business_id").column("paid_on").column("created_at").run()
    }

    func revert(on db: any Database) async throws {
        let sql = try db.sql
        for name in ["invoices_business_issue_date", "invoices_business_voided", "payments_business_paid_on"] {
            try await sql.drop(index: name).run()
        }
    }
}
