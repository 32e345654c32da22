@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import JWTKit
import WorkflowCore

/// Issue 5: the workflow API, the durable engine, triggers and nodes, against fakes.
enum WorkflowScenarios {
    // MARK: helpers

    static func node(_ id: String, _ kind: String, _ service: String, _ task: String, _ params: [String: Any] = [:]) -> [String: Any] {
        ["id": id, "kind": kind, "service": service, "task": task, "params": params, "position": ["x": 0, "y": 0]]
    }

    static func edge(_ s: String, _ port: String = "out", _ t: String) -> [String: Any] { ["source": s, "source_port": port, "target": t] }

    static func blueprint(_ name: String, _ nodes: [[String: Any]], _ edges: [[String: Any]]) -> [String: Any] {
        ["name": name, "nodes": nodes, "edges": edges]
    }

    /// The issue's example blueprint, verbatim.
    static var example: [String: Any] { blueprint("Order → payment link", [
        node("trigger", "trigger", "webhook", "receive"),
        node("check", "router", "router", "route", ["branches": [["port": "big", "when": ["all": [["left": "{{trigger.amount}}", "op": ">=", "right": 1000]]]]]]),
        node("reply", "action", "respond", "respond", ["status": 200, "body": ["ok": true, "amount": "{{trigger.amount}}"]]),
    ], [edge("trigger", "out", "check"), edge("check", "big", "reply"), edge("check", "else", "reply")]) }

    static func create(_ c: APIClient, _ bp: [String: Any], name: String? = nil, activate: Bool = false) async throws -> [String: Any] {
        let r = try await c.send(.POST, "/api/v1/workflows", json: ["name": name ?? (bp["name"] as? String ?? "W"), "blueprint": bp])
        #expect(r.status == .created, "create: \(r.body)")
        if activate {
            let a = try await c.send(.POST, "/api/v1/workflows/\(r["id"] as? String ?? "")/activate")
            #expect(a.status == .ok && a["active"] as? Bool == true, "activate: \(a.body)")
        }
        return r.json
    }

    static func run(_ c: APIClient, _ workflowID: String, _ payload: [String: Any]) async throws -> String {
        let r = try await c.send(.POST, "/api/v1/workflows/\(workflowID)/runs", json: ["payload": payload])
        #expect(r.status == .created, "run: \(r.body)")
        return r["id"] as? String ?? ""
    }

    static func runDetail(_ c: APIClient, _ id: String) async throws -> [String: Any] {
        try await c.send(.GET, "/api/v1/runs/\(id)").json
    }

