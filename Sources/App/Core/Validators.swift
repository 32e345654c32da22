import Foundation

/// Field validators shared by every domain. Each returns the normalized value or a problem text
/// that ends up in a 422's `details.fields`.
public enum Validate {
    /// E.164: "+" then 8–15 digits, no leading zero. Spaces, dashes and brackets are tolerated on input.
    /// A phone number as people type it (issue 19 §4): "+91 98765 43210", "98765 43210",
    /// "098765-43210" and "919876543210" are all +919876543210 (a ten-digit number starting 6–9 is
    /// an Indian mobile); numbers of other countries need their "+" and country code. Stored in
    /// E.164 form.
    public static func phone(_ raw: String) -> Result<String, Problem> {
        let cleaned = raw.filter { !" -().".contains($0) }
        let digits = cleaned.hasPrefix("+") ? Substring("") : Substring(cleaned)
        if digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            let mobile: Substring?
            switch digits.count {
            case 10: mobile = digits
            case 11 where digits.hasPrefix("0"): mobile = digits.dropFirst()
            case 12 where digits.hasPrefix("91"): mobile = digits.dropFirst(2)
            default: mobile = nil
            }
            if let mobile, let first = mobile.first, "6789".contains(first) { return .success("+91" + mobile) }
        }
        return e164(cleaned).mapError { _ -> Problem in "must be a mobile number such as 98765 43210, or +country code and number for other countries (+44 20 7946 0958)" }
    }

    /// Strictly E.164 ("+" and the country code): how providers name numbers (a WhatsApp sender).
    /// A handle from another platform that happens to be digits is never taken for a phone.
    public static func e164(_ raw: String) -> Result<String, Problem> {
        let cleaned = raw.filter { !" -()".contains($0) }
        guard cleaned.hasPrefix("+"), cleaned.count >= 9, cleaned.count <= 16,
              cleaned.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }), cleaned.dropFirst().first != "0" else {
            return .failure("must be an international number in E.164 form, e.g. +919812345678")
        }
        return .success(cleaned)
    }

    public static func email(_ raw: String) -> Result<String, Problem> {
        let e = raw.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = e.split(separator: "@", omittingEmptySubsequences: false)
        guard e.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !e.contains(where: { $0.isWhitespace }) else {
            return .failure("must be an email address such as name@example.com")
        }
        return .success(e)
    }

    static let gstinAlphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// The GSTIN check character: Luhn mod 36 over the first 14 characters.
    public static func gstinCheckCharacter(_ first14: String) -> Character? {
        let chars = Array(first14)
        guard chars.count == 14 else { return nil }
        var sum = 0
        for (i, ch) in chars.enumerated() {
            guard let v = gstinAlphabet.firstIndex(of: ch) else { return nil }
            let product = v * (i % 2 == 0 ? 1 : 2)
            sum += product / 36 + product % 36
        }
        return gstinAlphabet[(36 - sum % 36) % 36]
    }

    /// 15 characters: state code, PAN (5 letters, 4 digits, 1 letter), entity number, "Z", check character.
    public static func gstin(_ raw: String) -> Result<String, Problem> {
        let g = raw.trimmingCharacters(in: .whitespaces).uppercased()
        let chars = Array(g)
        func isLetter(_ c: Character) -> Bool { c.isASCII && c.isLetter }
        func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
        guard chars.count == 15,
              isDigit(chars[0]), isDigit(chars[1]),
              chars[2...6].allSatisfy(isLetter), chars[7...10].allSatisfy(isDigit), isLetter(chars[11]),
              isDigit(chars[12]) || isLetter(chars[12]), chars[12] != "0",
              chars[13] == "Z", isDigit(chars[14]) || isLetter(chars[14]) else {
            return .failure("must be a 15-character GSTIN such as 27AAPFU0939F1ZV")
        }
        guard let state = Int(String(chars[0...1])), (1...38).contains(state) || state == 97 || state == 99 else {
            return .failure("starts with an unknown state code")
        }
        guard gstinCheckCharacter(String(chars[0..<14])) == chars[14] else {
            return .failure("has a wrong check character (last character); please re-check the number")
        }
        return .success(g)
    }

    /// A UPI virtual payment address: handle@provider (e.g. patelstores@okhdfcbank).
    public static func upiID(_ raw: String) -> Result<String, Problem> {
        let parts = raw.split(separator: "@", omittingEmptySubsequences: false)
        let handleOK = parts.count == 2 && (2...256).contains(parts[0].count)
            && parts[0].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-_".contains($0)) }
        let bankOK = parts.count == 2 && (2...64).contains(parts[1].count) && parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        guard handleOK && bankOK else { return .failure("must be a UPI ID such as patelstores@okhdfcbank") }
        return .success(raw.lowercased())
    }

    public static func timezone(_ raw: String) -> Result<String, Problem> {
        guard TimeZone(identifier: raw) != nil, raw.contains("/") || raw == "UTC" else {
            return .failure("must be an IANA time zone such as Asia/Kolkata")
        }
        return .success(raw)
    }

    public static func currency(_ raw: String) -> Result<String, Problem> {
        let c = raw.uppercased()
        guard c.count == 3, Locale.commonISOCurrencyCodes.contains(c) else {
            return .failure("must be an ISO 4217 code such as INR")
        }
        return .success(c)
    }

    public static let languages: [String: String] = [
        "en": "English", "hi": "Hindi", "mr": "Marathi", "ta": "Tamil", "te": "Telugu", "bn": "Bengali",
        "gu": "Gujarati", "kn": "Kannada", "ml": "Malayalam", "pa": "Punjabi", "or": "Odia", "ur": "Urdu", "as": "Assamese",
    ]

    public static func language(_ raw: String) -> Result<String, Problem> {
        let l = raw.lowercased()
        guard languages[l] != nil else {
            return .failure("must be one of \(languages.keys.sorted().joined(separator: ", "))")
        }
        return .success(l)
    }

    /// Indian states and union territories with their GST state codes.
    public static let states: [(code: String, name: String)] = [
        ("01", "Jammu and Kashmir"), ("02", "Himachal Pradesh"), ("03", "Punjab"), ("04", "Chandigarh"),
        ("05", "Uttarakhand"), ("06", "Haryana"), ("07", "Delhi"), ("08", "Rajasthan"), ("09", "Uttar Pradesh"),
        ("10", "Bihar"), ("11", "Sikkim"), ("12", "Arunachal Pradesh"), ("13", "Nagaland"), ("14", "Manipur"),
        ("15", "Mizoram"), ("16", "Tripura"), ("17", "Meghalaya"), ("18", "Assam"), ("19", "West Bengal"),
        ("20", "Jharkhand"), ("21", "Odisha"), ("22", "Chhattisgarh"), ("23", "Madhya Pradesh"), ("24", "Gujarat"),
        ("26", "Dadra and Nagar Haveli and Daman and Diu"), ("27", "Maharashtra"), ("29", "Karnataka"), ("30", "Goa"),
        ("31", "Lakshadweep"), ("32", "Kerala"), ("33", "Tamil Nadu"), ("34", "Puducherry"),
        ("35", "Andaman and Nicobar Islands"), ("36", "Telangana"), ("37", "Andhra Pradesh"), ("38", "Ladakh"),
        ("97", "Other Territory"),
    ]

    /// Accepts a state's name (any case) or its two-digit GST code; returns the canonical name.
    public static func state(_ raw: String) -> Result<String, Problem> {
        let t = raw.trimmingCharacters(in: .whitespaces)
        if let s = states.first(where: { $0.code == t || $0.name.lowercased() == t.lowercased() }) {
            return .success(s.name)
        }
        return .failure("must be an Indian state or union territory, e.g. Maharashtra or 27")
    }

    /// `YYYY-MM-DD`, a real calendar date.
    public static func date(_ raw: String) -> Result<String, Problem> {
        let f = DateFormatter()
        f.calendar = Calendar(identifier: .gregorian)
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        guard raw.count == 10, let d = f.date(from: raw), f.string(from: d) == raw else {
            return .failure("must be a date in YYYY-MM-DD form")
        }
        return .success(raw)
    }

    /// The calendar date of `instant` in `timezone` (DESIGN §3: "today" is the business's today).
    public static func localDate(_ instant: Date, timezone: String) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: timezone) ?? TimeZone(identifier: "Asia/Kolkata")!
        let c = cal.dateComponents([.year, .month, .day], from: instant)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// Trims; empty becomes nil; enforces a maximum length.
    /// Customer tags (issue 18 §5): each trimmed, lowercased, inner spaces single; 1–30 letters (any
    /// script), digits, spaces, - or _; at most 10, repeats dropped. Stored between commas.
    public static func tags(_ raw: [String]) -> Result<[String], Problem> {
        var out: [String] = []
        for t in raw {
            let tag = t.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if tag.isEmpty { continue }
            guard tag.count <= 30, tag.allSatisfy({ $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" || $0 == "_" || $0.unicodeScalars.allSatisfy { $0.properties.generalCategory == .nonspacingMark || $0.properties.generalCategory == .spacingMark } }) else {
                return .failure("each tag must be at most 30 letters, digits, spaces, - or _ (got \"\(t.prefix(40))\")")
            }
            if !out.contains(tag) { out.append(tag) }
        }
        guard out.count <= 10 else { return .failure("must be at most 10 tags") }
        return .success(out)
    }

    public static func text(_ raw: String?, max: Int) -> Result<String?, Problem> {
        guard let raw else { return .success(nil) }
        let t = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.isEmpty { return .success(nil) }
        if t.count > max { return .failure("must be at most \(max) characters") }
        return .success(t)
    }
}

