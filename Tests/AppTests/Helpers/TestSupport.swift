@testable import App
import Fluent
import Foundation
import NIOHTTP1
import Testing
import VaporTesting

/// The databases every scenario runs on.
enum TestDB: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }

    /// The databases every scenario runs on: SQLite, and PostgreSQL when its binaries are here.
    static let all: [TestDB] = {
        guard PostgresCluster.available else {
            print("note: PostgreSQL scenarios are left out: \(PostgresCluster.skipReason.rawValue)")
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }()
}

let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path
}()

/// A pinned clock that tests can move forward.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) { current = start }
    var now: Date { lock.lock(); defer { lock.unlock() }; return current }
    func advance(_ seconds: TimeInterval) { lock.lock(); current += seconds; lock.unlock() }
    var appClock: AppClock { AppClock(now: { [self] in self.now }) }
}

/// Runs `body` with the production wiring on a fresh database: a temporary SQLite file, or a new
/// database in the throwaway PostgreSQL cluster.
func withTestApp(_ db: TestDB, clock: TestClock? = nil, configure adjust: (inout AppConfig) -> Void = { _ in },
                 _ body: (Application) async throws -> Void) async throws {
    var config = AppConfig()
    config.bcryptCost = 4
    config.publicDirectory = repositoryRoot + "/Public"
    // Tests run jobs explicitly with app.jobs.drain(app:) under a pinned clock.
    config.workerEnabled = false
    config.secretKeyHex = String(repeating: "ab", count: 32)
    let tempDir = FileManager.default.temporaryDirectory.appendingPathComponent("munim-test-\(UUID().uuidString)")
    switch db {
    case .sqlite:
        try FileManager.default.createDirectory(at: tempDir, withIntermediateDirectories: true)
        config.database = .sqlite(path: tempDir.appendingPathComponent("test.sqlite").path)
    case .postgres:
        config.database = .postgres(url: try await PostgresCluster.shared.createDatabase())
    }
    adjust(&config)
    let app = try await Application.make(.testing)
    do {
        try await configure(app, config: config, clock: (clock ?? TestClock()).appClock)
        try await app.autoMigrate()
        try await body(app)
    } catch {
        try? await app.asyncShutdown()
        try? FileManager.default.removeItem(at: tempDir)
        throw error
    }
    try await app.asyncShutdown()
    try? FileManager.default.removeItem(at: tempDir)
}

/// A small API client over the in-memory tester that keeps the session cookie and CSRF token.
struct APIClient {
    let app: Application
    var cookie: String?
    var csrf: String?
    var bearer: String?

    init(_ app: Application) { self.app = app }

    struct Reply {
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let body: String
        /// The body's bytes (for files; `body` is their UTF-8 reading).
        var data = Data()
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var fields: [String: String] { ((json["error"] as? [String: Any])?["details"] as? [String: Any])?["fields"] as? [String: String] ?? [:] }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONCoders.decoder.decode(T.self, from: Data(body.utf8)) }
        subscript(key: String) -> Any? { json[key] }
        var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    }

    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, json: Any? = nil, raw: String? = nil, file: Data? = nil,
              headers extra: [String: String] = [:], csrf useCSRF: Bool = true) async throws -> Reply {
        var headers = HTTPHeaders()
        var body: ByteBuffer? = nil
        if let file {
            body = ByteBuffer(data: file)  // the caller names its Content-Type in `headers`
        } else if let json {
            let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
            body = ByteBuffer(data: data)
            headers.contentType = .json
        } else if let raw {
            body = ByteBuffer(string: raw)
            headers.contentType = .json
        }
        if let cookie { headers.add(name: .cookie, value: "munim_session=\(cookie)") }
        if let csrf, useCSRF, method != .GET { headers.add(name: "X-CSRF-Token", value: csrf) }
        if let bearer { headers.bearerAuthorization = BearerAuthorization(token: bearer) }
        for (k, v) in extra { headers.replaceOrAdd(name: k, value: v) }
        var reply: Reply? = nil
        try await app.testing().test(method, path, headers: headers, body: body) { res in
            reply = Reply(status: res.status, headers: res.headers, body: res.body.string, data: Data(res.body.readableBytesView))
        }
        return reply!
    }

    /// Signs up a fresh owner and keeps the session.
    mutating func signup(email: String = "owner-\(UUID().uuidString.prefix(8))@example.com", business: String = "Test Traders") async throws -> Reply {
        let r = try await send(.POST, "/api/v1/auth/signup", json: [
            "email": email, "password": "correct horse battery", "business_name": business, "owner_name": "Owner",
        ])
        #expect(r.status == .created, "signup failed: \(r.body)")
        adopt(r)
        return r
    }

    mutating func login(_ email: String, _ password: String) async throws -> Reply {
        let r = try await send(.POST, "/api/v1/auth/login", json: ["email": email, "password": password])
        if r.status == .ok { adopt(r) }
        return r
    }

    mutating func adopt(_ r: Reply) {
        if let setCookie = r.headers.setCookie?[SessionCookie.name]?.string { cookie = setCookie }
        csrf = r["csrf_token"] as? String
    }

    // Ledger shortcuts.
    /// A product; its price is before GST unless `inclusive` (the API's default is inclusive).
    func product(_ name: String = "Cement bag", price: Int = 35_000, stock: Double = 20, gst: Double? = nil, inclusive: Bool = false) async throws -> String {
        var body: [String: Any] = ["name": name, "unit": "bag", "price": price, "stock": stock, "price_includes_gst": inclusive]
        if let gst { body["gst_rate"] = gst }
        let r = try await send(.POST, "/api/v1/products", json: body)
        #expect(r.status == .created, "product: \(r.body)")
        return r["id"] as? String ?? ""
    }

    func customer(_ name: String = "Ramesh Traders", phone: String? = nil) async throws -> String {
        var body: [String: Any] = ["name": name]
        if let phone { body["phone"] = phone }
        let r = try await send(.POST, "/api/v1/customers", json: body)
        #expect(r.status == .created, "customer: \(r.body)")
        return r["id"] as? String ?? ""
    }

    func issueInvoice(customer: String, lines: [(String, Double)], payment: Int? = nil) async throws -> Reply {
        var body: [String: Any] = ["customer_id": customer, "issue": true,
                                   "items": lines.map { ["product_id": $0.0, "quantity": $0.1] }]
        if let payment { body["payment"] = ["amount": payment, "mode": "cash"] }
        return try await send(.POST, "/api/v1/invoices", json: body)
    }
}

