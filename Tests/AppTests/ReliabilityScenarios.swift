@testable import App
import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOHTTP1
import PropertyBased
import SQLKit
import Testing
import Vapor

#if canImport(Glibc)
import Glibc
#endif

/// Issue 14: no input, crash or overload may take Munim down or lose a request.
enum ReliabilityScenarios {
    // MARK: §1 money and quantities never trap

    /// Edge values every money path is driven with (paise, or units for quantities).
    static let edgeNumbers: [String] = [
        "9223372036854775807", "-9223372036854775808", "-1", "0", "100000000000", "100000000001", "99999999999",
        "10000000000000000", "99999999999999999", "1e20", "1e11", "1E400", "-0", "0.5", "350.555", "12.5", "1e-3",
        "18446744073709551616", "1000000000", "1000000001", "999999999.999", "2.5e3",
    ]
    /// Strings that are not JSON numbers at all (NaN/Infinity are not JSON): a 400 or 422.
    static let nonNumbers: [String] = ["NaN", "Infinity", "-Infinity", "\"NaN\"", "\"1e400\"", "null", "true", "[]", "{}"]

    /// Random large and edge values through every money path of the API; every reply is a 2xx or
    /// a 4xx (never a 5xx, never a dropped connection), and a rejected request changes nothing.
    static func moneyNeverTraps(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var client = APIClient(app)
            try await client.signup()
            let product = try await client.product("Cement", price: 35_000, stock: 100)
            let customer = try await client.customer("Ramesh")
            let draft = try await client.send(.POST, "/api/v1/invoices", json: [
                "customer_id": customer, "items": [["product_id": product, "quantity": 1]],
            ])
            #expect(draft.status == .created)
            let draftID = draft["id"] as? String ?? ""

            /// Every request shape a number can reach, as a raw JSON body with `N` standing for it.
            let shapes: [(HTTPMethod, String, String)] = [
                (.POST, "/api/v1/products", #"{"name":"P-\#(UUID().uuidString.prefix(4))","price":N}"#),
                (.POST, "/api/v1/products", #"{"name":"Q-\#(UUID().uuidString.prefix(4))","price":100,"stock":N}"#),
                (.POST, "/api/v1/products", #"{"name":"G-\#(UUID().uuidString.prefix(4))","price":100,"gst_rate":N}"#),
                (.PATCH, "/api/v1/products/\(product)", #"{"price":N}"#),
                (.POST, "/api/v1/products/\(product)/restock", #"{"quantity":N}"#),
                (.POST, "/api/v1/invoices", #"{"customer_id":"\#(customer)","items":[{"product_id":"\#(product)","quantity":1,"unit_price":N}]}"#),
                (.POST, "/api/v1/invoices", #"{"customer_id":"\#(customer)","items":[{"product_id":"\#(product)","quantity":N}]}"#),
                (.POST, "/api/v1/invoices", #"{"customer_id":"\#(customer)","items":[{"description":"x","quantity":1000,"unit_price":N,"gst_rate":40}]}"#),
                (.POST, "/api/v1/invoices", #"{"customer_id":"\#(customer)","items":[{"product_id":"\#(product)","quantity":1,"unit_price":N,"gst_rate":N}]}"#),
                (.POST, "/api/v1/invoices", #"{"customer_id":"\#(customer)","items":[{"product_id":"\#(product)","quantity":1,"discount":N}]}"#),
                (.POST, "/api/v1/invoices", #"{"customer_id":"\#(customer)","issue":true,"items":[{"product_id":"\#(product)","quantity":1}],"payment":{"amount":N,"mode":"cash"}}"#),
                (.PATCH, "/api/v1/invoices/\(draftID)", #"{"items":[{"product_id":"\#(product)","quantity":N,"unit_price":N}]}"#),
                (.POST, "/api/v1/payments", #"{"customer_id":"\#(customer)","amount":N,"mode":"cash"}"#),
            ]
            let texts = ["sold 5 bags cement to Ramesh at N", "Ramesh paid N", "sold N bags cement to Ramesh at 350",
                         "रमेश को N बोरी सीमेंट 350 में बेचा", "Ramesh ne N rupaye diye", "add N bags cement"]

            func check(_ method: HTTPMethod, _ path: String, _ body: String, _ value: String) async throws {
                let before = try await Counts.take(app)
                let r = try await client.send(method, path, raw: body)
                #expect(r.status.code < 500, "\(method) \(path) with \(value): \(r.status) \(r.body)")
                if r.status.code >= 400 {
                    #expect(r.errorCode != nil && r.errorCode != "error", "\(path) with \(value): \(r.body)")
                    #expect(try await Counts.take(app) == before, "a refused \(path) with \(value) changed something")
                }
            }

            // Every shape with every edge value and every non-number.
            for (method, path, template) in shapes {
                for value in edgeNumbers + nonNumbers {
                    try await check(method, path, template.replacingOccurrences(of: "N", with: value), value)
                }
            }
            // Random magnitudes (property-based): huge, around the bounds, tiny; assistant sentences too.
            await propertyCheck(count: 60, input: Gen.int(in: 0...1_000_000).array(of: 2...2)) { pair in
                let exponent = pair[0] % 20, mantissa = pair[1]
                var digits = String(mantissa)
                digits += String(repeating: "9", count: exponent)
                let shape = shapes[pair[1] % shapes.count]
                do {
                    try await check(shape.0, shape.1, shape.2.replacingOccurrences(of: "N", with: digits), digits)
                    let sentence = texts[pair[0] % texts.count].replacingOccurrences(of: "N", with: digits)
                    let parsed = try await client.send(.POST, "/api/v1/assistant/parse", json: ["text": sentence])
                    #expect(parsed.status.code < 500, "parse \(sentence): \(parsed.body)")
                    let said = try await client.send(.POST, "/api/v1/assistant/messages", json: ["text": sentence])
                    #expect(said.status.code < 500, "message \(sentence): \(said.body)")
                    if let card = said["card"] as? [String: Any], let id = card["id"] as? String {
                        let confirmed = try await client.send(.POST, "/api/v1/assistant/cards/\(id)/confirm")
                        #expect(confirmed.status.code < 500, "confirm \(sentence): \(confirmed.body)")
                    }
                    _ = try await client.send(.POST, "/api/v1/assistant/messages", json: ["text": "cancel"])
                } catch {
                    Issue.record("request failed: \(error)")
                }
            }

            // The named cases from the issue answer 422 amount_too_large naming the field.
            let big = try await client.send(.POST, "/api/v1/invoices", json: [
                "customer_id": customer, "items": [["product_id": product, "quantity": 1, "unit_price": 10_000_000_000_000_000]],
            ])
            #expect(big.status == .unprocessableEntity)
            #expect(big.errorCode == "amount_too_large")
            #expect(big.fields["items[0].unit_price"] != nil, "\(big.body)")
            let lines = try await client.send(.POST, "/api/v1/invoices", json: [
                "customer_id": customer, "items": [["description": "x", "quantity": 1_000_000, "unit_price": 100_000_000_000]],
            ])
            #expect(lines.errorCode == "amount_too_large", "\(lines.body)")
            let total = try await client.send(.POST, "/api/v1/invoices", json: [
                "customer_id": customer, "items": Array(repeating: ["description": "x", "quantity": 1, "unit_price": 90_000_000_000], count: 3),
            ])
            #expect(total.errorCode == "amount_too_large" && total.fields["total"] != nil, "\(total.body)")
            let rate = try await client.send(.POST, "/api/v1/products", json: ["name": "Taxed", "price": 100, "gst_rate": 41])
            #expect(rate.status == .unprocessableEntity && rate.fields["gst_rate"] != nil, "\(rate.body)")
            let said = try await client.send(.POST, "/api/v1/assistant/messages", json: ["text": "sold 5 bags cement to Ramesh at 99999999999999999"])
            #expect(said.status.code < 500 && said.status.code >= 200, "\(said.body)")
            _ = try await client.send(.POST, "/api/v1/assistant/messages", json: ["text": "cancel"])

            // A row stored beyond the bounds before they existed: exports say so and go on.
            try await app.db.sql.raw("UPDATE products SET price = 9000000000000000000, stock = 5000 WHERE id = \(bind: UUID(uuidString: product)!)").run()
            let before = try await Counts.take(app)
            let csv = try await client.send(.GET, "/api/v1/reports/inventory.csv")
            #expect(csv.status == .ok)
            #expect(csv.body.contains("error: too large"), "\(csv.body.prefix(400))")
            for format in ["xlsx", "pdf"] {
                #expect(try await client.send(.GET, "/api/v1/reports/inventory.\(format)").status == .ok)
            }
            // An invoice using that catalog price is refused, not trapped.
            let stale = try await client.send(.POST, "/api/v1/invoices", json: [
                "customer_id": customer, "items": [["product_id": product, "quantity": 2]],
            ])
            #expect(stale.errorCode == "amount_too_large", "\(stale.body)")
            #expect(try await client.send(.GET, "/api/v1/dashboard").status == .ok)
            #expect(try await Counts.take(app) == before)
        }
    }

    // MARK: §2 dead jobs

    /// A job whose process died while running it `max_attempts` times is retired as `dead`, its
    /// subject shows the failure, and the owner can list, retry and discard it.
    static func deadJobsAreRetired(_ db: TestDB) async throws {
        try await MessagingScenarios.withTwilio(db) { s in
            let app = s.app
            // An inbound message stored and waiting to be routed.
            #expect(try await s.inbound(from: "+919800000001", text: "cement hai?").0 == .ok)
            let receive = try #require(try await JobRow.query(on: app.db).filter(\.$kind == "inbound.receive").first())
            let claimed = try await app.jobs.claim(limit: 1, now: app.clock.now(), app: app)
            #expect(claimed.count == 1)
            if let job = claimed.first { await app.jobs.execute(job, app: app) }
            #expect(try await JobRow.find(receive.id!, on: app.db) == nil)
            let route = try #require(try await JobRow.query(on: app.db).filter(\.$kind == "inbound.route").first())

            // The worker claims the routing job, then "dies" three times: each time the lease runs out.
            var claims = 0
            for _ in 0..<5 {
                let jobs = try await app.jobs.claim(limit: 5, now: app.clock.now(), app: app)
                claims += jobs.filter { $0.id == route.id }.count
                s.clock.advance(200)  // past the 120 s lease: the process that held it is gone
            }
            #expect(claims == route.maxAttempts, "claimed \(claims) times for \(route.maxAttempts) attempts")
            _ = try await app.jobs.claim(limit: 5, now: app.clock.now(), app: app)
            let dead = try #require(try await JobRow.find(route.id!, on: app.db))
            #expect(dead.status == .dead)
            #expect(dead.lastError == "the worker stopped while running it \(route.maxAttempts) times")
            // The message shows the failure in the inbox.
            let message = try #require(try await Message.query(on: app.db).filter(\.$direction == .inbound).first())
            #expect(message.errorCode == "processing_failed")
            #expect(message.routedAt != nil)

            // The owner sees it, retries it, and it runs to completion.
            let list = try await s.client.send(.GET, "/api/v1/ops/dead-jobs")
            #expect(list.status == .ok)
            #expect(list.items.count == 1)
            #expect(list.items.first?["status"] as? String == "dead")
            #expect(list.items.first?["kind"] as? String == "inbound.route")
            #expect((list.items.first?["subject"] as? String)?.isEmpty == false)
            let retried = try await s.client.send(.POST, "/api/v1/ops/dead-jobs/\(dead.id!)/retry")
            #expect(retried.status == .ok, "\(retried.body)")
            #expect(retried["status"] as? String == "queued")
            #expect(try await s.client.send(.GET, "/api/v1/ops/dead-jobs").items.isEmpty)
            // A retried job is found again by the next claim (here: runs, and the message was already
            // marked routed, so routing is a no-op that finishes the job).
            try await s.drain()
            #expect(try await JobRow.find(route.id!, on: app.db) == nil)

            // Discard: another dead job goes away for good. Unknown or other businesses' ids: 404.
            let other = JobRow()
            other.id = UUID()
            other.kind = "outbox.send"; other.businessID = try #require(dead.businessID); other.payload = "{}"
            other.status = .dead; other.runAt = app.clock.now(); other.attempts = 3; other.maxAttempts = 3
            other.lastError = "the worker stopped while running it 3 times"; other.lane = .provider
            other.createdAt = app.clock.now(); other.updatedAt = app.clock.now()
            try await other.create(on: app.db)
            #expect(try await s.client.send(.DELETE, "/api/v1/ops/dead-jobs/\(UUID())").status == .notFound)
            var stranger = APIClient(app)
            try await stranger.signup()
            #expect(try await stranger.send(.DELETE, "/api/v1/ops/dead-jobs/\(other.id!)").status == .notFound)
            #expect(try await s.client.send(.DELETE, "/api/v1/ops/dead-jobs/\(other.id!)").status == .noContent)
            #expect(try await JobRow.find(other.id!, on: app.db) == nil)
        }
    }

    /// A live job's lease is renewed while it runs: another worker never takes it over.
    static func heartbeatKeepsALiveLease(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock) { app in
            let started = AsyncStream<Void>.makeStream()
            let release = AsyncStream<Void>.makeStream()
            app.jobs.register(JobHandler(kind: TestSlowJob.name, lease: 1) { _ in
                started.continuation.yield()
                for await _ in release.stream { break }
            })
            try await app.store.write(app.db) { tx in
                try await JobQueue.enqueue(TestSlowJob.self, NoPayload(), businessID: nil, runAt: app.clock.now(), maxAttempts: 1, on: tx)
            }
            let job = try #require(try await app.jobs.claim(limit: 1, now: clock.now, app: app).first)
            let running = Task { await app.jobs.execute(job, app: app) }
            for await _ in started.stream { break }
            // Wait (by condition) until the heartbeat has pushed the lease past where it started.
            let firstLease = try #require(try await JobRow.find(job.id, on: app.db)?.leaseUntil)
            clock.advance(0.9)
            let deadline = Date().addingTimeInterval(30)
            var renewed = false
            while Date() < deadline {
                if let lease = try await JobRow.find(job.id, on: app.db)?.leaseUntil, lease > firstLease { renewed = true; break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(renewed, "the lease was never renewed")
            // Past the first lease: without the renewal another worker would take the job now.
            clock.advance(0.5)
            #expect(clock.now > firstLease)
            let thief = try await app.jobs.claim(limit: 1, now: app.clock.now(), app: app)
            #expect(thief.isEmpty)
            release.continuation.yield()
            await running.value
            #expect(try await JobRow.find(job.id, on: app.db) == nil)
        }
    }

    // MARK: §3 idempotency keys survive a crash

    static func idempotencyAfterCrash(_ db: TestDB) async throws {
        try await withTestApp(db, configure: { $0.idempotencyLeaseSeconds = 60 }) { app in
            var client = APIClient(app)
            try await client.signup()
            let customer = try await client.customer("Suresh")
            // One body text for every attempt: the key's fingerprint covers the exact bytes.
            let body = #"{"customer_id":"\#(customer)","amount":500,"mode":"cash"}"#

            // 1. The effect committed, the reply was never stored (the process died in between):
            //    the retry answers the same payment, marked replayed, and nothing is paid twice.
            let first = try await client.send(.POST, "/api/v1/payments", raw: body, headers: ["Idempotency-Key": "k1"])
            #expect(first.status == .created)
            try await app.db.sql.raw("UPDATE idempotency_keys SET status = NULL, response_body = NULL WHERE key = 'k1'").run()
            let record = try #require(try await IdempotencyRecord.query(on: app.db).filter(\.$key == "k1").first())
            #expect(record.committedAt != nil)
            #expect(record.resource == "/api/v1/payments/\(first["id"] as? String ?? "")")
            let again = try await client.send(.POST, "/api/v1/payments", raw: body, headers: ["Idempotency-Key": "k1"])
            #expect(again.status == .created, "\(again.body)")
            #expect(again.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(again["id"] as? String == first["id"] as? String)
            #expect(try await Payment.query(on: app.db).count() == 1)

            // 2. Nothing committed and the lease is over (the process died before the commit): runs.
            let now = app.clock.now()
            let stuck = IdempotencyRecord(businessID: record.businessID, key: "k2",
                                          requestHash: Tokens.hash("POST /api/v1/payments\n" + body),
                                          createdAt: now.addingTimeInterval(-120))
            stuck.leaseUntil = now.addingTimeInterval(-60)
            try await stuck.create(on: app.db)
            let ran = try await client.send(.POST, "/api/v1/payments", raw: body, headers: ["Idempotency-Key": "k2"])
            #expect(ran.status == .created, "\(ran.body)")
            #expect(try await Payment.query(on: app.db).count() == 2)

            // 3. Still within its lease and nothing committed: in progress, with Retry-After.
            let busy = IdempotencyRecord(businessID: record.businessID, key: "k3", requestHash: stuck.requestHash, createdAt: now)
            busy.leaseUntil = now.addingTimeInterval(60)
            try await busy.create(on: app.db)
            let wait = try await client.send(.POST, "/api/v1/payments", raw: body, headers: ["Idempotency-Key": "k3"])
            #expect(wait.status == .conflict)
            #expect(wait.errorCode == "idempotency_in_progress")
            #expect(wait.headers.first(name: .retryAfter) != nil)

            // 4. A failed request frees its key; a corrected retry runs.
            let bad = try await client.send(.POST, "/api/v1/payments", json: ["customer_id": customer, "amount": -1, "mode": "cash"],
                                            headers: ["Idempotency-Key": "k4"])
            #expect(bad.status == .unprocessableEntity)
            #expect(try await client.send(.POST, "/api/v1/payments", raw: body, headers: ["Idempotency-Key": "k4"]).status == .created)
            #expect(try await Payment.query(on: app.db).count() == 3)
            try await Invariants.check(app)
        }
    }

    // MARK: §4 a slow provider never delays inbound messages

    /// The circuit breaker opens after three unanswered calls in a row, fails fast during the
    /// cool-down, lets a trial call through after it, and closes on an answer.
    static func breakerOpensAndCloses() async throws {
        struct Unanswered: Error {}
        struct Refused: Error {}
        let clock = TestClock()
        let guard_ = ProviderGuard(perProvider: 2, threshold: 3, coolDown: 30)
        func call(_ outcome: Error?) async throws -> Int {
            try await guard_.run("p", clock: clock.appClock, unanswered: { $0 is Unanswered }) {
                if let outcome { throw outcome }
                return 1
            }
        }
        // An answer that is an error (a 4xx) does not count.
        for _ in 0..<5 { _ = try? await call(Refused()) }
        #expect(!guard_.isOpen("p", now: clock.now))
        for _ in 0..<3 { _ = try? await call(Unanswered()) }
        #expect(guard_.isOpen("p", now: clock.now))
        await #expect(throws: ProviderGuard.Open.self) { try await call(nil) }
        clock.advance(31)
        // One more unanswered trial re-opens it at once; an answer closes it.
        _ = try? await call(Unanswered())
        #expect(guard_.isOpen("p", now: clock.now))
        clock.advance(31)
        #expect(try await call(nil) == 1)
        #expect(!guard_.isOpen("p", now: clock.now))
        _ = try? await call(Unanswered())
        #expect(!guard_.isOpen("p", now: clock.now), "one failure after a success does not open it")
    }

    /// A TCP port that accepts connections (the kernel completes the handshake) and never answers.
    final class BlackHole: @unchecked Sendable {
        let fd: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = 0
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(fd, 128) == 0 else { throw Abort(.internalServerError, reason: "black hole socket") }
            var out = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &out) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            self.port = Int(UInt16(bigEndian: out.sin_port))
        }

        private let closed = NIOLockedValueBox(false)

        /// Closing the listener resets the connections it never accepted: the callers fail at once.
        /// Once only: a second close(2) could close a descriptor NIO has since been given.
        func close() {
            let first = closed.withLockedValue { done -> Bool in
                defer { done = true }
                return !done
            }
            if first { _ = Glibc.close(fd) }
        }
    }

    /// Issue 14 §4: a provider that never answers never delays an inbound delivery. With channel
    /// verifications hanging on an unreachable Twilio up to its per-provider cap (the rest wait in
    /// the queue), a signed delivery is stored and routed while every one of them still hangs.
    /// One behaviour under load, so one test: the load is the setup of its only check.
    static func slowProviderNeverDelaysInbound(_ db: TestDB) async throws {
        // setup
        let hole = try BlackHole()
        defer { hole.close() }
        try await withTestApp(db, configure: {
            $0.twilioAPIURL = "http://127.0.0.1:\(hole.port)"
            // The hanging calls hang for the whole test: the delivery must arrive while they do.
            $0.providerTimeoutSeconds = 600
            $0.publicURL = URL(string: MessagingScenarios.publicBase)
            $0.workerEnabled = true
            $0.workerPollMilliseconds = 100
        }) { app in
            var client = APIClient(app)
            try await client.signup()
            let r = try await client.send(.POST, "/api/v1/channels", json: [
                "kind": "twilio_whatsapp", "name": "Shop WhatsApp",
                "credentials": ["account_sid": FakeTwilio.accountSID, "auth_token": FakeTwilio.authToken, "from_number": "+14155238886"],
            ])
            #expect(r.status == .created, "\(r.body)")
            let channelID = try #require(UUID(uuidString: r["id"] as? String ?? ""))
            let businessID = try #require(try await App.Channel.find(channelID, on: app.db)?.businessID)
            // Eight channel verifications queued: all of them hang on the unreachable provider.
            try await app.store.write(app.db) { tx in
                for _ in 0..<7 {
                    try await JobQueue.enqueue(ChannelVerifyJob.self, ChannelPayload(channelID: channelID), businessID: businessID,
                                               runAt: app.clock.now(), on: tx)
                }
            }
            // Wait (by condition) until Twilio holds all the slots it may: its per-provider cap. The
            // other verifications wait their turn in the queue instead of holding worker loops.
            let cap = app.providerGuard.perProvider
            let deadline = Date().addingTimeInterval(60)
            let twilio = ChannelAdapters.twilioProvider(app)
            var running = 0
            while Date() < deadline {
                running = app.providerGuard.inFlight(twilio)
                if running >= cap { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(running == cap, "\(running) verifications hanging, cap \(cap)")

            // act: a signed delivery now reaches the inbox without waiting for any of them.
            let signer = TwilioSigner(publicBase: MessagingScenarios.publicBase, authToken: FakeTwilio.authToken)
            let path = "/webhooks/twilio/\(channelID.uuidString.lowercased())"
            let signed = signer.signedForm(path: path, [("From", "whatsapp:+919800000002"), ("To", "whatsapp:+14155238886"),
                                                        ("Body", "cement ka rate?"), ("MessageSid", "SMslow1"), ("NumMedia", "0"),
                                                        ("AccountSid", FakeTwilio.accountSID)])
            var headers = HTTPHeaders()
            headers.contentType = .urlEncodedForm
            headers.add(name: "X-Twilio-Signature", value: signed.signature)
            let sent = Date()
            try await app.testing().test(.POST, path, headers: headers, body: ByteBuffer(string: signed.body)) { res in
                #expect(res.status == .ok)
            }
            var arrived: TimeInterval? = nil
            var stillHanging = 0
            while Date() < sent.addingTimeInterval(60) {
                if try await Message.query(on: app.db).filter(\.$direction == .inbound).filter(\.$routedAt != nil).count() == 1 {
                    arrived = Date().timeIntervalSince(sent)
                    stillHanging = app.providerGuard.inFlight(twilio)
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            // verify
            let elapsed = try #require(arrived, "the delivery never reached the inbox")
            // Issue 14 §4: 29 s before lanes; 0.1–0.3 s on a quiet machine now (1 s is the issue's
            // target; a figure, printed, not asserted: with the whole suite sharing two cores it
            // has taken 11 s). The assertion is the property itself, independent of load: the
            // delivery was stored and routed while every provider call was still hanging.
            print("slow provider (\(db)): delivery reached the inbox in \(String(format: "%.3f", elapsed)) s")
            #expect(stillHanging == cap, "routed with \(stillHanging) of \(cap) provider calls still hanging")
            #expect(app.providerGuard.inFlight(twilio) <= cap)
            hole.close()
        }
    }
}