/// Collects field problems and throws one 422 naming them all.
public struct FieldErrors {
    public var fields: [String: String] = [:]
    public init() {}

    public mutating func check<T>(_ field: String, _ result: Result<T, Problem>) -> T? {
        switch result {
        case .success(let v): return v
        case .failure(let problem): fields[field] = problem.text; return nil
        }
    }

    public mutating func add(_ field: String, _ problem: String) { fields[field] = problem }

    /// Fields whose amount or quantity lies beyond `Bounds`: the 422's code is then `amount_too_large`.
    public var tooLarge: Set<String> = []

    /// Records `field` as beyond its bound (issue 14 §1).
    public mutating func tooLarge(_ field: String, _ problem: String = "must be at most \(Bounds.maxAmountText)") {
        fields[field] = problem
        tooLarge.insert(field)
    }

    /// Checks a money input: not negative (unless `allowNegative`) and at most `Bounds.maxAmount`.
    /// Returns false when it recorded a problem.
    @discardableResult
    public mutating func amount(_ field: String, _ value: Int64, positive: Bool = false) -> Bool {
        if positive && value <= 0 { add(field, "must be greater than zero"); return false }
        if value < 0 { add(field, "must not be negative"); return false }
        if value > Bounds.maxAmount { tooLarge(field); return false }
        return true
    }

