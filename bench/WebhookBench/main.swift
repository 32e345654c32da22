// The inbound Twilio webhook path (issue 4 §9): signature check + dedupe + persist + enqueue,
// against a baseline route in the same server that returns 200 and does no work, measured in
// the same run. A real server on a loopback port, SQLite, a Swift load generator.
//
//   swift run -c release WebhookBench [seconds] [webhook|baseline]   (default 5 per phase; a phase name: that phase only)
//   BENCH_CONNECTIONS=64 …   (closed-loop connections, default 32)
//
// Phases: (1) closed loop, 32 connections, baseline and webhook in three alternating rounds
// (`seconds` in all per phase): throughput and p50/p99; (2) open loop at 500 requests/s on the
// webhook: p99. Prints the ratio and checks that every acknowledged delivery was stored; asserts
// nothing.
import App
import AsyncHTTPClient
import Foundation
import NIOCore
import SQLKit
import Vapor

@main
struct WebhookBench {
    struct Result {
        let requests: Int
        let seconds: Double
        let latencies: [Double]
        let failures: Int
        var throughput: Double { Double(requests) / seconds }
        init(requests: Int, seconds: Double, latencies: [Double], failures: Int) {
            self.requests = requests
            self.seconds = seconds
            self.latencies = latencies
            self.failures = failures
        }
        /// Several rounds of one phase as one: their requests over their summed time.
        init(merging rounds: [Result]) {
            self.init(requests: rounds.reduce(0) { $0 + $1.requests }, seconds: rounds.reduce(0) { $0 + $1.seconds },
                      latencies: rounds.flatMap(\.latencies), failures: rounds.reduce(0) { $0 + $1.failures })
        }
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
        var line: String {
            String(format: "%8.0f req/s   p50 %6.2f ms   p99 %6.2f ms   (%d requests, %d failed)",
                   throughput, percentile(0.5) * 1000, percentile(0.99) * 1000, requests, failures)
        }
    }

