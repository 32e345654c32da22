@testable import App
import Fluent
import Foundation
import Testing

/// The typed job table (issue 15 §3).
@Suite("Job kinds")
struct JobKindTests {
    struct Rollback: Error {}

    /// The stored kind names are a wire format: jobs queued by an older binary must still run.
    @Test func kindNamesAreStableAndUnique() {
        let names = JobKinds.all.map { $0.name }
        #expect(Set(names).count == names.count, "two kinds share a name: \(names)")
        #expect(Set(names) == ["run.start", "run.step", "workflow.schedule", "workflow.event", "workflow.overdue_scan",
                               "inbound.receive", "inbound.route", "voice.transcribe", "outbox.send", "channel.verify", "channel.poll", "auth.recovery_code", "broadcast.send", "test.crash"])
    }

    /// Payloads written before the jobs were typed decode, and typed payloads write the same keys.
    @Test func payloadsKeepTheirStoredShape() throws {
        let run = UUID()
        let old = "{\"run_id\":\"\(run.uuidString)\",\"node_id\":\"send\",\"wake\":true}"
        let step = try JobCoders.decode(StepPayload.self, old)
        #expect(step.runID == run && step.nodeID == "send" && step.wake == true && step.lane == nil)
        let text = StepPayload(runID: run, nodeID: "pay", lane: "provider").jobText
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["run_id", "node_id", "lane"])
        #expect(RunStepJob.lane(StepPayload(runID: run, nodeID: "pay", lane: "provider")) == .provider)
        #expect(RunStepJob.lane(step) == .local)
        #expect(OutboxSendJob.lane(OutboxPayload(outboxID: run)) == .provider)
        // A payload that is not the kind's shape fails the job for good, never crashes it.
        #expect(throws: JobFailure.self) { try JobCoders.decode(OutboxPayload.self, "{\"message_id\":\"x\"}") }
        #expect(JobKinds.subject(kind: "outbox.send", payloadText: "not json") == ("outbox.send", nil))
        #expect(JobKinds.subject(kind: "outbox.send", payloadText: "{\"outbox_id\":\"\(run.uuidString)\"}") == ("Outgoing message", run))
    }

    /// Workers are woken after the enqueueing transaction commits, never before it and never for a
    /// transaction that rolled back.
    @Test func enqueueWakesWorkersAfterCommit() async throws {
        try await withTestApp(.sqlite) { app in
            let before = app.jobs.wakeup.generation
            let insideGeneration = try await app.store.write(app.db) { tx in
                try await JobQueue.enqueue(TestNoopJob.self, NoPayload(), businessID: nil, runAt: app.clock.now(), on: tx)
                return app.jobs.wakeup.generation
            }
            #expect(insideGeneration == before, "woken before the commit")
            #expect(app.jobs.wakeup.generation > before, "not woken after the commit")
            #expect(try await JobRow.query(on: app.db).filter(\.$kind == TestNoopJob.name).count() == 1)

            let afterFirst = app.jobs.wakeup.generation
            await #expect(throws: Rollback.self) {
                try await app.store.write(app.db) { tx in
                    try await JobQueue.enqueue(TestNoopJob.self, NoPayload(), businessID: nil, runAt: app.clock.now(), on: tx)
                    throw Rollback()
                }
            }
            #expect(app.jobs.wakeup.generation == afterFirst, "woken for a rolled-back transaction")
            #expect(try await JobRow.query(on: app.db).filter(\.$kind == TestNoopJob.name).count() == 1)
        }
    }
}
