import Foundation
import Testing
@testable import WorkflowCore

/// One invalid blueprint and the issue it must produce.
struct InvalidCase: Sendable, CustomTestStringConvertible {
    let name: String
    let blueprint: Blueprint
    let node: String?
    let field: String?
    let fragment: String

    var testDescription: String { name }
}

/// trigger → link → send, the base most cases break in one way.
func paymentLinkFlow(linkParams: JSONValue = ["amount": "{{trigger.amount}}"],
                     sendText: String = "Pay here: {{steps.link.short_url}}",
                     triggerNode: Node = trigger()) -> Blueprint {
    blueprint([
        triggerNode,
        action("link", "razorpay/create_payment_link", linkParams),
        whatsapp("send", text: sendText, to: "{{trigger.phone}}"),
    ], [edge("trigger", "link"), edge("link", "send")])
}

func routerFlow(_ branches: JSONValue, edges extra: [Edge] = []) -> Blueprint {
    blueprint([
        trigger(),
        action("check", "router/route", ["branches": branches]),
        whatsapp("a"), whatsapp("b"),
    ], [edge("trigger", "check"), edge("check", "a", "big"), edge("check", "b", "else")] + extra)
}

let invalidCases: [InvalidCase] = [
    // workflow
    InvalidCase(name: "empty name", blueprint: blueprint([trigger()], [], name: "  "), node: nil, field: "name", fragment: "Give the workflow a name"),
    InvalidCase(name: "no trigger", blueprint: blueprint([whatsapp("send")], []), node: nil, field: nil,
                fragment: "Add a trigger: every workflow starts with exactly one."),
    InvalidCase(name: "two triggers", blueprint: blueprint([trigger(), trigger("manual", id: "t2")], []), node: "t2", field: "kind",
                fragment: "exactly one trigger"),
    // nodes
    InvalidCase(name: "bad id", blueprint: blueprint([trigger(), whatsapp("send now!")], [edge("trigger", "send now!")]),
                node: "send now!", field: "id", fragment: "not a usable id"),
    InvalidCase(name: "id too long", blueprint: blueprint([trigger(), whatsapp(String(repeating: "x", count: 65))], []),
                node: String(repeating: "x", count: 65), field: "id", fragment: "1–64"),
    InvalidCase(name: "empty id", blueprint: blueprint([trigger(), whatsapp("")], []), node: nil, field: "id", fragment: "no id"),
    InvalidCase(name: "duplicate id", blueprint: blueprint([trigger(), whatsapp("send"), whatsapp("send")], [edge("trigger", "send")]),
                node: "send", field: "id", fragment: "must be unique"),
    InvalidCase(name: "unknown kind",
                blueprint: blueprint([trigger(), Node(id: "x", kind: "robot", service: "whatsapp", task: "send_message")], []),
                node: "x", field: "kind", fragment: "not a kind of step"),
    InvalidCase(name: "unknown service/task", blueprint: blueprint([trigger(), action("x", "fax/send", [:])], [edge("trigger", "x")]),
                node: "x", field: "service", fragment: "no “fax/send” step"),
    InvalidCase(name: "unknown trigger",
                blueprint: blueprint([Node(id: "trigger", kind: .trigger, service: "email", task: "received")], []),
                node: "trigger", field: "service", fragment: "not a trigger"),
    InvalidCase(name: "kind does not match the catalog",
                blueprint: blueprint([trigger(), Node(id: "x", kind: .action, service: "router", task: "route")], [edge("trigger", "x")]),
                node: "x", field: "kind", fragment: "is a router step, not an action"),
    // connections
    InvalidCase(name: "edge to a missing node", blueprint: blueprint([trigger()], [edge("trigger", "ghost")]),
                node: "trigger", field: "edges[0].target", fragment: "not a step"),
    InvalidCase(name: "edge from a missing node", blueprint: blueprint([trigger()], [edge("ghost", "trigger")]),
                node: nil, field: "edges[0].source", fragment: "not a step"),
    InvalidCase(name: "edge into the trigger", blueprint: blueprint([trigger(), whatsapp("send")], [edge("trigger", "send"), edge("send", "trigger")]),
                node: "trigger", field: "edges[1].target", fragment: "into the trigger"),
    InvalidCase(name: "self loop", blueprint: blueprint([trigger(), whatsapp("send")], [edge("trigger", "send"), edge("send", "send")]),
                node: "send", field: "edges[1].target", fragment: "connected to itself"),
    InvalidCase(name: "cycle", blueprint: blueprint([trigger(), whatsapp("a"), whatsapp("b")],
                                                    [edge("trigger", "a"), edge("a", "b"), edge("b", "a")]),
                node: "a", field: nil, fragment: "loop: a → b → a"),
    InvalidCase(name: "unreachable node", blueprint: blueprint([trigger(), whatsapp("send"), whatsapp("orphan")], [edge("trigger", "send")]),
                node: "orphan", field: nil, fragment: "not connected to the trigger"),
    InvalidCase(name: "duplicate edge", blueprint: blueprint([trigger(), whatsapp("send")], [edge("trigger", "send"), edge("trigger", "send")]),
                node: "trigger", field: "edges[1]", fragment: "listed twice"),
    InvalidCase(name: "trigger has no error port", blueprint: blueprint([trigger(), whatsapp("send")], [edge("trigger", "send", "error")]),
                node: "trigger", field: "edges[0].source_port", fragment: "not an exit"),
    InvalidCase(name: "action port", blueprint: blueprint([trigger(), whatsapp("a"), whatsapp("b")], [edge("trigger", "a"), edge("a", "b", "yes")]),
                node: "a", field: "edges[1].source_port", fragment: "use out or error"),
    InvalidCase(name: "router port not among its branches",
                blueprint: routerFlow([["port": "big", "when": ["left": 1, "op": "==", "right": 1]]], edges: [edge("check", "a", "small")]),
                node: "check", field: "edges[3].source_port", fragment: "use big, else or error"),
    InvalidCase(name: "approval port",
                blueprint: blueprint([trigger(), action("ok", "approval/request", ["message": "Send?"]), whatsapp("send")],
                                     [edge("trigger", "ok"), edge("ok", "send", "maybe")]),
                node: "ok", field: "edges[1].source_port", fragment: "approved, rejected, timeout or error"),
    // params
    InvalidCase(name: "params not an object",
                blueprint: blueprint([trigger(), action("send", "whatsapp/send_message", "hello")], [edge("trigger", "send")]),
                node: "send", field: "params", fragment: "must be an object"),
    InvalidCase(name: "required param missing", blueprint: blueprint([trigger(), action("send", "whatsapp/send_message", ["text": "hi"])], [edge("trigger", "send")]),
                node: "send", field: "params.to", fragment: "Fill in “to”"),
    InvalidCase(name: "required param blank", blueprint: blueprint([trigger(), whatsapp("send", text: " ")], [edge("trigger", "send")]),
                node: "send", field: "params.text", fragment: "Fill in “text”"),
    InvalidCase(name: "unknown param",
                blueprint: blueprint([trigger(), action("send", "whatsapp/send_message", ["to": "1", "text": "x", "colour": "red"])], [edge("trigger", "send")]),
                node: "send", field: "params.colour", fragment: "not a setting"),
    InvalidCase(name: "integer param given text",
                blueprint: blueprint([trigger(), action("pay", "ledger/record_payment", ["customer_id": "c1", "amount": "five hundred"])], [edge("trigger", "pay")]),
                node: "pay", field: "params.amount", fragment: "should be a whole number"),
    InvalidCase(name: "integer param given a fraction",
                blueprint: blueprint([trigger(), action("pay", "ledger/record_payment", ["customer_id": "c1", "amount": 10.5])], [edge("trigger", "pay")]),
                node: "pay", field: "params.amount", fragment: "should be a whole number"),
    InvalidCase(name: "text param given a number", blueprint: blueprint([trigger(), action("send", "whatsapp/send_message", ["to": 919812345678, "text": "x"])], [edge("trigger", "send")]),
                node: "send", field: "params.to", fragment: "should be text"),
    InvalidCase(name: "boolean param",
                blueprint: blueprint([trigger(), action("inv", "ledger/create_invoice", ["customer_id": "c1", "items": [["product_id": "p", "quantity": 1]], "issue": "yes"])], [edge("trigger", "inv")]),
                node: "inv", field: "params.issue", fragment: "true or false"),
    InvalidCase(name: "enum value", blueprint: blueprint([trigger(), action("pay", "ledger/record_payment", ["customer_id": "c1", "amount": 100, "mode": "bitcoin"])], [edge("trigger", "pay")]),
                node: "pay", field: "params.mode", fragment: "use cash, upi, bank, card, cheque or other"),
    InvalidCase(name: "list item missing a field",
                blueprint: blueprint([trigger(), action("inv", "ledger/create_invoice", ["customer_id": "c1", "items": [["quantity": 2]]])], [edge("trigger", "inv")]),
                node: "inv", field: "params.items[0].product_id", fragment: "Fill in “product_id”"),
    InvalidCase(name: "list item wrong type",
                blueprint: blueprint([trigger(), action("inv", "ledger/create_invoice", ["customer_id": "c1", "items": [["product_id": "p", "quantity": "two"]]])], [edge("trigger", "inv")]),
                node: "inv", field: "params.items[0].quantity", fragment: "should be a number"),
    InvalidCase(name: "bad duration", blueprint: blueprint([trigger(), action("ok", "approval/request", ["message": "Send?", "timeout": "soon"])], [edge("trigger", "ok")]),
                node: "ok", field: "params.timeout", fragment: "not a duration"),
    InvalidCase(name: "zero duration", blueprint: blueprint([trigger(), action("wait", "delay/wait", ["duration": "0m"])], [edge("trigger", "wait")]),
                node: "wait", field: "params.duration", fragment: "longer than zero"),
    InvalidCase(name: "bad datetime", blueprint: blueprint([trigger(), action("wait", "delay/wait", ["until": "next friday"])], [edge("trigger", "wait")]),
                node: "wait", field: "params.until", fragment: "not a date"),
    InvalidCase(name: "delay with both", blueprint: blueprint([trigger(), action("wait", "delay/wait", ["duration": "1h", "until": "2030-01-01"])], [edge("trigger", "wait")]),
                node: "wait", field: "params.until", fragment: "not both"),
    InvalidCase(name: "delay with neither", blueprint: blueprint([trigger(), action("wait", "delay/wait", [:])], [edge("trigger", "wait")]),
                node: "wait", field: "params.duration", fragment: "how long to wait"),
    InvalidCase(name: "bad cron", blueprint: blueprint([trigger("schedule", ["cron": "every day"])], []),
                node: "trigger", field: "params.cron", fragment: "5 fields"),
    InvalidCase(name: "bad timezone", blueprint: blueprint([trigger("schedule", ["cron": "0 10 * * *", "timezone": "India/Delhi"])], []),
                node: "trigger", field: "params.timezone", fragment: "not a timezone"),
    InvalidCase(name: "bad message regex", blueprint: blueprint([trigger("message", ["regex": "(price"])], []),
                node: "trigger", field: "params.regex", fragment: "not a valid regular expression"),
    InvalidCase(name: "ledger event unknown", blueprint: blueprint([trigger("ledger", ["event": "invoice_paid"])], []),
                node: "trigger", field: "params.event", fragment: "not an option"),
    InvalidCase(name: "ledger event missing", blueprint: blueprint([trigger("ledger")], []),
                node: "trigger", field: "params.event", fragment: "Fill in “event”"),
    InvalidCase(name: "sample payload not an object", blueprint: blueprint([trigger("webhook", ["sample_payload": [1, 2]])], []),
                node: "trigger", field: "params.sample_payload", fragment: "JSON object"),
    InvalidCase(name: "variables in trigger params", blueprint: blueprint([trigger("schedule", ["cron": "{{business.cron}}"])], []),
                node: "trigger", field: "params.cron", fragment: "Trigger settings can't use"),
    InvalidCase(name: "http url", blueprint: blueprint([trigger(), action("call", "http/request", ["url": "ftp://x"])], [edge("trigger", "call")]),
                node: "call", field: "params.url", fragment: "not a web address"),
    InvalidCase(name: "data/set value name", blueprint: blueprint([trigger(), action("vals", "data/set", ["values": ["full name": "x"]])], [edge("trigger", "vals")]),
                node: "vals", field: "params.values", fragment: "Value name"),
    // router
    InvalidCase(name: "no branches", blueprint: routerFlow([]), node: "check", field: "params.branches", fragment: "at least one branch"),
    InvalidCase(name: "branch port else", blueprint: routerFlow([["port": "else", "when": ["left": 1, "op": "==", "right": 1]]]),
                node: "check", field: "params.branches[0].port", fragment: "reserved"),
    InvalidCase(name: "branch port error", blueprint: routerFlow([["port": "error", "when": ["left": 1, "op": "==", "right": 1]]]),
                node: "check", field: "params.branches[0].port", fragment: "reserved"),
    InvalidCase(name: "empty branch port", blueprint: routerFlow([["port": "", "when": ["left": 1, "op": "==", "right": 1]]]),
                node: "check", field: "params.branches[0].port", fragment: "port name"),
    InvalidCase(name: "duplicate branch ports",
                blueprint: routerFlow([["port": "big", "when": ["left": 1, "op": "==", "right": 1]], ["port": "big", "when": ["left": 2, "op": "==", "right": 2]]]),
                node: "check", field: "params.branches[1].port", fragment: "must be unique"),
    InvalidCase(name: "branch without condition", blueprint: routerFlow([["port": "big"]]),
                node: "check", field: "params.branches[0].when", fragment: "needs a condition"),
    InvalidCase(name: "malformed condition", blueprint: routerFlow([["port": "big", "when": ["left": 1, "op": "≈", "right": 1]]]),
                node: "check", field: "params.branches[0].when", fragment: "not an operator"),
    InvalidCase(name: "condition regex", blueprint: routerFlow([["port": "big", "when": ["left": "{{trigger.text}}", "op": "matches", "right": "(["]]]),
                node: "check", field: "params.branches[0].when", fragment: "not a valid regular expression"),
    InvalidCase(name: "condition variable to a later step",
                blueprint: routerFlow([["port": "big", "when": ["left": "{{steps.a.message_id}}", "op": "exists"]]]),
                node: "check", field: "params.branches", fragment: "does not run before “check”"),
    // variables
    InvalidCase(name: "unknown variable root", blueprint: paymentLinkFlow(sendText: "Hi {{customer.name}}"),
                node: "send", field: "params.text", fragment: "not a variable"),
    InvalidCase(name: "step that does not exist", blueprint: paymentLinkFlow(sendText: "{{steps.lnk.short_url}}"),
                node: "send", field: "params.text", fragment: "not a step"),
    InvalidCase(name: "output the step does not declare", blueprint: paymentLinkFlow(sendText: "{{steps.link.url}}"),
                node: "send", field: "params.text", fragment: "has no output “url”; it has link_id, short_url, status, amount and error"),
    InvalidCase(name: "field of a single value", blueprint: paymentLinkFlow(sendText: "{{steps.link.short_url.host}}"),
                node: "send", field: "params.text", fragment: "has no fields"),
    InvalidCase(name: "step that runs later", blueprint: paymentLinkFlow(linkParams: ["amount": 100, "description": "{{steps.send.message_id}}"]),
                node: "link", field: "params.description", fragment: "does not run before"),
    InvalidCase(name: "own output", blueprint: paymentLinkFlow(linkParams: ["amount": 100, "description": "{{steps.link.short_url}}"]),
                node: "link", field: "params.description", fragment: "its own output"),
    InvalidCase(name: "trigger through steps.", blueprint: paymentLinkFlow(sendText: "{{steps.trigger.amount}}"),
                node: "send", field: "params.text", fragment: "Use {{trigger.…}}"),
    InvalidCase(name: "unknown business field", blueprint: paymentLinkFlow(sendText: "{{business.email}}"),
                node: "send", field: "params.text", fragment: "business profile has no “email”"),
    InvalidCase(name: "sample payload pins trigger fields",
                blueprint: paymentLinkFlow(sendText: "Order {{trigger.order_id}}",
                                           triggerNode: trigger("webhook", ["sample_payload": ["amount": 100, "phone": "+91"]])),
                node: "send", field: "params.text", fragment: "sample payload has no “order_id”; it has amount and phone"),
    InvalidCase(name: "message trigger has no amount",
                blueprint: blueprint([trigger("message"), whatsapp("send", text: "{{trigger.amount}}", to: "{{trigger.from}}")], [edge("trigger", "send")]),
                node: "send", field: "params.text", fragment: "the trigger has no output “amount”"),
    InvalidCase(name: "ledger event outputs depend on the event",
                blueprint: blueprint([trigger("ledger", ["event": "stock_low"]), whatsapp("send", text: "{{trigger.amount}}")], [edge("trigger", "send")]),
                node: "send", field: "params.text", fragment: "no output “amount”"),
    InvalidCase(name: "data/set outputs are its keys",
                blueprint: blueprint([trigger(), action("vals", "data/set", ["values": ["greeting": "Hi"]]), whatsapp("send", text: "{{steps.vals.farewell}}")],
                                     [edge("trigger", "vals"), edge("vals", "send")]),
                node: "send", field: "params.text", fragment: "sets only greeting"),
    InvalidCase(name: "unclosed placeholder", blueprint: paymentLinkFlow(sendText: "Pay {{steps.link.short_url"),
                node: "send", field: "params.text", fragment: "not closed"),
    InvalidCase(name: "unknown filter", blueprint: paymentLinkFlow(sendText: "{{steps.link.amount | euros}}"),
                node: "send", field: "params.text", fragment: "not a template filter"),
]

