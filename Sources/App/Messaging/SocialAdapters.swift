import AsyncHTTPClient
import Fluent
import Foundation
import Vapor

/// Bluesky, Mastodon/Pixelfed and Instagram behind the channel adapter shape (issue 4 §6).
/// Each poll reads what is new since the channel's persisted cursor; every message is also
/// deduplicated on its provider id, so a poll repeated after a crash stores nothing twice.
enum SocialAdapters {
    typealias SendFailure = ChannelAdapters.SendFailure

    /// The poller's position, stored as JSON on the channel.
    struct Cursor: Codable, Sendable {
        var notificationsSeenAt: String?
        var sinceID: String?
        var threads: [String: String] = [:]
    }

    static func cursor(_ channel: Channel) -> Cursor {
        channel.cursor.flatMap { try? JSONDecoder().decode(Cursor.self, from: Data($0.utf8)) } ?? Cursor()
    }

    static func failure(_ error: any Error) -> SendFailure {
        switch error {
        case let e as ProviderError:
            switch e.provider {
            case .bluesky:
                return SendFailure(retryable: e.retryable, code: e.error, message: e.description,
                                   authFailed: e.status == 401 || e.error == "AuthenticationRequired")
            case .instagram:
                return SendFailure(retryable: e.retryable, code: e.code?.text, message: e.description, authFailed: e.isInvalidToken)
            default:
                return SendFailure(retryable: e.retryable, code: e.status.map(String.init), message: e.description, authFailed: e.status == 401)
            }
        case let e as SendFailure:
            return e
        default:
            return SendFailure(retryable: true, code: nil, message: "could not reach the provider (\(type(of: error)))")
        }
    }

    // MARK: clients

    static func bluesky(_ app: Application, _ creds: ChannelCredentials) -> BlueskyClient {
        app.providers.bluesky(serviceURL: creds.serviceUrl)
    }

    static func mastodon(_ app: Application, _ creds: ChannelCredentials) -> MastodonClient {
        app.providers.mastodon(instanceURL: creds.instanceUrl ?? "", accessToken: creds.accessToken ?? "")
    }

    static func instagram(_ app: Application, _ creds: ChannelCredentials) -> InstagramClient {
        app.providers.instagram(graphURL: creds.graphUrl, accountID: creds.businessAccountId ?? "", accessToken: creds.accessToken ?? "")
    }

    /// The stored Bluesky session, or a fresh login; runs `body` and persists rotated tokens.
    /// A session the PDS no longer accepts (refresh token expired) is replaced by a new login once.
    static func withBluesky<T: Sendable>(_ app: Application, _ channel: Channel, _ creds: ChannelCredentials,
                                         _ body: @Sendable (BlueskyClient, BlueskySession) async throws -> (T, BlueskySession)) async throws -> T {
        let client = bluesky(app, creds)
        let stored = channel.state.flatMap { try? app.vault.open(json: $0, as: BlueskySession.self) }
        var session: BlueskySession
        if let stored { session = stored } else {
            session = try await client.createSession(identifier: creds.handle ?? "", password: creds.appPassword ?? "")
        }
        var result: T
        do {
            (result, session) = try await body(client, session)
        } catch let e as ProviderError where e.provider == .bluesky && stored != nil && (e.isExpiredToken || e.status == 401) {
            session = try await client.createSession(identifier: creds.handle ?? "", password: creds.appPassword ?? "")
            (result, session) = try await body(client, session)
        }
        if session != stored {
            let sealed = try app.vault.seal(json: session)
            try await app.store.write(app.db) { tx in
                try await Channel.query(on: tx).filter(\.$id == channel.id!).set(\.$state, to: sealed).update()
            }
            channel.state = sealed
        }
        return result
    }

    // MARK: verify

    static func verify(_ ctx: JobContext, channel: Channel, creds: ChannelCredentials) async throws {
        do {
            let identity: String
            switch channel.kind {
            case .bluesky:
                channel.state = nil  // new credentials: log in afresh
                identity = try await withBluesky(ctx.app, channel, creds) { _, s in (s.handle, s) }
            case .mastodon:
                let account = try await mastodon(ctx.app, creds).verifyCredentials()
                identity = "@\(account.acct)@\(URL(string: creds.instanceUrl ?? "")?.host ?? "")"
            case .instagram:
                let account = try await instagram(ctx.app, creds).account()
                identity = account.username.map { "@\($0)" } ?? account.id
            default:
                return
            }
            try await ctx.store.write(ctx.db) { tx in
                try await Channel.query(on: tx).filter(\.$id == channel.id!).set(\.$identity, to: identity).update()
            }
            channel.identity = identity
            try await ChannelAdapters.setStatus(ctx.app, channel, "connected", nil)
        } catch {
            let f = failure(error)
            if f.retryable && !ctx.job.isLastAttempt {
                throw JobFailure.retry(f.message)
            }
            try await ChannelAdapters.setStatus(ctx.app, channel, "error", f.authFailed ? "The provider rejected the credentials: \(f.message)" : f.message)
        }
    }

