// End-to-end latency from a typed command to a confirmed invoice (issue 3 §10), on SQLite:
// a real server on a loopback port, real HTTP, the offline parser, the ledger. Prints figures;
// it asserts nothing (targets live in the README, not in timed unit tests).
//
//   swift run -c release AssistantBench [rounds]
import App
import AsyncHTTPClient
import Foundation
import NIOCore
import Vapor

@main
struct AssistantBench {
    static func main() async throws {
        let rounds = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("munim-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var config = AppConfig()
        config.database = .sqlite(path: dir.appendingPathComponent("bench.sqlite").path)
        config.bcryptCost = 4
        config.logLevel = .error
        config.port = 0
        var env = Environment.production
        env.arguments = ["bench"]
        let app = try await Application.make(env)
        app.logger.logLevel = .error
        try await configure(app, config: config)
        try await app.autoMigrate()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = app.http.server.shared.localAddress!.port!
        let base = "http://127.0.0.1:\(port)/api/v1"
        let http = HTTPClient(eventLoopGroupProvider: .singleton)

        var cookie = "", csrf = ""
        func call(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
            var req = HTTPClientRequest(url: base + path)
            req.method = method
            req.headers.add(name: "Content-Type", value: "application/json")
            if !cookie.isEmpty { req.headers.add(name: "Cookie", value: "munim_session=\(cookie)") }
            if !csrf.isEmpty { req.headers.add(name: "X-CSRF-Token", value: csrf) }
            if let body { req.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))) }
            let res = try await http.execute(req, timeout: .seconds(30))
            if let set = res.headers.first(name: "set-cookie"), let v = set.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last {
                cookie = String(v)
            }
            let bytes = try await res.body.collect(upTo: 1 << 22)
            guard (200..<300).contains(Int(res.status.code)) else {
                throw Abort(.internalServerError, reason: "\(path) → \(res.status.code): \(String(buffer: bytes))")
            }
            return (try JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]) ?? [:]
        }

        let signup = try await call(.POST, "/auth/signup", ["email": "bench@example.com", "password": "bench password 1", "business_name": "Bench", "owner_name": "B"])
        csrf = signup["csrf_token"] as? String ?? ""
        _ = try await call(.POST, "/products", ["name": "Cement", "unit": "bag", "price": 35_000, "stock": 1_000_000])
        _ = try await call(.POST, "/customers", ["name": "Ramesh"])

        var parseAndPreview: [Double] = [], confirm: [Double] = [], total: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<rounds {
            let t0 = clock.now
            let reply = try await call(.POST, "/assistant/messages", ["text": "sold 2 bags cement to Ramesh at 350, paid 500"])
            let t1 = clock.now
            guard let card = reply["card"] as? [String: Any], let id = card["id"] as? String else { fatalError("no card: \(reply)") }
            _ = try await call(.POST, "/assistant/cards/\(id)/confirm")
            let t2 = clock.now
            func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
            parseAndPreview.append(ms(t1 - t0))
            confirm.append(ms(t2 - t1))
            total.append(ms(t2 - t0))
        }
        func pct(_ xs: [Double], _ p: Double) -> Double {
            let s = xs.sorted()
            return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))]
        }
        print("assistant end-to-end on SQLite, \(rounds) invoices (message → preview card → confirm → issued):")
        for (name, xs) in [("message → preview", parseAndPreview), ("confirm → issued", confirm), ("total", total)] {
            print(String(format: "  %-18@ p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms", name as NSString, pct(xs, 0.5), pct(xs, 0.99), xs.max() ?? 0))
        }
        try await http.shutdown()
        await app.server.shutdown()
        try await app.asyncShutdown()
    }
}
