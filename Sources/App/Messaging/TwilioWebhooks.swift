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

    @Sendable func inbound(req: Request) async throws -> Response {
        let v = try await Self.verify(req)
        let p = v.params
        guard let sid = p["MessageSid"] ?? p["SmsMessageSid"], !sid.isEmpty, let from = p["From"], !from.isEmpty else {
            throw APIError.validation(["MessageSid": "is required", "From": "is required"].filter { key, _ in (p[key] ?? "").isEmpty })
        }
        var media: [MediaRef] = []
        let count = min(10, Int(p["NumMedia"] ?? "0") ?? 0)
        for i in 0..<count {
            if let url = p["MediaUrl\(i)"] { media.append(MediaRef(url: url, contentType: p["MediaContentType\(i)"])) }
        }
        let inbound = InboundMessage(handle: from, name: p["ProfileName"], text: p["Body"] ?? "", providerID: sid, media: media,
                                     receivedAt: req.now)
        _ = try await MessagingService(app: req.application, businessID: v.channel.businessID).recordInbound(v.channel, inbound)
        let res = Response(status: .ok, body: .init(string: Self.emptyTwiML))
        res.headers.contentType = .xml
        return res
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
