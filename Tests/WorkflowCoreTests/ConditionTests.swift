import Foundation
import Testing
@testable import WorkflowCore

let conditionContext = VariableContext(
    trigger: ["amount": 1500, "amount_text": "1500", "name": "Asha", "tags": ["vip", "new"], "date": "2024-05-01",
              "ts": "2024-05-01T10:00:00+05:30", "blank": "", "flag": true, "mode": "upi", "ten": "10",
              "nested": ["a": 1], "message": "What is the PRICE of cement?"],
    business: ["name": "Sharma Traders"])

@Suite("Conditions")
struct ConditionTests {
    static func leaf(_ left: JSONValue, _ op: String, _ right: JSONValue? = nil) -> Condition {
        .compare(left: left, op: op, right: right)
    }

    static let cases: [(String, Condition, Bool)] = [
        ("number >=", leaf("{{trigger.amount}}", ">=", 1000), true),
        ("number <", leaf("{{trigger.amount}}", "<", 1000), false),
        ("numeric text vs number", leaf("{{trigger.amount_text}}", "==", 1500), true),
        ("numeric text compares as numbers, not text", leaf("{{trigger.ten}}", ">", "9"), true),
        ("== is case-sensitive", leaf("{{trigger.name}}", "==", "asha"), false),
        ("== exact", leaf("{{trigger.name}}", "==", "Asha"), true),
        ("!=", leaf("{{trigger.mode}}", "!=", "cash"), true),
        ("contains ignores case", leaf("{{trigger.message}}", "contains", "price"), true),
        ("contains on a list", leaf("{{trigger.tags}}", "contains", "vip"), true),
        ("contains on a list, absent", leaf("{{trigger.tags}}", "contains", "old"), false),
        ("contains on an object key", leaf("{{trigger.nested}}", "contains", "a"), true),
        ("starts_with", leaf("{{trigger.name}}", "starts_with", "as"), true),
        ("matches", leaf("{{trigger.message}}", "matches", "(?i)price\\s+of"), true),
        ("matches, no match", leaf("{{trigger.message}}", "matches", "^price"), false),
        ("exists", leaf("{{trigger.name}}", "exists"), true),
        ("exists, missing variable is false", leaf("{{trigger.nope}}", "exists"), false),
        ("is_empty, missing variable is true", leaf("{{trigger.nope}}", "is_empty"), true),
        ("is_empty, blank text", leaf("{{trigger.blank}}", "is_empty"), true),
        ("is_empty, filled", leaf("{{trigger.name}}", "is_empty"), false),
        ("in", leaf("{{trigger.mode}}", "in", ["cash", "upi"]), true),
        ("in, absent", leaf("{{trigger.mode}}", "in", ["cash"]), false),
        ("in, numbers", leaf("{{trigger.amount}}", "in", [500, 1500]), true),
        ("dates", leaf("{{trigger.date}}", "<", "2024-05-02"), true),
        ("dates equal regardless of format", leaf("{{trigger.date}}", "==", "2024-05-01T00:00:00Z"), true),
        ("timestamp vs date", leaf("{{trigger.ts}}", ">", "{{trigger.date}}"), true),
        ("bool", leaf("{{trigger.flag}}", "==", true), true),
        ("bool vs text", leaf("{{trigger.flag}}", "==", "true"), true),
        ("text ordering", leaf("{{trigger.name}}", "<", "Ravi"), true),
        ("literal left", leaf(5, ">", 3), true),
        ("template inside text", leaf("{{trigger.name}} ji", "==", "Asha ji"), true),
        ("all", .all([leaf("{{trigger.amount}}", ">", 1000), leaf("{{trigger.mode}}", "==", "upi")]), true),
        ("all, one false", .all([leaf("{{trigger.amount}}", ">", 1000), leaf("{{trigger.mode}}", "==", "cash")]), false),
        ("any", .any([leaf("{{trigger.amount}}", ">", 9999), leaf("{{trigger.mode}}", "==", "upi")]), true),
        ("nested groups", .any([.all([leaf(1, "==", 2)]), .all([leaf(1, "==", 1), .any([leaf("{{trigger.nope}}", "exists"), leaf(2, ">", 1)])])]), true),
    ]

    @Test("Evaluation is type-aware", arguments: cases)
    func evaluate(_ name: String, _ condition: Condition, _ expected: Bool) throws {
        #expect(try condition.evaluate(context: conditionContext) == expected, "\(name)")
    }

