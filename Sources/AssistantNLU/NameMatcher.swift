import Foundation

/// Matches a product or customer name as spoken/typed against catalog entries.
public enum NameMatcher {
    /// case/spacing/plural/transliteration ("cement"/"siment")/edit-distance tolerant; ambiguous when ≥2 equally
    /// good ("Raj" vs "Raj Kumar","Raj Malhotra"); exact (normalized) match wins over fuzzy.
    public static func match(_ name: String, in entries: [CatalogEntry]) -> MatchResult {
        let key = NameKey(name)
        return match(key, in: entries.map { ($0, NameKey($0.name)) })
    }

    static func match(_ key: NameKey, in prepared: [(CatalogEntry, NameKey)]) -> MatchResult {
        guard !key.all.isEmpty else { return .none(suggestions: []) }
        var scored: [(CatalogEntry, Double)] = []
        scored.reserveCapacity(prepared.count)
        for (entry, ek) in prepared {
            let s = score(key, ek)
            if s > 0 { scored.append((entry, s)) }
        }
        let best = scored.map(\.1).max() ?? 0
        if best < 0.65 {
            return .none(suggestions: suggestions(key, prepared))
        }
        let margin = best >= 1.0 ? 0.0001 : 0.03
        let top = scored.filter { $0.1 >= best - margin }
        if top.count == 1 { return .match(top[0].0) }
        // exact full-name duplicates or equally good partial matches: ask
        return .ambiguous(top.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.name < $1.0.name }.map(\.0))
    }

    /// Similarity of two prepared names in 0...1.01 (1.01 = exact normalized match).
    static func score(_ q: NameKey, _ e: NameKey) -> Double {
        if q.all == e.all { return 1.01 }
        if q.joined == e.joined { return 1.0 } // spacing: "raj kumar" vs "rajkumar"
        let qs = q.sig, es = e.sig
        guard !qs.isEmpty, !es.isEmpty else { return 0 }
        var used = [Bool](repeating: false, count: es.count)
        var sum = 0.0
        for (qi, qt) in qs.enumerated() {
            var bestQ = 0.0, bestJ = -1
            for (j, et) in es.enumerated() where !used[j] {
                let v = tokenQuality(qt, q.phon[qi], et, e.phon[j])
                if v > bestQ { bestQ = v; bestJ = j }
            }
            if bestJ < 0 || bestQ == 0 {
                // compound spelling: "rajkumar" vs ["raj","kumar"]
                if qs.count == 1, qt == es.joined() { return 0.95 }
                return 0
            }
            used[bestJ] = true
            sum += bestQ
        }
        let avg = sum / Double(qs.count)
        let covered = used.filter { $0 }.count
        let coverage = covered == es.count ? 1.0 : 0.8
        return avg * coverage
    }

    static func tokenQuality(_ a: String, _ pa: String, _ b: String, _ pb: String) -> Double {
        if a == b { return 1.0 }
        let la = a.utf8.count, lb = b.utf8.count
        if min(la, lb) >= 3, pa == pb, !pa.isEmpty { return 0.9 }
        if la >= 3, b.hasPrefix(a), la * 2 >= lb { return 0.8 }
        if min(la, lb) >= 4 {
            let allowed = min(la, lb) >= 8 ? 2 : 1
            let d = editDistance(a, b, limit: allowed)
            if d <= allowed { return d == 1 ? 0.85 : 0.75 }
        }
        return 0
    }

    static func suggestions(_ q: NameKey, _ prepared: [(CatalogEntry, NameKey)]) -> [CatalogEntry] {
        var out: [(CatalogEntry, Int)] = []
        for (entry, ek) in prepared {
            var best = Int.max
            for qt in q.sig.isEmpty ? q.all : q.sig {
                for et in ek.all {
                    let d = editDistance(qt, et, limit: 3)
                    let shared = qt.utf8.first == et.utf8.first
                    if d <= 3, shared || d <= 2 { best = min(best, d) }
                }
            }
            if best != Int.max { out.append((entry, best)) }
        }
        return out.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0.name < $1.0.name }.prefix(3).map(\.0)
    }

    /// Levenshtein distance over UTF-8 bytes, giving up (returning limit+1) beyond `limit`.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        if abs(x.count - y.count) > limit { return limit + 1 }
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var prev = Array(0...y.count)
        var cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            cur[0] = i
            var rowMin = cur[0]
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                // transposition counts as one edit
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    cur[j] = min(cur[j], prev[j - 1])
                }
                rowMin = min(rowMin, cur[j])
            }
            if rowMin > limit { return limit + 1 }
            swap(&prev, &cur)
        }
        return prev[y.count]
    }
}

