import Fluent
import Foundation
import Vapor

/// Shapes of docs/messaging-api.md. Credentials never appear in any of them.
struct ChannelDTO: Content {
    let id: UUID
    let kind: String
    let name: String
    let platform: String
    let status: String
    @NullEncoded var statusDetail: String?
    @NullEncoded var identity: String?
    let enabled: Bool
    @NullEncoded var webhookUrl: String?
    @NullEncoded var statusCallbackUrl: String?
    @NullEncoded var pollIntervalSeconds: Int?
    @NullEncoded var lastPolledAt: Date?
    let createdAt: Date
    let updatedAt: Date

    init(_ c: Channel, publicBaseURL: String) {
        id = c.id!
        kind = c.kind.rawValue
        name = c.name
        platform = c.kind.platform
        status = c.enabled ? c.status.rawValue : "disabled"
        statusDetail = c.statusDetail
        identity = c.identity
        enabled = c.enabled
        if c.kind == .twilioWhatsapp {
            webhookUrl = Endpoint.twilioInbound.url(base: publicBaseURL, c.id!)
            statusCallbackUrl = Endpoint.twilioStatus.url(base: publicBaseURL, c.id!)
        }
        pollIntervalSeconds = c.kind.polls ? (c.pollIntervalSeconds ?? 60) : nil
        lastPolledAt = c.lastPolledAt
        createdAt = c.createdAt
        updatedAt = c.updatedAt
    }
}

struct MessageDTO: Content {
    let id: UUID
    let sessionId: UUID
    let seq: Int64
    let direction: String
    let author: String
    @NullEncoded var authorName: String?
    let text: String
    let media: [MediaRef]
    /// What was heard in a voice note; null for other messages and until it is transcribed.
    @NullEncoded var transcript: String?
    let status: String
    @NullEncoded var errorCode: String?
    @NullEncoded var errorMessage: String?
    let createdAt: Date
    let updatedAt: Date

    init(_ m: Message) {
        id = m.id!
        sessionId = m.sessionID
        seq = m.seq
        direction = m.direction.rawValue
        author = m.author
        authorName = m.authorName
        text = m.text
        media = m.mediaRefs
        transcript = m.transcript
        status = m.status.rawValue
        errorCode = m.errorCode
        errorMessage = m.errorMessage
        createdAt = m.createdAt
        updatedAt = m.updatedAt
    }
}

struct InboxSessionDTO: Content {
    struct ContactDTO: Content {
        let id: UUID
        @NullEncoded var name: String?
        let handle: String
        @NullEncoded var customerId: UUID?
        /// The linked ledger customer's name, as the owner keeps it (the inbox shows it first).
        @NullEncoded var customerName: String?
        /// The contact sent STOP: nothing the business starts reaches them until START.
        var optedOut: Bool = false
    }

    struct LastMessage: Content {
        let text: String
        let direction: String
        let at: Date
    }

    struct Assignee: Content {
        let id: UUID
        let name: String
    }

    let id: UUID
    let channelId: UUID
    let channelName: String
    let platform: String
    let contact: ContactDTO
    let isOwner: Bool
    @NullEncoded var lastMessage: LastMessage?
    let unreadCount: Int
    let botActive: Bool
    @NullEncoded var assignee: Assignee?
    /// WhatsApp only: until when a typed reply is delivered (24 hours after the contact last
    /// wrote); null when they never wrote or the channel has no such rule.
    @NullEncoded var replyWindowUntil: Date?
    let createdAt: Date
    let updatedAt: Date
}

struct MessagePage: Content {
    let items: [MessageDTO]
    @NullEncoded var olderCursor: String?
    @NullEncoded var newerCursor: String?
}

