import AssistantNLU
import Fluent
import Vapor

/// `/api/v1/assistant/...` (issue 3 §1, §2, §7).
struct AssistantController {
    static let maxAudioBytes = 10 * 1024 * 1024
    static let audioTypes: [String: String] = ["webm": "audio/webm", "ogg": "audio/ogg", "mp3": "audio/mpeg", "wav": "audio/wav", "m4a": "audio/mp4",
                                               "mpeg": "audio/mpeg", "mp4": "audio/mp4", "x-wav": "audio/wav", "wave": "audio/wav", "x-m4a": "audio/mp4"]

    func register(_ api: any RoutesBuilder) {
        // Audio uploads may be up to 10 MB: this one route collects more than the default limit.
        api.on(.assistantSend, body: .collect(maxSize: ByteCount(integerLiteral: Self.maxAudioBytes + 64 * 1024)), use: postMessage)
        api.on(.assistantMessages, use: getMessages)
        api.on(.assistantParse, use: parse)
        api.on(.cardConfirm, use: confirm)
        api.on(.cardCancel, use: cancel)
        api.on(.cardEdit, use: edit)
    }

    static func service(_ req: Request) throws -> AssistantService {
        let p = try req.principal
        return AssistantService(db: req.db, store: req.store, businessID: p.businessID, userID: p.userID, now: req.now,
                                logger: req.logger, engine: ParseEngine(app: req.application), app: req.application)
    }

    struct TextInput: Content {
        var conversationId: UUID?
        let text: String
    }

    struct AudioInput: Content {
        var conversationId: UUID?
        var audio: File
    }

    @Sendable func postMessage(req: Request) async throws -> AssistantService.Reply {
        let service = try Self.service(req)
        if req.headers.contentType?.type == "multipart" {
            let input = try req.content.decode(AudioInput.self)
            let config = req.application.munimConfig
            guard let client = req.application.providers.openAI(.transcription) else {
                throw APIError(.unprocessableEntity, "transcription_unavailable",
                               "Voice messages need a speech-to-text service: whoever runs Munim sets MUNIM_STT_BASE_URL (a Whisper-compatible server) or OPENAI_API_KEY, then restarts it. Typing always works.")
            }
            let data = Data(buffer: input.audio.data)
            guard !data.isEmpty else { throw APIError.validation("audio", "is empty") }
            guard data.count <= Self.maxAudioBytes else { throw APIError(.payloadTooLarge, "payload_too_large", "Audio must be at most 10 MB.") }
            let ext = (input.audio.extension ?? "").lowercased()
            let subtype = input.audio.contentType?.subType.lowercased() ?? ""
            guard let mime = Self.audioTypes[ext] ?? Self.audioTypes[subtype] else {
                throw APIError.validation("audio", "must be webm, ogg, mp3, wav or m4a audio")
            }
            let filename = "audio." + (Self.audioTypes[ext] != nil ? ext : (subtype == "mpeg" ? "mp3" : subtype == "mp4" ? "m4a" : subtype))
            let business = try await service.ledger.business()
            let text: String
            do {
                text = try await client.transcribe(audio: data, filename: filename, contentType: mime, model: config.transcribeModel,
                                                   language: business.preferredLanguage)
            } catch {
                req.logger.warning("transcription failed: \(error)")
                throw APIError(.badGateway, "transcription_failed", "The transcription service did not answer. Please try again, or type the message.")
            }
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw APIError.validation("audio", "no speech was recognised; please try again")
            }
            return try await service.handle(text: text, conversationID: input.conversationId, transcript: text)
        }
        let input = try req.content.decode(TextInput.self)
        return try await service.handle(text: input.text, conversationID: input.conversationId)
    }

    @Sendable func getMessages(req: Request) async throws -> AssistantService.HistoryDTO {
        let id = try LedgerController.uuidQuery(req, "conversation_id")
        return try await Self.service(req).history(conversationID: id)
    }

    struct ParseInput: Content {
        let text: String
    }

    @Sendable func parse(req: Request) async throws -> Response {
        let input = try req.content.decode(ParseInput.self)
        let text = input.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 2000 else { throw APIError.validation("text", "must be 1 to 2000 characters") }
        let service = try Self.service(req)
        let outcome = await service.engine.parse(text, catalog: try await service.catalog(), logger: req.logger)
        let response = Response(status: .ok)
        response.headers.contentType = .json
        response.body = .init(data: try Self.encoder.encode(outcome.intent))
        return response
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    @Sendable func confirm(req: Request) async throws -> AssistantService.ActionReply {
        let reply = try await Self.service(req).confirm(try LedgerController.id(req))
        if let follow = reply.followUp, let (type, id) = follow.ledgerEvent {
            req.publish(type, id: id, data: follow.data)
        }
        return reply
    }

    @Sendable func cancel(req: Request) async throws -> AssistantService.ActionReply {
        try await Self.service(req).cancel(try LedgerController.id(req))
    }

    @Sendable func edit(req: Request) async throws -> AssistantService.ActionReply {
        let id = try LedgerController.id(req)
        let fields = try req.content.decode(JSONValue.self)
        let card = try await Self.service(req).edit(id, fields: fields)
        return AssistantService.ActionReply(card: card, reply: "Updated.", followUp: nil)
    }
}