    // MARK: poll

    static func poll(_ ctx: JobContext, channel: Channel, creds: ChannelCredentials) async throws {
        var cursor = cursor(channel)
        var inbound: [InboundMessage] = []
        do {
            switch channel.kind {
            case .bluesky: inbound = try await pollBluesky(ctx.app, channel, creds, &cursor)
            case .mastodon: inbound = try await pollMastodon(ctx.app, creds, &cursor)
            case .instagram: inbound = try await pollInstagram(ctx.app, creds, &cursor)
            default: return
            }
        } catch {
            throw failure(error)
        }
        let messaging = MessagingService(app: ctx.app, businessID: channel.businessID)
        for m in inbound {
            _ = try await messaging.recordInbound(channel, m)
        }
        // The cursor moves only after every message is stored.
        let text = String(decoding: try JSONEncoder().encode(cursor), as: UTF8.self)
        try await ctx.store.write(ctx.db) { tx in
            try await Channel.query(on: tx).filter(\.$id == channel.id!).set(\.$cursor, to: text).update()
        }
        if channel.status != "connected" { try await ChannelAdapters.setStatus(ctx.app, channel, "connected", nil) }
    }

    struct BlueskyPoll: Sendable {
        var messages: [InboundMessage]
        var cursor: Cursor
    }

    static func pollBluesky(_ app: Application, _ channel: Channel, _ creds: ChannelCredentials, _ cursor: inout Cursor) async throws -> [InboundMessage] {
        let start = cursor
        let now = app.clock.now()
        let result: BlueskyPoll = try await withBluesky(app, channel, creds) { client, session in
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
            return (BlueskyPoll(messages: out, cursor: next), session)
        }
        cursor = result.cursor
        return result.messages
    }

    static func pollMastodon(_ app: Application, _ creds: ChannelCredentials, _ cursor: inout Cursor) async throws -> [InboundMessage] {
        let now = app.clock.now()
        let notes = try await mastodon(app, creds).mentions(sinceID: cursor.sinceID)  // oldest first
        var out: [InboundMessage] = []
        for n in notes {
            guard let status = n.status else { continue }
            out.append(InboundMessage(handle: n.account.acct, name: n.account.displayName.isEmpty ? nil : n.account.displayName,
                                      text: MastodonClient.plainText(fromHTML: status.content ?? ""), providerID: status.id,
                                      replyRef: ["status_id": .string(status.id), "acct": .string(n.account.acct),
                                                 "visibility": .string(status.visibility ?? "public")],
                                      receivedAt: now))
        }
        if let last = notes.last { cursor.sinceID = last.id }
        return out
    }

    static func pollInstagram(_ app: Application, _ creds: ChannelCredentials, _ cursor: inout Cursor) async throws -> [InboundMessage] {
        let now = app.clock.now()
        let client = instagram(app, creds)
        let page = try await client.conversations(limit: 25)
        var out: [InboundMessage] = []
        for convo in page.conversations {
            let messages = try await client.messages(conversationID: convo.id)  // newest first
            guard let newest = messages.first, cursor.threads[convo.id] != newest.id else { continue }
            var fresh: [InstagramClient.Message] = []
            for m in messages {
                if m.id == cursor.threads[convo.id] { break }
                fresh.append(m)
            }
            for m in fresh.reversed() where m.from?.id != client.accountID {
                out.append(InboundMessage(handle: m.from?.id ?? "unknown", name: m.from?.username, text: m.message ?? "",
                                          providerID: m.id, threadRef: convo.id, receivedAt: now))
            }
            cursor.threads[convo.id] = newest.id
        }
        return out
    }

    // MARK: send

