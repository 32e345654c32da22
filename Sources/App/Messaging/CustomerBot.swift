import AssistantNLU
import Foundation

/// The customer bot (issue 4 §3, issue 18 §6): answers availability and price from the catalog,
/// the customer's own balance, business hours and address; "talk to a person" hands off. It reads
/// only; it can never run an owner command, whatever the text says.
///
/// One question, one answer, as a good shop assistant gives it: a balance question gets the
/// balance and nothing about products; a price question lists every product it could mean (up to
/// five) with its price; stock is said as "in stock", "only a few left" (at or below the product's
/// low-stock level) or "out of stock" — never the count, which is the shop's business.
enum CustomerBot {
    struct Product: Sendable {
        let name: String
        let unit: String
        let price: Int64
        let stock: Int64
        /// The owner's low-stock level (thousandths); at or below it the bot says "only a few left".
        var lowStock: Int64 = 0
        /// The GST rate (basis points) and whether `price` already includes it (issue 17 §2).
        var gstBP: Int64? = nil
        var priceIncludesGST = false

        /// What the customer pays for one unit: the price itself when it includes GST (or there is
        /// none), else the price with its GST added (nil only on overflow of a corrupt row).
        var quotedPrice: Int64? {
            guard let bp = gstBP, bp > 0, !priceIncludesGST else { return price }
            return Money.gst(on: price, basisPoints: bp, interState: false).map { price + $0.total }
        }
    }

    /// How many products one answer lists at most.
    static let maxListed = 5

    struct Context: Sendable {
        let businessName: String
        let hours: String?
        let address: String?
        let products: [Product]
        /// The ledger customer linked to this contact's number, if any: (name, balance).
        let customer: (name: String, balance: Int64)?
        let hinglish: Bool
    }

    struct Answer: Equatable, Sendable {
        let text: String
        let handoff: Bool
    }

    static func answer(_ said: String, context c: Context) -> Answer {
        // Devanagari is read as Roman Hinglish, and answered in Hinglish rather than English.
        let raw = Devanagari.romanize(said)
        let hinglish = c.hinglish || Devanagari.contains(said)
        let text = " " + raw.lowercased().replacingOccurrences(of: "?", with: " ").replacingOccurrences(of: ",", with: " ") + " "
        func has(_ words: [String]) -> Bool { words.contains { text.contains(" \($0) ") || ($0.contains(" ") && text.contains($0)) } }
        func say(_ en: String, _ hi: String) -> String { hinglish ? hi : en }

        if has(["talk to a person", "talk to person", "talk to someone", "human", "agent", "real person", "call me", "insaan", "baat karni", "baat karna", "staff"]) {
            return Answer(text: say("Okay, a person from \(c.businessName) will reply here soon.",
                                    "Theek hai, \(c.businessName) se koi jaldi yahan jawab dega."), handoff: true)
        }
        let balanceWords = ["balance", "due", "owe", "outstanding", "baki", "baaki", "hisaab", "hisab", "udhaar", "udhar", "bill"]
        let asksPrice = has(["price", "rate", "cost", "how much", "kitne", "kitna", "daam", "bhav", "available", "availability", "stock", "have", "hai kya", "milega", "do you"])
        let products = matchProducts(raw, in: c.products)
        // The shop's hours and address may go with any answer when asked for.
        var shopInfo: [String] = []
        if has(["hours", "open", "timing", "timings", "close", "closed", "kab", "khula", "band"]) {
            shopInfo.append(c.hours.map { say("We are open \($0).", "Hum \($0) khule hain.") }
                            ?? say("Our hours are not listed; a person will reply.", "Timing abhi listed nahi hai; koi jawab dega."))
        }
        if has(["address", "where", "location", "located", "kahan", "kaha", "pata", "shop"]) {
            shopInfo.append(c.address.map { say("Our address: \($0).", "Hamara pata: \($0).") }
                            ?? say("Our address is not listed; a person will reply.", "Pata abhi listed nahi hai; koi jawab dega."))
        }
        func reply(_ main: String?, separator: String = " ") -> Answer {
            Answer(text: ([main].compactMap { $0 } + shopInfo).joined(separator: separator), handoff: false)
        }
        if has(balanceWords) && products.isEmpty {
            // One intent: a balance question ("mera kitna baaki hai?") is answered with the balance,
            // never with products, however its words also read as a price question.
            guard let cust = c.customer else {
                return reply(say("I could not find an account for this number. A person will check and reply.",
                                 "Is number ka account nahi mila. Koi check karke jawab dega."))
            }
            let b = cust.balance
            return reply(b > 0 ? say("Your balance due is \(Money.format(b)).", "Aapka \(Money.format(b)) baaki hai.")
                         : b < 0 ? say("You have \(Money.format(-b)) in credit with us.", "Aapka \(Money.format(-b)) advance jama hai.")
                         : say("You owe nothing. Thank you!", "Aapka kuch baaki nahi hai. Dhanyavaad!"))
        }
        func priceLines(_ list: [Product]) -> [String] {
            list.map { p -> String in
                let stock = p.stock <= 0 ? say("out of stock right now", "abhi stock mein nahi hai")
                    : p.stock <= p.lowStock ? say("only a few left", "thode hi bache hain")
                    : say("in stock", "stock mein hai")
                // Quoted as the customer will pay it, GST included, and said so.
                let price = Money.format(p.quotedPrice ?? p.price)
                let taxed = (p.gstBP ?? 0) > 0
                return say("\(p.name): \(price) per \(p.unit)\(taxed ? " incl. GST" : ""), \(stock).",
                           "\(p.name): \(price) prati \(p.unit)\(taxed ? " GST sahit" : ""), \(stock).")
            }
        }
        if !products.isEmpty {
            return reply(priceLines(products).joined(separator: "\n"), separator: "\n")
        }
        if asksPrice && shopInfo.isEmpty {
            guard !c.products.isEmpty else {
                return reply(say("I could not find that product. A person will check and reply.", "Yeh product nahi mila. Koi check karke jawab dega."))
            }
            // "rate kya hai?" names no product: the price list. "do you have paint?" names one the
            // shop does not keep: said so, then what it has, with prices.
            let listed = priceLines(Array(c.products.prefix(maxListed))).joined(separator: "\n")
            let more = c.products.count > maxListed ? say("\n…and \(c.products.count - maxListed) more; ask for any by name.",
                                                          "\n…aur \(c.products.count - maxListed) aur; kisi ka bhi naam likhiye.") : ""
            let named = raw.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
                .contains { $0.count >= 3 && !productStopWords.contains($0) && !priceQuestionWords.contains($0) }
            return reply((named ? say("I could not find that product. We have:\n", "Yeh product nahi mila. Hamare paas hai:\n")
                                : say("Our prices:\n", "Hamare daam:\n")) + listed + more, separator: "\n")
        }
        if shopInfo.isEmpty {
            return Answer(text: say("Hello from \(c.businessName)! I can tell you prices and availability, your balance, and our hours and address. Say \"talk to a person\" any time.",
                                    "Namaste, \(c.businessName) se! Main daam aur stock, aapka baaki, aur hamari timing aur pata bata sakta hoon. Kisi insaan se baat karni ho to \"talk to a person\" likhiye."),
                          handoff: false)
        }
        return reply(nil)
    }

