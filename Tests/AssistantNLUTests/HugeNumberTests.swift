import AssistantNLU
import Foundation
import Testing

// Issue 14 §1: huge, non-finite, negative and over-precise numbers must never trap the parser.
// A number that is not finite or whose paise (or thousandths, for a quantity) do not fit Int64 is
// treated as absent; one that fits Int64 but exceeds Munim's bounds is passed through unchanged for
// the App layer to refuse with 422. (Plain strings here, not `Case(…)`: ParserBench reads every
// `Case("…")` in this folder as its corpus, and these sentences are not typical traffic.)

/// 2^63 as a Double: nothing at or beyond it fits Int64.
private let int64Limit = 9_223_372_036_854_775_808.0

let hugeSentences: [String] = [
    "sold 5 bags cement to Ramesh at 99999999999999999",
    "sold 5 bags cement to Ramesh at 1e308",
    "sold 5 bags cement to Ramesh at 1e400",
    "sold 5 bags cement to Ramesh at 9999999999999999999999 crore",
    "9999999999999999999999 crore",
    "paid Rs 99999999999999999999",
    "Ramesh paid Rs 99999999999999999999",
    "Ramesh ne 99999999999999999999 diye",
    "Ramesh paid lakh crore crore crore",
    "Ramesh paid 5 lakh crore crore crore crore crore crore crore crore crore crore crore crore",
    "Rs 1 lakh crore",
    "sold 9223372036854775807 bags cement to Ramesh",
    "sold 5 bags cement to Ramesh at 9223372036854775807",
    "sold 5 bags cement to Ramesh at 92233720368547758.07",
    "Ramesh paid 9223372036854775808",
    "Ramesh paid -500",
    "sold -5 bags cement to Ramesh at -350",
    "sold 5 bags cement to Ramesh at 350.555",
    "sold 5 bags cement to Ramesh at 0.001",
    "sold 0.001 kg cement to Ramesh for 92000000000000000",
    "sold 0.0000000001 kg cement to Ramesh for 900000000000000",
    "sold 99999999999999999 bags cement to Ramesh at 350",
    "sold 9999999999999999 bags cement to Ramesh at 350",
    "add 99999999999999999999 bags cement",
    "add 9999999999999999 kg sand to stock",
    "cement stock 99999999999999999999999",
    "payment link for Ramesh 99999999999999999999",
    "add product cement price 99999999999999999999 qty 99999999999999999999 bags",
    "sold 2 bags cement to Ramesh at 350, paid 99999999999999999999, discount 99999999999999999999",
    "sold " + String(repeating: "9", count: 400) + " bags cement to Ramesh at " + String(repeating: "9", count: 400),
    "Ramesh paid " + String(repeating: "9", count: 5000),
    "Ramesh paid " + String(repeating: "1,", count: 300) + "0",
    "Ramesh paid " + String(repeating: "crore ", count: 400),
    "Ramesh paid " + String(repeating: "9 crore ", count: 200),
    "sold " + String(repeating: "99999999999999999999 bags cement ", count: 20) + "to Ramesh",
    // Hinglish and Devanagari
    "Ramesh ko 5 bori cement 99999999999999999 ke rate se becha",
    "Ramesh ko 99999999999999999 bori cement becha",
    "Suresh ne das lakh crore crore diye",
    "रमेश को ५ बोरी सीमेंट ९९९९९९९९९९९९९९९९९९ रुपये में बेचा",
    "रमेश को ९९९९९९९९९९९९९९९९९९९९ बोरी सीमेंट बेचा",
    "राम ने 99999999999999999999 रुपये दिए",
    "सुरेश ने पांच लाख करोड़ करोड़ करोड़ रुपये दिए",
    "₹९२२३३७२०३६८५४७७५८०७",
    "५ लाख करोड़ करोड़ करोड़",
]

/// Every number the parse produced is an Int64 (money) or a finite quantity whose thousandths fit
/// Int64, and the result encodes as JSON (JSONEncoder refuses NaN and infinity).
private func checkWellFormed(_ r: ParsedIntent, _ text: String) throws {
    func walk(_ key: String, _ v: JSONValue) {
        switch v {
        case .double(let d):
            #expect(d.isFinite && abs(d * 1000) < int64Limit, "\(key) = \(d) for \"\(text.prefix(80))\"")
        case .array(let a): for x in a { walk(key, x) }
        case .object(let o): for (k, x) in o { walk(k, x) }
        default: break
        }
    }
    for (k, v) in r.entities { walk(k, v) }
    _ = try JSONEncoder().encode(r)
}

private func items(_ r: ParsedIntent) -> [[String: JSONValue]] {
    guard case .array(let a) = r.entities["items"] ?? .null else { return [] }
    return a.compactMap { if case .object(let o) = $0 { return o }; return nil }
}

