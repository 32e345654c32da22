import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// `Idempotency-Key` on authenticated POSTs (DESIGN §4): the first successful (2xx) result is
/// stored per business and key; a repeat with the same body replays it, a repeat with a different
/// body is refused, and a repeat while the first is still running gets 409. Failed attempts that
/// committed nothing free the key so a corrected retry can run. Records are kept for 24 hours.
///
/// Crash safety (issue 14 §3): the record says "in progress" only for a lease
/// (`MUNIM_IDEMPOTENCY_LEASE_SECONDS`). The write transaction that commits the request's effect
/// also marks the record committed and names the resource it made (`IdempotencyScope`), so after a
/// crash between that commit and the stored reply a retry replays the resource, and a retry of a
/// request that committed nothing runs it once the lease is over. A key can never be stuck.
struct IdempotencyMiddleware: AsyncMiddleware {
    static let header = "Idempotency-Key"
    static let retention: TimeInterval = 86_400

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard req.method == .POST, let key = req.headers.first(name: Self.header) else {
            return try await next.respond(to: req)
        }
        guard !key.isEmpty, key.count <= 200 else {
            throw APIError.validation("Idempotency-Key", "must be 1 to 200 characters")
        }
        let principal = try req.principal
        let body = try await req.body.collect(max: req.application.munimConfig.maxBodyBytes).get()
        let fingerprint = Tokens.hash("\(req.method.rawValue) \(req.url.path)\n" + (body.map { String(buffer: $0) } ?? ""))
        let now = req.now
        let lease = TimeInterval(req.application.munimConfig.idempotencyLeaseSeconds)
        let businessID = principal.businessID
        let db = req.db

        do {
            try await req.store.write(db) { tx in
                try await IdempotencyRecord.query(on: tx)
                    .filter(\.$businessID == businessID)
                    .filter(\.$createdAt < now.addingTimeInterval(-Self.retention))
                    .delete()
                let record = IdempotencyRecord(businessID: businessID, key: key, requestHash: fingerprint, createdAt: now)
                record.leaseUntil = now.addingTimeInterval(lease)
                try await record.create(on: tx)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            guard let existing = try await IdempotencyRecord.query(on: db)
                .filter(\.$businessID == businessID).filter(\.$key == key).first() else {
                throw Self.inProgress()
            }
            guard existing.requestHash == fingerprint else {
                throw APIError(.unprocessableEntity, "idempotency_key_reused",
                               "This Idempotency-Key was already used for a different request.")
            }
            if let status = existing.status {
                return Self.replay(status: status, body: existing.responseBody ?? "")
            }
            if existing.committedAt != nil {
                // The effect committed but its reply was never stored (the server stopped in between).
                if let resource = existing.resource {
                    return try await Self.replayResource(resource, status: existing.replayStatus ?? 200, record: existing, req: req)
                }
                throw APIError.conflict("idempotency_outcome_unknown",
                                        "The request with this Idempotency-Key was carried out, but its reply was lost when the server stopped. Look the result up instead of retrying.")
            }
            // Nothing committed: still running, or its process died. Past the lease, take it over.
            guard (existing.leaseUntil ?? existing.createdAt) < now else { throw Self.inProgress() }
            let taken: Bool = try await req.store.write(db) { tx in
                let rows = try await tx.sql.update(IdempotencyRecord.schema)
                    .set("lease_until", to: now.addingTimeInterval(lease))
                    // Compared with now, not with the value read back: SQLite rounds dates on reading.
                    .where("id", .equal, existing.id!).where("lease_until", .lessThan, now)
                    .where(SQLColumn("committed_at"), .is, SQLLiteral.null).where(SQLColumn("status"), .is, SQLLiteral.null)
                    .returning("id").all()
                return !rows.isEmpty
            }
            guard taken else { throw Self.inProgress() }
        }

        func release() async {
            // Only a record whose request committed nothing is freed; one that committed keeps
            // guarding its effect (a retry replays it).
            try? await req.store.write(db) { tx in
                try await IdempotencyRecord.query(on: tx).filter(\.$businessID == businessID).filter(\.$key == key)
                    .filter(\.$committedAt == nil).delete()
            }
        }

        let scope = IdempotencyScope(businessID: businessID, key: key)
        let response: Response
        do {
            response = try await IdempotencyScope.$current.withValue(scope) { try await next.respond(to: req) }
        } catch {
            await release()
            throw error
        }
        if (200..<300).contains(response.status.code) {
            let text = response.body.buffer.map { String(buffer: $0) } ?? ""
            let status = Int(response.status.code)
            try await req.store.write(db) { tx in
                try await IdempotencyRecord.query(on: tx)
                    .filter(\.$businessID == businessID).filter(\.$key == key)
                    .set(\.$status, to: status).set(\.$responseBody, to: text)
                    .update()
            }
        } else {
            await release()
        }
        return response
    }

