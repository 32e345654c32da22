import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The tokens of one Bluesky login (com.atproto.server.createSession). The app stores them
/// encrypted (DESIGN §8) and saves them again whenever a call hands back a refreshed session.
struct BlueskySession: Codable, Sendable, Equatable {
    var did: String
    var handle: String
    var accessJwt: String
    var refreshJwt: String
}

/// A small client for Bluesky over AT Protocol XRPC: sessions, chat (DMs), notifications and
/// posts (DESIGN §6, §8). Every authenticated call takes the stored session and returns the
/// session to keep: when the access token has expired the client refreshes it once, retries,
/// and hands back the new tokens so the caller can persist them.
struct BlueskyClient: Sendable {
    let transport: ProviderTransport
    /// The PDS or entryway, e.g. https://bsky.social (no trailing slash needed).
    let serviceURL: String

    /// Chat lives on a separate service; a PDS forwards calls that name it in this header.
    static let chatProxy = "did:web:api.bsky.chat#bsky_chat"
    /// app.bsky.feed.post limits `text` to 300 graphemes; Swift's `Character` is a grapheme cluster.
    static let maxPostGraphemes = 300

    init(transport: ProviderTransport, serviceURL: String = "https://bsky.social") {
        self.transport = transport
        self.serviceURL = serviceURL.hasSuffix("/") ? String(serviceURL.dropLast()) : serviceURL
    }

    /// An XRPC error: the HTTP status and the provider's `error` name (`code`) and `message`.
    /// Never holds a token or a password.
    typealias Failure = ProviderError

    // MARK: models (AT Protocol lexicons, camelCase on the wire)

    struct StrongRef: Codable, Sendable, Equatable {
        let uri: String
        let cid: String
    }

    /// app.bsky.feed.post#replyRef.
    struct ReplyRef: Codable, Sendable, Equatable {
        let root: StrongRef
        let parent: StrongRef
    }

    struct ProfileBasic: Codable, Sendable, Equatable {
        let did: String
        let handle: String
        let displayName: String?
    }

    /// chat.bsky.convo.defs#messageView, or #deletedMessageView (then `text` is nil).
    struct ChatMessage: Codable, Sendable, Equatable {
        struct Sender: Codable, Sendable, Equatable { let did: String }
        let type: String?
        let id: String
        let rev: String
        let text: String?
        let sender: Sender
        let sentAt: String

        var isDeleted: Bool { type == "chat.bsky.convo.defs#deletedMessageView" }

        enum CodingKeys: String, CodingKey {
            case type = "$type", id, rev, text, sender, sentAt
        }
    }

    /// chat.bsky.convo.defs#convoView.
    struct Convo: Codable, Sendable, Equatable {
        let id: String
        let rev: String
        let members: [ProfileBasic]
        let lastMessage: ChatMessage?
        let muted: Bool
        let status: String?
        let unreadCount: Int
    }

    struct ConvoPage: Codable, Sendable {
        let cursor: String?
        let convos: [Convo]
    }

    /// chat.bsky.convo.getMessages: newest first.
    struct MessagePage: Codable, Sendable {
        let cursor: String?
        let messages: [ChatMessage]
    }

    /// The parts of an app.bsky.feed.post record the app reads; other record types decode with
    /// every field nil.
    struct PostRecord: Codable, Sendable, Equatable {
        let type: String?
        let text: String?
        let createdAt: String?
        let reply: ReplyRef?

        enum CodingKeys: String, CodingKey {
            case type = "$type", text, createdAt, reply
        }
    }

    /// app.bsky.notification.listNotifications#notification.
    struct Notification: Codable, Sendable, Equatable {
        let uri: String
        let cid: String
        let author: ProfileBasic
        /// "mention", "reply", "quote", "like", "repost", "follow", ...
        let reason: String
        let reasonSubject: String?
        let record: PostRecord
        let isRead: Bool
        let indexedAt: String
    }

    struct NotificationPage: Codable, Sendable {
        let cursor: String?
        let notifications: [Notification]
    }

    struct CreatedRecord: Codable, Sendable, Equatable {
        let uri: String
        let cid: String
    }

    // MARK: sessions

    private struct CreateSessionRequest: Encodable { let identifier: String; let password: String }

