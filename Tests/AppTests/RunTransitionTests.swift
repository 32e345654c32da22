@testable import App
import Foundation
import Testing
import WorkflowCore

/// The workflow runtime as one state machine (issue 15 §4): one table of node code and
/// capabilities, one writer of runs and steps.
@Suite("Run transitions")
struct RunTransitionTests {
    /// Every catalog node has code (or is carried out by the runtime), and no code is for a node the
    /// catalog does not offer.
    @Test func everyCatalogNodeHasExactlyOneBinding() {
        let catalog = Set(NodeCatalog.all.map(\.key))
        let table = Set(WorkflowNodes.table.keys)
        #expect(NodeCatalog.all.count == catalog.count, "two catalog specs share a key")
        #expect(catalog.subtracting(table).sorted().isEmpty, "catalog nodes without code: \(catalog.subtracting(table).sorted())")
        #expect(table.subtracting(catalog).sorted().isEmpty, "code for nodes the catalog lacks: \(table.subtracting(catalog).sorted())")
    }

    /// What a node's executor is and what it declares agree with the catalog and with each other.
    @Test func capabilitiesAgreeWithTheCatalogAndTheExecutor() {
        for spec in NodeCatalog.all {
            guard let b = WorkflowNodes.table[spec.key] else { continue }
            switch b.executor {
            case .runtime(let r):
                let expected: NodeExecutor.RuntimeNode? = switch spec.kind {
                case .trigger: .trigger
                case .router: .route
                case .delay: .wait
                case .approval: .decision
                default: nil
                }
                #expect(r == expected, "\(spec.key) is a \(spec.kind) run by the runtime as \(r)")
            case .pure, .read:
                #expect(spec.kind == .action && !spec.network && b.effect == .none, "\(spec.key): a local node with effects or a network call")
            case .transactional:
                #expect(b.effect == .committedWithStep, "\(spec.key) writes in the step's transaction but declares \(b.effect)")
            case .external:
                #expect(spec.network, "\(spec.key) calls a provider but the catalog says it does not (no provider lane, no retries)")
                #expect(b.effect != .committedWithStep, "\(spec.key) cannot commit a provider call with its step")
            }
        }
        let responders = WorkflowNodes.table.filter { $0.value.capabilities.contains(.responds) }.keys.sorted()
        #expect(responders == ["respond/respond"])
        let deciders = WorkflowNodes.table.filter { $0.value.capabilities.contains(.awaitsDecision) }.keys.sorted()
        #expect(deciders == ["approval/request", "social/draft_reply"])
        // Routers run without a job, inline in the commit of the step before; triggers, waits and
        // decisions never do.
        #expect(WorkflowNodes.table["router/route"]?.reach == .pure)
        #expect(WorkflowNodes.table["ledger/find_product"]?.reach == .reads)
        for key in ["manual/start", "delay/wait", "approval/request", "whatsapp/send_message", "http/request"] {
            #expect(WorkflowNodes.table[key]?.reach == nil, "\(key) must run as a job")
        }
    }

    /// Only `RunTransitions.swift` writes the `runs` and `run_steps` tables or queues `run.step`.
    @Test func onlyRunTransitionsWritesRunsAndSteps() throws {
        let forbidden: [(String, String)] = [
            ("enqueue(RunStepJob.self", "queues a run.step job"),
            ("INSERT INTO runs", "inserts runs"), ("INSERT INTO run_steps", "inserts run steps"),
            ("UPDATE runs", "updates runs"), ("UPDATE run_steps", "updates run steps"),
            ("DELETE FROM runs", "deletes runs"), ("DELETE FROM run_steps", "deletes run steps"),
            ("RunStep()", "builds a step row"), ("WorkflowRun()", "builds a run row"),
        ]
        // A Fluent write on a query of these models, or a save of a fetched row.
        let queryWrite = try Regex(#"(RunStep|WorkflowRun)\.query\(on: [a-z.]+\)[^\n]*\.(set|update|delete)\("#)
        let rowWrite = try Regex(#"\b(run|step|locked|s|r)\.(update|create|save|delete)\(on:"#)
        var found: [String] = []
        for file in try RouteTableTests.files(under: "Sources/App", suffix: ".swift") {
            let name = file.lastPathComponent
            guard name != "RunTransitions.swift" else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for (needle, what) in forbidden where text.contains(needle) { found.append("\(name) \(what)") }
            if text.contains(queryWrite) { found.append("\(name) writes runs or steps through a query") }
            // Row saves are only meaningful where run or step rows are in hand.
            if (text.contains("RunStep") || text.contains("WorkflowRun")) && text.contains(rowWrite) {
                found.append("\(name) saves a run or step row")
            }
        }
        #expect(found.isEmpty, "write run state through RunTransitions: \(found)")
        // The check sees what it looks for.
        let transitions = try String(contentsOf: RouteTableTests.root.appendingPathComponent("Sources/App/Workflows/RunTransitions.swift"),
                                     encoding: .utf8)
        #expect(transitions.contains(queryWrite) && transitions.contains(rowWrite) && transitions.contains("enqueue(RunStepJob.self"))
    }
}
