import AssistantNLU
import Foundation
import Testing

let shopCatalog = Catalog(
    products: [
        CatalogEntry(id: "p1", name: "Cement bag (50 kg)", unit: "bag", price: 35000),
        CatalogEntry(id: "p2", name: "Sand", unit: "kg", price: 4000),
        CatalogEntry(id: "p3", name: "White Cement", unit: "kg", price: 4500),
        CatalogEntry(id: "p4", name: "TMT Sariya 12mm", unit: "kg", price: 6500),
        CatalogEntry(id: "p5", name: "Wall Putty", unit: "bag", price: 80000),
    ],
    customers: [
        CatalogEntry(id: "c1", name: "Ramesh Kumar"),
        CatalogEntry(id: "c2", name: "Suresh Patel"),
        CatalogEntry(id: "c3", name: "Raj Kumar"),
        CatalogEntry(id: "c4", name: "Raj Malhotra"),
        CatalogEntry(id: "c5", name: "Meena"),
    ],
    suppliers: [
        CatalogEntry(id: "s1", name: "Ambuja Traders"),
        CatalogEntry(id: "s2", name: "Gupta Hardware"),
        // Meena is also a customer: who pays whom is read from the word order.
        CatalogEntry(id: "s3", name: "Meena"),
    ])

/// Sentences parsed with a catalog: names resolve to the catalog's spelling.
let catalogCases: [Case] = [
    Case("sold 5 cement to Ramesh", .createInvoice,
         ["customer": "Ramesh Kumar", "items": lines(line("Cement bag (50 kg)", 5))]),
    Case("sold 5 bags siment to ramesh kumar at 350", .createInvoice,
         ["customer": "Ramesh Kumar", "items": lines(line("Cement bag (50 kg)", 5, "bag", 35000))]),
    Case("Ramesh ko 2 bori cemnt aur 10 kg sand becha", .createInvoice,
         ["customer": "Ramesh Kumar", "items": lines(line("Cement bag (50 kg)", 2, "bag"), line("Sand", 10, "kg"))]),
    Case("sold 2 white cement to Meena", .createInvoice,
         ["customer": "Meena", "items": lines(line("White Cement", 2))]),
    Case("sold 2 bags cement to Raj", .createInvoice,
         ["customer": "Raj", "items": lines(line("Cement bag (50 kg)", 2, "bag"))]),
    Case("sold 3 kg sariya to Raj Malhotra", .createInvoice,
         ["customer": "Raj Malhotra", "items": lines(line("TMT Sariya 12mm", 3, "kg"))]),
    Case("sold 2 cement to Ramesh Kumar", .createInvoice, ["customer": "Ramesh Kumar"]),
    Case("paid Ambuja Traders 20000 by NEFT", .paySupplier, ["supplier": "Ambuja Traders", "amount": 2000000, "payment_mode": "bank"], missing: []),
    Case("ambuja ko 5000 diye upi se", .paySupplier, ["supplier": "Ambuja Traders", "amount": 500000, "payment_mode": "upi"]),
    Case("bought 100 bags cement from ambuja at 320", .recordPurchase,
         ["supplier": "Ambuja Traders", "items": lines(line("Cement bag (50 kg)", 100, "bag", 32000))], missing: []),
    Case("gupta se 20 kg sand 38 mein liya", .recordPurchase,
         ["supplier": "Gupta Hardware", "items": lines(line("Sand", 20, "kg", 3800))]),
    Case("Meena paid 500", .recordPayment, ["customer": "Meena", "amount": 50000]),
    Case("paid Meena 500", .paySupplier, ["supplier": "Meena", "amount": 50000]),
    Case("how much do I owe Gupta", .booksSummary, ["topic": "payables"]),
    Case("cement kitna bacha hai", .checkStock, ["product": "Cement bag (50 kg)"]),
    Case("how much siment is left", .checkStock, ["product": "Cement bag (50 kg)"]),
    Case("sand?", .checkStock, ["product": "Sand"]),
    Case("Suresh ne 2000 diye", .recordPayment, ["customer": "Suresh Patel", "amount": 200000]),
    Case("Meena ka kitna baaki hai", .customerBalance, ["customer": "Meena"]),
    Case("Raj ka kitna baaki hai", .customerBalance, ["customer": "Raj"]),
    Case("add 50 bags cement", .updateStock, ["product": "Cement bag (50 kg)", "quantity": q(50), "mode": "add"]),
    Case("remind Suresh", .sendPaymentReminder, ["customer": "Suresh Patel"]),
    Case("sold 2 kg sariya 12mm to Suresh", .createInvoice,
         ["customer": "Suresh Patel", "items": lines(line("TMT Sariya 12mm", 2, "kg"))]),
    Case("sold 2 putty and 3 kg sand to Meena at 40", .createInvoice,
         ["customer": "Meena", "items": lines(line("Wall Putty", 2), line("Sand", 3, "kg", 4000))]),
    Case("Meena 2 sand", .createInvoice, ["customer": "Meena", "items": lines(line("Sand", 2))]),
    Case("how much white cement is left", .checkStock, ["product": "White Cement"]),
    Case("sold 2 bricks to Meena", .createInvoice, ["customer": "Meena", "items": lines(line("bricks", 2))]),
    Case("sold 2 bags cement to Anil", .createInvoice, ["customer": "Anil"]),
    Case("Ramesh ko do bori siment becha", .createInvoice,
         ["customer": "Ramesh Kumar", "items": lines(line("Cement bag (50 kg)", 2, "bag"))]),
]

