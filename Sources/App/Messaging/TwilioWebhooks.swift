import Fluent
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// `POST /webhooks/twilio/{channel_id}` and `…/status` (issue 4 §2, STYLE habit 5): own route
/// group and body limit, signature checked in constant time against the public URL Twilio
/// called, deduplicated on MessageSid, 200 with empty TwiML at once; the rest happens in a job.
struct TwilioWebhooks {
    static let maxBody = 64 * 1024
    static let emptyTwiML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>"

    func register(_ app: Application) {
        app.on(.twilioInbound, body: .collect(maxSize: ByteCount(integerLiteral: Self.maxBody)), use: inbound)
        app.on(.twilioStatus, body: .collect(maxSize: ByteCount(integerLiteral: Self.maxBody)), use: status)
    }

    struct Verified {
        let channelID: UUID
        let businessID: UUID
        let params: [String: String]
    }

    /// Loads the channel and checks the signature; 404 for an unknown channel, 403 for a bad
    /// signature (nothing is stored in either case). The channel's id, business and auth token
    /// come from `WebhookChannelCache` when it has them fresh; a signature that does not match a
    /// cached token is checked again against the database, so a rotated token works at once.
    static func verify(_ req: Request) async throws -> Verified {
        if let length = req.headers.first(name: .contentLength).flatMap(Int.init), length > maxBody {
            throw APIError(.payloadTooLarge, "payload_too_large", "Webhook bodies are limited to 64 KB.")
        }
        guard let raw = req.parameters.get("channel_id"), let id = UUID(uuidString: raw) else { throw APIError.notFound("Channel") }
        let cache = req.application.webhookChannels
        let cached = cache.fresh(id, now: .now)
        guard var channel = try await (cached == nil ? cache.load(id, app: req.application) : cached) else {
            throw APIError.notFound("Channel")
        }
        let body = req.body.data.map { String(decoding: $0.readableBytesView, as: UTF8.self) } ?? ""
        let pairs = TwilioClient.formDecode(body)
        guard let signature = req.headers.first(name: "X-Twilio-Signature"), !signature.isEmpty else {
            throw APIError(.forbidden, "invalid_signature", "The X-Twilio-Signature header is missing.")
        }
        // The URL Twilio called: the public base URL, this path and the query string as sent.
        // `url.string` is the request target exactly as sent (no re-encoding on the way).
        let url = req.application.publicBaseURL + req.url.string
        var valid = TwilioClient.isValid(signature: signature, authToken: channel.authToken, url: url, params: pairs)
        if !valid, cached != nil {
            guard let current = try await cache.load(id, app: req.application) else { throw APIError.notFound("Channel") }
            if current.authToken != channel.authToken {
                channel = current
                valid = TwilioClient.isValid(signature: signature, authToken: channel.authToken, url: url, params: pairs)
            }
        }
        guard valid else {
            req.logger.notice("rejected a Twilio webhook with a bad signature", metadata: ["channel_id": .string(raw)])
            throw APIError(.forbidden, "invalid_signature", "The request signature does not match.")
        }
        var params: [String: String] = [:]
        for (k, v) in pairs where params[k] == nil { params[k] = v }
        return Verified(channelID: channel.id, businessID: channel.businessID, params: params)
    }

    /// What the webhook persists for the `inbound.receive` job: the verified delivery, before
    /// any session or message exists.
    struct Delivery: JobPayload {
        var channelID: UUID
        var from: String
        var name: String?
        var body: String
        var messageSid: String
        var media: [MediaRef]
        var receivedAt: Date

        /// The job payload: what `JSONEncoder` would write for this struct (dates as seconds since
        /// 1970), written directly because this runs once per delivery on the webhook's hot path.
        var jobText: String {
            var out = "{\"channelID\":"
            JSONText.appendQuoted(channelID.uuidString, to: &out)
            out += ",\"from\":"
            JSONText.appendQuoted(from, to: &out)
            if let name {
                out += ",\"name\":"
                JSONText.appendQuoted(name, to: &out)
            }
            out += ",\"body\":"
            JSONText.appendQuoted(body, to: &out)
            out += ",\"messageSid\":"
            JSONText.appendQuoted(messageSid, to: &out)
            out += ",\"media\":["
            for (i, m) in media.enumerated() {
                out += i == 0 ? "{\"url\":" : ",{\"url\":"
                JSONText.appendQuoted(m.url, to: &out)
                if let type = m.contentType {
                    out += ",\"contentType\":"
                    JSONText.appendQuoted(type, to: &out)
                }
                out += "}"
            }
            out += "],\"receivedAt\":\(receivedAt.timeIntervalSince1970)}"
            return out
        }
    }