    /// Checks a quantity input against `Bounds.maxQuantity`.
    @discardableResult
    public mutating func quantity(_ field: String, _ value: Quantity) -> Bool {
        guard value.isWithinBounds else { tooLarge(field, "must be at most \(Bounds.maxQuantityUnits)"); return false }
        return true
    }

    public func throwIfAny() throws {
        if fields.isEmpty { return }
        if !tooLarge.isEmpty { throw APIError.amountTooLarge(fields) }
        throw APIError.validation(fields)
    }
}

extension APIError {
    /// 422 `amount_too_large` naming the fields (issue 14 §1): an amount, quantity or total beyond
    /// `Bounds`, or arithmetic on them that would overflow.
    public static func amountTooLarge(_ fields: [String: String]) -> APIError {
        let summary = fields.keys.sorted().map { "\($0): \(fields[$0]!)" }.joined(separator: "; ")
        return APIError(.unprocessableEntity, "amount_too_large", "Too large: \(summary)",
                        details: .object(["fields": .object(fields.mapValues { .string($0) })]))
    }

    public static func amountTooLarge(_ fields: [String]) -> APIError {
        amountTooLarge(Dictionary(fields.map { ($0, "is too large (at most \(Bounds.maxAmountText))") }, uniquingKeysWith: { a, _ in a }))
    }
}

/// What is wrong with a field, in words for the user.
public struct Problem: Error, Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    public let text: String
    public init(stringLiteral value: String) { text = value }
    public init(stringInterpolation: DefaultStringInterpolation) { text = String(stringInterpolation: stringInterpolation) }
    public init(_ text: String) { self.text = text }
}
