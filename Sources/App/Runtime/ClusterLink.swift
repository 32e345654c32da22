import Foundation
import NIOConcurrencyHelpers
import PostgresKit
import PostgresNIO
import SQLKit
import Vapor

/// Ties the processes of one PostgreSQL deployment together (issue 7, DESIGN §1): business
/// events for SSE, "a job was enqueued" wake-ups and "this run has a response" signals travel
/// between `munim serve` and `munim worker` processes over PostgreSQL LISTEN/NOTIFY.
///
/// One channel, `munim`, carries JSON messages `{"o": origin, "j": true, "r": [run ids],
/// "e": [{"b": business id, "v": event}]}`. Each process sends what it produced through one
/// sender task that coalesces bursts into few NOTIFYs (each under PostgreSQL's 8000-byte payload
/// limit) and listens on a dedicated connection, reconnecting after a failure. A process delivers
/// its own events locally at once and ignores its own messages when they come back.
///
/// Delivery is best effort by design: a notification sent while a listener is reconnecting is
/// lost to it. Nothing durable depends on it — workers still poll the job table
/// (`MUNIM_WORKER_POLL_MS`), a webhook waiting for its response re-reads the run, and a browser
/// whose SSE stream reconnects reloads what it shows.
final class ClusterLink: LifecycleHandler, Sendable {
    static let channel = "munim"
    /// PostgreSQL refuses payloads of 8000 bytes or more; stay clear of it.
    static let maxPayload = 7_800

    /// What is waiting to be sent (`sending`: a drain task is running).
    struct Batch {
        var jobs = false
        var runs: [UUID] = []
        var events: [(UUID, BusinessEvent)] = []
        var sending = false
        var isEmpty: Bool { !jobs && runs.isEmpty && events.isEmpty }
    }

    private struct Listening {
        var task: Task<Void, Never>?
        var connection: PostgresConnection?
        var stopped = false
        var active = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// The latest sender task, awaited at shutdown so no NOTIFY runs after the database is gone.
        var drain: Task<Void, Never>?
    }

    let origin = UUID().uuidString.prefix(12).lowercased()
    private let configuration: PostgresConnection.Configuration
    private let outgoing = NIOLockedValueBox(Batch())
    private let listening = NIOLockedValueBox(Listening())
    /// Messages received from other processes (tests and /metrics read it).
    let received = LockedCounter()
    /// NOTIFY statements sent.
    let sent = LockedCounter()

    init(configuration: PostgresConnection.Configuration) {
        self.configuration = configuration
    }

    // MARK: sending

    func announceJobs(_ app: Application) {
        enqueue(app) { $0.jobs = true }
    }

    func announceRun(_ runID: UUID, _ app: Application) {
        enqueue(app) { $0.runs.append(runID) }
    }

    func announceEvent(_ businessID: UUID, _ event: BusinessEvent, _ app: Application) {
        enqueue(app) { $0.events.append((businessID, event)) }
    }

    private func enqueue(_ app: Application, _ change: (inout Batch) -> Void) {
        let start = outgoing.withLockedValue { o -> Bool in
            change(&o)
            if o.sending { return false }
            o.sending = true
            return true
        }
        guard start else { return }
        // Started under the lock `shutdownAsync` takes to stop: a sender started before the
        // shutdown is awaited by it, and none starts after (what is left is dropped: best effort).
        listening.withLockedValue { l in
            guard !l.stopped else { return }
            l.drain = Task { await self.drain(app) }
        }
    }

    /// Sends until nothing is left; only one drain runs at a time, so order is kept.
    private func drain(_ app: Application) async {
        while true {
            let batch = outgoing.withLockedValue { o -> Batch? in
                if o.isEmpty { o.sending = false; return nil }
                let b = o
                o = Batch(sending: true)
                return b
            }
            guard let batch else { return }
            for payload in Self.payloads(batch, origin: String(origin)) {
                do {
                    try await app.db.sql.raw("SELECT pg_notify(\(bind: Self.channel), \(bind: payload))").run()
                    sent.increment()
                } catch {
                    app.logger.warning("cluster notify failed: \(String(describing: error))")
                }
            }
        }
    }

    /// Packs a batch into JSON payloads under `maxPayload` bytes. An event too large on its own is
    /// sent without its data (`"data": {"truncated": true}`), so listeners still learn of it.
    static func payloads(_ batch: Batch, origin: String) -> [String] {
        var out: [String] = []
        var current = Notice(o: origin)
        func flush() {
            if !current.isEmpty, let s = current.json { out.append(s) }
            current = Notice(o: origin)
        }
        current.j = batch.jobs ? true : nil
        for id in batch.runs {
            current.r = (current.r ?? []) + [id]
            if (current.json?.utf8.count ?? 0) > maxPayload { current.r?.removeLast(); flush(); current.r = [id] }
        }
        for (business, event) in batch.events {
            var item = Notice.Event(b: business, v: event)
            if (Notice(o: origin, e: [item]).json?.utf8.count ?? 0) > maxPayload {
                item = Notice.Event(b: business, v: BusinessEvent(type: event.type, id: event.id, at: event.at, data: ["truncated": true]))
            }
            current.e = (current.e ?? []) + [item]
            if (current.json?.utf8.count ?? 0) > maxPayload { current.e?.removeLast(); flush(); current.e = [item] }
        }
        flush()
        return out
    }

