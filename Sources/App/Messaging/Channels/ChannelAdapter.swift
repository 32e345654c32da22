import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import Vapor

/// One shape for every channel (DESIGN §6, issue 15 §2): each kind of channel is one type that
/// verifies its credentials, sends an outbox item, polls (the providers without webhooks),
/// publishes a post and fetches inbound media, and says how its provider's errors read. The
/// orchestration around them — stored credentials, the provider guard, channel status, retries,
/// the poll schedule — is written once, in `ChannelAdapters`. Twilio's inbound side is its
/// webhook controller. A new channel is one new conformer plus its row in `ChannelAdapters.all`.
protocol ChannelAdapter: Sendable {
    static var kind: ChannelKind { get }
    init(app: Application, channel: Channel, credentials: ChannelCredentials)
    var app: Application { get }

    /// The provider guard's key (concurrency cap and circuit breaker), or nil for no guard.
    var guardKey: String? { get }
    /// How status lines name the provider ("Twilio", "Bluesky").
    var providerName: String { get }

    /// Checks the credentials with the provider.
    func verify() async throws -> ChannelVerification
    /// Sends one outbox item where the conversation happened.
    func send(_ item: OutboxItem) async throws -> ChannelSendResult
    /// New messages since `cursor`, oldest first, and the cursor after them.
    func poll(from cursor: ChannelCursor) async throws -> ChannelPoll
    /// Publishes a post; returns the provider's id or URI.
    func publish(text: String, imageURL: String?, idempotencyKey: String) async throws -> String
    /// The bytes of a media URL the provider gave (an inbound voice note, an image).
    func fetchMedia(url: String, maxBytes: Int) async throws -> ChannelMedia
    /// The provider's errors as the outbox, the status line and the workflow nodes read them.
    func failure(_ error: any Error) -> ChannelFailure
    /// The status line when the provider rejected the credentials.
    func credentialsRejected(_ failure: ChannelFailure) -> String
    /// The status line for any other error the provider answered with.
    func providerSaid(_ failure: ChannelFailure) -> String
}

extension ChannelAdapter {
    var channelKind: ChannelKind { Self.kind }

    func poll(from cursor: ChannelCursor) async throws -> ChannelPoll {
        ChannelPoll(messages: [], cursor: cursor)
    }

    func publish(text: String, imageURL: String?, idempotencyKey: String) async throws -> String {
        throw ChannelFailure(retryable: false, code: nil, message: "\(providerName) channels cannot publish posts.")
    }

    /// A plain download: the social providers' media URLs are public.
    func fetchMedia(url: String, maxBytes: Int) async throws -> ChannelMedia {
        try await ChannelAdapters.download(app, url, maxBytes: maxBytes)
    }

    func credentialsRejected(_ failure: ChannelFailure) -> String {
        "\(providerName) rejected the credentials: \(failure.message)"
    }

    func providerSaid(_ failure: ChannelFailure) -> String { failure.message }
}

struct ChannelSendResult: Sendable {
    let providerID: String
    let status: MessageStatus
}

/// A provider error as the channel layer reads it: retry or not, the provider's code, a sentence.
struct ChannelFailure: Error, CustomStringConvertible, Sendable {
    let retryable: Bool
    let code: String?
    let message: String
    var authFailed = false
    var description: String { message }
}

enum ChannelVerification: Sendable, Equatable {
    /// Usable; `identity` is the account's name at the provider where it has one (@handle).
    case connected(identity: String?)
    /// The provider answered, and the account cannot be used (suspended, closed): the reason.
    case unusable(String)
}

struct ChannelMedia: Sendable {
    let data: Data
    let contentType: String
}

/// A polling channel's position, stored as JSON on the channel.
struct ChannelCursor: Codable, Sendable, Equatable {
    var notificationsSeenAt: String?
    var sinceID: String?
    var threads: [String: String] = [:]
}

struct ChannelPoll: Sendable {
    var messages: [InboundMessage]
    var cursor: ChannelCursor
}

