import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A small client for Instagram through the Graph API: the account check, DMs (the Messenger
/// Platform's conversations and send API) and content publishing (DESIGN §6, §8).
///
/// The token travels as the `access_token` query parameter, so request URLs are never logged
/// or put into errors.
struct InstagramClient: Sendable {
    let transport: ProviderTransport
    /// The versioned Graph host, e.g. https://graph.facebook.com/v21.0 (or
    /// https://graph.instagram.com/v21.0 for a token from Instagram Login).
    let graphURL: String
    /// The Instagram professional account's id.
    let accountID: String
    let accessToken: String

    /// Instagram refuses DM text over 1000 bytes of UTF-8.
    static let maxMessageBytes = 1000

    init(transport: ProviderTransport, graphURL: String = "https://graph.facebook.com/v21.0", accountID: String, accessToken: String) {
        self.transport = transport
        self.graphURL = graphURL.hasSuffix("/") ? String(graphURL.dropLast()) : graphURL
        self.accountID = accountID
        self.accessToken = accessToken
    }

    /// A Graph API error: the HTTP status and the fields of the `error` envelope (Graph's code:
    /// 190 is an invalid or expired token, 10/200 a missing permission, 4/17/32/613 rate limits,
    /// 100 a bad parameter). Never holds the token.
    typealias Failure = ProviderError

    // MARK: models (snake_case on the wire)

    struct Account: Codable, Sendable, Equatable {
        let id: String
        let username: String?
    }

    struct Participant: Codable, Sendable, Equatable {
        let id: String
        let username: String?
    }

    struct Conversation: Codable, Sendable, Equatable {
        let id: String
        let updatedTime: String?
        let participants: [Participant]

        enum CodingKeys: String, CodingKey { case id, updatedTime, participants }
        private struct Envelope: Codable { let data: [Participant] }

        init(id: String, updatedTime: String?, participants: [Participant]) {
            self.id = id
            self.updatedTime = updatedTime
            self.participants = participants
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            updatedTime = try c.decodeIfPresent(String.self, forKey: .updatedTime)
            participants = try c.decodeIfPresent(Envelope.self, forKey: .participants)?.data ?? []
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encodeIfPresent(updatedTime, forKey: .updatedTime)
            try c.encode(Envelope(data: participants), forKey: .participants)
        }
    }

    struct ConversationPage: Sendable {
        let conversations: [Conversation]
        /// The cursor for the next page; nil on the last one.
        let after: String?
    }

    struct Message: Codable, Sendable, Equatable {
        let id: String
        let createdTime: String?
        let from: Participant?
        let to: [Participant]
        /// nil for a message that is only an attachment, a story reply or a reaction.
        let message: String?

        enum CodingKeys: String, CodingKey { case id, createdTime, from, to, message }
        private struct Envelope: Codable { let data: [Participant] }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            createdTime = try c.decodeIfPresent(String.self, forKey: .createdTime)
            from = try c.decodeIfPresent(Participant.self, forKey: .from)
            to = try c.decodeIfPresent(Envelope.self, forKey: .to)?.data ?? []
            message = try c.decodeIfPresent(String.self, forKey: .message)
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encodeIfPresent(createdTime, forKey: .createdTime)
            try c.encodeIfPresent(from, forKey: .from)
            try c.encode(Envelope(data: to), forKey: .to)
            try c.encodeIfPresent(message, forKey: .message)
        }
    }

    struct SentMessage: Codable, Sendable, Equatable {
        let recipientId: String
        let messageId: String
    }

    struct Created: Codable, Sendable, Equatable {
        let id: String
    }

    struct ContainerStatus: Codable, Sendable, Equatable {
        let id: String
        /// EXPIRED, ERROR, FINISHED, IN_PROGRESS or PUBLISHED.
        let statusCode: String?
    }

    // MARK: account

    /// GET /{account}?fields=id,username: proves the token reaches the account.
    func account() async throws -> Account {
        try await json(Account.self, .GET, accountID, query: [("fields", "id,username")], operation: "account")
    }

    // MARK: DMs

    private struct Paged<T: Decodable>: Decodable {
        struct Paging: Decodable {
            struct Cursors: Decodable { let before: String?; let after: String? }
            let cursors: Cursors?
            let next: String?
        }
        let data: [T]
        let paging: Paging?
    }

    /// One page of DM conversations, most recently active first.
    func conversations(after: String? = nil, limit: Int = 25) async throws -> ConversationPage {
        var query = [("platform", "instagram"), ("fields", "id,updated_time,participants"), ("limit", String(limit))]
        if let after { query.append(("after", after)) }
        let page = try await json(Paged<Conversation>.self, .GET, "\(accountID)/conversations", query: query, operation: "conversations")
        // Graph includes cursors on the last page too; only `next` says there is more.
        let next = page.paging?.next == nil ? nil : page.paging?.cursors?.after
        return ConversationPage(conversations: page.data, after: next)
    }

    private struct ConversationMessages: Decodable {
        let id: String
        let messages: Paged<Message>?
    }

    /// The conversation's messages, newest first (Graph returns details for the latest ones).
    func messages(conversationID: String) async throws -> [Message] {
        let reply = try await json(ConversationMessages.self, .GET, conversationID,
                                   query: [("fields", "messages{id,created_time,from,to,message}")], operation: "messages")
        return reply.messages?.data ?? []
    }

    private struct SendRequest: Encodable {
        struct Recipient: Encodable { let id: String }
        struct Body: Encodable { let text: String }
        let recipient: Recipient
        let message: Body
    }

    /// POST /{account}/messages: a text DM to an Instagram-scoped user id.
    func sendMessage(recipientID: String, text: String) async throws -> SentMessage {
        guard text.utf8.count <= Self.maxMessageBytes else {
            throw Failure(.instagram, status: nil, code: ProviderCode.ofText("MessageTooLong"), message: "a message may have at most \(Self.maxMessageBytes) bytes; this one has \(text.utf8.count)", operation: "send message", subcode: nil, type: nil, traceID: nil)
        }
        let body = try Self.encoder.encode(SendRequest(recipient: .init(id: recipientID), message: .init(text: text)))
        return try await json(SentMessage.self, .POST, "\(accountID)/messages", body: body, operation: "send message")
    }

    // MARK: publishing (two steps: a container, then publish it)

    private struct ContainerRequest: Encodable { let imageUrl: String; let caption: String? }
    private struct PublishRequest: Encodable { let creationId: String }

    /// POST /{account}/media: Instagram fetches the image from a public URL and returns a container id.
    func createMediaContainer(imageURL: String, caption: String?) async throws -> Created {
        let body = try Self.encoder.encode(ContainerRequest(imageUrl: imageURL, caption: caption))
        return try await json(Created.self, .POST, "\(accountID)/media", body: body, operation: "create media container")
    }

    /// GET /{container}?fields=status_code: FINISHED means it can be published.
    func containerStatus(creationID: String) async throws -> ContainerStatus {
        try await json(ContainerStatus.self, .GET, creationID, query: [("fields", "id,status_code")], operation: "container status")
    }

    /// POST /{account}/media_publish: returns the published media's id.
    func publish(creationID: String) async throws -> Created {
        let body = try Self.encoder.encode(PublishRequest(creationId: creationID))
        return try await json(Created.self, .POST, "\(accountID)/media_publish", body: body, operation: "publish")
    }

    // MARK: transport

    private static var encoder: JSONEncoder { ProviderTransport.snakeEncoder }
    private static var decoder: JSONDecoder { ProviderTransport.snakeDecoder }

    private struct GraphError: Decodable {
        struct Body: Decodable {
            let message: String?
            let type: String?
            let code: Int?
            let errorSubcode: Int?
            let fbtraceId: String?
        }
        let error: Body
    }

    private func json<T: Decodable>(_ type: T.Type, _ method: HTTPMethod, _ path: String, query: [(String, String)] = [],
                                    body: Data? = nil, operation: String) async throws -> T {
        let (status, data) = try await send(method, path, query: query, body: body, operation: operation)
        guard (200..<300).contains(status) else {
            let error = (try? Self.decoder.decode(GraphError.self, from: data))?.error
            var message = String((error?.message ?? "").prefix(300))
            if !accessToken.isEmpty { message = message.replacingOccurrences(of: accessToken, with: "[redacted]") }
            throw Failure(.instagram, status: status, code: ProviderCode.ofNumber(error?.code), message: message, operation: operation, subcode: error?.errorSubcode, type: error?.type, traceID: error?.fbtraceId)
        }
        do {
            return try Self.decoder.decode(T.self, from: data)
        } catch {
            throw Failure(.instagram, status: status, code: ProviderCode.ofNumber(nil), message: "the reply was not the expected JSON", operation: operation, subcode: nil, type: nil, traceID: nil)
        }
    }

    /// GETs are retried once on a network error or a 5xx; POSTs are not (the outbox retries).
    /// The token travels in the query, which the transport never logs.
    private func send(_ method: HTTPMethod, _ path: String, query: [(String, String)], body: Data?, operation: String) async throws -> (Int, Data) {
        let url = graphURL + "/" + path + "?" + ProviderTransport.query(query + [("access_token", accessToken)])
        var request = ProviderTransport.Request(method: method, url: url, headers: [("Accept", "application/json")],
                                                retries: method == .GET ? 1 : 0, operation: operation)
        if let body {
            request.headers.append(("Content-Type", "application/json"))
            request.body = body
        }
        let reply = try await transport.send(request)
        return (reply.status, reply.body)
    }

}
