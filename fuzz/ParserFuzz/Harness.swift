import AssistantNLU
import Foundation
import LedgerMath

// One fuzz input, fed to everything that reads untrusted text or numbers (issue 14 §1):
//  1. as UTF-8 text (invalid sequences repaired) to the offline parser, with and without a catalog,
//     to the reply readers (`Replies.number`, `Replies.money`, yes/no/cancel) and to the name matcher;
//  2. as JSON to `JSONDecoder`, decoding `Quantity`, `GSTRate`, `Int64` amounts, a line item and the
//     LLM path's entity dictionary, then exercising `Money.lineAmount`/`tax`/`format`/`sum` on the
//     decoded values.
// A Swift trap (overflow, bad conversion, out-of-range index) is a crash libFuzzer reports; so is a
// broken invariant below (`fail`), which says what broke.

/// A small fixed catalog, like the one Tests/AssistantNLUTests use, plus Devanagari names.
let fuzzCatalog = Catalog(
    products: [
        CatalogEntry(id: "p1", name: "Cement bag (50 kg)", unit: "bag", price: 35000),
        CatalogEntry(id: "p2", name: "Sand", unit: "kg", price: 4000),
        CatalogEntry(id: "p3", name: "White Cement", unit: "kg", price: 4500),
        CatalogEntry(id: "p4", name: "TMT Sariya 12mm", unit: "kg", price: 6500),
        CatalogEntry(id: "p5", name: "Wall Putty", unit: "bag", price: 80000),
        CatalogEntry(id: "p6", name: "चावल", unit: "kg", price: 6000),
    ],
    customers: [
        CatalogEntry(id: "c1", name: "Ramesh Kumar"),
        CatalogEntry(id: "c2", name: "Suresh Patel"),
        CatalogEntry(id: "c3", name: "Raj Kumar"),
        CatalogEntry(id: "c4", name: "Raj Malhotra"),
        CatalogEntry(id: "c5", name: "Meena"),
        CatalogEntry(id: "c6", name: "रमेश"),
    ])

let plainParser = OfflineParser()
let shopParser = OfflineParser(catalog: fuzzCatalog)

/// 2^63: no Double at or beyond it converts to Int64.
let int64Limit = 9_223_372_036_854_775_808.0

func fail(_ what: String, _ input: String) -> Never {
    fatalError("ParserFuzz invariant: \(what) — input \(String(reflecting: String(input.prefix(300))))")
}

// MARK: text

/// `fromParser`: every number in the offline parser's output is checked; for the LLM path (entities
/// decoded from arbitrary JSON, then normalized) only the schema's money and quantity fields are, since
/// values under other keys ("customer": [1e300]) pass through untouched and the App reads them as absent.
func checkIntent(_ r: ParsedIntent, _ text: String, fromParser: Bool = true) {
    guard r.confidence.isFinite, (0...1).contains(r.confidence) else { fail("confidence \(r.confidence)", text) }
    guard !fromParser || r.engine == "offline" else { fail("engine \(r.engine)", text) }
    if !fromParser {
        func checkFields(_ o: [String: JSONValue]) {
            for k in ["amount", "amount_paid", "discount", "unit_price"] {
                if case .double(let d)? = o[k] { fail("\(k) = .double(\(d)) after normalizing", text) }
            }
            if case .double(let d)? = o["quantity"], !(d.isFinite && abs(d * 1000) < int64Limit) { fail("quantity = \(d)", text) }
        }
        checkFields(r.entities)
        if r.intent == .createInvoice, case .array(let items)? = r.entities["items"] {
            for case .object(let o) in items { checkFields(o) }
        }
        do { _ = try JSONEncoder().encode(r) } catch { fail("JSONEncoder: \(error)", text) }
        return
    }
    func walk(_ key: String, _ v: JSONValue) {
        switch v {
        case .double(let d):
            // a quantity: finite, and its thousandths fit Int64 (else it must have been dropped)
            guard d.isFinite, abs(d * 1000) < int64Limit else { fail("\(key) = \(d)", text) }
        case .array(let a): for x in a { walk(key, x) }
        case .object(let o): for (k, x) in o { walk(k, x) }
        default: break
        }
    }
    for (k, v) in r.entities { walk(k, v) }
    do { _ = try JSONEncoder().encode(r) } catch { fail("JSONEncoder: \(error)", text) }
}

func fuzzText(_ text: String) {
    checkIntent(plainParser.parse(text), text)
    checkIntent(shopParser.parse(text), text)
    if let n = Replies.number(text), !(n.isFinite && abs(n * 1000) < int64Limit) { fail("Replies.number = \(n)", text) }
    if let p = Replies.money(text) { _ = Money.format(p) }
    _ = Replies.isYes(text)
    _ = Replies.isNo(text)
    _ = Replies.isCancel(text)
    if text.utf8.count <= 200 {
        _ = NameMatcher.match(text, in: fuzzCatalog.products)
        _ = NameMatcher.match(text, in: fuzzCatalog.customers)
    }
}

