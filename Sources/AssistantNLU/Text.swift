import Foundation

/// One word of the input: `raw` keeps the user's spelling and case, `low` is the lowercased form.
struct Token: Sendable {
    var raw: String
    var low: String
    var isDigits: Bool
    var isBoundary: Bool { low == "," || low == "?" }
}

enum Lexer {
    static let sizeSuffixes: Set<String> = ["mm", "cm", "inch", "mp", "gb", "tb", "w", "v", "hp", "amp", "watt", "mah", "sqft"]
    static let abbreviations: Set<String> = ["rs", "mr", "mrs", "dr", "no", "qty", "pcs", "kg", "gm", "ltr", "nos", "pc", "shri", "smt", "inr", "st", "ms"]

    /// Maps Devanagari digits to ASCII.
    @inline(__always) static func asciiDigit(_ s: Unicode.Scalar) -> Unicode.Scalar {
        if s.value >= 0x0966 && s.value <= 0x096F { return Unicode.Scalar(s.value - 0x0966 + 48)! }
        return s
    }

    @inline(__always) static func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 48 && s.value <= 57 }
    @inline(__always) static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        if s.value < 128 {
            let v = s.value
            return (v >= 97 && v <= 122) || (v >= 65 && v <= 90)
        }
        return s.properties.isAlphabetic || s.properties.generalCategory == .nonspacingMark || s.properties.generalCategory == .spacingMark
    }

    static func tokenize(_ text: String) -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity(24)
        let scalars = Array(text.unicodeScalars.map(asciiDigit))
        var i = 0
        var cur = String.UnicodeScalarView()
        var curIsDigit = false

        func flush() {
            if !cur.isEmpty {
                let raw = String(cur)
                tokens.append(Token(raw: raw, low: raw.lowercased(), isDigits: curIsDigit))
                cur = String.UnicodeScalarView()
            }
        }
        func emit(_ s: String) {
            flush()
            tokens.append(Token(raw: s, low: s, isDigits: false))
        }
        let n = scalars.count
        while i < n {
            let s = scalars[i]
            let next: Unicode.Scalar? = i + 1 < n ? scalars[i + 1] : nil
            let prev: Unicode.Scalar? = i > 0 ? scalars[i - 1] : nil
            if isDigit(s) {
                if !cur.isEmpty && !curIsDigit { flush() }
                curIsDigit = true
                cur.append(s)
            } else if isWordScalar(s) {
                if !cur.isEmpty && curIsDigit {
                    // "12mm", "9w", "5hp": a size that belongs to a product name, kept as one word
                    var j = i
                    var suffix = ""
                    while j < n, isWordScalar(scalars[j]), scalars[j].value < 128 { suffix.unicodeScalars.append(scalars[j]); j += 1 }
                    if (j == n || !isWordScalar(scalars[j])), Lexer.sizeSuffixes.contains(suffix.lowercased()) {
                        cur.append(contentsOf: suffix.unicodeScalars)
                        curIsDigit = false
                        flush()
                        i = j
                        continue
                    }
                    flush()
                }
                curIsDigit = false
                cur.append(s)
            } else {
                switch s {
                case ".":
                    if curIsDigit, !cur.isEmpty, let nx = next, isDigit(nx) {
                        cur.append(s)
                    } else if !curIsDigit, abbreviations.contains(String(cur).lowercased()) {
                        flush()
                    } else if cur.isEmpty, let nx = next, isDigit(nx), (prev == nil || prev == " ") {
                        cur.append("0"); cur.append(s); curIsDigit = true
                    } else {
                        emit(",")
                    }
                case ",":
                    if curIsDigit, !cur.isEmpty, let nx = next, isDigit(nx) {
                        // thousands separator "1,500" / "1,50,000"
                    } else { emit(",") }
                case ";", "!", ":", "\n", "|":
                    emit(",")
                case "?":
                    emit("?")
                case "₹":
                    emit("₹")
                case "@":
                    emit("@")
                case "%":
                    emit("%")
                case "&", "+":
                    if s == "&" { emit("and") } else { flush() }
                case "/":
                    if next == "-" { emit("rs"); i += 1 } else { emit("per") }
                case "'", "’":
                    if let nx = next, nx == "s" || nx == "S", (i + 2 >= n || !isWordScalar(scalars[i + 2])) {
                        emit("'s"); i += 1
                    } else { flush() }
                default:
                    flush()
                }
            }
            i += 1
        }
        flush()
        return tokens
    }
}