    @Test("A missing variable in a comparison throws with its name")
    func missingVariable() {
        #expect(throws: TemplateError.missing(variable: "trigger.total")) {
            try Self.leaf("{{trigger.total}}", ">", 5).evaluate(context: conditionContext)
        }
    }

    @Test("Decodes the issue's JSON shape and round-trips")
    func decoding() throws {
        // setup
        let json = #"{"all": [{"left": "{{trigger.amount}}", "op": ">=", "right": 1000}, {"any": [{"left": "{{trigger.x}}", "op": "exists"}]}]}"#
        // act
        let condition = try JSONDecoder().decode(Condition.self, from: Data(json.utf8))
        // verify
        #expect(condition == .all([Self.leaf("{{trigger.amount}}", ">=", 1000), .any([Self.leaf("{{trigger.x}}", "exists")])]))
        #expect(condition.validate() == [])
        #expect(try JSONDecoder().decode(Condition.self, from: JSONEncoder().encode(condition)) == condition)
    }

    static let malformed: [(String, JSONValue, String)] = [
        ("unknown operator", ["left": 1, "op": "~=", "right": 1], "not an operator"),
        ("missing right", ["left": 1, "op": ">"], "needs a value on the right"),
        ("right on exists", ["left": 1, "op": "exists", "right": 2], "looks only at the left side"),
        ("in without a list", ["left": 1, "op": "in", "right": 2], "needs a list"),
        ("bad regex", ["left": "x", "op": "matches", "right": "(unclosed"], "not a valid regular expression"),
        ("too long regex", ["left": "x", "op": "matches", "right": .string(String(repeating: "a", count: 201))], "at most 200"),
        ("empty group", ["all": []], "at least one condition"),
        ("group not a list", ["any": "x"], "must be a list"),
        ("not an object", "yes", "must be an object"),
        ("mixed keys", ["all": [], "left": 1], "either “all” or “any”"),
        ("no op", ["left": 1], "needs “left” and “op”"),
        ("extra keys", ["left": 1, "op": "==", "right": 1, "note": "x"], "remove note"),
        ("nested problem", ["all": [["left": 1, "op": "=", "right": 1]]], "not an operator"),
    ]

    @Test("validate explains malformed conditions", arguments: malformed)
    func validate(_ name: String, _ json: JSONValue, _ fragment: String) {
        let messages = Condition(json).validate()
        #expect(messages.contains { $0.contains(fragment) }, "\(name): \(messages)")
    }

    @Test("An invalid condition refuses to evaluate")
    func invalidThrows() {
        #expect(throws: ConditionError.self) { try Condition("nonsense").evaluate(context: conditionContext) }
    }

    @Test("Deeply nested conditions are rejected, not recursed without bound")
    func depthLimit() {
        var json: JSONValue = ["left": 1, "op": "==", "right": 1]
        for _ in 0..<40 { json = ["all": [json]] }
        #expect(Condition(json).validate().contains { $0.contains("nested") })
    }

    @Test("Router: the first matching branch wins, else “else”")
    func router() throws {
        // setup
        let params: JSONValue = ["branches": [
            ["port": "huge", "when": ["left": "{{trigger.amount}}", "op": ">", "right": 100_000]],
            ["port": "big", "when": ["left": "{{trigger.amount}}", "op": ">=", "right": 1000]],
            ["port": "upi", "when": ["left": "{{trigger.mode}}", "op": "==", "right": "upi"]],
        ]]
        let small = VariableContext(trigger: ["amount": 10, "mode": "cash"])
        // act / verify
        #expect(try Router.choosePort(params: params, context: conditionContext) == "big")
        #expect(try Router.choosePort(params: params, context: small) == "else")
        #expect(try Router.choosePort(branches: [], context: small) == "else")
        #expect(Router.branches(params: params).map(\.port) == ["huge", "big", "upi"])
    }

    @Test("Message trigger filters: contains ignores case, regex must match")
    func messageFilter() throws {
        #expect(try MessageTriggerFilter.matches(text: "What's the PRICE?", params: ["contains": "price"]))
        #expect(try !MessageTriggerFilter.matches(text: "hello", params: ["contains": "price"]))
        #expect(try MessageTriggerFilter.matches(text: "order #42", params: ["regex": "order\\s+#\\d+"]))
        #expect(try MessageTriggerFilter.matches(text: "anything", params: [:]))
    }
}

@Suite("Safe regular expressions")
struct SafeRegexTests {
    /// `(a+)+$` on a's followed by "!" backtracks exponentially (2^32 paths here). It must stop at the
    /// deadline rather than hold a worker for hours.
    @Test("A catastrophic pattern stops at the time limit")
    func catastrophicPattern() throws {
        // setup
        let regex = try SafeRegex("(a+)+$")
        let input = String(repeating: "a", count: 32) + "!"
        let clock = ContinuousClock()
        let start = clock.now
        // act
        #expect(throws: SafeRegex.RegexError.timedOut("(a+)+$")) {
            try regex.matches(input, timeLimit: .milliseconds(100))
        }
        // verify: generous bound for a shared CI machine; without the limit this runs for hours.
        #expect(clock.now - start < .seconds(3))
    }

    @Test("The same pattern still answers quickly on friendly input")
    func friendlyInput() throws {
        let regex = try SafeRegex("(a+)+$")
        #expect(try regex.matches("xxaaaa"))
        #expect(try !regex.matches("xyz"))
    }

    @Test("Patterns over 200 characters and invalid patterns are rejected")
    func limits() {
        #expect(throws: SafeRegex.RegexError.tooLong) { try SafeRegex(String(repeating: "a", count: 201)) }
        #expect(throws: SafeRegex.RegexError.invalid("[a-")) { try SafeRegex("[a-") }
    }

    @Test("Only the first 10,000 characters are searched")
    func inputCap() throws {
        let regex = try SafeRegex("needle")
        #expect(try regex.matches(String(repeating: "x", count: 9_000) + "needle"))
        #expect(try !regex.matches(String(repeating: "x", count: 10_000) + "needle"))
    }
}
