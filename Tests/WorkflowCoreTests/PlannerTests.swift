import Foundation
import Testing
@testable import WorkflowCore

private let out = NodeOutcome.succeeded(port: "out")
private func port(_ p: String) -> NodeOutcome { .succeeded(port: p) }

/// A blueprint from "a>b" / "a:port>b" connection strings; node kinds don't matter to the planner.
private func graph(_ connections: String...) -> Blueprint {
    var ids: [String] = ["trigger"]
    var edges: [Edge] = []
    for c in connections {
        let parts = c.split(separator: ">").map(String.init)
        let src = parts[0].split(separator: ":").map(String.init)
        let e = Edge(source: src[0], sourcePort: src.count > 1 ? src[1] : "out", target: parts[1])
        for id in [e.source, e.target] where !ids.contains(id) { ids.append(id) }
        edges.append(e)
    }
    let nodes = ids.map { id in
        id == "trigger" ? trigger() : whatsapp(id)
    }
    return blueprint(nodes, edges)
}

@Suite("Planner")
struct PlannerTests {
    @Test("The issue's example: reply runs exactly once whichever branch the router takes",
          arguments: ["big", "else"])
    func issueExample(_ chosen: String) throws {
        // setup
        let planner = Planner(try decodeBlueprint(issueExampleJSON))
        // act / verify: step by step as the engine would
        #expect(planner.advance(states: [:]) == (["trigger"], []))
        #expect(planner.advance(states: ["trigger": out]) == (["check"], []))
        let afterRouter = planner.advance(states: ["trigger": out, "check": port(chosen)])
        #expect(afterRouter == (["reply"], []))
        let done: [String: NodeOutcome] = ["trigger": out, "check": port(chosen), "reply": out]
        #expect(planner.advance(states: done) == ([], []))
        #expect(planner.isComplete(states: done))
        #expect(!planner.isComplete(states: ["trigger": out, "check": port(chosen)]))
    }

    @Test("Diamond: the join waits for both live branches")
    func diamond() {
        // setup
        let planner = Planner(graph("trigger>a", "trigger>b", "a>join", "b>join"))
        // act / verify
        #expect(planner.advance(states: ["trigger": out]).ready == ["a", "b"])
        #expect(planner.advance(states: ["trigger": out, "a": out]).ready == ["b"]) // join still waits for b
        #expect(planner.advance(states: ["trigger": out, "a": out, "b": out]).ready == ["join"])
        #expect(planner.advance(states: ["trigger": out, "a": out, "b": out], finished: "b").ready == ["join"])
        #expect(planner.advance(states: ["trigger": out, "a": out], finished: "a").ready == [])
    }

    @Test("A branch not taken skips its whole chain and counts as finished for the join")
    func branchNotTaken() {
        // setup: router r: yes → x → y → join; else → z → join
        let planner = Planner(graph("trigger>r", "r:yes>x", "x>y", "y>join", "r:else>z", "z>join"))
        // act
        let elseTaken = planner.advance(states: ["trigger": out, "r": port("else")])
        // verify
        #expect(elseTaken == (["z"], ["x", "y"]))
        let afterZ = planner.advance(states: ["trigger": out, "r": port("else"), "x": .skipped, "y": .skipped, "z": out])
        #expect(afterZ == (["join"], []))
        // and the other way round
        let yesTaken = planner.advance(states: ["trigger": out, "r": port("yes")])
        #expect(yesTaken == (["x"], ["z"]))
        #expect(planner.advance(states: ["trigger": out, "r": port("yes"), "x": out, "z": .skipped]) == (["y"], []))
    }

    @Test("When no path to a join is live, the skip cascades through it")
    func cascadingSkip() {
        let planner = Planner(graph("trigger>r", "r:a>x", "r:b>y", "x>join", "y>join", "join>after"))
        let states: [String: NodeOutcome] = ["trigger": out, "r": port("else")]
        #expect(planner.advance(states: states) == ([], ["x", "y", "join", "after"]))
        #expect(planner.isComplete(states: states))
    }

