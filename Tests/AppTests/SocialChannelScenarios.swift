@testable import App
import Fluent
import Foundation
import Testing
import Vapor

/// Issue 4 §6: Bluesky, Mastodon/Pixelfed and Instagram conversations in the same inbox, polled
/// from a persisted cursor (nothing twice), answered where they happened.
enum SocialChannelScenarios {
    static func pollsAnswerAndNeverDuplicate() async throws {
        let bsky = FakeBluesky(), masto = FakeMastodon(), insta = FakeInstagram()
        try await bsky.start()
        try await masto.start()
        try await insta.start()
        let clock = TestClock()
        do {
            try await run(bsky, masto, insta, clock)
        } catch {
            try? await bsky.stop(); try? await masto.stop(); try? await insta.stop()
            throw error
        }
        try await bsky.stop(); try await masto.stop(); try await insta.stop()
    }

    static func run(_ bsky: FakeBluesky, _ masto: FakeMastodon, _ insta: FakeInstagram, _ clock: TestClock) async throws {
        try await withTestApp(.sqlite, clock: clock) { app in
            var client = APIClient(app)
            try await client.signup()
            _ = try await client.product("Cement bag", price: 35_000, stock: 20)
            func connect(_ body: [String: Any]) async throws -> String {
                let r = try await client.send(.POST, "/api/v1/channels", json: body)
                #expect(r.status == .created, "\(r.body)")
                #expect(r["poll_interval_seconds"] as? Int == 60)
                return r["id"] as? String ?? ""
            }
            let b = try await connect(["kind": "bluesky", "name": "Bluesky",
                                       "credentials": ["handle": bsky.handle, "app_password": bsky.password, "service_url": bsky.baseURL]])
            let m = try await connect(["kind": "mastodon", "name": "Pixelfed",
                                       "credentials": ["instance_url": masto.baseURL, "access_token": masto.accessToken]])
            let i = try await connect(["kind": "instagram", "name": "Instagram",
                                       "credentials": ["business_account_id": insta.accountID, "access_token": insta.accessToken, "graph_url": insta.baseURL]])
            try await app.jobs.drain(app: app)
            for id in [b, m, i] {
                let c = try await client.send(.GET, "/api/v1/channels/\(id)")
                #expect(c["status"] as? String == "connected", "\(c.body)")
                #expect(!c.body.contains(bsky.password) && !c.body.contains(masto.accessToken) && !c.body.contains(insta.accessToken))
            }

            // New DMs and mentions arrive; the next poll (after the interval) stores them.
            _ = bsky.injectDM(from: "asha.bsky.social", text: "do you have cement?", displayName: "Asha")
            _ = bsky.injectMention(from: "ravi.bsky.social", text: "@munimshop.bsky.social what is the price of cement?")
            _ = masto.injectMention(from: "meena@pixelfed.social", html: "<p><span class=\"h-card\">@munimshop</span> price of cement?</p>")
            _ = insta.injectDM(fromID: "990001", username: "kiran", text: "cement available?")
            clock.advance(61)
            try await app.jobs.drain(app: app)
            let sessions = try await client.send(.GET, "/api/v1/inbox/sessions?limit=50")
            #expect(Set(sessions.items.compactMap { $0["platform"] as? String }) == ["bluesky", "mastodon", "instagram"])
            #expect(sessions.items.count == 4)

            // The bot answered each where it was asked: a DM, a threaded post reply, a status reply, an Instagram DM.
            #expect(bsky.sentMessages.count == 1)
            #expect(bsky.sentMessages.first?.text.contains("Cement bag") == true)
            #expect(bsky.createdPosts.count == 1)
            #expect(bsky.createdPosts.first?.replyParentURI != nil)
            #expect(masto.postedStatuses.count == 1)
            #expect(masto.postedStatuses.first?.inReplyToID != nil)
            #expect(masto.postedStatuses.first?.status.hasPrefix("@meena@pixelfed.social") == true)
            #expect(masto.postedStatuses.first?.idempotencyKey?.hasPrefix("msg-") == true)
            #expect(insta.sentMessages.map(\.recipientID) == ["990001"])

            // Polling again finds nothing new: no duplicates anywhere.
            let before = try await Message.query(on: app.db).count()
            for _ in 0..<2 {
                clock.advance(61)
                try await app.jobs.drain(app: app)
            }
            #expect(try await Message.query(on: app.db).count() == before)
            #expect(bsky.sentMessages.count == 1 && masto.postedStatuses.count == 1 && insta.sentMessages.count == 1)

            // An expired Bluesky token is refreshed and the new tokens are kept.
            bsky.expireAccessTokens()
            _ = bsky.injectDM(from: "asha.bsky.social", text: "thanks! and your address?")
            clock.advance(61)
            try await app.jobs.drain(app: app)
            #expect(bsky.refreshCount >= 1)
            #expect(bsky.sentMessages.count == 2)

            // A staff reply from the inbox goes out on the same platform.
            let igSession = try #require(sessions.items.first { $0["platform"] as? String == "instagram" }?["id"] as? String)
            _ = try await client.send(.POST, "/api/v1/inbox/sessions/\(igSession)/messages", json: ["text": "Yes, 20 bags in stock."])
            try await app.jobs.drain(app: app)
            #expect(insta.sentMessages.last?.text == "Yes, 20 bags in stock.")
        }
    }