/// A name prepared for matching: singular lowercase tokens, significant tokens and phonetic keys.
struct NameKey: Sendable {
    var all: [String]
    var sig: [String]
    var phon: [String]
    var joined: String

    static let fillers: Set<String> = ["of", "the", "a", "an", "and", "wala", "wali", "wale", "bhai", "ji", "sir", "sahab", "saab", "seth", "uncle", "aunty", "bhaiya", "didi", "madam", "mr", "mrs", "ms", "shri", "smt", "dr", "ka", "ki", "ke"]

    init(_ name: String) {
        var all: [String] = []
        for t in Lexer.tokenize(name) where !t.isBoundary {
            let w = t.low
            if w == "'s" || w == "₹" || w == "@" || w == "%" || w == "per" && all.isEmpty { continue }
            all.append(NameKey.singular(w))
        }
        var sig = all.filter { w in
            !NameKey.fillers.contains(w) && Lexicon.units[w] == nil && w.first.map { !$0.isNumber } ?? false && w != "per"
        }
        if sig.isEmpty { sig = all.filter { !NameKey.fillers.contains($0) } }
        if sig.isEmpty { sig = all }
        self.all = all
        self.sig = sig
        self.phon = sig.map(NameKey.phonetic)
        self.joined = all.joined()
    }

    static func singular(_ w: String) -> String {
        let n = w.utf8.count
        guard n > 3, w.allSatisfy({ $0.isASCII && $0.isLetter }) else { return w }
        if w.hasSuffix("ies") && n > 4 { return String(w.dropLast(3)) + "y" }
        if w.hasSuffix("ses") || w.hasSuffix("xes") || w.hasSuffix("ches") || w.hasSuffix("shes") { return String(w.dropLast(2)) }
        if w.hasSuffix("s") && !w.hasSuffix("ss") && !w.hasSuffix("us") { return String(w.dropLast()) }
        return w
    }

    /// Consonant skeleton tolerant to common Hinglish transliteration variants ("cement"/"siment", "sariya"/"saria").
    static func phonetic(_ w: String) -> String {
        let s = Array(w.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        func isVowel(_ c: UInt8) -> Bool { c == 97 || c == 101 || c == 105 || c == 111 || c == 117 || c == 121 }
        while i < s.count {
            var c = s[i]
            let n: UInt8 = i + 1 < s.count ? s[i + 1] : 0
            if c > 127 { out.append(c); i += 1; continue }
            if n == 104 /* h */ && [112, 115, 107, 103, 116, 100, 98, 99, 106].contains(c) { // ph sh kh gh th dh bh ch jh
                c = (c == 112) ? 102 : c
                i += 1
            } else if c == 99 { // c
                c = (n == 101 || n == 105 || n == 121) ? 115 : 107
                if n == 107 { i += 1 }
            } else if c == 113 { c = 107 }      // q -> k
            else if c == 122 { c = 106 }        // z -> j
            else if c == 119 { c = 118 }        // w -> v
            else if c == 104 && !out.isEmpty { i += 1; continue } // silent h
            if isVowel(c) {
                if out.isEmpty { out.append(97) }
                i += 1; continue
            }
            if out.last != c { out.append(c) }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