    /// Logs in with a handle (or email) and an app password.
    func createSession(identifier: String, password: String) async throws -> BlueskySession {
        let method = "com.atproto.server.createSession"
        let body = try Self.encoder.encode(CreateSessionRequest(identifier: identifier, password: password))
        let (status, data) = try await send(.POST, method, body: body, bearer: nil)
        guard (200..<300).contains(status) else { throw failure(method, status, data, secrets: [password]) }
        return try decode(BlueskySession.self, data, method)
    }

    /// Trades the refresh token for a new pair (the old refresh token stops working).
    func refreshSession(refreshJwt: String) async throws -> BlueskySession {
        let method = "com.atproto.server.refreshSession"
        let (status, data) = try await send(.POST, method, bearer: refreshJwt)
        guard (200..<300).contains(status) else { throw failure(method, status, data, secrets: [refreshJwt]) }
        return try decode(BlueskySession.self, data, method)
    }

    // MARK: identity

    private struct ResolvedHandle: Decodable { let did: String }

    /// com.atproto.identity.resolveHandle: a handle (without "@") to its DID.
    func resolveHandle(_ handle: String, session: BlueskySession) async throws -> (String, BlueskySession) {
        let bare = handle.hasPrefix("@") ? String(handle.dropFirst()) : handle
        let (resolved, next) = try await call(ResolvedHandle.self, .GET, "com.atproto.identity.resolveHandle", session: session, query: [("handle", bare)])
        return (resolved.did, next)
    }

    // MARK: chat (DMs)

    func listConvos(cursor: String? = nil, limit: Int = 50, session: BlueskySession) async throws -> (ConvoPage, BlueskySession) {
        var query = [("limit", String(limit))]
        if let cursor { query.append(("cursor", cursor)) }
        return try await call(ConvoPage.self, .GET, "chat.bsky.convo.listConvos", session: session, query: query, chat: true)
    }

    /// One page of a conversation's messages, newest first.
    func getMessages(convoId: String, cursor: String? = nil, limit: Int = 50, session: BlueskySession) async throws -> (MessagePage, BlueskySession) {
        var query = [("convoId", convoId), ("limit", String(limit))]
        if let cursor { query.append(("cursor", cursor)) }
        return try await call(MessagePage.self, .GET, "chat.bsky.convo.getMessages", session: session, query: query, chat: true)
    }

    private struct ConvoEnvelope: Decodable { let convo: Convo }

    /// The conversation with these members (DIDs), created when there is none yet.
    func getConvoForMembers(members: [String], session: BlueskySession) async throws -> (Convo, BlueskySession) {
        let (envelope, next) = try await call(ConvoEnvelope.self, .GET, "chat.bsky.convo.getConvoForMembers", session: session, query: members.map { ("members", $0) }, chat: true)
        return (envelope.convo, next)
    }

    private struct SendMessageRequest: Encodable {
        struct MessageInput: Encodable { let text: String }
        let convoId: String
        let message: MessageInput
    }

    func sendMessage(convoId: String, text: String, session: BlueskySession) async throws -> (ChatMessage, BlueskySession) {
        let body = try Self.encoder.encode(SendMessageRequest(convoId: convoId, message: .init(text: text)))
        return try await call(ChatMessage.self, .POST, "chat.bsky.convo.sendMessage", session: session, body: body, chat: true)
    }

    // MARK: notifications (mentions and replies)

    func listNotifications(cursor: String? = nil, limit: Int = 50, session: BlueskySession) async throws -> (NotificationPage, BlueskySession) {
        var query = [("limit", String(limit))]
        if let cursor { query.append(("cursor", cursor)) }
        return try await call(NotificationPage.self, .GET, "app.bsky.notification.listNotifications", session: session, query: query)
    }

    /// The reply reference for answering the post a notification is about: the parent is that
    /// post; the root is the parent's own root when it is itself a reply, else the parent.
    static func replyRef(toNotification notification: Notification) -> ReplyRef {
        let parent = StrongRef(uri: notification.uri, cid: notification.cid)
        return ReplyRef(root: notification.record.reply?.root ?? parent, parent: parent)
    }

    // MARK: posts

    private struct PostWrite: Encodable {
        let type = "app.bsky.feed.post"
        let text: String
        let createdAt: String
        let reply: ReplyRef?

