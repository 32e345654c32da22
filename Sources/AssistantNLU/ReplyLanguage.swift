/// The language a reply is written in (issue 18 §2): the language of the message it answers —
/// Devanagari Hindi for Devanagari, Hinglish for Roman Hindi, English for English — and, for a
/// message that says nothing about its language ("1", "350", a name), the conversation's or the
/// business's default.
public enum ReplyLanguage: String, Codable, Sendable, CaseIterable {
    case english = "en"
    case hinglish
    case hindi

    /// The language of `text`, or nil when it could be any.
    public static func of(_ text: String) -> ReplyLanguage? {
        if text.unicodeScalars.contains(where: { $0.value >= 0x0900 && $0.value <= 0x097F }) { return .hindi }
        var hinglish = 0, english = 0
        for word in text.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init) {
            if hinglishMarkers.contains(word) { hinglish += 1 }
            if englishMarkers.contains(word) { english += 1 }
        }
        if hinglish == 0 && english == 0 { return nil }
        return hinglish >= english ? .hinglish : .english
    }

    /// The business's default: a Hindi-speaking shop's ambiguous messages get Hinglish.
    public static func fallback(preferred: String) -> ReplyLanguage {
        preferred.lowercased().hasPrefix("hi") ? .hinglish : .english
    }

    /// Words that only Roman Hindi uses (postpositions, verbs, question words) — never English ones
    /// like "me" or "to".
    static let hinglishMarkers: Set<String> = [
        "ko", "ne", "se", "ka", "ki", "ke", "mein", "mei", "par", "aur", "bhi", "hai", "hain", "tha", "thi", "hua", "hui",
        "becha", "bechi", "beche", "bech", "diya", "diye", "di", "dena", "dene", "liya", "liye", "li", "lena", "kiya", "kiye",
        "bhejo", "bhej", "bhejna", "batao", "bata", "bataiye", "dikhao", "jodo", "jod", "karo", "kar", "kijiye",
        "kitna", "kitne", "kitni", "kya", "kaun", "kab", "kahan", "kaise", "kisko", "kisne",
        "aaj", "kal", "abhi", "sab", "sabko", "sabka", "wala", "wale", "wali", "baaki", "baki", "bacha", "bachi", "bache",
        "bori", "boriyan", "rupaye", "rupay", "rupees", "hazaar", "hazar", "lakh", "kharcha", "kharche", "udhaar", "udhar",
        "nahi", "nahin", "haan", "ji", "theek", "thik", "accha", "achha", "saamaan", "saman", "maal", "hisaab", "hisab",
    ]

    /// Words an English sentence about a shop uses and Roman Hindi does not.
    static let englishMarkers: Set<String> = [
        "sold", "sell", "sale", "sales", "paid", "pay", "payment", "bought", "buy", "purchase", "how", "much", "many", "what",
        "who", "the", "to", "from", "for", "of", "is", "are", "was", "at", "today", "yesterday", "owes", "owe", "stock",
        "left", "send", "show", "add", "give", "received", "got", "spent", "please", "bags", "each", "remind", "everyone",
    ]
}
