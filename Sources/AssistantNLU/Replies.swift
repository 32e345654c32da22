import Foundation

/// Helpers the conversation layer uses to fill a pending intent from a short follow-up reply.
public enum Replies {
    /// "5", "paanch", "2.5", "twenty five", "१०", "5 bags", "do"
    public static func number(_ text: String) -> Double? {
        let t = Lexer.tokenize(Devanagari.romanize(text)).filter { !$0.isBoundary }
        guard !t.isEmpty else { return nil }
        var i = 0
        while i < t.count, ["only", "sirf", "bas", "just", "about", "around", "lagbhag", "qty", "quantity"].contains(t[i].low) { i += 1 }
        guard let n = Numbers.read(t, at: i, allowAmbiguous: true) else { return nil }
        // the rest may only be a unit, a currency or filler words
        for k in n.end..<t.count {
            let w = t[k].low
            if Lexicon.units[w] != nil || Lexicon.currencySuffix.contains(w) || fillers.contains(w) { continue }
            if !Lexicon.stopwords.contains(w) && w.count > 2 { return nil }
        }
        // not finite, or too large for the ledger's thousandths: no quantity
        return SafeNumbers.quantity(n.value)
    }

    /// Paise: "350", "₹350", "Rs 1.5 lakh", "2k", "350/-"
    public static func money(_ text: String) -> Int64? {
        let t = Lexer.tokenize(Devanagari.romanize(text)).filter { !$0.isBoundary }
        guard !t.isEmpty else { return nil }
        var i = 0
        while i < t.count, ["only", "sirf", "bas", "just", "amount", "total", "price", "rate", "at", "@"].contains(t[i].low) { i += 1 }
        guard let m = Numbers.readMoney(t, at: i) else { return nil }
        for k in m.end..<t.count {
            let w = t[k].low
            if Lexicon.currencySuffix.contains(w) || fillers.contains(w) || Lexicon.units[w] != nil || w == "per" || w == "each" { continue }
            if !Lexicon.stopwords.contains(w) && w.count > 2 { return nil }
        }
        return m.paise
    }

    static let fillers: Set<String> = ["only", "hai", "hain", "he", "ji", "please", "pls", "each", "per", "ka", "ke", "ki", "rate", "se", "wala", "wale", "bhai", "sir", "and", "sahi", "theek"]

    static func words(_ text: String) -> [String] {
        Lexer.tokenize(text).filter { !$0.isBoundary && $0.low != "'s" }.map(\.low)
    }

    static let yesWords: Set<String> = ["yes", "y", "yeah", "yep", "yup", "ya", "haan", "haa", "han", "ha", "hanji", "haanji", "ji", "ok", "okay", "okk", "k", "confirm", "confirmed", "sure", "done", "correct", "right", "sahi", "theek", "thik", "thick", "hai", "he", "kar", "karo", "do", "de", "dedo", "kardo", "go", "ahead", "please", "1", "bilkul", "chalega", "proceed", "approve", "save", "bhai", "ji", "it", "is", "that's", "thats", "fine", "good", "perfect", "absolutely", "yess", "yesss", "hmm", "accha", "acha", "achha"]
    static let yesCore: Set<String> = ["yes", "y", "yeah", "yep", "yup", "haan", "haa", "han", "ha", "hanji", "haanji", "ok", "okay", "okk", "confirm", "confirmed", "sure", "done", "correct", "sahi", "theek", "thik", "1", "bilkul", "chalega", "proceed", "approve", "fine", "perfect", "absolutely", "yess", "yesss", "accha", "acha", "achha", "right"]

    /// yes, haan, ha, han, ok, okay, theek hai, confirm, 1 (as in "Reply 1 to confirm")
    public static func isYes(_ text: String) -> Bool {
        let w = words(Devanagari.romanize(text))
        guard !w.isEmpty, w.count <= 5 else { return false }
        if isNo(text) { return false }
        return w.contains(where: yesCore.contains) && w.allSatisfy(yesWords.contains)
    }

    static let noWords: Set<String> = ["no", "n", "nope", "nah", "nahi", "nahin", "nai", "na", "mat", "cancel", "rehne", "rahne", "do", "dijiye", "chhodo", "chodo", "chhod", "chod", "2", "wrong", "galat", "not", "dont", "don't", "don", "t", "stop", "karo", "kar", "ise", "isko", "it", "this", "please", "bhai", "ji", "abhi", "reject", "forget", "band", "never", "mind", "hai", "thanks", "thank", "you"]
    static let noCore: Set<String> = ["no", "n", "nope", "nah", "nahi", "nahin", "nai", "mat", "cancel", "rehne", "rahne", "chhodo", "chodo", "chhod", "chod", "2", "wrong", "galat", "not", "dont", "don't", "stop", "reject", "forget", "band", "never"]

    /// no, nahi, nahin, cancel, rehne do, chhodo, 2
    public static func isNo(_ text: String) -> Bool {
        let w = words(Devanagari.romanize(text))
        guard !w.isEmpty, w.count <= 5 else { return false }
        return w.contains(where: noCore.contains) && w.allSatisfy(noWords.contains)
    }

    /// cancel, rehne do, chhodo, stop, forget it, band karo
    public static func isCancel(_ text: String) -> Bool {
        let w = words(Devanagari.romanize(text))
        guard !w.isEmpty, w.count <= 6 else { return false }
        let j = " " + w.joined(separator: " ") + " "
        let phrases = [" cancel ", " rehne do ", " rahne do ", " rehne dijiye ", " rehne de ", " chhodo ", " chodo ", " chhod do ", " chod do ", " stop ", " forget it ", " forget about it ", " band karo ", " band kar do ", " never mind ", " nevermind ", " abort ", " mat karo ", " quit ", " exit ", " nahi chahiye ", " scrap ", " discard "]
        guard phrases.contains(where: j.contains) else { return false }
        let allowed: Set<String> = ["cancel", "rehne", "rahne", "do", "de", "dijiye", "chhodo", "chodo", "chhod", "chod", "stop", "forget", "it", "about", "band", "karo", "kar", "never", "mind", "nevermind", "abort", "mat", "quit", "exit", "nahi", "chahiye", "scrap", "discard", "please", "pls", "bhai", "ji", "this", "that", "isko", "ise", "ye", "yeh", "sab", "all", "order", "invoice", "bill", "the", "no", "ok", "okay", "abhi", "just", "thanks"]
        return w.allSatisfy(allowed.contains)
    }
}
