import Fluent
import SQLKit
import Vapor

/// Jobs that will not run again (issue 14 §2): `dead` (the worker stopped while running them
/// `max_attempts` times) or `failed` (their handler gave up). What each was for shows the failure
/// where the owner looks, and the owner sees, retries or discards them on the Operations page.
enum DeadJobs {
    /// What to tell the open pages once the transaction that retired the job has committed.
    typealias AfterCommit = @Sendable () -> Void

    // MARK: showing the failure on the subject

    /// A workflow run whose step (or start) kept stopping the worker: the step and the run fail
    /// with the reason, shown on the run page.
    static func runDied(runID: UUID, nodeID: String?, _ job: DeadJob, _ app: Application, _ tx: any Database) async throws -> AfterCommit? {
        guard let adv = try await RunTransitions.died(runID: runID, nodeID: nodeID, reason: job.reason, attempts: job.attempts,
                                                      now: app.clock.now(), on: tx) else { return nil }
        return { adv.publish(app) }
    }

    // MARK: what the owner does with them

    /// Back to the queue with fresh attempts, due now; false when the job is no longer given up.
    static func requeue(_ id: UUID, now: Date, store: Store, db: any Database) async throws -> Bool {
        let changed = try await store.write(db) { tx in
            try await tx.sql.update(JobRow.schema).set("status", to: "queued").set("attempts", to: 0).set("run_at", to: now)
                .set("lease_owner", to: SQLLiteral.null).set("lease_until", to: SQLLiteral.null).set("updated_at", to: now)
                .where("id", .equal, id).where(SQLColumn("status"), .in, SQLGroupExpression(givenUp.map { SQLBind($0.rawValue) }))
                .returning("id").all().count
        }
        return changed == 1
    }

    static func discard(_ id: UUID, store: Store, db: any Database) async throws {
        try await store.write(db) { tx in
            try await JobRow.query(on: tx).filter(\.$id == id).filter(\.$status ~~ givenUp).delete()
        }
    }

    // MARK: the API

    struct ItemDTO: Content {
        let id: UUID
        let kind: String
        let status: String
        let subject: String
        @NullEncoded var subjectID: UUID?
        let attempts: Int
        let maxAttempts: Int
        @NullEncoded var lastError: String?
        let failedAt: Date

        init(_ j: JobRow) {
            id = j.id!
            kind = j.kind
            status = j.status.rawValue
            (subject, subjectID) = JobKinds.subject(kind: j.kind, payloadText: j.payload)
            attempts = j.attempts
            maxAttempts = j.maxAttempts
            lastError = j.lastError
            failedAt = j.updatedAt
        }
    }

    static let givenUp = JobStatus.givenUp

    struct Controller {
        func register(_ api: any RoutesBuilder) {
            api.on(.deadJobs, use: list)
            api.on(.deadJobRetry, use: retry)
            api.on(.deadJobDiscard, use: discard)
        }

        func owner(_ req: Request) throws -> Principal {
            let p = try req.principal
            guard p.role == .owner else { throw APIError.forbidden("Only the owner can see and retry failed jobs.") }
            return p
        }

        @Sendable func list(req: Request) async throws -> Page<ItemDTO> {
            let p = try owner(req)
            let page = try PageRequest(req)
            let rows = try await JobRow.query(on: req.db).filter(\.$businessID == p.businessID).filter(\.$status ~~ DeadJobs.givenUp)
                .sort(\.$updatedAt, .descending).sort(\.$id).paged(page).all()
            return page.page(rows.map(ItemDTO.init))
        }

        func job(_ req: Request, _ p: Principal) async throws -> JobRow {
            guard let raw = req.parameters.get("id"), let id = UUID(uuidString: raw) else {
                throw APIError.badRequest("The id in the path is not a valid id.")
            }
            guard let j = try await JobRow.query(on: req.db).filter(\.$businessID == p.businessID).filter(\.$id == id)
                .filter(\.$status ~~ DeadJobs.givenUp).first() else { throw APIError.notFound("Failed job") }
            return j
        }

        /// Back to the queue with fresh attempts, due now.
        @Sendable func retry(req: Request) async throws -> ItemDTO {
            let p = try owner(req)
            let j = try await job(req, p)
            let now = req.now
            guard try await DeadJobs.requeue(j.id!, now: now, store: req.store, db: req.db) else { throw APIError.notFound("Failed job") }
            // The reply is what was just written: a worker may take the job the moment it is woken.
            j.status = .queued; j.attempts = 0; j.runAt = now; j.leaseOwner = nil; j.leaseUntil = nil; j.updatedAt = now
            return ItemDTO(j)
        }

        @Sendable func discard(req: Request) async throws -> HTTPStatus {
            let p = try owner(req)
            let j = try await job(req, p)
            try await DeadJobs.discard(j.id!, store: req.store, db: req.db)
            return .noContent
        }
    }
}
