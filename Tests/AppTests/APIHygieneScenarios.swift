@testable import App
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Testing
import Vapor
import VaporTesting

/// Issue 14, smaller defects: control characters, content types, error codes, cursors and
/// limits, and overload answers (503 `busy`). Each scenario runs on SQLite and PostgreSQL.
@Suite("API hygiene")
struct APIHygieneTests {
    @Test(arguments: APIHygieneTests.databases) func controlCharactersAreRefused(_ db: TestDB) async throws { try await APIHygieneScenarios.controlCharacters(db) }
    @Test(arguments: APIHygieneTests.databases) func onlyJSONBodies(_ db: TestDB) async throws { try await APIHygieneScenarios.contentTypes(db) }
    @Test(arguments: APIHygieneTests.databases) func everyErrorHasACode(_ db: TestDB) async throws { try await APIHygieneScenarios.errorCodes(db) }
    @Test(arguments: APIHygieneTests.databases) func cursorsAndLimits(_ db: TestDB) async throws { try await APIHygieneScenarios.cursorsAndLimits(db) }
    @Test(arguments: APIHygieneTests.databases) func busyDatabaseAnswers503(_ db: TestDB) async throws { try await APIHygieneScenarios.busyAnswers(db) }
    @Test func transientErrorClassifier() async throws { try await APIHygieneScenarios.classifier() }
    @Test func statusCodesAreStable() { APIHygieneScenarios.statusCodes() }

    static var databases: [TestDB] { PostgresCluster.available ? [.sqlite, .postgres] : [.sqlite] }
}

enum APIHygieneScenarios {
    static func controlCharacters(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var client = APIClient(app)
            try await client.signup()
            let customer = try await client.customer()
            let product = try await client.product()
            let before = try await Customer.query(on: app.db).count()

            // act + verify: a NUL in a value, named by its field; nothing written
            let nul = try await client.send(.POST, "/api/v1/customers", json: ["name": "Ramesh\u{0}Traders"])
            #expect(nul.status == .unprocessableEntity)
            #expect(nul.errorCode == "validation_failed")
            #expect(nul.fields == ["name": "must not contain control characters"])
            #expect(try await Customer.query(on: app.db).count() == before)

            // nested: the snake path of the item
            let nested = try await client.send(.POST, "/api/v1/invoices", json: [
                "customer_id": customer, "items": [["product_id": product, "quantity": 1], ["description": "Labour\u{1B}[31m", "quantity": 1, "unit_price": 100]],
            ])
            #expect(nested.status == .unprocessableEntity)
            #expect(nested.fields == ["items[1].description": "must not contain control characters"])
            #expect(try await Invoice.query(on: app.db).count() == 0)

            // object keys, DEL and C1 controls count too; the key is shown escaped, never raw
            let key = try await client.send(.PATCH, "/api/v1/customers/\(customer)", json: ["notes\u{7}": "x", "address": "a\u{7F}b", "state": "\u{85}"])
            #expect(key.status == .unprocessableEntity)
            #expect(Set(key.fields.keys) == ["notes\\u0007", "address", "state"])
            #expect(!key.body.contains("\u{7}"))

            // escaped in the JSON text, exactly as a client would send it
            let escaped = try await client.send(.PATCH, "/api/v1/customers/\(customer)", raw: #"{"notes":"a\u0000b"}"#)
            #expect(escaped.status == .unprocessableEntity)
            #expect(escaped.fields["notes"] != nil)

            // query strings as well (PostgreSQL refuses a NUL outright)
            let query = try await client.send(.GET, "/api/v1/customers?q=a%00b")
            #expect(query.status == .unprocessableEntity)
            #expect(query.fields == ["q": "must not contain control characters"])

            // tab, newline and carriage return are text; so are Devanagari and emoji
            let fine = try await client.send(.PATCH, "/api/v1/customers/\(customer)", json: ["notes": "line 1\r\nline 2\tकल 🙏", "address": "\\u0000 is fine as text"])
            #expect(fine.status == .ok, "\(fine.body)")
            let read = try await client.send(.GET, "/api/v1/customers/\(customer)")
            #expect(read["notes"] as? String == "line 1\r\nline 2\tकल 🙏")
            #expect(read["address"] as? String == "\\u0000 is fine as text")
        }
    }

