import Foundation
import Testing
@testable import WorkflowCore

@Suite("Architect")
struct ArchitectTests {
    @Test("Every recipe's blueprint passes the validator and flows left to right", arguments: Architect.recipes)
    func recipeIsValid(_ id: String) throws {
        // act
        let draft = try #require(Architect.draft(recipe: id))
        // verify
        #expect(Validator.validate(draft.blueprint) == [], "\(id)")
        #expect(draft.recipe == id)
        #expect(!draft.explanation.isEmpty)
        let x = Dictionary(uniqueKeysWithValues: draft.blueprint.nodes.map { ($0.id, $0.position.x) })
        for e in draft.blueprint.edges { #expect(x[e.target]! > x[e.source]!, "\(id): \(e.source) → \(e.target)") }
        #expect(try decodeBlueprint(try encodeJSON(draft.blueprint)) == draft.blueprint)
    }

    static let prompts: [(String, String)] = [
        ("When a new order comes in, send the customer a Razorpay payment link on WhatsApp and log it in Google Sheets", "order_payment_link"),
        ("naya order aaye to payment link bhejo", "order_payment_link"),
        ("Every day at 10 am remind me about customers who owe money", "debtor_reminders"),
        ("har roz subah 10 baje udhaar walon ki list bhejo", "debtor_reminders"),
        ("send me the list of debtors every morning", "debtor_reminders"),
        ("Alert me on WhatsApp when stock runs low", "low_stock_alert"),
        ("jab cement ka maal khatam ho to batao", "low_stock_alert"),
        ("When a customer asks for the price, reply with the catalog price", "price_reply"),
        ("koi daam pooche to rate bata do", "price_reply"),
        ("When someone mentions us on Bluesky draft a reply and let me approve it", "bluesky_mention_reply"),
        ("Send the invoice PDF to the customer when an invoice is issued", "invoice_pdf"),
        ("bill bhejo customer ko whatsapp pe", "invoice_pdf"),
        ("Send a thank you message when a payment is received", "payment_thanks"),
        ("payment mile to shukriya bolo", "payment_thanks"),
        ("Every Monday at 9 send me a weekly sales summary", "weekly_sales"),
        ("har hafte bikri ki report", "weekly_sales"),
        ("Create a Shiprocket shipment after payment", "ship_after_payment"),
        ("dispatch the parcel by courier once paid", "ship_after_payment"),
        ("Welcome new customers with a WhatsApp message", "welcome_customer"),
        ("naye grahak ko swagat message bhejo", "welcome_customer"),
    ]

    @Test("Sentences map to the right recipe", arguments: prompts)
    func recipeChoice(_ prompt: String, _ recipe: String) throws {
        let draft = try #require(Architect.draft(prompt: prompt), "\(prompt)")
        #expect(draft.recipe == recipe, "\(prompt)")
        #expect(Validator.validate(draft.blueprint) == [], "\(prompt)")
    }

    @Test("Nothing matches: nil", arguments: ["", "What's the weather like?", "asdf qwerty", "hello"])
    func noMatch(_ prompt: String) {
        #expect(Architect.draft(prompt: prompt) == nil)
    }

    static let schedules: [(String, String)] = [
        ("remind debtors every day at 10:00", "0 10 * * *"),
        ("remind debtors daily at 9:30 pm", "30 21 * * *"),
        ("remind debtors every monday at 10 am", "0 10 * * 1"),
        ("remind debtors every friday at 8", "0 8 * * 5"),
        ("har roz shaam 7 baje udhaar yaad dilao", "0 19 * * *"),
        ("remind debtors", "0 10 * * *"),
        ("weekly sales summary", "0 9 * * 1"),
        ("sales summary every friday at 6 pm", "0 18 * * 5"),
        ("daily sales summary at 21:00", "0 21 * * *"),
        ("monthly sales report", "0 9 1 * *"),
    ]

    @Test("Times and weekdays are read into the cron", arguments: schedules)
    func schedule(_ prompt: String, _ cron: String) throws {
        let draft = try #require(Architect.draft(prompt: prompt))
        #expect(draft.blueprint.nodes[0].params["cron"] == .string(cron), "\(prompt)")
    }

    @Test("Thresholds are read into the stock alert", arguments: [
        ("alert me when stock is below 5", 5.0), ("low stock under 2.5 kg", 2.5), ("stock 10 se kam ho to batao", 10.0),
    ])
    func threshold(_ prompt: String, _ value: Double) throws {
        let draft = try #require(Architect.draft(prompt: prompt))
        #expect(draft.recipe == "low_stock_alert")
        #expect(draft.blueprint.nodes[0].params["threshold"]?.numberValue == value)
        #expect(Validator.validate(draft.blueprint) == [])
    }

    @Test("A quoted word becomes the message filter")
    func quotedWord() throws {
        let draft = try #require(Architect.draft(prompt: "reply with the price when a message contains \"rate\""))
        #expect(draft.blueprint.nodes[0].params["contains"] == "rate")
        #expect(draft.blueprint.nodes[0].params["regex"] == nil)
    }

    @Test("Drafts that need details say so")
    func todo() throws {
        #expect(try #require(Architect.draft(recipe: "order_payment_link")).todo.contains { $0.contains("spreadsheet") || $0.contains("Sheet") })
        #expect(try #require(Architect.draft(recipe: "welcome_customer")).todo.isEmpty)
        let json = try encodeJSON(try #require(Architect.draft(recipe: "invoice_pdf")))
        #expect(json.contains(#""recipe":"invoice_pdf""#))
    }
}