    static func inProgress() -> APIError {
        var e = APIError.conflict("idempotency_in_progress", "A request with this Idempotency-Key is being processed; retry shortly.")
        e.headers.replaceOrAdd(name: .retryAfter, value: "1")
        return e
    }

    static func replay(status: Int, body: String) -> Response {
        let response = Response(status: HTTPResponseStatus(statusCode: status))
        response.headers.contentType = .json
        response.headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
        response.body = .init(string: body)
        return response
    }

    /// Answers a committed request from the resource it made: the same GET a client would send
    /// (same credentials), with the first request's status. The reply is stored for later repeats.
    static func replayResource(_ path: String, status: Int, record: IdempotencyRecord, req: Request) async throws -> Response {
        var headers = req.headers
        headers.remove(name: .contentType)
        headers.remove(name: .contentLength)
        headers.remove(name: Self.header)
        let sub = Request(application: req.application, method: .GET, url: URI(path: path), headers: headers,
                          logger: req.logger, on: req.eventLoop)
        let fetched = try await req.application.responder.respond(to: sub).get()
        guard fetched.status == .ok else {
            throw APIError.conflict("idempotency_outcome_unknown",
                                    "The request with this Idempotency-Key was carried out, but what it made can no longer be read.")
        }
        let text = fetched.body.buffer.map { String(buffer: $0) } ?? ""
        try await req.store.write(req.db) { tx in
            try await IdempotencyRecord.query(on: tx).filter(\.$id == record.id!)
                .set(\.$status, to: status).set(\.$responseBody, to: text).update()
        }
        return replay(status: status, body: text)
    }
}

/// The `Idempotency-Key` a request runs under, seen by `Store.write` (task-local): the write
/// transaction that commits the request's effect marks the key's record committed in the same
/// transaction, with the resource a retry can replay (issue 14 §3).
final class IdempotencyScope: Sendable {
    @TaskLocal static var current: IdempotencyScope?

    let businessID: UUID
    let key: String
    private let made = NIOLockedValueBox<(path: String, status: Int)?>(nil)

    init(businessID: UUID, key: String) {
        self.businessID = businessID
        self.key = key
    }

    /// Names what the current request made or changed: the API path whose GET answers for it, and
    /// the status its reply had. Call inside the write transaction, before it commits.
    static func made(_ path: String, status: Int) {
        current?.made.withLockedValue { $0 = (path, status) }
    }

    /// Marks the key's record committed inside `tx` (called by `Store.write` before COMMIT).
    func markCommitted(on tx: any Database, now: Date) async throws {
        let made = made.withLockedValue { $0 }
        var update = try tx.sql.update(IdempotencyRecord.schema).set("committed_at", to: now)
        if let made { update = update.set("resource", to: made.path).set("replay_status", to: made.status) }
        try await update.where("business_id", .equal, businessID).where("key", .equal, key)
            .where(SQLColumn("status"), .is, SQLLiteral.null).run()
    }
}
