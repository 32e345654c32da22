import Foundation

/// Deterministic grammar- and catalog-based parser for English and Hinglish shop commands.
public struct OfflineParser: Sendable {
    let catalog: Catalog
    let products: [PreparedEntry]
    let customers: [PreparedEntry]
    let suppliers: [PreparedEntry]
    let supplierSig: Set<String>
    let productSig: Set<String>
    let productPhon: Set<String>
    let customerSig: Set<String>
    let customerPhon: Set<String>

    public init(catalog: Catalog = .empty) {
        self.catalog = catalog
        self.products = catalog.products.map { PreparedEntry(entry: $0, key: NameKey($0.name)) }
        self.customers = catalog.customers.map { PreparedEntry(entry: $0, key: NameKey($0.name)) }
        self.suppliers = catalog.suppliers.map { PreparedEntry(entry: $0, key: NameKey($0.name)) }
        supplierSig = Set(suppliers.flatMap(\.key.sig))
        var ps = Set<String>(), pp = Set<String>(), cs = Set<String>(), cp = Set<String>()
        for p in products { ps.formUnion(p.key.sig); pp.formUnion(p.key.phon.filter { $0.utf8.count >= 3 }) }
        for c in customers { cs.formUnion(c.key.sig); cp.formUnion(c.key.phon.filter { $0.utf8.count >= 3 }) }
        productSig = ps; productPhon = pp; customerSig = cs; customerPhon = cp
    }

    /// Parses one sentence. Deterministic; p99 well under 1 ms.
    public func parse(_ text: String) -> ParsedIntent {
        // Devanagari is read as the Roman Hinglish it would be typed as (Devanagari.swift).
        var s = Sentence(Devanagari.romanize(text), parser: self)
        return s.run()
    }

    // MARK: catalog helpers

    func isProductWord(_ w: String) -> Bool {
        guard !products.isEmpty else { return false }
        let sg = NameKey.singular(w)
        if productSig.contains(sg) { return true }
        if sg.utf8.count >= 4 && productPhon.contains(NameKey.phonetic(sg)) { return true }
        if sg.utf8.count >= 5 {
            for p in productSig where p.utf8.count >= 5 && NameMatcher.editDistance(sg, p, limit: 1) <= 1 { return true }
        }
        return false
    }

    func isCustomerWord(_ w: String) -> Bool {
        guard !customers.isEmpty else { return false }
        let sg = NameKey.singular(w)
        if customerSig.contains(sg) { return true }
        if sg.utf8.count >= 4 && customerPhon.contains(NameKey.phonetic(sg)) { return true }
        return false
    }

    /// A word of a known supplier's name (exact, after singularizing: supplier names are proper
    /// names like "Ambuja Traders", and a looser match would take products for suppliers).
    func isSupplierWord(_ w: String) -> Bool {
        !suppliers.isEmpty && supplierSig.contains(NameKey.singular(w))
    }

    func resolve(_ name: String, in entries: [PreparedEntry]) -> String {
        guard !entries.isEmpty else { return name }
        if case .match(let e) = NameMatcher.match(NameKey(name), in: entries.map { ($0.entry, $0.key) }) { return e.name }
        return name
    }

    func resolveProduct(_ name: String) -> String {
        guard !products.isEmpty else { return name }
        let all = products.map { ($0.entry, $0.key) }
        switch NameMatcher.match(NameKey(name), in: all) {
        case .match(let e): return e.name
        case .ambiguous, .none: return name
        }
    }
}

struct PreparedEntry: Sendable {
    let entry: CatalogEntry
    let key: NameKey
}

// MARK: - sentence analysis

enum NumRole { case quantity, rate, paid, discount, money, percent, bare, total }

struct NumItem {
    var value: Double
    var paise: Int64
    var start: Int        // including currency prefix
    var end: Int          // after currency suffix
    var numberStart: Int
    var numberEnd: Int
    var explicit: Bool
    var role: NumRole = .bare
    var unit: String?
    var consumedUntil: Int
}

struct Sentence {
    let parser: OfflineParser
    let raw: String
    var text: String
    var t: [Token]
    var lows: [String]
    var set: Set<String>
    var joined: String
    var phone: String?
    var url: String?
    var used: [Bool]
    var nums: [NumItem] = []

    init(_ input: String, parser: OfflineParser) {
        self.parser = parser
        self.raw = input
        var text = input
        // URLs
        var url: String?
        if text.contains("http") {
            var kept: [Substring] = []
            for part in text.split(separator: " ", omittingEmptySubsequences: true) {
                if url == nil, part.hasPrefix("http://") || part.hasPrefix("https://") {
                    url = String(part).trimmingCharacters(in: CharacterSet(charactersIn: ".,;)"))
                } else { kept.append(part) }
            }
            text = kept.joined(separator: " ")
        }
        self.url = url
        let (ph, rest) = Sentence.extractPhone(text)
        self.phone = ph
        self.text = rest
        self.t = Lexer.tokenize(rest)
        self.lows = t.map(\.low)
        self.set = Set(lows)
        self.joined = " " + lows.joined(separator: " ") + " "
        self.used = [Bool](repeating: false, count: t.count)
    }

    /// Finds an Indian phone number (10 digits, optional +91/0 prefix, spaces or dashes) and removes it.
    static func extractPhone(_ text: String) -> (String?, String) {
        let sc = Array(text.unicodeScalars.map(Lexer.asciiDigit))
        var i = 0
        while i < sc.count {
            if Lexer.isDigit(sc[i]) || (sc[i] == "+" && i + 1 < sc.count && Lexer.isDigit(sc[i + 1])) {
                if i > 0, Lexer.isDigit(sc[i - 1]) || sc[i - 1] == "." || sc[i - 1] == "," { i += 1; continue }
                var j = i
                var digits: [UInt8] = []
                let plus = sc[i] == "+"
                if plus { j += 1 }
                while j < sc.count {
                    let c = sc[j]
                    if Lexer.isDigit(c) { digits.append(UInt8(c.value)) ; j += 1 }
                    else if (c == " " || c == "-"), j + 1 < sc.count, Lexer.isDigit(sc[j + 1]), digits.count < 12 { j += 1 }
                    else { break }
                }
                if j < sc.count, sc[j] == "." || sc[j] == ",", j + 1 < sc.count, Lexer.isDigit(sc[j + 1]) { i = j + 1; continue }
                var d = String(decoding: digits, as: UTF8.self)
                var e164: String?
                if d.count == 12, d.hasPrefix("91") { d.removeFirst(2) }
                if d.count == 11, d.hasPrefix("0") { d.removeFirst() }
                if d.count == 10, let f = d.first, "6789".contains(f) { e164 = "+91" + d }
                else if plus, digits.count >= 10, digits.count <= 15 { e164 = "+" + String(decoding: digits, as: UTF8.self) }
                if let e = e164 {
                    var out = String.UnicodeScalarView()
                    out.append(contentsOf: sc[0..<i]); out.append(" "); out.append(contentsOf: sc[j...])
                    return (e, String(out))
                }
                i = max(j, i + 1)
            } else { i += 1 }
        }
        return (nil, text)
    }

    func has(_ w: String) -> Bool { set.contains(w) }
    func hasAny(_ ws: [String]) -> Bool { ws.contains(where: set.contains) }
    func phrase(_ p: String) -> Bool { joined.contains(" " + p + " ") }
    func phraseAny(_ ps: [String]) -> Bool { ps.contains { joined.contains(" " + $0 + " ") } }
    func low(_ i: Int) -> String { i >= 0 && i < t.count ? lows[i] : "" }

    // MARK: run

