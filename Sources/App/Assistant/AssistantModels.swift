import Fluent
import Foundation

/// A conversation between one user and the assistant; its pending intent lives here (DESIGN §5:
/// conversation state is in the database, so any instance can continue it).
final class Conversation: Model, @unchecked Sendable {
    static let schema = "conversations"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "user_id") var userID: UUID
    /// JSON of `PendingState`, or nil when nothing is pending.
    @OptionalField(key: "pending") var pending: String?
    @Field(key: "last_activity_at") var lastActivityAt: Date
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// Who said a conversation turn.
enum TurnRole: String, Codable, Sendable {
    case user, assistant
}

final class ConversationTurn: Model, @unchecked Sendable {
    static let schema = "conversation_turns"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "conversation_id") var conversationID: UUID
    @Enum(key: "role") var role: TurnRole
    @Field(key: "text") var text: String
    @OptionalField(key: "card_id") var cardID: UUID?
    @OptionalField(key: "engine") var engine: String?
    @Field(key: "created_at") var createdAt: Date
    /// Orders turns written in the same instant.
    @Field(key: "seq") var seq: Int64

    init() {}
}

enum CardStatus: String, Codable, Sendable {
    case pending, confirmed, cancelled, info, failed
}

final class AssistantCard: Model, @unchecked Sendable {
    static let schema = "assistant_cards"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "conversation_id") var conversationID: UUID
    @Field(key: "kind") var kind: String
    @Enum(key: "status") var status: CardStatus
    @Field(key: "title") var title: String
    /// JSON of `CardCommand`: what Confirm will do, with resolved ids.
    @Field(key: "command") var command: String
    /// JSON of the card's display data.
    @Field(key: "data") var data: String
    @OptionalField(key: "result") var result: String?
    @OptionalField(key: "error") var error: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}
