import Fluent
import SQLKit

/// Issue 6: a UPI ID for the invoice QR code. Nullable, so existing rows need no default.
struct AddBusinessUPI: AsyncMigration {
    var name: String { "004_add_business_upi_id" }

    func prepare(on db: any Database) async throws {
        try await db.schema("businesses").field("upi_id", .string).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("businesses").deleteField("upi_id").update()
    }
}