        enum CodingKeys: String, CodingKey { case type = "$type", text, createdAt, reply }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(type, forKey: .type)
            try c.encode(text, forKey: .text)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encodeIfPresent(reply, forKey: .reply)
        }
    }

    private struct CreateRecordRequest: Encodable {
        let repo: String
        let collection: String
        let record: PostWrite
    }

    /// Publishes a post (or a reply) in the session's own repository. Text over 300 graphemes
    /// is refused here, before anything is sent.
    func createPost(text: String, reply: ReplyRef? = nil, createdAt: Date = Date(), session: BlueskySession) async throws -> (CreatedRecord, BlueskySession) {
        let method = "com.atproto.repo.createRecord"
        guard text.count <= Self.maxPostGraphemes else {
            throw Failure(.bluesky, status: nil, code: ProviderCode.ofText("TextTooLong"), message: "a post may have at most \(Self.maxPostGraphemes) characters; this one has \(text.count)", operation: method)
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw Failure(.bluesky, status: nil, code: ProviderCode.ofText("EmptyText"), message: "a post needs some text", operation: method)
        }
        let record = PostWrite(text: text, createdAt: Self.timestamp(createdAt), reply: reply)
        let body = try Self.encoder.encode(CreateRecordRequest(repo: session.did, collection: "app.bsky.feed.post", record: record))
        return try await call(CreatedRecord.self, .POST, method, session: session, body: body)
    }

    // MARK: transport

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Lexicon datetimes: RFC 3339 in UTC with milliseconds, as the official clients write them.
    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }

    private struct XRPCError: Decodable { let error: String?; let message: String? }

    /// One authenticated call; on an expired access token, one refresh and one retry.
    private func call<T: Decodable>(_ type: T.Type, _ httpMethod: HTTPMethod, _ method: String, session: BlueskySession,
                                    query: [(String, String)] = [], body: Data? = nil, chat: Bool = false) async throws -> (T, BlueskySession) {
        var session = session
        var secrets = [session.accessJwt, session.refreshJwt]
        var (status, data) = try await send(httpMethod, method, query: query, body: body, bearer: session.accessJwt, chat: chat)
        if status == 400 || status == 401, (try? JSONDecoder().decode(XRPCError.self, from: data))?.error == "ExpiredToken" {
            session = try await refreshSession(refreshJwt: session.refreshJwt)
            secrets += [session.accessJwt, session.refreshJwt]
            (status, data) = try await send(httpMethod, method, query: query, body: body, bearer: session.accessJwt, chat: chat)
        }
        guard (200..<300).contains(status) else { throw failure(method, status, data, secrets: secrets) }
        return (try decode(T.self, data, method), session)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ data: Data, _ method: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw Failure(.bluesky, status: nil, code: ProviderCode.ofText("InvalidResponse"), message: "the reply did not match the \(method) lexicon", operation: method)
        }
    }

    private func failure(_ method: String, _ status: Int, _ data: Data, secrets: [String]) -> Failure {
        let decoded = try? JSONDecoder().decode(XRPCError.self, from: data)
        var message = String((decoded?.message ?? "").prefix(300))
        for secret in secrets where !secret.isEmpty { message = message.replacingOccurrences(of: secret, with: "[redacted]") }
        return Failure(.bluesky, status: status, code: ProviderCode.ofText(decoded?.error), message: message, operation: method)
    }

    /// GETs are retried once on a network error or a 5xx; POSTs are not (a chat message or a
    /// post sent twice is worse than one the outbox retries later).
    private func send(_ httpMethod: HTTPMethod, _ method: String, query: [(String, String)] = [], body: Data? = nil,
                      bearer: String?, chat: Bool = false) async throws -> (Int, Data) {
        var url = serviceURL + "/xrpc/" + method
        if !query.isEmpty { url += "?" + ProviderTransport.query(query) }
        var request = ProviderTransport.Request(method: httpMethod, url: url, headers: [("Accept", "application/json")],
                                                retries: httpMethod == .GET ? 1 : 0, operation: method)
        if let bearer { request.headers.append(("Authorization", "Bearer \(bearer)")) }
        if chat { request.headers.append(("atproto-proxy", Self.chatProxy)) }
        if let body {
            request.headers.append(("Content-Type", "application/json"))
            request.body = body
        }
        let reply = try await transport.send(request)
        return (reply.status, reply.body)
    }

}
