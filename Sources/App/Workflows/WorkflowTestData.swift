import Fluent
import Foundation
import Vapor
import WorkflowCore

/// The data "Run with test data" starts with (issue 19 §4): what the trigger would really carry,
/// so a drafted workflow's test run gets past its first `{{trigger.…}}` variable.
///
/// In order of preference: the payload this workflow last ran with (webhook and manual triggers);
/// the trigger's own sample payload; for ledger and message triggers the latest real event of that
/// kind in this business's books or inbox, shaped exactly as the trigger delivers it; a schedule
/// tick for schedules; and otherwise an object built from the `{{trigger.…}}` fields the workflow
/// uses. Phone numbers in built data are the business's own WhatsApp number, never a stranger's,
/// so a test message reaches the owner.
enum WorkflowTestData {
    struct Result: Sendable {
        var payload: JSONValue
        /// last_run, sample_payload, recent_event, recent_message, schedule or fields.
        var source: String
        var note: String
    }

    static func make(_ bp: Blueprint, workflowID: UUID?, businessID: UUID, userID: UUID?, app: Application, db: any Database,
                     now: Date) async throws -> Result {
        guard let trigger = bp.nodes.first(where: { $0.kind == NodeKind.trigger.rawValue }) else {
            throw APIError.validation("blueprint", "has no trigger; add one first")
        }
        let used = Template.references(in: .array(bp.nodes.filter { $0.kind != NodeKind.trigger.rawValue }.map(\.params)))
            .filter { $0.hasPrefix("trigger.") }.map { String($0.dropFirst("trigger.".count)) }
        let accounts = AccountsService(db: db)
        let business = try await accounts.business(businessID)
        var ownNumber = business.whatsappNumber
        if ownNumber == nil, let userID, let (membership, memberOf) = try await accounts.membership(of: userID), memberOf.id == businessID {
            ownNumber = Recovery.ownNumber(membership, memberOf)
        }

        if ["webhook", "manual"].contains(trigger.service), let workflowID,
           let last = try await WorkflowRun.query(on: db).filter(\.$businessID == businessID).filter(\.$workflowID == workflowID)
            .filter(\.$triggerService ~~ ["webhook", "manual"]).sort(\.$createdAt, .descending).first(),
           case let payload = WorkflowJSON.value(last.triggerPayload), let o = payload.objectValue, !o.isEmpty {
            let when = ISODate.string(last.createdAt)
            return Result(payload: payload, source: "last_run",
                          note: last.triggerService == "webhook" ? "The data this workflow last received, at \(when)."
                                                                 : "The data this workflow last ran with, at \(when).")
        }
        if let sample = trigger.params["sample_payload"], let o = sample.objectValue, !o.isEmpty {
            return Result(payload: sample, source: "sample_payload", note: "The trigger's sample payload.")
        }
        switch trigger.service {
        case "ledger":
            let event = trigger.param("event")?.stringValue ?? ""
            if let payload = try await recentEvent(event, node: trigger, businessID: businessID, app: app, db: db, now: now) {
                return Result(payload: payload, source: "recent_event", note: "The latest real \(event.replacingOccurrences(of: "_", with: " ")) in your books.")
            }
        case "message":
            if let payload = try await MessagingService(app: app, businessID: businessID, db: db).latestCustomerMessagePayload() {
                return Result(payload: payload, source: "recent_message", note: "The latest message a customer sent.")
            }
        case "schedule":
            let at = JSONValue.string(ISODate.string(now))
            return Result(payload: ["scheduled_for": at, "fired_at": at], source: "schedule", note: "A schedule tick for now.")
        default:
            break
        }
        var payload = JSONValue.object([:])
        for path in used { insert(&payload, path.split(separator: ".").map(String.init), ownNumber: ownNumber, now: now) }
        let note = used.isEmpty ? "This workflow uses no trigger data."
            : "Built from the trigger fields this workflow uses; change them to real values."
        return Result(payload: payload, source: "fields", note: note)
    }

    // MARK: real events

    private static func recentEvent(_ event: String, node: Node, businessID: UUID, app: Application, db: any Database,
                                    now: Date) async throws -> JSONValue? {
        let service = LedgerService(db: db, store: app.store, businessID: businessID, userID: nil, now: now)
        let days = Int(node.param("days")?.intValue ?? 1)
        guard let (subject, daysOverdue) = try await service.latestEventSubject(event, overdueDays: days),
              var payload = try await service.eventPayload(event, subject: subject, pdfURL: { id in
                  InvoiceLinks.url(app, invoiceID: id, businessID: businessID, now: now)
              }, occurredAt: now) else { return nil }
        if let daysOverdue, case .object(var o) = payload {
            o["days_overdue"] = .int(Int64(daysOverdue))
            payload = .object(o)
        }
        return payload
    }

    // MARK: built from the fields used

    /// Sets `path` in `value` (creating objects, and lists for numeric steps like `items.0.name`)
    /// to a value that suits the field's name, unless something is there already.
    static func insert(_ value: inout JSONValue, _ path: [String], ownNumber: String?, now: Date, within: String = "") {
        guard let key = path.first else { return }
        let rest = Array(path.dropFirst())
        if let index = Int(key), index >= 0, index < 50 {
            var list: [JSONValue]
            if case .array(let a) = value { list = a } else { list = [] }
            while list.count <= index { list.append(rest.isEmpty ? .null : .object([:])) }
            if rest.isEmpty {
                if list[index] == .null { list[index] = guess(key, ownNumber: ownNumber, now: now) }
            } else {
                insert(&list[index], rest, ownNumber: ownNumber, now: now, within: within)
            }
            value = .array(list)
            return
        }
        var object: [String: JSONValue]
        if case .object(let o) = value { object = o } else { object = [:] }
        if rest.isEmpty {
            if object[key] == nil { object[key] = guess(key, ownNumber: ownNumber, now: now, within: within) }
        } else {
            var child = object[key] ?? (Int(rest[0]) != nil ? .array([]) : .object([:]))
            insert(&child, rest, ownNumber: ownNumber, now: now, within: key)
            object[key] = child
        }
        value = .object(object)
    }

    /// A test value for a field, by its name. Money is in paise, as everywhere in Munim.
    static func guess(_ name: String, ownNumber: String?, now: Date, within: String = "") -> JSONValue {
        let n = name.lowercased(), parent = within.lowercased()
        func has(_ words: String...) -> Bool { words.contains { n.contains($0) } }
        if has("phone", "mobile", "whatsapp") || n == "to" || n == "from" { return .string(ownNumber ?? "") }
        if has("email") { return .string("") }
        if has("amount", "total", "price", "balance", "paise", "cost", "due") { return .int(150_000) }
        if has("quantity", "qty", "count", "stock", "days") { return .int(1) }
        if n.hasSuffix("_at") || n == "at" { return .string(ISODate.string(now)) }
        if has("date") { return .string(String(ISODate.string(now).prefix(10))) }
        if has("name") {
            return .string(["item", "product", "line"].contains { parent.contains($0) } || n.contains("product") ? "Test item" : "Test customer")
        }
        if n == "id" || has("_id", "number", "ref") { return .string("TEST-1") }
        if has("text", "message", "body", "note") { return .string("Test message") }
        return .string("test")
    }
}
