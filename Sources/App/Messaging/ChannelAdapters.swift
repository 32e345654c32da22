import Fluent
import Foundation
import SQLKit
import Vapor

/// One shape for every channel (DESIGN §6): verify credentials, send an outbox item, poll for new
/// messages (the providers without webhooks). Twilio's inbound side is its webhook controller.
enum ChannelAdapters {
    struct SendResult: Sendable {
        let providerID: String
        let status: MessageStatus
    }

    struct SendFailure: Error, CustomStringConvertible {
        let retryable: Bool
        let code: String?
        let message: String
        var authFailed = false
        var description: String { message }
    }

    static func credentials(_ app: Application, _ channel: Channel) throws -> ChannelCredentials {
        guard let sealed = channel.credentials else { return ChannelCredentials() }
        return try app.vault.open(json: sealed, as: ChannelCredentials.self)
    }

    /// Twilio calls go through the provider guard (issue 14 §4): a cap on concurrent calls and a
    /// circuit breaker that opens after calls in a row got no answer.
    static func guarded<T: Sendable>(_ app: Application, _ provider: String, _ call: () async throws -> T) async throws -> T {
        try await app.providerGuard.run(provider, clock: app.clock, unanswered: { error in
            if let e = error as? ProviderError { return e.unanswered }
            if let e = error as? SendFailure { return e.retryable && e.code == nil }
            return false
        }, call)
    }

    static func twilioProvider(_ app: Application) -> String { "Twilio (\(app.munimConfig.twilioAPIURL))" }

    static func twilio(_ app: Application, _ creds: ChannelCredentials) -> TwilioClient {
        app.providers.twilio(accountSID: creds.accountSid ?? "", authToken: creds.authToken ?? "")
    }

    static func send(_ app: Application, channel: Channel, item: OutboxItem) async throws -> SendResult {
        let creds: ChannelCredentials
        do { creds = try credentials(app, channel) } catch {
            throw SendFailure(retryable: false, code: nil, message: "The channel's stored credentials cannot be read; enter them again on Integrations.")
        }
        switch channel.kind {
        case .simulator:
            // The simulator is its own provider: the message is delivered at once.
            return SendResult(providerID: "sim-\(item.id!.uuidString.lowercased())", status: .delivered)
        case .twilioWhatsapp:
            let client = twilio(app, creds)
            let from = creds.fromNumber.map { $0.lowercased().hasPrefix("whatsapp:") ? $0 : "whatsapp:\($0)" }
            let to = item.recipient.lowercased().hasPrefix("whatsapp:") ? item.recipient : "whatsapp:\(item.recipient)"
            let callback = Endpoint.twilioStatus.url(base: app.publicBaseURL, channel.id!)
            do {
                let r = try await guarded(app, twilioProvider(app)) {
                    try await client.sendMessage(from: creds.messagingServiceSid == nil ? from : nil,
                                                 messagingServiceSID: creds.messagingServiceSid, to: to, body: item.body,
                                                 mediaURL: item.mediaURL, statusCallback: callback)
                }
                let status: MessageStatus = ["sent"].contains(r.status ?? "") ? .sent : .queued
                return SendResult(providerID: r.sid, status: status)
            } catch let e as ProviderError {
                throw SendFailure(retryable: e.retryable, code: e.code?.text, message: e.message,
                                  authFailed: e.httpStatus == 401 || e.code == "20003")
            } catch let e as ProviderGuard.Open {
                throw SendFailure(retryable: true, code: nil, message: e.description)
            }
        case .bluesky, .mastodon, .instagram:
            do {
                return try await guarded(app, "\(channel.kind.rawValue) channel \(channel.id!)") {
                    try await SocialAdapters.send(app, channel: channel, creds: creds, item: item)
                }
            } catch let e as ProviderGuard.Open {
                throw SendFailure(retryable: true, code: nil, message: e.description)
            }
        }
    }

    /// `channel.verify` job: checks credentials with the provider and records the status.
    @Sendable static func verify(_ job: ChannelPayload, _ ctx: JobContext) async throws {
        let id = job.channelID
        guard let channel = try await Channel.find(id, on: ctx.db), channel.deletedAt == nil else { return }
        let creds: ChannelCredentials
        do { creds = try credentials(ctx.app, channel) } catch {
            try await setStatus(ctx.app, channel, "error", "The stored credentials cannot be read; enter them again.")
            return
        }
        switch channel.kind {
        case .simulator:
            try await setStatus(ctx.app, channel, "connected", nil)
        case .twilioWhatsapp:
            do {
                let client = twilio(ctx.app, creds)
                let account = try await guarded(ctx.app, twilioProvider(ctx.app)) { try await client.fetchAccount() }
                if let s = account.status, s != "active" {
                    try await setStatus(ctx.app, channel, "error", "The Twilio account is \(s).")
                } else {
                    try await setStatus(ctx.app, channel, "connected", nil)
                }
            } catch let e as ProviderError {
                if e.retryable && !ctx.job.isLastAttempt {
                    try await setStatus(ctx.app, channel, "pending", "Twilio could not be reached yet; retrying.")
                    throw JobFailure.retry(e.description)
                }
                try await setStatus(ctx.app, channel, "error", e.httpStatus == 401 || e.code == "20003"
                    ? "Twilio rejected the credentials (\(e.code?.text ?? "401")). Check the account SID and auth token."
                    : "Twilio said: \(e.message)")
            } catch let e as ProviderGuard.Open {
                // Fail fast while the breaker is open, and say so where the owner looks.
                try await setStatus(ctx.app, channel, "pending", e.description)
                throw JobFailure.retry(e.description, after: max(1, e.until.timeIntervalSince(ctx.now)))
            }
        case .bluesky, .mastodon, .instagram:
            try await SocialAdapters.verify(ctx, channel: channel, creds: creds)
        }
    }

    /// `channel.poll` job: reads new messages of a polling channel, then schedules the next poll.
    @Sendable static func poll(_ job: ChannelPayload, _ ctx: JobContext) async throws {
        let id = job.channelID
        guard let channel = try await Channel.find(id, on: ctx.db), channel.deletedAt == nil, channel.enabled, channel.kind.polls else { return }
        let creds = try credentials(ctx.app, channel)
        let interval = TimeInterval(channel.pollIntervalSeconds ?? 60)
        do {
            try await SocialAdapters.poll(ctx, channel: channel, creds: creds)
        } catch let e as SendFailure {
            try await setStatus(ctx.app, channel, "error", e.message)
            // Back off on errors: the next poll waits longer, up to 10 minutes.
            try await schedulePoll(ctx, channel, after: min(600, interval * Double(max(2, ctx.job.attempts * 2))))
            return
        }
        try await schedulePoll(ctx, channel, after: interval)
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

    static func setStatus(_ app: Application, _ channel: Channel, _ status: String, _ detail: String?) async throws {
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
}