    /// Every catalog product the text could mean, best first, at most `maxListed`: the products
    /// the name matcher finds for the longest word run that names any, plus every other product
    /// that run matches when compared with that product alone ("cement" also lists "Cement PPC"
    /// when "Cement" matches exactly).
    static func matchProducts(_ text: String, in products: [Product]) -> [Product] {
        guard !products.isEmpty else { return [] }
        let entries = products.enumerated().map { CatalogEntry(id: String($0.offset), name: $0.element.name) }
        let words = text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        for n in stride(from: 3, through: 1, by: -1) where words.count >= n {
            var found: [Int] = []
            var run: [String] = []
            for i in 0...(words.count - n) {
                let candidate = Array(words[i..<(i + n)])
                if n == 1, productStopWords.contains(candidate[0]) || candidate[0].count < 3 { continue }
                switch NameMatcher.match(candidate.joined(separator: " "), in: entries) {
                case .match(let e): if let idx = Int(e.id), !found.contains(idx) { found.append(idx); run = candidate }
                case .ambiguous(let list):
                    for e in list { if let idx = Int(e.id), !found.contains(idx) { found.append(idx); run = candidate } }
                case .none: break
                }
            }
            guard !found.isEmpty else { continue }
            // The rest of the family: every other name the run's meaningful words match on their
            // own ("cement ka" → every cement, however spelled: "siment", "सीमेंट").
            let key = run.filter { !productStopWords.contains($0) }.joined(separator: " ")
            for idx in products.indices where !key.isEmpty && !found.contains(idx) {
                if case .match = NameMatcher.match(key, in: [entries[idx]]) { found.append(idx) }
            }
            return found.prefix(maxListed).map { products[$0] }
        }
        return []
    }

    /// Words of a price question that name no product ("rate kya hai?", "what are your prices").
    static let priceQuestionWords: Set<String> = ["prices", "rates", "cost", "costs", "daam", "dam", "bhav", "bhaav", "kitne", "kitna",
                                                  "your", "are", "all", "list", "batao", "bataiye", "today", "aaj", "abhi", "milega",
                                                  "sab", "sabka", "products", "items", "saman", "maal", "tell", "send", "bhejo"]

    static let productStopWords: Set<String> = ["do", "you", "have", "is", "the", "a", "an", "of", "price", "rate", "what", "how", "much", "any",
                                                "available", "stock", "in", "for", "hai", "kya", "ka", "ki", "ke", "me", "mein", "hi", "hello",
                                                "please", "bhai", "mera", "meri", "mere", "kitna", "kitne", "baaki", "baki", "bill"]

    /// The catalog product named in free text: tries word runs of 1–3 words against the names.
    static func matchProduct(_ text: String, in products: [Product]) -> Product? {
        guard !products.isEmpty else { return nil }
        let entries = products.enumerated().map { CatalogEntry(id: String($0.offset), name: $0.element.name) }
        let stop = productStopWords
        let words = text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        var best: (Product, Int)? = nil
        for n in stride(from: 3, through: 1, by: -1) where words.count >= n {
            for i in 0...(words.count - n) {
                let run = Array(words[i..<(i + n)])
                if n == 1, stop.contains(run[0]) || run[0].count < 3 { continue }
                if case .match(let e) = NameMatcher.match(run.joined(separator: " "), in: entries), let idx = Int(e.id) {
                    if best == nil || n > best!.1 { best = (products[idx], n) }
                }
            }
            if best != nil { break }
        }
        return best?.0
    }
}