    /// Replies where the conversation happened: a post reply to a mention, else a DM.
    static func send(_ app: Application, channel: Channel, creds: ChannelCredentials, item: OutboxItem) async throws -> ChannelAdapters.SendResult {
        let outgoing = try await Message.find(item.messageID, on: app.db)
        var session: InboxSession? = nil
        if let outgoing { session = try await InboxSession.find(outgoing.sessionID, on: app.db) }
        let lastInbound = try await Message.query(on: app.db).filter(\.$sessionID == (outgoing?.sessionID ?? UUID()))
            .filter(\.$direction == "in").sort(\.$seq, .descending).first()
        let ref = lastInbound?.replyRef.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        do {
            switch channel.kind {
            case .bluesky:
                let text = item.body
                if case .string(let rootURI)? = ref?["root_uri"], case .string(let rootCID)? = ref?["root_cid"],
                   case .string(let parentURI)? = ref?["parent_uri"], case .string(let parentCID)? = ref?["parent_cid"] {
                    let reply = BlueskyClient.ReplyRef(root: .init(uri: rootURI, cid: rootCID), parent: .init(uri: parentURI, cid: parentCID))
                    let created = try await withBluesky(app, channel, creds) { c, s in try await c.createPost(text: text, reply: reply, session: s) }
                    return .init(providerID: created.uri, status: .sent)
                }
                let recipient = item.recipient, thread = session?.threadRef
                let sent = try await withBluesky(app, channel, creds) { c, s -> (BlueskyClient.ChatMessage, BlueskySession) in
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
                return .init(providerID: "dm:\(sent.id)", status: .sent)
            case .mastodon:
                let client = mastodon(app, creds)
                var mediaIDs: [String] = []
                if let url = item.mediaURL {
                    let (data, type) = try await download(app, url)
                    mediaIDs = [try await client.uploadMedia(data: data, filename: URL(string: url)?.lastPathComponent ?? "media", contentType: type).id]
                }
                var text = item.body
                let acct = item.recipient
                if !text.contains("@\(acct)") { text = "@\(acct) " + text }
                var inReplyTo: String? = nil
                var visibility: MastodonClient.Visibility? = nil
                if case .string(let id)? = ref?["status_id"] { inReplyTo = id }
                if case .string(let v)? = ref?["visibility"] { visibility = MastodonClient.Visibility(rawValue: v) }
                let status = try await client.postStatus(text: text, inReplyToID: inReplyTo, mediaIDs: mediaIDs, visibility: visibility ?? .direct,
                                                         idempotencyKey: item.idempotencyKey)
                return .init(providerID: status.id, status: .sent)
            case .instagram:
                let sent = try await instagram(app, creds).sendMessage(recipientID: item.recipient, text: item.body)
                return .init(providerID: sent.messageId, status: .sent)
            default:
                throw SendFailure(retryable: false, code: nil, message: "not a social channel")
            }
        } catch {
            throw failure(error)
        }
    }

    /// Fetches media to upload (Mastodon needs the bytes), up to 8 MB.
    static func download(_ app: Application, _ url: String) async throws -> (Data, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        let response = try await app.http.client.shared.execute(request, timeout: .seconds(20))
        guard response.status == .ok else { throw SendFailure(retryable: response.status.code >= 500, code: nil, message: "media URL answered HTTP \(response.status.code)") }
        let body = try await response.body.collect(upTo: 8 << 20)
        return (Data(buffer: body), response.headers.first(name: "Content-Type") ?? "application/octet-stream")
    }

    // MARK: publishing (the assistant's social_post_preview, workflow nodes)

    /// Publishes a post on a channel; returns the provider's id or URI.
    static func publish(_ app: Application, channel: Channel, text: String, imageURL: String?, idempotencyKey: String) async throws -> String {
        let creds = try ChannelAdapters.credentials(app, channel)
        do {
            switch channel.kind {
            case .bluesky:
                return try await withBluesky(app, channel, creds) { c, s in
                    let (r, s2) = try await c.createPost(text: text, session: s)
                    return (r.uri, s2)
                }
            case .mastodon:
                let client = mastodon(app, creds)
                var mediaIDs: [String] = []
                if let imageURL {
                    let (data, type) = try await download(app, imageURL)
                    mediaIDs = [try await client.uploadMedia(data: data, filename: "image", contentType: type).id]
                }
                return try await client.postStatus(text: text, mediaIDs: mediaIDs, visibility: .public, idempotencyKey: idempotencyKey).id
            case .instagram:
                guard let imageURL else { throw SendFailure(retryable: false, code: nil, message: "Instagram posts need an image URL.") }
                let client = instagram(app, creds)
                let container = try await client.createMediaContainer(imageURL: imageURL, caption: text)
                return try await client.publish(creationID: container.id).id
            default:
                throw SendFailure(retryable: false, code: nil, message: "\(channel.name) cannot publish posts.")
            }
        } catch {
            throw failure(error)
        }
    }
}
