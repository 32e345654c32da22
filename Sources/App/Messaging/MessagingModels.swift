import Fluent
import Foundation
import SQLKit

/// A connected provider account (DESIGN §6). Credentials and provider session state (e.g. Bluesky
/// tokens) are sealed by the vault; `cursor` is the poller's position, so nothing is read twice.
final class Channel: Model, @unchecked Sendable {
    static let schema = "channels"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Enum(key: "kind") var kind: ChannelKind
    @Field(key: "name") var name: String
    @Enum(key: "status") var status: ChannelStatus
    @OptionalField(key: "status_detail") var statusDetail: String?
    @OptionalField(key: "identity") var identity: String?
    @OptionalField(key: "credentials") var credentials: String?
    @OptionalField(key: "state") var state: String?
    @OptionalField(key: "cursor") var cursor: String?
    @Field(key: "enabled") var enabled: Bool
    @OptionalField(key: "poll_interval_seconds") var pollIntervalSeconds: Int?
    @OptionalField(key: "last_polled_at") var lastPolledAt: Date?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "deleted_at") var deletedAt: Date?

    init() {}
}

enum ChannelKind: String, Codable, Sendable, CaseIterable {
    case twilioWhatsapp = "twilio_whatsapp"
    case bluesky
    case mastodon
    case instagram
    case simulator

    /// The inbox's platform label.
    var platform: String {
        switch self {
        case .twilioWhatsapp: return "whatsapp"
        default: return rawValue
        }
    }

    var polls: Bool { self == .bluesky || self == .mastodon || self == .instagram }
}

/// Someone a business talks to on one channel: a phone number, a handle or a provider user id.
final class Contact: Model, @unchecked Sendable {
    static let schema = "contacts"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "channel_id") var channelID: UUID
    @Field(key: "handle") var handle: String
    @OptionalField(key: "name") var name: String?
    @OptionalField(key: "customer_id") var customerID: UUID?
    /// Set when the contact sent STOP: reminders, invoices, receipts, workflow and broadcast sends
    /// to this number are refused until they send START (issue 18 §5). Replies to what they ask
    /// are still answered.
    @OptionalField(key: "opted_out_at") var optedOutAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// One conversation thread in the inbox (a contact on a channel).
final class InboxSession: Model, @unchecked Sendable {
    static let schema = "inbox_sessions"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "channel_id") var channelID: UUID
    @Field(key: "contact_id") var contactID: UUID
    @Field(key: "is_owner") var isOwner: Bool
    @Field(key: "bot_active") var botActive: Bool
    @Field(key: "unread_count") var unreadCount: Int
    @OptionalField(key: "last_text") var lastText: String?
    @OptionalEnum(key: "last_direction") var lastDirection: MessageDirection?
    @OptionalField(key: "last_at") var lastAt: Date?
    /// When the contact last wrote: WhatsApp's 24-hour window runs from here (issue 18 §3).
    @OptionalField(key: "last_inbound_at") var lastInboundAt: Date?
    /// On the owner's own number: the invoice just issued from a WhatsApp confirmation, which
    /// "3" sends to its customer (issue 18 §4). Any other message withdraws the offer.
    @OptionalField(key: "offered_invoice_id") var offeredInvoiceID: UUID?
    @OptionalField(key: "assignee_id") var assigneeID: UUID?
    @Field(key: "next_seq") var nextSeq: Int64
    /// The provider's thread id when replies need it (Bluesky convo, Instagram conversation).
    @OptionalField(key: "thread_ref") var threadRef: String?
    /// The assistant conversation of an owner thread, and its card awaiting "1"/"2".
    @OptionalField(key: "conversation_id") var conversationID: UUID?
    @OptionalField(key: "open_card_id") var openCardID: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// Whether a channel's credentials work, as its last check found.
enum ChannelStatus: String, Codable, Sendable, CaseIterable {
    /// Added or changed, not checked yet.
    case pending
    case connected
    /// The provider refused the credentials or could not be used; `status_detail` says why.
    case error
}

/// An outgoing message's place in the outbox.
enum OutboxStatus: String, Codable, Sendable, CaseIterable {
    case queued, sending, sent, failed
}

/// Which way a message went: stored as "in" and "out".
enum MessageDirection: String, Codable, Sendable {
    case inbound = "in"
    case outbound = "out"
}

enum MessageStatus: String, Codable, Sendable {
    case received, queued, sending, sent, delivered, read, failed, undelivered

    /// Delivery callbacks may arrive out of order; a status never moves back.
    var rank: Int {
        switch self {
        case .received: return 0
        case .queued: return 1
        case .sending: return 2
        case .sent: return 3
        case .delivered: return 4
        case .read: return 5
        case .failed, .undelivered: return 6
        }
    }
}

final class Message: Model, @unchecked Sendable {
    static let schema = "messages"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "session_id") var sessionID: UUID
    @Field(key: "channel_id") var channelID: UUID
    @Field(key: "seq") var seq: Int64
    @Enum(key: "direction") var direction: MessageDirection
    @Field(key: "author") var author: String
    @OptionalField(key: "author_name") var authorName: String?
    @Field(key: "text") var text: String
    @Field(key: "media") var media: String
    @Enum(key: "status") var status: MessageStatus
    @OptionalField(key: "provider_id") var providerID: String?
    @OptionalField(key: "error_code") var errorCode: String?
    @OptionalField(key: "error_message") var errorMessage: String?
    /// What a reply to this message must reference (a post's uri/cid, a status id), as JSON.
    @OptionalField(key: "reply_ref") var replyRef: String?
    @OptionalField(key: "routed_at") var routedAt: Date?
    /// What was heard in an inbound voice note (issue 18 §1); nil until transcribed.
    @OptionalField(key: "transcript") var transcript: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    var mediaRefs: [MediaRef] { (try? JSONDecoder().decode([MediaRef].self, from: Data(media.utf8))) ?? [] }

    /// The voice note of an inbound message: its first audio attachment, when the message has no text.
    var voiceNote: MediaRef? {
        guard direction == .inbound, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return mediaRefs.first { VoiceNotes.isAudio($0.contentType) }
    }

    /// What the message says: its text, or what was heard in its voice note.
    var spokenText: String { transcript ?? text }
}

/// One outbound message on its way to a provider (DESIGN §6): sent by an `outbox.send` job,
/// retried with backoff, the provider's id recorded, status callbacks applied to its message.
final class OutboxItem: Model, @unchecked Sendable {
    static let schema = "outbox"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "channel_id") var channelID: UUID
    @Field(key: "message_id") var messageID: UUID
    @Field(key: "recipient") var recipient: String
    @Field(key: "body") var body: String
    @OptionalField(key: "media_url") var mediaURL: String?
    @Enum(key: "status") var status: OutboxStatus
    @Field(key: "attempts") var attempts: Int
    @OptionalField(key: "provider_id") var providerID: String?
    @OptionalField(key: "error_code") var errorCode: String?
    @OptionalField(key: "error_message") var errorMessage: String?
    /// Passed to providers that accept one, so a retried send is not posted twice.
    @Field(key: "idempotency_key") var idempotencyKey: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?
    /// A business-initiated message's purpose (`TemplatePurpose`) and its values as JSON: what
    /// lets it go as an approved template outside WhatsApp's 24-hour window (issue 18 §3).
    @OptionalField(key: "purpose") var purpose: String?
    @OptionalField(key: "template_values") var templateValues: String?
    /// The template it went as (set when sending outside the window), and its variables (JSON).
    @OptionalField(key: "content_sid") var contentSID: String?
    @OptionalField(key: "content_variables") var contentVariables: String?

    init() {}
}