@Suite("Catalog-aware parsing")
struct CatalogParsingTests {
    let parser = OfflineParser(catalog: shopCatalog)
    @Test(arguments: catalogCases) func parse(_ c: Case) { check(c, parser: parser) }
}

struct MatchCase: Sendable, CustomTestStringConvertible {
    enum Want: Sendable { case match(String), ambiguous([String]), none }
    let name: String
    let customers: Bool
    let want: Want
    init(_ name: String, customers: Bool = false, _ want: Want) { self.name = name; self.customers = customers; self.want = want }
    var testDescription: String { name }
}

let matchCases: [MatchCase] = [
    MatchCase("cement", .match("Cement bag (50 kg)")),
    MatchCase("Cement", .match("Cement bag (50 kg)")),
    MatchCase("  CEMENT  ", .match("Cement bag (50 kg)")),
    MatchCase("cement bags", .match("Cement bag (50 kg)")),
    MatchCase("bags of cement", .match("Cement bag (50 kg)")),
    MatchCase("siment", .match("Cement bag (50 kg)")),
    MatchCase("cemnt", .match("Cement bag (50 kg)")),
    MatchCase("cemetn", .match("Cement bag (50 kg)")),
    MatchCase("sands", .match("Sand")),
    MatchCase("white cement", .match("White Cement")),
    MatchCase("whitecement", .match("White Cement")),
    MatchCase("white  siment", .match("White Cement")),
    MatchCase("saria", .match("TMT Sariya 12mm")),
    MatchCase("sariya", .match("TMT Sariya 12mm")),
    MatchCase("tmt sariya 12mm", .match("TMT Sariya 12mm")),
    MatchCase("putty", .match("Wall Putty")),
    MatchCase("wall puty", .match("Wall Putty")),
    MatchCase("paint", .none),
    MatchCase("bricks", .none),
    MatchCase("", .none),
    MatchCase("Raj", customers: true, .ambiguous(["Raj Kumar", "Raj Malhotra"])),
    MatchCase("raj", customers: true, .ambiguous(["Raj Kumar", "Raj Malhotra"])),
    MatchCase("Raj Kumar", customers: true, .match("Raj Kumar")),
    MatchCase("rajkumar", customers: true, .match("Raj Kumar")),
    MatchCase("raj  malhotra", customers: true, .match("Raj Malhotra")),
    MatchCase("Ramesh", customers: true, .match("Ramesh Kumar")),
    MatchCase("Rmesh", customers: true, .match("Ramesh Kumar")),
    MatchCase("Ramesh bhai", customers: true, .match("Ramesh Kumar")),
    MatchCase("suresh", customers: true, .match("Suresh Patel")),
    MatchCase("Sureshh Patel", customers: true, .match("Suresh Patel")),
    MatchCase("meena", customers: true, .match("Meena")),
    MatchCase("Mina", customers: true, .match("Meena")),
    MatchCase("Kumar", customers: true, .ambiguous(["Raj Kumar", "Ramesh Kumar"])),
    MatchCase("Anil", customers: true, .none),
    MatchCase("Priyanka", customers: true, .none),
]

