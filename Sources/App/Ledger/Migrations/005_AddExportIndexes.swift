import Fluent
import SQLKit

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