/// The orchestration every channel shares.
enum ChannelAdapters {
    /// Every kind of channel and its adapter; a test checks each `ChannelKind` has exactly one.
    static let all: [any ChannelAdapter.Type] = [
        SimulatorAdapter.self, TwilioWhatsAppAdapter.self, BlueskyAdapter.self, MastodonAdapter.self, InstagramAdapter.self,
    ]

    /// The most an inbound media file may be (WhatsApp's own limit for audio is 16 MB).
    static let maxMediaBytes = 16 << 20

    static func adapterType(_ kind: ChannelKind) -> any ChannelAdapter.Type {
        guard let type = all.first(where: { $0.kind == kind }) else { preconditionFailure("no adapter for \(kind); add it to ChannelAdapters.all") }
        return type
    }

    /// The channel's adapter with its stored credentials. Throws a `ChannelFailure` when they
    /// cannot be opened (sealed under another key).
    static func adapter(_ app: Application, _ channel: Channel) throws -> any ChannelAdapter {
        let creds: ChannelCredentials
        do { creds = try credentials(app, channel) } catch {
            throw ChannelFailure(retryable: false, code: nil, message: "The channel's stored credentials cannot be read; enter them again on Integrations.")
        }
        return adapterType(channel.kind).init(app: app, channel: channel, credentials: creds)
    }

    /// The adapter of one kind, typed (the workflow nodes use the provider's own calls).
    static func adapter<A: ChannelAdapter>(_ type: A.Type, _ app: Application, _ channel: Channel) throws -> A {
        guard channel.kind == A.kind else { throw ChannelFailure(retryable: false, code: nil, message: "\(channel.name) is not a \(A.kind.rawValue) channel.") }
        guard let adapter = try adapter(app, channel) as? A else { preconditionFailure("ChannelAdapters.all maps \(A.kind) to another type") }
        return adapter
    }

    static func credentials(_ app: Application, _ channel: Channel) throws -> ChannelCredentials {
        guard let sealed = channel.credentials else { return ChannelCredentials() }
        return try app.vault.open(json: sealed, as: ChannelCredentials.self)
    }

    /// Provider calls go through the provider guard (issue 14 §4): a cap on concurrent calls and
    /// a circuit breaker that opens after calls in a row got no answer.
    static func guarded<T: Sendable>(_ app: Application, _ key: String?, _ call: () async throws -> T) async throws -> T {
        guard let key else { return try await call() }
        return try await app.providerGuard.run(key, clock: app.clock, unanswered: { error in
            if let e = error as? ProviderError { return e.unanswered }
            if let e = error as? ChannelFailure { return e.retryable && e.code == nil }
            return false
        }, call)
    }

    /// The guard key of Twilio calls: one breaker for the API host, shared by every channel on it.
    static func twilioProvider(_ app: Application) -> String { "Twilio (\(app.munimConfig.twilioAPIURL))" }

    /// Sends one outbox item on its channel; every error arrives as a `ChannelFailure`.
    static func send(_ app: Application, channel: Channel, item: OutboxItem) async throws -> ChannelSendResult {
        try await call(app, channel) { try await $0.send(item) }
    }

    /// One adapter call through the channel's provider guard; every error arrives as a
    /// `ChannelFailure` in the adapter's reading (an open breaker is a retryable one).
    private static func call<T: Sendable>(_ app: Application, _ channel: Channel,
                                          _ body: (any ChannelAdapter) async throws -> T) async throws -> T {
        let adapter = try adapter(app, channel)
        do {
            return try await guarded(app, adapter.guardKey) { try await body(adapter) }
        } catch let e as ProviderGuard.Open {
            throw ChannelFailure(retryable: true, code: nil, message: e.description)
        } catch {
            throw adapter.failure(error)
        }
    }

