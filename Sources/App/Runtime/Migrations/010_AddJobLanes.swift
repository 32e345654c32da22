import Fluent
import Foundation
import SQLKit

/// Jobs run in lanes with their own worker loops (issue 14 §4): inbound handling and local work
/// never wait behind provider calls. The status `dead` (a job whose process stopped while running
/// it `max_attempts` times) needs no schema change: status is a string.
struct AddJobLanes: AsyncMigration {
    var name: String { "010_add_job_lanes" }

    func prepare(on db: any Database) async throws {
        try await db.schema("jobs").field("lane", .string, .required, .sql(.default("local"))).update()
        try await db.sql.create(index: "jobs_lane_due").on("jobs").column("lane").column("status").column("run_at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.sql.drop(index: "jobs_lane_due").run()
        try await db.schema("jobs").deleteField("lane").update()
    }
}