@Suite("NameMatcher")
struct NameMatcherTests {
    @Test(arguments: matchCases) func match(_ c: MatchCase) {
        let entries = c.customers ? shopCatalog.customers : shopCatalog.products
        let r = NameMatcher.match(c.name, in: entries)
        switch c.want {
        case .match(let n):
            guard case .match(let e) = r else { Issue.record("\(c.name): expected match \(n), got \(r)"); return }
            #expect(e.name == n)
        case .ambiguous(let names):
            guard case .ambiguous(let es) = r else { Issue.record("\(c.name): expected ambiguous, got \(r)"); return }
            #expect(Set(es.map(\.name)) == Set(names))
        case .none:
            guard case .none = r else { Issue.record("\(c.name): expected none, got \(r)"); return }
        }
    }

    @Test func exactWinsOverPrefix() {
        let entries = [CatalogEntry(id: "1", name: "Raj"), CatalogEntry(id: "2", name: "Raj Kumar"), CatalogEntry(id: "3", name: "Raj Malhotra")]
        #expect(NameMatcher.match("raj", in: entries) == .match(entries[0]))
    }

    @Test func exactWinsOverTransliteration() {
        let entries = [CatalogEntry(id: "1", name: "Siment"), CatalogEntry(id: "2", name: "Cement")]
        #expect(NameMatcher.match("cement", in: entries) == .match(entries[1]))
    }

    @Test func noMatchSuggestsCloseNames() {
        guard case .none(let s) = NameMatcher.match("Mahesh", in: shopCatalog.customers) else { Issue.record("expected none"); return }
        #expect(s.contains { $0.name == "Ramesh Kumar" })
    }

    @Test func emptyCatalog() {
        #expect(NameMatcher.match("cement", in: []) == .none(suggestions: []))
    }
}

@Suite("Replies")
struct RepliesTests {
    @Test(arguments: [
        ("5", 5.0), ("paanch", 5), ("2.5", 2.5), ("twenty five", 25), ("twenty-five", 25), ("१०", 10), ("das", 10),
        ("bees", 20), ("do", 2), ("ek", 1), ("5 bags", 5), ("10 bori", 10), ("sau", 100), ("do sau", 200), ("hazaar", 1000),
        ("dedh", 1.5), ("dhai", 2.5), ("पांच", 5), ("दस", 10), ("दो सौ", 200), ("one hundred and fifty", 150), ("only 3", 3), ("३५", 35), ("teen", 3), ("half", 0.5),
    ] as [(String, Double)])
    func number(_ text: String, _ want: Double) {
        #expect(Replies.number(text) == want)
    }

    @Test(arguments: ["", "yes", "cement", "Ramesh ko", "haan"]) func notANumber(_ text: String) {
        #expect(Replies.number(text) == nil)
    }

    @Test(arguments: [
        ("350", 35000), ("₹350", 35000), ("Rs 1.5 lakh", 15000000), ("2k", 200000), ("350/-", 35000), ("rs. 350", 35000),
        ("350 rupees", 35000), ("10k", 1000000), ("2.5k", 250000), ("2 crore", 2000000000), ("₹1,50,000", 15000000),
        ("paanch sau", 50000), ("do hazaar", 200000), ("₹३५०", 35000), ("350 each", 35000), ("at 350", 35000), ("99.50", 9950),
        ("1 lakh 50 thousand", 15000000), ("dedh lakh", 15000000),
    ] as [(String, Int64)])
    func money(_ text: String, _ want: Int64) {
        #expect(Replies.money(text) == want)
    }