enum InboxViews {
    /// Builds session DTOs with their channel, contact and assignee in three queries.
    static func sessions(_ sessions: [InboxSession], on db: any Database) async throws -> [InboxSessionDTO] {
        guard !sessions.isEmpty else { return [] }
        let channels = try await Channel.query(on: db).filter(\.$id ~~ Set(sessions.map(\.channelID))).all()
        let contacts = try await Contact.query(on: db).filter(\.$id ~~ Set(sessions.map(\.contactID))).all()
        let assigneeIDs = Set(sessions.compactMap(\.assigneeID))
        let userByID = try await AccountsService(db: db).users(assigneeIDs)
        let channelByID = Dictionary(uniqueKeysWithValues: channels.map { ($0.id!, $0) })
        let contactByID = Dictionary(uniqueKeysWithValues: contacts.map { ($0.id!, $0) })
        // A contact linked to a ledger customer (by phone) carries the customer's name, as the
        // owner keeps it: the inbox shows it before the chat profile's name or the number.
        var customerNames: [UUID: String] = [:]
        for (businessID, list) in Dictionary(grouping: contacts.filter { $0.customerID != nil }, by: \.businessID) {
            for (id, name) in try await LedgerReads(db: db, businessID: businessID).customerNames(list.compactMap(\.customerID)) {
                customerNames[id] = name
            }
        }
        return sessions.compactMap { s -> InboxSessionDTO? in
            guard let ch = channelByID[s.channelID], let c = contactByID[s.contactID] else { return nil }
            return InboxSessionDTO(
                id: s.id!, channelId: s.channelID, channelName: ch.name, platform: ch.kind.platform,
                contact: .init(id: c.id!, name: c.name, handle: c.handle, customerId: c.customerID,
                               customerName: c.customerID.flatMap { customerNames[$0] }, optedOut: c.optedOutAt != nil),
                isOwner: s.isOwner,
                lastMessage: s.lastAt.map { InboxSessionDTO.LastMessage(text: s.lastText ?? "", direction: (s.lastDirection ?? .inbound).rawValue, at: $0) },
                unreadCount: s.unreadCount, botActive: s.botActive,
                assignee: s.assigneeID.flatMap { id in userByID[id].map { InboxSessionDTO.Assignee(id: id, name: $0.name) } },
                replyWindowUntil: ch.kind == .twilioWhatsapp ? s.lastInboundAt.map { $0.addingTimeInterval(WhatsAppWindow.length) } : nil,
                createdAt: s.createdAt, updatedAt: s.updatedAt)
        }
    }

    static func session(_ s: InboxSession, on db: any Database) async throws -> InboxSessionDTO {
        guard let dto = try await sessions([s], on: db).first else { throw APIError.notFound("Session") }
        return dto
    }
}

/// A registered WhatsApp template (issue 18 §3).
struct WhatsAppTemplateDTO: Content {
    let id: UUID
    let purpose: String
    let contentSid: String
    let name: String
    let language: String
    let variables: [String: String]
    @NullEncoded var body: String?
    let status: String
    let createdAt: Date
    let updatedAt: Date

    init(_ t: WhatsAppTemplate) {
        id = t.id!
        purpose = t.purpose
        contentSid = t.contentSID
        name = t.name
        language = t.language
        variables = t.variableMap
        body = t.body
        status = t.status.rawValue
        createdAt = t.createdAt
        updatedAt = t.updatedAt
    }
}

/// A purpose a template can serve: the values its messages carry and Munim's recommended texts.
struct TemplatePurposeDTO: Content {
    let purpose: String
    let label: String
    let variables: [String]
    let recommended: [TemplatePurpose.Recommended]

    init(_ p: TemplatePurpose) {
        purpose = p.rawValue
        label = p.label
        variables = p.variables
        recommended = p.recommended
    }
}

struct TwilioTemplateDTO: Content {
    let contentSid: String
    let name: String
    @NullEncoded var language: String?
    @NullEncoded var body: String?
    let variables: [String: String]
    let status: String
    @NullEncoded var category: String?
    @NullEncoded var rejectionReason: String?

    init(_ t: TwilioClient.ContentTemplate) {
        contentSid = t.sid
        name = t.name
        language = t.language
        body = t.body
        variables = t.variables
        status = t.status
        category = t.category
        rejectionReason = t.rejectionReason
    }
}