    /// Signature check, dedupe, persist and enqueue, then 200 at once (issue 4 §2, §9). The
    /// delivery is written as an `inbound.receive` job keyed on the channel and MessageSid, so a
    /// Twilio retry while it is pending is dropped by the key, and one after it ran is dropped by
    /// the messages' own (channel, provider id) key. Concurrent deliveries share one commit
    /// (`Application.jobIntake`); the 200 goes out only after the commit.
    @Sendable func inbound(req: Request) async throws -> Response {
        let v = try await Self.verify(req)
        let p = v.params
        guard let sid = p["MessageSid"] ?? p["SmsMessageSid"], !sid.isEmpty, let from = p["From"], !from.isEmpty else {
            throw APIError.validation(["MessageSid": "is required", "From": "is required"].filter { key, _ in (p[key] ?? "").isEmpty })
        }
        var media: [MediaRef] = []
        let count = min(10, Int(p["NumMedia"] ?? "0") ?? 0)
        for i in 0..<max(0, count) {
            if let url = p["MediaUrl\(i)"] { media.append(MediaRef(url: url, contentType: p["MediaContentType\(i)"])) }
        }
        let channelID = v.channelID
        let delivery = Delivery(channelID: channelID, from: from, name: p["ProfileName"], body: p["Body"] ?? "", messageSid: sid,
                                media: media, receivedAt: req.now)
        try await JobQueue.enqueueBatched(InboundReceiveJob.self, delivery, businessID: v.businessID, runAt: delivery.receivedAt, maxAttempts: 8,
                                          dedupeKey: "twilio:\(channelID.uuidString.lowercased()):\(sid)", app: req.application)
        let res = Response(status: .ok, body: .init(string: Self.emptyTwiML))
        res.headers.contentType = .xml
        return res
    }

    /// The `inbound.receive` job: stores the delivery as an inbox message (deduplicated on the
    /// MessageSid) and enqueues its routing. A delivery for a channel deleted since is dropped.
    @Sendable static func receive(_ delivery: Delivery, _ ctx: JobContext) async throws {
        guard let businessID = ctx.job.businessID else { throw JobFailure.permanent("inbound delivery without a business") }
        guard let channel = try await Channel.query(on: ctx.db).filter(\.$id == delivery.channelID).filter(\.$businessID == businessID)
            .filter(\.$deletedAt == nil).first() else {
            ctx.logger.notice("dropped an inbound delivery for a deleted channel", metadata: ["channel_id": .string(delivery.channelID.uuidString)])
            return
        }
        let inbound = InboundMessage(handle: delivery.from, name: delivery.name, text: delivery.body, providerID: delivery.messageSid,
                                     media: delivery.media, receivedAt: delivery.receivedAt)
        _ = try await MessagingService(app: ctx.app, businessID: businessID).recordInbound(channel, inbound)
    }

    @Sendable func status(req: Request) async throws -> Response {
        let v = try await Self.verify(req)
        let p = v.params
        guard let sid = p["MessageSid"] ?? p["SmsSid"], let status = p["MessageStatus"] ?? p["SmsStatus"] else {
            throw APIError.validation(["MessageSid": "and MessageStatus are required"])
        }
        _ = try await MessagingService.applyStatus(req.application, channelID: v.channelID, providerID: sid, status: status,
                                                   errorCode: p["ErrorCode"].flatMap { $0.isEmpty ? nil : $0 },
                                                   errorMessage: p["ErrorMessage"].flatMap { $0.isEmpty ? nil : $0 })
        return Response(status: .noContent)
    }
}

/// What the Twilio webhooks need of a channel (its business and auth token), kept for a few
/// seconds so a busy webhook does not read and decrypt the channel on every delivery.
///
/// Changes made in this process (new credentials, disable, delete) drop the entry at once. Another
/// instance's change is seen within `ttl`: a rotated token at once (a signature that fails against a
/// cached token is checked against the database), a deleted channel after at most `ttl` — and a
/// delivery accepted in that window is dropped by the `inbound.receive` job, which only stores
/// messages for channels that still exist.
final class WebhookChannelCache: Sendable {
    struct Entry: Sendable {
        let id: UUID
        let businessID: UUID
        let authToken: String
        let loadedAt: ContinuousClock.Instant
    }

    let ttl: Duration
    private let entries = NIOLockedValueBox<[UUID: Entry]>([:])

    init(ttl: Duration = .seconds(5)) { self.ttl = ttl }

    func fresh(_ id: UUID, now: ContinuousClock.Instant) -> Entry? {
        entries.withLockedValue { e in
            guard let entry = e[id] else { return nil }
            return now - entry.loadedAt < ttl ? entry : nil
        }
    }

    /// Reads the channel from the database; nil (and no entry) when it is not a live Twilio channel.
    func load(_ id: UUID, app: Application) async throws -> Entry? {
        let loadedAt = ContinuousClock.now
        guard let channel = try await Channel.query(on: app.db).filter(\.$id == id).filter(\.$deletedAt == nil).first(),
              channel.kind == .twilioWhatsapp else {
            forget(id)
            return nil
        }
        let creds = try ChannelAdapters.credentials(app, channel)
        let entry = Entry(id: id, businessID: channel.businessID, authToken: creds.authToken ?? "", loadedAt: loadedAt)
        entries.withLockedValue { e in
            // Bounded: a flood of distinct channel ids only ever finds real channels here.
            if e.count >= 10_000 { e.removeAll(keepingCapacity: true) }
            e[id] = entry
        }
        return entry
    }

    func forget(_ id: UUID) {
        _ = entries.withLockedValue { $0.removeValue(forKey: id) }
    }
}

extension Application {
    private struct WebhookChannelCacheKey: StorageKey { typealias Value = WebhookChannelCache }

    var webhookChannels: WebhookChannelCache {
        get {
            guard let cache = storage[WebhookChannelCacheKey.self] else { fatalError("configure(_:) sets up the webhook channel cache") }
            return cache
        }
        set { storage[WebhookChannelCacheKey.self] = newValue }
    }
}