enum Lexicon {
    static let englishSmall: [String: Double] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
        "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
        "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40,
        "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
        "half": 0.5,
    ]
    static let hindiSmall: [String: Double] = [
        "ek": 1, "do": 2, "teen": 3, "tin": 3, "char": 4, "chaar": 4, "chār": 4, "paanch": 5, "panch": 5, "pānch": 5, "pach": 5,
        "chhe": 6, "chhah": 6, "chah": 6, "che": 6, "chheh": 6, "saat": 7, "sat": 7, "aath": 8, "ath": 8, "nau": 9,
        "das": 10, "dus": 10, "gyarah": 11, "gyara": 11, "barah": 12, "bara": 12, "baarah": 12, "terah": 13, "tera": 13,
        "chaudah": 14, "choudah": 14, "pandrah": 15, "pandra": 15, "solah": 16, "sola": 16, "satrah": 17, "satra": 17,
        "atharah": 18, "athara": 18, "unnis": 19, "unees": 19, "bees": 20, "bis": 20, "ikkis": 21, "baees": 22, "bais": 22,
        "pachis": 25, "pachees": 25, "pachchis": 25, "tees": 30, "tis": 30, "paintis": 35, "chalis": 40, "chaalis": 40,
        "pachas": 50, "pachaas": 50, "sattar": 70, "assi": 80, "nabbe": 90, "navve": 90,
        "एक": 1, "दो": 2, "तीन": 3, "चार": 4, "पांच": 5, "पाँच": 5, "छह": 6, "छः": 6, "सात": 7, "आठ": 8, "नौ": 9, "दस": 10,
        "बीस": 20, "पच्चीस": 25, "तीस": 30, "चालीस": 40, "पचास": 50, "साठ": 60, "सत्तर": 70, "अस्सी": 80, "नब्बे": 90,
        "डेढ़": 1.5, "ढाई": 2.5, "आधा": 0.5,
        "dedh": 1.5, "derh": 1.5, "dhai": 2.5, "dhaai": 2.5, "adha": 0.5, "aadha": 0.5, "aadhi": 0.5,
    ]
    /// Hindi words that are also common English/Hinglish words; numbers only when followed by a unit or multiplier.
    static let ambiguousNumberWords: Set<String> = ["do", "no", "sat", "che", "tin", "tis", "bis", "ath", "pach", "chah", "bara", "tera", "sola", "half"]
    static let hundreds: Set<String> = ["hundred", "sau", "so", "सौ"]
    static let multipliers: [String: Double] = [
        "thousand": 1_000, "hazaar": 1_000, "hazar": 1_000, "hajar": 1_000, "hajaar": 1_000, "hazzar": 1_000, "k": 1_000,
        "lakh": 100_000, "lakhs": 100_000, "lac": 100_000, "lacs": 100_000, "lakh.": 100_000, "l": 100_000,
        "crore": 10_000_000, "crores": 10_000_000, "cr": 10_000_000, "karod": 10_000_000, "karor": 10_000_000,
        "million": 1_000_000, "mn": 1_000_000,
        "हज़ार": 1_000, "हजार": 1_000, "लाख": 100_000, "करोड़": 10_000_000, "करोड": 10_000_000,
    ]

    static let units: [String: String] = [
        "bag": "bag", "bags": "bag", "bori": "bag", "boriya": "bag", "boriyan": "bag", "boree": "bag", "sack": "bag", "sacks": "bag", "katta": "bag", "katte": "bag",
        "kg": "kg", "kgs": "kg", "kilo": "kg", "kilos": "kg", "kilogram": "kg", "kilograms": "kg", "kilogramme": "kg",
        "g": "g", "gm": "g", "gms": "g", "gram": "g", "grams": "g", "gramme": "g", "grm": "g",
        "litre": "litre", "litres": "litre", "liter": "litre", "liters": "litre", "ltr": "litre", "ltrs": "litre", "l": "litre", "lt": "litre", "litr": "litre",
        "ml": "ml", "mls": "ml", "millilitre": "ml", "milliliter": "ml",
        "pcs": "pcs", "pc": "pcs", "piece": "pcs", "pieces": "pcs", "nos": "pcs", "nag": "pcs", "unit": "pcs", "units": "pcs", "peti": "box",
        "box": "box", "boxes": "box", "dabba": "box", "dabbe": "box", "carton": "box", "cartons": "box",
        "packet": "packet", "packets": "packet", "pkt": "packet", "pkts": "packet", "pack": "packet", "packs": "packet", "packat": "packet", "paket": "packet",
        "dozen": "dozen", "dozens": "dozen", "darjan": "dozen", "darzan": "dozen", "dz": "dozen",
        "bottle": "bottle", "bottles": "bottle", "bottal": "bottle",
        "ton": "ton", "tons": "ton", "tonne": "ton", "quintal": "quintal", "quintals": "quintal",
        "metre": "metre", "meter": "metre", "metres": "metre", "meters": "metre", "mtr": "metre",
        "feet": "feet", "ft": "feet", "foot": "feet",
        "बोरी": "bag", "बैग": "bag", "किलो": "kg", "ग्राम": "g", "लीटर": "litre", "पैकेट": "packet", "दर्जन": "dozen", "डिब्बा": "box", "पीस": "pcs",
    ]

    static let currencyPrefix: Set<String> = ["₹", "rs", "inr", "rupees", "rupee", "re"]
    static let currencySuffix: Set<String> = ["rs", "rupees", "rupee", "rupaye", "rupaiye", "rupay", "rupaya", "rupiya", "rupiye", "rupiah", "inr", "₹", "bucks", "रुपये", "रुपए", "रुपया"]

    static let paymentModes: [String: String] = [
        "cash": "cash", "nakad": "cash", "nagad": "cash", "naqad": "cash",
        "upi": "upi", "gpay": "upi", "googlepay": "upi", "phonepe": "upi", "phone pe": "upi", "paytm": "upi", "bhim": "upi", "google pay": "upi",
        "card": "card", "debit card": "card", "credit card": "card", "swipe": "card",
        "cheque": "cheque", "check": "cheque", "chq": "cheque", "chek": "cheque",
        "bank": "bank", "neft": "bank", "imps": "bank", "rtgs": "bank", "transfer": "bank", "bank transfer": "bank", "netbanking": "bank", "online": "upi",
    ]

    static let creditWords: Set<String> = ["udhaar", "udhar", "udhaari", "udhari", "credit", "baaki", "baki", "baqi", "due", "dues", "khata", "khate", "later", "pending"]

    static let saleVerbs: Set<String> = ["sold", "sell", "sells", "selling", "becha", "bechi", "beche", "bech", "bechna", "bechaa", "becha.", "bill", "billed", "invoice", "invoiced",
                                         "kharida", "kharide", "kharidi", "bought", "buys", "liya", "liye", "li", "took", "bikri", "sale", "gave", "diya", "di", "bheja", "supplied", "supply", "delivered"]
    static let payVerbs: Set<String> = ["paid", "pay", "pays", "paying", "payment", "received", "receive", "recieved", "got", "diye", "dediye", "jama", "mila", "mile", "milay", "aaya", "aaye", "aya", "aye", "bheje", "transferred", "sent", "chukaya", "chukaye", "collected", "deposited"]

    /// Words that can never be part of a product or customer name.
    static let stopwords: Set<String> = {
        var s = Set<String>([
            "a", "an", "the", "of", "to", "for", "from", "at", "by", "in", "on", "with", "and", "or", "aur", "ya", "&", "@", "per", "each", "every", "is", "are", "was", "were", "be", "been",
            "i", "me", "my", "we", "our", "us", "you", "your", "he", "she", "it", "they", "them", "him", "her", "his", "their", "this", "that", "these", "those", "there", "here",
            "ko", "ne", "se", "ka", "ki", "ke", "mein", "me", "main", "mai", "pe", "par", "hai", "hain", "tha", "thi", "the", "ho", "hua", "hui", "hue", "gaya", "gayi", "gaye", "ga", "gi",
            "kya", "kitna", "kitni", "kitne", "how", "much", "many", "what", "which", "who", "whom", "whose", "when", "where", "why", "kaun", "kisne", "kis", "kiska", "kiske", "kiski", "kab", "kahan",
            "left", "bacha", "bachi", "bache", "baki", "remaining", "available", "stock", "inventory", "check", "show", "tell", "give", "get", "send", "bhejo", "bhej", "dikhao", "batao", "bata", "btao",
            "do", "does", "did", "done", "please", "pls", "plz", "kindly", "zara", "jara", "bhai", "ji", "sir", "sahab", "sahib", "rate", "price", "cost", "daam", "dam", "bhav", "bhaav", "wala", "wale", "wali", "vala", "vale",
            "only", "total", "amount", "rupees", "rupee", "rs", "₹", "inr", "rupaye", "rupay", "rupiya", "rupaya", "money", "paisa", "paise", "paisay", "advance",
            "karo", "kar", "kardo", "kar do", "karna", "karke", "de", "dena", "dedo", "diya", "diye", "di", "do", "le", "lo", "liya", "liye", "li", "banao", "bana", "banado", "bnao", "add", "added", "set", "remove", "removed",
            "today", "aaj", "yesterday", "kal", "week", "month", "year", "mahine", "mahina", "hafte", "hafta", "last", "pichhle", "pichle", "this", "is", "current", "new", "naya", "nayi", "naye",
            "customer", "customers", "grahak", "client", "product", "products", "item", "items", "saman", "samaan", "maal", "cheez",
            "now", "abhi", "also", "bhi", "then", "phir", "fir", "just", "some", "all", "sab", "sabka", "sabhi", "any", "koi", "kuch", "more", "aur", "other", "same", "than",
            "damaged", "damage", "broken", "kharab", "toota", "tuta", "tuta", "expired", "lost", "return", "returned", "wapas", "ghata", "ghatao", "minus", "reduce", "received", "arrived", "aa", "aaya", "aaye", "aayi", "incoming",
            "'s", "hello", "hi", "hey", "yes", "no", "ok", "okay", "haan", "nahi", "nahin", "na", "mujhe", "muje", "humne", "maine", "mera", "meri", "mere", "hum", "tum", "aap", "unko", "usko", "isko", "inko", "uska", "unka", "apna", "apne",
            "owe", "owes", "owed", "outstanding", "balance", "hisaab", "hisab", "lena", "dene", "dena", "lene", "pending", "due", "dues",
            "rate", "se", "into", "onto", "upto", "till", "about", "off", "discount", "less", "chhoot", "chhut", "chut", "kam", "extra",
            "has", "have", "had", "will", "shall", "can", "could", "would", "should", "may", "might", "must", "am", "let", "want", "need", "make", "create", "record", "note", "likho", "likh", "enter", "entry",
            "bhi", "wo", "woh", "vo", "ye", "yeh", "us", "un", "in", "jo", "sirf", "bas", "ek", "aadha", "adha", "half", "more",
        ] as [String])
        s.formUnion(["update", "updated", "leak", "leaked", "spoiled", "purchase", "purchased", "restock", "restocked", "inward", "increase", "decrease", "deduct", "subtract", "stolen", "wastage", "waste", "nikalo", "nikala", "badhao", "mangaya", "mangwaya", "kiye", "kiya", "karo", "hogaya", "gayi", "gaya", "mein", "arrived"])
        s.formUnion(Lexicon.creditWords)
        s.formUnion(Lexicon.saleVerbs)
        s.formUnion(Lexicon.payVerbs)
        s.formUnion(Lexicon.currencySuffix)
        for k in Lexicon.paymentModes.keys where !k.contains(" ") { s.insert(k) }
        return s
    }()

    static func isNumberWord(_ w: String) -> Bool {
        englishSmall[w] != nil || hindiSmall[w] != nil || hundreds.contains(w) || (multipliers[w] != nil && w.count > 1)
    }
}

