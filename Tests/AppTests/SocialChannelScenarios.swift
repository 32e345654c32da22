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
}
