import Fluent
import SQLKit

/// Issue 18 §3: the business's approved WhatsApp templates, and what each outgoing message needs
/// to go as one outside the 24-hour window (its purpose and values, the template it went as).
struct CreateWhatsAppTemplates: AsyncMigration {
    var name: String { "023_create_whatsapp_templates" }

    func prepare(on db: any Database) async throws {
        try await db.schema("whatsapp_templates")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("purpose", .string, .required)
            .field("content_sid", .string, .required)
            .field("name", .string, .required)
            .field("language", .string, .required)
            .field("variables", .string, .required)
            .field("body", .string)
            .field("status", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "business_id", "purpose", "language")
            .create()
        // One column per statement: SQLite adds one at a time.
        for column in ["purpose", "template_values", "content_sid", "content_variables"] {
            try await db.schema("outbox").field(FieldKey(stringLiteral: column), .string).update()
        }
        // When the contact last wrote: the window's start, kept with the conversation.
        try await db.schema("inbox_sessions").field("last_inbound_at", .datetime).update()
        // The invoice the owner's last WhatsApp confirmation offered to send ("Reply 3", §4).
        try await db.schema("inbox_sessions").field("offered_invoice_id", .uuid).update()
        // "STOP" from a contact: no more business-initiated messages to that number (§5).
        try await db.schema("contacts").field("opted_out_at", .datetime).update()
        try await db.sql.raw("""
            UPDATE inbox_sessions SET last_inbound_at =
              (SELECT MAX(m.created_at) FROM messages m WHERE m.session_id = inbox_sessions.id AND m.direction = 'in')
            """).run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("contacts").deleteField("opted_out_at").update()
        try await db.schema("inbox_sessions").deleteField("offered_invoice_id").update()
        try await db.schema("inbox_sessions").deleteField("last_inbound_at").update()
        for column in ["content_variables", "content_sid", "template_values", "purpose"] {
            try await db.schema("outbox").deleteField(FieldKey(stringLiteral: column)).update()
        }
        try await db.schema("whatsapp_templates").delete()
    }
}