@Suite("Huge and odd numbers (issue 14 §1)")
struct HugeNumberTests {
    let plain = OfflineParser()
    let shop = OfflineParser(catalog: shopCatalog)

    @Test(arguments: hugeSentences) func neverTraps(_ text: String) throws {
        for parser in [plain, shop] {
            let r = parser.parse(text)
            try checkWellFormed(r, text)
        }
        _ = Replies.number(text)
        _ = Replies.money(text)
    }

    @Test func priceBeyondInt64IsAbsent() {
        let r = plain.parse("sold 5 bags cement to Ramesh at 99999999999999999")
        #expect(r.intent == .createInvoice)
        #expect(r.entities["customer"] == "Ramesh")
        #expect(r.entities["items"] == lines(line("cement", 5, "bag", nil)))
        #expect(r.missing.contains("unit_price"))
    }

    @Test func priceBeyondBoundButWithinInt64PassesThrough() {
        // ₹2,000 crore: twice the bound; the App answers 422 amount_too_large
        let r = plain.parse("sold 5 bags cement to Ramesh at 20000000000")
        #expect(r.entities["items"] == lines(line("cement", 5, "bag", 2_000_000_000_000)))
    }

    @Test func exponentNotationIsNoHugeNumber() throws {
        let r = plain.parse("sold 5 bags cement to Ramesh at 1e308")
        #expect(r.intent == .createInvoice)
        for it in items(r) {
            if case .int(let p) = it["unit_price"] ?? .null { #expect(p < 100_000_000_000) }
        }
    }

    @Test func paymentBeyondInt64IsAbsent() {
        for text in ["Ramesh paid Rs 99999999999999999999", "Ramesh paid 9223372036854775807", "Ramesh ne 9999999999999999999999 crore diye"] {
            let r = plain.parse(text)
            #expect(r.intent == .recordPayment, "\(text)")
            #expect(r.entities["amount"] == .null, "\(text)")
            #expect(r.missing == ["amount"], "\(text)")
        }
    }

    @Test func paymentOverBoundPassesThrough() {
        let r = plain.parse("Ramesh paid Rs 50000000000")
        #expect(r.intent == .recordPayment)
        #expect(r.entities["amount"] == .int(5_000_000_000_000))
    }

    @Test func totalOverTinyQuantityGivesNoPrice() {
        // 9.2e18 paise fits Int64, ÷ 0.001 does not: this used to trap
        let r = plain.parse("sold 0.001 kg cement to Ramesh for 92000000000000000")
        #expect(r.intent == .createInvoice)
        let it = items(r)
        #expect(it.count == 1)
        #expect(it.first?["unit_price"] == .null)
        #expect(it.first?["quantity"] == q(0.001))
    }

    @Test func quantityBeyondInt64ThousandthsIsAbsent() {
        // 10^16 units: the paise would fit, the thousandths (10^19) do not
        let r = plain.parse("sold 10000000000000000 bags cement to Ramesh at 350")
        #expect(r.intent == .createInvoice)
        #expect(r.entities["items"] == lines(line("cement", nil, "bag", 35000)))
        // 10^12 units: beyond the bound but representable, so passed through
        let r2 = plain.parse("sold 1000000000000 bags cement to Ramesh at 350")
        #expect(r2.entities["items"] == lines(line("cement", 1e12, "bag", 35000)))
    }

    @Test func compoundIndianMultipliersMultiply() {
        #expect(Replies.money("1 lakh crore") == 100_000_000_000_000)       // ₹1,00,000 crore
        #expect(Replies.money("5 hazaar crore") == 5_000_000_000_000)         // ₹5,000 crore
        #expect(Replies.money("Rs 2 crore 50 lakh") == 2_500_000_000)         // unchanged
        #expect(Replies.money("1 lakh 50 thousand") == 15_000_000)            // unchanged
        #expect(Replies.money("lakh crore crore crore") == nil)               // 10^26 rupees
        #expect(Replies.money("५ लाख करोड़ करोड़ करोड़") == nil)
        #expect(Replies.money("५ लाख करोड़") == 500_000_000_000_000)
        #expect(Replies.money("9999999999999999999999 crore") == nil)
    }

    @Test func repliesNeverReturnUnrepresentableNumbers() {
        #expect(Replies.money("99999999999999999999") == nil)
        #expect(Replies.money("9223372036854775807") == nil)
        #expect(Replies.money(String(repeating: "9", count: 400)) == nil)
        #expect(Replies.money("50000000000") == 5_000_000_000_000)
        #expect(Replies.number("9223372036854775807") == nil)
        #expect(Replies.number(String(repeating: "9", count: 400)) == nil)
        #expect(Replies.number("1000000000000") == 1e12)
        #expect(Replies.number("lakh crore crore crore") == nil)
        let m = Replies.money("350.555")
        #expect(m == 35055 || m == 35056)
        #expect(Replies.money("₹ 0.001") == 0)
    }

    @Test func negativeSignIsNotPartOfTheNumber() {
        let r = plain.parse("Ramesh paid -500")
        #expect(r.intent == .recordPayment)
        #expect(r.entities["amount"] == .int(50000))
    }

    @Test func fractionalPaiseRound() {
        let r = plain.parse("sold 5 bags cement to Ramesh at 350.555")
        guard let p = items(r).first?["unit_price"], case .int(let paise) = p else { Issue.record("no price: \(r.entities)"); return }
        #expect(paise == 35055 || paise == 35056)
    }

    @Test func devanagariHugeNumbers() throws {
        let r = plain.parse("रमेश को ५ बोरी सीमेंट ९९९९९९९९९९९९९९९९९९ रुपये में बेचा")
        try checkWellFormed(r, "devanagari")
        for it in items(r) { #expect(it["unit_price"] == .null) }
        let r2 = plain.parse("राम ने 99999999999999999999 रुपये दिए")
        try checkWellFormed(r2, "devanagari payment")
        #expect(r2.entities["amount"] ?? .null == .null)
    }

    @Test func socialPostWithLengthChangingLowercase() {
        // "İ".lowercased() is two scalars: a range found in the lowercased text used to index the
        // original past its end and trap (found by scripts/fuzz)
        let r = plain.parse(String(repeating: "İ", count: 30) + " instagram post: x")
        #expect(r.intent == .draftSocialPost)
        #expect(r.entities["content"] == "x")
        let r2 = plain.parse("İİİ draft a post for Instagram about Diwali sale On Instagram")
        #expect(r2.entities["content"] == "Diwali sale")
    }

    @Test func normalizedDropsUnrepresentableLLMNumbers() throws {
        // the LLM path: JSON numbers the model may send
        let json = #"{"amount": 1e19, "customer": "Ramesh"}"#
        let e = try JSONDecoder().decode([String: JSONValue].self, from: Data(json.utf8))
        let r = ParsedIntent.normalized(intent: .recordPayment, entities: e, confidence: 0.9, engine: "llm")
        #expect(r.entities["amount"] == .null)
        #expect(r.missing == ["amount"])
        for bad in [Double.nan, .infinity, -.infinity, 1e300, -1e300, 9.3e18, -9.3e18] {
            let p = ParsedIntent.normalized(intent: .createPaymentLink, entities: ["amount": .double(bad)], confidence: 1, engine: "llm")
            #expect(p.entities["amount"] == .null, "\(bad)")
            let s = ParsedIntent.normalized(intent: .updateStock, entities: ["quantity": .double(bad), "product": "cement", "mode": "add"], confidence: 1, engine: "llm")
            #expect(s.entities["quantity"] == .null, "\(bad)")
            #expect(s.missing == ["quantity"])
            _ = try JSONEncoder().encode(p)
            _ = try JSONEncoder().encode(s)
        }
        // within Int64 but over the bound: passed through; negative: passed through for the App to refuse
        let big = ParsedIntent.normalized(intent: .recordPayment, entities: ["amount": .double(5e17), "customer": "Ramesh"], confidence: 1, engine: "llm")
        #expect(big.entities["amount"] == .int(500_000_000_000_000_000))
        let neg = ParsedIntent.normalized(intent: .recordPayment, entities: ["amount": .double(-500.4), "customer": "Ramesh"], confidence: 1, engine: "llm")
        #expect(neg.entities["amount"] == .int(-500))
        let maxInt = ParsedIntent.normalized(intent: .updateStock, entities: ["quantity": .int(.max), "product": "cement", "mode": "add"], confidence: 1, engine: "llm")
        #expect(maxInt.entities["quantity"] == .null)
        let line = ParsedIntent.normalized(intent: .createInvoice, entities: [
            "customer": "Ramesh",
            "items": .array([.object(["product": "cement", "quantity": .double(.infinity), "unit_price": .double(1e30)])]),
            "amount_paid": .string("99999999999999999999"), "discount": .double(-.infinity),
        ], confidence: 1, engine: "llm")
        #expect(line.entities["items"] == lines(.object(["product": "cement", "quantity": .null, "unit": .null, "unit_price": .null])))
        #expect(line.entities["amount_paid"] == .null || line.entities["amount_paid"] == .string("99999999999999999999"))
        #expect(line.entities["discount"] == .null)
        _ = try JSONEncoder().encode(line)
    }
}