    /// Runs `body` with a fake Bluesky, Mastodon (Pixelfed) and Instagram, and an owner on SQLite
    /// under a test clock with a channel connected to each, the fakes stopped afterwards whether
    /// or not `body` throws.
    private static func withSocialChannels(_ body: (Application, APIClient, TestClock, FakeBluesky, FakeMastodon, FakeInstagram) async throws -> Void) async throws {
        let bsky = FakeBluesky(), masto = FakeMastodon(), insta = FakeInstagram()
        try await bsky.start()
        try await masto.start()
        try await insta.start()
        do {
            let clock = TestClock()
            try await withTestApp(.sqlite, clock: clock) { app in
                var client = APIClient(app)
                try await client.signup()
                for channel: [String: Any] in [
                    ["kind": "bluesky", "name": "Bluesky", "credentials": ["handle": bsky.handle, "app_password": bsky.password, "service_url": bsky.baseURL]],
                    ["kind": "mastodon", "name": "Pixelfed", "credentials": ["instance_url": masto.baseURL, "access_token": masto.accessToken]],
                    ["kind": "instagram", "name": "Instagram",
                     "credentials": ["business_account_id": insta.accountID, "access_token": insta.accessToken, "graph_url": insta.baseURL]],
                ] {
                    #expect(try await client.send(.POST, "/api/v1/channels", json: channel).status == .created)
                }
                try await body(app, client, clock, bsky, masto, insta)
            }
        } catch {
            try? await bsky.stop(); try? await masto.stop(); try? await insta.stop()
            throw error
        }
        try await bsky.stop(); try await masto.stop(); try await insta.stop()
    }