@Suite("Validator")
struct ValidatorTests {
    @Test("Each class of mistake yields an issue on the right node and field", arguments: invalidCases)
    func invalid(_ c: InvalidCase) {
        let issues = Validator.validate(c.blueprint)
        let hits = issues.matching(node: c.node, field: c.field)
        #expect(hits.contains { $0.message.contains(c.fragment) }, "got: \(issues)")
    }

    static let validBlueprints: [(String, Blueprint)] = [
        ("payment link flow", paymentLinkFlow()),
        ("deeper paths into object outputs",
         blueprint([trigger("message"), whatsapp("send", text: "Hi {{trigger.contact.name}}", to: "{{trigger.from}}")], [edge("trigger", "send")])),
        ("any trigger field without a sample payload", paymentLinkFlow(sendText: "{{trigger.anything.at.all}}")),
        ("error output on the error path",
         blueprint([trigger(), action("link", "razorpay/create_payment_link", ["amount": 100]), whatsapp("alert", text: "Failed: {{steps.link.error}}")],
                   [edge("trigger", "link"), edge("link", "alert", "error")])),
        ("ancestor two steps up and business fields", paymentLinkFlow(sendText: "{{steps.link.short_url}} from {{business.name}} {{steps.link.amount | rupees}}")),
        ("templated number and list params",
         blueprint([trigger(), action("inv", "ledger/create_invoice", ["customer_id": "{{trigger.customer_id}}", "items": "{{trigger.items}}"]),
                    action("pay", "ledger/record_payment", ["customer_id": "{{trigger.customer_id}}", "amount": "{{steps.inv.total}}", "mode": "upi"])],
                   [edge("trigger", "inv"), edge("inv", "pay")])),
        ("approval ports and a delay",
         blueprint([trigger(), action("ok", "approval/request", ["message": "Send?", "timeout": "2h"]), action("wait", "delay/wait", ["duration": "1h30m"]),
                    whatsapp("yes"), whatsapp("no", text: "{{steps.ok.note}}")],
                   [edge("trigger", "ok"), edge("ok", "wait", "approved"), edge("wait", "yes"), edge("ok", "no", "rejected"), edge("ok", "no", "timeout")])),
        ("schedule, ledger and data/set",
         blueprint([trigger("schedule", ["cron": "0 10 * * MON-FRI", "timezone": "Asia/Kolkata"]), action("debtors", "ledger/list_debtors", [:]),
                    action("vals", "data/set", ["values": ["line": "{{steps.debtors.count}} owe {{steps.debtors.total_due | rupees}}"]]),
                    whatsapp("send", text: "{{steps.vals.line}} at {{trigger.scheduled_for}}", to: "{{business.whatsapp_number}}")],
                   [edge("trigger", "debtors"), edge("debtors", "vals"), edge("vals", "send")])),
        ("trigger task normalised by service", blueprint([Node(id: "t", kind: .trigger, service: "webhook", task: "anything")], [])),
    ]

