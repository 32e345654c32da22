import Fluent

/// Issue 16 §3: a photo (or PDF) of an expense's receipt. The file lives in its own table so
/// listing expenses never reads it; `expenses.receipt_type`/`receipt_size` say whether there is
/// one without a join.
struct AddExpenseReceipts: AsyncMigration {
    var name: String { "015_add_expense_receipts" }

    func prepare(on db: any Database) async throws {
        try await db.schema("expenses").field("receipt_type", .string).update()
        try await db.schema("expenses").field("receipt_size", .int64).update()
        // `id` is the expense's id: one receipt per expense.
        try await db.schema("expense_receipts")
            .field("id", .uuid, .identifier(auto: false), .references("expenses", "id", onDelete: .cascade))
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("content_type", .string, .required)
            .field("data", .data, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("expense_receipts").delete()
        try await db.schema("expenses").deleteField("receipt_size").update()
        try await db.schema("expenses").deleteField("receipt_type").update()
    }
}
