import Fluent
import Foundation
import SQLKit
import Vapor

/// Credentials per channel kind (docs/messaging-api.md). Sealed by the vault; write-only.
struct ChannelCredentials: Codable, Sendable {
    // Keys arrive snake_case through the API decoder; stored sealed with the default coder.
    var accountSid: String?
    var authToken: String?
    var fromNumber: String?
    var messagingServiceSid: String?
    var handle: String?
    var appPassword: String?
    var serviceUrl: String?
    var instanceUrl: String?
    var accessToken: String?
    var businessAccountId: String?
    var graphUrl: String?

    /// Validates the fields a kind needs; returns field errors (keys as in the API, under credentials.).
    func problems(for kind: ChannelKind) -> [String: String] {
        var p: [String: String] = [:]
        func need(_ v: String?, _ key: String, _ what: String) {
            if (v ?? "").trimmingCharacters(in: .whitespaces).isEmpty { p["credentials.\(key)"] = "is required (\(what))" }
            else if v!.count > 2000 { p["credentials.\(key)"] = "is too long" }
        }
        func url(_ v: String?, _ key: String) {
            guard let v, !v.isEmpty else { return }
            if URL(string: v)?.scheme.map({ ["http", "https"].contains($0.lowercased()) }) != true || URL(string: v)?.host == nil {
                p["credentials.\(key)"] = "must be an absolute http(s) URL"
            }
        }
        switch kind {
        case .twilioWhatsapp:
            need(accountSid, "account_sid", "starts with AC")
            need(authToken, "auth_token", "from the Twilio Console")
            if let sid = accountSid, !sid.isEmpty, !(sid.hasPrefix("AC") && sid.count == 34 && sid.dropFirst(2).allSatisfy(\.isHexDigit)) {
                p["credentials.account_sid"] = "must be AC followed by 32 hex characters"
            }
            if (fromNumber ?? "").isEmpty && (messagingServiceSid ?? "").isEmpty {
                p["credentials.from_number"] = "is required (the WhatsApp sender, e.g. +14155238886)"
            }
            if let from = fromNumber, !from.isEmpty {
                let bare = from.lowercased().hasPrefix("whatsapp:") ? String(from.dropFirst(9)) : from
                if case .failure = Validate.phone(bare) { p["credentials.from_number"] = "must be a phone number in E.164 form, e.g. +14155238886" }
            }
            if let ms = messagingServiceSid, !ms.isEmpty, !(ms.hasPrefix("MG") && ms.count == 34) {
                p["credentials.messaging_service_sid"] = "must be MG followed by 32 hex characters"
            }
        case .bluesky:
            need(handle, "handle", "e.g. shop.bsky.social")
            need(appPassword, "app_password", "Settings → App passwords")
            url(serviceUrl, "service_url")
        case .mastodon:
            need(instanceUrl, "instance_url", "e.g. https://pixelfed.social")
            need(accessToken, "access_token", "from the instance's development settings")
            url(instanceUrl, "instance_url")
        case .instagram:
            need(businessAccountId, "business_account_id", "the Instagram business account id")
            need(accessToken, "access_token", "a long-lived token")
            url(graphUrl, "graph_url")
        case .simulator:
            break
        }
        return p
    }

    /// The non-secret identity shown in the UI.
    func identity(for kind: ChannelKind) -> String? {
        switch kind {
        case .twilioWhatsapp: return fromNumber.map { $0.lowercased().hasPrefix("whatsapp:") ? $0 : "whatsapp:\($0)" } ?? messagingServiceSid
        case .bluesky: return handle
        case .mastodon: return instanceUrl.flatMap { URL(string: $0)?.host }
        case .instagram: return businessAccountId
        case .simulator: return "simulator"
        }
    }
}

enum Outbox {
    /// An outgoing message whose sending kept stopping the worker: failed, like a provider refusal.
    static func died(outboxID id: UUID, _ job: DeadJob, _ app: Application, _ tx: any Database) async throws -> DeadJobs.AfterCommit? {
        guard let item = try await OutboxItem.find(id, on: tx) else { return nil }
        let text = "Sending stopped the worker (\(job.reason))."
        try await OutboxItem.query(on: tx).filter(\.$id == id).set(\.$status, to: OutboxStatus.failed)
            .set(\.$errorCode, to: "worker_stopped").set(\.$errorMessage, to: text).set(\.$updatedAt, to: app.clock.now()).update()
        try await Message.query(on: tx).filter(\.$id == item.messageID).set(\.$status, to: .failed)
            .set(\.$errorCode, to: "worker_stopped").set(\.$errorMessage, to: text).set(\.$updatedAt, to: app.clock.now()).update()
        guard let m = try await Message.find(item.messageID, on: tx) else { return nil }
        return { MessagingService.publishUpdated(app, m) }
    }