    mutating func run() -> ParsedIntent {
        let content = t.filter { !$0.isBoundary }
        if content.isEmpty && url == nil && phone == nil { return result(.unknown, [:], 0) }
        analyzeNumbers()

        if isSocial() { return social() }
        if isReport() { return report() }
        if isPaymentLink() { return paymentLink() }
        if hasAny(["remind", "reminder", "reminders", "yaad", "tagada", "tagaada", "nudge", "reminde"]) { return reminder() }
        if isSendInvoice() { return sendInvoice() }
        if isAddCustomer() { return addCustomer() }
        if isAddProduct() { return addProduct() }
        if isDebtorsList() { return result(.listDebtors, [:], 0.9) }

        let quantities = nums.filter { $0.role == .quantity }
        let moneys = nums.filter { [.paid, .money, .rate].contains($0.role) }
        let strongSale = lows.contains { Lexicon.saleVerbs.contains($0) && !Sentence.weakSaleVerbs.contains($0) } && !has("sales")
        let sale = strongSale || (!quantities.isEmpty && lows.contains(where: Sentence.weakSaleVerbs.contains))
        let salesQuestion = isSalesSummary(quantities: quantities)
        if salesQuestion { return result(.salesSummary, ["period": period()], 0.85) }

        if let summary = booksQuestion() { return summary }
        // Buying from a supplier, or paying one, before "bought 50 bags" is read as a stock update.
        if let r = purchaseOrSupplierPayment(quantities: quantities) { return r }

        if let mode = stockUpdateMode(quantities: quantities, sale: sale) { return updateStock(mode: mode) }

        // Money spent: an expense word and an amount (or a "paid" with the amount still to ask).
        if let category = expenseCategory(),
           nums.contains(where: { $0.role != .percent }) || hasAny(["paid", "diya", "diye", "bhara", "bhari", "chukaya", "pay"]) {
            return expense(category)
        }

        let customerMarked = hasCustomerMarker()
        if sale || (!quantities.isEmpty && (customerMarked || !moneys.isEmpty)) {
            if let r = invoice(strongVerb: sale) { return r }
        }
        if isPayment(moneys: moneys) { return payment() }
        if isBalance() { return balance() }
        if isCheckStock() { return checkStock(confidence: 0.85) }
        if !quantities.isEmpty {
            if let r = invoice(strongVerb: false, guess: !(sale || customerMarked)) { return r }
        }
        if hasAny(["rate", "price", "daam", "bhav", "bhaav", "mrp", "cost"]), hasAny(["kya", "what", "kitna", "kitne", "how", "?", "batao", "bata"]) {
            return checkStock(confidence: 0.6)
        }
        if isHelp() { return result(.help, [:], 0.9) }
        if isGreeting() { return result(.greeting, [:], 0.95) }
        // catalog fallbacks: a bare product name asks for stock, a bare customer name for the balance
        if !parser.products.isEmpty, content.count <= 3, content.contains(where: { parser.isProductWord($0.low) }) {
            return checkStock(confidence: 0.55)
        }
        if !parser.customers.isEmpty, content.count <= 3, content.contains(where: { parser.isCustomerWord($0.low) }) {
            return balance(confidence: 0.5)
        }
        if has("stock") || has("inventory") { return checkStock(confidence: 0.6) }
        return result(.unknown, [:], 0)
    }

    func result(_ intent: IntentName, _ e: [String: JSONValue], _ c: Double) -> ParsedIntent {
        ParsedIntent.normalized(intent: intent, entities: e, confidence: c, engine: "offline")
    }

    // MARK: numbers

    mutating func analyzeNumbers() {
        var i = 0
        var out: [NumItem] = []
        while i < t.count {
            // "half" and other ambiguous words are only numbers before units: Numbers.read checks this
            switch Numbers.scanMoney(t, at: i) {
            case .money(let m)?:
                let v = Double(m.paise) / 100
                var item = NumItem(value: v, paise: m.paise, start: m.start, end: m.end, numberStart: m.numberStart,
                                   numberEnd: m.numberEnd, explicit: m.explicit, consumedUntil: m.end)
                // the exact value of the quantity (avoid paise rounding for 0.333 etc.)
                if let n = Numbers.read(t, at: m.numberStart) { item.value = n.value }
                out.append(item)
                i = max(m.end, i + 1)
            case .unrepresentable(let end)?:
                // too large for Int64 paise (issue 14 §1): treated as absent, and skipped whole so that
                // "9999…9 crore" does not leave a "crore" behind to be read as ₹1 crore
                i = max(end, i + 1)
            case nil:
                i += 1
            }
        }
        for k in out.indices { classify(&out[k]) }
        nums = out
    }

    static let rateBefore: Set<String> = ["at", "@", "rate", "price", "bhav", "bhaav", "daam", "dam", "mrp", "each", "per"]
    static let paidBefore: Set<String> = ["paid", "pay", "received", "recieved", "got", "advance", "payment", "jama", "deposit", "deposited", "collected", "diye", "dediye", "amount"]
    static let paidAfter: Set<String> = ["diye", "diya", "di", "paid", "jama", "mila", "mile", "milay", "aaye", "aaya", "aye", "aya", "advance", "dediye", "received", "chukaye", "chukaya", "bheje", "bheja", "de", "mil", "aa", "diyey", "deke", "dekar"]
    static let discountWords: Set<String> = ["discount", "off", "less", "chhoot", "chhut", "chut", "chooth", "rebate", "minus", "kam"]

    mutating func classify(_ n: inout NumItem) {
        let a0 = low(n.end), a1 = low(n.end + 1), a2 = low(n.end + 2)
        var b0 = low(n.start - 1), b1 = low(n.start - 2)
        if b0 == "," { b0 = b1; b1 = low(n.start - 3) }
        if Lexicon.currencyPrefix.contains(b0) { b0 = b1; b1 = low(n.start - 3) }
        if a0 == "%" { n.role = .percent; n.consumedUntil = n.end + 1; return }
        // unit directly after a number without a currency mark: a quantity
        if !n.explicit, let u = Lexicon.units[a0], !(a0 == "l" && n.explicit) {
            if !(Sentence.rateBefore.contains(b0) || b0 == "per") {
                n.role = .quantity; n.unit = u; n.consumedUntil = n.end + 1
                return
            }
        }
        if Sentence.discountWords.contains(b0) || Sentence.discountWords.contains(a0) || (["ka", "ki", "ke", "rs"].contains(a0) && Sentence.discountWords.contains(a1)) || (b0 == "of" && Sentence.discountWords.contains(b1)) {
            n.role = .discount; return
        }
        // rates
        if Sentence.rateBefore.contains(b0) || b0 == "har" || ((b0 == "ka" || b0 == "ke") && ["rate", "bhav", "daam"].contains(b1)) {
            n.role = .rate
            if a0 == "each" || a0 == "per" || a0 == "prati" { n.consumedUntil = n.end + 1 + (Lexicon.units[a1] != nil ? 1 : 0) }
            if let u = Lexicon.units[a0] { n.unit = u; n.consumedUntil = n.end + 1 }
            return
        }
        if a0 == "each" || a0 == "per" || a0 == "prati" || a0 == "har" || a0 == "pe" && Lexicon.units[a1] != nil
            || ((a0 == "ke" || a0 == "ka" || a0 == "ki") && ["rate", "bhav", "bhaav", "daam", "bhaw"].contains(a1))
            || ((a0 == "ka" || a0 == "ke" || a0 == "ki") && (a1 == "ek" || a1 == "1") && (Lexicon.units[a2] != nil || true))
            || (a0 == "wala" || a0 == "wale" || a0 == "wali" || a0 == "vala")
            || (n.explicit && Lexicon.units[a0] != nil) {
            n.role = .rate
            if a0 == "per" || a0 == "each" || a0 == "prati" || a0 == "har" || a0 == "pe" {
                n.consumedUntil = n.end + 1
                if let u = Lexicon.units[a1] { n.unit = u; n.consumedUntil = n.end + 2 }
            } else if let u = Lexicon.units[a0] { n.unit = u; n.consumedUntil = n.end + 1 }
            return
        }
        // amounts paid
        var k = n.end
        var hops = 0
        var sawMode = false
        while k < t.count, hops < 3, Lexicon.paymentModes[lows[k]] != nil || ["rs", "ka", "ke", "mein", "me", "main", "se", "by", "in", "via", "cash", "through", "ne", "hi", "bhi"].contains(lows[k]) {
            if Lexicon.paymentModes[lows[k]] != nil { sawMode = true }
            k += 1; hops += 1
        }
        if sawMode, ["kiye", "kiya", "kar", "kara", "karaya", "kardiye", "kiye.", "bheje"].contains(low(k)) { n.role = .paid; return }
        if Sentence.paidAfter.contains(low(k)) || Sentence.paidBefore.contains(b0) || (Sentence.paidBefore.contains(b1) && ["of", "rs", "ne", "me", "be"].contains(b0)) {
            n.role = .paid; return
        }
        if Lexicon.paymentModes[b0] != nil && b0 != "check" { n.role = .paid; return }
        if b0 == "for" || b0 == "total" || b0 == "worth" || (b0 == "in" && b1 != "paid") { n.role = .total; return }
        if ["ka", "ke", "ki"].contains(a0), !Sentence.paidAfter.contains(a1), Lexicon.units[a1] == nil, !Sentence.discountWords.contains(a1), !isNameLike(n.end + 1) || a1 == "bill" || a1 == "maal" || a1 == "saman" { n.role = .total; return }
        if n.explicit { n.role = .money; return }
        // a number followed by a word that can be a product: a quantity
        if !a0.isEmpty, !Lexicon.stopwords.contains(a0) || a0 == "of", Lexicon.isNumberWord(a0) == false, !(t[n.end].isBoundary) {
            n.role = .quantity
            if a0 == "of" { n.consumedUntil = n.end + 1 }
            return
        }
        n.role = .bare
    }