    static func contentTypes(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var client = APIClient(app)
            try await client.signup()
            let before = try await Customer.query(on: app.db).count()

            // act + verify: a form or plain text body to a JSON route is 415, and nothing is written
            for type in ["application/x-www-form-urlencoded", "text/plain", "application/xml", "application/json; charset=latin1"] {
                let r = try await client.send(.POST, "/api/v1/customers", raw: "name=Asha", headers: ["Content-Type": type])
                #expect(r.status == .unsupportedMediaType, "\(type): \(r.status)")
                #expect(r.errorCode == "unsupported_media_type")
            }
            let put = try await client.send(.PUT, "/api/v1/integrations/razorpay", raw: "credentials", headers: ["Content-Type": "text/plain"])
            #expect(put.status == .unsupportedMediaType)
            #expect(try await Customer.query(on: app.db).count() == before)

            // JSON with a charset parameter is JSON
            let utf8 = try await client.send(.POST, "/api/v1/customers", raw: #"{"name":"Asha"}"#, headers: ["Content-Type": "application/json; charset=UTF-8"])
            #expect(utf8.status == .created, "\(utf8.body)")

            // an empty body needs no content type
            let card = try await client.send(.POST, "/api/v1/assistant/cards/\(UUID())/confirm", raw: "", headers: ["Content-Type": "text/plain"])
            #expect(card.status == .notFound)

            // the voice upload takes multipart (and answers that no transcription is configured)
            let boundary = "XyZ"
            let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"note.webm\"\r\nContent-Type: audio/webm\r\n\r\nabcd\r\n--\(boundary)--\r\n"
            let voice = try await client.send(.POST, "/api/v1/assistant/messages", raw: body, headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
            #expect(voice.status == .unprocessableEntity)
            #expect(voice.errorCode == "transcription_unavailable")
            // an unreadable multipart body is bad input, not a server error
            let broken = try await client.send(.POST, "/api/v1/assistant/messages", raw: "--\(boundary)--\r\n", headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
            #expect(broken.status == .badRequest, "\(broken.body)")
            #expect(broken.errorCode == "invalid_multipart")
            // ...but multipart elsewhere is refused
            let elsewhere = try await client.send(.POST, "/api/v1/customers", raw: body, headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
            #expect(elsewhere.status == .unsupportedMediaType)

            // provider webhooks live outside /api/v1 and keep taking forms
            let hook = try await APIClient(app).send(.POST, "/hooks/unknown-hook", raw: "a=1", headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(hook.status == .notFound)
            let twilio = try await APIClient(app).send(.POST, "/webhooks/twilio/\(UUID())", raw: "Body=hi", headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(twilio.status != .unsupportedMediaType)
        }
    }

    static func errorCodes(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var client = APIClient(app)
            try await client.signup()

            // unsupported methods: 405 with the methods the path serves
            for method in [HTTPMethod.TRACE, .CONNECT, .RAW(value: "FROBNICATE")] {
                let r = try await client.send(method, "/api/v1/customers")
                #expect(r.status == .methodNotAllowed, "\(method)")
                #expect(r.errorCode == "method_not_allowed")
                #expect(r.headers.first(name: .allow) == "GET, HEAD, POST")
            }
            let put = try await client.send(.PUT, "/api/v1/customers", json: ["name": "x"])
            #expect(put.status == .methodNotAllowed)
            #expect(put.headers.first(name: .allow) == "GET, HEAD, POST")
            // a constant path is not an id: PUT /workflows/catalog is not PUT /workflows/{id}
            let catalog = try await client.send(.PUT, "/api/v1/workflows/catalog", json: [String: Any]())
            #expect(catalog.status == .methodNotAllowed)
            #expect(catalog.headers.first(name: .allow) == "GET, HEAD")
            let options = try await client.send(.OPTIONS, "/api/v1/customers/\(UUID())")
            #expect(options.status == .noContent)
            #expect(options.headers.first(name: .allow) == "GET, HEAD, PATCH, DELETE, OPTIONS")
            #expect(try await client.send(.POST, "/health").status == .methodNotAllowed)

            // malformed JSON keeps its message and gets its own code
            let bad = try await client.send(.POST, "/api/v1/customers", raw: #"{"name": "#)
            #expect(bad.status == .badRequest)
            #expect(bad.errorCode == "invalid_json")
            #expect((bad.json["error"] as? [String: Any])?["message"] as? String == "The body is not valid JSON.")

            // and the rest of Vapor's own statuses
            #expect(try await client.send(.GET, "/api/v1/nowhere").errorCode == "not_found")
            #expect(try await APIClient(app).send(.GET, "/api/v1/customers").errorCode == "unauthenticated")
            #expect(try await client.send(.GET, "/api/v1/customers/not-a-uuid").errorCode == "bad_request")
        }
    }

    static func cursorsAndLimits(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var client = APIClient(app)
            try await client.signup()
            let product = try await client.product()
            for name in ["A", "B", "C"] { _ = try await client.customer(name) }
            let lists = ["/api/v1/customers", "/api/v1/products", "/api/v1/invoices", "/api/v1/payments", "/api/v1/products/\(product)/movements",
                         "/api/v1/inbox/sessions", "/api/v1/workflows", "/api/v1/runs"]
            let foreign = Data("o:-5".utf8).base64EncodedString()
            for list in lists {
                for cursor in ["garbage", foreign, "bzox=", "%00", "bzoxMA"] {
                    let r = try await client.send(.GET, "\(list)?cursor=\(cursor)")
                    // %00 is a control character (422); the rest are cursors this server never issued
                    if cursor == "%00" { #expect(r.status == .unprocessableEntity, "\(list)"); continue }
                    #expect(r.status == .badRequest, "\(list)?cursor=\(cursor): \(r.status)")
                    #expect(r.errorCode == "invalid_cursor", "\(list)?cursor=\(cursor)")
                }
                for limit in ["0", "201", "-1", "abc", "1.5", "", "99999999999999999999"] {
                    let r = try await client.send(.GET, "\(list)?limit=\(limit)")
                    #expect(r.status == .unprocessableEntity, "\(list)?limit=\(limit): \(r.status)")
                    #expect(r.fields["limit"] != nil, "\(list)?limit=\(limit)")
                }
            }
            // a cursor this server issued still pages
            let first = try await client.send(.GET, "/api/v1/customers?limit=2")
            let next = try #require(first["next_cursor"] as? String)
            let second = try await client.send(.GET, "/api/v1/customers?limit=2&cursor=\(next)")
            #expect(second.status == .ok)
            #expect(second.items.count == 1)

            // the messages of a conversation page with before/after (their cursors)
            let sim = try await client.send(.POST, "/api/v1/simulator/messages", json: ["text": "hello", "from": "+919812345678"])
            #expect(sim.status == .accepted, "\(sim.body)")
            let session = try #require(sim["session_id"] as? String)
            for bad in ["before=abc", "after=-1", "before=1e3"] {
                let r = try await client.send(.GET, "/api/v1/inbox/sessions/\(session)/messages?\(bad)")
                #expect(r.status == .badRequest, "\(bad)")
                #expect(r.errorCode == "invalid_cursor", "\(bad)")
            }
            let limit = try await client.send(.GET, "/api/v1/inbox/sessions/\(session)/messages?limit=0")
            #expect(limit.fields["limit"] != nil)
            #expect(try await client.send(.GET, "/api/v1/inbox/sessions/\(session)/messages?limit=200&after=0").status == .ok)
        }
    }

    /// 503 `busy` with Retry-After, through a route, for the database's real contention errors.
    static func busyAnswers(_ db: TestDB) async throws {
        var captured: CapturedError? = nil
        if db == .sqlite { captured = CapturedError(error: try await realSQLiteBusy()) }
        let sqliteBusy = captured
        try await withTestApp(db) { app in
            // setup: routes that fail the way an overloaded database does
            app.get("api", "v1", "test-busy", ":state") { req async throws -> String in
                let state = req.parameters.get("state") ?? ""
                guard state.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { throw Abort(.badRequest) }
                if state == "pool" { throw ConnectionPoolTimeoutError.connectionRequestTimeout }
                if let sqliteBusy { throw sqliteBusy.error }
                // A real server error with the SQLSTATE, raised inside a transaction like a write.
                try await req.db.transaction { tx in
                    try await tx.sql.raw("DO $$ BEGIN RAISE EXCEPTION 'contention' USING ERRCODE = '\(unsafeRaw: state)'; END $$").run()
                }
                return "unreachable"
            }
            let client = APIClient(app)
            var states = ["pool"]
            if db == .postgres { states += ["55P03", "40001", "40P01"] } else { states += ["sqlite"] }
            for state in states {
                // act
                let r = try await client.send(.GET, "/api/v1/test-busy/\(state)")
                // verify
                #expect(r.status == .serviceUnavailable, "\(state): \(r.body)")
                #expect(r.errorCode == "busy", "\(state)")
                #expect((r.json["error"] as? [String: Any])?["message"] as? String == "Munim is busy; please retry in a moment.")
                #expect(r.headers.first(name: .retryAfter) == "1", "\(state)")
            }
            if db == .postgres {
                // Other server errors stay 500s without internals.
                let other = try await client.send(.GET, "/api/v1/test-busy/22012")
                #expect(other.status == .internalServerError)
                #expect(other.errorCode == "internal_error")
                #expect(!other.body.contains("contention"))

                // A real lock timeout: another connection holds the row lock.
                let customer = try await APIClient.ownerWithCustomer(app)
                try await app.db.transaction { holder in
                    try await holder.sql.raw("SELECT id FROM customers WHERE id = \(bind: customer) FOR UPDATE").run()
                    do {
                        try await app.db.transaction { tx in
                            try await tx.sql.raw("SET LOCAL lock_timeout = '50ms'").run()
                            try await tx.sql.raw("UPDATE customers SET name = 'x' WHERE id = \(bind: customer)").run()
                        }
                        Issue.record("the update did not wait for the lock")
                    } catch {
                        #expect(TransientErrors.isTransientDatabaseError(error), "\(String(reflecting: error))")
                        #expect(TransientErrors.sqlState(of: error) == "55P03")
                    }
                }
            }
        }
    }

    /// SQLITE_BUSY from SQLite itself: in WAL mode a read transaction whose snapshot is stale
    /// cannot become a write transaction (the busy handler is not consulted for that).
    static func realSQLiteBusy() async throws -> any Error {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("munim-busy-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        func run(_ c: SQLiteConnection, _ sql: String) async throws { try await c.query(sql, []) { _ in } }
        let a = try await SQLiteConnection.open(storage: .file(path: path))
        let b = try await SQLiteConnection.open(storage: .file(path: path))
        var refusal: (any Error)? = nil
        do {
            try await run(a, "PRAGMA journal_mode=WAL")
            try await run(a, "CREATE TABLE t (x INTEGER)")
            try await run(b, "BEGIN")
            try await run(b, "SELECT count(*) FROM t")
            try await run(a, "INSERT INTO t VALUES (1)")
            try await run(b, "INSERT INTO t VALUES (2)")
        } catch {
            refusal = error
        }
        try? await run(b, "ROLLBACK")
        try await a.close()
        try await b.close()
        guard let refusal else {
            Issue.record("SQLite did not refuse the stale write")
            return ConnectionPoolTimeoutError.connectionRequestTimeout
        }
        return refusal
    }

    static func classifier() async throws {
        #expect(TransientErrors.isTransientDatabaseError(ConnectionPoolTimeoutError.connectionRequestTimeout))
        #expect(!TransientErrors.isTransientDatabaseError(ConnectionPoolError.shutdown))
        #expect(!TransientErrors.isTransientDatabaseError(APIError.busy))
        #expect(!TransientErrors.isTransientDatabaseError(Abort(.serviceUnavailable)))
        #expect(!TransientErrors.isTransientDatabaseError(CancellationError()))
        let busy = try await realSQLiteBusy()
        #expect(TransientErrors.isTransientDatabaseError(busy), "\(String(reflecting: busy))")
        #expect(TransientErrors.sqlState(of: busy) == nil)
    }

    /// Vapor's own statuses map to stable codes; none is the bare "error".
    static func statusCodes() {
        let cases: [(HTTPResponseStatus, String)] = [
            (.unauthorized, "unauthenticated"), (.forbidden, "forbidden"), (.notFound, "not_found"), (.methodNotAllowed, "method_not_allowed"),
            (.conflict, "conflict"), (.tooManyRequests, "rate_limited"), (.unsupportedMediaType, "unsupported_media_type"),
            (.payloadTooLarge, "payload_too_large"), (.unprocessableEntity, "validation_failed"), (.gone, "gone"),
            (.requestHeaderFieldsTooLarge, "request_header_fields_too_large"), (.imATeapot, "i_m_a_teapot"),
            (.serviceUnavailable, "busy"), (.internalServerError, "internal_error"), (.badGateway, "internal_error"),
        ]
        for (status, code) in cases {
            let mapped = APIErrorMiddleware.abort(Abort(status))
            #expect(mapped.code == code, "\(status.code)")
            #expect(mapped.code != "error")
        }
        #expect(APIErrorMiddleware.decodingError(.dataCorrupted(.init(codingPath: [], debugDescription: "x"))).code == "invalid_json")
    }
}

/// A real driver error carried into a route closure (errors are not Sendable).
struct CapturedError: @unchecked Sendable {
    let error: any Error
}

extension APIClient {
    /// A fresh owner with one customer; returns the customer's id.
    static func ownerWithCustomer(_ app: Application) async throws -> UUID {
        var client = APIClient(app)
        try await client.signup()
        return try #require(UUID(uuidString: try await client.customer("Locked Traders")))
    }
}
