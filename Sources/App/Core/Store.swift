import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Serializes write transactions when the database is SQLite.
///
/// SQLite allows one writer at a time and Fluent's SQLite driver sets no busy timeout, so two
/// connections writing at once fail with SQLITE_BUSY. SQLite is the single-instance default, so an
/// in-process lock is enough there; on PostgreSQL writers run concurrently and correctness comes
/// from row locks and conditional updates inside each transaction (DESIGN §1: no in-memory state
/// is required for correctness on the multi-instance setup).
actor AsyncMutex {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !locked { locked = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty { locked = false } else { waiters.removeFirst().resume() }
    }
}

public final class Store: Sendable {
    public let isSQLite: Bool
    private let gate = AsyncMutex()
    /// Wakes this process's workers; called after a transaction that enqueued a job commits
    /// (set at configure time to `app.jobs.wakeup.notify`).
    private let wake = NIOLockedValueBox<(@Sendable () -> Void)?>(nil)

    public init(isSQLite: Bool) { self.isSQLite = isSQLite }

    func onJobsCommitted(_ wake: @escaping @Sendable () -> Void) { self.wake.withLockedValue { $0 = wake } }

    /// Runs `body` in one database transaction; every write in Munim goes through here.
    public func write<T: Sendable>(_ db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        // Already inside a transaction (a service called from another's transaction): join it.
        if db.inTransaction { return try await body(db) }
        // Jobs enqueued in the transaction wake the workers once it has committed (issue 15 §3).
        let hooks = TransactionHooks()
        // Under an Idempotency-Key, the transaction that commits the effect also marks the key
        // committed (issue 14 §3), so a crash can never separate the two.
        let scope = IdempotencyScope.current
        // The driver may run this closure in a task of its own: bind the task locals again so
        // services can name what they made (`IdempotencyScope.made`) and enqueue jobs.
        let work: @Sendable (any Database) async throws -> T = { tx in
            try await TransactionHooks.$current.withValue(hooks) {
                guard let scope else { return try await body(tx) }
                let result = try await IdempotencyScope.$current.withValue(scope) { try await body(tx) }
                try await scope.markCommitted(on: tx, now: Date())
                return result
            }
        }
        let result = isSQLite ? try await gated { try await db.transaction(work) } : try await db.transaction(work)
        if hooks.wakeWorkers { wake.withLockedValue { $0 }?() }
        return result
    }

    /// Runs `body`, which issues exactly one statement, as a write without BEGIN/COMMIT around it:
    /// a single statement is atomic by itself on both databases, and on SQLite this saves two
    /// round trips to the database thread per write (the group-committed webhook path). Takes the
    /// same write gate as `write`.
    public func writeStatement<T: Sendable>(_ db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard isSQLite, !db.inTransaction else { return try await body(db) }
        return try await gated { try await body(db) }
    }

    /// Runs `body` holding SQLite's one write gate.
    private func gated<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await gate.lock()
        do {
            let result = try await body()
            await gate.unlock()
            return result
        } catch {
            await gate.unlock()
            throw error
        }
    }
}

extension Application {
    private struct StoreKey: StorageKey { typealias Value = Store }
    private struct ClockKey: StorageKey { typealias Value = AppClock }
    private struct ConfigKey: StorageKey { typealias Value = AppConfig }

    public var store: Store {
        get { storage[StoreKey.self] ?? Store(isSQLite: true) }
        set { storage[StoreKey.self] = newValue }
    }

    /// Injected time, so tests can pin "now" (STYLE habit 9).
    public var clock: AppClock {
        get { storage[ClockKey.self] ?? AppClock() }
        set { storage[ClockKey.self] = newValue }
    }

    /// The base URL providers call back (webhooks, status callbacks): MUNIM_PUBLIC_URL, else the
    /// address this process listens on (`--hostname`/`--port` included).
    public var publicBaseURL: String {
        if let u = munimConfig.publicURL?.absoluteString { return u.hasSuffix("/") ? String(u.dropLast()) : u }
        let host = http.server.configuration.hostname
        return "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(http.server.configuration.port)"
    }

    public var munimConfig: AppConfig {
        get { storage[ConfigKey.self] ?? AppConfig() }
        set { storage[ConfigKey.self] = newValue }
    }
}

