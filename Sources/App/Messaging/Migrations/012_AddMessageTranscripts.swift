import Fluent
import Foundation
import SQLKit

/// `messages.transcript`: what was heard in a voice note (issue 18 §1).
struct AddMessageTranscripts: AsyncMigration {
    var name: String { "012_add_message_transcripts" }

    func prepare(on db: any Database) async throws {
        try await db.schema("messages").field("transcript", .string).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("messages").deleteField("transcript").update()
    }
}