    /// Issue 5 §6: the Bluesky, Pixelfed and Instagram workflow nodes, in one run on connected
    /// channels: a post, a threaded reply to a mention from the inbox, a DM; a status with an
    /// uploaded image and a reply; an Instagram image post (container, then publish) and a DM.
    /// Each provider call carries the step's idempotency key where the API takes one; a provider
    /// error is retried with backoff.
    static func workflowNodesPostReplyAndMessage() async throws {
        try await withSocialChannels { app, client, clock, bsky, masto, insta in
            // setup: a mention to reply to, received through the inbox as a real one would be
            let mention = bsky.injectMention(from: "ravi.bsky.social", text: "@munimshop.bsky.social lovely shop")
            insta.injectDM(fromID: "990001", username: "kiran", text: "hello")  // Instagram only lets a business message people who wrote first
            clock.advance(61)
            try await app.jobs.drain(app: app)
            #expect(try await Message.query(on: app.db).filter(\.$providerID == mention.uri).count() == 1)
            bsky.addProfile(handle: "asha.bsky.social", displayName: "Asha")
            let postsBefore = bsky.createdPosts.count, statusesBefore = masto.postedStatuses.count

            let bp = WorkflowScenarios.blueprint("Social", [
                WorkflowScenarios.node("trigger", "trigger", "manual", "start"),
                WorkflowScenarios.node("bpost", "action", "bluesky", "post", ["text": "New stock: {{trigger.item}}"]),
                WorkflowScenarios.node("breply", "action", "bluesky", "reply", ["parent_uri": "{{trigger.mention}}", "text": "Thank you!"]),
                WorkflowScenarios.node("bdm", "action", "bluesky", "send_dm", ["to": "asha.bsky.social", "text": "{{trigger.item}} is back"]),
                WorkflowScenarios.node("ppost", "action", "pixelfed", "post", ["text": "{{trigger.item}}", "media_url": "{{trigger.photo}}"]),
                WorkflowScenarios.node("preply", "action", "pixelfed", "reply", ["in_reply_to_id": "{{steps.ppost.status_id}}", "text": "Prices inside"]),
                WorkflowScenarios.node("ipub", "action", "instagram", "publish", ["image_url": "{{trigger.photo}}", "caption": "{{trigger.item}}"]),
                WorkflowScenarios.node("idm", "action", "instagram", "send_dm", ["recipient_id": "990001", "text": "Hi from Munim"]),
            ], [WorkflowScenarios.edge("trigger", "out", "bpost"), WorkflowScenarios.edge("bpost", "out", "breply"),
                WorkflowScenarios.edge("breply", "out", "bdm"), WorkflowScenarios.edge("bdm", "out", "ppost"),
                WorkflowScenarios.edge("ppost", "out", "preply"), WorkflowScenarios.edge("preply", "out", "ipub"),
                WorkflowScenarios.edge("ipub", "out", "idm")])
            let w = try await WorkflowScenarios.create(client, bp)
            // The Graph API fails once with a server error: the publish step is retried later.
            insta.failNext(status: .internalServerError, code: 2, type: "OAuthException", message: "An unexpected error has occurred.")

            // act
            let runID = try await WorkflowScenarios.run(client, w["id"] as? String ?? "",
                                                        ["item": "Cement 50kg", "mention": mention.uri, "photo": "http://127.0.0.1:\(masto.port)/files/photo.jpg"])
            try await app.jobs.drain(app: app)

            // verify: the publish step waits for its retry
            var run = try await WorkflowScenarios.runDetail(client, runID)
            #expect(WorkflowScenarios.status(run, "ipub") == "queued" && WorkflowScenarios.status(run, "idm") == nil, "\(run)")
            #expect((WorkflowScenarios.steps(run)["ipub"]?["error"] as? String ?? "").contains("attempt 1 failed"))

            // act: the backoff passes
            clock.advance(120)
            try await app.jobs.drain(app: app)

            // verify
            run = try await WorkflowScenarios.runDetail(client, runID)
            #expect(run["status"] as? String == "succeeded", "\(run)")
            let steps = WorkflowScenarios.steps(run)
            let key = { (node: String) in "\(runID.lowercased())-\(node)" }

            // verify: Bluesky: the post, the reply threaded under the mention, the DM.
            let posts = Array(bsky.createdPosts.dropFirst(postsBefore))
            #expect(posts.map(\.text) == ["New stock: Cement 50kg", "Thank you!"])
            #expect((steps["bpost"]?["output"] as? [String: Any])?["uri"] as? String == posts.first?.uri)
            #expect(posts.last?.replyParentURI == mention.uri && posts.last?.replyRootURI == mention.uri)
            #expect(bsky.sentMessages.last?.text == "Cement 50kg is back")
            #expect((steps["bdm"]?["output"] as? [String: Any])?["message_id"] as? String == bsky.sentMessages.last?.messageId)

            // verify: Pixelfed: the image uploaded, the status with it, the reply to that status, both keyed.
            let statuses = Array(masto.postedStatuses.dropFirst(statusesBefore))
            #expect(statuses.count == 2)
            #expect(masto.uploads.last?.data == FakeMastodon.photo)
            #expect(statuses.first?.mediaIDs == [masto.uploads.last?.id ?? "?"] && statuses.first?.status == "Cement 50kg")
            #expect(statuses.last?.inReplyToID == statuses.first?.id)
            #expect(statuses.map(\.idempotencyKey) == [key("ppost"), key("preply")])

            // verify: Instagram: one container published (the failed attempt made none), then the DM.
            #expect(insta.publishedMedia.count == 1 && insta.publishedMedia.first?.caption == "Cement 50kg")
            #expect((steps["ipub"]?["output"] as? [String: Any])?["media_id"] as? String == insta.publishedMedia.first?.publishedMediaID)
            #expect((steps["ipub"]?["attempts"] as? Int) == 2)
            #expect(insta.sentMessages.last?.recipientID == "990001" && insta.sentMessages.last?.text == "Hi from Munim")
        }
    }

    /// A Bluesky post node over the 300-character limit fails its step with the reason; nothing is
    /// posted.
    static func workflowNodesBlueskyPostOverLimitFails() async throws {
        try await withSocialChannels { app, client, clock, bsky, _, _ in
            // setup: the channels checked and polled once, as before a run in the test above
            clock.advance(61)
            try await app.jobs.drain(app: app)
            let postsBefore = bsky.createdPosts.count
            let long = try await WorkflowScenarios.create(client, WorkflowScenarios.blueprint("Long", [
                WorkflowScenarios.node("trigger", "trigger", "manual", "start"),
                WorkflowScenarios.node("bpost", "action", "bluesky", "post", ["text": "{{trigger.text}}"]),
            ], [WorkflowScenarios.edge("trigger", "out", "bpost")]))

            // act
            let failed = try await WorkflowScenarios.run(client, long["id"] as? String ?? "", ["text": String(repeating: "x", count: 301)])
            try await app.jobs.drain(app: app)

            // verify
            let f = try await WorkflowScenarios.runDetail(client, failed)
            #expect(f["status"] as? String == "failed" && (f["error"] as? String ?? "").contains("300 characters"))
            #expect(bsky.createdPosts.count == postsBefore)
        }
    }
}
