@testable import App
import Fluent
import Foundation
import NIOHTTP1
import Testing
import Vapor
import VaporTesting
import WorkflowCore

/// Issue 4: channels, the Twilio webhook, routing, the bot, the outbox, the inbox and the simulator.
enum MessagingScenarios {
    static let publicBase = "https://munim.example.com"

    /// A test app wired to a fake Twilio, with a signed-up owner and a connected Twilio channel.
    struct Setup {
        let app: Application
        var client: APIClient
        let twilio: FakeTwilio
        let channelID: String
        let clock: TestClock
        var signer: TwilioSigner { TwilioSigner(publicBase: publicBase, authToken: FakeTwilio.authToken) }
        var hookPath: String { "/webhooks/twilio/\(channelID.lowercased())" }

        /// Posts a signed Twilio webhook; returns status and body.
        func webhook(_ fields: [(String, String)], path: String? = nil, signature: String? = nil, token: String? = nil,
                     signURL: String? = nil) async throws -> (HTTPResponseStatus, String, HTTPHeaders) {
            let p = path ?? hookPath
            let signed = signer.signedForm(path: p, fields, token: token, signURL: signURL)
            var headers = HTTPHeaders()
            headers.contentType = .urlEncodedForm
            headers.add(name: "X-Twilio-Signature", value: signature ?? signed.signature)
            var out: (HTTPResponseStatus, String, HTTPHeaders)? = nil
            try await app.testing().test(.POST, p, headers: headers, body: ByteBuffer(string: signed.body)) { res in
                out = (res.status, res.body.string, res.headers)
            }
            return out!
        }

        func inbound(from: String, text: String, sid: String = "SM" + UUID().uuidString.replacingOccurrences(of: "-", with: ""),
                     name: String = "Asha") async throws -> (HTTPResponseStatus, String, HTTPHeaders) {
            let fields = [("From", "whatsapp:\(from)"), ("To", "whatsapp:+14155238886"), ("Body", text), ("MessageSid", sid),
                          ("NumMedia", "0"), ("ProfileName", name), ("WaId", String(from.dropFirst())), ("AccountSid", FakeTwilio.accountSID)]
            // A 503 (the database momentarily busy on a loaded machine) changed nothing and asks
            // for the delivery again, which Twilio's retry does; so does this helper, a few times.
            var reply = try await webhook(fields)
            for _ in 0..<3 where reply.0 == .serviceUnavailable {
                print("inbound: 503 busy for \(sid); delivering again")
                reply = try await webhook(fields)
            }
            return reply
        }

        /// Twilio's status callback for a sent message.
        func statusCallback(_ sid: String, _ status: String, errorCode: String? = nil) async throws -> HTTPResponseStatus {
            var fields = [("MessageSid", sid), ("MessageStatus", status), ("AccountSid", FakeTwilio.accountSID)]
            if let errorCode { fields.append(("ErrorCode", errorCode)) }
            return try await webhook(fields, path: hookPath + "/status").0
        }

        @discardableResult
        func drain() async throws -> Int { try await app.jobs.drain(app: app) }

        /// Runs every due job, and retries a job that failed for a passing reason the way the
        /// worker would: the pinned clock moves past its backoff, at most three times. On a busy
        /// CI machine a provider call can time out once; the user sees the retry's result. Each
        /// retried error is printed, so a flake leaves its cause in the log. Tests of failure
        /// paths use `drain()`, which leaves a failed job waiting.
        @discardableResult
        func settle() async throws -> Int {
            var ran = try await drain()
            for _ in 0..<3 {
                // Failed for a passing reason (backoff), or put back for a moment (a provider's
                // slots full): due within a minute. Later jobs (timeouts, schedules) stay put.
                let waiting = try await JobRow.query(on: app.db).filter(\.$status == .queued)
                    .filter(\.$runAt <= clock.now.addingTimeInterval(60)).all()
                guard let latest = waiting.map(\.runAt).max() else { break }
                for job in waiting { print("settle: running \(job.kind) again after: \(job.lastError ?? "postponed")") }
                clock.advance(max(0, latest.timeIntervalSince(clock.now)) + 1)
                ran += try await drain()
            }
            return ran
        }

        func count<M: Model>(_ type: M.Type) async throws -> Int { try await M.query(on: app.db).count() }
    }

    static func withTwilio(_ db: TestDB, maxAttempts: Int = 8, configure: (inout AppConfig) -> Void = { _ in },
                           _ body: (inout Setup) async throws -> Void) async throws {
        let twilio = FakeTwilio()
        try await twilio.start()
        let clock = TestClock()
        do {
            try await withTestApp(db, clock: clock, configure: {
                $0.twilioAPIURL = twilio.baseURL
                $0.twilioContentURL = twilio.baseURL
                $0.publicURL = URL(string: publicBase)
                $0.outboxMaxAttempts = maxAttempts
                configure(&$0)
            }) { app in
                var client = APIClient(app)
                try await client.signup()
                let r = try await client.send(.POST, "/api/v1/channels", json: [
                    "kind": "twilio_whatsapp", "name": "Shop WhatsApp",
                    "credentials": ["account_sid": FakeTwilio.accountSID, "auth_token": FakeTwilio.authToken, "from_number": "+14155238886"],
                ])
                #expect(r.status == .created, "\(r.body)")
                var setup = Setup(app: app, client: client, twilio: twilio, channelID: r["id"] as? String ?? "", clock: clock)
                try await setup.drain()  // verifies the credentials against the fake
                try await body(&setup)
            }
        } catch {
            try? await twilio.stop()
            throw error
        }
        try await twilio.stop()
    }

    // MARK: channels

    static func connectChannels(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            // The channel is verified by its job and never shows its credentials.
            let r = try await s.client.send(.GET, "/api/v1/channels/\(s.channelID)")
            #expect(r["status"] as? String == "connected")
            #expect(r["webhook_url"] as? String == "\(publicBase)/webhooks/twilio/\(s.channelID.lowercased())")
            #expect(r["status_callback_url"] as? String == "\(publicBase)/webhooks/twilio/\(s.channelID.lowercased())/status")
            #expect(r["identity"] as? String == "whatsapp:+14155238886")
            #expect(!r.body.contains(FakeTwilio.authToken))
            let list = try await s.client.send(.GET, "/api/v1/channels")
            #expect(list.items.count == 1)
            #expect(!list.body.contains(FakeTwilio.authToken))
            // Stored encrypted: the token is not in the database row.
            let row = try #require(try await App.Channel.find(UUID(uuidString: s.channelID), on: s.app.db))
            #expect(row.credentials?.hasPrefix("v1:") == true)
            #expect(row.credentials?.contains(FakeTwilio.authToken) == false)

            // Bad input changes nothing.
            let before = try await s.count(App.Channel.self)
            let bad = try await s.client.send(.POST, "/api/v1/channels", json: [
                "kind": "twilio_whatsapp", "name": "", "credentials": ["account_sid": "XX1", "from_number": "12"],
            ])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.fields["credentials.account_sid"] != nil)
            #expect(bad.fields["credentials.auth_token"] != nil)
            #expect(bad.fields["credentials.from_number"] != nil)
            #expect(bad.fields["name"] != nil)
            let unknown = try await s.client.send(.POST, "/api/v1/channels", json: ["kind": "telegram", "name": "x"])
            #expect(unknown.status == .unprocessableEntity)
            #expect(try await s.count(App.Channel.self) == before)

            // Wrong credentials: the verification job marks the channel as failed, with Twilio's reason.
            let wrong = try await s.client.send(.POST, "/api/v1/channels", json: [
                "kind": "twilio_whatsapp", "name": "Wrong",
                "credentials": ["account_sid": FakeTwilio.accountSID, "auth_token": "ffffffffffffffffffffffffffffffff", "from_number": "+14155238886"],
            ])
            #expect(wrong["status"] as? String == "pending")
            try await s.drain()
            let checked = try await s.client.send(.GET, "/api/v1/channels/\(wrong["id"] as? String ?? "")")
            #expect(checked["status"] as? String == "error")
            #expect((checked["status_detail"] as? String)?.contains("20003") == true)