    @Test(arguments: ["", "cement", "no", "haan ji"]) func notMoney(_ text: String) {
        #expect(Replies.money(text) == nil)
    }

    @Test(arguments: ["yes", "Yes", "haan", "ha", "han", "ok", "okay", "theek hai", "confirm", "1", "haan ji", "yes please", "ok confirm", "sahi hai"])
    func yes(_ text: String) {
        #expect(Replies.isYes(text))
        #expect(!Replies.isNo(text))
    }

    @Test(arguments: ["no", "nahi", "nahin", "cancel", "rehne do", "chhodo", "2", "No.", "nahi bhai"])
    func no(_ text: String) {
        #expect(Replies.isNo(text))
        #expect(!Replies.isYes(text))
    }

    @Test(arguments: ["cancel", "rehne do", "chhodo", "stop", "forget it", "band karo", "Cancel!", "please cancel this", "rehne do bhai"])
    func cancel(_ text: String) {
        #expect(Replies.isCancel(text))
    }

    @Test(arguments: ["yes", "5", "haan", "sold 2 bags cement to Ramesh", "don't stop selling cement to Ramesh ever again please"])
    func notCancel(_ text: String) {
        #expect(!Replies.isCancel(text))
    }

    @Test(arguments: ["maybe", "5 bags", "sold 2 bags cement", ""]) func neither(_ text: String) {
        #expect(!Replies.isYes(text))
        #expect(!Replies.isNo(text))
    }
}

@Suite("ParsedIntent and JSONValue")
struct ShapeTests {
    @Test func valueJSON() throws {
        let v: JSONValue = .object(["a": .null, "b": .bool(true), "c": .int(5), "d": .double(2.5), "e": .string("x"),
                                   "f": .array([.double(5.0)])])
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let s = String(decoding: try enc.encode(v), as: UTF8.self)
        #expect(s == #"{"a":null,"b":true,"c":5,"d":2.5,"e":"x","f":[5]}"#)
        let back = try JSONDecoder().decode(JSONValue.self, from: Data(s.utf8))
        #expect(back == .object(["a": .null, "b": .bool(true), "c": .int(5), "d": .double(2.5), "e": .string("x"), "f": .array([.int(5)])]))
    }

    @Test func parsedIntentJSONHasNullsNotOmissions() throws {
        let r = OfflineParser().parse("Ramesh ko cement becha")
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let s = String(decoding: try enc.encode(r), as: UTF8.self)
        #expect(s.contains(#""amount_paid":null"#))
        #expect(s.contains(#""quantity":null"#))
        #expect(s.contains(#""engine":"offline""#))
        let back = try JSONDecoder().decode(ParsedIntent.self, from: Data(s.utf8))
        #expect(back.intent == .createInvoice)
    }

    @Test func normalizedFillsAndCoercesLLMOutput() {
        let r = ParsedIntent.normalized(intent: .createInvoice,
                                        entities: ["customer": .string("Ramesh"), "items": .array([.object(["product": .string("cement"), "quantity": .int(2), "unit_price": .double(35000)])]),
                                                   "extra": .string("dropped")],
                                        confidence: 1.4, engine: "llm")
        #expect(r.confidence == 1)
        #expect(r.entities["amount_paid"] == .null)
        #expect(r.entities["due"] == .bool(false))
        #expect(r.entities["extra"] == nil)
        #expect(r.entities["items"] == lines(line("cement", 2, nil, 35000)))
        #expect(r.missing == [])
        let empty = ParsedIntent.normalized(intent: .recordPayment, entities: [:], confidence: 0.5, engine: "llm")
        #expect(empty.missing == ["customer", "amount"])
        #expect(empty.entities == ["customer": .null, "amount": .null, "payment_mode": .null])
    }

    @Test func deterministic() {
        let p = OfflineParser(catalog: shopCatalog)
        for c in invoiceCases.prefix(20) { #expect(p.parse(c.text) == p.parse(c.text)) }
    }
}
