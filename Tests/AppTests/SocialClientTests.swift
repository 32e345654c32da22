@testable import App
import AsyncHTTPClient
import Foundation
import Testing

/// The Bluesky, Mastodon and Instagram clients against local fakes that speak each provider's
/// wire format (DESIGN §6, §8).
@Suite("Social clients")
struct SocialClientTests {
    /// Starts the fake, runs the test, and stops the fake whatever happens.
    static func with<F: FakeSocialServer>(_ fake: F, _ body: (F) async throws -> Void) async throws {
        try await fake.start()
        do {
            try await body(fake)
        } catch {
            try? await fake.stop()
            throw error
        }
        try await fake.stop()
    }

    /// The error an operation threw, or nil (recorded as an issue) when it did not throw one of that type.
    static func caught<E: Error>(_ expected: E.Type, sourceLocation: SourceLocation = #_sourceLocation, _ operation: () async throws -> Void) async -> E? {
        do {
            try await operation()
            Issue.record("expected \(E.self), nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as E {
            return error
        } catch {
            Issue.record("expected \(E.self), got \(type(of: error))", sourceLocation: sourceLocation)
        }
        return nil
    }

    // MARK: - Bluesky

    @Suite("Bluesky")
    struct Bluesky {
        func client(_ fake: FakeBluesky) -> BlueskyClient { BlueskyClient(transport: ProviderTransport(http: .shared, provider: .bluesky, timeout: .seconds(5)), serviceURL: fake.baseURL) }

        @Test func loginAndRefreshOnExpiredToken() async throws {
            try await with(FakeBluesky()) { fake in
                let bluesky = client(fake)
                // setup
                let wrong = await caught(BlueskyClient.Failure.self) { _ = try await bluesky.createSession(identifier: fake.handle, password: "wrong-password") }
                #expect(wrong?.status == 401)
                #expect(wrong?.error == "AuthenticationRequired")
                let session = try await bluesky.createSession(identifier: fake.handle, password: fake.password)
                #expect(session.did == fake.did)
                #expect(session.handle == fake.handle)
                fake.injectDM(from: "ramesh.bsky.social", text: "Is the blue kurta in stock?")

                // act: the access token has expired; the call refreshes once and retries
                fake.expireAccessTokens()
                let (page, renewed) = try await bluesky.listConvos(session: session)

                // verify
                #expect(page.convos.count == 1)
                #expect(page.convos.first?.lastMessage?.text == "Is the blue kurta in stock?")
                #expect(renewed.did == session.did)
                #expect(renewed.accessJwt != session.accessJwt)
                #expect(renewed.refreshJwt != session.refreshJwt)
                #expect(fake.refreshCount == 1)
                let listCalls = fake.requests.filter { $0.path.hasSuffix("chat.bsky.convo.listConvos") }
                #expect(listCalls.map { $0.header("authorization") } == ["Bearer \(session.accessJwt)", "Bearer \(renewed.accessJwt)"])
                #expect(listCalls.allSatisfy { $0.header("atproto-proxy") == "did:web:api.bsky.chat#bsky_chat" })
                let refresh = try #require(fake.requests.first { $0.path.hasSuffix("com.atproto.server.refreshSession") })
                #expect(refresh.header("authorization") == "Bearer \(session.refreshJwt)")

                // The renewed session works without another refresh; the old refresh token is spent.
                let (_, same) = try await bluesky.listNotifications(session: renewed)
                #expect(same == renewed)
                #expect(fake.refreshCount == 1)
                let spent = await caught(BlueskyClient.Failure.self) { _ = try await bluesky.refreshSession(refreshJwt: session.refreshJwt) }
                #expect(spent?.status == 400)
                #expect(spent?.isExpiredToken == true)
            }
        }

        @Test func conversationsAndMessagesPage() async throws {
            try await with(FakeBluesky()) { fake in
                let bluesky = client(fake)
                // setup
                var session = fake.issueSession()
                fake.injectDM(from: "asha.bsky.social", text: "hello")
                fake.injectDM(from: "vikram.bsky.social", text: "price?")
                fake.injectDM(from: "asha.bsky.social", text: "one more thing")
                fake.injectDM(from: "neha.bsky.social", text: "namaste")

                // act
                let (first, s1) = try await bluesky.listConvos(limit: 2, session: session)
                session = s1
                let (second, s2) = try await bluesky.listConvos(cursor: first.cursor, limit: 2, session: session)
                session = s2

                // verify: most recently active first, across two pages
                #expect(first.convos.compactMap { $0.members.first { $0.did != fake.did }?.handle } == ["neha.bsky.social", "asha.bsky.social"])
                #expect(first.cursor != nil)
                #expect(second.convos.compactMap { $0.members.first { $0.did != fake.did }?.handle } == ["vikram.bsky.social"])
                #expect(second.cursor == nil)
                let asha = try #require(first.convos.last)
                #expect(asha.unreadCount == 2)

                let (newest, s3) = try await bluesky.getMessages(convoId: asha.id, limit: 1, session: session)
                let (older, _) = try await bluesky.getMessages(convoId: asha.id, cursor: newest.cursor, limit: 1, session: s3)
                #expect(newest.messages.map(\.text) == ["one more thing"])
                #expect(older.messages.map(\.text) == ["hello"])
                #expect(older.cursor == nil)
                #expect(newest.messages.first?.sender.did == asha.members.first { $0.handle == "asha.bsky.social" }?.did)
                #expect(newest.messages.first?.isDeleted == false)
            }
        }

        @Test func startAndSendDirectMessage() async throws {
            try await with(FakeBluesky()) { fake in
                let bluesky = client(fake)
                // setup
                let session = fake.issueSession()
                let (existing, _) = fake.injectDM(from: "ramesh.bsky.social", text: "hi")

                // act: from a handle to a DID to the conversation, then send
                let (did, s1) = try await bluesky.resolveHandle("@ramesh.bsky.social", session: session)
                let (convo, s2) = try await bluesky.getConvoForMembers(members: [did], session: s1)
                let (sent, _) = try await bluesky.sendMessage(convoId: convo.id, text: "Yes, ₹450 each.", session: s2)

                // verify
                #expect(convo.id == existing)
                #expect(sent.text == "Yes, ₹450 each.")
                #expect(sent.sender.did == fake.did)
                #expect(fake.sentMessages == [FakeBluesky.SentMessage(convoId: existing, messageId: sent.id, text: "Yes, ₹450 each.")])
                let body = try #require(fake.requests.last { $0.path.hasSuffix("chat.bsky.convo.sendMessage") }?.body)
                let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
                #expect(json["convoId"] as? String == existing)
                #expect((json["message"] as? [String: Any])?["text"] as? String == "Yes, ₹450 each.")

                let unknown = await caught(BlueskyClient.Failure.self) { _ = try await bluesky.resolveHandle("nobody.bsky.social", session: session) }
                #expect(unknown?.status == 400)
                #expect(unknown?.error == "InvalidRequest")
            }
        }

        @Test func mentionsAndReplyReferences() async throws {
            try await with(FakeBluesky()) { fake in
                let bluesky = client(fake)
                // setup: a top-level mention, then a reply deep in a thread the shop started
                let session = fake.issueSession()
                let mention = fake.injectMention(from: "asha.bsky.social", text: "@munimshop open on Sunday?")
                let threadRoot = BlueskyClient.StrongRef(uri: "at://\(fake.did)/app.bsky.feed.post/3kroot", cid: "bafyreiroot")
                let ownReply = BlueskyClient.StrongRef(uri: "at://\(fake.did)/app.bsky.feed.post/3kown", cid: "bafyreiown")
                let reply = fake.injectMention(from: "vikram.bsky.social", text: "and Monday?", reason: "reply", replyTo: (threadRoot, ownReply))

                // act
                let (page1, s1) = try await bluesky.listNotifications(limit: 1, session: session)
                let (page2, s2) = try await bluesky.listNotifications(cursor: page1.cursor, limit: 1, session: s1)

                // verify: newest first, one per page
                let replyNote = try #require(page1.notifications.first)
                let mentionNote = try #require(page2.notifications.first)
                #expect(page2.cursor == nil)
                #expect(replyNote.reason == "reply")
                #expect(replyNote.uri == reply.uri)
                #expect(replyNote.author.handle == "vikram.bsky.social")
                #expect(replyNote.record.text == "and Monday?")
                #expect(mentionNote.reason == "mention")
                #expect(mentionNote.record.reply == nil)

                // A top-level post is both root and parent; a reply keeps its thread's root.
                let toMention = BlueskyClient.replyRef(toNotification: mentionNote)
                #expect(toMention.root == mention)
                #expect(toMention.parent == mention)
                let toReply = BlueskyClient.replyRef(toNotification: replyNote)
                #expect(toReply.root == threadRoot)
                #expect(toReply.parent == reply)

                let at = Date(timeIntervalSince1970: 1_767_312_000)
                let (created, _) = try await bluesky.createPost(text: "Yes, 10 to 6.", reply: toReply, createdAt: at, session: s2)
                let post = try #require(fake.createdPosts.first)
                #expect(created.uri == post.uri)
                #expect(created.cid == post.cid)
                #expect(post.text == "Yes, 10 to 6.")
                #expect(post.replyRootURI == threadRoot.uri)
                #expect(post.replyParentURI == reply.uri)
                #expect(post.createdAt == "2026-01-02T00:00:00.000Z")
                let body = try #require(try JSONSerialization.jsonObject(with: post.body) as? [String: Any])
                #expect(body["repo"] as? String == fake.did)
                #expect(body["collection"] as? String == "app.bsky.feed.post")
                #expect((body["record"] as? [String: Any])?["$type"] as? String == "app.bsky.feed.post")
            }
        }

        @Test func postsAreLimitedTo300Graphemes() async throws {
            try await with(FakeBluesky()) { fake in
                let bluesky = client(fake)
                let session = fake.issueSession()
                // 300 family emoji: 300 graphemes, far more UTF-16 units and bytes; allowed.
                let family = "👨‍👩‍👧"
                let (_, _) = try await bluesky.createPost(text: String(repeating: family, count: 300), session: session)
                #expect(fake.createdPosts.count == 1)

                // act: one grapheme more is refused before anything is sent
                let before = fake.requests.count
                let failure = await caught(BlueskyClient.Failure.self) {
                    _ = try await bluesky.createPost(text: String(repeating: "a", count: 301), session: session)
                }

                // verify
                #expect(failure?.status == nil)
                #expect(failure?.error == "TextTooLong")
                #expect(failure?.description.contains("300") == true)
                #expect(fake.requests.count == before)
            }
        }

        @Test func failuresNeverShowTokens() async throws {
            try await with(FakeBluesky()) { fake in
                let bluesky = client(fake)
                let session = fake.issueSession()
                let forged = BlueskySession(did: fake.did, handle: fake.handle, accessJwt: "forged-access-\(UUID())", refreshJwt: "forged-refresh-\(UUID())")
                let invalid = await caught(BlueskyClient.Failure.self) { _ = try await bluesky.listConvos(session: forged) }
                #expect(invalid?.status == 401)
                #expect(invalid?.error == "InvalidToken")
                // Expired access token and a refresh token that no longer works.
                fake.expireAccessTokens()
                let spent = BlueskySession(did: session.did, handle: session.handle, accessJwt: session.accessJwt, refreshJwt: "forged-refresh-\(UUID())")
                let expired = await caught(BlueskyClient.Failure.self) { _ = try await bluesky.listNotifications(session: spent) }
                #expect(expired?.status == 401)
                let login = await caught(BlueskyClient.Failure.self) { _ = try await bluesky.createSession(identifier: fake.handle, password: "secret-password-1") }
                for failure in [invalid, expired, login].compactMap({ $0 }) {
                    for secret in [forged.accessJwt, forged.refreshJwt, session.accessJwt, spent.refreshJwt, "secret-password-1"] {
                        #expect(!failure.description.contains(secret))
                    }
                }
                #expect(invalid?.description.contains("chat.bsky.convo.listConvos") == true)
            }
        }
    }

    // MARK: - Mastodon

    @Suite("Mastodon")
    struct Mastodon {
        func client(_ fake: FakeMastodon, token: String? = nil) -> MastodonClient {
            MastodonClient(transport: ProviderTransport(http: .shared, provider: .mastodon, timeout: .seconds(5)), instanceURL: fake.baseURL + "/",
                           accessToken: token ?? fake.accessToken)
        }

        @Test func verifyCredentials() async throws {
            try await with(FakeMastodon()) { fake in
                let account = try await client(fake).verifyCredentials()
                #expect(account.username == "munimshop")
                #expect(account.acct == "munimshop")
                #expect(account.displayName == "Munim Shop")
                #expect(fake.requests.first?.header("authorization") == "Bearer \(fake.accessToken)")

                let wrongToken = "not-the-token-\(UUID())"
                let failure = await caught(MastodonClient.Failure.self) { _ = try await client(fake, token: wrongToken).verifyCredentials() }
                #expect(failure?.status == 401)
                #expect(failure?.message == "The access token is invalid")
                #expect(failure?.description.contains(wrongToken) == false)
            }
        }

        @Test func mentionsPageForwardOldestFirst() async throws {
            try await with(FakeMastodon()) { fake in
                let mastodon = client(fake)
                // setup: five mentions with a favourite in between
                var ids: [String] = []
                for i in 1...3 { ids.append(fake.injectMention(from: "user\(i)@remote.example", html: "<p>mention \(i)</p>")) }
                fake.injectNotification(type: "favourite", from: "fan@remote.example")
                for i in 4...5 { ids.append(fake.injectMention(from: "user\(i)@remote.example", html: "<p>mention \(i)</p>")) }

                // act: a new account sees only the newest page; with a cursor, everything after it
                let latest = try await mastodon.mentions(sinceID: nil, limit: 2)
                let after = try await mastodon.mentions(sinceID: ids[0], limit: 2)

                // verify: oldest first, no favourite, paged forward from the cursor
                #expect(latest.map(\.id) == Array(ids.suffix(2)))
                #expect(after.map(\.id) == Array(ids.dropFirst()))
                #expect(after.allSatisfy { $0.type == "mention" })
                #expect(after.first?.account.acct == "user2@remote.example")
                let queries = fake.notificationQueries
                #expect(queries.count == 4)
                #expect(queries.allSatisfy { $0.contains("types%5B%5D=mention") && $0.contains("limit=2") })
                #expect(!queries[0].contains("since_id"))
                #expect(queries[1].contains("since_id=\(ids[0])") && queries[1].contains("min_id=\(ids[0])"))
                #expect(queries[2].contains("min_id=\(ids[2])"))

                // The cursor is the last id handled: nothing new, then only what came after.
                #expect(try await mastodon.mentions(sinceID: ids.last).isEmpty)
                let later = fake.injectMention(from: "late@remote.example", html: "<p>late</p>", inReplyToID: "77")
                let next = try await mastodon.mentions(sinceID: ids.last)
                #expect(next.map(\.id) == [later])
                #expect(next.first?.status?.inReplyToId == "77")
                #expect(fake.notificationQueries.last?.contains("since_id=\(ids.last!)") == true)
            }
        }

        @Test func statusHTMLBecomesPlainText() async throws {
            try await with(FakeMastodon()) { fake in
                let html = #"<p><span class="h-card"><a href="https://mastodon.example/@munimshop" class="u-url mention">@<span>munimshop</span></a></span> 2 bags &amp; delivery?</p><p>Line two<br>line three &#8377;500 &lt;ok&gt; &#x1F600;</p>"#
                fake.injectMention(from: "asha@remote.example", html: html)
                let mention = try #require(try await client(fake).mentions(sinceID: nil).first)
                let text = MastodonClient.plainText(fromHTML: mention.status?.content ?? "")
                #expect(text == "@munimshop 2 bags & delivery?\n\nLine two\nline three ₹500 <ok> 😀")
            }
            // Broken markup and unknown entities stay readable.
            #expect(MastodonClient.plainText(fromHTML: "a < b &bogus; <br/>c") == "a < b &bogus; \nc")
            #expect(MastodonClient.plainText(fromHTML: "<p>one</p><p></p><p>two</p>") == "one\n\ntwo")
            #expect(MastodonClient.plainText(fromHTML: "x <3 y <b>bold</b> z <unclosed") == "x <3 y bold z <unclosed")
        }

        @Test func statusesAreIdempotent() async throws {
            try await with(FakeMastodon()) { fake in
                let mastodon = client(fake)
                // act: the same post twice under one key, as after a retry
                let first = try await mastodon.postStatus(text: "@asha yes, open Sunday", inReplyToID: "4242", visibility: .unlisted, idempotencyKey: "outbox-17")
                let again = try await mastodon.postStatus(text: "@asha yes, open Sunday", inReplyToID: "4242", visibility: .unlisted, idempotencyKey: "outbox-17")
                let other = try await mastodon.postStatus(text: "New stock today", idempotencyKey: "outbox-18")

                // verify
                #expect(first.id == again.id)
                #expect(other.id != first.id)
                #expect(first.url?.hasSuffix("/\(first.id)") == true)
                #expect(fake.postedStatuses.count == 2)
                #expect(fake.postedStatuses.first == FakeMastodon.PostedStatus(id: first.id, status: "@asha yes, open Sunday", inReplyToID: "4242", mediaIDs: [], visibility: "unlisted", idempotencyKey: "outbox-17"))
                let posts = fake.requests.filter { $0.path == "/api/v1/statuses" }
                #expect(posts.map { $0.header("idempotency-key") } == ["outbox-17", "outbox-17", "outbox-18"])
                let body = try #require(try JSONSerialization.jsonObject(with: posts[0].body) as? [String: Any])
                #expect(body["status"] as? String == "@asha yes, open Sunday")
                #expect(body["in_reply_to_id"] as? String == "4242")
                #expect(body["visibility"] as? String == "unlisted")
                #expect(body["media_ids"] == nil)

                let blank = await caught(MastodonClient.Failure.self) { _ = try await mastodon.postStatus(text: "", idempotencyKey: "outbox-19") }
                #expect(blank?.status == 422)
                #expect(blank?.message == "Validation failed: Text can't be blank")
            }
        }

        @Test func mediaUploadIsMultipart() async throws {
            try await with(FakeMastodon()) { fake in
                let mastodon = client(fake)
                let image = Data((0..<2048).map { UInt8($0 % 251) })
                // act
                let media = try await mastodon.uploadMedia(data: image, filename: "kurta.jpg", contentType: "image/jpeg", description: "Blue cotton kurta")
                let status = try await mastodon.postStatus(text: "New in", mediaIDs: [media.id], idempotencyKey: "outbox-20")

                // verify
                #expect(media.type == "image")
                #expect(media.url != nil)
                #expect(media.description == "Blue cotton kurta")
                let upload = try #require(fake.uploads.first)
                #expect(upload == FakeMastodon.Upload(id: media.id, filename: "kurta.jpg", contentType: "image/jpeg", data: image, description: "Blue cotton kurta"))
                #expect(fake.requests.first { $0.path == "/api/v2/media" }?.header("content-type")?.hasPrefix("multipart/form-data; boundary=") == true)
                #expect(fake.postedStatuses.first { $0.id == status.id }?.mediaIDs == [media.id])

                // 202: still processing, no url yet
                fake.processMediaAsynchronously = true
                let pending = try await mastodon.uploadMedia(data: image, filename: "big.png", contentType: "image/png")
                #expect(pending.url == nil)
                #expect(pending.previewUrl != nil)
            }
        }
    }

    // MARK: - Instagram

    @Suite("Instagram")
    struct Instagram {
        func client(_ fake: FakeInstagram, token: String? = nil) -> InstagramClient {
            InstagramClient(transport: ProviderTransport(http: .shared, provider: .instagram, timeout: .seconds(5)), graphURL: fake.baseURL,
                            accountID: fake.accountID, accessToken: token ?? fake.accessToken)
        }

        @Test func accountAndBadToken() async throws {
            try await with(FakeInstagram()) { fake in
                let account = try await client(fake).account()
                #expect(account.id == fake.accountID)
                #expect(account.username == "munimshop")
                #expect(fake.requests.first?.query.contains("fields=id%2Cusername") == true)

                let wrongToken = "EAAGwrong\(UUID().uuidString)"
                let failure = await caught(InstagramClient.Failure.self) { _ = try await client(fake, token: wrongToken).account() }
                #expect(failure?.status == 400)
                #expect(failure?.code == 190)
                #expect(failure?.isInvalidToken == true)
                #expect(failure?.type == "OAuthException")
                #expect(failure?.message == "Invalid OAuth access token - Cannot parse access token")
                #expect(failure?.description.contains(wrongToken) == false)
            }
        }

        @Test func conversationsPageAndMessages() async throws {
            try await with(FakeInstagram()) { fake in
                let instagram = client(fake)
                // setup
                let (asha, _) = fake.injectDM(fromID: "ig-asha", username: "asha.designs", text: "Price of the blue kurta?")
                fake.injectDM(fromID: "ig-vikram", username: "vikram", text: "Do you ship to Pune?")
                fake.injectDM(fromID: "ig-asha", username: "asha.designs", text: "Size M please")

                // act
                let first = try await instagram.conversations(limit: 1)
                let second = try await instagram.conversations(after: first.after, limit: 1)

                // verify: most recent first, and no cursor after the last page
                #expect(first.conversations.map(\.id) == [asha])
                #expect(first.after != nil)
                #expect(second.conversations.first?.participants.map(\.username) == [fake.username, "vikram"])
                #expect(second.after == nil)
                #expect(fake.requests.allSatisfy { $0.query.contains("platform=instagram") })

                let messages = try await instagram.messages(conversationID: asha)
                #expect(messages.map(\.message) == ["Size M please", "Price of the blue kurta?"])
                #expect(messages.first?.from == InstagramClient.Participant(id: "ig-asha", username: "asha.designs"))
                #expect(messages.first?.to.map(\.id) == [fake.accountID])
                #expect(messages.first?.createdTime?.hasSuffix("+0000") == true)
            }
        }

        @Test func sendMessage() async throws {
            try await with(FakeInstagram()) { fake in
                let instagram = client(fake)
                fake.injectDM(fromID: "ig-asha", username: "asha.designs", text: "hi")
                // act
                let sent = try await instagram.sendMessage(recipientID: "ig-asha", text: "₹899, size M is in stock.")
                // verify
                #expect(sent.recipientId == "ig-asha")
                #expect(fake.sentMessages == [FakeInstagram.SentMessage(recipientID: "ig-asha", messageID: sent.messageId, text: "₹899, size M is in stock.")])
                let request = try #require(fake.requests.last)
                #expect(request.path == "/v21.0/\(fake.accountID)/messages")
                let body = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
                #expect((body["recipient"] as? [String: Any])?["id"] as? String == "ig-asha")
                #expect((body["message"] as? [String: Any])?["text"] as? String == "₹899, size M is in stock.")

                let stranger = await caught(InstagramClient.Failure.self) { _ = try await instagram.sendMessage(recipientID: "ig-nobody", text: "hello") }
                #expect(stranger?.code == 100)
                #expect(stranger?.subcode == 2_018_001)
                let before = fake.requests.count
                let long = await caught(InstagramClient.Failure.self) { _ = try await instagram.sendMessage(recipientID: "ig-asha", text: String(repeating: "₹", count: 334)) }
                #expect(long?.status == nil)
                #expect(fake.requests.count == before)
            }
        }

        @Test func publishingTakesTwoSteps() async throws {
            try await with(FakeInstagram()) { fake in
                let instagram = client(fake)
                // act
                let container = try await instagram.createMediaContainer(imageURL: "https://cdn.example/kurta.jpg", caption: "New: blue kurta #handloom")
                let status = try await instagram.containerStatus(creationID: container.id)
                let media = try await instagram.publish(creationID: container.id)

                // verify
                #expect(status.statusCode == "FINISHED")
                #expect(fake.publishedMedia == [FakeInstagram.Container(id: container.id, imageURL: "https://cdn.example/kurta.jpg", caption: "New: blue kurta #handloom", publishedMediaID: media.id)])
                let create = try #require(fake.requests.first { $0.path.hasSuffix("/media") })
                let body = try #require(try JSONSerialization.jsonObject(with: create.body) as? [String: Any])
                #expect(body["image_url"] as? String == "https://cdn.example/kurta.jpg")
                let publish = try #require(fake.requests.first { $0.path.hasSuffix("/media_publish") })
                #expect((try JSONSerialization.jsonObject(with: publish.body) as? [String: Any])?["creation_id"] as? String == container.id)

                // A container publishes once.
                let twice = await caught(InstagramClient.Failure.self) { _ = try await instagram.publish(creationID: container.id) }
                #expect(twice?.code == 9007)
                #expect(twice?.subcode == 2_207_027)
            }
        }

        @Test func graphErrorsDecode() async throws {
            try await with(FakeInstagram()) { fake in
                let instagram = client(fake)
                fake.failNext(status: .forbidden, code: 4, type: "OAuthException", message: "(#4) Application request limit reached")
                let limited = await caught(InstagramClient.Failure.self) { _ = try await instagram.conversations() }
                #expect(limited?.status == 403)
                #expect(limited?.code == 4)
                #expect(limited?.fbtraceID == "AbCdEfGhIjK4")
                #expect(limited?.description.contains("(#4) Application request limit reached") == true)

                fake.expireToken()
                let expired = await caught(InstagramClient.Failure.self) { _ = try await instagram.publish(creationID: "1") }
                #expect(expired?.code == 190)
                #expect(expired?.subcode == 463)
                #expect(expired?.isInvalidToken == true)
                for failure in [limited, expired].compactMap({ $0 }) {
                    #expect(!failure.description.contains(fake.accessToken))
                }
                #expect(fake.requests.allSatisfy { $0.query.contains("access_token=") })
            }
        }
    }
}