    // MARK: tokens

    func isNameLike(_ i: Int) -> Bool {
        guard i >= 0, i < t.count, !used[i] else { return false }
        let tok = t[i]
        if tok.isDigits || tok.isBoundary { return false }
        let w = tok.low
        if w.utf8.count < 2 || Lexicon.stopwords.contains(w) || Lexicon.units[w] != nil || Lexicon.isNumberWord(w) { return false }
        if Sentence.honorifics.contains(w) { return false }
        guard let f = w.unicodeScalars.first, Lexer.isWordScalar(f) || Lexer.isDigit(f) else { return false }
        return true
    }

    static let honorifics: Set<String> = ["bhai", "ji", "sir", "sahab", "saab", "seth", "bhaiya", "uncle", "aunty", "didi", "madam", "mr", "mrs", "ms", "shri", "smt", "dr", "bhaisahab"]

    func isCapitalized(_ i: Int) -> Bool {
        guard let f = t[i].raw.unicodeScalars.first else { return false }
        return f.properties.isUppercase
    }

    func rawJoin(_ r: Range<Int>) -> String { r.map { t[$0].raw }.joined(separator: " ") }

    // MARK: customers

    static let forwardMarkers: [String] = ["to", "for", "from", "customer", "grahak", "client", "party", "naam", "name", "named", "bill", "invoice", "remind", "of", "with", "liye"]
    static let backwardMarkers: Set<String> = ["ko", "ne", "se", "ka", "ki", "ke", "'s", "paid", "owes", "owe", "owed", "bought", "pays", "has", "kharida", "liya", "sent", "gave", "transferred"]

    /// Finds the customer name; marks its tokens used. `markers` limits forward markers.
    mutating func findCustomer(forward: [String] = Sentence.forwardMarkers, backward: Set<String> = Sentence.backwardMarkers) -> String? {
        var best: (Range<Int>, Int)?  // range, priority
        // forward: "to Ramesh", "for Ramesh Kumar"
        for i in 0..<t.count {
            guard let p = forward.firstIndex(of: lows[i]) else { continue }
            if lows[i] == "liye" { continue }
            var j = i + 1
            while j < t.count, Sentence.honorifics.contains(lows[j]) || (lows[i] != "to" && ["customer", "grahak", "named", "naam", "name", "is", "as", ",", "for", "to"].contains(lows[j]) && j == i + 1) { j += 1 }
            let s = j
            while j < t.count, j - s < 3, isNameLike(j), !parser.isProductWord(lows[j]) || parser.isCustomerWord(lows[j]) {
                if j > s, !isCapitalized(j), isCapitalized(s) { break }
                j += 1
            }
            if j > s {
                let pr = p < 2 ? p : 5 + p
                if best == nil || pr < best!.1 { best = (s..<j, pr) }
            }
        }
        // backward: "Ramesh ko", "Raj Kumar ne", "Ramesh's"
        for i in 0..<t.count where backward.contains(lows[i]) {
            if ["ka", "ki", "ke"].contains(lows[i]), i + 1 < t.count, ["rate", "bhav", "daam"].contains(lows[i + 1]) { continue }
            var e = i - 1
            while e >= 0, Sentence.honorifics.contains(lows[e]) { e -= 1 }
            guard e >= 0, isNameLike(e), !parser.isProductWord(lows[e]) || parser.isCustomerWord(lows[e]) else { continue }
            var s = e
            if s - 1 >= 0, isNameLike(s - 1), isCapitalized(s), isCapitalized(s - 1), !parser.isProductWord(lows[s - 1]) { s -= 1 }
            let pr: Int
            switch lows[i] {
            case "ko", "ne", "paid", "owes", "owe", "owed", "bought", "'s": pr = 1
            case "se": pr = 3
            default: pr = 4
            }
            if best == nil || pr < best!.1 || (pr == best!.1 && s < best!.0.lowerBound) { best = (s..<(e + 1), pr) }
        }
        if let (r, _) = best {
            for k in r { used[k] = true }
            return parser.resolve(rawJoin(r), in: parser.customers)
        }
        // catalog scan
        if !parser.customers.isEmpty {
            for i in 0..<t.count where isNameLike(i) && parser.isCustomerWord(lows[i]) && !parser.isProductWord(lows[i]) {
                var j = i + 1
                while j < t.count, j - i < 3, isNameLike(j), parser.isCustomerWord(lows[j]) { j += 1 }
                for k in i..<j { used[k] = true }
                return parser.resolve(rawJoin(i..<j), in: parser.customers)
            }
        }
        return nil
    }

    func hasCustomerMarker() -> Bool {
        for i in 0..<t.count {
            if ["to", "for"].contains(lows[i]), isNameLike(i + 1) { return true }
            if ["ko", "ne"].contains(lows[i]), isNameLike(i - 1) { return true }
        }
        if !parser.customers.isEmpty { return lows.contains(where: parser.isCustomerWord) }
        return false
    }

    // MARK: entity helpers

    func paymentMode() -> JSONValue {
        for p in ["google pay", "phone pe", "bank transfer", "debit card", "credit card", "net banking", "online transfer"] where phrase(p) {
            return .string(Lexicon.paymentModes[p] ?? (p.contains("bank") || p == "online transfer" ? "bank" : "upi"))
        }
        for w in lows {
            if w == "check" { continue }
            if let m = Lexicon.paymentModes[w] { return .string(m) }
        }
        if has("check"), hasAny(["by", "via", "through", "paid", "diye", "se"]) { return .string("cheque") }
        return .null
    }

    func period() -> JSONValue {
        if phraseAny(["last month", "pichhle mahine", "pichle mahine", "pichhla mahina", "pichla mahina", "previous month", "last months", "pichhle month", "pichle month"]) { return .string("last_month") }
        if phraseAny(["this month", "is mahine", "iss mahine", "is month", "this months", "month", "monthly", "mahine", "mahina", "is maheene"]) { return .string("this_month") }
        if phraseAny(["this week", "is hafte", "iss hafte", "is week", "week", "weekly", "hafte", "hafta", "saptah"]) { return .string("this_week") }
        if phraseAny(["today", "aaj", "aj", "todays", "today's", "abhi tak", "so far today"]) || joined.contains(" today ") { return .string("today") }
        return .null
    }

