import Fluent
import SQLKit

/// Issue 16: what stock cost. `products.average_cost` is the weighted average cost per unit (paise),
/// updated by each purchase; every stock movement records the unit cost in force (`unit_cost`) and
/// a purchase's movements name their bill (`purchase_id`), so cost of goods sold is exact for any
/// period. `payments.account_id` is the cash or bank account a customer's payment went into.
struct AddCosts: AsyncMigration {
    var name: String { "013_add_costs" }

    func prepare(on db: any Database) async throws {
        try await db.schema("products").field("average_cost", .int64, .required, .sql(.default(0))).update()
        try await db.schema("stock_movements").field("unit_cost", .int64).update()
        try await db.schema("stock_movements").field("purchase_id", .uuid).update()
        try await db.schema("payments").field("account_id", .uuid).update()
        try await db.sql.create(index: "stock_movements_business_kind").on("stock_movements").column("business_id").column("kind").run()
    }

    func revert(on db: any Database) async throws {
        try await db.sql.drop(index: "stock_movements_business_kind").run()
        try await db.schema("payments").deleteField("account_id").update()
        try await db.schema("stock_movements").deleteField("purchase_id").update()
        try await db.schema("stock_movements").deleteField("unit_cost").update()
        try await db.schema("products").deleteField("average_cost").update()
    }
}
