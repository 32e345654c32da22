import Fluent
import Foundation
import Vapor

/// Voice notes (issue 18 §1). An inbound message with no text and an audio attachment is
/// transcribed before it is routed: routing queues a `voice.transcribe` job (the provider lane:
/// the media download and the speech-to-text call may be slow) and stops; that job stores what
/// was heard — or why nothing could be — on the message and queues routing again, which then
/// reads the transcript as if it had been typed. The message and its audio are kept whatever
/// happens, so nothing is lost.
enum VoiceNotes {
    /// What the message failed with when it could not be transcribed (`messages.error_code`).
    static let failedCode = "transcription_failed"

    /// Audio WhatsApp and the speech-to-text servers take, by media type, with a file extension
    /// the server recognises.
    static let audioTypes: [String: String] = [
        "audio/ogg": "ogg", "audio/opus": "ogg", "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/amr": "amr",
        "audio/mp4": "m4a", "audio/x-m4a": "m4a", "audio/m4a": "m4a", "audio/aac": "m4a", "audio/wav": "wav",
        "audio/x-wav": "wav", "audio/webm": "webm",
    ]

    /// The media type without parameters ("audio/ogg; codecs=opus" → "audio/ogg"), lowercased.
    static func baseType(_ contentType: String?) -> String? {
        guard let t = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased(), !t.isEmpty else { return nil }
        return t
    }

    static func isAudio(_ contentType: String?) -> Bool { baseType(contentType)?.hasPrefix("audio/") == true }

    /// The reply an owner gets when Munim has no speech-to-text service.
    static let notSetUp = "Voice notes need a speech-to-text service, and this Munim has none yet. Whoever runs Munim can set MUNIM_STT_BASE_URL (a Whisper-compatible server) or OPENAI_API_KEY and restart it. Until then, please type the message."

    /// Routing's part: true when the message is a voice note still to be transcribed, in which
    /// case the transcription job is queued (in the routing job's own transaction) and routing
    /// stops until it is done.
    static func transcribeFirst(_ message: Message, _ ctx: JobContext) async throws -> Bool {
        guard message.voiceNote != nil, message.transcript == nil, message.errorCode == nil,
              ctx.app.munimConfig.transcriptionEnabled, let businessID = message.$businessID.value else { return false }
        let id = message.id!, now = ctx.now
        try await ctx.store.write(ctx.db) { tx in
            try await ctx.finish(on: tx)
            try await JobQueue.enqueue(VoiceNoteJob.self, MessagePayload(messageID: id), businessID: businessID, runAt: now, maxAttempts: 4,
                                       dedupeKey: "voice-\(id.uuidString)", on: tx)
        }
        return true
    }