    /// A run of product-like tokens (not used, not stopwords) starting at `i`, up to 4 tokens.
    func productRun(from i: Int) -> Range<Int>? {
        var j = i
        while j < t.count, j - i < 4, isNameLike(j), !(parser.isCustomerWord(lows[j]) && !parser.isProductWord(lows[j])) { j += 1 }
        return j > i ? i..<j : nil
    }

    func productRunBackward(before i: Int, floor: Int) -> Range<Int>? {
        var s = i
        while s - 1 >= floor, i - (s - 1) <= 3, isNameLike(s - 1), !(parser.isCustomerWord(lows[s - 1]) && !parser.isProductWord(lows[s - 1])) { s -= 1 }
        return s < i ? s..<i : nil
    }

    func firstProductRun(from: Int = 0) -> Range<Int>? {
        // prefer a catalog product word when there is a catalog
        if !parser.products.isEmpty {
            for i in from..<max(from, t.count) where isNameLike(i) && parser.isProductWord(lows[i]) {
                var s = i
                while s - 1 >= from, isNameLike(s - 1), parser.isProductWord(lows[s - 1]) { s -= 1 }
                var e = i + 1
                while e < t.count, e - s < 4, isNameLike(e), parser.isProductWord(lows[e]) { e += 1 }
                return s..<e
            }
        }
        var i = from
        while i < t.count {
            if let r = productRun(from: i) { return r }
            i += 1
        }
        return nil
    }

    func cleanProduct(_ r: Range<Int>) -> String {
        parser.resolveProduct(r.map { t[$0].raw }.joined(separator: " "))
    }

    // MARK: intents

    func isSocial() -> Bool {
        let platform = hasAny(["instagram", "insta", "ig", "bluesky", "bsky", "pixelfed", "facebook", "fb", "twitter"]) || phrase("blue sky")
        let postWord = hasAny(["post", "caption", "tweet", "story", "reel", "posts"])
        let verb = hasAny(["draft", "write", "likho", "banao", "bana", "create", "share", "publish", "compose", "prepare", "make", "daalo", "dalo"])
        if platform && (postWord || verb) { return true }
        if phraseAny(["social media", "social post"]) { return true }
        if postWord && (verb || lows.first == "post") && !has("report") { return true }
        return false
    }

