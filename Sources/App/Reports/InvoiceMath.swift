import Foundation

/// Amounts in words in the Indian system, and the GST split of an invoice (issue 6 §2).
enum IndianWords {
    static let ones = ["", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve",
                       "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"]
    static let tens = ["", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"]

    /// 0…99
    static func belowHundred(_ n: Int64) -> String {
        if n < 20 { return ones[Int(n)] }
        let t = tens[Int(n / 10)], o = ones[Int(n % 10)]
        return o.isEmpty ? t : t + " " + o
    }

    /// A whole number in words with crore, lakh, thousand and hundred ("One Lakh Twenty Three Thousand").
    static func number(_ value: Int64) -> String {
        if value == 0 { return "Zero" }
        var n = value
        var parts: [String] = []
        let crore = n / 10_000_000
        n %= 10_000_000
        if crore > 0 { parts.append(number(crore) + " Crore") }
        let lakh = n / 100_000
        n %= 100_000
        if lakh > 0 { parts.append(belowHundred(lakh) + " Lakh") }
        let thousand = n / 1000
        n %= 1000
        if thousand > 0 { parts.append(belowHundred(thousand) + " Thousand") }
        let hundred = n / 100
        n %= 100
        if hundred > 0 { parts.append(ones[Int(hundred)] + " Hundred") }
        if n > 0 { parts.append(belowHundred(n)) }
        return parts.joined(separator: " ")
    }

    /// 12345650 paise → "One Lakh Twenty Three Thousand Four Hundred Fifty Six Rupees and Fifty Paise Only".
    static func rupees(_ paise: Int64) -> String {
        let negative = paise < 0
        let p = paise.magnitude
        let rupees = Int64(p / 100), rest = Int64(p % 100)
        var text = number(rupees) + (rupees == 1 ? " Rupee" : " Rupees")
        if rest > 0 { text += " and " + belowHundred(rest) + " Paise" }
        return (negative ? "Minus " : "") + text + " Only"
    }
}

/// Dates as Indian invoices print them.
enum IndianDate {
    /// "2026-12-05" → "05-12-2026"; anything else unchanged.
    static func text(_ ymd: String) -> String {
        let p = ymd.split(separator: "-")
        guard p.count == 3, p[0].count == 4, p[1].count == 2, p[2].count == 2 else { return ymd }
        return "\(p[2])-\(p[1])-\(p[0])"
    }
}