    /// Sends one outbox item. Retries 429/5xx/network errors with backoff (the job's attempts);
    /// a 4xx fails the message with the provider's code and text.
    @Sendable static func send(_ job: OutboxPayload, _ ctx: JobContext) async throws {
        let outboxID = job.outboxID
        guard let item = try await OutboxItem.find(outboxID, on: ctx.db) else { return }
        guard item.status == .queued || item.status == .sending else { return }
        guard let channel = try await Channel.find(item.channelID, on: ctx.db), channel.deletedAt == nil else {
            try await fail(ctx, item, code: nil, message: "The channel was removed before the message was sent.")
            return
        }
        guard channel.enabled else {
            try await fail(ctx, item, code: nil, message: "The channel is disabled.")
            return
        }
        // A number that sent STOP gets nothing the business starts (issue 18 §5): reminders,
        // invoices, receipts and workflow sends; answers to what it asks still go.
        let message = channel.kind == .twilioWhatsapp || channel.kind == .simulator ? try await Message.find(item.messageID, on: ctx.db) : nil
        if let message, OptOut.businessInitiated.contains(message.author),
           try await OptOut.isOptedOut(handle: item.recipient, businessID: item.businessID, db: ctx.db) {
            try await fail(ctx, item, code: OptOut.refusedCode, message: OptOut.refusal)
            return
        }
        // WhatsApp's 24-hour window (issue 18 §3): decided now, before calling Twilio.
        var rendered: String? = nil
        if channel.kind == .twilioWhatsapp, let message {
            switch try await WhatsAppTemplates.plan(for: item, message: message, db: ctx.db, now: ctx.now) {
            case .text:
                item.contentSID = nil
                item.contentVariables = nil
            case .template(let sid, let variables, let text):
                item.contentSID = sid
                item.contentVariables = variables
                rendered = text
            case .refuse(let code, let message):
                try await fail(ctx, item, code: code, message: message)
                return
            }
        }
        let (contentSID, contentVariables) = (item.contentSID, item.contentVariables)
        try await ctx.store.write(ctx.db) { tx in
            try await OutboxItem.query(on: tx).filter(\.$id == outboxID).set(\.$status, to: OutboxStatus.sending)
                .set(\.$contentSID, to: contentSID).set(\.$contentVariables, to: contentVariables)
                .set(\.$attempts, to: ctx.job.attempts).set(\.$updatedAt, to: ctx.now).update()
        }
        let result: ChannelSendResult
        do {
            result = try await ChannelAdapters.send(ctx.app, channel: channel, item: item)
        } catch let e as ChannelFailure {
            if e.retryable && !ctx.job.isLastAttempt {
                try await ctx.store.write(ctx.db) { tx in
                    try await OutboxItem.query(on: tx).filter(\.$id == outboxID).set(\.$status, to: OutboxStatus.queued)
                        .set(\.$errorMessage, to: e.message).set(\.$updatedAt, to: ctx.now).update()
                }
                throw JobFailure.retry(e.message)
            }
            try await fail(ctx, item, code: e.code, message: e.message)
            if e.authFailed { try await ChannelAdapters.setStatus(ctx.app, channel, .error, e.message) }
            return
        }
        let now = ctx.now, renderedText = rendered
        let updated: Message? = try await ctx.store.write(ctx.db) { tx in
            try await ctx.finish(on: tx)
            try await OutboxItem.query(on: tx).filter(\.$id == outboxID).set(\.$status, to: OutboxStatus.sent)
                .set(\.$providerID, to: result.providerID).set(\.$sentAt, to: now).set(\.$updatedAt, to: now)
                .set(\.$errorMessage, to: nil).update()
            guard let m = try await Message.find(item.messageID, on: tx) else { return nil }
            m.providerID = result.providerID
            if result.status.rank > m.status.rank { m.status = result.status }
            // Sent as a template: the inbox shows what the customer reads.
            if let renderedText { m.text = renderedText }
            m.updatedAt = now
            try await m.save(on: tx)
            return m
        }
        if let updated { MessagingService.publishUpdated(ctx.app, updated) }
        if channel.status != .connected { try await ChannelAdapters.setStatus(ctx.app, channel, .connected, nil) }
    }

    static func fail(_ ctx: JobContext, _ item: OutboxItem, code: String?, message: String) async throws {
        let now = ctx.now
        let updated: Message? = try await ctx.store.write(ctx.db) { tx in
            try await ctx.finish(on: tx)
            try await OutboxItem.query(on: tx).filter(\.$id == item.id!).set(\.$status, to: OutboxStatus.failed)
                .set(\.$errorCode, to: code).set(\.$errorMessage, to: message).set(\.$updatedAt, to: now).update()
            guard let m = try await Message.find(item.messageID, on: tx) else { return nil }
            m.status = .failed
            m.errorCode = code
            m.errorMessage = message
            m.updatedAt = now
            try await m.save(on: tx)
            return m
        }
        if let updated { MessagingService.publishUpdated(ctx.app, updated) }
    }
}