            // Rename, disable, delete; another business cannot see it.
            let renamed = try await s.client.send(.PATCH, "/api/v1/channels/\(s.channelID)", json: ["name": "Counter", "enabled": false])
            #expect(renamed["name"] as? String == "Counter")
            #expect(renamed["status"] as? String == "disabled")
            var other = APIClient(s.app)
            try await other.signup()
            #expect(try await other.send(.GET, "/api/v1/channels/\(s.channelID)").status == .notFound)
            #expect(try await other.send(.DELETE, "/api/v1/channels/\(s.channelID)").status == .notFound)
            #expect(try await s.client.send(.DELETE, "/api/v1/channels/\(s.channelID)").status == .noContent)
            #expect(try await s.client.send(.GET, "/api/v1/channels/\(s.channelID)").status == .notFound)
        }
    }

    // MARK: webhook

    static func webhookSecurityAndDedupe(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            let sid = "SM" + String(repeating: "b2", count: 16)
            let first = try await s.inbound(from: "+919812345678", text: "Namaste 🙏 सीमेंट है?", sid: sid)
            #expect(first.0 == .ok)
            #expect(first.1 == TwilioWebhooks.emptyTwiML)
            #expect(first.2.contentType?.subType == "xml")
            // Persisted as a durable job before the 200; the message is made by the job.
            #expect(try await JobRow.query(on: s.app.db).filter(\.$kind == "inbound.receive").count() == 1)
            // Twilio retries while the job waits: 200 and nothing new.
            let again = try await s.inbound(from: "+919812345678", text: "Namaste 🙏 सीमेंट है?", sid: sid)
            #expect(again.0 == .ok)
            #expect(try await JobRow.query(on: s.app.db).filter(\.$kind == "inbound.receive").count() == 1)
            try await s.app.jobs.drain(app: s.app, maxJobs: 1)
            #expect(try await s.count(Message.self) == 1)
            #expect(try await JobRow.query(on: s.app.db).filter(\.$kind == "inbound.route").count() == 1)
            // And a retry after the job ran: its job finds the message and stores nothing.
            let late = try await s.inbound(from: "+919812345678", text: "Namaste 🙏 सीमेंट है?", sid: sid)
            #expect(late.0 == .ok)
            try await s.drain()
            #expect(try await Message.query(on: s.app.db).filter(\.$direction == .inbound).count() == 1)
            #expect(try await JobRow.query(on: s.app.db).filter(\.$kind == "inbound.receive").count() == 0)

            let fields: [(String, String)] = [("From", "whatsapp:+919800000001"), ("Body", "hi"), ("MessageSid", "SMforged1")]
            // Forged: signed with another token.
            #expect(try await s.webhook(fields, token: "00000000000000000000000000000000").0 == .forbidden)
            // Replayed against a different URL (a valid signature for another channel's path).
            #expect(try await s.webhook(fields, signURL: "\(publicBase)/webhooks/twilio/\(UUID().uuidString.lowercased())").0 == .forbidden)
            // Tampered body after signing.
            let signed = s.signer.signedForm(path: s.hookPath, fields)
            var headers = HTTPHeaders()
            headers.contentType = .urlEncodedForm
            headers.add(name: "X-Twilio-Signature", value: signed.signature)
            try await s.app.testing().test(.POST, s.hookPath, headers: headers,
                                           body: ByteBuffer(string: signed.body.replacingOccurrences(of: "hi", with: "yo"))) { res in
                #expect(res.status == .forbidden)
            }
            // No signature at all.
            try await s.app.testing().test(.POST, s.hookPath, headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                           body: ByteBuffer(string: signed.body)) { res in
                #expect(res.status == .forbidden)
            }
            // Unknown channel.
            #expect(try await s.webhook(fields, path: "/webhooks/twilio/\(UUID().uuidString.lowercased())").0 == .notFound)
            #expect(try await s.webhook(fields, path: "/webhooks/twilio/not-a-uuid").0 == .notFound)
            // Missing fields (validly signed).
            #expect(try await s.webhook([("Body", "no sid")]).0 == .unprocessableEntity)
            // Huge body.
            let huge = String(repeating: "x", count: 100_000)
            #expect(try await s.webhook([("From", "whatsapp:+919800000001"), ("Body", huge), ("MessageSid", "SMhuge")]).0 == .payloadTooLarge)
            // A query string is part of the signed URL.
            let withQuery = s.hookPath + "?source=test&x=%C3%A9"
            #expect(try await s.webhook([("From", "whatsapp:+919800000002"), ("Body", "q"), ("MessageSid", "SMquery1")], path: withQuery).0 == .ok)
            try await s.drain()
            #expect(try await Message.query(on: s.app.db).filter(\.$direction == .inbound).count() == 2)
        }
    }

    /// The webhook keeps each channel's token in memory for a few seconds (`WebhookChannelCache`).
    /// A token rotated by another instance works at once (a signature that fails against the
    /// cached token is checked against the database) and the old one stops; changes made here
    /// (new credentials, delete) drop the entry at once; a delivery accepted for a channel
    /// another instance deleted inside that window is dropped by its job.
    static func webhookChannelCache(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            // A window no slow test machine outlasts; the end of the window is checked below.
            s.app.webhookChannels = WebhookChannelCache(ttl: .seconds(3600))
            #expect(try await s.inbound(from: "+919812300001", text: "one").0 == .ok)  // caches the token
            let id = try #require(UUID(uuidString: s.channelID))
            #expect(s.app.webhookChannels.fresh(id, now: .now)?.authToken == FakeTwilio.authToken)

            // Another instance rotates the token: the row changes, this cache is not told.
            let rotated = "fedcba9876543210fedcba9876543210"
            let creds = ChannelCredentials(accountSid: FakeTwilio.accountSID, authToken: rotated, fromNumber: "+14155238886")
            try await App.Channel.query(on: s.app.db).filter(\.$id == id).set(\.$credentials, to: try s.app.vault.seal(json: creds)).update()
            let fields: [(String, String)] = [("From", "whatsapp:+919812300002"), ("Body", "two"), ("MessageSid", "SMrotated1")]
            #expect(try await s.webhook(fields, token: rotated).0 == .ok, "the new token works at once")
            #expect(try await s.webhook([("From", "whatsapp:+919812300003"), ("Body", "three"), ("MessageSid", "SMold1")]).0 == .forbidden,
                    "the old token stops working")

            // Replaced here through the API: the entry is dropped, the next delivery reads the row.
            let back = try await s.client.send(.PATCH, "/api/v1/channels/\(s.channelID)", json: ["credentials": [
                "account_sid": FakeTwilio.accountSID, "auth_token": FakeTwilio.authToken, "from_number": "+14155238886"]])
            #expect(back.status == .ok, "\(back.body)")
            #expect(s.app.webhookChannels.fresh(id, now: .now) == nil)
            #expect(try await s.inbound(from: "+919812300004", text: "four").0 == .ok)

            try await s.drain()
            #expect(try await Message.query(on: s.app.db).filter(\.$direction == .inbound).count() == 3)

            // Deleted by another instance inside the window: accepted, then dropped by its job.
            try await App.Channel.query(on: s.app.db).filter(\.$id == id).set(\.$deletedAt, to: s.clock.now).update()
            #expect(try await s.inbound(from: "+919812300005", text: "five", sid: "SMafterdelete").0 == .ok)
            try await s.drain()
            #expect(try await Message.query(on: s.app.db).filter(\.$providerID == "SMafterdelete").count() == 0)
            #expect(try await Message.query(on: s.app.db).filter(\.$direction == .inbound).count() == 3)
            // Once the entry is older than its window it is not used; the channel is read again: 404.
            #expect(s.app.webhookChannels.fresh(id, now: .now + s.app.webhookChannels.ttl) == nil)
            s.app.webhookChannels.forget(id)
            #expect(try await s.inbound(from: "+919812300006", text: "six").0 == .notFound)
        }
    }

    /// Many deliveries at once, each Twilio message delivered three times concurrently (retries
    /// racing the original): every request gets 200, each message is stored once, each routed once.
    static func concurrentDeliveries(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            let setup = s
            let sids = (0..<20).map { "SMconc\(String(format: "%026d", $0))" }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
                for (i, sid) in sids.enumerated() {
                    for _ in 0..<3 {
                        group.addTask {
                            try await setup.inbound(from: "+9198765400\(String(format: "%02d", i % 7))", text: "order \(i)", sid: sid).0
                        }
                    }
                }
                var all: [HTTPResponseStatus] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.count == 60)
            #expect(statuses.allSatisfy { $0 == .ok })
            #expect(try await JobRow.query(on: s.app.db).filter(\.$kind == "inbound.receive").count() == 20)
            try await s.drain()
            let messages = try await Message.query(on: s.app.db).filter(\.$direction == .inbound).all()
            #expect(messages.count == 20)
            #expect(Set(messages.compactMap(\.providerID)) == Set(sids))
            #expect(try await InboxSession.query(on: s.app.db).count() == 7)
            #expect(messages.allSatisfy { $0.routedAt != nil })
            #expect(try await JobRow.query(on: s.app.db).count() == 0, "every job ran and finished")
        }
    }

    /// The webhook's form decoder agrees with Foundation's percent decoding (what Twilio's
    /// signature is computed over) on crafted and random bodies, malformed escapes included.
    static func formDecoding() {
        func reference(_ body: String) -> [(String, String)] {
            body.split(separator: "&", omittingEmptySubsequences: true).map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                func dec(_ s: Substring) -> String {
                    let plus = s.replacingOccurrences(of: "+", with: " ")
                    return plus.removingPercentEncoding ?? plus
                }
                return (dec(parts[0]), parts.count > 1 ? dec(parts[1]) : "")
            }
        }
        var bodies = ["", "a", "a=", "=b", "a=b&&c=d", "Body=Namaste%21+%E0%A4%B8%E0%A5%80", "x=%", "x=%2", "x=%zz&y=1",
                      "x=a%2Bb+c", "k%3D=v%26w", "a=1=2", "emoji=%F0%9F%99%8F", "&&&", "a=%e2%82%b9350"]
        var g = SystemRandomNumberGenerator()
        let alphabet = Array("ab=&+%0123456789ABCDEFfz ").map(String.init) + ["%E0%A4", "%C3%A9", "🙏"]
        for _ in 0..<2_000 {
            bodies.append((0..<Int.random(in: 0...24, using: &g)).map { _ in alphabet.randomElement(using: &g)! }.joined())
        }
        for body in bodies {
            let ours = TwilioClient.formDecode(body), theirs = reference(body)
            // Foundation repairs invalid UTF-8 in some bodies with U+FFFD and gives up on others;
            // ours always leaves such a component as sent. Twilio only ever sends valid UTF-8.
            if theirs.contains(where: { $0.0.contains("\u{FFFD}") || $0.1.contains("\u{FFFD}") }) { continue }
            #expect(ours.map(\.0) == theirs.map(\.0), "names of \(body)")
            #expect(ours.map(\.1) == theirs.map(\.1), "values of \(body)")
        }
        #expect(TwilioClient.formDecode("x=%FF%FE+y").map(\.1) == ["%FF%FE y"])
    }

    /// The hand-written job payload of a delivery reads back as the same delivery, whatever the
    /// text holds (quotes, backslashes, control characters, line separators, emoji, Devanagari).
    static func deliveryPayloadRoundTrip() throws {
        let texts = ["", "plain", "quote \" and \\ backslash", "tab\tnew\nline\r\u{0}\u{1F}\u{7F}", "\u{2028}\u{2029}",
                     "नमस्ते 🙏 ₹350", "{\"json\": [1, 2]}", "</script>"]
        for (i, text) in texts.enumerated() {
            let media = i % 2 == 0 ? [] : [MediaRef(url: "https://api.twilio.com/m/\(i)?a=\"b\"", contentType: i % 3 == 0 ? nil : "image/jpeg"),
                                           MediaRef(url: text, contentType: text)]
            let d = TwilioWebhooks.Delivery(channelID: UUID(), from: "whatsapp:+91981234567\(i)", name: i == 3 ? nil : text, body: text,
                                            messageSid: "SM\(i)\(text)", media: media, receivedAt: Date(timeIntervalSince1970: 1_795_000_000.123 + Double(i)))
            // Through the jobs table: the hand-written text is decoded by the job's coder.
            let back = try JobCoders.decode(TwilioWebhooks.Delivery.self, d.jobText)
            #expect(back.channelID == d.channelID)
            #expect(back.from == d.from)
            #expect(back.name == d.name)
            #expect(back.body == d.body)
            #expect(back.messageSid == d.messageSid)
            #expect(back.media == d.media)
            #expect(abs(back.receivedAt.timeIntervalSince(d.receivedAt)) < 0.000_01)
        }
    }

    // MARK: routing, bot and outbox

    /// Setup shared by the customer-bot tests: a catalog (Cement bag ₹350, Steel rod ₹90), the
    /// business's hours and address, and the customer Asha Stores (+919812345678) with an issued
    /// invoice for 2 steel rods. Returns the customer's id.
    private static func shopWithCustomer(_ s: Setup) async throws -> String {
        _ = try await s.client.product("Cement bag", price: 35_000, stock: 20)
        _ = try await s.client.send(.PATCH, "/api/v1/business", json: ["hours": "Mon–Sat 9:00–20:00", "address": "12 MG Road, Pune"])
        let customer = try await s.client.customer("Asha Stores", phone: "+919812345678")
        let product = try await s.client.product("Steel rod", price: 9_000, stock: 100)
        _ = try await s.client.issueInvoice(customer: customer, lines: [(product, 2)])
        return customer
    }

    /// The shop of `shopWithCustomer` after Asha Stores asked about cement and the bot answered.
    /// Returns the inbox session's id.
    private static func customerAskedAboutCement(_ s: Setup) async throws -> String {
        _ = try await shopWithCustomer(s)
        _ = try await s.inbound(from: "+919812345678", text: "do you have cement? what is the price")
        try await s.drain()
        return try #require(try await s.client.send(.GET, "/api/v1/inbox/sessions").items.first?["id"] as? String)
    }

    /// A customer's first message opens an inbox session linked to their ledger customer, and the
    /// bot's answer (the product and its price) goes out through Twilio's REST API, checked
    /// against the official spec.
    static func customerBotAnswersThroughTwilio(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            // setup
            let customer = try await shopWithCustomer(s)

            // act
            _ = try await s.inbound(from: "+919812345678", text: "do you have cement? what is the price")
            try await s.drain()

            // verify: the session
            let sessions = try await s.client.send(.GET, "/api/v1/inbox/sessions")
            #expect(sessions.items.count == 1)
            let session = try #require(sessions.items.first)
            let sessionID = session["id"] as? String ?? ""
            #expect((session["contact"] as? [String: Any])?["name"] as? String == "Asha")
            #expect((session["contact"] as? [String: Any])?["customer_id"] as? String == customer)
            #expect(session["unread_count"] as? Int == 1)
            #expect(session["bot_active"] as? Bool == true)

            // verify: the bot's reply went out through Twilio's REST API
            let sent = try #require(s.twilio.sent.first)
            #expect(sent.value("To") == "whatsapp:+919812345678")
            #expect(sent.value("From") == "whatsapp:+14155238886")
            #expect(sent.value("Body")?.contains("Cement bag") == true)
            #expect(sent.value("Body")?.contains("350") == true)
            #expect(sent.value("StatusCallback") == "\(publicBase)/webhooks/twilio/\(s.channelID.lowercased())/status")

            // verify: the thread holds both, the reply queued
            let messages = try await s.client.send(.GET, "/api/v1/inbox/sessions/\(sessionID)/messages")
            #expect(messages.items.count == 2)
            #expect(messages.items.last?["author"] as? String == "bot")
            #expect(messages.items.last?["status"] as? String == "queued")
            try await s.twilio.validateAgainstSpec()
        }
    }

    /// Delivery ticks come from Twilio's status callbacks; out-of-order callbacks never move a
    /// message's status back, and a callback with a bad signature changes nothing.
    static func customerBotDeliveryTicks(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            // setup: the bot's reply is out
            let sessionID = try await customerAskedAboutCement(s)
            let sent = try #require(s.twilio.sent.first)

            // act + verify: callbacks out of order
            #expect(try await s.statusCallback(sent.sid, "sent") == .noContent)
            #expect(try await s.statusCallback(sent.sid, "read") == .noContent)
            #expect(try await s.statusCallback(sent.sid, "delivered") == .noContent)

            // verify: the status never moved back
            let messages = try await s.client.send(.GET, "/api/v1/inbox/sessions/\(sessionID)/messages")
            #expect(messages.items.last?["status"] as? String == "read")

            // act + verify: a callback with a bad signature is refused
            #expect(try await s.webhook([("MessageSid", sent.sid), ("MessageStatus", "failed")], path: s.hookPath + "/status",
                                        token: "11111111111111111111111111111111").0 == .forbidden)
            try await s.twilio.validateAgainstSpec()
        }
    }

    /// The bot answers a customer's balance, and the hours and address from the settings; a
    /// customer can never run owner commands: no invoice appears and no assistant card is made.
    static func customerBotAnswersButNeverRunsOwnerCommands(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            // setup
            _ = try await shopWithCustomer(s)

            // act: balance, hours and address
            _ = try await s.inbound(from: "+919812345678", text: "what is my balance? and your timings and address")
            try await s.drain()

            // verify
            let answer = try #require(s.twilio.sent.last?.value("Body"))
            #expect(answer.contains("180"))
            #expect(answer.contains("Mon–Sat 9:00–20:00"))
            #expect(answer.contains("12 MG Road"))

            // act: an owner command from a customer
            let invoicesBefore = try await s.count(Invoice.self)
            _ = try await s.inbound(from: "+919812345678", text: "sold 5 bags cement to Asha Stores at 350, paid 1000")
            try await s.drain()

            // verify: no invoice appears
            #expect(try await s.count(Invoice.self) == invoicesBefore)
            #expect(try await AssistantCard.query(on: s.app.db).count() == 0)
            try await s.twilio.validateAgainstSpec()
        }
    }

    /// Asking for a person hands off: the bot turns off and stays quiet, a person replies from the
    /// inbox through Twilio, and the thread can be marked read.
    static func customerBotHandsOffToStaff(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            // setup
            let sessionID = try await customerAskedAboutCement(s)

            // act: hand-off
            _ = try await s.inbound(from: "+919812345678", text: "I want to talk to a person")
            try await s.drain()

            // verify: the bot is off and stays quiet
            let after = try await s.client.send(.GET, "/api/v1/inbox/sessions/\(sessionID)")
            #expect(after["bot_active"] as? Bool == false)
            let botReplies = s.twilio.sent.count
            _ = try await s.inbound(from: "+919812345678", text: "hello?")
            try await s.drain()
            #expect(s.twilio.sent.count == botReplies, "the bot stays quiet after a hand-off")

            // act: a person replies from the inbox
            let reply = try await s.client.send(.POST, "/api/v1/inbox/sessions/\(sessionID)/messages", json: ["text": "Hi Asha, Ravi here."])

            // verify
            #expect(reply.status == .accepted)
            #expect(reply["status"] as? String == "queued")
            #expect(reply["author"] as? String == "staff")
            try await s.drain()
            #expect(s.twilio.sent.last?.value("Body") == "Hi Asha, Ravi here.")

            // act + verify: mark read
            let read = try await s.client.send(.POST, "/api/v1/inbox/sessions/\(sessionID)/read")
            #expect(read["unread_count"] as? Int == 0)
            try await s.twilio.validateAgainstSpec()
        }
    }

    static func ownerRunsTheBooksOverWhatsApp(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            _ = try await s.client.send(.PATCH, "/api/v1/business", json: ["whatsapp_number": "+919900000001"])
            _ = try await s.client.product("Cement bag", price: 35_000, stock: 20)
            _ = try await s.client.customer("Ramesh")
            _ = try await s.inbound(from: "+919900000001", text: "sold 2 bags cement to Ramesh at 350, he paid 500", name: "Owner")
            try await s.drain()
            let card = try #require(s.twilio.sent.last?.value("Body"))
            #expect(card.contains("Reply 1 to confirm, 2 to cancel") && card.contains("\nTotal: ₹"), "\(card)")
            #expect(card.contains("700"))
            #expect(card.contains("• 2 bag Cement bag = ₹700.00"), "\(card)")
            #expect(try await s.count(Invoice.self) == 0)
            _ = try await s.inbound(from: "+919900000001", text: "1", name: "Owner")
            try await s.drain()
            #expect(try await s.count(Invoice.self) == 1)
            let done = try #require(s.twilio.sent.last?.value("Body"))
            #expect(done.contains("INV-0001"))
            // "1" again confirms nothing new: the card is closed.
            _ = try await s.inbound(from: "+919900000001", text: "1", name: "Owner")
            try await s.drain()
            #expect(try await s.count(Invoice.self) == 1)
            // The owner's thread is marked and has no customer bot.
            let sessions = try await s.client.send(.GET, "/api/v1/inbox/sessions")
            #expect(sessions.items.first?["is_owner"] as? Bool == true)
            #expect(sessions.items.first?["bot_active"] as? Bool == false)

            // A staff member's number reaches the assistant too; cancelling with 2 writes nothing.
            let staff = try await s.client.send(.POST, "/api/v1/staff", json: ["email": "ravi-\(UUID().uuidString.prefix(6))@example.com",
                                                                               "name": "Ravi", "whatsapp_number": "+919900000002"])
            #expect(staff.status == .created)
            _ = try await s.inbound(from: "+919900000002", text: "received 200 from Ramesh", name: "Ravi")
            try await s.drain()
            #expect(s.twilio.sent.last?.value("Body")?.contains("Reply 1 to confirm") == true)
            _ = try await s.inbound(from: "+919900000002", text: "2", name: "Ravi")
            try await s.drain()
            #expect(try await s.count(Payment.self) == 1, "only the invoice's upfront payment exists")
        }
    }

    /// Runs `body` with a fake Twilio and a speech-to-text server of its own (a fake OpenAI-style
    /// transcription endpoint, no key), the owner's WhatsApp number set to +919900000001.
    private static func withSpeechToText(_ db: TestDB, _ body: (FakeOpenAI, inout Setup) async throws -> Void) async throws {
        let stt = FakeOpenAI()
        try await stt.start()
        do {
            try await withTwilio(db, configure: { $0.sttBaseURL = stt.baseURL }) { s in
                _ = try await s.client.send(.PATCH, "/api/v1/business", json: ["whatsapp_number": "+919900000001"])
                try await body(stt, &s)
            }
        } catch {
            try? await stt.stop()
            throw error
        }
        try await stt.stop()
    }

    /// Posts a Twilio-signed WhatsApp voice note (no text, one media URL) and runs the jobs it
    /// queues.
    private static func sendVoiceNote(_ s: Setup, _ url: String, from: String = "+919900000001", type: String = "audio/ogg",
                                      settle: Bool = false) async throws {
        let sid = "MM" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let (status, _, _) = try await s.webhook([("From", "whatsapp:\(from)"), ("To", "whatsapp:+14155238886"), ("Body", ""),
                                                  ("MessageSid", sid), ("NumMedia", "1"), ("MediaUrl0", url), ("MediaContentType0", type),
                                                  ("ProfileName", "Owner"), ("WaId", String(from.dropFirst())),
                                                  ("AccountSid", FakeTwilio.accountSID)])
        #expect(status == .ok)
        if settle { try await s.settle() } else { try await s.drain() }
    }

    /// Issue 18 §1: the owner speaks, the books are kept. A Twilio-signed voice note from the
    /// owner's number is downloaded with the account's credentials, heard by a speech-to-text
    /// server of its own (no LLM, no key), and answered like typed text with what was heard first;
    /// the inbox keeps the audio, shows what was heard, and plays it to its own business only.
    static func ownerVoiceNoteIsHeardAndKept(_ db: TestDB) async throws {
        try await withSpeechToText(db) { stt, s in
            // setup
            _ = try await s.client.product("Cement bag", price: 35_000, stock: 20)
            _ = try await s.client.customer("Ramesh")
            stt.transcript = "sold 2 bags cement to Ramesh at 350, he paid 500"
            let ogg = Data("OggS".utf8) + Data(repeating: 7, count: 20_000)

            // act: the owner's voice note
            try await sendVoiceNote(s, s.twilio.addMedia(ogg, contentType: "audio/ogg"))

            // verify: heard and answered with a card
            let card = try #require(s.twilio.sent.last?.value("Body"))
            #expect(card.hasPrefix("Heard: “sold 2 bags cement to Ramesh at 350, he paid 500”"), "\(card)")
            #expect(card.contains("Reply 1 to confirm, 2 to cancel"))
            #expect(stt.transcriptionForms.count == 1)
            #expect(stt.transcriptionForms.first?["file"] == "<voice-note.ogg, \(ogg.count) bytes>")
            #expect(stt.transcriptionAuthorizations == [nil], "no key is configured, so none is sent")

            // act: the owner confirms
            _ = try await s.inbound(from: "+919900000001", text: "1", name: "Owner")
            try await s.drain()

            // verify
            #expect(try await s.count(Invoice.self) == 1)
            #expect(s.twilio.sent.last?.value("Body")?.contains("INV-0001") == true)

            // verify: the inbox keeps the audio and shows what was heard
            let sessionID = try #require(try await s.client.send(.GET, "/api/v1/inbox/sessions").items.first?["id"] as? String)
            let heard = try await s.client.send(.GET, "/api/v1/inbox/sessions/\(sessionID)/messages").items
                .first { ($0["media"] as? [[String: Any]])?.isEmpty == false }
            #expect(heard?["transcript"] as? String == stt.transcript)
            #expect(heard?["error_code"] is NSNull)

            // act: play its audio in the inbox (fetched from Twilio by the server, served inline)
            let heardID = try #require(heard?["id"] as? String)
            let played = try await s.client.send(.GET, "/api/v1/inbox/messages/\(heardID)/media/0")

            // verify
            #expect(played.status == .ok)
            #expect(played.headers.first(name: .contentType) == "audio/ogg")
            #expect(played.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(Data(played.body.utf8) == ogg, "the bytes Twilio holds (ASCII here, so the text body carries them)")
            #expect(try await s.client.send(.GET, "/api/v1/inbox/messages/\(heardID)/media/1").status == .notFound)
            #expect(try await s.client.send(.GET, "/api/v1/inbox/messages/\(heardID)/media/x").status == .badRequest)
            var stranger = APIClient(s.app)
            try await stranger.signup()
            #expect(try await stranger.send(.GET, "/api/v1/inbox/messages/\(heardID)/media/0").status == .notFound)
            try await s.twilio.validateAgainstSpec()
        }
    }

    /// Issue 18's scene, end to end: a Twilio-signed Hindi voice note from the owner → transcript
    /// in Devanagari → card → "1" → invoice issued, with "Reply 3" offered → "3" → the customer,
    /// who never wrote, receives the invoice through the approved template. Then "Ramesh ko bill
    /// bhejo" typed: a preview card, "1", and the bill goes again.
    static func ownerSendsTheBillFromWhatsApp(_ db: TestDB) async throws {
        try await withSpeechToText(db) { stt, s in
            // setup: a product, Ramesh with a phone, and the approved "invoice sent" template
            _ = try await s.client.product("Cement", price: 35_000, stock: 20)
            _ = try await s.client.customer("Ramesh", phone: "+919822012345")
            let sid = "HX" + String(repeating: "d4", count: 16)
            let t = try await s.client.send(.POST, "/api/v1/whatsapp/templates", json: [
                "purpose": "invoice_sent", "content_sid": sid, "language": "en",
                "variables": ["1": "customer_name", "2": "invoice_number", "3": "business_name", "4": "invoice_total", "5": "document_link",
                              "6": "document_path"]])
            #expect(t.status == .created, "\(t.body)")
            stt.transcript = "रमेश को 2 बोरी सीमेंट 350 में बेचा"

            // act: the voice note, then "1"
            try await sendVoiceNote(s, s.twilio.addMedia(Data("OggS".utf8) + Data(repeating: 1, count: 5_000), contentType: "audio/ogg"),
                                    settle: true)
            let card = try #require(s.twilio.sent.last?.value("Body"))
            // … a Devanagari message is answered in Devanagari
            #expect(card.hasPrefix("सुना: “रमेश को 2 बोरी सीमेंट 350 में बेचा”") && card.contains("पक्का करने के लिए 1, रद्द करने के लिए 2 लिखिए।") && card.contains("\nकुल: ₹"), "\(card)")
            _ = try await s.inbound(from: "+919900000001", text: "1", name: "Owner")
            try await s.settle()

            // verify: issued, and the reply offers to send it
            #expect(try await s.count(Invoice.self) == 1)
            let confirmed = try #require(s.twilio.sent.last?.value("Body"))
            #expect(confirmed.hasPrefix("बिल INV-0001 Ramesh के नाम बन गया।") && confirmed.hasSuffix("INV-0001 Ramesh को WhatsApp पर भेजने के लिए 3 लिखिए।"),
                    "\(confirmed)")

            // act: "3"
            _ = try await s.inbound(from: "+919900000001", text: "3", name: "Owner")
            try await s.settle()

            // verify: Ramesh gets the template (he never wrote); the owner is told
            let toRamesh = try #require(s.twilio.sent.last(where: { $0.value("To") == "whatsapp:+919822012345" }))
            #expect(toRamesh.value("ContentSid") == sid)
            let vars = try JSONSerialization.jsonObject(with: Data((toRamesh.value("ContentVariables") ?? "").utf8)) as? [String: String]
            #expect(vars?["1"] == "Ramesh" && vars?["2"] == "INV-0001" && vars?["4"] == "₹700.00" && vars?["5"]?.contains("/p/invoices/") == true,
                    "\(vars ?? [:])")
            // …and the link's path alone, for a media template whose URL is https://<this server>/{{6}}
            #expect(vars?["6"]?.hasPrefix("p/invoices/") == true && vars?["5"]?.hasSuffix("/" + (vars?["6"] ?? "-")) == true, "\(vars ?? [:])")
            #expect(s.twilio.sent.last(where: { $0.value("To") == "whatsapp:+919900000001" })?.value("Body")
                    == "INV-0001 is on its way to Ramesh on WhatsApp, with the PDF.")

            // verify: the offer is used up; "3" again is just a message to the assistant
            let sentBefore = s.twilio.sent.filter { $0.value("To") == "whatsapp:+919822012345" }.count
            _ = try await s.inbound(from: "+919900000001", text: "3", name: "Owner")
            try await s.settle()
            #expect(s.twilio.sent.filter { $0.value("To") == "whatsapp:+919822012345" }.count == sentBefore)

            // act: typed in Hinglish, then "1"
            _ = try await s.inbound(from: "+919900000001", text: "Ramesh ko bill bhejo", name: "Owner")
            try await s.settle()
            let preview = try #require(s.twilio.sent.last?.value("Body"))
            #expect(preview.contains("INV-0001") && preview.contains("Pakka karne ke liye 1, cancel ke liye 2 likhiye."), "\(preview)")
            _ = try await s.inbound(from: "+919900000001", text: "1", name: "Owner")
            try await s.settle()

            // verify: sent again, and the owner told
            #expect(s.twilio.sent.filter { $0.value("To") == "whatsapp:+919822012345" }.count == sentBefore + 1)
            #expect(s.twilio.sent.last(where: { $0.value("To") == "whatsapp:+919900000001" })?.value("Body")?
                .contains("INV-0001 Ramesh ko WhatsApp par bhej diya.") == true, "asked in Hinglish, answered in Hinglish")

            // a Hindi-speaking shop gets the offer and the confirmation in Hinglish
            _ = try await s.client.send(.PATCH, "/api/v1/business", json: ["preferred_language": "hi"])
            _ = try await s.inbound(from: "+919900000001", text: "Ramesh ko 1 bori cement 350 me becha", name: "Owner")
            try await s.settle()
            _ = try await s.inbound(from: "+919900000001", text: "1", name: "Owner")
            try await s.settle()
            let offered = s.twilio.sent.last(where: { $0.value("To") == "whatsapp:+919900000001" })?.value("Body") ?? ""
            #expect(offered.hasSuffix("INV-0002 Ramesh ko WhatsApp par bhejne ke liye 3 likhiye."), "\(offered)")
            _ = try await s.inbound(from: "+919900000001", text: "3", name: "Owner")
            try await s.settle()
            #expect(s.twilio.sent.last(where: { $0.value("To") == "whatsapp:+919900000001" })?.value("Body")
                    == "INV-0002 Ramesh ko WhatsApp par PDF ke saath bhej diya.")
            try await s.twilio.validateAgainstSpec()
        }
    }

    /// A voice note that cannot be heard gets a clear reply and stays in the inbox, whatever the
    /// reason: Twilio refuses the download, the audio is too large, it is not audio, or the
    /// speech-to-text server fails on every attempt (retried with backoff, then told). Nothing is
    /// recorded.
    static func voiceNoteFailuresGetClearReplies(_ db: TestDB) async throws {
        try await withSpeechToText(db) { stt, s in
            // setup
            let ogg = Data("OggS".utf8) + Data(repeating: 7, count: 20_000)
            var expected = 0
            func failed(_ reply: String) async throws {
                expected += 1
                let body = s.twilio.sent.last?.value("Body") ?? ""
                #expect(body.hasPrefix("I could not understand that voice note.") && body.contains(reply), "\(body)")
                let sessionID = try #require(try await s.client.send(.GET, "/api/v1/inbox/sessions").items
                    .first { $0["is_owner"] as? Bool == true }?["id"] as? String)
                let voiceNotes = try await s.client.send(.GET, "/api/v1/inbox/sessions/\(sessionID)/messages").items
                    .filter { ($0["media"] as? [[String: Any]])?.isEmpty == false }
                #expect(voiceNotes.count == expected)
                #expect(voiceNotes.last?["error_code"] as? String == "transcription_failed")
                #expect(voiceNotes.last?["transcript"] is NSNull)
            }

            // act + verify: Twilio refuses the download (the auth token was rotated at Twilio)
            s.twilio.refuseMedia(true)
            try await sendVoiceNote(s, s.twilio.addMedia(ogg, contentType: "audio/ogg"))
            try await failed("Twilio refused the download")
            s.twilio.refuseMedia(false)

            // act + verify: too large
            try await sendVoiceNote(s, s.twilio.addMedia(Data(repeating: 1, count: ChannelAdapters.maxMediaBytes + 1), contentType: "audio/ogg"))
            try await failed("too large")

            // act + verify: not audio
            try await sendVoiceNote(s, s.twilio.addMedia(Data("<html>".utf8), contentType: "text/html"))
            try await failed("not audio")

            // act: the speech-to-text server fails on every attempt
            let before = stt.transcriptionForms.count
            stt.failTranscriptions(Array(repeating: 500, count: 8))
            try await sendVoiceNote(s, s.twilio.addMedia(ogg, contentType: "audio/ogg"))
            for _ in 0..<10 where !(s.twilio.sent.last?.value("Body") ?? "").contains("speech-to-text") {
                s.clock.advance(15 * 60)
                try await s.drain()
            }

            // verify: retried with backoff, then told; nothing recorded
            try await failed("The speech-to-text service did not answer (HTTP 500)")
            #expect(stt.transcriptionForms.count == before + 8, "4 attempts, each with one retry")
            #expect(try await s.count(Invoice.self) == 0, "a voice note that was not heard records nothing")
            try await s.twilio.validateAgainstSpec()
        }
    }

    /// A customer's voice note is heard, and the bot answers what was heard.
    static func customerVoiceNoteAnsweredByBot(_ db: TestDB) async throws {
        try await withSpeechToText(db) { stt, s in
            // setup
            _ = try await s.client.product("Cement bag", price: 35_000, stock: 20)
            stt.transcript = "cement ka rate kya hai"
            let ogg = Data("OggS".utf8) + Data(repeating: 7, count: 20_000)

            // act
            try await sendVoiceNote(s, s.twilio.addMedia(ogg, contentType: "audio/ogg; codecs=opus"), from: "+919812345678")

            // verify
            let customerSession = try #require(try await s.client.send(.GET, "/api/v1/inbox/sessions").items
                .first { $0["is_owner"] as? Bool == false }?["id"] as? String)
            let thread = try await s.client.send(.GET, "/api/v1/inbox/sessions/\(customerSession)/messages").items
            #expect(thread.first?["transcript"] as? String == "cement ka rate kya hai")
            #expect((thread.last?["text"] as? String)?.contains("350") == true, "\(thread.last ?? [:])")
            #expect(thread.last?["author"] as? String == "bot")
            try await s.twilio.validateAgainstSpec()
        }
    }

    /// Without a speech-to-text service the owner's voice note is not downloaded: the owner is told
    /// what to set, and the note is kept.
    static func voiceNoteWithoutSpeechToText(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            // setup
            _ = try await s.client.send(.PATCH, "/api/v1/business", json: ["whatsapp_number": "+919900000001"])
            let url = s.twilio.addMedia(Data("OggS".utf8), contentType: "audio/ogg")

            // act
            _ = try await s.webhook([("From", "whatsapp:+919900000001"), ("To", "whatsapp:+14155238886"), ("Body", ""),
                                     ("MessageSid", "MM" + String(repeating: "1", count: 32)), ("NumMedia", "1"), ("MediaUrl0", url),
                                     ("MediaContentType0", "audio/ogg"), ("AccountSid", FakeTwilio.accountSID)])
            try await s.drain()

            // verify
            #expect(s.twilio.sent.last?.value("Body") == VoiceNotes.notSetUp)
            #expect(s.twilio.mediaRequests == 0)
            #expect(try await s.count(Message.self) == 2)
        }
    }

    static func outboxRetriesAndFailures(_ db: TestDB) async throws {
        try await withTwilio(db, maxAttempts: 6) { s in
            _ = try await s.inbound(from: "+919812345678", text: "hello")
            // Twilio is down for a while: the send is retried with backoff, nothing is lost or doubled.
            s.twilio.failNext([503, 503, 500, 429])
            try await s.drain()
            #expect(s.twilio.sent.isEmpty)
            for _ in 0..<10 where s.twilio.sent.isEmpty {
                s.clock.advance(15 * 60)
                try await s.drain()
            }
            #expect(s.twilio.sent.count == 1)
            let outbox = try await OutboxItem.query(on: s.app.db).all()
            #expect(outbox.count == 1)
            #expect(outbox.first?.status == .sent)
            #expect(outbox.first?.attempts == 5)

            // A 4xx fails the message, with Twilio's code and text visible in the inbox.
            let sessionID = try #require(try await s.client.send(.GET, "/api/v1/inbox/sessions").items.first?["id"] as? String)
            s.twilio.failNext([400])
            _ = try await s.client.send(.POST, "/api/v1/inbox/sessions/\(sessionID)/messages", json: ["text": "late reply"])
            try await s.drain()
            let last = try #require(try await s.client.send(.GET, "/api/v1/inbox/sessions/\(sessionID)/messages").items.last)
            #expect(last["status"] as? String == "failed")
            #expect(last["error_code"] as? String == "63016")
            #expect((last["error_message"] as? String)?.contains("more than 24 hours have passed since this customer last wrote") == true,
                    "Twilio's 63016 is explained: \(last["error_message"] ?? "")")
            #expect(s.twilio.sent.count == 1)

            // A failed status callback (undelivered) carries Twilio's error code.
            _ = try await s.client.send(.POST, "/api/v1/inbox/sessions/\(sessionID)/messages", json: ["text": "again"])
            try await s.drain()
            let sid = try #require(s.twilio.sent.last?.sid)
            #expect(try await s.statusCallback(sid, "undelivered", errorCode: "63024") == .noContent)
            let undelivered = try #require(try await s.client.send(.GET, "/api/v1/inbox/sessions/\(sessionID)/messages").items.last)
            #expect(undelivered["status"] as? String == "undelivered")
            #expect(undelivered["error_code"] as? String == "63024")

            // Twilio's 63016 in a status callback is explained the same way.
            _ = try await s.client.send(.POST, "/api/v1/inbox/sessions/\(sessionID)/messages", json: ["text": "and again"])
            try await s.drain()
            let sid2 = try #require(s.twilio.sent.last?.sid)
            #expect(try await s.statusCallback(sid2, "failed", errorCode: "63016") == .noContent)
            let refused = try #require(try await s.client.send(.GET, "/api/v1/inbox/sessions/\(sessionID)/messages").items.last)
            #expect(refused["error_code"] as? String == "63016")
            #expect((refused["error_message"] as? String)?.contains("Register an approved template") == true)
        }
    }

    // MARK: inbox API

    static func inboxListingAndPaging(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            for i in 0..<3 {
                _ = try await s.inbound(from: "+91981234500\(i)", text: "question \(i) about tiles", name: "Contact \(i)")
                try await s.drain()
                s.clock.advance(60)
            }
            for i in 0..<7 {
                _ = try await s.inbound(from: "+919812345000", text: "more \(i)", name: "Contact 0")
                try await s.drain()
                s.clock.advance(60)
            }
            try await s.drain()
            let all = try await s.client.send(.GET, "/api/v1/inbox/sessions")
            #expect(all.items.count == 3)
            #expect((all.items.first?["contact"] as? [String: Any])?["name"] as? String == "Contact 0", "the most recent first")
            #expect(try await s.client.send(.GET, "/api/v1/inbox/sessions?platform=whatsapp").items.count == 3)
            #expect(try await s.client.send(.GET, "/api/v1/inbox/sessions?platform=bluesky").items.isEmpty)
            #expect(try await s.client.send(.GET, "/api/v1/inbox/sessions?platform=fax").status == .unprocessableEntity)
            #expect(try await s.client.send(.GET, "/api/v1/inbox/sessions?q=contact%201").items.count == 1)
            #expect(try await s.client.send(.GET, "/api/v1/inbox/sessions?q=more%206").items.count == 1)
            #expect(try await s.client.send(.GET, "/api/v1/inbox/sessions?limit=2").json["next_cursor"] as? String != nil)
            let first = try #require(all.items.first?["id"] as? String)
            _ = try await s.client.send(.POST, "/api/v1/inbox/sessions/\(first)/read")
            #expect(try await s.client.send(.GET, "/api/v1/inbox/sessions?unread=true").items.count == 2)

            // Messages page both ways: latest first page, older with before, newer with after.
            let page = try await s.client.send(.GET, "/api/v1/inbox/sessions/\(first)/messages?limit=5")
            let seqs = page.items.compactMap { $0["seq"] as? Int }
            #expect(seqs == seqs.sorted())
            #expect(seqs.count == 5)
            let older = try #require(page.json["older_cursor"] as? String)
            let olderPage = try await s.client.send(.GET, "/api/v1/inbox/sessions/\(first)/messages?limit=100&before=\(older)")
            #expect(olderPage.items.count == 16 - 5)
            #expect(olderPage.json["older_cursor"] is NSNull)
            let newer = try #require(page.json["newer_cursor"] as? String)
            #expect(try await s.client.send(.GET, "/api/v1/inbox/sessions/\(first)/messages?after=\(newer)").items.isEmpty)
            _ = try await s.inbound(from: "+919812345000", text: "newest", name: "Contact 0")
            try await s.app.jobs.drain(app: s.app, maxJobs: 1)  // stores it; routing (the bot's reply) waits
            let fresh = try await s.client.send(.GET, "/api/v1/inbox/sessions/\(first)/messages?after=\(newer)")
            #expect(fresh.items.map { $0["text"] as? String } == ["newest"])
            #expect(try await s.client.send(.GET, "/api/v1/inbox/sessions/\(first)/messages?before=x").errorCode == "invalid_cursor")  // issue 14

            // Bot toggle, and validation.
            let off = try await s.client.send(.POST, "/api/v1/inbox/sessions/\(first)/bot", json: ["active": false])
            #expect(off["bot_active"] as? Bool == false)
            let before = try await s.count(Message.self)
            #expect(try await s.client.send(.POST, "/api/v1/inbox/sessions/\(first)/messages", json: ["text": "  "]).status == .unprocessableEntity)
            #expect(try await s.count(Message.self) == before)

            // Another business sees none of it.
            var other = APIClient(s.app)
            try await other.signup()
            #expect(try await other.send(.GET, "/api/v1/inbox/sessions").items.isEmpty)
            #expect(try await other.send(.GET, "/api/v1/inbox/sessions/\(first)/messages").status == .notFound)
            #expect(try await other.send(.POST, "/api/v1/inbox/sessions/\(first)/messages", json: ["text": "x"]).status == .notFound)
            #expect(try await other.send(.POST, "/api/v1/inbox/sessions/\(first)/bot", json: ["active": true]).status == .notFound)
        }
    }

    // MARK: simulator and reminders

    static func simulatorAndReminders(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var client = APIClient(app)
            try await client.signup()
            _ = try await client.product("Cement bag", price: 35_000, stock: 20)
            // As the owner without a number: a clear 422.
            let noNumber = try await client.send(.POST, "/api/v1/simulator/messages", json: ["text": "stock of cement", "as_owner": true])
            #expect(noNumber.status == .unprocessableEntity)
            #expect(noNumber.errorCode == "owner_number_missing")

            let r = try await client.send(.POST, "/api/v1/simulator/messages", json: ["from": "+919811111111", "name": "Meena", "text": "price of cement?"])
            #expect(r.status == .accepted)
            let sessionID = try #require(r["session_id"] as? String)
            try await app.jobs.drain(app: app)
            let messages = try await client.send(.GET, "/api/v1/inbox/sessions/\(sessionID)/messages")
            #expect(messages.items.count == 2)
            #expect(messages.items.last?["status"] as? String == "delivered")
            #expect((messages.items.last?["text"] as? String)?.contains("Cement bag") == true)

            // As the owner: the assistant answers in the simulator.
            _ = try await client.send(.PATCH, "/api/v1/business", json: ["whatsapp_number": "+919900000001"])
            let owner = try await client.send(.POST, "/api/v1/simulator/messages", json: ["text": "add 5 bags cement", "as_owner": true])
            #expect(owner.status == .accepted)
            try await app.jobs.drain(app: app)
            let ownerMessages = try await client.send(.GET, "/api/v1/inbox/sessions/\(owner["session_id"] as? String ?? "")/messages")
            #expect((ownerMessages.items.last?["text"] as? String)?.contains("Reply 1 to confirm") == true)
            _ = try await client.send(.POST, "/api/v1/simulator/messages", json: ["text": "1", "as_owner": true])
            try await app.jobs.drain(app: app)
            let products = try await client.send(.GET, "/api/v1/products")
            #expect(products.items.first?["stock"] as? Double == 25)

            // Reminders: a customer with a phone and a balance gets one; others get a clear 422.
            let p = try await client.product("Tile", price: 10_000, stock: 10)
            let c = try await client.customer("Kiran", phone: "+919822222222")
            let none = try await client.send(.POST, "/api/v1/customers/\(c)/reminders")
            #expect(none.status == .unprocessableEntity)
            #expect(none.errorCode == "nothing_due")
            _ = try await client.issueInvoice(customer: c, lines: [(p, 3)])
            let sent = try await client.send(.POST, "/api/v1/customers/\(c)/reminders")
            #expect(sent.status == .accepted)
            #expect(((sent["message"] as? [String: Any])?["text"] as? String)?.contains("300") == true)
            let nophone = try await client.customer("No Phone")
            #expect(try await client.send(.POST, "/api/v1/customers/\(nophone)/reminders").errorCode == "no_phone")
        }
    }

    /// Issue 17 §3 / 18 §4: an issued invoice is shared as a message with a signed PDF link — a
    /// wa.me link and a mailto link to open on the owner's phone, or sent with the PDF attached from
    /// the connected WhatsApp channel through the outbox.
    static func shareInvoice(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            // setup: an issued invoice for a customer with a phone and an email, and a draft
            let p = try await s.client.product("Cement bag", price: 35_000, stock: 10)
            let c = try await s.client.customer("Ramesh Traders", phone: "+919822012345")
            _ = try await s.client.send(.PATCH, "/api/v1/customers/\(c)", json: ["email": "ramesh@example.com"])
            let inv = try await s.client.issueInvoice(customer: c, lines: [(p, 2)], payment: 20_000)
            let id = inv["id"] as? String ?? ""
            let draft = try await s.client.send(.POST, "/api/v1/invoices", json: ["customer_id": c, "items": [["product_id": p, "quantity": 1]]])

            // act: the share links
            let share = try await s.client.send(.GET, "/api/v1/invoices/\(id)/share")

            // verify: the message names the number, total and due; the links carry it; the PDF link works signed-out
            #expect(share.status == .ok, "\(share.body)")
            let message = share["message"] as? String ?? ""
            #expect(message.contains("INV-0001") && message.contains("₹700.00") && message.contains("₹500.00 due"), "\(message)")
            let pdfURL = share["pdf_url"] as? String ?? ""
            #expect(message.hasSuffix(pdfURL) && pdfURL.hasPrefix(publicBase + "/p/invoices/"))
            let wa = share["whatsapp_url"] as? String ?? ""
            #expect(wa.hasPrefix("https://wa.me/919822012345?text=Namaste%20Ramesh%20Traders"), "\(wa)")
            #expect(URLComponents(string: wa)?.queryItems?.first(where: { $0.name == "text" })?.value == message)
            let mail = share["email_url"] as? String ?? ""
            #expect(mail.hasPrefix("mailto:ramesh%40example.com?subject=Invoice%20INV-0001"), "\(mail)")
            #expect((share["channel"] as? [String: Any])?["name"] as? String == "Shop WhatsApp")
            let path = String(pdfURL.dropFirst(publicBase.count))
            try await s.app.testing().test(.GET, path) { res in
                #expect(res.status == .ok && res.headers.contentType?.subType == "pdf")
                // framed only by Munim's own pages (Print loads it in a hidden frame)
                #expect(res.headers.first(name: "X-Frame-Options") == "SAMEORIGIN")
                #expect(res.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'self'") == true)
            }
            try await s.app.testing().test(.GET, "/") { res in
                #expect(res.headers.first(name: "X-Frame-Options") == "DENY")
            }
            #expect(try await s.client.send(.GET, "/api/v1/invoices/\(draft["id"] as? String ?? "")/share").errorCode == "invalid_state")

            // act: send it from the WhatsApp channel; the customer has never written (outside the window)
            let early = try await s.client.send(.POST, "/api/v1/invoices/\(id)/send", json: [:])
            #expect(early.status == .accepted, "\(early.body)")
            try await s.drain()

            // verify: nothing reached Twilio; the message failed with the reason and what to do
            #expect(s.twilio.sent.isEmpty)
            let failed = try #require(try await App.Message.find(UUID(uuidString: (early["message"] as? [String: Any])?["id"] as? String ?? ""), on: s.app.db))
            #expect(failed.status == .failed && failed.errorCode == "outside_window")
            #expect(failed.errorMessage?.contains("no approved 'invoice sent' template") == true, "\(failed.errorMessage ?? "")")

            // act: the owner registers an approved template, then sends again
            let sid = "HX" + String(repeating: "b2", count: 16)
            let t = try await s.client.send(.POST, "/api/v1/whatsapp/templates", json: [
                "purpose": "invoice_sent", "content_sid": sid, "language": "en",
                "body": "Namaste {{1}}, invoice {{2}}: {{3}}. PDF: {{4}}",
                "variables": ["1": "customer_name", "2": "invoice_number", "3": "invoice_total", "4": "document_link"]])
            #expect(t.status == .created, "\(t.body)")
            let templated = try await s.client.send(.POST, "/api/v1/invoices/\(id)/send", json: [:])
            try await s.drain()

            // verify: it went as the template with its variables as JSON, and the inbox shows what was read
            let viaTemplate = try #require(s.twilio.sent.last)
            #expect(viaTemplate.value("ContentSid") == sid && viaTemplate.value("Body") == nil && viaTemplate.value("MediaUrl") == nil)
            let vars = try JSONSerialization.jsonObject(with: Data((viaTemplate.value("ContentVariables") ?? "").utf8)) as? [String: String]
            #expect(vars == ["1": "Ramesh Traders", "2": "INV-0001", "3": "₹700.00", "4": pdfURL], "\(vars ?? [:])")
            let shown = try #require(try await App.Message.find(UUID(uuidString: (templated["message"] as? [String: Any])?["id"] as? String ?? ""), on: s.app.db))
            #expect(shown.text == "Namaste Ramesh Traders, invoice INV-0001: ₹700.00. PDF: \(pdfURL)" && shown.status == .queued)

            // act: the customer writes, opening the 24-hour window; the invoice is sent once more
            _ = try await s.inbound(from: "+919822012345", text: "bill bhej do")
            try await s.drain()  // the bot's answer goes first
            let sent = try await s.client.send(.POST, "/api/v1/invoices/\(id)/send", json: [:])
            #expect(sent.status == .accepted, "\(sent.body)")
            try await s.drain()

            // verify: inside the window it goes as text with the PDF as media
            let out = try #require(s.twilio.sent.last(where: { $0.value("MediaUrl") != nil }))
            #expect(out.value("To") == "whatsapp:+919822012345")
            #expect(out.value("Body") == message)
            #expect(out.value("MediaUrl") == pdfURL)
            #expect(out.value("ContentSid") == nil)
            try await s.twilio.validateAgainstSpec()

            // a customer without a phone, and a business without WhatsApp, get clear answers
            let nophone = try await s.client.customer("Walk-in")
            let cash = try await s.client.issueInvoice(customer: nophone, lines: [(p, 1)])
            let noPhoneShare = try await s.client.send(.GET, "/api/v1/invoices/\(cash["id"] as? String ?? "")/share")
            #expect(noPhoneShare["whatsapp_url"] is NSNull && noPhoneShare["email_url"] is NSNull)
            #expect(try await s.client.send(.POST, "/api/v1/invoices/\(cash["id"] as? String ?? "")/send", json: [:]).errorCode == "no_phone")
            #expect(try await s.client.send(.DELETE, "/api/v1/channels/\(s.channelID)").status.code < 300)
            let noChannel = try await s.client.send(.POST, "/api/v1/invoices/\(id)/send", json: [:])
            #expect(noChannel.status == .conflict && noChannel.errorCode == "no_channel", "\(noChannel.body)")
            #expect(try await s.client.send(.GET, "/api/v1/invoices/\(id)/share")["channel"] is NSNull)

            // another business cannot share this invoice
            var other = APIClient(s.app)
            try await other.signup()
            #expect(try await other.send(.GET, "/api/v1/invoices/\(id)/share").status == .notFound)
        }
    }

    /// Issue 18 §3: WhatsApp's 24-hour window decides between text and an approved template;
    /// templates are registered, listed from Twilio's Content API and chosen by language.
    static func windowAndTemplates(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            // setup: a customer who owes money and wrote to the shop once
            let phone = "+919822012345"
            let p = try await s.client.product("Cement bag", price: 35_000, stock: 10)
            let c = try await s.client.customer(#"Ramesh "RK" Traders"#, phone: phone)
            _ = try await s.client.issueInvoice(customer: c, lines: [(p, 2)], payment: 20_000)
            _ = try await s.inbound(from: phone, text: "namaste")
            try await s.drain()
            let before = s.twilio.sent.count
            func remind() async throws -> App.Message {
                let r = try await s.client.send(.POST, "/api/v1/customers/\(c)/reminders", json: [:])
                #expect(r.status == .accepted, "\(r.body)")
                try await s.drain()
                let id = UUID(uuidString: (r["message"] as? [String: Any])?["id"] as? String ?? "")
                return try #require(try await App.Message.find(id, on: s.app.db))
            }

            // act + verify: 23 h 59 min after the customer wrote, the reminder goes as text
            s.clock.advance(23 * 3600 + 59 * 60)
            let inside = try await remind()
            #expect(s.twilio.sent.count == before + 1 && s.twilio.sent.last?.value("Body")?.contains("₹500.00") == true)
            #expect(s.twilio.sent.last?.value("ContentSid") == nil && inside.status == .queued)

            // act + verify: at 24 h 1 min, with no template, it fails before Twilio with the reason
            s.clock.advance(2 * 60)
            let refused = try await remind()
            #expect(s.twilio.sent.count == before + 1)
            #expect(refused.status == .failed && refused.errorCode == "outside_window")
            #expect(refused.errorMessage == "Not sent: more than 24 hours have passed since this customer last wrote, and there is no approved 'payment reminder' template. Add one on Integrations → WhatsApp templates.")
            let row = try #require(try await OutboxItem.query(on: s.app.db).filter(\.$messageID == refused.id!).first())
            #expect(row.status == .failed && row.purpose == "payment_reminder")

            // act: register the English and Hindi templates; the English one is still pending
            let en = "HX" + String(repeating: "e1", count: 16), hi = "HX" + String(repeating: "a2", count: 16)
            let mapping = ["1": "customer_name", "2": "business_name", "3": "amount_due", "4": "payment_link"]
            let created = try await s.client.send(.POST, "/api/v1/whatsapp/templates", json: [
                "purpose": "payment_reminder", "content_sid": en, "language": "en", "status": "pending", "variables": mapping,
                "body": "Namaste {{1}}, a reminder from {{2}}: {{3}} is due. Pay: {{4}}"])
            #expect(created.status == .created && created["name"] as? String == "payment reminder (en)", "\(created.body)")
            let enID = created["id"] as? String ?? ""
            let pending = try await remind()
            #expect(pending.status == .failed && s.twilio.sent.count == before + 1, "a pending template is not used")

            // act: refresh from Twilio, which reports the template approved
            s.twilio.addContent(sid: en, name: "payment_reminder_en", language: "en", body: "Namaste {{1}}, a reminder from {{2}}: {{3}} is due. Pay: {{4}}", status: "approved")
            s.twilio.addContent(sid: "HX" + String(repeating: "c3", count: 16), name: "diwali_offer", language: "hi", body: "Diwali offer {{1}}", status: "rejected")
            s.twilio.addContent(sid: hi, name: "payment_reminder_hi", language: "hi", body: "नमस्ते {{1}}, {{2}}: {{3}} बाकी। {{4}}", status: "approved")
            let listed = try await s.client.send(.GET, "/api/v1/whatsapp/templates/twilio")
            #expect(listed.status == .ok, "\(listed.body)")
            #expect(listed.items.count == 3 && s.twilio.contentRequests == 2, "both pages were read")
            #expect(listed.items.first?["status"] as? String == "approved" && listed.items[1]["rejection_reason"] as? String == "Variables at the start of the body")
            #expect(listed.items.last?["body"] as? String == "नमस्ते {{1}}, {{2}}: {{3}} बाकी। {{4}}")
            let mine = try await s.client.send(.GET, "/api/v1/whatsapp/templates")
            #expect(mine.items.first?["status"] as? String == "approved", "the registered template took Twilio's status")

            // verify: now the reminder goes as the template; its variables are JSON, quotes escaped
            let templated = try await remind()
            let sent = try #require(s.twilio.sent.last)
            #expect(s.twilio.sent.count == before + 2 && sent.value("ContentSid") == en && sent.value("Body") == nil)
            let raw = sent.value("ContentVariables") ?? ""
            #expect(raw.contains(#""1":"Ramesh \"RK\" Traders""#), "\(raw)")
            let vars = try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: String]
            #expect(vars == ["1": #"Ramesh "RK" Traders"#, "2": "Test Traders", "3": "₹500.00", "4": "cash or UPI at the shop"], "no UPI id or link: the shop")
            #expect(templated.text == #"Namaste Ramesh "RK" Traders, a reminder from Test Traders: ₹500.00 is due. Pay: cash or UPI at the shop"#)

            // act: a Hindi-speaking shop registers its Hindi template too
            _ = try await s.client.send(.PATCH, "/api/v1/business", json: ["preferred_language": "hi"])
            let hiT = try await s.client.send(.POST, "/api/v1/whatsapp/templates", json: [
                "purpose": "payment_reminder", "content_sid": hi, "language": "hi", "variables": mapping])
            #expect(hiT.status == .created, "\(hiT.body)")
            _ = try await remind()
            #expect(s.twilio.sent.last?.value("ContentSid") == hi, "the business's language picks the template")

            // verify: the conversation says until when typed replies went (24 h after the customer wrote)
            let sessionItem = try #require(try await s.client.send(.GET, "/api/v1/inbox/sessions").items.first)
            #expect((sessionItem["reply_window_until"] as? String)?.hasPrefix("2026-11-19T11:06:40") == true, "\(sessionItem)")

            // verify: a typed reply outside the window fails with the reason; nothing is sent
            let sessionID = try #require(sessionItem["id"] as? String)
            let count = s.twilio.sent.count
            _ = try await s.client.send(.POST, "/api/v1/inbox/sessions/\(sessionID)/messages", json: ["text": "kal aa jaiye"])
            try await s.drain()
            let typed = try #require(try await s.client.send(.GET, "/api/v1/inbox/sessions/\(sessionID)/messages").items.last)
            #expect(typed["status"] as? String == "failed" && typed["error_code"] as? String == "outside_window")
            #expect((typed["error_message"] as? String)?.contains("A typed reply can go once they write again") == true)
            #expect(s.twilio.sent.count == count)

            // bad input changes nothing; another business sees none of it
            let n = try await WhatsAppTemplate.query(on: s.app.db).count()
            let bad = try await s.client.send(.POST, "/api/v1/whatsapp/templates", json: [
                "purpose": "birthday", "content_sid": "HX12", "variables": ["one": "customer_name"], "status": "great"])
            #expect(bad.status == .unprocessableEntity && Set(bad.fields.keys) == ["purpose", "content_sid", "variables", "status"], "\(bad.body)")
            let badVar = try await s.client.send(.POST, "/api/v1/whatsapp/templates", json: [
                "purpose": "order_shipped", "content_sid": en, "variables": ["1": "amount_due"]])
            #expect(badVar.fields["variables.1"]?.contains("tracking_link") == true, "\(badVar.body)")
            let dup = try await s.client.send(.POST, "/api/v1/whatsapp/templates", json: ["purpose": "payment_reminder", "content_sid": en])
            #expect(dup.status == .conflict && dup.errorCode == "template_exists")
            #expect(try await WhatsAppTemplate.query(on: s.app.db).count() == n)
            var other = APIClient(s.app)
            try await other.signup()
            #expect(try await other.send(.GET, "/api/v1/whatsapp/templates").items.isEmpty)
            #expect(try await other.send(.DELETE, "/api/v1/whatsapp/templates/\(enID)").status == .notFound)
            #expect(try await other.send(.PATCH, "/api/v1/whatsapp/templates/\(enID)", json: ["status": "rejected"]).status == .notFound)
            let noChannel = try await other.send(.GET, "/api/v1/whatsapp/templates/twilio")
            #expect(noChannel.status == .conflict && noChannel.errorCode == "no_channel")

            // the purposes and recommended texts, in English and Hindi
            let purposes = try await s.client.send(.GET, "/api/v1/whatsapp/template-purposes")
            #expect(purposes.items.map { $0["purpose"] as? String ?? "" } == ["payment_reminder", "invoice_sent", "payment_received", "order_shipped", "statement_sent", "approval_request", "sign_in_code", "announcement"])
            for item in purposes.items {
                let langs = (item["recommended"] as? [[String: Any]] ?? []).map { $0["language"] as? String ?? "" }
                #expect(langs == ["en", "hi"])
            }

            // change and remove
            let patched = try await s.client.send(.PATCH, "/api/v1/whatsapp/templates/\(enID)", json: ["status": "paused"])
            #expect(patched["status"] as? String == "paused")
            #expect(try await s.client.send(.DELETE, "/api/v1/whatsapp/templates/\(enID)").status == .noContent)
            #expect(try await s.client.send(.GET, "/api/v1/whatsapp/templates").items.count == 1)

            try await s.twilio.validateAgainstSpec()
        }
    }

    /// The window rule and the template choice on their own (no database): the boundary at
    /// exactly 24 hours, language preference and fallback, empty values, and what is refused.
    static func windowPlan() {
        let wrote = Date(timeIntervalSince1970: 1_795_000_000)
        func template(_ lang: String, _ status: TemplateStatus = .approved, purpose: TemplatePurpose = .paymentReminder) -> WhatsAppTemplate {
            let t = WhatsAppTemplate()
            t.purpose = purpose.rawValue
            t.contentSID = "HX" + String(repeating: lang == "hi" ? "a" : "e", count: 32)
            t.language = lang
            t.status = status
            t.variables = #"{"1":"customer_name","2":"amount_due"}"#
            t.body = "Hi {{1}}, {{2}} due"
            return t
        }
        // Every purpose but the sign-in code, which only "Forgot password" sends.
        #expect(Catalog.whatsappTemplatePurposes == ["none"] + TemplatePurpose.allCases.filter { $0 != .signInCode }.map(\.rawValue),
                "the workflow node offers every purpose a business message can have")
        let values = ["customer_name": "Asha", "amount_due": "₹10.00"]
        func plan(after seconds: TimeInterval, _ templates: [WhatsAppTemplate], language: String = "en", purpose: TemplatePurpose? = .paymentReminder,
                  lastInbound: Date? = wrote, values v: [String: String] = values) -> WhatsAppSendPlan {
            WhatsAppWindow.plan(lastInbound: lastInbound, now: wrote.addingTimeInterval(seconds), purpose: purpose, values: v,
                                templates: templates, preferredLanguage: language)
        }
        #expect(plan(after: 24 * 3600 - 1, []) == .text)
        #expect(plan(after: 0, []) == .text)
        if case .refuse(let code, _) = plan(after: 24 * 3600, []) { #expect(code == "outside_window") } else { Issue.record("exactly 24 h is outside") }
        if case .refuse(_, let m) = plan(after: 0, [], lastInbound: nil) { #expect(m.contains("has not written to the business yet")) }
        else { Issue.record("never wrote: outside") }
        if case .refuse(_, let m) = plan(after: 90_000, [template("en")], purpose: nil) { #expect(m.contains("typed reply")) }
        else { Issue.record("no purpose: refused") }
        if case .refuse = plan(after: 90_000, [template("en", .rejected), template("hi", .pending)]) {} else { Issue.record("only approved ones count") }
        if case .refuse = plan(after: 90_000, [template("en", purpose: .invoiceSent)]) {} else { Issue.record("another purpose's template is not used") }
        #expect(plan(after: 90_000, [template("en"), template("hi")], language: "hi")
                == .template(contentSID: "HX" + String(repeating: "a", count: 32), variables: #"{"1":"Asha","2":"₹10.00"}"#, rendered: "Hi Asha, ₹10.00 due"))
        if case .template(let sid, _, _) = plan(after: 90_000, [template("hi")], language: "en") { #expect(sid.hasPrefix("HXaa"), "falls back to any approved") }
        else { Issue.record("fallback") }
        if case .template(_, let vars, _) = plan(after: 90_000, [template("en")], values: ["customer_name": "  "]) {
            #expect(vars == #"{"1":"-","2":"-"}"#, "WhatsApp rejects empty variables")
        } else { Issue.record("template expected") }
    }

    /// Issue 18 §4: a payment receipt on WhatsApp — text inside the window, the approved
    /// "payment received" template outside it; no phone 422, no WhatsApp channel 409.
    static func paymentReceipts(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            // setup: Ramesh owes ₹700 and pays ₹500 by UPI; he wrote to the shop just now
            let p = try await s.client.product("Cement bag", price: 35_000, stock: 10)
            let c = try await s.client.customer("Ramesh", phone: "+919822012345")
            _ = try await s.client.issueInvoice(customer: c, lines: [(p, 2)])
            let pay = try await s.client.send(.POST, "/api/v1/payments", json: ["customer_id": c, "amount": 50_000, "mode": "upi", "paid_on": "2026-11-18"])
            #expect(pay.status == .created, "\(pay.body)")
            let paymentID = pay["id"] as? String ?? ""
            _ = try await s.inbound(from: "+919822012345", text: "paise bhej diye")
            try await s.drain()

            // act + verify: inside the window, the receipt as text
            let r = try await s.client.send(.POST, "/api/v1/payments/\(paymentID)/send", json: [:])
            #expect(r.status == .accepted, "\(r.body)")
            try await s.drain()
            let text = try #require(s.twilio.sent.last(where: { $0.value("To") == "whatsapp:+919822012345" && $0.value("Body")?.contains("payment") == true }))
            #expect(text.value("Body") == "Namaste Ramesh, Test Traders received your payment of ₹500.00 (UPI) on 18-11-2026. Balance due: ₹200.00. Thank you!")

            // act + verify: two days later, with the approved template registered
            _ = try await s.client.send(.POST, "/api/v1/whatsapp/templates", json: [
                "purpose": "payment_received", "content_sid": "HX" + String(repeating: "f5", count: 16),
                "variables": ["1": "customer_name", "2": "amount_paid", "3": "amount_due"]])
            s.clock.advance(2 * 86_400)
            _ = try await s.client.send(.POST, "/api/v1/payments/\(paymentID)/send", json: [:])
            try await s.drain()
            let templated = try #require(s.twilio.sent.last)
            #expect(templated.value("ContentVariables") == #"{"1":"Ramesh","2":"₹500.00","3":"₹200.00"}"#)

            // no phone: 422; another business: 404; without a WhatsApp channel: 409
            let walkIn = try await s.client.customer("Walk-in")
            let cash = try await s.client.send(.POST, "/api/v1/payments", json: ["customer_id": walkIn, "amount": 10_000, "mode": "cash"])
            #expect(try await s.client.send(.POST, "/api/v1/payments/\(cash["id"] as? String ?? "")/send", json: [:]).errorCode == "no_phone")
            var other = APIClient(s.app)
            try await other.signup()
            #expect(try await other.send(.POST, "/api/v1/payments/\(paymentID)/send", json: [:]).status == .notFound)
            #expect(try await s.client.send(.DELETE, "/api/v1/channels/\(s.channelID)").status.code < 300)
            #expect(try await s.client.send(.POST, "/api/v1/payments/\(paymentID)/send", json: [:]).errorCode == "no_channel")
            try await s.twilio.validateAgainstSpec()
        }
    }

    /// Issue 18 §4: a statement of account on WhatsApp — balance, period and a signed link to
    /// the statement PDF as media; the link works signed out, only as signed, until it expires.
    static func statementOnWhatsApp(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            // setup: Ramesh owes ₹500 and wrote today
            let p = try await s.client.product("Cement bag", price: 35_000, stock: 10)
            let c = try await s.client.customer("Ramesh", phone: "+919822012345")
            _ = try await s.client.issueInvoice(customer: c, lines: [(p, 2)], payment: 20_000)
            _ = try await s.inbound(from: "+919822012345", text: "hisaab bhejo")
            try await s.drain()

            // act
            let r = try await s.client.send(.POST, "/api/v1/customers/\(c)/statement/send", json: [:])
            #expect(r.status == .accepted, "\(r.body)")
            try await s.drain()

            // verify: the text names the balance and period; the PDF goes as media
            let sent = try #require(s.twilio.sent.last(where: { $0.value("MediaUrl")?.contains("/p/statements/") == true }))
            let link = try #require(sent.value("MediaUrl"))
            #expect(sent.value("Body") == "Namaste Ramesh, here is your statement of account from Test Traders (up to 18-11-2026): ₹500.00 due. PDF: \(link)")
            let path = String(link.dropFirst(publicBase.count))
            try await s.app.testing().test(.GET, path) { res in
                #expect(res.status == .ok && res.headers.contentType?.subType == "pdf")
                #expect(res.body.readableBytes > 1000 && res.body.getString(at: 0, length: 5) == "%PDF-")
            }
            // a changed period or customer breaks the signature; an old link has expired
            try await s.app.testing().test(.GET, path.replacingOccurrences(of: "from=1900-01-01", with: "from=2026-01-01")) { res in
                #expect(res.status == .forbidden)
            }

            // a period; bad dates are 422 and send nothing; no phone 422
            let count = s.twilio.sent.count
            #expect(try await s.client.send(.POST, "/api/v1/customers/\(c)/statement/send", json: ["from": "2026-13-01"]).status == .unprocessableEntity)
            #expect(try await s.client.send(.POST, "/api/v1/customers/\(c)/statement/send", json: ["from": "2026-12-31", "to": "2026-12-01"]).status == .unprocessableEntity)
            let walkIn = try await s.client.customer("Walk-in")
            #expect(try await s.client.send(.POST, "/api/v1/customers/\(walkIn)/statement/send", json: [:]).errorCode == "no_phone")
            try await s.drain()
            #expect(s.twilio.sent.count == count)
            try await s.twilio.validateAgainstSpec()

            // a month later the link has expired
            s.clock.advance(31 * 86_400)
            try await s.app.testing().test(.GET, path) { res in #expect(res.status == .gone) }
        }
    }

    /// Issue 18 §5: quick replies — saved, listed with {business_name} and {price_list} filled in
    /// (GST-inclusive prices said so), names unique per business, bad input 422, other businesses
    /// see none; a reply with the saved image goes with it as media.
    static func quickReplies(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            _ = try await s.client.product("Cement bag", price: 35_000, stock: 10)
            let r = try await s.client.send(.POST, "/api/v1/quick-replies", json: [
                "name": "/Rates", "text": "Namaste {customer_name}, {business_name} ke rate:\n{price_list}",
                "media_url": "https://example.com/rates.jpg"])
            #expect(r.status == .created && r["name"] as? String == "rates", "\(r.body)")
            #expect(r["filled_text"] as? String == "Namaste {customer_name}, Test Traders ke rate:\n• Cement bag (bag): ₹350.00", "no GST on this product: no GST words; \(r.body)")
            let list = try await s.client.send(.GET, "/api/v1/quick-replies")
            #expect(list.items.count == 1)

            // bad input and a taken name change nothing
            let bad = try await s.client.send(.POST, "/api/v1/quick-replies", json: ["name": "two words", "text": "", "media_url": "ftp://x"])
            #expect(bad.status == .unprocessableEntity && Set(bad.fields.keys) == ["name", "text", "media_url"], "\(bad.body)")
            #expect(try await s.client.send(.POST, "/api/v1/quick-replies", json: ["name": "rates", "text": "x"]).errorCode == "name_taken")
            let id = r["id"] as? String ?? ""
            let renamed = try await s.client.send(.PATCH, "/api/v1/quick-replies/\(id)", json: ["name": "rate", "media_url": ""])
            #expect(renamed["name"] as? String == "rate" && renamed["media_url"] is NSNull)
            var other = APIClient(s.app)
            try await other.signup()
            #expect(try await other.send(.GET, "/api/v1/quick-replies").items.isEmpty)
            #expect(try await other.send(.DELETE, "/api/v1/quick-replies/\(id)").status == .notFound)
            #expect(try await s.client.send(.DELETE, "/api/v1/quick-replies/\(id)").status == .noContent)
            #expect(try await s.client.send(.GET, "/api/v1/quick-replies").items.isEmpty)
        }
    }

    /// Issue 18 §5: "STOP" from a customer ends everything the business starts — reminders,
    /// invoices, receipts — on every channel, with one confirmation; questions are still answered;
    /// "START" brings the messages back.
    static func stopAndStart(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            // setup: Ramesh owes money and writes STOP
            let p = try await s.client.product("Cement bag", price: 35_000, stock: 10)
            let c = try await s.client.customer("Ramesh", phone: "+919822012345")
            _ = try await s.client.issueInvoice(customer: c, lines: [(p, 1)])
            _ = try await s.inbound(from: "+919822012345", text: "STOP")
            try await s.drain()

            // verify: confirmed once; marked on the conversation
            let confirm = try #require(s.twilio.sent.last?.value("Body"))
            #expect(confirm.contains("will not send you reminders") && confirm.contains("Send START"), "\(confirm)")
            let session = try #require(try await s.client.send(.GET, "/api/v1/inbox/sessions").items.first)
            #expect((session["contact"] as? [String: Any])?["opted_out"] as? Bool == true)

            // act + verify: a reminder is refused before Twilio, with the reason
            let count = s.twilio.sent.count
            let r = try await s.client.send(.POST, "/api/v1/customers/\(c)/reminders", json: [:])
            try await s.drain()
            let refused = try #require(try await App.Message.find(UUID(uuidString: (r["message"] as? [String: Any])?["id"] as? String ?? ""), on: s.app.db))
            #expect(refused.status == .failed && refused.errorCode == "opted_out" && refused.errorMessage?.contains("sent STOP") == true)
            #expect(s.twilio.sent.count == count)

            // act + verify: a question is still answered by the bot
            _ = try await s.inbound(from: "+919822012345", text: "cement ka rate kya hai?")
            try await s.drain()
            #expect(s.twilio.sent.count == count + 1 && s.twilio.sent.last?.value("Body")?.contains("Cement bag") == true)

            // act + verify: "Remind all debtors" skips Ramesh (STOP) and a debtor with no phone
            let suresh = try await s.client.customer("Suresh", phone: "+919822000002")
            _ = try await s.client.issueInvoice(customer: suresh, lines: [(p, 2)])
            let walkIn = try await s.client.customer("Walk-in")
            _ = try await s.client.issueInvoice(customer: walkIn, lines: [(p, 1)])
            let preview = try await s.client.send(.GET, "/api/v1/debtors/reminders")
            #expect(preview["count"] as? Int == 1 && preview["total_due"] as? Int == 70_000, "\(preview.body)")
            let skips = Dictionary(uniqueKeysWithValues: (preview["customers"] as? [[String: Any]] ?? []).map {
                ($0["name"] as? String ?? "", $0["skip"] as? String ?? "-") })
            #expect(skips == ["Suresh": "-", "Ramesh": "sent STOP", "Walk-in": "no phone number"], "\(skips)")
            let before = s.twilio.sent.count
            let all = try await s.client.send(.POST, "/api/v1/debtors/reminders", json: [:])
            #expect(all.status == .accepted && all["sent"] as? Int == 1 && (all["skipped"] as? [Any])?.count == 2, "\(all.body)")
            try await s.drain()
            // Suresh never wrote and there is no template: refused before Twilio, not sent
            #expect(s.twilio.sent.count == before)
            #expect(try await App.Message.query(on: s.app.db).filter(\.$errorCode == "outside_window").count() == 1)

            // act + verify: START, then the reminder goes
            _ = try await s.inbound(from: "+919822012345", text: "start")
            try await s.drain()
            #expect(s.twilio.sent.last?.value("Body")?.contains("Welcome back") == true)
            _ = try await s.client.send(.POST, "/api/v1/customers/\(c)/reminders", json: [:])
            try await s.drain()
            #expect(s.twilio.sent.last?.value("Body")?.contains("reminder from Test Traders") == true)
            let after = try #require(try await s.client.send(.GET, "/api/v1/inbox/sessions").items.first)
            #expect((after["contact"] as? [String: Any])?["opted_out"] as? Bool == false)

            // "stop it please" is not the keyword: the bot answers it like any message
            #expect(OptOut.keyword("stop it please") == nil && OptOut.keyword(" Stop! ") == .stop && OptOut.keyword("बंद करो") == .stop)
        }
    }

    /// Issue 18 §5: customers carry tags; a broadcast goes to all, to debtors over N days or to a
    /// tag — previewed with who is skipped and why and the template WhatsApp charges for, sent once
    /// (Idempotency-Key) through the outbox as the approved "announcement" template to customers
    /// who never wrote, never to one who sent STOP, and tracked per recipient.
    static func broadcasts(_ db: TestDB) async throws {
        try await withTwilio(db) { s in
            // setup: tags are normalised; a customer list filters by tag
            let asha = try await s.client.send(.POST, "/api/v1/customers", json: [
                "name": "Asha Stores", "phone": "+919822000101", "tags": [" Wholesale ", "wholesale", "थोक"]])
            #expect(asha.status == .created && asha["tags"] as? [String] == ["wholesale", "थोक"], "\(asha.body)")
            let bina = try await s.client.send(.POST, "/api/v1/customers", json: ["name": "Bina", "phone": "+919822000102", "tags": ["regular"]])
            let chetan = try await s.client.send(.POST, "/api/v1/customers", json: ["name": "Chetan", "tags": ["wholesale"]])
            let dev = try await s.client.send(.POST, "/api/v1/customers", json: ["name": "Dev", "phone": "+919822000104", "tags": ["wholesale"]])
            #expect([bina.status, chetan.status, dev.status] == [.created, .created, .created])
            let badTags = try await s.client.send(.POST, "/api/v1/customers", json: ["name": "X", "tags": ["a!"]])
            #expect(badTags.status == .unprocessableEntity && badTags.fields["tags"] != nil, "\(badTags.body)")
            let patched = try await s.client.send(.PATCH, "/api/v1/customers/\(bina["id"] as? String ?? "")", json: ["tags": ["Regular", "Retail"]])
            #expect(patched["tags"] as? [String] == ["regular", "retail"], "\(patched.body)")
            let tagged = try await s.client.send(.GET, "/api/v1/customers?tag=थोक").items.compactMap { $0["name"] as? String }
            #expect(tagged == ["Asha Stores"], "\(tagged)")
            _ = try await s.inbound(from: "+919822000104", text: "STOP")
            try await s.settle()
            let sid = "HX" + String(repeating: "ab", count: 16)
            let t = try await s.client.send(.POST, "/api/v1/whatsapp/templates", json: [
                "purpose": "announcement", "content_sid": sid, "language": "en", "name": "diwali_news",
                "variables": ["1": "customer_name", "2": "business_name", "3": "announcement"]])
            #expect(t.status == .created, "\(t.body)")

            // act + verify: the preview names who gets it and who not
            let offer = "Diwali offer: 5% off cement till Sunday."
            let preview = try await s.client.send(.POST, "/api/v1/broadcasts/preview", json: ["audience": "tag", "tag": "Wholesale", "text": offer])
            #expect(preview.status == .ok && preview["count"] as? Int == 1 && preview["template"] as? String == "diwali_news"
                    && preview["template_needed"] as? Bool == true, "\(preview.body)")
            let skips = Dictionary(uniqueKeysWithValues: (preview["customers"] as? [[String: Any]] ?? []).map {
                ($0["name"] as? String ?? "", $0["skip"] as? String ?? "-") })
            #expect(skips == ["Asha Stores": "-", "Chetan": "no phone number", "Dev": "sent STOP"], "\(skips)")
            #expect((preview["sample"] as? String)?.contains("Namaste Asha Stores, news from Test Traders: \(offer)") == true)

            // bad input is a 422 that sends nothing
            for (body, field) in [(["audience": "everyone", "text": "x"], "audience"), (["audience": "all", "text": ""], "text"),
                                  (["audience": "tag", "text": "x"], "tag"), (["audience": "debtors", "days": -1, "text": "x"] as [String: Any], "days")] {
                let r = try await s.client.send(.POST, "/api/v1/broadcasts", json: body)
                #expect(r.status == .unprocessableEntity && r.fields[field] != nil, "\(body): \(r.body)")
            }
            #expect(try await s.client.send(.POST, "/api/v1/broadcasts", json: ["audience": "tag", "tag": "nobody", "text": "x"]).errorCode == "no_recipients")
            #expect(try await s.client.send(.GET, "/api/v1/broadcasts").items.isEmpty)

            // act: send it twice with one Idempotency-Key (a retried request)
            let before = s.twilio.sent.count
            let body: [String: Any] = ["audience": "tag", "tag": "wholesale", "text": offer]
            let sent = try await s.client.send(.POST, "/api/v1/broadcasts", json: body, headers: ["Idempotency-Key": "diwali-1"])
            let again = try await s.client.send(.POST, "/api/v1/broadcasts", json: body, headers: ["Idempotency-Key": "diwali-1"])
            #expect(sent.status == .created && again["id"] as? String == sent["id"] as? String, "\(sent.body) \(again.status) \(again.body)")
            #expect(sent["total"] as? Int == 3 && (sent["counts"] as? [String: Any])?["skipped"] as? Int == 2, "\(sent.body)")
            try await s.settle()

            // verify: Asha (who never wrote) got the approved template with its values; Dev nothing
            let out = Array(s.twilio.sent.dropFirst(before))
            #expect(out.count == 1, "\(out.map { $0.value("To") ?? "" })")
            let toAsha = try #require(out.first)
            #expect(toAsha.value("To") == "whatsapp:+919822000101" && toAsha.value("ContentSid") == sid && toAsha.value("Body") == nil)
            let vars = try JSONSerialization.jsonObject(with: Data((toAsha.value("ContentVariables") ?? "").utf8)) as? [String: String]
            #expect(vars == ["1": "Asha Stores", "2": "Test Traders", "3": offer], "\(String(describing: vars))")
            let id = sent["id"] as? String ?? ""
            // Twilio's delivery report reaches the broadcast through its message
            #expect(try await s.statusCallback(toAsha.sid, "delivered") == .noContent)
            let detail = try await s.client.send(.GET, "/api/v1/broadcasts/\(id)")
            let states = Dictionary(uniqueKeysWithValues: (detail["recipients"] as? [[String: Any]] ?? []).map {
                ($0["name"] as? String ?? "", $0["status"] as? String ?? "") })
            #expect(states == ["Asha Stores": "delivered", "Chetan": "skipped", "Dev": "skipped"], "\(detail.body)")
            let list = try await s.client.send(.GET, "/api/v1/broadcasts").items
            #expect(list.count == 1 && (list.first?["counts"] as? [String: Any])?["delivered"] as? Int == 1 && list.first?["recipients"] is NSNull, "\(list)")

            // the job run again (a retry after a crash) sends nobody anything twice
            _ = try await JobQueue.enqueue(BroadcastSendJob.self, BroadcastPayload(broadcastID: UUID(uuidString: id)!),
                                           businessID: nil, runAt: s.clock.now, on: s.app.db)
            try await s.settle()
            #expect(s.twilio.sent.count == before + 1)

            // debtors: only those owing on an invoice at least N days old
            let p = try await s.client.product("Cement bag", price: 35_000, stock: 10)
            _ = try await s.client.issueInvoice(customer: bina["id"] as? String ?? "", lines: [(p, 1)])
            let owing = try await s.client.send(.POST, "/api/v1/broadcasts/preview", json: ["audience": "debtors", "days": 0, "text": "Please clear dues."])
            #expect(owing["count"] as? Int == 1 && (owing["customers"] as? [[String: Any]])?.first?["name"] as? String == "Bina", "\(owing.body)")
            let old = try await s.client.send(.POST, "/api/v1/broadcasts/preview", json: ["audience": "debtors", "days": 30, "text": "Please clear dues."])
            #expect(old["count"] as? Int == 0, "\(old.body)")

            // another business sees none of it; staff cannot send
            var other = APIClient(s.app)
            try await other.signup()
            #expect(try await other.send(.GET, "/api/v1/broadcasts/\(id)").status == .notFound)
            #expect(try await other.send(.GET, "/api/v1/broadcasts").items.isEmpty)
        }
    }

    /// The embedded worker picks up work by itself (no manual drain): a real serve process.
    static func embeddedWorkerRunsJobs() async throws {
        try await withTestApp(.sqlite, configure: { $0.workerEnabled = true; $0.workerPollMilliseconds = 100 }) { app in
            var client = APIClient(app)
            try await client.signup()
            let r = try await client.send(.POST, "/api/v1/simulator/messages", json: ["from": "+919811111111", "text": "hello"])
            let sessionID = try #require(r["session_id"] as? String)
            // Wait for the bot's reply, bounded: 200 checks × 50 ms.
            var delivered = false
            for _ in 0..<200 where !delivered {
                let items = try await client.send(.GET, "/api/v1/inbox/sessions/\(sessionID)/messages").items
                delivered = items.count == 2 && items.last?["status"] as? String == "delivered"
                if !delivered { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(delivered)
        }
    }
}
