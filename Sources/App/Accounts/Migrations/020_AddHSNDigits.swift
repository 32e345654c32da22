import Fluent

/// Issue 17 §2: the fewest digits of HSN/SAC code each line of a tax invoice must carry — 4 up to
/// ₹5 crore of turnover, 6 above it (8 for those who choose) — NULL: not enforced.
struct AddHSNDigits: AsyncMigration {
    var name: String { "020_add_hsn_digits" }

    func prepare(on db: any Database) async throws {
        try await db.schema("businesses").field("hsn_digits", .int64).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("businesses").deleteField("hsn_digits").update()
    }
}