    @Test("Error port: the handler runs and the normal path is skipped")
    func errorPort() {
        // setup
        let planner = Planner(graph("trigger>call", "call>next", "call:error>alert", "next>done", "alert>done"))
        // act
        let failed = planner.advance(states: ["trigger": out, "call": port("error")])
        // verify
        #expect(failed == (["alert"], ["next"]))
        #expect(planner.advance(states: ["trigger": out, "call": port("error"), "next": .skipped, "alert": out]) == (["done"], []))
        #expect(planner.hasConnection(from: "call", port: "error"))
        #expect(!planner.hasConnection(from: "next", port: "error"))
    }

    @Test("Approval ports", arguments: [("approved", ["post"], ["notify"]), ("rejected", ["notify"], ["post"]), ("timeout", [], ["post", "notify"])])
    func approval(_ decision: String, _ ready: [String], _ skipped: [String]) {
        let planner = Planner(graph("trigger>ok", "ok:approved>post", "ok:rejected>notify"))
        let result = planner.advance(states: ["trigger": out, "ok": port(decision)])
        #expect(result.ready == ready)
        #expect(result.skipped == skipped)
    }

    @Test("Graph queries: trigger, successors, ancestors, topological order")
    func queries() throws {
        // setup
        let planner = Planner(try decodeBlueprint(issueExampleJSON))
        let diamond = Planner(graph("trigger>a", "trigger>b", "a>join", "b>join", "join>end"))
        // verify
        #expect(planner.triggerID == "trigger")
        #expect(planner.successors(of: "check", port: "big") == ["reply"])
        #expect(planner.successors(of: "check", port: "else") == ["reply"])
        #expect(planner.successors(of: "check", port: "error") == [])
        #expect(planner.ancestors(of: "reply") == ["trigger", "check"])
        #expect(diamond.ancestors(of: "end") == ["trigger", "a", "b", "join"])
        #expect(diamond.ancestors(of: "trigger") == [])
        #expect(diamond.topologicalOrder == ["trigger", "a", "b", "join", "end"])
    }

    @Test("A cyclic blueprint does not hang or crash the planner")
    func cycle() {
        let planner = Planner(graph("trigger>a", "a>b", "b>a"))
        #expect(planner.topologicalOrder == ["trigger"])
        #expect(planner.advance(states: ["trigger": out]) == ([], []))
        #expect(!planner.isComplete(states: ["trigger": out]))
    }

    /// Random DAGs with random ports, driven like the engine drives them: every node must run at most
    /// once, run exactly when one of its incoming connections is live, and every run must complete.
    @Test("Generated graphs: each node runs once, exactly when reached (300 runs)")
    func generated() {
        var rng = SeededRandom(seed: 42)
        let ports = ["out", "yes", "else", "error"]
        for _ in 0..<300 {
            // setup: nodes n0 (trigger) … nk, edges only forward so the graph is acyclic
            let count = Int.random(in: 2...9, using: &rng)
            let ids = ["trigger"] + (1..<count).map { "n\($0)" }
            var edges: [Edge] = []
            for target in 1..<count {
                let sources = Set((0..<Int.random(in: 1...3, using: &rng)).map { _ in Int.random(in: 0..<target, using: &rng) })
                for s in sources {
                    edges.append(Edge(source: ids[s], sourcePort: s == 0 ? "out" : ports.randomElement(using: &rng)!, target: ids[target]))
                }
            }
            let bp = blueprint(ids.map { $0 == "trigger" ? trigger() : whatsapp($0) }, edges)
            let planner = Planner(bp)
            var states: [String: NodeOutcome] = [:]
            var runs: [String: Int] = [:]
            // act: run until nothing is ready
            var rounds = 0
            while rounds < 100 {
                rounds += 1
                let (ready, skipped) = planner.advance(states: states)
                for s in skipped { states[s] = .skipped }
                guard !ready.isEmpty else { break }
                for id in ready {
                    runs[id, default: 0] += 1
                    states[id] = id == "trigger" ? out : .succeeded(port: ports.randomElement(using: &rng)!)
                }
            }
            // verify
            #expect(planner.isComplete(states: states))
            for id in ids {
                #expect((runs[id] ?? 0) <= 1, "\(id) ran twice")
                let live = edges.contains { $0.target == id && states[$0.source] == .succeeded(port: $0.sourcePort) }
                let ran = runs[id] == 1
                #expect(id == "trigger" ? ran : ran == live, "\(id): ran \(ran), live \(live) in \(edges)")
                #expect(ran || states[id] == .skipped)
            }
        }
    }
}