/// Reads numbers written with digits, English or Hindi words, Indian multipliers and currency marks.
enum Numbers {
    struct Span { var value: Double; var start: Int; var end: Int; var hasMultiplier: Bool; var fromWords: Bool }
    struct Money { var paise: Int64; var start: Int; var end: Int; var explicit: Bool; var numberStart: Int; var numberEnd: Int }

    static func value(of tok: Token) -> Double? {
        if tok.isDigits { return Double(tok.low) }
        return nil
    }

    /// Reads a number starting at token `i`.
    static func read(_ t: [Token], at i: Int, allowAmbiguous: Bool = false) -> Span? {
        guard i < t.count else { return nil }
        var total: Double = 0
        var current: Double = 0
        var j = i
        var any = false
        var hasMult = false
        var words = false
        var lastWasDigit = false
        var sadhe = false
        // the chunk the last multiplier added to `total` ("5 hazaar" → 5000), while it is the last word read
        var lastGroup: Double?
        while j < t.count {
            let w = t[j].low
            if t[j].isDigits, let v = Double(w) {
                if any && !(lastWasDigit == false && current == 0) { break }
                if lastWasDigit { break }
                current += v
                any = true; lastWasDigit = true; lastGroup = nil
                j += 1; continue
            }
            if (w == "sadhe" || w == "saadhe" || w == "sade") && !any {
                sadhe = true; j += 1; continue
            }
            if let v = Lexicon.englishSmall[w] ?? Lexicon.hindiSmall[w] {
                if lastWasDigit { break }
                if Lexicon.ambiguousNumberWords.contains(w) && !allowAmbiguous {
                    // only a number if a unit, multiplier or number word follows
                    let nx = j + 1 < t.count ? t[j + 1].low : ""
                    let ok = Lexicon.units[nx] != nil || Lexicon.hundreds.contains(nx) || Lexicon.multipliers[nx] != nil || (any && current == 0)
                    if !ok { break }
                }
                if current.truncatingRemainder(dividingBy: 10) != 0 && current < 100 && v < 10 { break }
                if current >= 10 && current < 100 && v >= 10 { break }
                current += v
                any = true; words = true; lastWasDigit = false; lastGroup = nil
                j += 1; continue
            }
            if Lexicon.hundreds.contains(w), any || w == "hundred" || w == "sau" {
                if w == "so" && !any { break }
                current = (current == 0 ? 1 : current) * 100
                any = true; words = true; lastWasDigit = false; hasMult = true; lastGroup = nil
                j += 1; continue
            }
            if let m = Lexicon.multipliers[w], any || (w.count > 2 && w != "million") {
                if (w == "k" || w == "l" || w == "cr" || w == "mn") && !lastWasDigit { break }
                if w == "l" {
                    // "2l" is ambiguous with litre: treat as lakh only if a currency word is nearby
                    let prev = i > 0 ? t[i - 1].low : ""
                    if !Lexicon.currencyPrefix.contains(prev) { break }
                }
                if let g = lastGroup, current == 0 {
                    // "lakh crore", "5 hazaar crore": a multiplier right after another scales its chunk
                    total += g * m - g
                    lastGroup = g * m
                } else {
                    let g = (current == 0 ? 1 : current) * m
                    total += g
                    lastGroup = g
                }
                current = 0
                any = true; hasMult = true; lastWasDigit = false
                j += 1; continue
            }
            if w == "and", any, !lastWasDigit, current == 0 || current.truncatingRemainder(dividingBy: 100) == 0, j + 1 < t.count,
               Lexicon.englishSmall[t[j + 1].low] != nil {
                lastGroup = nil
                j += 1; continue
            }
            break
        }
        guard any else { return nil }
        var value = total + current
        if sadhe { value += 0.5 }
        return Span(value: value, start: i, end: j, hasMultiplier: hasMult, fromWords: words)
    }

