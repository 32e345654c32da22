import Fluent
import Foundation
import Vapor

/// `POST /webhooks/twilio/{channel_id}` and `…/status` (issue 4 §2, STYLE habit 5): own route
/// group and body limit, signature checked in constant time against the public URL Twilio
/// called, deduplicated on MessageSid, 200 with empty TwiML at once; the rest happens in a job.
struct TwilioWebhooks {
    static let maxBody = 64 * 1024
    static let emptyTwiML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>"

    func register(_ app: Application) {
        let hooks = app.grouped("webhooks", "twilio")
        hooks.on(.POST, ":channel_id", body: .collect(maxSize: ByteCount(integerLiteral: Self.maxBody)), use: inbound)
        hooks.on(.POST, ":channel_id", "status", body: .collect(maxSize: ByteCount(integerLiteral: Self.maxBody)), use: status)
    }

    struct Verified {
        let channel: Channel
        let params: [String: String]
    }

    /// Loads the channel and checks the signature; 404 for an unknown channel, 403 for a bad
    /// signature (nothing is stored in either case).
    static func verify(_ req: Request) async throws -> Verified {
        if let length = req.headers.first(name: .contentLength).flatMap(Int.init), length > maxBody {
            throw APIError(.payloadTooLarge, "payload_too_large", "Webhook bodies are limited to 64 KB.")
        }
        guard let raw = req.parameters.get("channel_id"), let id = UUID(uuidString: raw) else { throw APIError.notFound("Channel") }
        guard let channel = try await Channel.query(on: req.db).filter(\.$id == id).filter(\.$deletedAt == nil).first(),
              channel.kind == .twilioWhatsapp else {
            throw APIError.notFound("Channel")
        }
        let body = req.body.data.map { String(decoding: $0.readableBytesView, as: UTF8.self) } ?? ""
        let pairs = TwilioClient.formDecode(body)
        guard let signature = req.headers.first(name: "X-Twilio-Signature"), !signature.isEmpty else {
            throw APIError(.forbidden, "invalid_signature", "The X-Twilio-Signature header is missing.")
        }
        let creds = try ChannelAdapters.credentials(req.application, channel)
        // The URL Twilio called: the public base URL, this path and the query string as sent.
        var url = req.application.publicBaseURL + req.url.path
        if let q = req.url.query, !q.isEmpty { url += "?" + q }
        guard TwilioClient.isValid(signature: signature, authToken: creds.authToken ?? "", url: url, params: pairs) else {
            req.logger.notice("rejected a Twilio webhook with a bad signature", metadata: ["channel_id": .string(raw)])
            throw APIError(.forbidden, "invalid_signature", "The request signature does not match.")
        }
        var params: [String: String] = [:]
        for (k, v) in pairs where params[k] == nil { params[k] = v }
        return Verified(channel: channel, params: params)
    }

    /// What the webhook persists for the `inbound.receive` job: the verified delivery, before
    /// any session or message exists.
    struct Delivery: Codable, Sendable {
        var channelID: UUID
        var from: String
        var name: String?
        var body: String
        var messageSid: String
        var media: [MediaRef]
        var receivedAt: Date

        static let encoder: JSONEncoder = {
            let e = JSONEncoder()
            e.dateEncodingStrategy = .iso8601
            e.outputFormatting = .sortedKeys
            return e
        }()
        static let decoder: JSONDecoder = {
            let d = JSONDecoder()
            d.dateDecodingStrategy = .iso8601
            return d
        }()
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
        let channelID = v.channel.id!
        let delivery = Delivery(channelID: channelID, from: from, name: p["ProfileName"], body: p["Body"] ?? "", messageSid: sid,
                                media: media, receivedAt: req.now)
        let payload = String(decoding: try Delivery.encoder.encode(delivery), as: UTF8.self)
        try await req.application.jobIntake.submit(JobQueue.NewJob(
            kind: "inbound.receive", businessID: v.channel.businessID, payload: payload, runAt: delivery.receivedAt, maxAttempts: 8,
            dedupeKey: "twilio:\(channelID.uuidString.lowercased()):\(sid)"))
        req.application.jobs.wakeup.notify()
        let res = Response(status: .ok, body: .init(string: Self.emptyTwiML))
        res.headers.contentType = .xml
        return res
    }

    /// The `inbound.receive` job: stores the delivery as an inbox message (deduplicated on the
    /// MessageSid) and enqueues its routing. A delivery for a channel deleted since is dropped.
    @Sendable static func receive(_ ctx: JobContext) async throws {
        let delivery: Delivery
        do {
            delivery = try Delivery.decoder.decode(Delivery.self, from: JSONEncoder().encode(ctx.job.payload))
        } catch {
            throw JobFailure.permanent("inbound delivery payload is unreadable: \(error)")
        }
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
        _ = try await MessagingService.applyStatus(req.application, channelID: v.channel.id!, providerID: sid, status: status,
                                                   errorCode: p["ErrorCode"].flatMap { $0.isEmpty ? nil : $0 },
                                                   errorMessage: p["ErrorMessage"].flatMap { $0.isEmpty ? nil : $0 })
        return Response(status: .noContent)
    }
}
