import Foundation
import Vapor

/// Mastodon and Pixelfed (the Mastodon API): mentions are polled from notifications; replies are
/// statuses in reply (direct by default), with media uploaded first.
struct MastodonAdapter: ChannelAdapter {
    static let kind = ChannelKind.mastodon
    let app: Application
    let channel: Channel
    let credentials: ChannelCredentials
    let client: MastodonClient

    init(app: Application, channel: Channel, credentials: ChannelCredentials) {
        self.app = app
        self.channel = channel
        self.credentials = credentials
        self.client = app.providers.mastodon(instanceURL: credentials.instanceUrl ?? "", accessToken: credentials.accessToken ?? "")
    }

    var guardKey: String? { "mastodon channel \(channel.id!)" }
    var providerName: String { "The Mastodon server" }

    func verify() async throws -> ChannelVerification {
        let account = try await client.verifyCredentials()
        return .connected(identity: "@\(account.acct)@\(URL(string: credentials.instanceUrl ?? "")?.host ?? "")")
    }

    /// Uploads the media at `url` (the server needs the bytes); returns the media ids to attach.
    func upload(_ url: String?, filename: String? = nil) async throws -> [String] {
        guard let url else { return [] }
        let media = try await ChannelAdapters.download(app, url)
        let name = filename ?? URL(string: url)?.lastPathComponent ?? "media"
        return [try await client.uploadMedia(data: media.data, filename: name.isEmpty ? "media" : name, contentType: media.contentType).id]
    }

    func send(_ item: OutboxItem) async throws -> ChannelSendResult {
        let (ref, _) = try await ChannelAdapters.replyContext(app, item)
        let mediaIDs = try await upload(item.mediaURL)
        var text = item.body
        let acct = item.recipient
        if !text.contains("@\(acct)") { text = "@\(acct) " + text }
        var inReplyTo: String? = nil
        var visibility: MastodonClient.Visibility? = nil
        if case .string(let id)? = ref?["status_id"] { inReplyTo = id }
        if case .string(let v)? = ref?["visibility"] { visibility = MastodonClient.Visibility(rawValue: v) }
        let status = try await client.postStatus(text: text, inReplyToID: inReplyTo, mediaIDs: mediaIDs, visibility: visibility ?? .direct,
                                                 idempotencyKey: item.idempotencyKey)
        return ChannelSendResult(providerID: status.id, status: .sent)
    }

    func poll(from start: ChannelCursor) async throws -> ChannelPoll {
        let now = app.clock.now()
        var cursor = start
        let notes = try await client.mentions(sinceID: cursor.sinceID)  // oldest first
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
        return ChannelPoll(messages: out, cursor: cursor)
    }

    func publish(text: String, imageURL: String?, idempotencyKey: String) async throws -> String {
        let mediaIDs = try await upload(imageURL, filename: "image")
        return try await client.postStatus(text: text, mediaIDs: mediaIDs, visibility: .public, idempotencyKey: idempotencyKey).id
    }

    func failure(_ error: any Error) -> ChannelFailure {
        switch error {
        case let e as ProviderError:
            return ChannelFailure(retryable: e.retryable, code: e.status.map(String.init), message: e.description, authFailed: e.status == 401)
        case let e as ChannelFailure:
            return e
        default:
            return ChannelFailure(retryable: true, code: nil, message: "could not reach the Mastodon server (\(type(of: error)))")
        }
    }
}
