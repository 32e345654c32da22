import Foundation
import Testing
@testable import WorkflowCore

let sampleContext = VariableContext(
    trigger: ["amount": 150050, "name": "Asha", "items": [["name": "Cement", "qty": 2]], "vip": true,
              "contact": ["phone": "+919812345678"], "nothing": nil, "price": .double(1500.0)],
    steps: ["link": ["short_url": "https://rzp.io/i/abc", "amount": 49900]],
    business: ["name": "Sharma Traders", "whatsapp_number": "+919800000000"])

@Suite("Templates")
struct TemplateTests {
    static let exact: [(String, JSONValue)] = [
        ("{{trigger.amount}}", 150050),
        ("{{ trigger.amount }}", 150050),
        ("{{trigger.vip}}", true),
        ("{{trigger.contact}}", ["phone": "+919812345678"]),
        ("{{trigger.items}}", [["name": "Cement", "qty": 2]]),
        ("{{steps.link.short_url}}", "https://rzp.io/i/abc"),
        ("{{business.name}}", "Sharma Traders"),
        ("{{trigger.items.0.name}}", "Cement"),
        ("{{trigger.amount | rupees}}", "₹1,500.50"),
    ]

    @Test("A string that is exactly one placeholder keeps the value's JSON type", arguments: exact)
    func exactPlaceholder(_ template: String, _ expected: JSONValue) throws {
        #expect(try Template.resolve(.string(template), context: sampleContext) == expected)
    }

    static let interpolated: [(String, String)] = [
        ("Pay {{trigger.amount}} paise", "Pay 150050 paise"),
        ("Price {{trigger.price}}", "Price 1500"),
        ("Hi {{trigger.name}}, link: {{ steps.link.short_url }}", "Hi Asha, link: https://rzp.io/i/abc"),
        ("Contact {{trigger.contact}}", #"Contact {"phone":"+919812345678"}"#),
        ("VIP? {{trigger.vip}}", "VIP? true"),
        ("Total {{trigger.amount|rupees}}.", "Total ₹1,500.50."),
        ("No placeholders", "No placeholders"),
        ("{{trigger.name}}{{trigger.name}}", "AshaAsha"),
    ]

    @Test("Placeholders inside text are interpolated", arguments: interpolated)
    func interpolation(_ template: String, _ expected: String) throws {
        #expect(try Template.resolve(.string(template), context: sampleContext) == .string(expected))
    }

    @Test("Params are resolved recursively through objects and lists")
    func recursive() throws {
        // setup
        let params: JSONValue = ["status": 200, "body": ["ok": true, "amount": "{{trigger.amount}}",
                                                      "lines": ["{{trigger.name}}", "x {{business.name}}"]]]
        // act
        let resolved = try Template.resolve(params, context: sampleContext)
        // verify
        #expect(resolved == ["status": 200, "body": ["ok": true, "amount": 150050, "lines": ["Asha", "x Sharma Traders"]]])
    }

    static let missing: [(String, String)] = [
        ("{{trigger.total}}", "trigger.total"),
        ("Hi {{trigger.contact.name}}", "trigger.contact.name"),
        ("{{steps.nope.x}}", "steps.nope.x"),
        ("{{steps.link.nope}}", "steps.link.nope"),
        ("{{trigger.nothing}}", "trigger.nothing"),
        ("{{business.gstin}}", "business.gstin"),
        ("{{foo.bar}}", "foo.bar"),
    ]

    @Test("A missing (or null) value throws with the variable's name", arguments: missing)
    func missingValue(_ template: String, _ variable: String) {
        #expect(throws: TemplateError.missing(variable: variable)) {
            try Template.resolve(.string(template), context: sampleContext)
        }
    }

    @Test("Extra braces around a placeholder stay as text")
    func extraBraces() throws {
        #expect(try Template.resolve("{{{trigger.name}}}", context: sampleContext) == "{Asha}")
        #expect(try Template.resolve("{ {{trigger.name}} }", context: sampleContext) == "{ Asha }")
    }

    @Test("Malformed placeholders and unknown filters throw instead of leaking text")
    func malformed() {
        #expect(throws: TemplateError.self) { try Template.resolve("Hi {{trigger.name", context: sampleContext) }
        #expect(throws: TemplateError.self) { try Template.resolve("Hi {{ }}", context: sampleContext) }
        #expect(throws: TemplateError.unknownFilter("upper")) {
            try Template.resolve("{{trigger.name | upper}}", context: sampleContext)
        }
        #expect(throws: TemplateError.notAnAmount(variable: "trigger.name")) {
            try Template.resolve("{{trigger.name | rupees}}", context: sampleContext)
        }
    }

    @Test("references lists every placeholder path once, in order, without filters")
    func references() {
        // setup
        let params: JSONValue = ["a": "{{trigger.x}} and {{ steps.n.y | rupees }}", "b": ["{{business.name}}", "{{trigger.x}}"],
                              "c": 5, "d": "broken {{trigger"]
        // act
        let refs = Template.references(in: params)
        // verify
        #expect(refs == ["trigger.x", "steps.n.y", "business.name"])
        #expect(Template.problems(in: params).count == 1)
    }

    @Test("Resolved text never contains a placeholder (generated templates)")
    func neverLeaks() throws {
        var rng = SeededRandom(seed: 7)
        let pieces = ["Hi ", "{{trigger.name}}", " ", "{{trigger.amount}}", "{{ business.name }}", "!", "{{steps.link.amount|rupees}}", "{", "}"]
        for _ in 0..<300 {
            let template = (0..<Int.random(in: 1...8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            // either it resolves with every placeholder replaced, or it throws: never half-resolved text
            do {
                let out = try Template.resolve(.string(template), context: sampleContext)
                #expect(!out.text.contains("{{"), "template: \(template)")
            } catch is TemplateError {
                #expect(template.contains("{{"))
            }
        }
    }

    static let money: [(Int64, String)] = [
        (0, "₹0"), (5, "₹0.05"), (50, "₹0.50"), (100, "₹1"), (99999, "₹999.99"), (100000, "₹1,000"),
        (12345650, "₹1,23,456.50"), (1_000_000_000, "₹1,00,00,000"), (-50000, "-₹500"),
    ]

    @Test("rupees formats paise with Indian grouping", arguments: money)
    func rupees(_ paise: Int64, _ expected: String) {
        #expect(Money.rupees(paise) == expected)
    }
}
