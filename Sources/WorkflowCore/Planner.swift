import Foundation

/// How a finished node ended, as the durable engine records it on the step row.
public enum NodeOutcome: Sendable, Equatable, Hashable, Codable {
    /// The node ran and emitted `port`: "out", a router branch or "else", "approved"/"rejected"/"timeout",
    /// or "error" when the step failed and the node has an error connection to follow.
    case succeeded(port: String)
    /// The node is dead: none of its incoming connections carried the run.
    case skipped
}

/// Adjacency over a blueprint's connections between existing nodes (first node wins for a duplicated id).
struct Graph: Sendable {
    let ids: [String]
    let kinds: [String: String]
    let incoming: [String: [Edge]]
    let outgoing: [String: [Edge]]

    init(nodes: [Node], edges: [Edge]) {
        var ids: [String] = []
        var kinds: [String: String] = [:]
        for n in nodes where kinds[n.id] == nil {
            ids.append(n.id)
            kinds[n.id] = n.kind
        }
        var inc: [String: [Edge]] = [:], out: [String: [Edge]] = [:]
        for e in edges where kinds[e.source] != nil && kinds[e.target] != nil {
            out[e.source, default: []].append(e)
            inc[e.target, default: []].append(e)
        }
        self.ids = ids
        self.kinds = kinds
        incoming = inc
        outgoing = out
    }

    /// Kahn's algorithm, stable in node order. Nodes on or behind a cycle are left out.
    func topologicalOrder() -> [String] {
        var indegree: [String: Int] = [:]
        for id in ids { indegree[id] = Set(incoming[id, default: []].map(\.source)).count }
        var order: [String] = []
        var queue = ids.filter { indegree[$0] == 0 }
        var head = 0
        while head < queue.count {
            let id = queue[head]
            head += 1
            order.append(id)
            for target in uniqueTargets(of: id) {
                indegree[target]! -= 1
                if indegree[target] == 0 { queue.append(target) }
            }
        }
        return order
    }

    func uniqueTargets(of id: String) -> [String] {
        var seen = Set<String>()
        return outgoing[id, default: []].map(\.target).filter { seen.insert($0).inserted }
    }

    func ancestors(of id: String) -> Set<String> {
        var seen = Set<String>()
        var stack = incoming[id, default: []].map(\.source)
        while let s = stack.popLast() {
            guard seen.insert(s).inserted else { continue }
            stack.append(contentsOf: incoming[s, default: []].map(\.source))
        }
        seen.remove(id) // only on a cycle; the validator reports those
        return seen
    }

    func reachable(from id: String) -> Set<String> {
        var seen: Set<String> = [id]
        var stack = [id]
        while let s = stack.popLast() {
            for t in uniqueTargets(of: s) where seen.insert(t).inserted { stack.append(t) }
        }
        return seen
    }

    /// One cycle per loop found by depth-first search, each as a path that returns to its start.
    func cycles() -> [[String]] {
        enum Mark { case active, done }
        var marks: [String: Mark] = [:]
        var found: [[String]] = []
        var inCycle = Set<String>()
        for root in ids where marks[root] == nil {
            // iterative DFS keeping the current path for reporting
            var path: [String] = []
            var stack: [(String, Int)] = [(root, 0)]
            marks[root] = .active
            path.append(root)
            while let (node, next) = stack.last {
                let targets = uniqueTargets(of: node)
                if next < targets.count {
                    stack[stack.count - 1].1 += 1
                    let t = targets[next]
                    switch marks[t] {
                    case nil:
                        marks[t] = .active
                        path.append(t)
                        stack.append((t, 0))
                    case .active?:
                        let cycle = Array(path[path.lastIndex(of: t)!...]) + [t]
                        if inCycle.isDisjoint(with: cycle) { found.append(cycle) }
                        inCycle.formUnion(cycle)
                    case .done?:
                        break
                    }
                } else {
                    marks[node] = .done
                    path.removeLast()
                    stack.removeLast()
                }
            }
        }
        return found
    }
}

/// Decides which nodes of a run go next (DESIGN §7). Pure, so the durable engine can call it inside the
/// transaction that commits a step's result, with the outcomes read from `run_steps`.
///
/// Join rule: a node with several incoming connections runs once, after every incoming path that is
/// still live has finished; a branch not taken counts as finished. A connection is live when its
/// source succeeded on that connection's port. A node whose sources have all finished runs if at least
/// one incoming connection is live, and is skipped otherwise — and a skip spreads downstream.
public struct Planner: Sendable {
    let graph: Graph
    public let triggerID: String?
    /// Every node not on a cycle, sources before targets (validated blueprints have no cycles).
    public let topologicalOrder: [String]

    public init(_ blueprint: Blueprint) {
        let graph = Graph(nodes: blueprint.nodes, edges: blueprint.edges)
        self.graph = graph
        triggerID = graph.ids.first { graph.kinds[$0] == NodeKind.trigger.rawValue }
        topologicalOrder = graph.topologicalOrder()
    }

    /// Targets of `id`'s connections from `port`, once each, in connection order.
    public func successors(of id: String, port: String) -> [String] {
        var seen = Set<String>()
        return graph.outgoing[id, default: []].filter { $0.sourcePort == port }.map(\.target)
            .filter { seen.insert($0).inserted }
    }

    /// Whether `id` has a connection from `port`. A failed step whose node has no "error" connection
    /// fails the run; with one, the engine records `.succeeded(port: "error")` and carries on.
    public func hasConnection(from id: String, port: String) -> Bool {
        graph.outgoing[id, default: []].contains { $0.sourcePort == port }
    }

    /// Every node with a path to `id`: the steps whose outputs `id` may read.
    public func ancestors(of id: String) -> Set<String> {
        graph.ancestors(of: id)
    }

    /// Given the outcomes so far, the nodes that can run now and the nodes that become skipped
    /// (transitively), both in topological order.
    ///
    /// With no outcomes at all, the trigger is ready. `ready` lists every runnable node without an
    /// outcome, including ones the engine may already have queued; pass `finished` (the node whose
    /// outcome was just recorded) to get only the nodes that this outcome made ready. Either way the
    /// engine should key step rows on (run, node) so a node is queued once. Record the returned skips
    /// as outcomes so later calls do not repeat them.
    public func advance(states: [String: NodeOutcome], finished: String? = nil) -> (ready: [String], skipped: [String]) {
        if let t = triggerID, states[t] == nil { return ([t], []) }
        var resolved = states
        var ready: [String] = []
        var skipped: [String] = []
        for id in topologicalOrder where resolved[id] == nil && id != triggerID {
            let incoming = graph.incoming[id, default: []]
            var allDone = true
            var live = false
            for e in incoming {
                guard let outcome = resolved[e.source] else { allDone = false; break }
                if outcome == .succeeded(port: e.sourcePort) { live = true }
            }
            guard allDone else { continue }
            if live {
                ready.append(id)
            } else {
                resolved[id] = .skipped
                skipped.append(id)
            }
        }
        if let finished {
            let causes = Set(skipped).union([finished])
            ready = ready.filter { id in graph.incoming[id, default: []].contains { causes.contains($0.source) } }
        }
        return (ready, skipped)
    }

    /// True when every node has an outcome or is skipped by the outcomes so far: the run is over.
    public func isComplete(states: [String: NodeOutcome]) -> Bool {
        let (ready, skipped) = advance(states: states)
        guard ready.isEmpty else { return false }
        let done = Set(states.keys).union(skipped)
        return graph.ids.allSatisfy { done.contains($0) }
    }
}
