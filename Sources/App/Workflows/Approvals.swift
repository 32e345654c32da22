import Fluent
import Foundation
import SQLKit
import Vapor
import WorkflowCore

/// Approval steps (`approval/request`, and `social/draft_reply` with approval on): the step waits
/// with a persisted timeout job; an owner decides through `POST /runs/{id}/approve|reject`.
enum Approvals {
    static func timeoutKey(_ runID: UUID, _ nodeID: String) -> String { "approval-\(runID.uuidString)-\(nodeID)" }

    /// The approval node's job: first time it parks the step; the wake-up job is its timeout.
    static func step(_ run: WorkflowRun, _ step: RunStep, node: Node, entry: BlueprintCache.Entry, variables: VariableContext,
                     isWake: Bool, ctx: JobContext) async throws {
        if step.status == .waiting {
            guard isWake, let wake = step.wakeAt else { return }
            if ctx.now < wake { throw JobPostpone(after: wake.timeIntervalSince(ctx.now)) }
            let output: JSONValue = ["decision": "timeout", "decided_by": .null, "decided_at": .string(ISODate.string(ctx.now)), "note": .null]
            try await RunTransitions.succeed(run, step, entry: entry, port: "timeout", output: output, input: nil, ctx: ctx)
            return
        }
        let params: JSONValue
        do { params = try Template.resolve(node.params, context: variables) } catch {
            try await RunTransitions.fail(run, step, entry: entry, message: String(describing: error), input: nil, ctx: ctx)
            return
        }
        let timeoutText = params["timeout"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "24h"
        guard let seconds = WDuration.seconds(timeoutText) else {
            try await RunTransitions.fail(run, step, entry: entry, message: "timeout \(timeoutText) is not a duration", input: params, ctx: ctx)
            return
        }
        try await park(run, step, message: params["message"]?.text ?? "", channel: params["channel"]?.stringValue ?? "inbox",
                       timeout: TimeInterval(seconds), input: params, pending: nil, ctx: ctx)
    }

    /// Puts a step in `waiting` with its timeout job, in one transaction, then tells the owner.
    static func park(_ run: WorkflowRun, _ step: RunStep, message: String, channel: String, timeout: TimeInterval, input: JSONValue,
                     pending: JSONValue?, ctx: JobContext) async throws {
        let app = ctx.app
        let wake = ctx.now.addingTimeInterval(timeout)
        var stored = input
        if case .object(var o) = stored { o["approval_message"] = .string(message); stored = .object(o) }
        guard try await RunTransitions.park(run, step, until: wake, input: stored, pending: pending,
                                            dedupeKey: timeoutKey(run.id!, step.nodeID), ctx: ctx) else { return }
        app.events.publish(run.businessID, BusinessEvent(type: "approval.requested", id: run.id!, at: ctx.now, data: [
            "run_id": .string(run.id!.uuidString), "workflow_id": .string(run.workflowID.uuidString),
            "node_id": .string(step.nodeID), "message": .string(message),
        ]))
        if channel == "whatsapp" {
            await notifyOwner(app, run: run, message: message)
        }
    }

    /// Sends the approval request to the owner's WhatsApp number through the business's WhatsApp
    /// channel (the simulator when none is connected), with a link to decide.
    static func notifyOwner(_ app: Application, run: WorkflowRun, message: String) async {
        do {
            guard let business = try await AccountsService(db: app.db).findBusiness(run.businessID), let number = business.whatsappNumber else {
                app.logger.notice("approval for run \(run.id!) not sent on WhatsApp: the business has no WhatsApp number")
                return
            }
            let channel = try await WorkflowNodes.channel(app, businessID: run.businessID, id: nil, kinds: [.twilioWhatsapp, .simulator])
            let code = replyCode(run.id!)
            let link = "\(app.publicBaseURL)/#/runs/\(run.id!.uuidString.lowercased())"
            let text = "Approval needed: \(message)\nReply APPROVE \(code) or REJECT \(code) (a note may follow), or decide here: \(link)"
            // Outside the owner's 24-hour window it goes as their approved "approval request" template.
            let template = TemplateRequest(purpose: .approvalRequest, values: [
                "business_name": business.name, "approval_message": message, "reply_code": code, "decision_link": link,
            ])
            _ = try await MessagingService(app: app, businessID: run.businessID).send(on: channel, to: number, text: text,
                                                                                     author: "system", authorName: "Workflows",
                                                                                     template: template)
        } catch {
            app.logger.warning("approval for run \(run.id!) not sent on WhatsApp: \(String(describing: error))")
        }
    }

    /// The short code that names a run in WhatsApp replies: the last 6 characters of its id. (Run
    /// ids are time-ordered, so their first characters are the same for runs made hours apart;
    /// the end is random.)
    static func replyCode(_ runID: UUID) -> String { String(runID.uuidString.lowercased().suffix(6)) }

    /// "approve", "APPROVE 3f9a1c", "reject 3f9a1c too expensive" → the decision, the code and a
    /// note; nil for any other text (which goes to the assistant as before).
    static func parseReply(_ text: String) -> (approve: Bool, code: String?, note: String?)? {
        var words = text.trimmingCharacters(in: .whitespacesAndNewlines).split(whereSeparator: \.isWhitespace).map(String.init)
        guard let first = words.first?.lowercased().trimmingCharacters(in: .punctuationCharacters) else { return nil }
        let approve: Bool
        switch first {
        case "approve", "approved": approve = true
        case "reject", "rejected": approve = false
        default: return nil
        }
        words.removeFirst()
        var code: String? = nil
        if let w = words.first?.lowercased(), (4...8).contains(w.count), w.allSatisfy(\.isHexDigit) {
            code = w
            words.removeFirst()
        }
        let note = words.joined(separator: " ")
        return (approve, code, note.isEmpty ? nil : String(note.prefix(500)))
    }

    /// Decides a pending approval from the owner's WhatsApp reply (`OwnerThread`). Returns the text
    /// to answer with, or nil when the message is not an approval reply. With one approval waiting
    /// in the business the code may be left out; with several it names the one meant.
    static func ownerReply(_ app: Application, businessID: UUID, text: String, decidedBy: String, now: Date) async throws -> String? {
        guard let reply = parseReply(text) else { return nil }
        let runs = try await WorkflowRun.query(on: app.db).filter(\.$businessID == businessID).filter(\.$status == .waiting)
            .sort(\.$createdAt).limit(500).all()
        let runIDs = runs.compactMap(\.id).filter { reply.code == nil || replyCode($0).hasPrefix(reply.code!) }
        // Approval steps keep the question in their input (`park`); delays and other waits do not.
        var pending: [(runID: UUID, step: RunStep, message: String)] = []
        if !runIDs.isEmpty {
            for step in try await RunStep.query(on: app.db).filter(\.$runID ~~ runIDs).filter(\.$status == .waiting).all() {
                guard case .string(let m)? = WorkflowJSON.value(step.input)["approval_message"] else { continue }
                pending.append((step.runID, step, m))
            }
        }
        guard !pending.isEmpty else {
            return reply.code.map { "No approval with code \($0) is waiting." } ?? "No approval is waiting."
        }
        guard pending.count == 1, let only = pending.first else {
            let list = pending.prefix(10).map { "\(replyCode($0.runID)): \($0.message)" }.joined(separator: "\n")
            return "Several approvals are waiting; reply APPROVE or REJECT with the code:\n\(list)"
        }
        do {
            try await decide(app, businessID: businessID, runID: only.runID,
                             decision: Decision(approve: reply.approve, nodeID: only.step.nodeID, note: reply.note, text: nil,
                                                decidedBy: decidedBy), now: now)
        } catch let e as APIError {
            return e.message
        }
        return "\(reply.approve ? "Approved" : "Rejected"): \(only.message)"
    }

    struct Decision: Sendable {
        let approve: Bool
        let nodeID: String?
        let note: String?
        /// For draft approvals: the reply text as edited by the approver.
        let text: String?
        let decidedBy: String
    }

    /// Decides the run's waiting approval (the given node, or the only one waiting).
    static func decide(_ app: Application, businessID: UUID, runID: UUID, decision: Decision, now: Date) async throws {
        try await RunTransitions.decide(runID, businessID: businessID, nodeID: decision.nodeID, timeoutKey: { timeoutKey(runID, $0) },
                                        app: app, now: now) { node, held in
            let decided: JSONValue = ["decision": .string(decision.approve ? "approved" : "rejected"), "decided_by": .string(decision.decidedBy),
                                   "decided_at": .string(ISODate.string(now)), "note": decision.note.map(JSONValue.string) ?? .null]
            guard node.nodeKind != .approval else { return (decision.approve ? "approved" : "rejected", decided) }
            // A drafted reply: approved → it continues on "out" with the (possibly edited) draft;
            // rejected → "rejected", a port with no connections, so that path ends here.
            var o = held.objectValue ?? [:]
            if let t = decision.text?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty { o["draft"] = .string(t) }
            for (k, v) in decided.objectValue ?? [:] { o[k] = v }
            return (decision.approve ? "out" : "rejected", .object(o))
        }
    }
}