    /// Reads money starting at token `i` (currency prefix optional); nil when there is none, or when
    /// the number is not representable as Int64 paise (see `scanMoney`).
    static func readMoney(_ t: [Token], at i: Int) -> Money? {
        guard case .money(let m)? = scanMoney(t, at: i) else { return nil }
        return m
    }

    enum Scanned {
        case money(Money)
        /// A number was read (tokens `i..<end`) but its paise do not fit Int64 or it is not finite:
        /// it is no amount, and its tokens must not be read again piecemeal ("999…9 crore" is not "crore").
        case unrepresentable(end: Int)
    }

    static func scanMoney(_ t: [Token], at i: Int) -> Scanned? {
        guard i < t.count else { return nil }
        var j = i
        var explicit = false
        if Lexicon.currencyPrefix.contains(t[j].low) {
            explicit = true; j += 1
            if j < t.count, t[j].low == "," { j += 1 }
        }
        guard let n = read(t, at: j) else { return nil }
        var end = n.end
        if end < t.count, Lexicon.currencySuffix.contains(t[end].low) { explicit = true; end += 1 }
        if end < t.count, t[end].low == "only" { end += 1 }
        if n.hasMultiplier && !n.fromWords { explicit = explicit || true }
        // A number whose paise do not fit in Int64 (or that is not finite) is no amount at all.
        guard let paise = SafeNumbers.paise(rupees: n.value) else { return .unrepresentable(end: end) }
        return .money(Money(paise: paise, start: i, end: end, explicit: explicit, numberStart: j, numberEnd: n.end))
    }
}