    /// Publishes a post (the assistant's social_post_preview card, the Instagram publish node).
    static func publish(_ app: Application, channel: Channel, text: String, imageURL: String?, idempotencyKey: String) async throws -> String {
        try await call(app, channel) { try await $0.publish(text: text, imageURL: imageURL, idempotencyKey: idempotencyKey) }
    }

    /// The Twilio Content templates of a WhatsApp channel's account (issue 18 §3).
    static func contentTemplates(_ app: Application, channel: Channel) async throws -> [TwilioClient.ContentTemplate] {
        try await call(app, channel) { adapter in
            guard let twilio = adapter as? TwilioWhatsAppAdapter else {
                throw ChannelFailure(retryable: false, code: nil, message: "templates belong to a WhatsApp channel")
            }
            return try await twilio.contentTemplates()
        }
    }

    /// Fetches an inbound message's media through its channel (Twilio needs the account's
    /// credentials); at most `maxBytes`.
    static func fetchMedia(_ app: Application, channel: Channel, url: String, maxBytes: Int = maxMediaBytes) async throws -> ChannelMedia {
        try await call(app, channel) { try await $0.fetchMedia(url: url, maxBytes: maxBytes) }
    }

    /// `channel.verify` job: checks credentials with the provider and records the status.
    @Sendable static func verify(_ job: ChannelPayload, _ ctx: JobContext) async throws {
        guard let channel = try await Channel.find(job.channelID, on: ctx.db), channel.deletedAt == nil else { return }
        let adapter: any ChannelAdapter
        do { adapter = try self.adapter(ctx.app, channel) } catch {
            try await setStatus(ctx.app, channel, .error, "The stored credentials cannot be read; enter them again.")
            return
        }
        do {
            switch try await guarded(ctx.app, adapter.guardKey, { try await adapter.verify() }) {
            case .connected(let identity):
                if let identity, identity != channel.identity {
                    try await ctx.store.write(ctx.db) { tx in
                        try await Channel.query(on: tx).filter(\.$id == channel.id!).set(\.$identity, to: identity).update()
                    }
                    channel.identity = identity
                }
                try await setStatus(ctx.app, channel, .connected, nil)
            case .unusable(let reason):
                try await setStatus(ctx.app, channel, .error, reason)
            }
        } catch let e as ProviderGuard.Open {
            // Fail fast while the breaker is open, and say so where the owner looks.
            try await setStatus(ctx.app, channel, .pending, e.description)
            throw JobFailure.retry(e.description, after: max(1, e.until.timeIntervalSince(ctx.now)))
        } catch {
            let f = adapter.failure(error)
            if f.retryable && !ctx.job.isLastAttempt {
                try await setStatus(ctx.app, channel, .pending, "\(adapter.providerName) could not be reached yet; retrying.")
                throw JobFailure.retry(f.message)
            }
            try await setStatus(ctx.app, channel, .error, f.authFailed ? adapter.credentialsRejected(f) : adapter.providerSaid(f))
        }
    }

    /// `channel.poll` job: reads new messages of a polling channel, then schedules the next poll.
    /// Every message is deduplicated on its provider id and the cursor moves only after all are
    /// stored, so a poll repeated after a crash stores nothing twice and loses nothing.
    @Sendable static func poll(_ job: ChannelPayload, _ ctx: JobContext) async throws {
        guard let channel = try await Channel.find(job.channelID, on: ctx.db), channel.deletedAt == nil, channel.enabled, channel.kind.polls else { return }
        let interval = TimeInterval(channel.pollIntervalSeconds ?? 60)
        let result: ChannelPoll
        do {
            let adapter = try adapter(ctx.app, channel)
            do {
                result = try await adapter.poll(from: cursor(channel))
            } catch {
                throw adapter.failure(error)
            }
        } catch let e as ChannelFailure {
            try await setStatus(ctx.app, channel, .error, e.message)
            // Back off on errors: the next poll waits longer, up to 10 minutes.
            try await schedulePoll(ctx, channel, after: min(600, interval * Double(max(2, ctx.job.attempts * 2))))
            return
        }
        let messaging = MessagingService(app: ctx.app, businessID: channel.businessID)
        for m in result.messages {
            _ = try await messaging.recordInbound(channel, m)
        }
        let text = String(decoding: try JSONEncoder().encode(result.cursor), as: UTF8.self)
        try await ctx.store.write(ctx.db) { tx in
            try await Channel.query(on: tx).filter(\.$id == channel.id!).set(\.$cursor, to: text).update()
        }
        if channel.status != .connected { try await setStatus(ctx.app, channel, .connected, nil) }
        try await schedulePoll(ctx, channel, after: interval)
    }

