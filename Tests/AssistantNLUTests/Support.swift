import AssistantNLU
import Testing

// JSONValue takes string, number, true/false and nil literals: integer literals are paise (money);
// use `q(_:)` for quantities.
/// A quantity.
func q(_ v: Double) -> JSONValue { .double(v) }

/// One invoice line.
func line(_ product: String?, _ quantity: Double?, _ unit: String? = nil, _ unitPrice: Int64? = nil) -> JSONValue {
    .object([
        "product": product.map { .string($0) } ?? .null,
        "quantity": quantity.map { .double($0) } ?? .null,
        "unit": unit.map { .string($0) } ?? .null,
        "unit_price": unitPrice.map { .int($0) } ?? .null,
    ])
}

func lines(_ l: JSONValue...) -> JSONValue { .array(l) }

/// A table row: the sentence, the intent, the entities that must match exactly (others are not checked),
/// and optionally the exact `missing` list.
struct Case: Sendable, CustomTestStringConvertible {
    let text: String
    let intent: IntentName
    let expect: [String: JSONValue]
    let missing: [String]?
    init(_ text: String, _ intent: IntentName, _ expect: [String: JSONValue] = [:], missing: [String]? = nil) {
        self.text = text
        self.intent = intent
        self.expect = expect
        self.missing = missing
    }
    var testDescription: String { text }
}

/// Every key of issue 3 §2's table per intent.
let expectedKeys: [IntentName: Set<String>] = [
    .createInvoice: ["customer", "items", "amount_paid", "payment_mode", "discount", "due"],
    .recordPayment: ["customer", "amount", "payment_mode"],
    .checkStock: ["product"],
    .updateStock: ["product", "quantity", "mode"],
    .customerBalance: ["customer"],
    .listDebtors: [],
    .sendPaymentReminder: ["customer"],
    .createPaymentLink: ["customer", "amount"],
    .generateReport: ["report", "format", "period"],
    .salesSummary: ["period"],
    .addProduct: ["product", "unit_price", "quantity", "unit"],
    .addCustomer: ["customer", "phone"],
    .draftSocialPost: ["platform", "content", "image_url"],
    .recordExpense: ["category", "amount", "payment_mode", "note"],
    .booksSummary: ["topic", "period", "supplier"],
    .recordPurchase: ["supplier", "items", "amount_paid", "payment_mode"],
    .paySupplier: ["supplier", "amount", "payment_mode"],
    .sendInvoice: ["customer", "invoice_number"],
    .help: [], .greeting: [], .unknown: [],
]

func check(_ c: Case, parser: OfflineParser) {
    let r = parser.parse(c.text)
    #expect(r.intent == c.intent, "intent for \"\(c.text)\": \(r.entities)")
    #expect(r.engine == "offline")
    #expect(r.confidence >= 0 && r.confidence <= 1)
    if c.intent == .unknown { #expect(r.confidence == 0) }
    guard r.intent == c.intent else { return }
    #expect(Set(r.entities.keys) == expectedKeys[c.intent], "keys for \"\(c.text)\"")
    for (k, v) in c.expect {
        #expect(r.entities[k] == v, "\(k) for \"\(c.text)\": got \(String(describing: r.entities[k]))")
    }
    if let m = c.missing {
        #expect(r.missing == m, "missing for \"\(c.text)\"")
    }
}
