import Fluent
import Foundation
import SQLKit

/// Creates `jobs`, the table of the durable job queue.
struct CreateJobs: AsyncMigration {
    var name: String { "006_create_jobs" }

    func prepare(on db: any Database) async throws {
        try await db.schema("jobs")
            .id()
            .field("kind", .string, .required)
            .field("business_id", .uuid)
            .field("payload", .string, .required)
            .field("status", .string, .required)
            .field("run_at", .datetime, .required)
            .field("attempts", .int, .required)
            .field("max_attempts", .int, .required)
            .field("lease_owner", .string)
            .field("lease_until", .datetime)
            .field("last_error", .string)
            .field("dedupe_key", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "dedupe_key")
            .create()
        try await db.sql.create(index: "jobs_due").on("jobs").column("status").column("run_at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("jobs").delete()
    }
}
