import AssistantNLU
import Foundation

/// The customer bot (issue 4 §3): answers availability and price from the catalog, the customer's
/// own balance, business hours and address; "talk to a person" hands off. It reads only; it can
/// never run an owner command, whatever the text says.
enum CustomerBot {
    struct Product: Sendable {
        let name: String
        let unit: String
        let price: Int64
        let stock: Int64
    }

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
        // (Answering in Devanagari itself is not done yet: see the issue 18 note.)
        let raw = Devanagari.romanize(said)
        let hinglish = c.hinglish || Devanagari.contains(said)
        let text = " " + raw.lowercased().replacingOccurrences(of: "?", with: " ").replacingOccurrences(of: ",", with: " ") + " "
        func has(_ words: [String]) -> Bool { words.contains { text.contains(" \($0) ") || ($0.contains(" ") && text.contains($0)) } }
        func say(_ en: String, _ hi: String) -> String { hinglish ? hi : en }

        if has(["talk to a person", "talk to person", "talk to someone", "human", "agent", "real person", "call me", "insaan", "baat karni", "baat karna", "staff"]) {
            return Answer(text: say("Okay, a person from \(c.businessName) will reply here soon.",
                                    "Theek hai, \(c.businessName) se koi jaldi yahan jawab dega."), handoff: true)
        }
        var parts: [String] = []
        let product = matchProduct(raw, in: c.products)
        let asksPrice = has(["price", "rate", "cost", "how much", "kitne", "kitna", "daam", "bhav", "available", "availability", "stock", "have", "hai kya", "milega", "do you"])
        if let p = product {
            let unit = p.unit
            let stockText = p.stock > 0
                ? say("in stock (\(Quantity(thousandths: p.stock)) \(unit))", "stock mein hai (\(Quantity(thousandths: p.stock)) \(unit))")
                : say("out of stock right now", "abhi stock mein nahi hai")
            parts.append(say("\(p.name): \(Money.format(p.price)) per \(unit), \(stockText).",
                             "\(p.name): \(Money.format(p.price)) prati \(unit), \(stockText)."))
        } else if asksPrice && !has(["balance", "due", "owe"]) {
            let names = c.products.prefix(5).map(\.name).joined(separator: ", ")
            parts.append(names.isEmpty
                ? say("I could not find that product.", "Yeh product nahi mila.")
                : say("I could not find that product. We have: \(names).", "Yeh product nahi mila. Hamare paas hai: \(names)."))
        }
        if has(["balance", "due", "owe", "outstanding", "baki", "baaki", "hisaab", "hisab", "udhaar", "udhar", "bill"]) {
            if let cust = c.customer {
                let b = cust.balance
                parts.append(b > 0 ? say("Your balance due is \(Money.format(b)).", "Aapka \(Money.format(b)) baaki hai.")
                             : b < 0 ? say("You have \(Money.format(-b)) in credit with us.", "Aapka \(Money.format(-b)) advance jama hai.")
                             : say("You owe nothing. Thank you!", "Aapka kuch baaki nahi hai. Dhanyavaad!"))
            } else {
                parts.append(say("I could not find an account for this number. A person will check and reply.",
                                 "Is number ka account nahi mila. Koi check karke jawab dega."))
            }
        }
        if has(["hours", "open", "timing", "timings", "close", "closed", "kab", "khula", "band"]) {
            parts.append(c.hours.map { say("We are open \($0).", "Hum \($0) khule hain.") }
                         ?? say("Our hours are not listed; a person will reply.", "Timing abhi listed nahi hai; koi jawab dega."))
        }
        if has(["address", "where", "location", "located", "kahan", "kaha", "pata", "shop"]) {
            parts.append(c.address.map { say("Our address: \($0).", "Hamara pata: \($0).") }
                         ?? say("Our address is not listed; a person will reply.", "Pata abhi listed nahi hai; koi jawab dega."))
        }
        if parts.isEmpty {
            return Answer(text: say("Hello from \(c.businessName)! I can tell you prices and availability, your balance, and our hours and address. Say \"talk to a person\" any time.",
                                    "Namaste, \(c.businessName) se! Main daam aur stock, aapka baaki, aur hamari timing aur pata bata sakta hoon. Kisi insaan se baat karni ho to \"talk to a person\" likhiye."),
                          handoff: false)
        }
        return Answer(text: parts.joined(separator: " "), handoff: false)
    }

    /// The catalog product named in free text: tries word runs of 1–3 words against the names.
    static func matchProduct(_ text: String, in products: [Product]) -> Product? {
        guard !products.isEmpty else { return nil }
        let entries = products.enumerated().map { CatalogEntry(id: String($0.offset), name: $0.element.name) }
        let stop: Set<String> = ["do", "you", "have", "is", "the", "a", "an", "of", "price", "rate", "what", "how", "much", "any",
                                 "available", "stock", "in", "for", "hai", "kya", "ka", "ki", "ke", "me", "mein", "hi", "hello", "please", "bhai"]
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
