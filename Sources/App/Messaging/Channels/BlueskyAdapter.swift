import Fluent
import Foundation
import Vapor

/// Bluesky (AT Protocol): mentions and replies are read from notifications, DMs from the chat
/// service; a reply goes where the conversation happened (a post reply or a DM).
struct BlueskyAdapter: ChannelAdapter {
    static let kind = ChannelKind.bluesky
    let app: Application
    let channel: Channel
    let credentials: ChannelCredentials
    let client: BlueskyClient

    init(app: Application, channel: Channel, credentials: ChannelCredentials) {
        self.app = app
        self.channel = channel
        self.credentials = credentials
        self.client = app.providers.bluesky(serviceURL: credentials.serviceUrl)
    }

    var guardKey: String? { "bluesky channel \(channel.id!)" }
    var providerName: String { "Bluesky" }

    /// The stored session, or a fresh login; runs `body` and persists rotated tokens. A session
    /// the PDS no longer accepts (refresh token expired) is replaced by a new login once.
    func withSession<T: Sendable>(_ body: @Sendable (BlueskyClient, BlueskySession) async throws -> (T, BlueskySession)) async throws -> T {
        let stored = channel.state.flatMap { try? app.vault.open(json: $0, as: BlueskySession.self) }
        var session: BlueskySession
        if let stored { session = stored } else {
            session = try await client.createSession(identifier: credentials.handle ?? "", password: credentials.appPassword ?? "")
        }
        var result: T
        do {
            (result, session) = try await body(client, session)
        } catch let e as ProviderError where e.provider == .bluesky && stored != nil && (e.isExpiredToken || e.status == 401) {
            session = try await client.createSession(identifier: credentials.handle ?? "", password: credentials.appPassword ?? "")
            (result, session) = try await body(client, session)
        }
        if session != stored {
            let sealed = try app.vault.seal(json: session)
            let id = channel.id!
            try await app.store.write(app.db) { tx in
                try await Channel.query(on: tx).filter(\.$id == id).set(\.$state, to: sealed).update()
            }
            channel.state = sealed
        }
        return result
    }

    func verify() async throws -> ChannelVerification {
        channel.state = nil  // new credentials: log in afresh
        return .connected(identity: try await withSession { _, s in (s.handle, s) })
    }

    func send(_ item: OutboxItem) async throws -> ChannelSendResult {
        let (ref, thread) = try await ChannelAdapters.replyContext(app, item)
        let text = item.body
        if case .string(let rootURI)? = ref?["root_uri"], case .string(let rootCID)? = ref?["root_cid"],
           case .string(let parentURI)? = ref?["parent_uri"], case .string(let parentCID)? = ref?["parent_cid"] {
            let reply = BlueskyClient.ReplyRef(root: .init(uri: rootURI, cid: rootCID), parent: .init(uri: parentURI, cid: parentCID))
            let created = try await withSession { c, s in try await c.createPost(text: text, reply: reply, session: s) }
            return ChannelSendResult(providerID: created.uri, status: .sent)
        }
        let recipient = item.recipient
        let sent = try await withSession { c, s -> (BlueskyClient.ChatMessage, BlueskySession) in
            var s = s
            var convoID = thread
            if convoID == nil {
                let (did, s1) = recipient.hasPrefix("did:") ? (recipient, s) : try await c.resolveHandle(recipient, session: s)
                let (convo, s2) = try await c.getConvoForMembers(members: [did], session: s1)
                s = s2
                convoID = convo.id
            }
            return try await c.sendMessage(convoId: convoID!, text: text, session: s)
        }
        return ChannelSendResult(providerID: "dm:\(sent.id)", status: .sent)
    }

    func poll(from start: ChannelCursor) async throws -> ChannelPoll {
        let now = app.clock.now()
        return try await withSession { client, session in
            var session = session
            var out: [InboundMessage] = []
            var next = start
            // Mentions and replies: newest first; stop at what was seen.
            let (page, s1) = try await client.listNotifications(limit: 50, session: session)
            session = s1
            for n in page.notifications.reversed() where ["mention", "reply"].contains(n.reason) {
                if let seen = start.notificationsSeenAt, n.indexedAt <= seen { continue }
                let ref = BlueskyClient.replyRef(toNotification: n)
                out.append(InboundMessage(handle: n.author.handle, name: n.author.displayName, text: n.record.text ?? "",
                                          providerID: n.uri, replyRef: ["root_uri": .string(ref.root.uri), "root_cid": .string(ref.root.cid),
                                                                         "parent_uri": .string(ref.parent.uri), "parent_cid": .string(ref.parent.cid)],
                                          receivedAt: now))
            }
            if let newest = page.notifications.map(\.indexedAt).max(), newest > (start.notificationsSeenAt ?? "") {
                next.notificationsSeenAt = newest
            }
            // DMs: conversations whose last message changed since the last poll.
            let (convos, s2) = try await client.listConvos(limit: 50, session: session)
            session = s2
            for convo in convos.convos {
                guard let last = convo.lastMessage, start.threads[convo.id] != last.id else { continue }
                let (messages, s3) = try await client.getMessages(convoId: convo.id, limit: 50, session: session)
                session = s3
                var fresh: [BlueskyClient.ChatMessage] = []
                for m in messages.messages {  // newest first
                    if m.id == start.threads[convo.id] { break }
                    fresh.append(m)
                }
                for m in fresh.reversed() where !m.isDeleted && m.sender.did != session.did {
                    let sender = convo.members.first { $0.did == m.sender.did }
                    out.append(InboundMessage(handle: sender?.handle ?? m.sender.did, name: sender?.displayName, text: m.text ?? "",
                                              providerID: "dm:\(m.id)", threadRef: convo.id, receivedAt: now))
                }
                next.threads[convo.id] = last.id
            }
            return (ChannelPoll(messages: out, cursor: next), session)
        }
    }

    func publish(text: String, imageURL: String?, idempotencyKey: String) async throws -> String {
        try await withSession { c, s in
            let (r, s2) = try await c.createPost(text: text, session: s)
            return (r.uri, s2)
        }
    }

    func failure(_ error: any Error) -> ChannelFailure {
        switch error {
        case let e as ProviderError:
            return ChannelFailure(retryable: e.retryable, code: e.error, message: e.description,
                                  authFailed: e.status == 401 || e.error == "AuthenticationRequired")
        case let e as ChannelFailure:
            return e
        default:
            return ChannelFailure(retryable: true, code: nil, message: "could not reach Bluesky (\(type(of: error)))")
        }
    }
}