    static func main() async throws {
        let seconds = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 5
        let benchConnections = Int(ProcessInfo.processInfo.environment["BENCH_CONNECTIONS"] ?? "32") ?? 32
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("munim-webhook-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var config = AppConfig()
        config.database = .sqlite(path: dir.appendingPathComponent("bench.sqlite").path)
        config.dataDirectory = dir.path
        config.bcryptCost = 4
        config.logLevel = .error
        // Only the inbound path is measured: routing jobs are enqueued, not run.
        config.workerEnabled = false
        var env = Environment.production
        env.arguments = ["bench"]
        let app = try await Application.make(env)
        app.logger.logLevel = .error
        try await configure(app, config: config)
        app.post("bench", "baseline") { _ in HTTPStatus.ok }
        try await app.autoMigrate()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = app.http.server.shared.localAddress!.port!
        let base = "http://127.0.0.1:\(port)"
        var httpConfig = HTTPClient.Configuration()
        httpConfig.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)

        // A business and a Twilio channel, through the API.
        func call(_ method: HTTPMethod, _ path: String, _ body: String, cookie: String? = nil, csrf: String? = nil) async throws -> (HTTPClientResponse, [String: Any]) {
            var r = HTTPClientRequest(url: base + path)
            r.method = method
            r.headers.add(name: "Content-Type", value: "application/json")
            if let cookie { r.headers.add(name: "Cookie", value: "munim_session=\(cookie)") }
            if let csrf { r.headers.add(name: "X-CSRF-Token", value: csrf) }
            r.body = .bytes(ByteBuffer(string: body))
            let res = try await http.execute(r, timeout: .seconds(30))
            let data = try await res.body.collect(upTo: 1 << 20)
            return (res, (try? JSONSerialization.jsonObject(with: Data(buffer: data))) as? [String: Any] ?? [:])
        }
        let (signup, me) = try await call(.POST, "/api/v1/auth/signup",
                                          #"{"email":"bench@example.com","password":"bench password 1","business_name":"Bench","owner_name":"B"}"#)
        let cookie = String(signup.headers.first(name: "set-cookie")!.split(separator: ";")[0].split(separator: "=", maxSplits: 1)[1])
        let token = "0123456789abcdef0123456789abcdef"
        let (_, channel) = try await call(.POST, "/api/v1/channels",
            #"{"kind":"twilio_whatsapp","name":"WA","credentials":{"account_sid":"AC\#(String(repeating: "0", count: 32))","auth_token":"\#(token)","from_number":"+14155238886"}}"#,
            cookie: cookie, csrf: me["csrf_token"] as? String)
        let path = "/webhooks/twilio/\((channel["id"] as! String).lowercased())"
        let publicBase = app.publicBaseURL

        // Signed deliveries are prepared before the clock starts, so the load generator's own
        // HMAC and form encoding (it shares the cores with the server) do not count against the
        // webhook; each is a distinct message (a distinct MessageSid).
        struct Signed: Sendable { let body: String; let signature: String }
        let prepared: [Signed] = (0..<Int(seconds * 14_000)).map { n in
            let fields: [(String, String)] = [("AccountSid", "AC" + String(repeating: "0", count: 32)), ("Body", "price of cement? #\(n)"),
                                              ("From", "whatsapp:+9198\(String(format: "%08d", n % 500))"), ("MessageSid", "SM\(UUID().uuidString)"),
                                              ("NumMedia", "0"), ("ProfileName", "Load \(n % 500)"), ("To", "whatsapp:+14155238886")]
            return Signed(body: TwilioSigning.formEncode(fields),
                          signature: TwilioSigning.signature(authToken: token, url: publicBase + path, params: fields))
        }
        let counter = Counter()
        @Sendable func webhookRequest() -> HTTPClientRequest {
            // More requests than prepared (a machine far faster than this one) reuse deliveries,
            // which the server then deduplicates: still the full path.
            let signed = prepared[(counter.next() - 1) % prepared.count]
            var r = HTTPClientRequest(url: base + path)
            r.method = .POST
            r.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            r.headers.add(name: "X-Twilio-Signature", value: signed.signature)
            r.body = .bytes(ByteBuffer(string: signed.body))
            return r
        }
        @Sendable func baselineRequest() -> HTTPClientRequest {
            var r = HTTPClientRequest(url: base + "/bench/baseline")
            r.method = .POST
            r.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            r.body = .bytes(ByteBuffer(string: "a=b"))
            return r
        }

        // Every 200 promised a stored delivery: count the inbound jobs (distinct MessageSids, since
        // a reused delivery is deduplicated).
        func persisted(acknowledged: Int) async throws -> String {
            let sql = app.db as! any SQLDatabase
            let row = try await sql.raw("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'inbound.receive'").first()
            let stored = try row?.decode(column: "n", as: Int.self) ?? 0
            return "stored: \(stored) inbound deliveries for \(acknowledged) acknowledged requests (\(min(acknowledged, prepared.count)) distinct)"
        }

        func closedLoop(_ make: @escaping @Sendable () -> HTTPClientRequest, connections: Int, duration: Double = seconds) async -> Result {
            let deadline = ContinuousClock.now + .seconds(duration)
            let start = Date()
            let results = await withTaskGroup(of: ([Double], Int).self) { group in
                for _ in 0..<connections {
                    group.addTask {
                        var lat: [Double] = [], failed = 0
                        while ContinuousClock.now < deadline {
                            let t = Date()
                            do {
                                let res = try await http.execute(make(), timeout: .seconds(10))
                                _ = try await res.body.collect(upTo: 1 << 16)
                                if res.status != .ok { failed += 1 }
                            } catch { failed += 1 }
                            lat.append(Date().timeIntervalSince(t))
                        }
                        return (lat, failed)
                    }
                }
                var all: [Double] = [], failed = 0
                for await (l, f) in group { all += l; failed += f }
                return (all, failed)
            }
            return Result(requests: results.0.count, seconds: Date().timeIntervalSince(start), latencies: results.0, failures: results.1)
        }

        func openLoop(_ make: @escaping @Sendable () -> HTTPClientRequest, rate: Double) async -> Result {
            let total = Int(rate * seconds)
            let start = Date()
            let results = await withTaskGroup(of: (Double, Bool).self) { group in
                for i in 0..<total {
                    let due = start.addingTimeInterval(Double(i) / rate)
                    let wait = due.timeIntervalSinceNow
                    if wait > 0 { try? await Task.sleep(for: .seconds(wait)) }
                    group.addTask {
                        let t = Date()
                        do {
                            let res = try await http.execute(make(), timeout: .seconds(10))
                            _ = try await res.body.collect(upTo: 1 << 16)
                            return (Date().timeIntervalSince(t), res.status == .ok)
                        } catch { return (Date().timeIntervalSince(t), false) }
                    }
                }
                var all: [Double] = [], failed = 0
                for await (l, ok) in group { all.append(l); if !ok { failed += 1 } }
                return (all, failed)
            }
            return Result(requests: results.0.count, seconds: Date().timeIntervalSince(start), latencies: results.0, failures: results.1)
        }

        if let phase = CommandLine.arguments.dropFirst(2).first, ["webhook", "baseline"].contains(phase) {
            // One phase alone (for a profiler: `perf record … WebhookBench 5 webhook`).
            if phase == "baseline" {
                print("baseline (200, no work)        \(await closedLoop(baselineRequest, connections: benchConnections).line)")
            } else {
                let only = await closedLoop(webhookRequest, connections: benchConnections)
                print("webhook (verify+dedupe+store)  \(only.line)")
                print(try await persisted(acknowledged: only.requests - only.failures))
            }
            try await http.shutdown()
            await app.server.shutdown()
            try await app.asyncShutdown()
            return
        }
        // Warm-ups, then three alternating rounds of each closed loop: on a machine whose speed
        // drifts (a shared host), alternating keeps one phase from getting all the slow seconds.
        _ = await closedLoop(baselineRequest, connections: 8, duration: 1)
        let warm = await closedLoop(webhookRequest, connections: 8, duration: 1)
        var baselines: [Result] = [], webhooks: [Result] = []
        for _ in 0..<3 {
            baselines.append(await closedLoop(baselineRequest, connections: benchConnections, duration: seconds / 3))
            webhooks.append(await closedLoop(webhookRequest, connections: benchConnections, duration: seconds / 3))
        }
        let baseline = Result(merging: baselines), webhook = Result(merging: webhooks)
        let paced = await openLoop(webhookRequest, rate: 500)
        print("baseline (200, no work)        \(baseline.line)")
        print("webhook (verify+dedupe+store)  \(webhook.line)")
        print("webhook at 500 req/s (open)    \(paced.line)")
        print("rounds (webhook/baseline):     " + zip(webhooks, baselines).map { String(format: "%.0f/%.0f = %.2f", $0.throughput, $1.throughput,
                                                                                                 $0.throughput / $1.throughput) }.joined(separator: ", "))
        print(String(format: "ratio webhook/baseline throughput: %.2f (target ≥ 0.50); p99 at 500 req/s: %.2f ms (target < 10 ms)",
                     webhook.throughput / baseline.throughput, paced.percentile(0.99) * 1000))
        print(try await persisted(acknowledged: [warm, webhook, paced].reduce(0) { $0 + $1.requests - $1.failures }))
        try await http.shutdown()
        await app.server.shutdown()
        try await app.asyncShutdown()
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
}