// MARK: JSON

struct FuzzLine: Decodable {
    var quantity: Quantity
    var unit_price: Int64
    var gst_rate: GSTRate?
    var discount: Int64?
}

func exerciseMoney(quantity: Quantity?, price: Int64?, rate: GSTRate?, _ input: String) {
    if let q = quantity {
        _ = q.description
        _ = q.isWithinBounds
        // what the decoder accepts must encode and decode back to itself
        guard let data = try? JSONEncoder().encode(q) else { fail("Quantity \(q.thousandths) does not encode", input) }
        guard let back = try? JSONDecoder().decode(Quantity.self, from: data), back == q else {
            fail("Quantity \(q.thousandths) round trip via \(String(decoding: data, as: UTF8.self))", input)
        }
    }
    if let rate {
        guard (0...Bounds.maxGSTBasisPoints).contains(rate.basisPoints) else { fail("GST \(rate.basisPoints) bp accepted", input) }
        guard let data = try? JSONEncoder().encode(rate), let back = try? JSONDecoder().decode(GSTRate.self, from: data), back == rate else {
            fail("GSTRate \(rate.basisPoints) round trip", input)
        }
    }
    if let p = price {
        _ = Money.format(p)
        _ = try? Money.bounded(p, field: "amount")
        if let rate, let t = Money.tax(on: p, basisPoints: rate.basisPoints) { _ = Money.format(t) }
        if let q = quantity, let amount = Money.lineAmount(quantity: q, unitPrice: p) {
            _ = Money.format(amount)
            if let rate, let t = Money.tax(on: amount, basisPoints: rate.basisPoints) {
                _ = try? Money.add(amount, t, field: "total")
            }
            _ = try? Money.subtract(amount, p, field: "discount")
        }
    }
}

func fuzzJSON(_ data: Data, _ input: String) {
    let dec = JSONDecoder()
    let q = try? dec.decode(Quantity.self, from: data)
    let rate = try? dec.decode(GSTRate.self, from: data)
    let amount = try? dec.decode(Int64.self, from: data)
    exerciseMoney(quantity: q, price: amount, rate: rate, input)
    if let d = try? dec.decode(Double.self, from: data) {
        if let p = Money.paise(rupees: d) { _ = Money.format(p) }
        if let qd = Quantity(exactly: d) { exerciseMoney(quantity: qd, price: 35000, rate: GSTRate(basisPoints: 1800), input) }
    }
    if let line = try? dec.decode(FuzzLine.self, from: data) {
        exerciseMoney(quantity: line.quantity, price: line.unit_price, rate: line.gst_rate, input)
        if let d = line.discount { _ = try? Money.subtract(line.unit_price, d, field: "discount") }
    }
    if let lines = try? dec.decode([FuzzLine].self, from: data) {
        var amounts: [Int64] = []
        for l in lines.prefix(50) {
            exerciseMoney(quantity: l.quantity, price: l.unit_price, rate: l.gst_rate, input)
            if let a = Money.lineAmount(quantity: l.quantity, unitPrice: l.unit_price) { amounts.append(a) }
        }
        _ = try? Money.sum(amounts, field: "total")
    }
    if let amounts = try? dec.decode([Int64].self, from: data) {
        _ = try? Money.sum(amounts, field: "total")
        for a in amounts.prefix(50) { _ = Money.format(a) }
    }
    if let qs = try? dec.decode([Quantity].self, from: data) {
        for x in qs.prefix(50) { exerciseMoney(quantity: x, price: nil, rate: nil, input) }
    }
    // the LLM path: whatever entities the model returns are normalized for every intent
    if let e = try? dec.decode([String: JSONValue].self, from: data) {
        for intent in IntentName.allCases {
            let r = ParsedIntent.normalized(intent: intent, entities: e, confidence: 0.9, engine: "llm")
            checkIntent(r, input, fromParser: false)
        }
    }
}

// MARK: entry point

public func fuzzOne(_ bytes: UnsafeBufferPointer<UInt8>) {
    let text = String(decoding: bytes, as: UTF8.self)
    fuzzText(text)
    // JSON only for inputs that plausibly are JSON, to keep the text path fast
    if let f = text.unicodeScalars.first(where: { !CharacterSet.whitespacesAndNewlines.contains($0) }),
       "{[\"-0123456789tfn".unicodeScalars.contains(f) {
        fuzzJSON(Data(buffer: bytes), text)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzOne(UnsafeBufferPointer(start: data, count: size))
    return 0
}
