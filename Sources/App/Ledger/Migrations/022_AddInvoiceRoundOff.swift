import Fluent

/// Issue 17 §2: the paise an invoice's total was rounded by (−50…+50; the last credit note of a
/// fully returned invoice takes it back too). NULL: not rounded.
struct AddInvoiceRoundOff: AsyncMigration {
    var name: String { "022_add_invoice_round_off" }

    func prepare(on db: any Database) async throws {
        try await db.schema("invoices").field("round_off", .int64).update()
        try await db.schema("credit_notes").field("round_off", .int64).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("credit_notes").deleteField("round_off").update()
        try await db.schema("invoices").deleteField("round_off").update()
    }
}