    struct Notice: Codable {
        struct Event: Codable {
            var b: UUID
            var v: BusinessEvent
        }
        var o: String
        var j: Bool? = nil
        var r: [UUID]? = nil
        var e: [Event]? = nil

        var isEmpty: Bool { j != true && (r ?? []).isEmpty && (e ?? []).isEmpty }
        var json: String? { (try? Notice.encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } }

        /// Plain keys (event data keeps its own spelling) and exact instants.
        static let encoder: JSONEncoder = {
            let e = JSONEncoder()
            e.dateEncodingStrategy = .millisecondsSince1970
            return e
        }()
        static let decoder: JSONDecoder = {
            let d = JSONDecoder()
            d.dateDecodingStrategy = .millisecondsSince1970
            return d
        }()
    }

    // MARK: receiving

    func didBoot(_ app: Application) throws { start(app) }
    func didBootAsync(_ app: Application) async throws { start(app) }

    private func start(_ app: Application) {
        listening.withLockedValue { l in
            guard l.task == nil, !l.stopped else { return }
            l.task = Task { await self.listenLoop(app) }
        }
    }

    private func listenLoop(_ app: Application) async {
        var logger = app.logger
        logger[metadataKey: "component"] = "cluster"
        var failures = 0
        while !listening.withLockedValue({ $0.stopped }) {
            do {
                let conn = try await PostgresConnection.connect(on: app.eventLoopGroup.any(), configuration: configuration,
                                                                id: 0, logger: logger)
                let keep = listening.withLockedValue { l -> Bool in
                    if l.stopped { return false }
                    l.connection = conn
                    return true
                }
                guard keep else { try? await conn.close(); return }
                try await conn.listen(on: Self.channel) { notifications in
                    failures = 0
                    self.setActive(true)
                    // Anything sent while this process was not listening is not replayed: wake
                    // the worker so it looks at the table now rather than at its next poll.
                    app.jobs.wakeup.notifyLocal()
                    for try await n in notifications { self.handle(n.payload, app: app) }
                }
                try? await conn.close()
            } catch {
                if listening.withLockedValue({ $0.stopped }) { return }
                failures += 1
                if failures == 1 || failures % 30 == 0 {
                    logger.warning("cluster listener disconnected; retrying: \(String(describing: error))")
                }
            }
            listening.withLockedValue { $0.connection = nil }
            setActive(false)
            if listening.withLockedValue({ $0.stopped }) { return }
            try? await Task.sleep(for: .milliseconds(min(5000, 250 * (1 << min(failures, 5)))))
        }
    }

    private func setActive(_ active: Bool) {
        let waiters = listening.withLockedValue { l -> [CheckedContinuation<Void, Never>] in
            l.active = active
            guard active else { return [] }
            defer { l.waiters.removeAll() }
            return l.waiters
        }
        for w in waiters { w.resume() }
    }

    /// Returns once this process is listening (tests use it before they send).
    func waitUntilListening() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = listening.withLockedValue { l -> Bool in
                if l.active { return true }
                l.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    func handle(_ payload: String, app: Application) {
        guard let m = try? Notice.decoder.decode(Notice.self, from: Data(payload.utf8)), m.o != origin else { return }
        received.increment()
        if m.j == true { app.jobs.wakeup.notifyLocal() }
        for id in m.r ?? [] { app.runWaiters.signalLocal(id) }
        for e in m.e ?? [] { app.events.deliverLocal(e.b, e.v) }
    }

    func shutdownAsync(_ app: Application) async {
        let (task, conn, drain) = listening.withLockedValue { l -> (Task<Void, Never>?, PostgresConnection?, Task<Void, Never>?) in
            l.stopped = true
            return (l.task, l.connection, l.drain)
        }
        try? await conn?.close()
        task?.cancel()
        await task?.value
        // What was announced before the shutdown is sent while the database is still open.
        await drain?.value
    }

    func shutdown(_ app: Application) {
        listening.withLockedValue { $0.stopped = true }
        let (task, conn) = listening.withLockedValue { ($0.task, $0.connection) }
        let closed: EventLoopFuture<Void>? = conn?.close()
        _ = closed
        task?.cancel()
    }
}

/// A lock-protected counter (Sendable, no Atomics import needed).
final class LockedCounter: Sendable {
    private let box = NIOLockedValueBox(0)
    func increment() { box.withLockedValue { $0 += 1 } }
    var value: Int { box.withLockedValue { $0 } }
}

extension Application {
    private struct ClusterLinkKey: StorageKey { typealias Value = ClusterLink }

    /// Set on PostgreSQL deployments; nil on the single-process SQLite default.
    var cluster: ClusterLink? {
        get { storage[ClusterLinkKey.self] }
        set { storage[ClusterLinkKey.self] = newValue }
    }
}
