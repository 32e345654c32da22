import Fluent
import Foundation
import Prometheus
import SQLKit
import Vapor

/// `GET /metrics` in the Prometheus text format (issue 7 §4).
///
/// Per process: HTTP requests by method, route pattern and status, and a latency histogram by
/// route. Read from the database at scrape time (the same figures from every instance): jobs by
/// status, due jobs and the age of the oldest, workflow runs by status, the outbox by status.
/// Database pool: this process's configured maximum, its open connections by state (PostgreSQL
/// connections carry this process's `application_name`), and how long taking a connection and
/// running `SELECT 1` took.
///
/// The endpoint carries operational counts, not business data; the nginx configuration refuses
/// it from outside (Prometheus scrapes instances on the private network).
final class AppMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    static let latencyBuckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                             .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                             .milliseconds(2500), .seconds(5), .seconds(10)]

    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        registry.makeCounter(name: "munim_http_requests_total", labels: [("method", method), ("route", route), ("status", String(status))],
                             help: "HTTP requests answered, by method, route pattern and status.").increment()
        registry.makeDurationHistogram(name: "munim_http_request_duration_seconds", labels: [("method", method), ("route", route)],
                                       buckets: Self.latencyBuckets,
                                       help: "Time from request to response head, by method and route pattern.").record(duration)
    }

    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
        labels.isEmpty ? registry.makeGauge(name: name, help: help) : registry.makeGauge(name: name, labels: labels, help: help)
    }

    /// Refreshes the database-backed gauges; a failing query leaves `munim_metrics_scrape_ok` at 0.
    func collect(_ app: Application) async {
        let db = app.db
        let now = app.clock.now()
        var ok = true
        do {
            for (status, n) in try await Self.countByStatus("jobs", known: ["queued", "running", "failed"], on: db) {
                gauge("munim_jobs", "Jobs in the queue by status (queued includes those waiting for their time).",
                      [("status", status)]).set(Double(n))
            }
            let due = try await db.sql.raw("""
                SELECT COUNT(*) AS n, MIN(run_at) AS oldest FROM jobs WHERE status = 'queued' AND run_at <= \(bind: now)
                """).first()
            let dueCount = try due?.decode(column: "n", as: Int.self) ?? 0
            let oldest = try due?.decode(column: "oldest", as: Date?.self)
            gauge("munim_jobs_due", "Queued jobs whose time has come (the backlog).").set(Double(dueCount))
            gauge("munim_jobs_oldest_due_age_seconds", "How long the oldest due job has been waiting; 0 when none is due.")
                .set(oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)

            for (status, n) in try await Self.countByStatus("runs", known: RunStatus.allCases.map(\.rawValue), on: db) {
                gauge("munim_workflow_runs", "Workflow runs by status.", [("status", status)]).set(Double(n))
            }

            for (status, n) in try await Self.countByStatus("outbox", known: ["queued", "sending", "sent", "failed"], on: db) {
                gauge("munim_outbox_messages", "Outbound messages by status.", [("status", status)]).set(Double(n))
            }

            let started = ContinuousClock.now
            _ = try await db.sql.raw("SELECT 1 AS one").first()
            let elapsed = ContinuousClock.now - started
            gauge("munim_db_ping_seconds", "Time to take a pooled connection and run SELECT 1 (pool wait included).")
                .set(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)

            if app.store.isSQLite {
                gauge("munim_db_pool_max_connections", "Connections this process may open (SQLite: one writer at a time).").set(1.0)
            } else {
                let loops = app.eventLoopGroup.makeIterator().reduce(0) { n, _ in n + 1 }
                gauge("munim_db_pool_max_connections", "Connections this process may open (SQLite: one writer at a time).")
                    .set(Double(loops * app.munimConfig.databasePoolPerEventLoop))
                let conns = try await db.sql.raw("""
                    SELECT COALESCE(state, 'unknown') AS state, COUNT(*) AS n FROM pg_stat_activity
                    WHERE application_name = \(bind: app.databaseApplicationName) GROUP BY state
                    """).all()
                var states = ["active": 0, "idle": 0, "idle in transaction": 0]
                for r in conns { states[try r.decode(column: "state", as: String.self)] = try r.decode(column: "n", as: Int.self) }
                for (state, n) in states {
                    gauge("munim_db_pool_connections", "This process's open database connections by state.", [("state", state)])
                        .set(Double(n))
                }
            }
        } catch {
            ok = false
            app.logger.warning("metrics collection failed: \(String(reflecting: type(of: error)))")
        }
        gauge("munim_metrics_scrape_ok", "1 when the database-backed metrics could be read.").set(ok ? 1.0 : 0.0)
        if let link = app.cluster {
            gauge("munim_cluster_notifications_sent", "LISTEN/NOTIFY messages this process sent.").set(Double(link.sent.value))
            gauge("munim_cluster_notifications_received", "LISTEN/NOTIFY messages this process received from others.")
                .set(Double(link.received.value))
        }
        gauge("munim_sse_streams", "Open event streams in this process.").set(Double(app.events.count))
    }

    /// Rows of `table` per status; `known` statuses are present with 0 so their series do not vanish.
    static func countByStatus(_ table: String, known: [String], on db: any Database) async throws -> [String: Int] {
        var counts = Dictionary(uniqueKeysWithValues: known.map { ($0, 0) })
        for r in try await db.sql.raw("SELECT status, COUNT(*) AS n FROM \(ident: table) GROUP BY status").all() {
            counts[try r.decode(column: "status", as: String.self)] = try r.decode(column: "n", as: Int.self)
        }
        return counts
    }

    func render() -> String { registry.emitToString() }
}

/// Counts and times every request (outermost but for the request id, so error responses count).
/// The route label is the matched pattern (`/api/v1/runs/:id`), never the raw path, so the number
/// of series stays bounded; unmatched requests are `static` when the file middleware answered,
/// else `unmatched`.
struct MetricsMiddleware: AsyncMiddleware {
    let metrics: AppMetrics
    let logRequests: Bool

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let started = ContinuousClock.now
        let res: Response
        do {
            res = try await next.respond(to: req)
        } catch {
            let status = (error as? any AbortError)?.status.code ?? 500
            record(req, status: Int(status), started: started)
            throw error
        }
        record(req, status: Int(res.status.code), started: started)
        return res
    }

    private func record(_ req: Request, status: Int, started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let route: String
        if let r = req.route {
            route = "/" + r.path.map(\.description).joined(separator: "/")
        } else {
            route = status == 404 ? "unmatched" : "static"
        }
        metrics.recordRequest(method: req.method.rawValue, route: route, status: status, duration: elapsed)
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        req.logger.log(level: logRequests ? .info : .debug, "request finished", metadata: [
            "method": .string(req.method.rawValue), "path": .string(req.url.path), "route": .string(route),
            "status": .stringConvertible(status), "duration_ms": .string(String(format: "%.1f", ms)),
        ])
    }
}

extension Application {
    private struct MetricsKey: StorageKey { typealias Value = AppMetrics }

    var metrics: AppMetrics {
        if let m = storage[MetricsKey.self] { return m }
        let m = AppMetrics()
        storage[MetricsKey.self] = m
        return m
    }
}

@Sendable func metricsEndpoint(req: Request) async throws -> Response {
    let metrics = req.application.metrics
    await metrics.collect(req.application)
    let res = Response(status: .ok, body: .init(string: metrics.render()))
    res.headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
    res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
    return res
}
