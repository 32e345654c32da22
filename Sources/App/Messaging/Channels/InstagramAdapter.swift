import Foundation
import Vapor

/// Instagram (the Graph API for business accounts): DMs are polled per conversation; posts are a
/// media container, then a publish.
struct InstagramAdapter: ChannelAdapter {
    static let kind = ChannelKind.instagram
    let app: Application
    let channel: Channel
    let client: InstagramClient

    init(app: Application, channel: Channel, credentials: ChannelCredentials) {
        self.app = app
        self.channel = channel
        self.client = app.providers.instagram(graphURL: credentials.graphUrl, accountID: credentials.businessAccountId ?? "",
                                              accessToken: credentials.accessToken ?? "")
    }

    var guardKey: String? { "instagram channel \(channel.id!)" }
    var providerName: String { "Instagram" }

    func verify() async throws -> ChannelVerification {
        let account = try await client.account()
        return .connected(identity: account.username.map { "@\($0)" } ?? account.id)
    }

    func send(_ item: OutboxItem) async throws -> ChannelSendResult {
        let sent = try await client.sendMessage(recipientID: item.recipient, text: item.body)
        return ChannelSendResult(providerID: sent.messageId, status: .sent)
    }

    func poll(from start: ChannelCursor) async throws -> ChannelPoll {
        let now = app.clock.now()
        var cursor = start
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
        return ChannelPoll(messages: out, cursor: cursor)
    }

    func publish(text: String, imageURL: String?, idempotencyKey: String) async throws -> String {
        guard let imageURL else { throw ChannelFailure(retryable: false, code: nil, message: "Instagram posts need an image URL.") }
        let container = try await client.createMediaContainer(imageURL: imageURL, caption: text)
        return try await client.publish(creationID: container.id).id
    }

    func failure(_ error: any Error) -> ChannelFailure {
        switch error {
        case let e as ProviderError:
            return ChannelFailure(retryable: e.retryable, code: e.code?.text, message: e.description, authFailed: e.isInvalidToken)
        case let e as ChannelFailure:
            return e
        default:
            return ChannelFailure(retryable: true, code: nil, message: "could not reach Instagram (\(type(of: error)))")
        }
    }
}
