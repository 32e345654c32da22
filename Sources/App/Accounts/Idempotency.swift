import Fluent
import Vapor

/// `Idempotency-Key` on authenticated POSTs (DESIGN §4): the first successful (2xx) result is
/// stored per business and key; a repeat with the same body replays it, a repeat with a different
/// body is refused, and a repeat while the first is still running gets 409. Failed attempts free
/// the key so a corrected retry can run. Records are kept for 24 hours.
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
        let businessID = principal.businessID
        let db = req.db

        do {
            try await req.store.write(db) { tx in
                try await IdempotencyRecord.query(on: tx)
                    .filter(\.$businessID == businessID)
                    .filter(\.$createdAt < now.addingTimeInterval(-Self.retention))
                    .delete()
                try await IdempotencyRecord(businessID: businessID, key: key, requestHash: fingerprint, createdAt: now).create(on: tx)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            guard let existing = try await IdempotencyRecord.query(on: db)
                .filter(\.$businessID == businessID).filter(\.$key == key).first() else {
                throw APIError.conflict("idempotency_in_progress", "A request with this Idempotency-Key is being processed; retry shortly.")
            }
            guard existing.requestHash == fingerprint else {
                throw APIError(.unprocessableEntity, "idempotency_key_reused",
                               "This Idempotency-Key was already used for a different request.")
            }
            guard let status = existing.status else {
                throw APIError.conflict("idempotency_in_progress", "A request with this Idempotency-Key is being processed; retry shortly.")
            }
            let response = Response(status: HTTPResponseStatus(statusCode: status))
            response.headers.contentType = .json
            response.headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
            response.body = .init(string: existing.responseBody ?? "")
            return response
        }

        func release() async {
            try? await req.store.write(db) { tx in
                try await IdempotencyRecord.query(on: tx).filter(\.$businessID == businessID).filter(\.$key == key).delete()
            }
        }

        let response: Response
        do {
            response = try await next.respond(to: req)
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
}