public struct AppClock: Sendable {
    public var now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date = { Date() }) { self.now = now }
}

extension Request {
    var store: Store { application.store }
    var now: Date { application.clock.now() }
}

extension Database {
    /// The SQLKit view of a Fluent database, for portable statements Fluent cannot express
    /// (atomic `x = x - n` updates with RETURNING, aggregates).
    var sql: any SQLDatabase {
        get throws {
            guard let s = self as? any SQLDatabase else {
                throw APIError(.internalServerError, "internal_error", "The database driver does not speak SQL.")
            }
            return s
        }
    }
}

/// A case-insensitive substring match that behaves the same on SQLite and PostgreSQL:
/// `LOWER(column) LIKE '%term%' ESCAPE '\'`, with the user's `%`, `_` and `\` escaped.
struct ContainsIgnoringCase: SQLExpression {
    let column: String
    let term: String

    func serialize(to serializer: inout SQLSerializer) {
        let escaped = term.lowercased()
            .replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        SQLFunction("LOWER", args: SQLColumn(column)).serialize(to: &serializer)
        serializer.write(" LIKE ")
        SQLBind("%\(escaped)%").serialize(to: &serializer)
        serializer.write(" ESCAPE '\\'")
    }
}

/// `?limit=` (default 50, max 200) and `?cursor=` (DESIGN §4). The cursor is an opaque token for
/// the offset of the next page.
public struct PageRequest: Sendable {
    public var limit: Int
    public var offset: Int

    public init(limit: Int = 50, offset: Int = 0) {
        self.limit = limit
        self.offset = offset
    }

    init(_ req: Request) throws {
        let limit = try Self.limit(req)
        var offset = 0
        if let cursor = req.query[String.self, at: "cursor"], !cursor.isEmpty {
            guard let o = Self.offset(cursor: cursor) else { throw Self.invalidCursor }
            offset = o
        }
        self.init(limit: limit, offset: offset)
    }

    /// `?limit=`: absent → 50; anything but an integer from 1 to 200 → 422 naming `limit`. Every
    /// list endpoint reads its page size here (issue 14).
    static func limit(_ req: Request, default fallback: Int = 50) throws -> Int {
        guard let raw = req.query[String.self, at: "limit"] else { return fallback }
        guard raw.count <= 3, raw.allSatisfy(\.isASCII), let l = Int(raw), (1...200).contains(l) else {
            throw APIError.validation("limit", "must be an integer from 1 to 200")
        }
        return l
    }

    /// 400 `invalid_cursor`: a cursor this server did not issue never silently means "first page".
    static let invalidCursor = APIError(.badRequest, "invalid_cursor", "The cursor is not one this server issued; use next_cursor from the previous page.")

    /// The offset inside a cursor this server issued (`base64("o:<offset>")`), or nil.
    static func offset(cursor: String) -> Int? {
        guard cursor.count <= 64, let data = Data(base64Encoded: cursor), let s = String(data: data, encoding: .utf8),
              s.hasPrefix("o:"), s.count <= 14, let o = Int(s.dropFirst(2)), o >= 0,
              Data(s.utf8).base64EncodedString() == cursor else { return nil }
        return o
    }

    func page<T: Codable & Sendable>(_ rows: [T]) -> Page<T> {
        // Callers fetch limit + 1 rows; the extra one tells whether another page exists.
        let more = rows.count > limit
        let items = Array(rows.prefix(limit))
        let next = more ? Data("o:\(offset + limit)".utf8).base64EncodedString() : nil
        return Page(items: items, nextCursor: next)
    }
}

public struct Page<T: Codable & Sendable>: Content {
    public var items: [T]
    @NullEncoded public var nextCursor: String?
}

extension QueryBuilder {
    func paged(_ p: PageRequest) -> Self {
        range(p.offset..<(p.offset + p.limit + 1))
    }
}

/// Random tokens and their stored hashes (tokens are stored hashed; DESIGN §8 spirit).
enum Tokens {
    static func random(bytes: Int = 32) -> String {
        var g = SystemRandomNumberGenerator()
        let raw = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(raw).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time comparison for secrets received from clients.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