    /// `voice.transcribe`: downloads the voice note through its channel, transcribes it and
    /// routes the message again.
    @Sendable static func transcribe(_ job: MessagePayload, _ ctx: JobContext) async throws {
        guard let businessID = ctx.job.businessID,
              let message = try await Message.query(on: ctx.db).filter(\.$businessID == businessID).filter(\.$id == job.messageID).first(),
              message.transcript == nil, message.errorCode == nil, let voice = message.voiceNote else { return }
        guard let client = ctx.app.providers.openAI(.transcription) else {
            return try await finish(ctx, message, transcript: nil, failure: "Munim has no speech-to-text service set up.")
        }
        guard let channel = try await Channel.find(message.channelID, on: ctx.db) else {
            return try await finish(ctx, message, transcript: nil, failure: "The channel it came on was removed.")
        }
        let media: ChannelMedia
        do {
            media = try await ChannelAdapters.fetchMedia(ctx.app, channel: channel, url: voice.url)
        } catch let e as ChannelFailure {
            if e.retryable && !ctx.job.isLastAttempt { throw JobFailure.retry(e.message) }
            let what = e.code == ProviderError.tooLargeCode ? "It is too large (at most \(ChannelAdapters.maxMediaBytes >> 20) MB)."
                : e.authFailed ? "\(channel.kind == .twilioWhatsapp ? "Twilio" : "The provider") refused the download: check the channel's credentials on Integrations."
                : "The download failed: \(e.message)"
            return try await finish(ctx, message, transcript: nil, failure: "The voice note could not be downloaded. \(what)")
        }
        // The provider's own word for the type, not only what the webhook said.
        guard let type = baseType(media.contentType), let ext = audioTypes[type] else {
            return try await finish(ctx, message, transcript: nil,
                                    failure: "The attachment is \(baseType(media.contentType) ?? "of an unknown type"), not audio Munim can transcribe.")
        }
        guard !media.data.isEmpty else { return try await finish(ctx, message, transcript: nil, failure: "The voice note is empty.") }
        let language = try await AccountsService(db: ctx.db).findBusiness(businessID)?.preferredLanguage
        let heard: String
        do {
            heard = try await client.transcribe(audio: media.data, filename: "voice-note.\(ext)", contentType: type,
                                                model: ctx.app.munimConfig.transcribeModel, language: language)
        } catch let e as ProviderError {
            if e.retryable && !ctx.job.isLastAttempt { throw JobFailure.retry(e.description) }
            ctx.logger.warning("voice note \(message.id!): transcription failed: \(e.description)")
            return try await finish(ctx, message, transcript: nil, failure: "The speech-to-text service did not answer\(e.status.map { " (HTTP \($0))" } ?? "").")
        }
        let text = heard.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return try await finish(ctx, message, transcript: nil, failure: "No speech was heard in it.") }
        try await finish(ctx, message, transcript: String(text.prefix(4000)), failure: nil)
    }

    /// Stores the outcome on the message and queues its routing, in one transaction.
    static func finish(_ ctx: JobContext, _ message: Message, transcript: String?, failure: String?) async throws {
        let now = ctx.now, id = message.id!, businessID = message.businessID
        try await ctx.store.write(ctx.db) { tx in
            try await ctx.finish(on: tx)
            try await outcome(id, businessID: businessID, transcript: transcript, failure: failure, now: now, on: tx)
        }
        message.transcript = transcript
        message.errorCode = failure == nil ? nil : failedCode
        message.errorMessage = failure
        message.updatedAt = now
        MessagingService.publishUpdated(ctx.app, message)
    }

    static func outcome(_ id: UUID, businessID: UUID, transcript: String?, failure: String?, now: Date, on tx: any Database) async throws {
        try await Message.query(on: tx).filter(\.$id == id).set(\.$transcript, to: transcript)
            .set(\.$errorCode, to: failure == nil ? nil : failedCode).set(\.$errorMessage, to: failure)
            .set(\.$updatedAt, to: now).update()
        try await JobQueue.enqueue(InboundRouteJob.self, MessagePayload(messageID: id), businessID: businessID, runAt: now, maxAttempts: 5,
                                   dedupeKey: "voice-route-\(id.uuidString)", on: tx)
    }

    /// The job died (its process kept stopping): the message says so and is routed without a transcript.
    static func died(messageID id: UUID, _ job: DeadJob, _ app: Application, _ tx: any Database) async throws -> DeadJobs.AfterCommit? {
        guard let m = try await Message.find(id, on: tx) else { return nil }
        try await outcome(id, businessID: m.businessID, transcript: nil, failure: "Transcribing it stopped the worker (\(job.reason)).",
                          now: app.clock.now(), on: tx)
        guard let updated = try await Message.find(id, on: tx) else { return nil }
        return { MessagingService.publishUpdated(app, updated) }
    }

    /// What the owner is told about a voice note that has no transcript.
    static func ownerReply(_ message: Message, transcriptionEnabled: Bool) -> String {
        guard transcriptionEnabled else { return notSetUp }
        return "I could not understand that voice note. \(message.errorMessage ?? "") Please send it again, or type the message."
            .replacingOccurrences(of: "  ", with: " ")
    }
}
