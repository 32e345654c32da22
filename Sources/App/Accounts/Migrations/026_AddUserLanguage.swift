import Fluent

/// Issue 19 §2: the language each user reads the web app in ("en" or "hi"); NULL follows the
/// business's preferred language.
struct AddUserLanguage: AsyncMigration {
    var name: String { "026_add_user_language" }

    func prepare(on db: any Database) async throws {
        try await db.schema("users").field("language", .string).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("users").deleteField("language").update()
    }
}
