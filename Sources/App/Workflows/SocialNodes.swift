import Fluent
import Foundation
import Vapor
import WorkflowCore

/// Bluesky, Pixelfed (Mastodon API) and Instagram nodes, on the business's connected channels.
enum SocialNodes {
    static func run(_ ctx: StepContext) async throws -> NodeResult {
        let kind: ChannelKind
        switch ctx.node.service {
        case "bluesky": kind = .bluesky
        case "pixelfed": kind = .mastodon
        default: kind = .instagram
        }
        let channel = try await WorkflowNodes.channel(ctx.app, businessID: ctx.businessID, id: ctx.string("channel_id"), kinds: [kind])
        let adapter: any ChannelAdapter
        do { adapter = try ChannelAdapters.adapter(ctx.app, channel) } catch let e as ChannelFailure { throw NodeFailure.permanent(e.message) }
        do {
            // The channel's provider guard, as for the inbox's own sends: a node does not pile
            // calls onto a provider that stopped answering.
            return try await ChannelAdapters.guarded(ctx.app, adapter.guardKey) { try await call(ctx, adapter) }
        } catch let e as NodeFailure {
            throw e
        } catch let e as ProviderGuard.Open {
            throw NodeFailure.retryable(e.description)
        } catch {
            let f = adapter.failure(error)
            throw f.retryable ? NodeFailure.retryable(f.message) : NodeFailure.permanent(f.message)
        }
    }

    private static func call(_ ctx: StepContext, _ adapter: any ChannelAdapter) async throws -> NodeResult {
        switch "\(ctx.node.service)/\(ctx.node.task)" {
        case "bluesky/post", "bluesky/reply":
            let text = try ctx.requireString("text")
            guard text.count <= 300 else { throw NodeFailure.permanent("a Bluesky post is at most 300 characters (this is \(text.count))") }
            var reply: BlueskyClient.ReplyRef? = nil
            if ctx.node.task == "reply" { reply = try await replyRef(ctx, parentURI: try ctx.requireString("parent_uri")) }
            let r = reply, now = ctx.now
            let created = try await typed(adapter, BlueskyAdapter.self).withSession { c, s in
                try await c.createPost(text: text, reply: r, createdAt: now, session: s)
            }
            return NodeResult(output: ["uri": .string(created.uri), "cid": .string(created.cid)])
        case "bluesky/send_dm":
            let to = try ctx.requireString("to"), text = try ctx.requireString("text")
            let sent = try await typed(adapter, BlueskyAdapter.self).withSession { c, s -> (BlueskyClient.ChatMessage, BlueskySession) in
                let (did, s1) = to.hasPrefix("did:") ? (to, s) : try await c.resolveHandle(to.hasPrefix("@") ? String(to.dropFirst()) : to, session: s)
                let (convo, s2) = try await c.getConvoForMembers(members: [did], session: s1)
                return try await c.sendMessage(convoId: convo.id, text: text, session: s2)
            }
            return NodeResult(output: ["message_id": .string(sent.id)])
        case "pixelfed/post", "pixelfed/reply":
            let mastodon = try typed(adapter, MastodonAdapter.self)
            let media = try await mastodon.upload(ctx.string("media_url"), filename: "image")
            let status = try await mastodon.client.postStatus(text: try ctx.requireString("text"),
                                                              inReplyToID: ctx.node.task == "reply" ? try ctx.requireString("in_reply_to_id") : nil,
                                                              mediaIDs: media, visibility: .public, idempotencyKey: ctx.idempotencyKey)
            return NodeResult(output: ["status_id": .string(status.id), "url": status.url.map(JSONValue.string) ?? .null])
        case "instagram/publish":
            let id = try await adapter.publish(text: ctx.string("caption") ?? "", imageURL: try ctx.requireString("image_url"),
                                               idempotencyKey: ctx.idempotencyKey)
            return NodeResult(output: ["media_id": .string(id)])
        default:
            let sent = try await typed(adapter, InstagramAdapter.self).client.sendMessage(recipientID: try ctx.requireString("recipient_id"),
                                                                                         text: try ctx.requireString("text"))
            return NodeResult(output: ["message_id": .string(sent.messageId)])
        }
    }

    private static func typed<A: ChannelAdapter>(_ adapter: any ChannelAdapter, _ type: A.Type) throws -> A {
        guard let a = adapter as? A else { throw NodeFailure.permanent("the channel is not a \(A.kind.rawValue) channel") }
        return a
    }

    /// Reply refs for a post Munim has seen (a mention in the inbox): root and parent URIs and CIDs.
    static func replyRef(_ ctx: StepContext, parentURI: String) async throws -> BlueskyClient.ReplyRef {
        guard let m = try await MessagingService(app: ctx.app, businessID: ctx.businessID).message(providerID: parentURI),
              let text = m.replyRef, let ref = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
              case .string(let rootURI)? = ref["root_uri"], case .string(let rootCID)? = ref["root_cid"],
              case .string(let parentCID)? = ref["parent_cid"] else {
            throw NodeFailure.permanent("\(parentURI) is not a post Munim received; it can reply only to mentions in the inbox")
        }
        let parentURIValue = ref["parent_uri"]?.stringValue ?? parentURI
        return BlueskyClient.ReplyRef(root: .init(uri: rootURI, cid: rootCID), parent: .init(uri: parentURIValue, cid: parentCID))
    }
}