    @Test("Well-formed blueprints have no issues", arguments: validBlueprints)
    func valid(_ name: String, _ bp: Blueprint) {
        #expect(Validator.validate(bp) == [], "\(name)")
    }

    @Test("A join sees the outputs of every ancestor branch")
    func joinReferences() {
        // setup: trigger → a, b → join, where join uses both a and b
        let bp = blueprint([trigger(), action("a", "razorpay/create_payment_link", ["amount": 100]), action("b", "ledger/list_debtors", [:]),
                            whatsapp("join", text: "{{steps.a.short_url}} {{steps.b.count}}")],
                           [edge("trigger", "a"), edge("trigger", "b"), edge("a", "join"), edge("b", "join")])
        // act / verify
        #expect(Validator.validate(bp) == [])
    }

    @Test("Issues encode with keys node_id, field and message, null when absent")
    func issueJSON() throws {
        let json = try encodeJSON([ValidationIssue(nodeID: nil, field: nil, message: "Add a trigger."),
                                   ValidationIssue(nodeID: "send", field: "params.to", message: "Fill in.")])
        #expect(json == #"[{"field":null,"message":"Add a trigger.","node_id":null},{"field":"params.to","message":"Fill in.","node_id":"send"}]"#)
        let decoded = try JSONDecoder().decode([ValidationIssue].self, from: Data(json.utf8))
        #expect(decoded[1].nodeID == "send")
    }

    @Test("Oversized blueprints are refused before any graph work")
    func limits() {
        let nodes = [trigger()] + (0..<250).map { whatsapp("n\($0)") }
        let issues = Validator.validate(blueprint(nodes, []))
        #expect(issues.count == 1)
        #expect(issues[0].message.contains("at most 200 steps"))
    }

    @Test("Every message is a sentence")
    func sentences() {
        for c in invalidCases {
            for issue in Validator.validate(c.blueprint) {
                #expect(issue.message.first?.isUppercase == true || issue.message.hasPrefix("“") || issue.message.hasPrefix("{{"),
                        "\(issue.message)")
                #expect([".", ")"].contains(issue.message.last.map(String.init) ?? ""), "\(issue.message)")
            }
        }
    }
}