    func social() -> ParsedIntent {
        var platform: JSONValue = .null
        if hasAny(["instagram", "insta", "ig"]) { platform = .string("instagram") }
        else if hasAny(["bluesky", "bsky"]) || phrase("blue sky") { platform = .string("bluesky") }
        else if has("pixelfed") { platform = .string("pixelfed") }
        // content: after "about"/"saying"/"regarding"/":" in the original text. Searched in `text` itself,
        // case-insensitively: a range found in `text.lowercased()` does not index `text` when lowercasing
        // changes the length ("İ" → "i̇"), and used to trap.
        func find(_ marker: String) -> Range<String.Index>? { text.range(of: marker, options: .caseInsensitive) }
        var content = ""
        for marker in [": ", " saying ", " that says ", " about ", " regarding ", " announcing ", " on ", " for "] {
            if let r = find(marker) {
                content = String(text[r.upperBound...])
                break
            }
        }
        if content.isEmpty, let r = find(" ke baare mein") ?? find(" ke bare mein") ?? find(" ke baare me") ?? find(" par ") {
            content = String(text[..<r.lowerBound])
            let drop: Set<String> = ["instagram", "insta", "bluesky", "pixelfed", "post", "pe", "par", "ek", "a", "draft", "likho", "banao"]
            content = content.split(separator: " ").filter { !drop.contains($0.lowercased()) }.joined(separator: " ")
        }
        if content.isEmpty {
            let drop: Set<String> = ["draft", "write", "create", "make", "compose", "prepare", "a", "an", "the", "post", "caption", "social", "media", "for", "on", "instagram", "insta", "ig", "bluesky", "bsky", "pixelfed", "please", "likho", "banao", "ek", "pe", "par", "share", "publish", "me", "mein", "to", "new"]
            content = text.split(separator: " ").filter { !drop.contains($0.lowercased().trimmingCharacters(in: .punctuationCharacters)) }.joined(separator: " ")
        }
        content = content.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ".,;:\"'")))
        // strip a trailing "on instagram" / "for bluesky"
        for suffix in [" on instagram", " for instagram", " on bluesky", " for bluesky", " on pixelfed", " for pixelfed", " on insta", " for insta", " with image", " with this image", " with photo"] {
            if let r = content.range(of: suffix, options: [.caseInsensitive, .anchored, .backwards]) { content = String(content[..<r.lowerBound]) }
        }
        let e: [String: JSONValue] = ["platform": platform, "content": content.isEmpty ? .null : .string(content), "image_url": url.map { .string($0) } ?? .null]
        return result(.draftSocialPost, e, platform == .null ? 0.75 : 0.9)
    }

    func isReport() -> Bool {
        if hasAny(["report", "reports", "pdf", "excel", "xlsx", "xls", "csv", "spreadsheet", "export", "download", "statement"]) { return true }
        return false
    }

    func report() -> ParsedIntent {
        var kind: JSONValue = .null
        if hasAny(["debtors", "debtor", "udhaar", "udhar", "dues", "outstanding", "baaki", "baki", "receivables", "receivable", "defaulters", "due", "owe", "owes"]) { kind = .string("debtors") }
        else if hasAny(["inventory", "stock", "maal", "godown", "products"]) { kind = .string("inventory") }
        else if hasAny(["ledger", "khata", "statement", "account", "accounts", "hisaab", "hisab", "transactions", "daybook", "bahi"]) { kind = .string("ledger") }
        else if hasAny(["sales", "sale", "bikri", "invoices", "revenue", "becha", "sold", "billing"]) { kind = .string("sales") }
        var format: JSONValue = .string("pdf")
        if hasAny(["excel", "xlsx", "xls", "spreadsheet", "sheet"]) { format = .string("xlsx") }
        else if has("csv") { format = .string("csv") }
        return result(.generateReport, ["report": kind, "format": format, "period": period()], kind == .null ? 0.7 : 0.9)
    }

    func isPaymentLink() -> Bool {
        guard hasAny(["link", "links"]) else { return false }
        return hasAny(["payment", "pay", "upi", "razorpay", "paisa", "paise", "collect", "collection", "bhugtan"]) || !nums.isEmpty || phrase("link bhejo")
    }

    mutating func paymentLink() -> ParsedIntent {
        let customer = findCustomer(forward: Sentence.forwardMarkers + ["send", "bhejo"])
        let amount = nums.first { $0.role != .percent }.map { JSONValue.int($0.paise) } ?? .null
        return result(.createPaymentLink, ["customer": customer.map { .string($0) } ?? .null, "amount": amount], 0.9)
    }

    /// "Ramesh ko bill bhejo", "send the invoice to Ramesh", "रमेश को बिल भेजो", "INV-0007 Ramesh ko
    /// bhej do": a bill word and a send word, and no quantity (with one it is a sale to make).
    func isSendInvoice() -> Bool {
        guard hasAny(["bill", "invoice", "bil", "parchi", "receipt"]) || invoiceNumber() != nil else { return false }
        guard hasAny(["send", "bhejo", "bhej", "bhejdo", "bhejna", "bhejiye", "bhejna", "share", "forward", "whatsapp"]) else { return false }
        // A printed number ("INV-0007") reads as a quantity too; with one, it is the bill's number.
        return invoiceNumber() != nil || !nums.contains { $0.role == .quantity }
    }

    /// An invoice number as printed ("INV-0007"), upper-cased.
    func invoiceNumber() -> String? {
        guard let r = raw.range(of: #"(?i)\binv-?\s?0*\d{1,9}\b"#, options: .regularExpression) else { return nil }
        let digits = raw[r].filter(\.isNumber).drop { $0 == "0" }
        guard let n = Int(String(digits.isEmpty ? "0" : digits)), n > 0 else { return nil }
        return "INV-" + String(repeating: "0", count: max(0, 4 - String(n).count)) + String(n)
    }

    mutating func sendInvoice() -> ParsedIntent {
        let customer = findCustomer(forward: Sentence.forwardMarkers + ["send", "bhejo", "bhej"])
        return result(.sendInvoice, ["customer": customer.map { .string($0) } ?? .null,
                                     "invoice_number": invoiceNumber().map { .string($0) } ?? .null], 0.9)
    }

    mutating func reminder() -> ParsedIntent {
        if hasAny(["all", "everyone", "everybody", "sab", "sabko", "sabhi", "debtors", "sabhiko", "har"]) {
            return result(.sendPaymentReminder, ["customer": .null], 0.9)
        }
        let c = findCustomer()
        return result(.sendPaymentReminder, ["customer": c.map { .string($0) } ?? .null], 0.9)
    }

    func isAddCustomer() -> Bool {
        let who = hasAny(["customer", "grahak", "client", "party", "customers"])
        let verb = hasAny(["add", "new", "create", "naya", "nayi", "naye", "register", "jodo", "jod", "banao", "bnao", "save", "onboard"])
        return who && verb || (phone != nil && who)
    }

    mutating func addCustomer() -> ParsedIntent {
        var name: String?
        let fwd = ["customer", "grahak", "client", "party", "named", "naam", "name"]
        name = findCustomer(forward: fwd, backward: ["ko", "as", "ka"])
        if name == nil {
            // "add Ramesh Kumar as customer"
            for i in 0..<t.count where ["add", "jodo", "register", "save"].contains(lows[i]) {
                if let r = productRun(from: i + 1) { name = rawJoin(r); break }
            }
        }
        if name == nil, let r = firstProductRun() { name = rawJoin(r) }
        return result(.addCustomer, ["customer": name.map { .string($0) } ?? .null, "phone": phone.map { .string($0) } ?? .null], 0.9)
    }

    func isAddProduct() -> Bool {
        let what = hasAny(["product", "item", "saman", "samaan", "catalog", "catalogue", "products", "items", "sku"])
        let verb = hasAny(["add", "new", "create", "naya", "nayi", "naye", "register", "jodo", "banao", "bnao", "dalo", "daalo"])
        return what && verb
    }

    mutating func addProduct() -> ParsedIntent {
        var e: [String: JSONValue] = [:]
        for k in nums.indices where nums[k].role == .quantity || nums[k].role == .rate || nums[k].role == .money || nums[k].role == .bare || nums[k].role == .paid {
            for x in nums[k].start..<min(nums[k].consumedUntil, t.count) { used[x] = true }
        }
        var price: NumItem? = nums.first { $0.role == .rate || $0.role == .money || $0.role == .paid }
        var qty = nums.first { $0.role == .quantity && $0.unit != nil }
        if price == nil, let b = nums.first(where: { $0.role == .bare || ($0.role == .quantity && $0.unit == nil) }) { price = b }
        if qty == nil, let q = nums.first(where: { $0.role == .quantity && $0.start != price?.start }) { qty = q }
        var unit = price?.unit ?? qty?.unit
        if unit == nil, let p = price, let u = Lexicon.units[low(p.end)] { unit = u }
        if unit == nil { for w in lows { if let u = Lexicon.units[w] { unit = u; break } } }
        // product name: after "product"/"item" markers, else the first product-like run
        var nameRange: Range<Int>?
        for i in 0..<t.count where ["product", "item", "saman", "samaan", "sku", "called", "named", "naam"].contains(lows[i]) {
            var j = i + 1
            while j < t.count, [",", "named", "called", "naam", "name", "is"].contains(lows[j]) { j += 1 }
            if let r = productRun(from: j) { nameRange = r; break }
        }
        if nameRange == nil { nameRange = firstProductRun() }
        if let r = nameRange {
            e["product"] = .string(rawJoin(r))
        }
        e["unit_price"] = price.map { .int($0.paise) } ?? .null
        e["quantity"] = qty.map { .double($0.value) } ?? .null
        e["unit"] = unit.map { .string($0) } ?? .null
        return result(.addProduct, e, 0.9)
    }

    func isDebtorsList() -> Bool {
        if hasAny(["debtors", "debtor", "defaulters", "defaulter"]) { return true }
        let who = hasAny(["who", "kaun", "kisne", "kis", "kiske", "kiska", "kinka", "kinke", "kinse", "sab", "sabka", "sabhi", "list", "all", "everyone", "total", "kon", "kisko", "kiski"])
        let due = hasAny(["owe", "owes", "owed", "baaki", "baki", "udhaar", "udhar", "due", "dues", "outstanding", "pending", "dena", "dene", "lena", "lene", "unpaid"]) || phraseAny(["not paid", "nahi diye", "nahi diya", "paisa dena", "paise dene"])
        return who && due
    }

    func isSalesSummary(quantities: [NumItem]) -> Bool {
        let salesWord = hasAny(["sales", "sale", "sold", "sell", "becha", "bechi", "beche", "bikri", "bikree", "kamai", "kamaya", "revenue", "earning", "earnings", "income", "dhanda", "galla", "turnover", "business", "collection", "bika", "bike", "biki"])
        guard salesWord else { return false }
        let q = hasAny(["how", "kitna", "kitni", "kitne", "what", "kya", "total", "summary", "show", "batao", "dikhao", "tell", "hua", "hui", "?", "kaisa", "kaisi", "overview"])
        let p = period() != .null
        let noAmounts = quantities.isEmpty && nums.filter({ $0.role != .percent }).isEmpty
        return noAmounts && (q || p || has("sales"))
    }

    static let addStockWords: Set<String> = ["add", "added", "received", "receive", "recieved", "aaya", "aaye", "aayi", "aa", "arrived", "purchase", "purchased", "restock", "restocked", "incoming", "jodo", "badhao", "daalo", "dalo", "increase", "mangaya", "mangwaya", "inward", "plus", "got", "mila", "mile", "kharida", "bought"]
    static let removeStockWords: Set<String> = ["remove", "removed", "damaged", "damage", "broken", "kharab", "toota", "tuta", "toot", "phat", "expired", "lost", "ghatao", "minus", "reduce", "reduced", "nikalo", "nikala", "used", "wastage", "waste", "decrease", "deduct", "subtract", "chori", "stolen", "leak", "spoiled", "sada"]
    static let setStockWords: Set<String> = ["set", "update", "updated", "correct", "actual", "physical", "count", "should", "now", "ab"]

    func stockUpdateMode(quantities: [NumItem], sale: Bool) -> String? {
        let anyQty = quantities.first ?? nums.first { $0.role == .bare && !$0.explicit }
        guard anyQty != nil, !sale else { return nil }
        let stockWord = hasAny(["stock", "inventory", "godown", "maal"])
        let addW = lows.contains(where: Sentence.addStockWords.contains)
        let remW = lows.contains(where: Sentence.removeStockWords.contains)
        let setW = lows.contains(where: Sentence.setStockWords.contains) || phraseAny(["kar do", "karo", "kardo", "is now", "hai ab"])
        // "received 500 from Suresh" is a payment: only units or stock words make it stock
        let hasUnitQty = quantities.contains { $0.unit != nil }
        let fromPerson = lows.enumerated().contains { ($0.element == "from" || $0.element == "se" || $0.element == "ne") && ($0.element == "from" ? isNameLike($0.offset + 1) && !parser.isProductWord(low($0.offset + 1)) : isNameLike($0.offset - 1) && !parser.isProductWord(low($0.offset - 1))) }
        if remW && (stockWord || hasUnitQty || !quantities.isEmpty) { return "remove" }
        if addW && (stockWord || hasUnitQty || (!quantities.isEmpty && !fromPerson)) {
            if ["kharida", "kharide", "bought", "liya", "liye"].contains(where: set.contains), hasCustomerMarker() { return nil }
            return "add"
        }
        if stockWord && (setW || phrase("to") || true) {
            if nums.contains(where: { $0.explicit || $0.role == .paid || $0.role == .rate }) { return nil }
            return "set"
        }
        return nil
    }

    mutating func updateStock(mode: String) -> ParsedIntent {
        let q = nums.first { $0.role == .quantity } ?? nums.first { $0.role == .bare && !$0.explicit } ?? nums.first { $0.role != .percent }
        var e: [String: JSONValue] = ["mode": .string(mode)]
        if let q {
            e["quantity"] = .double(q.value)
            for x in q.start..<min(q.consumedUntil, t.count) { used[x] = true }
            // product right after the quantity/unit ("50 bags of cement"), else before ("cement 40")
            var k = q.consumedUntil
            if low(k) == "of" { k += 1 }
            if let r = productRun(from: k) { e["product"] = .string(cleanProduct(r)) }
        }
        if e["product"] == nil, let r = firstProductRun() { e["product"] = .string(cleanProduct(r)) }
        return result(.updateStock, e, 0.85)
    }

    func isPayment(moneys: [NumItem]) -> Bool {
        let payVerb = lows.contains(where: Sentence.paymentVerbs.contains) || phraseAny(["de diye", "de gaya", "de gaye", "mil gaye", "mil gaya", "aa gaye", "aa gaya"])
        let amount = nums.contains { $0.role != .percent && $0.role != .quantity } || nums.contains { $0.role == .quantity && $0.unit == nil && !hasNameAfter($0) }
        if payVerb && amount { return true }
        // "Ramesh paid" / "Ramesh ne paytm kiya": a payment with the amount missing
        if nums.isEmpty, hasAny(["paid", "pays", "diye", "jama", "chukaya", "chukaye"]) || (paymentMode() != .null && hasAny(["kiye", "kiya", "paid"])) { return true }
        if nums.contains(where: { $0.role == .paid }), paymentMode() != .null { return true }
        return false
    }
    static let weakSaleVerbs: Set<String> = ["liya", "liye", "li", "diya", "di", "gave", "took", "bheja", "sale", "bikri"]
    static let paymentVerbs: Set<String> = ["liye", "liya", "paid", "pay", "pays", "payment", "received", "receive", "recieved", "got", "diye", "dediye", "jama", "mila", "mile", "milay", "aaye", "aaya", "bheje", "bheja", "transferred", "sent", "chukaya", "chukaye", "collected", "deposited", "cleared", "settled", "diya", "di"]

    func hasNameAfter(_ n: NumItem) -> Bool { isNameLike(n.end) && parser.isProductWord(low(n.end)) }

    mutating func payment() -> ParsedIntent {
        let amt = nums.first { $0.role == .paid } ?? nums.first { $0.role == .money } ?? nums.first { $0.role != .percent && $0.role != .discount }
        if let a = amt { for x in a.start..<min(a.end, t.count) { used[x] = true } }
        let c = findCustomer()
        let e: [String: JSONValue] = ["customer": c.map { .string($0) } ?? .null, "amount": amt.map { .int($0.paise) } ?? .null, "payment_mode": paymentMode()]
        return result(.recordPayment, e, c == nil ? 0.75 : 0.9)
    }

    // MARK: the other half of the books (issue 16 §6)

    /// Words that name what money was spent on, by the category they belong to. "bhada" is a
    /// carrier's fare (transport); a shop's rent is "kiraya".
    static let expenseWords: [(String, [String])] = [
        ("Rent", ["rent", "kiraya", "kiraaya", "kiraye", "bhaada"]),
        ("Salary", ["salary", "salaries", "tankha", "tankhwah", "tanakhwah", "pagar", "wages", "majduri", "mazdoori", "majdoori", "payroll"]),
        ("Electricity", ["electricity", "bijli", "bijlee", "light bill", "power bill", "msedcl", "bescom"]),
        ("Transport", ["transport", "bhada", "tempo", "truck", "freight", "petrol", "diesel", "fuel", "auto", "rickshaw", "courier", "delivery charge", "cartage", "hamali"]),
        ("Repairs", ["repair", "repairs", "marammat", "mistri", "plumber", "electrician"]),
        ("Other", ["expense", "expenses", "kharcha", "kharche", "kharch", "chai", "tea", "nashta", "stationery", "internet", "phone bill", "mobile recharge", "recharge"]),
    ]

    /// The category an expense sentence names, or nil when it is not about spending.
    func expenseCategory() -> String? {
        if hasAny(["customer", "grahak", "sold", "sell", "becha", "beche", "bechi", "bech", "invoice"]) || phrase("bill banao") { return nil }
        for (category, words) in Self.expenseWords {
            for w in words where w.contains(" ") ? phrase(w) : has(w) {
                // "light" alone is not electricity; "bill" alone is not an expense ("bill banao" is a sale).
                return category
            }
        }
        return nil
    }

    mutating func expense(_ category: String) -> ParsedIntent {
        let amt = nums.first { $0.role == .paid } ?? nums.first { $0.role == .money } ?? nums.first { $0.role != .percent && $0.role != .discount }
        var note: JSONValue = .null
        // The word that named it, when the category is a bucket ("petrol" under Transport).
        for (c, words) in Self.expenseWords where c == category {
            if let w = words.first(where: { $0.contains(" ") ? phrase($0) : has($0) }), w.lowercased() != category.lowercased(),
               !["expense", "expenses", "kharcha", "kharche", "kharch"].contains(w) {
                note = .string(w.prefix(1).uppercased() + w.dropFirst())
            }
        }
        let e: [String: JSONValue] = ["category": .string(category), "amount": amt.map { .int($0.paise) } ?? .null,
                                      "payment_mode": paymentMode(), "note": note]
        return result(.recordExpense, e, amt == nil ? 0.7 : 0.9)
    }

    // MARK: buying from suppliers (issue 16 §6)

    static let buyVerbs: Set<String> = ["bought", "buy", "purchased", "purchase", "procured", "kharida", "kharide", "kharidi", "kharid", "kharidaa",
                                        "mangaya", "mangwaya", "mangwaye", "mangaye", "liya", "liye", "li"]
    static let supplierWords: Set<String> = ["supplier", "suppliers", "vendor", "dealer", "wholesaler", "distributor"]
    static let supplierPayVerbs: Set<String> = ["paid", "pay", "diye", "diya", "di", "dediye", "bheje", "bheja", "transferred", "sent", "chukaya",
                                                "chukaye", "cleared", "settled", "payment"]

    /// "bought 100 bags cement from Ambuja Traders at 320", "Sharma supplier se 50 bori cement 310
    /// mein liya, 5000 diye" (a purchase bill) and "paid Ambuja Traders 20000 by NEFT" (a supplier
    /// payment). Nil when the sentence is not about a supplier; then nothing is marked used.
    mutating func purchaseOrSupplierPayment(quantities: [NumItem]) -> ParsedIntent? {
        let supplierWord = lows.contains(where: Sentence.supplierWords.contains)
        let known = lows.indices.contains { isNameLike($0) && parser.isSupplierWord(lows[$0]) && !parser.isProductWord(lows[$0]) }
        let buy = lows.contains(where: Sentence.buyVerbs.contains)
        if buy, !quantities.isEmpty {
            // A seller is named ("from X", "X se", a known supplier, the word "supplier") or the
            // owner is the buyer ("bought 50 bags cement", "maine 50 bori cement kharida"). "Ramesh
            // ne 5 bori cement liya" and "Ramesh bought 5 bags" name a customer: a sale.
            let from = lows.indices.contains { lows[$0] == "from" }
            let se = lows.indices.contains { lows[$0] == "se" && (isNameLike($0 - 1) && !parser.isProductWord(lows[$0 - 1]) || Sentence.supplierWords.contains(low($0 - 1))) }
            let firstWord = lows.firstIndex { !Lexicon.stopwords.contains($0) || Sentence.buyVerbs.contains($0) }.map { lows[$0] } ?? ""
            let ownerBuys = ["bought", "purchased", "purchase", "procured", "kharida", "kharide", "mangaya", "mangwaya"].contains(firstWord)
                || phraseAny(["i bought", "we bought", "i purchased", "we purchased"]) || hasAny(["maine", "humne", "hamne"])
            guard supplierWord || known || from || se || ownerBuys else { return nil }
            var probe = self
            let supplier = probe.findSupplier()
            guard let r = probe.purchase(supplier) else { return nil }
            self = probe
            return r
        }
        guard quantities.isEmpty, supplierWord || known, lows.contains(where: Sentence.supplierPayVerbs.contains) else { return nil }
        var probe = self
        let found = probe.findSupplierRange()
        if let (_, range) = found, !supplierWord, range.contains(where: { parser.isCustomerWord(lows[$0]) }) {
            // A name that is also a customer's: "Meena paid 500" is Meena paying the shop; only
            // "paid Meena 500" / "Meena ko 500 diye" is the shop paying her.
            let toHim = low(range.upperBound) == "ko" || (range.lowerBound > 0 && ["paid", "pay", "sent", "transferred"].contains(low(range.lowerBound - 1)))
            guard toHim else { return nil }
        }
        guard found != nil || supplierWord else { return nil }
        self = probe
        let amt = nums.first { $0.role == .paid } ?? nums.first { $0.role == .money } ?? nums.first { $0.role != .percent && $0.role != .discount }
        let e: [String: JSONValue] = ["supplier": found.map { .string($0.0) } ?? .null, "amount": amt.map { .int($0.paise) } ?? .null,
                                      "payment_mode": paymentMode()]
        return result(.paySupplier, e, amt == nil || found == nil ? 0.75 : 0.9)
    }

    mutating func findSupplier() -> String? { findSupplierRange()?.0 }

    /// The supplier a sentence names — a known supplier's name, the name beside the word
    /// "supplier", "from X" or "X se" — resolved against the catalog's suppliers; marks its tokens used.
    mutating func findSupplierRange() -> (String, Range<Int>)? {
        func plain(_ j: Int) -> Bool { isNameLike(j) && !Sentence.supplierWords.contains(lows[j]) && (!parser.isProductWord(lows[j]) || parser.isSupplierWord(lows[j])) }
        func forward(_ i: Int) -> Range<Int>? {
            var s = i
            while s < t.count, Sentence.honorifics.contains(lows[s]) || Sentence.supplierWords.contains(lows[s]) { s += 1 }
            var j = s
            while j < t.count, j - s < 3, plain(j) {
                if j > s, !isCapitalized(j), isCapitalized(s) { break }
                j += 1
            }
            return j > s ? s..<j : nil
        }
        func backward(_ i: Int) -> Range<Int>? {
            var e = i - 1
            while e >= 0, Sentence.honorifics.contains(lows[e]) || Sentence.supplierWords.contains(lows[e]) || ["wale", "wala", "waale", "waala"].contains(lows[e]) { e -= 1 }
            var s = e + 1
            while s - 1 >= 0, e + 1 - (s - 1) <= 3, plain(s - 1) { s -= 1 }
            return s <= e ? s..<(e + 1) : nil
        }
        var found: Range<Int>? = nil
        // a known supplier, anywhere
        if !parser.suppliers.isEmpty, let i = lows.indices.first(where: { isNameLike($0) && parser.isSupplierWord(lows[$0]) && !parser.isProductWord(lows[$0]) }) {
            var s = i, j = i + 1
            while s - 1 >= 0, i - (s - 1) < 3, isNameLike(s - 1), parser.isSupplierWord(lows[s - 1]) { s -= 1 }
            while j < t.count, j - s < 4, isNameLike(j), parser.isSupplierWord(lows[j]) { j += 1 }
            found = s..<j
        }
        if found == nil, let k = lows.firstIndex(where: Sentence.supplierWords.contains) {
            found = backward(k + 1) ?? forward(k + 1)
        }
        if found == nil, let k = lows.firstIndex(where: { $0 == "from" }) { found = forward(k + 1) }
        if found == nil, let k = lows.firstIndex(where: { $0 == "se" }) { found = backward(k) }
        guard let r = found else { return nil }
        for k in r { used[k] = true }
        return (parser.resolve(rawJoin(r), in: parser.suppliers), r)
    }

    /// The lines of a purchase, read as an invoice's are (without looking for a buyer); the seller
    /// is already marked used.
    mutating func purchase(_ supplier: String?) -> ParsedIntent? {
        guard let bill = invoice(strongVerb: true, findBuyer: false), case .array(let items) = bill.entities["items"] ?? .null, !items.isEmpty else { return nil }
        let e: [String: JSONValue] = ["supplier": supplier.map { .string($0) } ?? .null, "items": .array(items),
                                      "amount_paid": bill.entities["amount_paid"] ?? .null, "payment_mode": bill.entities["payment_mode"] ?? .null]
        return result(.recordPurchase, e, bill.confidence >= 0.8 && supplier != nil ? 0.9 : 0.75)
    }

    /// "cash kitna hai", "aaj ka profit kitna", "this month's expenses", "how much do I owe Ambuja".
    func booksQuestion() -> ParsedIntent? {
        let question = hasAny(["kitna", "kitne", "kitni", "how", "what", "whats", "kya", "batao", "bata", "show", "?", "total"])
        let amountGiven = nums.contains { $0.role != .percent }
        guard question, !amountGiven else { return nil }
        var topic: String? = nil
        if hasAny(["profit", "munafa", "munaafa", "fayda", "faayda", "nafa", "kamai", "kamaai", "loss", "nuksan", "nuksaan"]) { topic = "profit" }
        else if phraseAny(["i owe", "do i owe", "we owe", "mujhe dena", "mujhe dene", "humko dena", "hume dena", "hamein dena"])
                    || hasAny(["supplier", "suppliers", "payable", "payables"]) { topic = "payables" }
        else if hasAny(["expense", "expenses", "kharcha", "kharche", "kharch"]) { topic = "expenses" }
        else if hasAny(["cash", "galla", "gallah", "drawer", "bank"]) && !hasAny(["paid", "diye", "received", "mila"]) { topic = "cash" }
        guard let topic else { return nil }
        var period: JSONValue = .null
        if topic == "profit" || topic == "expenses" {
            period = hasAny(["aaj", "today", "aj"]) ? .string("today") : self.period()
            if period == .null { period = .string("this_month") }
        }
        var supplier: JSONValue = .null
        if topic == "payables" {
            // the name after "owe" / before "ko", when one is given
            if let i = lows.firstIndex(where: { $0 == "owe" }), i + 1 < t.count {
                let name = (i + 1..<t.count).prefix { isNameLike($0) }.map { t[$0].raw }.joined(separator: " ")
                if !name.isEmpty { supplier = .string(name) }
            }
        }
        return result(.booksSummary, ["topic": .string(topic), "period": period, "supplier": supplier], 0.85)
    }

    func isBalance() -> Bool {
        hasAny(["balance", "baaki", "baki", "baqi", "owe", "owes", "owed", "due", "dues", "hisaab", "hisab", "khata", "outstanding", "udhaar", "udhar", "pending", "lena", "lene", "dena", "dene", "bakaya", "ledger"])
    }

    mutating func balance(confidence: Double = 0.9) -> ParsedIntent {
        let c = findCustomer(forward: ["of", "for", "from", "customer", "grahak", "does", "do", "did", "se"], backward: Sentence.backwardMarkers)
        if c == nil && confidence > 0.5 {
            // "total outstanding?" without a name: the debtors list
            let q = hasAny(["total", "all", "sab", "sabka", "kitna", "how", "kitne", "what"])
            if q { return result(.listDebtors, [:], 0.6) }
        }
        var name = c
        if name == nil {
            for i in 0..<t.count where isNameLike(i) { name = parser.resolve(t[i].raw, in: parser.customers); break }
        }
        return result(.customerBalance, ["customer": name.map { .string($0) } ?? .null], name == nil ? 0.6 : confidence)
    }

    func isCheckStock() -> Bool {
        if hasAny(["stock", "inventory", "bacha", "bachi", "bache", "left", "remaining", "available", "godown", "maujood", "mojood", "khatam", "inventry"]) { return true }
        if phraseAny(["do we have", "do i have", "hai kya", "hain kya", "is there", "are there", "kitna hai", "kitne hai", "kitne hain", "kitni hai", "how much", "how many", "kitna pada", "kitne pade"]) { return true }
        return false
    }

    mutating func checkStock(confidence: Double) -> ParsedIntent {
        for q in nums { for x in q.start..<min(q.consumedUntil, t.count) { used[x] = true } }
        let r = firstProductRun()
        return result(.checkStock, ["product": r.map { .string(cleanProduct($0)) } ?? .null], r == nil ? min(confidence, 0.7) : confidence)
    }

    func isHelp() -> Bool {
        if hasAny(["help", "madad", "commands", "guide", "tutorial", "features", "sahayata"]) { return true }
        return phraseAny(["what can you do", "what do you do", "how to use", "how does this work", "how do i use", "kya kar sakte", "kya kya kar", "kaise use", "kaise kaam", "what can i ask", "what can i say", "options"])
    }

    func isGreeting() -> Bool {
        let g: Set<String> = ["thanks", "thank", "shukriya", "dhanyavad", "dhanyawad", "thanku", "thx", "a", "lot", "so", "much", "hi", "hello", "hey", "hii", "hiii", "helo", "namaste", "namaskar", "namastey", "pranam", "salaam", "salam", "ram", "jai", "shri", "krishna", "radhe", "good", "morning", "evening", "afternoon", "night", "gm", "yo", "sup", "hola", "kaise", "ho", "kya", "haal", "hai", "how", "are", "you", "there", "bhai", "ji", "sir", "munim", "assistant", "adaab", "sat", "sri", "akal", "hlo", "heyy", "wassup", "whats", "up", "kem", "cho", "theek", "thik", "hain", "aap", "ho?", "doing"]
        let words = lows.filter { $0 != "," && $0 != "?" }
        guard !words.isEmpty, words.count <= 6 else { return false }
        let core: Set<String> = ["thanks", "thank", "shukriya", "dhanyavad", "dhanyawad", "thanku", "thx", "hi", "hello", "hey", "hii", "hiii", "helo", "namaste", "namaskar", "namastey", "pranam", "salaam", "salam", "morning", "evening", "afternoon", "gm", "hola", "haal", "adaab", "akal", "hlo", "heyy", "wassup", "kaise", "radhe", "ram"]
        return words.contains(where: core.contains) && words.allSatisfy { g.contains($0) || $0.utf8.count <= 2 || isCapitalized(lows.firstIndex(of: $0) ?? 0) }
    }

    // MARK: invoice

    mutating func invoice(strongVerb: Bool, guess: Bool = false, findBuyer: Bool = true) -> ParsedIntent? {
        // customer first so that its tokens are not read as products
        var customer = !findBuyer ? nil : findCustomer(forward: ["to", "for", "customer", "grahak", "client", "party", "bill", "invoice", "naam"],
                                    backward: ["ko", "ne", "'s", "bought", "kharida", "liya", "liye", "ke", "ka", "ki"])
        if findBuyer, customer == nil, t.count > 1, isNameLike(0), isCapitalized(0), t[1].isDigits || Lexicon.isNumberWord(lows[1]), !parser.isProductWord(lows[0]) {
            // "Ramesh 2 cement 350"
            used[0] = true
            customer = parser.resolve(t[0].raw, in: parser.customers)
        }
        var items: [(product: String?, qty: Double?, unit: String?, price: Int64?, pos: Int, end: Int)] = []
        var lastEnd = 0
        for k in nums.indices where nums[k].role == .quantity {
            let q = nums[k]
            for x in q.start..<min(q.consumedUntil, t.count) { used[x] = true }
            var k2 = q.consumedUntil
            if low(k2) == "of" || low(k2) == "ka" && !parser.products.isEmpty { k2 += 1 }
            var product: String?
            var end = k2
            if let r = productRun(from: k2) {
                product = cleanProduct(r); end = r.upperBound
                for x in r { used[x] = true }
            } else if let r = productRunBackward(before: q.start, floor: lastEnd) {
                product = cleanProduct(r)
                for x in r { used[x] = true }
            }
            items.append((product, q.value, q.unit, nil, q.start, end))
            lastEnd = end
        }
        // rates attach to the nearest preceding item without a price, else the next one
        for n in nums where n.role == .rate || (n.role == .bare || n.role == .money) && !items.isEmpty {
            if n.role != .rate {
                // a bare number right after an item ("2 cement 350") is its price
                guard let idx = items.lastIndex(where: { $0.end <= n.start }), items[idx].price == nil, n.start - items[idx].end <= 1 else { continue }
                items[idx].price = n.paise
                continue
            }
            if let idx = items.lastIndex(where: { $0.pos < n.start && $0.price == nil }) { items[idx].price = n.paise }
            else if let idx = items.firstIndex(where: { $0.price == nil }) { items[idx].price = n.paise }
        }
        if items.count == 1, let total = nums.first(where: { $0.role == .total }), let qv = items[0].qty, qv > 0, items[0].price == nil {
            // total ÷ quantity can leave Int64 for a tiny quantity: then there is no unit price
            items[0].price = SafeNumbers.int64(rounding: Double(total.paise) / qv)
        }
        if items.isEmpty {
            // "Ramesh ko cement becha" / "sold cement to Ramesh": a product without a quantity
            for n in nums { for x in n.start..<min(n.consumedUntil, t.count) { used[x] = true } }
            if let r = firstProductRun() {
                let rate = nums.first { $0.role == .rate || $0.role == .money || $0.role == .bare }
                items.append((cleanProduct(r), nil, nil, rate?.paise, r.lowerBound, r.upperBound))
            } else if !strongVerb {
                return nil
            }
        }
        guard strongVerb || !items.isEmpty else { return nil }
        let paid = nums.first { $0.role == .paid }
        let discount = nums.first { $0.role == .discount }
        let due = lows.contains(where: Lexicon.creditWords.contains) || phraseAny(["baad mein", "baad me", "pay later", "on account", "khate mein", "khate me"])
        var arr: [JSONValue] = []
        for it in items {
            arr.append(.object([
                "product": it.product.map { .string($0) } ?? .null,
                "quantity": it.qty.map { .double($0) } ?? .null,
                "unit": it.unit.map { .string($0) } ?? .null,
                "unit_price": it.price.map { .int($0) } ?? .null,
            ]))
        }
        let e: [String: JSONValue] = [
            "customer": customer.map { .string($0) } ?? .null,
            "items": .array(arr),
            "amount_paid": paid.map { .int($0.paise) } ?? .null,
            "payment_mode": paymentMode(),
            "discount": discount.map { .int($0.paise) } ?? .null,
            "due": .bool(due),
        ]
        var conf = strongVerb ? 0.9 : (guess ? 0.6 : (customer != nil ? 0.85 : 0.7))
        if items.contains(where: { $0.product == nil }) { conf -= 0.1 }
        return result(.createInvoice, e, conf)
    }
}
