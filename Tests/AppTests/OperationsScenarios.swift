@testable import App
import Fluent
import Foundation
import Testing
import VaporTesting
import Logging
import NIOConcurrencyHelpers

enum OperationsScenarios {
    static func healthReadyDocs(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            let client = APIClient(app)
            #expect(try await client.send(.GET, "/health").status == .ok)
            let ready = try await client.send(.GET, "/ready")
            #expect(ready.status == .ok)
            #expect(ready["migrations"] as? String == "current")
            let spec = try await client.send(.GET, "/api/v1/openapi.json")
            #expect(spec["openapi"] as? String == "3.1.0")
            let page = try await client.send(.GET, "/api/v1/nothing-here")
            #expect(page.status == .notFound)
            #expect(page.errorCode == "not_found")
            #expect(page.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)
        }
    }

    static func readyReportsPendingMigrations(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            try await app.autoRevert()
            let ready = try await APIClient(app).send(.GET, "/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect((ready["migrations"] as? String)?.hasPrefix("pending") == true)
            try await app.autoMigrate()
        }
    }
}

/// Issue 7: /metrics, JSON logs and the cross-process link.
enum ClusterScenarios {
    /// Runs `body` with a deadline; fails the test instead of hanging when the deadline passes.
    static func within<T: Sendable>(_ seconds: Int, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw TestTimeout(what: what)
            }
            return value
        }
    }

    struct TestTimeout: Error, CustomStringConvertible {
        let what: String
        var description: String { "timed out waiting for \(what)" }
    }

    /// The value of one series in a Prometheus text exposition, or nil when the series is absent.
    private static func metricValue(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    /// /metrics speaks the Prometheus text format and counts HTTP requests (and their durations)
    /// by method, route and status, with unmatched paths under one route label.
    static func httpMetrics(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var client = APIClient(app)
            _ = try await client.signup()

            // act
            #expect(try await client.send(.GET, "/health").status == .ok)
            #expect(try await client.send(.GET, "/api/v1/nothing-here").status == .notFound)
            #expect(try await client.send(.GET, "/api/v1/customers").status == .ok)
            let res = try await client.send(.GET, "/metrics")

            // verify
            #expect(res.status == .ok)
            #expect(res.headers.first(name: .contentType)?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = res.body
            func value(_ series: String) -> Double? { metricValue(text, series) }
            #expect(value(#"munim_http_requests_total{method="GET",route="/health",status="200"}"#) == 1)
            #expect(value(#"munim_http_requests_total{method="GET",route="unmatched",status="404"}"#) == 1)
            #expect(value(#"munim_http_requests_total{method="GET",route="/api/v1/customers",status="200"}"#) == 1)
            #expect(value(#"munim_http_request_duration_seconds_count{method="GET",route="/health"}"#) == 1)
            #expect(text.contains(#"munim_http_request_duration_seconds_bucket{method="GET",route="/health",le="0.005"}"#))
        }
    }

    /// /metrics reports the job queue (a job overdue by 30 s), workflow runs, the outbox, the
    /// scrape itself and the database: ping time, pool size and, on PostgreSQL, this process's
    /// connections by state.
    static func jobAndDatabaseMetrics(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var client = APIClient(app)
            _ = try await client.signup()
            try await app.store.write(app.db) { tx in
                try await JobQueue.enqueue(TestNoopJob.self, NoPayload(), businessID: nil, runAt: app.clock.now().addingTimeInterval(-30), on: tx)
            }

            // act
            let res = try await client.send(.GET, "/metrics")

            // verify
            #expect(res.status == .ok)
            let text = res.body
            func value(_ series: String) -> Double? { metricValue(text, series) }
            #expect(value(#"munim_jobs{status="queued"}"#) == 1)
            #expect(value("munim_jobs_due") == 1)
            #expect((value("munim_jobs_oldest_due_age_seconds") ?? 0) >= 29)
            #expect(value(#"munim_workflow_runs{status="succeeded"}"#) == 0)
            #expect(value(#"munim_outbox_messages{status="sent"}"#) == 0)
            #expect(value("munim_metrics_scrape_ok") == 1)
            #expect((value("munim_db_ping_seconds") ?? -1) >= 0)
            #expect((value("munim_db_pool_max_connections") ?? 0) >= 1)
            if !app.store.isSQLite {
                // This process's own connections, found by their application_name.
                let open = ["active", "idle", "idle in transaction"].compactMap { value(#"munim_db_pool_connections{state="\#($0)"}"#) }
                #expect(open.count == 3)
                #expect(open.reduce(0, +) >= 1)
            }
        }
    }

    static func jsonLogLines() throws {
        let lines = NIOLockedValueBox<[String]>([])
        var logger = Logger(label: "munim.test") { label in
            JSONLogHandler(label: label, level: .info) { line in lines.withLockedValue { $0.append(line) } }
        }
        logger[metadataKey: "request_id"] = "req-42"
        logger.info("request finished", metadata: ["status": .stringConvertible(201), "msg": "clash"])
        logger.debug("not at info")
        let got = lines.withLockedValue { $0 }
        #expect(got.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(got[0].utf8)) as? [String: Any]
        #expect(object?["msg"] as? String == "request finished")
        #expect(object?["meta_msg"] as? String == "clash")
        #expect(object?["level"] as? String == "info")
        #expect(object?["request_id"] as? String == "req-42")
        #expect(object?["status"] as? String == "201")
        #expect((object?["ts"] as? String)?.hasSuffix("Z") == true)
        #expect(!got[0].contains("\n"))
    }

    static func payloadPacking() throws {
        let business = UUID()
        var batch = ClusterLink.Batch(jobs: true)
        batch.runs = (0..<400).map { _ in UUID() }
        batch.events = (0..<300).map { i in
            (business, BusinessEvent(type: "run.updated", id: UUID(), at: Date(), data: ["n": .int(Int64(i)), "note": .string("ordre \(i)")]))
        }
        batch.events.append((business, BusinessEvent(type: "message.created", id: UUID(), at: Date(),
                                                        data: ["body": .string(String(repeating: "x", count: 20_000))])))
        let payloads = ClusterLink.payloads(batch, origin: "abc")
        #expect(payloads.count > 2)
        var runs: [UUID] = [], events: [BusinessEvent] = [], jobs = 0
        for p in payloads {
            #expect(p.utf8.count <= ClusterLink.maxPayload)
            let m = try ClusterLink.Notice.decoder.decode(ClusterLink.Notice.self, from: Data(p.utf8))
            #expect(m.o == "abc")
            if m.j == true { jobs += 1 }
            runs += m.r ?? []
            events += (m.e ?? []).map(\.v)
        }
        #expect(jobs == 1)
        #expect(runs == batch.runs)
        #expect(events.map(\.id) == batch.events.map(\.1.id))
        #expect(events.last?.data["truncated"] == .bool(true))
        #expect(events.first?.data["note"] == "ordre 0")
    }

    /// Two processes' worth of app on one PostgreSQL database: an event published by one reaches
    /// the other's SSE subscribers, a run signal reaches the other's waiting webhook, a job
    /// wake-up is heard — and nothing comes back to its sender.
    static func fanOutBetweenProcesses() async throws {
        try await withTestApp(.postgres) { a in
            let b = try await Application.make(.testing)
            do {
                try await configure(b, config: a.munimConfig, clock: a.clock)
                try await b.asyncBoot()
                try await a.asyncBoot()
                guard let linkA = a.cluster, let linkB = b.cluster else {
                    Issue.record("no cluster link on PostgreSQL"); try await b.asyncShutdown(); return
                }
                try await within(20, "both listeners") {
                    await linkA.waitUntilListening()
                    await linkB.waitUntilListening()
                }
                let business = UUID(), other = UUID()
                let (_, streamB) = b.events.subscribe(businessID: business)
                let (_, streamOther) = b.events.subscribe(businessID: other)
                let (_, streamA) = a.events.subscribe(businessID: business)
                #expect(a.events.hasSubscribers(UUID()), "with a link every business may have listeners elsewhere")

                let event = BusinessEvent(type: "run.updated", id: UUID(), at: Date(timeIntervalSince1970: 1_800_000_000.123),
                                          data: ["status": "succeeded", "orderId": "A-1"])
                a.events.publish(business, event)
                let got = try await within(20, "the event in the other process") {
                    var it = streamB.makeAsyncIterator()
                    return await it.next()
                }
                #expect(got?.id == event.id)
                #expect(got?.type == "run.updated")
                #expect(got?.data["orderId"] == "A-1", "event data keeps its keys")
                #expect(got?.at == event.at)
                let local = try await within(5, "the local copy") {
                    var it = streamA.makeAsyncIterator()
                    return await it.next()
                }
                #expect(local?.id == event.id)

                // A run signal wakes a webhook call waiting in the other process.
                let run = UUID()
                let waited = ContinuousClock.now
                let waiters = b.runWaiters
                let waiting = Task { await waiters.wait(run, timeout: .seconds(60)) }
                try await within(20, "the waiter to register") {
                    while !waiters.isWaiting(run) { try await Task.sleep(for: .milliseconds(5)) }
                }
                a.runWaiters.signal(run)
                try await within(20, "the run signal") { await waiting.value }
                #expect(ContinuousClock.now - waited < .seconds(30), "the waiter was woken, not timed out")

                // A job enqueued in one process is announced to the others.
                let before = linkB.received.value
                a.jobs.wakeup.notify()
                try await within(20, "the job announcement") {
                    while linkB.received.value == before { try await Task.sleep(for: .milliseconds(5)) }
                }
                // Another business's stream saw nothing; A never hears its own messages.
                b.events.publish(other, BusinessEvent(type: "marker", id: UUID(), at: Date(), data: [:]))
                let marker = try await within(10, "the marker") {
                    var it = streamOther.makeAsyncIterator()
                    return await it.next()
                }
                #expect(marker?.type == "marker", "the first event on the other business's stream is its own")
                try await b.asyncShutdown()
            } catch {
                try? await b.asyncShutdown()
                throw error
            }
        }
    }

    /// Many processes' first messages to one new handle at once: one contact, one session, no
    /// transaction aborted by a unique violation (seen as retried jobs in the cluster test).
    static func concurrentFirstMessagesShareOneContact(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var client = APIClient(app)
            try await client.signup()
            let me = try await client.send(.GET, "/api/v1/me")
            let businessText = (me["business"] as? [String: Any])?["id"] as? String
            let businessID = try #require(businessText.flatMap(UUID.init(uuidString:)))
            let channel = try await MessagingService(app: app, businessID: businessID).simulatorChannel()
            let channelID = try #require(channel.id)
            let now = app.clock.now()
            let pairs = try await withThrowingTaskGroup(of: (UUID, UUID).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await app.store.write(app.db) { tx in
                            let (s, c) = try await MessagingService.findOrCreateSession(
                                channelID: channelID, businessID: businessID, handle: "+919812345678", name: "Meena",
                                isOwner: false, threadRef: nil, now: now, on: tx)
                            return (s.id!, c.id!)
                        }
                    }
                }
                var all: [(UUID, UUID)] = []
                for try await p in group { all.append(p) }
                return all
            }
            #expect(pairs.count == 8)
            #expect(Set(pairs.map(\.0)).count == 1, "one session")
            #expect(Set(pairs.map(\.1)).count == 1, "one contact")
            #expect(try await Contact.query(on: app.db).filter(\.$handle == "+919812345678").count() == 1)
        }
    }

    /// Group commit: concurrent callers share transactions, each returns only after its item is
    /// committed and gets its own item's outcome, and an item that fails its batch fails only its
    /// own caller.
    static func groupCommit(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            try await app.db.sql.raw("CREATE TABLE gc_items (name TEXT PRIMARY KEY)").run()
            let firstBatchMayCommit = AsyncStream<Void>.makeStream()
            let calls = NIOLockedValueBox(0)
            let intake = GroupCommit<String, String>(store: app.store, db: app.db) { names, tx in
                // The first write holds its transaction until the test has queued everything else,
                // so the rest is known to arrive while a commit is in progress.
                if calls.withLockedValue({ $0 += 1; return $0 }) == 1 {
                    for await _ in firstBatchMayCommit.stream { break }
                }
                for name in names {
                    if name == "bad" { throw APIError.badRequest("a bad item") }
                    try await tx.sql.raw("INSERT INTO gc_items (name) VALUES (\(bind: name))").run()
                }
                return names.map { "committed \($0)" }
            }
            let outcomes = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
                group.addTask {
                    do { return ("first", try await intake.submit("first") == "committed first") } catch { return ("first", false) }
                }
                while calls.withLockedValue({ $0 }) < 1 { await Task.yield() }  // the first write has begun
                for name in (0..<40).map({ "item-\($0)" }) + ["bad"] {
                    group.addTask {
                        do { return (name, try await intake.submit(name) == "committed \(name)") } catch { return (name, false) }
                    }
                }
                while intake.waiting < 41 { await Task.yield() }
                firstBatchMayCommit.continuation.yield()
                firstBatchMayCommit.continuation.finish()
                var all: [String: Bool] = [:]
                for try await (name, ok) in group { all[name] = ok }
                return all
            }
            #expect(outcomes.count == 42)
            #expect(outcomes["bad"] == false)
            #expect(outcomes.filter { $0.value }.count == 41, "every other caller succeeded, with its own item's outcome")
            let rows = try await app.db.sql.raw("SELECT name FROM gc_items").all().map { try $0.decode(column: "name", as: String.self) }
            #expect(Set(rows) == Set(["first"] + (0..<40).map { "item-\($0)" }))
            #expect(rows.count == 41)
            // The first item alone, the 41 queued behind it in one batch, which failed and was
            // written again one item at a time.
            #expect(intake.items == 41)
            #expect(calls.withLockedValue { $0 } == 1 + 1 + 41)
        }
    }
}
