/// Overflow-safe conversions from the parser's `Double` numbers to integer paise and quantities
/// (issue 14 §1: "sold 5 bags cement to X at 99999999999999999" used to trap and take the server down).
///
/// The parser never traps on a number. A value that is not finite, or whose integer form does not fit
/// in `Int64`, is not turned into an amount or a quantity at all: it is treated as absent, so the
/// conversation asks for it again. A value that fits `Int64` but exceeds Munim's bounds (₹1,000 crore
/// for an amount, 1,000,000,000 units for a quantity) is passed through unchanged; the App layer answers
/// 422 `amount_too_large` / `quantity_too_large` for it, so the user hears why.
enum SafeNumbers {
    /// 2^63: the first `Double` above `Int64.max` (`Double(Int64.max)` rounds up to it).
    static let int64Limit: Double = 9_223_372_036_854_775_808.0

    /// `d` rounded to the nearest integer (halves away from zero) when that integer fits in `Int64`;
    /// nil for NaN, ±infinity and anything at or beyond ±2^63.
    static func int64(rounding d: Double) -> Int64? {
        guard d.isFinite else { return nil }
        let r = d.rounded(.toNearestOrAwayFromZero)
        guard r >= -int64Limit, r < int64Limit else { return nil }
        return Int64(r)
    }

    /// Rupees → paise, or nil when not representable.
    static func paise(rupees: Double) -> Int64? {
        guard rupees.isFinite else { return nil }
        return int64(rounding: rupees * 100)
    }

    /// A quantity is representable when it is finite and its thousandths (the ledger's unit, DESIGN §3)
    /// fit in `Int64`.
    static func isRepresentableQuantity(_ q: Double) -> Bool {
        guard q.isFinite else { return false }
        return int64(rounding: q * 1000) != nil
    }

    /// `q` when representable, else nil.
    static func quantity(_ q: Double) -> Double? {
        isRepresentableQuantity(q) ? q : nil
    }
}