    static func steps(_ run: [String: Any]) -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        for s in run["steps"] as? [[String: Any]] ?? [] { out[s["node_id"] as? String ?? ""] = s }
        return out
    }

    static func status(_ run: [String: Any], _ node: String) -> String? { steps(run)[node]?["status"] as? String }

    // MARK: API and blueprints

    /// The example blueprint as its second version: the respond node answers 201 with
    /// `{"changed": true}`.
    private static var exampleChangedReply: [String: Any] {
        var bp = example
        bp["nodes"] = (example["nodes"] as! [[String: Any]]).map { n -> [String: Any] in
            guard n["id"] as? String == "reply" else { return n }
            var m = n
            m["params"] = ["status": 201, "body": ["changed": true]]
            return m
        }
        return bp
    }

    /// The catalog lists every node; validation names each problem with its node and field; saving
    /// an invalid blueprint is a 422 that lists the problems and stores nothing.
    static func apiCatalogAndValidation(_ db: TestDB) async throws {
        try await withTestApp(db, configure: { $0.hookResponseTimeoutMilliseconds = 0 }) { app in
            // setup
            var c = APIClient(app)
            try await c.signup()
            let bad = blueprint("Bad", [node("t", "trigger", "webhook", "receive"), node("x", "action", "whatsapp", "send_message", ["text": "{{steps.nope.x}}"])],
                                [edge("t", "out", "x")])

            // act
            let catalog = try await c.send(.GET, "/api/v1/workflows/catalog")
            let v = try await c.send(.POST, "/api/v1/workflows/validate", json: ["blueprint": bad])
            let rejected = try await c.send(.POST, "/api/v1/workflows", json: ["name": "Bad", "blueprint": bad])

            // verify
            #expect((catalog["nodes"] as? [Any])?.count == NodeCatalog.all.count)
            #expect(v.status == .ok && v["valid"] as? Bool == false)
            let errors = v["errors"] as? [[String: Any]] ?? []
            #expect(errors.contains { $0["node_id"] as? String == "x" && $0["field"] as? String == "params.to" })
            #expect(errors.contains { $0["node_id"] as? String == "x" && ($0["message"] as? String ?? "").contains("nope") })
            #expect(rejected.status == .unprocessableEntity && rejected.errorCode == "invalid_blueprint")
            #expect((((rejected["error"] as? [String: Any])?["details"] as? [String: Any])?["errors"] as? [Any])?.isEmpty == false)
            #expect(try await c.send(.GET, "/api/v1/workflows").items.isEmpty)
        }
    }

    /// The issue's example is created inactive at version 1 (its hook is a 409 until activated); a
    /// changed blueprint saves version 2, an unchanged one with a new name does not, and both
    /// versions can be read back.
    static func apiVersions(_ db: TestDB) async throws {
        try await withTestApp(db, configure: { $0.hookResponseTimeoutMilliseconds = 0 }) { app in
            // setup
            var c = APIClient(app)
            try await c.signup()

            // act
            let w = try await create(c, example)
            let id = w["id"] as? String ?? ""
            let inactive = try await c.send(.POST, "/hooks/\(w["public_id"] as? String ?? "")", json: ["amount": 5])
            let saved = try await c.send(.PUT, "/api/v1/workflows/\(id)", json: ["blueprint": exampleChangedReply])
            let same = try await c.send(.PUT, "/api/v1/workflows/\(id)", json: ["blueprint": exampleChangedReply, "name": "Renamed"])
            let versions = try await c.send(.GET, "/api/v1/workflows/\(id)/versions")
            let v1 = try await c.send(.GET, "/api/v1/workflows/\(id)/versions/1")

            // verify
            #expect(w["version"] as? Int == 1 && w["active"] as? Bool == false)
            #expect((w["webhook_url"] as? String ?? "").hasSuffix("/hooks/\(w["public_id"] as? String ?? "")"))
            #expect(((w["blueprint"] as? [String: Any])?["edges"] as? [[String: Any]])?.first?["source_port"] as? String == "out")
            #expect(inactive.status == .conflict)
            #expect(saved.status == .ok && saved["version"] as? Int == 2)
            #expect(same["version"] as? Int == 2 && same["name"] as? String == "Renamed", "an unchanged blueprint is not a new version")
            #expect(versions.items.map { $0["version"] as? Int } == [2, 1])
            #expect(((v1["blueprint"] as? [String: Any])?["nodes"] as? [Any])?.count == 3)
        }
    }

    /// Once activated, a hook run of router and respond nodes (local nodes) is decided in the
    /// request, which answers with the respond node's output; the run pins the version it started
    /// with. The same Idempotency-Key twice returns the same run.
    static func apiWebhookRunAndIdempotency(_ db: TestDB) async throws {
        try await withTestApp(db, configure: { $0.hookResponseTimeoutMilliseconds = 0 }) { app in
            // setup: the example, saved again as version 2
            var c = APIClient(app)
            try await c.signup()
            let w = try await create(c, example)
            let id = w["id"] as? String ?? ""
            let hookPath = "/hooks/\(w["public_id"] as? String ?? "")"
            _ = try await c.send(.PUT, "/api/v1/workflows/\(id)", json: ["blueprint": exampleChangedReply])

            // act
            #expect(try await c.send(.POST, "/api/v1/workflows/\(id)/activate")["active"] as? Bool == true)
            let hook = try await c.send(.POST, hookPath, json: ["amount": 1500])

            // verify
            #expect(hook.status == .created && hook["changed"] as? Bool == true, "\(hook.body)")
            let runID = hook.headers.first(name: "X-Munim-Run-Id") ?? ""
            let run = try await runDetail(c, runID)
            #expect(run["status"] as? String == "succeeded")
            #expect(run["version"] as? Int == 2, "runs pin the version they started with")
            #expect(steps(run)["check"]?["port"] as? String == "big")
            #expect((run["response"] as? [String: Any])?["status"] as? Int == 201)
            #expect((run["trigger_payload"] as? [String: Any])?["amount"] as? Int == 1500)

            // act: the same delivery twice with one Idempotency-Key
            let k1 = try await c.send(.POST, hookPath, json: ["amount": 1], headers: ["Idempotency-Key": "order-77"])
            let k2 = try await c.send(.POST, hookPath, json: ["amount": 1], headers: ["Idempotency-Key": "order-77"])

            // verify: the same run
            #expect(k1.status == .created && k1.headers.first(name: "X-Munim-Run-Id") == k2.headers.first(name: "X-Munim-Run-Id"))
        }
    }

    /// Another business sees none of a workflow and its runs; a deleted workflow's hook is a 404.
    static func apiIsolationAndDelete(_ db: TestDB) async throws {
        try await withTestApp(db, configure: { $0.hookResponseTimeoutMilliseconds = 0 }) { app in
            // setup: an active workflow with one run
            var c = APIClient(app)
            try await c.signup()
            let w = try await create(c, exampleChangedReply, activate: true)
            let id = w["id"] as? String ?? ""
            let hookPath = "/hooks/\(w["public_id"] as? String ?? "")"
            let runID = try #require(try await c.send(.POST, hookPath, json: ["amount": 1500]).headers.first(name: "X-Munim-Run-Id"))

            // act: another business looks
            var other = APIClient(app)
            try await other.signup()

            // verify
            #expect(try await other.send(.GET, "/api/v1/workflows/\(id)").status == .notFound)
            #expect(try await other.send(.GET, "/api/v1/runs/\(runID)").status == .notFound)
            #expect(try await other.send(.GET, "/api/v1/runs").items.isEmpty)

            // act: delete
            #expect(try await c.send(.DELETE, "/api/v1/workflows/\(id)").status == .noContent)

            // verify: its hook is gone
            #expect(try await c.send(.POST, hookPath, json: ["amount": 1]).status == .notFound)
        }
    }

    /// Setup shared by the inline-run tests: an owner of "Inline Traders", the customer Ramesh, and
    /// an active webhook workflow of local nodes only. Amounts of 1000 or more go router → data.set
    /// → ledger balance → respond; smaller ones go straight to respond, which answers 201 with the
    /// amount and the shop's name. Returns the client, the business, the customer and the hook path.
    private static func inlineWorkflow(_ app: Application) async throws -> (client: APIClient, businessID: UUID, customerID: String, path: String) {
        var c = APIClient(app)
        let me = try await c.signup(business: "Inline Traders")
        let businessID = UUID(uuidString: (me["business"] as? [String: Any])?["id"] as? String ?? "")!
        let customerID = try await c.customer("Ramesh")
        let bp = blueprint("Inline", [
            node("trigger", "trigger", "webhook", "receive"),
            node("check", "router", "router", "route", ["branches": [["port": "big", "when": ["left": "{{trigger.amount}}", "op": ">=", "right": 1000]]]]),
            node("tag", "action", "data", "set", ["values": ["size": "big", "amount": "{{trigger.amount}}"]]),
            node("balance", "action", "ledger", "get_customer_balance", ["customer_id": "{{trigger.customer_id}}"]),
            node("reply", "action", "respond", "respond", ["status": 201, "body": ["amount": "{{trigger.amount}}", "shop": "{{business.name}}"]]),
        ], [edge("trigger", "out", "check"), edge("check", "big", "tag"), edge("tag", "out", "balance"), edge("balance", "out", "reply"),
            edge("check", "else", "reply")])
        let w = try await create(c, bp, activate: true)
        return (c, businessID, customerID, "/hooks/\(w["public_id"] as? String ?? "")")
    }

    /// A run whose nodes are all local (routers, data.set, respond, ledger look-ups) is decided in
    /// its webhook request: the reply is the respond node's output with no worker running, every
    /// step is persisted, no job is queued, and the monitor's SSE events go out (every step, then
    /// the finished run).
    static func inlineRunDecidedInRequest(_ db: TestDB) async throws {
        try await withTestApp(db, configure: { $0.hookResponseTimeoutMilliseconds = 0 }) { app in
            // setup
            let (c, businessID, customerID, path) = try await inlineWorkflow(app)
            let (_, events) = app.events.subscribe(businessID: businessID)

            // act: a big order, with no worker and no drain
            let big = try await c.send(.POST, path, json: ["amount": 1500, "customer_id": customerID])

            // verify
            #expect(big.status == .created, "\(big.body)")
            #expect(big["amount"] as? Int == 1500 && big["shop"] as? String == "Inline Traders")
            let bigID = big.headers.first(name: "X-Munim-Run-Id") ?? ""
            #expect(try await JobRow.query(on: app.db).count() == 0, "a run decided in its request queues no job")
            let run = try await runDetail(c, bigID)
            #expect(run["status"] as? String == "succeeded" && run["version"] as? Int == 1)
            #expect(steps(run).mapValues { $0["status"] as? String } == ["trigger": "succeeded", "check": "succeeded", "tag": "succeeded",
                                                                        "balance": "succeeded", "reply": "succeeded"])
            #expect(steps(run)["check"]?["port"] as? String == "big")
            #expect((steps(run)["balance"]?["output"] as? [String: Any])?["name"] as? String == "Ramesh")
            #expect((steps(run)["tag"]?["output"] as? [String: Any])?["amount"] as? Int == 1500, "a lone placeholder keeps its JSON type")
            #expect((steps(run)["balance"]?["input"] as? [String: Any])?["customer_id"] as? String == customerID)
            #expect((run["response"] as? [String: Any])?["status"] as? Int == 201)
            #expect(steps(run).values.allSatisfy { $0["attempts"] as? Int == 1 })

            // verify: the monitor's events: every step, then the finished run
            let (seen, final) = try await ClusterScenarios.within(10, "the inline run's events") {
                var seen: [String] = []
                for await e in events {
                    if e.type == "run.step", case .string(let node)? = e.data["node_id"] { seen.append(node) }
                    if e.type == "run.updated" { return (seen, e.data["status"]) }
                }
                return (seen, nil)
            }
            #expect(seen == ["trigger", "check", "tag", "balance", "reply"])
            #expect(final == .string("succeeded"))
        }
    }

    /// An inline run down the other branch has its two skipped steps persisted like any other; a
    /// local node that fails with no error connection fails the run, and the hook answers 202 with
    /// the status.
    static func inlineRunSkippedBranchAndFailure(_ db: TestDB) async throws {
        try await withTestApp(db, configure: { $0.hookResponseTimeoutMilliseconds = 0 }) { app in
            // setup
            let (c, _, customerID, path) = try await inlineWorkflow(app)

            // act: a small order
            let small = try await c.send(.POST, path, json: ["amount": 5, "customer_id": customerID])

            // verify: two skipped steps, rows all the same
            #expect(small.status == .created && small["amount"] as? Int == 5)
            let smallRun = try await runDetail(c, small.headers.first(name: "X-Munim-Run-Id") ?? "")
            #expect(status(smallRun, "tag") == "skipped" && status(smallRun, "balance") == "skipped" && status(smallRun, "reply") == "succeeded")

            // act: a big order for a customer who does not exist
            let unknown = try await c.send(.POST, path, json: ["amount": 2000, "customer_id": UUID().uuidString])

            // verify: the balance step fails the run: 202 with the status
            #expect(unknown.status == .accepted && unknown["status"] as? String == "failed", "\(unknown.body)")
            let failed = try await runDetail(c, unknown["run_id"] as? String ?? "")
            #expect(failed["status"] as? String == "failed" && status(failed, "balance") == "failed" && status(failed, "reply") == nil)
            #expect((failed["error"] as? String ?? "").hasPrefix("balance: "))
        }
    }

    /// Inline runs under load: the same Idempotency-Key, in turn or at once, makes one run with one
    /// answer; forty different requests at once each get their own run with every step, and no job.
    static func inlineRunIdempotencyAndConcurrency(_ db: TestDB) async throws {
        try await withTestApp(db, configure: { $0.hookResponseTimeoutMilliseconds = 0 }) { app in
            // setup
            let (c, _, customerID, path) = try await inlineWorkflow(app)
            let client = c

            // act: one key three times in turn, another twice at once
            let keyed = try await [0, 1, 2].asyncMap { _ in
                try await c.send(.POST, path, json: ["amount": 7, "customer_id": customerID], headers: ["Idempotency-Key": "order-9"])
            }
            async let k1 = client.send(.POST, path, json: ["amount": 8], headers: ["Idempotency-Key": "order-10"])
            async let k2 = client.send(.POST, path, json: ["amount": 8], headers: ["Idempotency-Key": "order-10"])
            let (r1, r2) = try await (k1, k2)

            // verify: one run per key, one answer
            #expect(keyed.allSatisfy { $0.status == .created })
            #expect(Set(keyed.map { $0.headers.first(name: "X-Munim-Run-Id") ?? "" }).count == 1)
            #expect(r1.headers.first(name: "X-Munim-Run-Id") == r2.headers.first(name: "X-Munim-Run-Id") && r1.status == .created && r2.status == .created)
            #expect(try await WorkflowRun.query(on: app.db).filter(\.$dedupeKey ~~ ["hook-order-9", "hook-order-10"]).count() == 2)

            // act: forty different requests at once
            let before = try await WorkflowRun.query(on: app.db).count()
            let replies = try await withThrowingTaskGroup(of: APIClient.Reply.self) { group in
                for n in 0..<40 { group.addTask { [client] in try await client.send(.POST, path, json: ["amount": 1000 + n, "customer_id": customerID]) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            // verify: each gets its own run with every step
            #expect(replies.allSatisfy { $0.status == .created })
            #expect(Set(replies.compactMap { $0["amount"] as? Int }) == Set(1000..<1040))
            #expect(try await WorkflowRun.query(on: app.db).count() == before + 40)
            let ids = replies.compactMap { $0.headers.first(name: "X-Munim-Run-Id").flatMap(UUID.init(uuidString:)) }
            #expect(try await RunStep.query(on: app.db).filter(\.$runID ~~ ids).filter(\.$status == .succeeded).count() == 40 * 5)
            #expect(try await JobRow.query(on: app.db).count() == 0)
        }
    }

    /// Runs that are not decided in a request take the durable path, with their local nodes run
    /// inline by the commit before them: a manual run of local nodes is one job (its start); a run
    /// that reaches a WhatsApp node is queued, its start runs the respond node inline and keeps the
    /// response while the message waits for its own job.
    static func durableRunsRunLocalNodesInline(_ db: TestDB) async throws {
        try await withTestApp(db, configure: { $0.hookResponseTimeoutMilliseconds = 0 }) { app in
            // setup
            var c = APIClient(app)
            try await c.signup(business: "Inline Traders")
            let manual = try await create(c, blueprint("Manual inline", [
                node("trigger", "trigger", "manual", "start"),
                node("check", "router", "router", "route", ["branches": [["port": "big", "when": ["left": "{{trigger.amount}}", "op": ">=", "right": 1000]]]]),
                node("tag", "action", "data", "set", ["values": ["size": "big"]]),
                node("reply", "action", "respond", "respond", ["body": ["size": "{{steps.tag.size}}"]]),
            ], [edge("trigger", "out", "check"), edge("check", "big", "tag"), edge("tag", "out", "reply")]))

            // act: a manual run of local nodes
            let m = try await WorkflowScenarios.run(c, manual["id"] as? String ?? "", ["amount": 5000])

            // verify: one job (the run's start), the rest inline
            #expect(try await app.jobs.drain(app: app) == 1)
            let mr = try await runDetail(c, m)
            #expect(mr["status"] as? String == "succeeded" && status(mr, "reply") == "succeeded")
            #expect(((mr["response"] as? [String: Any])?["body"] as? [String: Any])?["size"] as? String == "big")

            // setup: a webhook workflow whose run reaches a WhatsApp node after its respond node
            let mixed = try await create(c, blueprint("Mixed", [
                node("trigger", "trigger", "webhook", "receive"),
                node("reply", "action", "respond", "respond", ["body": ["ok": true]]),
                node("send", "action", "whatsapp", "send_message", ["to": "+919800000003", "text": "Order {{trigger.n}}"]),
            ], [edge("trigger", "out", "reply"), edge("reply", "out", "send")]), activate: true)

            // act: a webhook run, then its start job only
            let queued = try await c.send(.POST, "/hooks/\(mixed["public_id"] as? String ?? "")", json: ["n": 4])
            #expect(queued.status == .accepted && queued["status"] as? String == "queued")
            #expect(try await app.jobs.drain(app: app, maxJobs: 1) == 1)

            // verify: the respond node ran inline and its response is kept; the message waits
            var mixedRun = try await runDetail(c, queued["run_id"] as? String ?? "")
            #expect(mixedRun["status"] as? String == "running" && status(mixedRun, "reply") == "succeeded" && status(mixedRun, "send") == "queued")
            #expect(((mixedRun["response"] as? [String: Any])?["body"] as? [String: Any])?["ok"] as? Bool == true)

            // act: the message's own job
            try await app.jobs.drain(app: app)

            // verify
            mixedRun = try await runDetail(c, queued["run_id"] as? String ?? "")
            #expect(mixedRun["status"] as? String == "succeeded" && status(mixedRun, "send") == "succeeded")
            #expect(try await App.Message.query(on: app.db).filter(\.$direction == .outbound).all().map(\.text) == ["Order 4"])
        }
    }

    /// HMAC-signed webhooks; the secret is stored encrypted and masked on read.
    static func webhookSecrets(_ db: TestDB) async throws {
        try await withTestApp(db, configure: { $0.hookResponseTimeoutMilliseconds = 0 }) { app in
            var c = APIClient(app)
            try await c.signup()
            let bp = blueprint("Signed", [node("trigger", "trigger", "webhook", "receive", ["secret": "s3cret-value"]),
                                          node("set", "action", "data", "set", ["values": ["x": "{{trigger.x}}"]])],
                               [edge("trigger", "out", "set")])
            let w = try await create(c, bp, activate: true)
            let nodes = (w["blueprint"] as? [String: Any])?["nodes"] as? [[String: Any]] ?? []
            #expect((nodes.first?["params"] as? [String: Any])?["secret"] as? String == "********")
            let rows = try await WorkflowVersion.query(on: app.db).all()
            #expect(rows.allSatisfy { !$0.blueprint.contains("s3cret-value") && !($0.secrets ?? "").contains("s3cret-value") })

            // Saving back the mask keeps the secret.
            let again = try await c.send(.PUT, "/api/v1/workflows/\(w["id"] as? String ?? "")", json: ["blueprint": w["blueprint"]!])
            #expect(again.status == .ok)
            let path = "/hooks/\(w["public_id"] as? String ?? "")"
            let body = #"{"x":42}"#
            #expect(try await c.send(.POST, path, raw: body).status == .unauthorized)
            #expect(try await c.send(.POST, path, raw: body, headers: ["X-Munim-Signature": "sha256=00"]).status == .unauthorized)
            let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data("s3cret-value".utf8)))
                .map { String(format: "%02x", $0) }.joined()
            let ok = try await c.send(.POST, path, raw: body, headers: ["X-Munim-Signature": "sha256=\(mac)"])
            #expect(ok.status == .accepted, "\(ok.body)")
            try await app.jobs.drain(app: app)
            let run = try await runDetail(c, ok["run_id"] as? String ?? "")
            #expect((steps(run)["set"]?["output"] as? [String: Any])?["x"] as? Int == 42, "a lone placeholder keeps its JSON type")
        }
    }

    // MARK: engine

    /// trigger → router → two WhatsApp nodes on the simulator: one runs, the other is skipped; the
    /// message goes through the outbox exactly once.
    static func routerAndWhatsApp(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var c = APIClient(app)
            try await c.signup()
            let bp = blueprint("Route", [
                node("trigger", "trigger", "manual", "start"),
                node("check", "router", "router", "route", ["branches": [["port": "big", "when": ["left": "{{trigger.amount}}", "op": ">=", "right": 1000]]]]),
                node("big", "action", "whatsapp", "send_message", ["to": "+919800000001", "text": "Big order of {{trigger.amount | rupees}}"]),
                node("small", "action", "whatsapp", "send_message", ["to": "+919800000001", "text": "Small order"]),
            ], [edge("trigger", "out", "check"), edge("check", "big", "big"), edge("check", "else", "small")])
            let w = try await create(c, bp)
            let runID = try await run(c, w["id"] as? String ?? "", ["amount": 150_000])
            try await app.jobs.drain(app: app)
            let r = try await runDetail(c, runID)
            #expect(r["status"] as? String == "succeeded", "\(r)")
            #expect(status(r, "big") == "succeeded" && status(r, "small") == "skipped")
            let out = try await App.Message.query(on: app.db).filter(\.$direction == .outbound).all()
            #expect(out.count == 1 && out.first?.text == "Big order of ₹1,500")
            #expect(out.first?.status == .delivered)

            // A missing variable fails the step with the variable's name, never literal braces.
            let broken = try await run(c, w["id"] as? String ?? "", [:])
            try await app.jobs.drain(app: app)
            let b = try await runDetail(c, broken)
            #expect(b["status"] as? String == "failed")
            #expect((b["error"] as? String ?? "").contains("trigger.amount"))
            #expect(try await App.Message.query(on: app.db).filter(\.$direction == .outbound).count() == 1)

            // A drafted reply waits for approval; the approver's edit is what goes out.
            let drafted = try await create(c, blueprint("Draft", [
                node("trigger", "trigger", "manual", "start"),
                node("draft", "action", "social", "draft_reply", ["text": "{{trigger.text}}", "template": "Thanks {{trigger.name}}!"]),
                node("send", "action", "whatsapp", "send_message", ["to": "+919800000002", "text": "{{steps.draft.draft}}"]),
            ], [edge("trigger", "out", "draft"), edge("draft", "out", "send")]))
            let dr = try await run(c, drafted["id"] as? String ?? "", ["text": "Love the shop", "name": "Asha"])
            try await app.jobs.drain(app: app)
            let waiting = try await runDetail(c, dr)
            #expect(waiting["status"] as? String == "waiting")
            #expect((waiting["pending_approvals"] as? [[String: Any]])?.first?["draft"] as? String == "Thanks Asha!")
            let ok = try await c.send(.POST, "/api/v1/runs/\(dr)/approve", json: ["text": "Thanks a lot, Asha!"])
            #expect(ok.status == .ok, "\(ok.body)")
            try await app.jobs.drain(app: app)
            #expect(try await runDetail(c, dr)["status"] as? String == "succeeded")
            let texts = try await App.Message.query(on: app.db).filter(\.$direction == .outbound).all().map(\.text).sorted()
            #expect(texts == ["Big order of ₹1,500", "Thanks a lot, Asha!"])
        }
    }

    /// Setup shared by the wait and approval tests: an owner and a manual workflow that waits an
    /// hour, then asks for approval ("Send ₹<amount>?", timing out after two hours), setting `ok`
    /// on approval (node "yes") and `late` on timeout (node "late"). Returns the client and the
    /// workflow's id.
    private static func waitAndAskWorkflow(_ app: Application) async throws -> (client: APIClient, workflowID: String) {
        var c = APIClient(app)
        try await c.signup()
        let bp = blueprint("Wait and ask", [
            node("trigger", "trigger", "manual", "start"),
            node("wait", "delay", "delay", "wait", ["duration": "1h"]),
            node("ask", "approval", "approval", "request", ["message": "Send ₹{{trigger.amount}}?", "timeout": "2h"]),
            node("yes", "action", "data", "set", ["values": ["ok": true]]),
            node("late", "action", "data", "set", ["values": ["late": true]]),
        ], [edge("trigger", "out", "wait"), edge("wait", "out", "ask"), edge("ask", "approved", "yes"), edge("ask", "timeout", "late")])
        let w = try await create(c, bp)
        return (c, w["id"] as? String ?? "")
    }

    /// A delay is a persisted wake-up, then an approval waits for its answer: approved, the run
    /// takes the approved branch, and the cancelled timeout job never fires.
    static func delayThenApprovalApproved(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock, configure: { $0.workflowConcurrency = 1 }) { app in
            // setup
            let (c, wid) = try await waitAndAskWorkflow(app)

            // act: start the run
            let r1 = try await run(c, wid, ["amount": 10])
            try await app.jobs.drain(app: app)

            // verify: it waits on the delay, with nothing to approve yet
            var d = try await runDetail(c, r1)
            #expect(d["status"] as? String == "waiting" && status(d, "wait") == "waiting")
            #expect(try await c.send(.POST, "/api/v1/runs/\(r1)/approve").errorCode == "no_pending_approval")

            // act: the hour passes
            clock.advance(3601)
            try await app.jobs.drain(app: app)

            // verify: the approval is asked
            d = try await runDetail(c, r1)
            #expect(status(d, "wait") == "succeeded" && status(d, "ask") == "waiting")
            #expect((d["pending_approvals"] as? [[String: Any]])?.first?["message"] as? String == "Send ₹10?")

            // act: approve
            let approved = try await c.send(.POST, "/api/v1/runs/\(r1)/approve", json: ["note": "fine"])
            #expect(approved.status == .ok, "\(approved.body)")
            try await app.jobs.drain(app: app)

            // verify: the approved branch ran
            d = try await runDetail(c, r1)
            #expect(d["status"] as? String == "succeeded" && status(d, "yes") == "succeeded" && status(d, "late") == "skipped")

            // act: past the approval's timeout
            clock.advance(3 * 3600) // the cancelled timeout job must not fire
            try await app.jobs.drain(app: app)

            // verify
            #expect(status(try await runDetail(c, r1), "ask") == "succeeded")
        }
    }

    /// An approval nobody answers times out and the run takes its timeout branch.
    static func approvalTimesOut(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock, configure: { $0.workflowConcurrency = 1 }) { app in
            // setup
            let (c, wid) = try await waitAndAskWorkflow(app)

            // act: the delay passes, then the approval's timeout
            let r2 = try await run(c, wid, ["amount": 20])
            try await app.jobs.drain(app: app)
            clock.advance(3601)
            try await app.jobs.drain(app: app)
            clock.advance(2 * 3600 + 1)
            try await app.jobs.drain(app: app)

            // verify
            let d = try await runDetail(c, r2)
            #expect(steps(d)["ask"]?["port"] as? String == "timeout" && status(d, "late") == "succeeded" && status(d, "yes") == "skipped")
        }
    }

    /// A waiting run can be cancelled, nothing of it runs after, and cancelling a finished run is a
    /// 409.
    static func cancelWaitingRun(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock, configure: { $0.workflowConcurrency = 1 }) { app in
            // setup: a run waiting on its delay
            let (c, wid) = try await waitAndAskWorkflow(app)
            let r3 = try await run(c, wid, ["amount": 30])
            try await app.jobs.drain(app: app)

            // act
            let cancelled = try await c.send(.POST, "/api/v1/runs/\(r3)/cancel")

            // verify
            #expect(cancelled["status"] as? String == "cancelled" && status(cancelled.json, "wait") == "cancelled")
            #expect(try await c.send(.POST, "/api/v1/runs/\(r3)/cancel").errorCode == "run_finished")

            // act: the delay's wake-up time passes
            clock.advance(3601)
            try await app.jobs.drain(app: app)

            // verify
            #expect(status(try await runDetail(c, r3), "ask") == nil, "nothing runs after a cancel")
        }
    }

    /// Concurrency limit 1: of three runs started together, one runs and two wait their turn, then
    /// run. (A node with a job of its own holds the slot; local nodes finish in the start's commit.)
    static func concurrencyLimitQueuesRuns(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock, configure: { $0.workflowConcurrency = 1 }) { app in
            // setup
            var c = APIClient(app)
            try await c.signup()
            let quick = try await create(c, blueprint("Quick", [node("trigger", "trigger", "manual", "start"),
                                                               node("s", "action", "whatsapp", "send_message",
                                                                    ["to": "+919800000009", "text": "n={{trigger.n}}"])],
                                                     [edge("trigger", "out", "s")]))

            // act: three runs at once
            var ids: [String] = []
            for n in 1...3 { ids.append(try await run(c, quick["id"] as? String ?? "", ["n": n])) }
            try await app.jobs.drain(app: app)

            // verify: one ran, two wait their turn
            var statuses = try await ids.asyncMap { try await runDetail(c, $0)["status"] as? String ?? "" }
            #expect(statuses.sorted() == ["queued", "queued", "succeeded"], "\(statuses)")

            // act: time passes
            for _ in 0..<4 {
                clock.advance(1)
                try await app.jobs.drain(app: app)
            }

            // verify: all ran
            statuses = try await ids.asyncMap { try await runDetail(c, $0)["status"] as? String ?? "" }
            #expect(statuses == ["succeeded", "succeeded", "succeeded"])
        }
    }

    /// An approval asked on WhatsApp is decided by the owner's reply there: "APPROVE <code>" or
    /// "REJECT <code> <note>"; without a code only when one approval is waiting.
    static func approvalsOnWhatsApp(_ db: TestDB) async throws {
        #expect(Approvals.parseReply("approve")! == (true, nil, nil))
        #expect(Approvals.parseReply("Reject 3F9A1C too much")! == (false, "3f9a1c", "too much"))
        #expect(Approvals.parseReply("APPROVED! the payment")! == (true, nil, "the payment"))
        #expect(Approvals.parseReply("approver list") == nil && Approvals.parseReply("add 5 bags cement") == nil)
        try await withTestApp(db) { app in
            var c = APIClient(app)
            try await c.signup()
            _ = try await c.send(.PATCH, "/api/v1/business", json: ["whatsapp_number": "+919900000001"])
            let bp = blueprint("Ask on WhatsApp", [
                node("trigger", "trigger", "manual", "start"),
                node("ask", "approval", "approval", "request", ["message": "Pay ₹{{trigger.amount}}?", "channel": "whatsapp"]),
                node("yes", "action", "data", "set", ["values": ["paid": true]]),
                node("no", "action", "data", "set", ["values": ["paid": false]]),
            ], [edge("trigger", "out", "ask"), edge("ask", "approved", "yes"), edge("ask", "rejected", "no")])
            let w = try await create(c, bp)
            let wid = w["id"] as? String ?? ""
            let r1 = try await run(c, wid, ["amount": 10])
            let r2 = try await run(c, wid, ["amount": 20])
            try await app.jobs.drain(app: app)
            let code1 = Approvals.replyCode(UUID(uuidString: r1)!), code2 = Approvals.replyCode(UUID(uuidString: r2)!)

            func ownerSays(_ text: String) async throws -> String {
                let sent = try await c.send(.POST, "/api/v1/simulator/messages", json: ["text": text, "as_owner": true])
                #expect(sent.status == .accepted)
                try await app.jobs.drain(app: app)
                let messages = try await c.send(.GET, "/api/v1/inbox/sessions/\(sent["session_id"] as? String ?? "")/messages")
                return messages.items.last?["text"] as? String ?? ""
            }
            // The owner was asked on WhatsApp, with the code to reply with.
            let sessions = try await c.send(.GET, "/api/v1/inbox/sessions")
            let ownerSession = sessions.items.first { ($0["contact"] as? [String: Any])?["handle"] as? String == "+919900000001" }
            let asked = try await c.send(.GET, "/api/v1/inbox/sessions/\(ownerSession?["id"] as? String ?? "")/messages")
            let texts = asked.items.compactMap { $0["text"] as? String }
            #expect(texts.contains { $0.contains("Pay ₹10?") && $0.contains("APPROVE \(code1)") }, "\(texts)")

            let several = try await ownerSays("approve")
            #expect(several.contains("Several approvals") && several.contains(code1) && several.contains(code2), "\(several)")
            #expect(try await runDetail(c, r1)["status"] as? String == "waiting")

            #expect(try await ownerSays("APPROVE \(code1) fine") == "Approved: Pay ₹10?")
            let d1 = try await runDetail(c, r1)
            #expect(d1["status"] as? String == "succeeded" && status(d1, "yes") == "succeeded" && status(d1, "no") == "skipped")
            let decided = steps(d1)["ask"]?["output"] as? [String: Any]
            #expect((decided?["decided_by"] as? String)?.hasSuffix(" (WhatsApp)") == true, "\(String(describing: decided))")
            #expect(decided?["note"] as? String == "fine")

            // One left: no code needed.
            #expect(try await ownerSays("reject too much") == "Rejected: Pay ₹20?")
            let d2 = try await runDetail(c, r2)
            #expect(d2["status"] as? String == "succeeded" && status(d2, "no") == "succeeded" && status(d2, "yes") == "skipped")
            #expect(try await ownerSays("approve") == "No approval is waiting.")
            #expect(try await ownerSays("approve abcdef") == "No approval with code abcdef is waiting.")
        }
    }

    /// A schedule fires once per tick; missed ticks after downtime make one run.
    static func scheduleFiresOnce(_ db: TestDB) async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_795_000_000)) // 2026-11-18T08:26:40Z
        try await withTestApp(db, clock: clock) { app in
            var c = APIClient(app)
            try await c.signup()
            let bp = blueprint("Daily", [node("trigger", "trigger", "schedule", "cron", ["cron": "0 10 * * *", "timezone": "Asia/Kolkata"]),
                                         node("s", "action", "data", "set", ["values": ["at": "{{trigger.scheduled_for}}"]])],
                               [edge("trigger", "out", "s")])
            let w = try await create(c, bp, activate: true)
            let wid = w["id"] as? String ?? ""
            try await app.jobs.drain(app: app)
            #expect(try await c.send(.GET, "/api/v1/runs?workflow_id=\(wid)").items.isEmpty)
            clock.advance(86_400) // past one 10:00 IST tick
            try await app.jobs.drain(app: app)
            try await app.jobs.drain(app: app)
            var runs = try await c.send(.GET, "/api/v1/runs?workflow_id=\(wid)").items
            #expect(runs.count == 1)
            clock.advance(5 * 86_400) // five missed ticks while "down"
            try await app.jobs.drain(app: app)
            runs = try await c.send(.GET, "/api/v1/runs?workflow_id=\(wid)").items
            #expect(runs.count == 2, "missed ticks collapse into one run")
            #expect(runs.allSatisfy { $0["status"] as? String == "succeeded" })
            // Deactivated: no more ticks.
            _ = try await c.send(.POST, "/api/v1/workflows/\(wid)/deactivate")
            clock.advance(3 * 86_400)
            try await app.jobs.drain(app: app)
            #expect(try await c.send(.GET, "/api/v1/runs?workflow_id=\(wid)").items.count == 2)
        }
    }

    /// A ledger event triggers a workflow: recording a payment runs the active "Thanks" workflow,
    /// which sends the customer a thank-you on WhatsApp.
    static func ledgerEventTriggersThankYou(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var c = APIClient(app)
            try await c.signup()
            let customer = try await c.customer("Meena Stores", phone: "+919811111111")
            let thanks = blueprint("Thanks", [
                node("trigger", "trigger", "ledger", "event", ["event": "payment_recorded"]),
                node("msg", "action", "whatsapp", "send_message", ["to": "{{trigger.customer_phone}}",
                                                                     "text": "Thank you {{trigger.customer_name}} for {{trigger.amount | rupees}}"]),
            ], [edge("trigger", "out", "msg")])
            _ = try await create(c, thanks, activate: true)

            // act
            let pay = try await c.send(.POST, "/api/v1/payments", json: ["customer_id": customer, "amount": 50_000, "mode": "upi"])
            #expect(pay.status == .created, "\(pay.body)")
            try await app.jobs.drain(app: app)

            // verify
            let runs = try await c.send(.GET, "/api/v1/runs?status=succeeded").items
            #expect(runs.count == 1 && runs.first?["trigger_service"] as? String == "ledger")
            let sent = try await App.Message.query(on: app.db).filter(\.$direction == .outbound).all()
            #expect(sent.map(\.text) == ["Thank you Meena Stores for ₹500"])
        }
    }

    /// "Run with test data" starts with real data (issue 19 §4): a drafted webhook workflow gets an
    /// object built from the fields it uses (phones are the business's own number), a saved one
    /// the payload it last ran with, a ledger trigger the latest real event of its kind; and a
    /// failed run runs again from the start on the fixed version, once however often it is asked.
    static func testDataAndRestart(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var c = APIClient(app)
            try await c.signup()
            _ = try await c.send(.PATCH, "/api/v1/business", json: ["whatsapp_number": "+919900000001"])
            let meena = try await c.customer("Meena Stores", phone: "+919811111111")
            let cement = try await c.product("Cement", price: 35_000, stock: 10)
            #expect(try await c.issueInvoice(customer: meena, lines: [(cement, 2)]).status == .created)
            #expect(try await c.send(.POST, "/api/v1/payments", json: ["customer_id": meena, "amount": 50_000, "mode": "upi"]).status == .created)
            let uses = blueprint("Order", [
                node("trigger", "trigger", "webhook", "receive"),
                node("reply", "action", "respond", "respond", ["status": 200, "body": [
                    "order": "{{trigger.order.id}}", "to": "{{trigger.customer_phone}}", "amount": "{{trigger.amount | rupees}}",
                    "first": "{{trigger.items.0.name}}", "shop": "{{business.name}}"]]),
            ], [edge("trigger", "out", "reply")])

            // act + verify: a draft gets the fields it uses
            var d = try await c.send(.POST, "/api/v1/workflows/test-data", json: ["blueprint": uses])
            #expect(d.status == .ok && d["source"] as? String == "fields", "\(d.body)")
            let built = d["payload"] as? [String: Any] ?? [:]
            #expect((built["order"] as? [String: Any])?["id"] as? String == "TEST-1")
            #expect(built["customer_phone"] as? String == "+919900000001", "never a stranger's number")
            #expect(built["amount"] as? Int == 150_000)
            #expect(((built["items"] as? [[String: Any]])?.first)?["name"] as? String == "Test item")
            #expect(Set(built.keys) == ["order", "customer_phone", "amount", "items"], "\(built)")

            // act + verify: the built data runs the draft through
            let w = try await create(c, uses)
            let wid = w["id"] as? String ?? ""
            let first = try await run(c, wid, built)
            try await app.jobs.drain(app: app)
            #expect(try await runDetail(c, first)["status"] as? String == "succeeded")

            // act + verify: a saved workflow gets what it last ran with
            let lastPayload: [String: Any] = ["order": ["id": "A-7"], "customer_phone": "+919811111111", "amount": 70_000, "items": [["name": "Cement"]]]
            _ = try await run(c, wid, lastPayload)
            try await app.jobs.drain(app: app)
            d = try await c.send(.POST, "/api/v1/workflows/test-data", json: ["blueprint": uses, "workflow_id": wid])
            #expect(d["source"] as? String == "last_run" && ((d["payload"] as? [String: Any])?["order"] as? [String: Any])?["id"] as? String == "A-7",
                    "\(d.body)")

            // act + verify: ledger triggers get the latest real event, shaped as the trigger sends it
            for (event, check) in [("payment_recorded", { (p: [String: Any]) in p["amount"] as? Int == 50_000 && p["customer_name"] as? String == "Meena Stores" }),
                                   ("invoice_issued", { (p: [String: Any]) in p["number"] as? String == "INV-0001" && p["total"] as? Int == 70_000 }),
                                   ("stock_low", { (p: [String: Any]) in p["product_name"] as? String == "Cement" && p["stock"] as? Double == 8 })] {
                let bp = blueprint("L", [node("trigger", "trigger", "ledger", "event", ["event": event])], [])
                let r = try await c.send(.POST, "/api/v1/workflows/test-data", json: ["blueprint": bp])
                #expect(r["source"] as? String == "recent_event" && check(r["payload"] as? [String: Any] ?? [:]), "\(event): \(r.body)")
            }
            // … a sample payload is used as given; no trigger, or another business's workflow, is refused
            let sampled = blueprint("S", [node("trigger", "trigger", "webhook", "receive", ["sample_payload": ["amount": 5]])], [])
            d = try await c.send(.POST, "/api/v1/workflows/test-data", json: ["blueprint": sampled])
            #expect(d["source"] as? String == "sample_payload" && (d["payload"] as? [String: Any])?["amount"] as? Int == 5)
            let noTrigger = blueprint("N", [node("reply", "action", "respond", "respond", ["status": 200])], [])
            #expect(try await c.send(.POST, "/api/v1/workflows/test-data", json: ["blueprint": noTrigger]).status == .unprocessableEntity)
            var other = APIClient(app)
            try await other.signup(email: "other@example.com")
            #expect(try await other.send(.POST, "/api/v1/workflows/test-data", json: ["blueprint": uses, "workflow_id": wid]).status == .notFound)

            // act: a run without the data fails; the workflow is fixed; the run restarts from the start
            let failed = try await run(c, wid, ["amount": 100])
            try await app.jobs.drain(app: app)
            #expect(try await runDetail(c, failed)["status"] as? String == "failed")
            var fixed = uses
            fixed["nodes"] = [node("trigger", "trigger", "webhook", "receive"),
                              node("reply", "action", "respond", "respond", ["status": 200, "body": ["amount": "{{trigger.amount}}"]])]
            #expect(try await c.send(.PUT, "/api/v1/workflows/\(wid)", json: ["name": "Order", "blueprint": fixed]).status == .ok)
            let again = try await c.send(.POST, "/api/v1/runs/\(failed)/restart")
            let twice = try await c.send(.POST, "/api/v1/runs/\(failed)/restart")
            try await app.jobs.drain(app: app)

            // verify: one new run, same data, the new version, succeeded; the old run is kept as it was
            #expect(again.status == .created && twice.status == .created, "\(again.body)")
            let newID = again["id"] as? String ?? ""
            #expect(newID != failed && twice["id"] as? String == newID)
            let restarted = try await runDetail(c, newID)
            #expect(restarted["status"] as? String == "succeeded" && restarted["version"] as? Int == 2, "\(restarted)")
            #expect((restarted["trigger_payload"] as? [String: Any])?["amount"] as? Int == 100)
            #expect(try await runDetail(c, failed)["status"] as? String == "failed")
            #expect(try await c.send(.POST, "/api/v1/runs/\(newID)/restart").errorCode == "run_not_finished")
            #expect(try await other.send(.POST, "/api/v1/runs/\(failed)/restart").status == .notFound)
        }
    }

    /// The books' triggers and nodes (issue 16 §7): a recorded purchase starts a workflow whose
    /// record_expense node books the freight (once, even if the step is retried), and that expense
    /// starts a second workflow through `expense_recorded` with its fields.
    static func booksTriggersAndNodes(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var c = APIClient(app)
            try await c.signup()
            let product = try await c.product("Cement bag", price: 35_000, stock: 0)
            let supplier = try await c.send(.POST, "/api/v1/suppliers", json: ["name": "Sharma Cement"])["id"] as? String ?? ""
            _ = try await create(c, blueprint("Freight", [
                node("trigger", "trigger", "ledger", "event", ["event": "purchase_recorded"]),
                node("freight", "action", "ledger", "record_expense", ["amount": 20_000, "category": "Transport",
                                                                       "note": "Freight for {{trigger.bill_number}} from {{trigger.supplier_name}}"]),
            ], [edge("trigger", "out", "freight")]), activate: true)
            _ = try await create(c, blueprint("Expense log", [
                node("trigger", "trigger", "ledger", "event", ["event": "expense_recorded"]),
                node("log", "action", "data", "set", ["values": ["what": "{{trigger.category}}: {{trigger.note}}", "amount": "{{trigger.amount}}"]]),
            ], [edge("trigger", "out", "log")]), activate: true)

            // act
            let bill = try await c.send(.POST, "/api/v1/purchases", json: ["supplier_id": supplier, "bill_number": "SC-9",
                                                                           "items": [["product_id": product, "quantity": 10, "unit_cost": 30_000]]])
            #expect(bill.status == .created, "\(bill.body)")
            try await app.jobs.drain(app: app)

            // verify: both workflows ran; one freight expense with the bill's fields
            let runs = try await c.send(.GET, "/api/v1/runs?status=succeeded").items
            #expect(runs.count == 2, "\(runs)")
            let expenses = try await c.send(.GET, "/api/v1/expenses").items
            #expect(expenses.count == 1 && expenses.first?["note"] as? String == "Freight for SC-9 from Sharma Cement" && expenses.first?["amount"] as? Int == 20_000)
            let logRun = runs.first { ($0["workflow_name"] as? String ?? $0["workflow"] as? String ?? "").contains("Expense log") } ?? runs.first!
            let detail = try await runDetail(c, logRun["id"] as? String ?? "")
            let out = steps(detail)["log"]?["output"] as? [String: Any]
            #expect(out?["what"] as? String == "Transport: Freight for SC-9 from Sharma Cement", "\(detail)")
            try await Invariants.check(app)
        }
    }

    /// Setup shared by the ledger-node tests: a customer who has paid ₹500 up front, a product with
    /// 10 in stock, and a manual "Sell" workflow (create_invoice → get_customer_balance →
    /// adjust_stock) that sells 2 of the product and then removes 1 more from stock.
    private static func sellWorkflow(_ app: Application) async throws -> (client: APIClient, workflowID: String, customer: String, product: String) {
        var c = APIClient(app)
        try await c.signup()
        let customer = try await c.customer("Meena Stores", phone: "+919811111111")
        let product = try await c.product("Cement bag", price: 35_000, stock: 10)
        let pay = try await c.send(.POST, "/api/v1/payments", json: ["customer_id": customer, "amount": 50_000, "mode": "upi"])
        #expect(pay.status == .created, "\(pay.body)")
        try await app.jobs.drain(app: app)
        let sell = blueprint("Sell", [
            node("trigger", "trigger", "manual", "start"),
            node("inv", "action", "ledger", "create_invoice", ["customer_id": "{{trigger.customer}}",
                                                               "items": [["product_id": "{{trigger.product}}", "quantity": 2]]]),
            node("bal", "action", "ledger", "get_customer_balance", ["customer_id": "{{trigger.customer}}"]),
            node("stock", "action", "ledger", "adjust_stock", ["product_id": "{{trigger.product}}", "quantity": 1, "mode": "remove"]),
        ], [edge("trigger", "out", "inv"), edge("inv", "out", "bal"), edge("bal", "out", "stock")])
        let w = try await create(c, sell)
        return (c, w["id"] as? String ?? "", customer, product)
    }

    /// Ledger nodes write exactly once: create_invoice, get_customer_balance and adjust_stock give
    /// the right outputs and one invoice; a run with bad input fails its step with a clear status
    /// and moves nothing.
    static func ledgerNodesWriteOnce(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            let (c, wid, customer, product) = try await sellWorkflow(app)

            // act
            let r = try await run(c, wid, ["customer": customer, "product": product])
            try await app.jobs.drain(app: app)

            // verify
            let d = try await runDetail(c, r)
            #expect(d["status"] as? String == "succeeded", "\(d)")
            let inv = steps(d)["inv"]?["output"] as? [String: Any] ?? [:]
            #expect(inv["total"] as? Int == 70_000 && (inv["number"] as? String ?? "").hasPrefix("INV-"))
            #expect((steps(d)["bal"]?["output"] as? [String: Any])?["balance"] as? Int == 20_000)
            #expect((steps(d)["stock"]?["output"] as? [String: Any])?["stock"] as? Double == 7)
            #expect(try await Invoice.query(on: app.db).count() == 1)

            // act: bad input (an unknown customer)
            let r2 = try await run(c, wid, ["customer": UUID().uuidString, "product": product])
            try await app.jobs.drain(app: app)

            // verify: the step fails and no invoice is added
            let d2 = try await runDetail(c, r2)
            #expect(d2["status"] as? String == "failed" && status(d2, "inv") == "failed")
            #expect(try await Invoice.query(on: app.db).count() == 1)
        }
    }

    /// The create_invoice node's signed PDF link works without a login; a tampered one does not.
    static func ledgerNodeSignedPDFLink(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            let (c, wid, customer, product) = try await sellWorkflow(app)
            let r = try await run(c, wid, ["customer": customer, "product": product])
            try await app.jobs.drain(app: app)
            let d = try await runDetail(c, r)
            #expect(d["status"] as? String == "succeeded", "\(d)")
            let inv = steps(d)["inv"]?["output"] as? [String: Any] ?? [:]
            let pdf = inv["pdf_url"] as? String ?? ""
            let path = String(pdf[pdf.range(of: "/p/invoices/")!.lowerBound...])
            var anonymous = APIClient(app)
            anonymous.cookie = nil

            // act
            let got = try await anonymous.send(.GET, path)

            // verify
            #expect(got.status == .ok && got.headers.contentType?.subType == "pdf")
            #expect(try await anonymous.send(.GET, path.replacingOccurrences(of: "sig=", with: "sig=0")).status == .forbidden)
        }
    }

    // MARK: provider nodes against fakes

    /// Runs `body` with a fake Razorpay, Google Sheets (and its token endpoint), Shiprocket and
    /// echo server, stopped afterwards whether or not `body` throws.
    private static func withFakeProviders(_ body: (FakeProviders) async throws -> Void) async throws {
        let fake = FakeProviders()
        try await fake.start()
        do {
            try await body(fake)
        } catch {
            try? await fake.stop()
            throw error
        }
        try await fake.stop()
    }

    /// An owner on SQLite whose Razorpay, Google Sheets (and token exchange) and Shiprocket calls go
    /// to `fake`, with private addresses refused to the http node. Runs `body` with the app and the
    /// owner's client.
    private static func withProviderApp(_ fake: FakeProviders, _ body: (Application, APIClient) async throws -> Void) async throws {
        try await withTestApp(.sqlite, configure: {
            $0.razorpayAPIURL = fake.base
            $0.googleSheetsURL = fake.base
            $0.googleTokenURL = fake.base + "/token"
            $0.shiprocketAPIURL = fake.base
            $0.allowPrivateHTTP = false
        }) { app in
            var c = APIClient(app)
            try await c.signup()
            try await body(app, c)
        }
    }

    /// A run through Razorpay, Google Sheets, Shiprocket and an LLM node. Before the providers are
    /// connected its first provider step fails with a clear message; once they are, a retry
    /// continues from that step and each provider gets the call it should (the payment link keyed
    /// by the step's idempotency key, one token exchange, one Shiprocket login for two calls), then
    /// the run fails at the LLM node, with no LLM configured. Step inputs never show credentials.
    static func providerNodesRunOnceConnected() async throws {
        try await withFakeProviders { fake in
            // setup
            let keyPEM = try await rsaKeyPEM()
            fake.publicKeyPEM = try Insecure.RSA.PrivateKey(pem: keyPEM).publicKey.pemRepresentation
            try await withProviderApp(fake) { app, c in
                let bp = blueprint("Order flow", [
                    node("trigger", "trigger", "manual", "start"),
                    node("link", "action", "razorpay", "create_payment_link", ["amount": "{{trigger.amount}}", "description": "Order {{trigger.order}}"]),
                    node("check", "action", "razorpay", "get_payment_link", ["link_id": "{{steps.link.link_id}}"]),
                    node("log", "action", "google_sheets", "append_row", ["spreadsheet_id": "sheet-1", "range": "Orders!A1",
                                                                            "values": ["{{trigger.order}}", "{{trigger.amount}}", "{{steps.link.short_url}}"]]),
                    node("read", "action", "google_sheets", "read_range", ["spreadsheet_id": "sheet-1", "range": "Orders!A1:C10"]),
                    node("ship", "action", "shiprocket", "create_order", [
                        "order_id": "{{trigger.order}}", "billing_customer_name": "Meena", "billing_address": "12 MG Road",
                        "billing_phone": "9811111111", "billing_city": "Pune", "billing_pincode": "411001", "billing_state": "Maharashtra",
                        "items": [["name": "Cement", "units": 2, "selling_price": 350]], "sub_total": "{{trigger.amount}}", "weight": 5]),
                    node("track", "action", "shiprocket", "track_awb", ["awb": "AWB123"]),
                    node("ai", "action", "gpt", "process_text", ["input": "hello", "instructions": "Summarise"]),
                ], [edge("trigger", "out", "link"), edge("link", "out", "check"), edge("check", "out", "log"), edge("log", "out", "read"),
                    edge("read", "out", "ship"), edge("ship", "out", "track"), edge("track", "out", "ai")])
                let w = try await create(c, bp)
                let wid = w["id"] as? String ?? ""

                // act: run before any provider is connected
                let r0 = try await run(c, wid, ["amount": 70_000, "order": "A-1"])
                try await app.jobs.drain(app: app)

                // verify: the first provider step fails with a clear message
                var d = try await runDetail(c, r0)
                #expect(d["status"] as? String == "failed" && (d["error"] as? String ?? "").contains("Razorpay is not connected"))

                // act: connect the three providers, then retry the run
                for (provider, creds) in [("razorpay", ["key_id": "rzp_test_key", "key_secret": "rzp_secret"]),
                                          ("google_sheets", ["service_account_json": try serviceAccount(keyPEM)]),
                                          ("shiprocket", ["email": "api@shop.in", "password": "sr-pass"])] {
                    let r = try await c.send(.PUT, "/api/v1/integrations/\(provider)", json: ["credentials": creds])
                    #expect(r.status == .ok, "\(provider): \(r.body)")
                }
                let retried = try await c.send(.POST, "/api/v1/runs/\(r0)/retry")
                #expect(retried.status == .ok, "\(retried.body)")
                try await app.jobs.drain(app: app)

                // verify: the retry continues from the failed step
                d = try await runDetail(c, r0)
                #expect(status(d, "link") == "succeeded" && status(d, "ship") == "succeeded" && status(d, "track") == "succeeded", "\(d)")
                #expect(status(d, "ai") == "failed" && (d["error"] as? String ?? "").contains("no LLM configured"))
                #expect((steps(d)["link"]?["output"] as? [String: Any])?["short_url"] as? String == "https://rzp.io/i/plink_1")
                #expect(fake.paymentLinks.first?["reference_id"] as? String == String("\(r0.lowercased())-link".suffix(40)),
                        "reference_id is the step's idempotency key")
                #expect(fake.paymentLinks.first?["amount"] as? Int == 70_000)
                #expect(fake.sheetRows.first?.count == 3 && fake.tokenExchanges == 1)
                #expect((steps(d)["read"]?["output"] as? [String: Any])?["row_count"] as? Int == 1)
                #expect((steps(d)["ship"]?["output"] as? [String: Any])?["shiprocket_order_id"] as? String == "1001")
                #expect(fake.shiprocketOrders.first?["sub_total"] as? Double == 700)
                #expect((steps(d)["track"]?["output"] as? [String: Any])?["current_status"] as? String == "Delivered")
                #expect(fake.shiprocketLogins == 1, "the Shiprocket token is cached")

                // verify: step inputs never show credentials
                #expect(!(try await c.send(.GET, "/api/v1/runs/\(r0)").body.contains("rzp_secret")))
            }
        }
    }

    /// Workflow provider nodes share the provider guard with the inbox's sends (issue 14 §4): with
    /// Razorpay not answering (a listener that never accepts), three steps in a row get no answer,
    /// the breaker opens, and the next run's step fails fast with the reason instead of waiting.
    static func providerNodesShareTheBreaker() async throws {
        // setup: a loopback port held open for the whole test that never answers. (A port closed
        // right away could be bound again by another test's server running in parallel, and
        // that server's answer would close the breaker.)
        let hole = try ReliabilityScenarios.BlackHole()
        defer { hole.close() }
        try await withTestApp(.sqlite, configure: {
            $0.razorpayAPIURL = "http://127.0.0.1:\(hole.port)"
            $0.providerTimeoutSeconds = 1
        }) { app in
            var c = APIClient(app)
            try await c.signup()
            let r = try await c.send(.PUT, "/api/v1/integrations/razorpay", json: ["credentials": ["key_id": "rzp_test_key", "key_secret": "rzp_secret"]])
            #expect(r.status == .ok, "\(r.body)")
            let w = try await create(c, blueprint("Check link", [node("trigger", "trigger", "manual", "start"),
                                                                 node("check", "action", "razorpay", "get_payment_link", ["link_id": "plink_1"])],
                                                  [edge("trigger", "out", "check")]))
            let wid = w["id"] as? String ?? ""
            let key = ProviderNodes.guardKey(app, .razorpay)

            // act: three runs, each step's first attempt unanswered
            var runs: [String] = []
            for _ in 0..<3 {
                runs.append(try await run(c, wid, [:]))
                try await app.jobs.drain(app: app)
            }

            // verify: the breaker is open, and each step noted a retry with the provider's silence
            #expect(app.providerGuard.isOpen(key, now: app.clock.now()), "failures in a row: \(app.providerGuard.failuresInARow(key))")
            for id in runs {
                let d = try await runDetail(c, id)
                #expect((steps(d)["check"]?["error"] as? String ?? "").contains("Razorpay unreachable"), "\(d)")
            }

            // act: a fourth run while the breaker is open
            let fourth = try await run(c, wid, [:])
            try await app.jobs.drain(app: app)

            // verify: its step did not call; it says why and will be retried
            let d = try await runDetail(c, fourth)
            #expect((steps(d)["check"]?["error"] as? String ?? "").contains("did not answer several times in a row"), "\(d)")
            #expect(app.providerGuard.inFlight(key) == 0)
        }
    }

    /// The http node refuses a loopback address unless private addresses are allowed: the run
    /// fails with the reason and nothing is called.
    static func httpNodeRefusesPrivateAddresses() async throws {
        try await withFakeProviders { fake in
            try await withProviderApp(fake) { app, c in
                // setup
                let http = try await create(c, blueprint("Call", [node("trigger", "trigger", "manual", "start"),
                                                                  node("call", "action", "http", "request", ["method": "POST", "url": fake.base + "/echo",
                                                                                                              "body": ["n": "{{trigger.n}}"]])],
                                                        [edge("trigger", "out", "call")]))

                // act
                let r1 = try await run(c, http["id"] as? String ?? "", ["n": 1])
                try await app.jobs.drain(app: app)

                // verify
                let d = try await runDetail(c, r1)
                #expect(d["status"] as? String == "failed" && (d["error"] as? String ?? "").contains("private address"))
                #expect(fake.echoCalls.isEmpty)
            }
        }
    }

    /// With private addresses allowed, the http node calls the address once, keyed by its step,
    /// returns the status and the JSON answer, and shows the Authorization header masked in the
    /// step's input.
    static func httpNodeCallsWhenAllowed() async throws {
        try await withFakeProviders { fake in
            try await withTestApp(.sqlite, configure: { $0.allowPrivateHTTP = true }) { app in
                // setup
                var c = APIClient(app)
                try await c.signup()
                let http = try await create(c, blueprint("Call", [node("trigger", "trigger", "manual", "start"),
                                                                  node("call", "action", "http", "request", ["method": "POST", "url": fake.base + "/echo",
                                                                                                              "headers": ["Authorization": "Bearer secret-token"],
                                                                                                              "body": ["n": "{{trigger.n}}"]])],
                                                        [edge("trigger", "out", "call")]))

                // act
                let r = try await run(c, http["id"] as? String ?? "", ["n": 7])
                try await app.jobs.drain(app: app)

                // verify
                let d = try await runDetail(c, r)
                let out = steps(d)["call"]?["output"] as? [String: Any] ?? [:]
                #expect(out["status"] as? Int == 200 && ((out["json"] as? [String: Any])?["received"] as? [String: Any])?["n"] as? Int == 7)
                #expect(fake.echoCalls == ["\(r.lowercased())-call"])
                #expect(((steps(d)["call"]?["input"] as? [String: Any])?["headers"] as? [String: Any])?["Authorization"] as? String == "********")
            }
        }
    }

    static func rsaKeyPEM() async throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("munim-key-\(UUID().uuidString).pem").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await PostgresCluster.run("/usr/bin/openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", file])
        return try String(contentsOfFile: file, encoding: .utf8)
    }

    static func serviceAccount(_ pem: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: ["type": "service_account", "client_email": "munim@proj.iam.gserviceaccount.com",
                                                                      "private_key": pem]), as: UTF8.self)
    }

    /// An inbound customer message starts a message-triggered workflow once, even if routing retries.
    static func messageTrigger(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var c = APIClient(app)
            try await c.signup()
            _ = try await c.product("Cement bag", price: 35_000, stock: 10)
            let bp = blueprint("Price", [
                node("trigger", "trigger", "message", "received", ["contains": "price"]),
                node("find", "action", "ledger", "find_product", ["query": "{{trigger.text}}"]),
                node("reply", "action", "whatsapp", "send_message", ["to": "{{trigger.from}}", "text": "{{steps.find.name}}: {{steps.find.price | rupees}}"]),
            ], [edge("trigger", "out", "find"), edge("find", "out", "reply")])
            _ = try await create(c, bp, activate: true)
            _ = try await c.send(.POST, "/api/v1/simulator/messages", json: ["from": "+919822222222", "name": "Asha", "text": "price of cement?"])
            _ = try await c.send(.POST, "/api/v1/simulator/messages", json: ["from": "+919822222222", "text": "thanks"])
            try await app.jobs.drain(app: app)
            let runs = try await c.send(.GET, "/api/v1/runs").items
            #expect(runs.count == 1 && runs.first?["status"] as? String == "succeeded")
            let texts = try await App.Message.query(on: app.db).filter(\.$direction == .outbound).filter(\.$author == "workflow").all().map(\.text)
            #expect(texts == ["Cement bag: ₹350"])
        }
    }

    /// The architect: recipes offline, the LLM constrained by the catalog schema with one repair round.
    static func architect() async throws {
        let fake = FakeOpenAI()
        try await fake.start()
        do {
            try await architect(fake)
        } catch {
            try? await fake.stop()
            throw error
        }
        try await fake.stop()
    }

    static func architect(_ fake: FakeOpenAI) async throws {
        try await withTestApp(.sqlite) { app in
            var c = APIClient(app)
            try await c.signup()
            let d = try await c.send(.POST, "/api/v1/workflows/draft", json: ["prompt": "send debtor reminders every day at 10"])
            #expect(d.status == .ok && d["source"] as? String == "recipe" && d["valid"] as? Bool == true, "\(d.body)")
            let none = try await c.send(.POST, "/api/v1/workflows/draft", json: ["prompt": "paint the shop blue"])
            #expect(none.status == .unprocessableEntity && none.errorCode == "no_recipe")
            #expect(try await c.send(.POST, "/api/v1/workflows/draft", json: ["prompt": ""]).status == .unprocessableEntity)
        }
        try await withTestApp(.sqlite, configure: { $0.openAIKey = "sk-test"; $0.openAIBaseURL = fake.baseURL }) { app in
            var c = APIClient(app)
            try await c.signup()
            // First answer invalid (no trigger), the repair valid.
            fake.enqueue(content: #"{"name":"Hi","explanation":"x","nodes":[{"id":"a","service":"data","task":"set","params":{"values":"{\"a\":1}"}}],"edges":[]}"#)
            fake.enqueue(content: #"{"name":"Hi","explanation":"Greets by hand","nodes":[{"id":"trigger","service":"manual","task":"start","params":{"sample_payload":null}},{"id":"a","service":"data","task":"set","params":{"values":"{\"a\":1}"}}],"edges":[{"source":"trigger","source_port":"out","target":"a"}]}"#)
            let d = try await c.send(.POST, "/api/v1/workflows/draft", json: ["prompt": "when I click run, set a to one"])
            #expect(d.status == .ok && d["source"] as? String == "llm" && d["valid"] as? Bool == true, "\(d.body)")
            #expect(fake.chatBodies.count == 2)
            #expect(String(decoding: fake.chatBodies.last ?? Data(), as: UTF8.self).contains("Add a trigger"), "the repair round carries the errors")
            try await FakeOpenAI.validate(fake.chatBodies, schema: "CreateChatCompletionRequest")
        }
    }
}

extension Array {
    func asyncMap<T>(_ f: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await f(e)) }
        return out
    }
}
