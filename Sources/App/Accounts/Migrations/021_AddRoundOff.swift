import Fluent

/// Issue 17 §2: whether invoice totals are rounded to the rupee (a printed round-off line). NULL:
/// no (as before).
struct AddRoundOff: AsyncMigration {
    var name: String { "021_add_round_off" }

    func prepare(on db: any Database) async throws {
        try await db.schema("businesses").field("round_off", .bool).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("businesses").deleteField("round_off").update()
    }
}
