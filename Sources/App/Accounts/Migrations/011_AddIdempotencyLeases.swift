import Fluent
import SQLKit

/// Lease and commit marks on idempotency records (issue 14 §3).
struct AddIdempotencyLeases: AsyncMigration {
    var name: String { "011_add_idempotency_leases" }

    func prepare(on db: any Database) async throws {
        // SQLite adds one column per ALTER TABLE.
        try await db.schema(IdempotencyRecord.schema).field("lease_until", .datetime).update()
        try await db.schema(IdempotencyRecord.schema).field("committed_at", .datetime).update()
        try await db.schema(IdempotencyRecord.schema).field("resource", .string).update()
        try await db.schema(IdempotencyRecord.schema).field("replay_status", .int).update()
    }

    func revert(on db: any Database) async throws {
        for f in ["replay_status", "resource", "committed_at", "lease_until"] {
            try await db.schema(IdempotencyRecord.schema).deleteField(.string(f)).update()
        }
    }
}