    static func cursor(_ channel: Channel) -> ChannelCursor {
        channel.cursor.flatMap { try? JSONDecoder().decode(ChannelCursor.self, from: Data($0.utf8)) } ?? ChannelCursor()
    }

    static func schedulePoll(_ ctx: JobContext, _ channel: Channel, after: TimeInterval) async throws {
        let now = ctx.now
        try await ctx.store.write(ctx.db) { tx in
            try await ctx.finish(on: tx)
            try await Channel.query(on: tx).filter(\.$id == channel.id!).set(\.$lastPolledAt, to: now).update()
            try await JobQueue.enqueue(ChannelPollJob.self, ChannelPayload(channelID: channel.id!), businessID: channel.businessID,
                                       runAt: now.addingTimeInterval(after), maxAttempts: 3,
                                       dedupeKey: "poll-\(channel.id!.uuidString)", on: tx)
        }
    }

    static func setStatus(_ app: Application, _ channel: Channel, _ status: ChannelStatus, _ detail: String?) async throws {
        let now = app.clock.now()
        try await app.store.write(app.db) { tx in
            try await Channel.query(on: tx).filter(\.$id == channel.id!).set(\.$status, to: status)
                .set(\.$statusDetail, to: detail).set(\.$updatedAt, to: now).update()
        }
        channel.status = status
        channel.statusDetail = detail
        channel.updatedAt = now
        app.events.publish(channel.businessID, BusinessEvent(type: "channel.updated", id: channel.id!, at: now,
                                                             data: ["channel": (try? JSONValue(encoding: ChannelDTO(channel, publicBaseURL: app.publicBaseURL))) ?? .null]))
    }

    /// What a reply in the item's conversation must reference: the last inbound message's reply
    /// reference (a post to answer) and the session's provider thread (a DM conversation).
    static func replyContext(_ app: Application, _ item: OutboxItem) async throws -> (ref: JSONValue?, threadRef: String?) {
        guard let outgoing = try await Message.find(item.messageID, on: app.db) else { return (nil, nil) }
        let session = try await InboxSession.find(outgoing.sessionID, on: app.db)
        let lastInbound = try await Message.query(on: app.db).filter(\.$sessionID == outgoing.sessionID)
            .filter(\.$direction == .inbound).sort(\.$seq, .descending).first()
        let ref = lastInbound?.replyRef.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        return (ref, session?.threadRef)
    }

    /// A plain download of a public media URL (what Mastodon uploads need), up to `maxBytes`.
    static func download(_ app: Application, _ url: String, maxBytes: Int = 8 << 20) async throws -> ChannelMedia {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        let response = try await app.http.client.shared.execute(request, timeout: .seconds(20))
        guard response.status == .ok else {
            throw ChannelFailure(retryable: response.status.code >= 500, code: nil, message: "the media URL answered HTTP \(response.status.code)")
        }
        let body: ByteBuffer
        do { body = try await response.body.collect(upTo: maxBytes) } catch is NIOTooManyBytesError {
            throw ChannelFailure(retryable: false, code: ProviderError.tooLargeCode, message: "the media is larger than \(maxBytes >> 20) MB")
        }
        return ChannelMedia(data: Data(buffer: body), contentType: response.headers.first(name: "Content-Type") ?? "application/octet-stream")
    }
}
