import Foundation

// Money and quantities as integers (DESIGN §3), and the bounds every input is held to (issue 14 §1).
// Pure Swift with no server: the API, the reports, the assistant and the fuzz target share it.
//
// No arithmetic here may trap. Every multiplication and sum reports overflow, and overflow becomes
// `AmountTooLarge` naming the field. The HTTP layer turns that into a 422 `amount_too_large`.

/// The documented limits of money and quantity inputs (README "Limits").
public enum Bounds {
    /// ₹1,000 crore in paise: the largest price, amount, discount or invoice total Munim accepts.
    public static let maxAmount: Int64 = 100_000_000_000
    /// The largest quantity in units (10^9), and the same in thousandths.
    public static let maxQuantityUnits: Int64 = 1_000_000_000
    public static let maxQuantity: Int64 = maxQuantityUnits * 1000
    /// GST rates run from 0 to 40 percent (the highest slab), in basis points.
    public static let maxGSTBasisPoints: Int64 = 4000

    /// "₹1,000 crore": how the amount bound reads in messages.
    public static let maxAmountText = "₹1,000 crore (100000000000 paise)"
}

/// An amount or quantity beyond `Bounds`, or an arithmetic step that would overflow.
public struct AmountTooLarge: Error, Sendable, Equatable, CustomStringConvertible {
    /// The API field the value came from (`items[0].unit_price`, `amount`, `total` …).
    public let field: String
    public init(field: String) { self.field = field }
    public var description: String { "\(field) is too large (at most \(Bounds.maxAmountText))" }
}

/// A quantity in thousandths of the product's unit (DESIGN §3: 2.5 kg = 2500).
/// On the wire it is a JSON number with at most three decimals.
public struct Quantity: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var thousandths: Int64

    public init(thousandths: Int64) { self.thousandths = thousandths }

    /// Whole units; nil when the thousandths would not fit.
    public init?(units: Int64) {
        let (v, overflow) = units.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return nil }
        self.thousandths = v
    }

    /// A quantity from a Double (the assistant's numbers), rounded to thousandths; nil when the
    /// value is not finite or lies beyond ±`Bounds.maxQuantityUnits`.
    public init?(exactly units: Double) {
        guard units.isFinite, abs(units) <= Double(Bounds.maxQuantityUnits) else { return nil }
        self.thousandths = Int64((units * 1000).rounded())
    }

    public static let zero = Quantity(thousandths: 0)

    /// True when the quantity lies within 0…`Bounds.maxQuantity` (negative ones are the caller's
    /// "must not be negative" check).
    public var isWithinBounds: Bool { thousandths <= Bounds.maxQuantity }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        // Decimal keeps "2.345" exact, where Double would not.
        let d = try c.decode(Decimal.self)
        guard let t = Quantity.thousandths(d) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must have at most 3 decimals")
        }
        guard abs(t) <= Bounds.maxQuantity else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be at most \(Bounds.maxQuantityUnits)")
        }
        self.thousandths = t
    }

    /// `d` × 1000 as an integer, or nil when it has more than three decimals, is NaN, or does not
    /// fit an Int64. Checks the magnitude before converting, so nothing here can trap.
    static func thousandths(_ d: Decimal) -> Int64? {
        guard !d.isNaN else { return nil }
        // Beyond ±10^15 units the value is out of bounds anyway; say so without converting.
        if d.magnitude > Decimal(1_000_000_000_000_000) { return Int64.max }
        var scaled = d * 1000
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled else { return nil }
        // Below 10^18 in magnitude, Int64(exactly:) via the exact integer string is safe.
        return Int64(NSDecimalNumber(decimal: rounded).stringValue)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if thousandths % 1000 == 0 {
            try c.encode(thousandths / 1000)
        } else {
            try c.encode(Decimal(thousandths) / 1000)
        }
    }

    public var description: String {
        let whole = thousandths / 1000
        let frac = (thousandths % 1000).magnitude
        if frac == 0 { return "\(whole)" }
        var f = String(format: "%03d", Int(frac))
        while f.hasSuffix("0") { f.removeLast() }
        return "\(thousandths < 0 && whole == 0 ? "-" : "")\(whole).\(f)"
    }

    public static func < (a: Quantity, b: Quantity) -> Bool { a.thousandths < b.thousandths }
}

/// Money arithmetic on integer paise (never Double), overflow-checked.
public enum Money {
    /// quantity (thousandths) × unit price (paise) → paise, rounded half away from zero;
    /// nil when the product does not fit an Int64.
    public static func lineAmount(quantity: Quantity, unitPrice: Int64) -> Int64? {
        let (product, overflow) = quantity.thousandths.multipliedReportingOverflow(by: unitPrice)
        guard !overflow else { return nil }
        return divideRounded(product, by: 1000)
    }

    /// amount × rate (basis points: 1800 = 18%) → paise, rounded half away from zero; nil on overflow.
    public static func tax(on amount: Int64, basisPoints: Int64) -> Int64? {
        let (product, overflow) = amount.multipliedReportingOverflow(by: basisPoints)
        guard !overflow else { return nil }
        return divideRounded(product, by: 10_000)
    }

    /// GST on a taxable value by head (issue 17 §2). Within the state CGST and SGST are each half
    /// the rate on the value, each rounded on its own, so they are always equal (splitting a
    /// rounded total printed ₹688.17 beside ₹688.18); across states one IGST amount. Nil on overflow.
    public static func gst(on taxable: Int64, basisPoints bp: Int64, interState: Bool) -> GSTHeads? {
        if interState { return tax(on: taxable, basisPoints: bp).map { GSTHeads(cgst: 0, sgst: 0, igst: $0) } }
        let (product, overflow) = taxable.multipliedReportingOverflow(by: bp)
        guard !overflow else { return nil }
        let half = divideRounded(product, by: 20_000)
        guard !half.multipliedReportingOverflow(by: 2).overflow else { return nil }
        return GSTHeads(cgst: half, sgst: half, igst: 0)
    }

    /// Splits a GST-inclusive amount (what the customer pays for a line) into its taxable value and
    /// tax heads so that taxable + tax equals the amount exactly (issue 17 §2). The taxable value is
    /// amount × 10000 ÷ (10000 + rate), rounded; when rounding the heads of that value would not add
    /// back to the amount, the neighbouring paise are tried (one of them almost always fits), and
    /// failing that the taxable value takes the difference. Nil on overflow.
    public static func inclusiveSplit(_ amount: Int64, basisPoints bp: Int64, interState: Bool) -> (taxable: Int64, heads: GSTHeads)? {
        guard bp > 0 else { return (amount, GSTHeads(cgst: 0, sgst: 0, igst: 0)) }
        let (scaled, overflow) = amount.multipliedReportingOverflow(by: 10_000)
        guard !overflow else { return nil }
        let first = divideRounded(scaled, by: 10_000 + bp)
        for candidate in [first, first - 1, first + 1, first - 2, first + 2] where candidate >= 0 {
            guard let heads = gst(on: candidate, basisPoints: bp, interState: interState) else { return nil }
            if candidate + heads.total == amount { return (candidate, heads) }
        }
        guard let heads = gst(on: first, basisPoints: bp, interState: interState) else { return nil }
        return (amount - heads.total, heads)
    }

    /// amount × part ÷ whole, rounded half away from zero, in full width so no product can
    /// overflow (a credit note's share of a line: 10^11 paise × 10^12 thousandths). For
    /// 0 ≤ part ≤ whole, 0 < whole, the result lies between 0 and amount.
    public static func proportion(_ amount: Int64, part: Int64, of whole: Int64) -> Int64 {
        precondition(whole > 0 && part >= 0 && part <= whole, "proportion needs 0 ≤ part ≤ whole, whole > 0")
        if part == whole { return amount }
        let negative = amount < 0
        let product = amount.magnitude.multipliedFullWidth(by: part.magnitude)
        let (q, r) = whole.magnitude.dividingFullWidth(product)
        let rounded = r * 2 >= whole.magnitude ? q + 1 : q
        return negative ? -Int64(rounded) : Int64(rounded)
    }

    /// n ÷ d rounded half away from zero, for d > 0. Cannot trap: |n % d| < d and the quotient's
    /// magnitude is below Int64.max when d > 1.
    public static func divideRounded(_ n: Int64, by d: Int64) -> Int64 {
        precondition(d > 1, "divideRounded needs a divisor above 1")
        let q = n / d, r = n % d
        if r.magnitude * 2 >= d.magnitude { return q + (n >= 0 ? 1 : -1) }
        return q
    }

    /// a + b, or `AmountTooLarge(field)` when the sum overflows.
    public static func add(_ a: Int64, _ b: Int64, field: String) throws(AmountTooLarge) -> Int64 {
        let (s, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw AmountTooLarge(field: field) }
        return s
    }

    /// a − b, or `AmountTooLarge(field)` when the difference overflows.
    public static func subtract(_ a: Int64, _ b: Int64, field: String) throws(AmountTooLarge) -> Int64 {
        let (s, overflow) = a.subtractingReportingOverflow(b)
        guard !overflow else { throw AmountTooLarge(field: field) }
        return s
    }

    /// Σ values, overflow-checked.
    public static func sum<S: Sequence>(_ values: S, field: String) throws(AmountTooLarge) -> Int64 where S.Element == Int64 {
        var total: Int64 = 0
        for v in values { total = try add(total, v, field: field) }
        return total
    }

    /// `value` itself when it lies within ±`Bounds.maxAmount`, else `AmountTooLarge(field)`.
    @discardableResult
    public static func bounded(_ value: Int64, field: String) throws(AmountTooLarge) -> Int64 {
        guard value.magnitude <= UInt64(Bounds.maxAmount) else { throw AmountTooLarge(field: field) }
        return value
    }

    /// Paise from a rupee amount held as a Double (the assistant's numbers); nil when not finite
    /// or beyond ±`Bounds.maxAmount`.
    public static func paise(rupees: Double) -> Int64? {
        guard rupees.isFinite, abs(rupees) * 100 <= Double(Bounds.maxAmount) else { return nil }
        return Int64((rupees * 100).rounded())
    }

    /// ₹1,23,456.50 — Indian digit grouping (for the CLI and logs; the UI has its own).
    public static func format(_ paise: Int64) -> String {
        let negative = paise < 0
        let p = paise.magnitude
        let rupees = String(p / 100)
        let fraction = String(format: "%02d", Int(p % 100))
        var grouped = ""
        if rupees.count > 3 {
            let head = rupees.dropLast(3), tail = rupees.suffix(3)
            var h = String(head), parts: [String] = []
            while h.count > 2 { parts.insert(String(h.suffix(2)), at: 0); h = String(h.dropLast(2)) }
            if !h.isEmpty { parts.insert(h, at: 0) }
            grouped = parts.joined(separator: ",") + "," + tail
        } else {
            grouped = rupees
        }
        return (negative ? "-" : "") + "₹" + grouped + "." + fraction
    }
}

/// A GST rate carried as basis points (1800 = 18%); on the wire a percent number (18, 0.25)
/// between 0 and 40 with at most two decimals.
public struct GSTRate: Codable, Sendable, Hashable {
    public var basisPoints: Int64
    public init(basisPoints: Int64) { self.basisPoints = basisPoints }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let d = try c.decode(Decimal.self)
        guard let bp = GSTRate.basisPoints(d) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be a percentage between 0 and 40 with at most 2 decimals")
        }
        basisPoints = bp
    }

    /// `percent` × 100 when it is 0…40 with at most two decimals, else nil.
    static func basisPoints(_ percent: Decimal) -> Int64? {
        guard !percent.isNaN, percent >= 0, percent <= 40 else { return nil }
        var scaled = percent * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled, let bp = Int64(NSDecimalNumber(decimal: rounded).stringValue),
              (0...Bounds.maxGSTBasisPoints).contains(bp) else { return nil }
        return bp
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if basisPoints % 100 == 0 { try c.encode(basisPoints / 100) } else { try c.encode(Decimal(basisPoints) / 100) }
    }
}

/// A running total over stored rows that remembers overflow instead of trapping. Reports use it:
/// rows written before the bounds existed may hold values whose sum does not fit, and the report
/// shows an error for that row and goes on (issue 14 §1).
public struct Tally: Sendable, Equatable {
    public private(set) var value: Int64 = 0
    public private(set) var overflowed = false

    public init() {}

    /// A tally that has already overflowed (a stored difference that did not fit).
    public static var overflow: Tally { var t = Tally(); t.overflowed = true; return t }

    public mutating func add(_ x: Int64) {
        guard !overflowed else { return }
        let (s, o) = value.addingReportingOverflow(x)
        if o { overflowed = true } else { value = s }
    }

    /// Adds another tally; an overflow in either carries over.
    public mutating func add(_ other: Tally) {
        if other.overflowed { overflowed = true } else { add(other.value) }
    }

    /// `a − b`-style differences of two tallies; nil when either overflowed or the difference does.
    public func minus(_ other: Tally) -> Int64? {
        guard !overflowed, !other.overflowed else { return nil }
        let (d, o) = value.subtractingReportingOverflow(other.value)
        return o ? nil : d
    }

    /// The total, or nil when it overflowed.
    public var checked: Int64? { overflowed ? nil : value }

    public static func += (t: inout Tally, x: Int64) { t.add(x) }
}

/// Tax by head, in paise: CGST + SGST within a state, IGST across states.
public struct GSTHeads: Equatable, Sendable {
    public let cgst: Int64
    public let sgst: Int64
    public let igst: Int64

    public init(cgst: Int64, sgst: Int64, igst: Int64) {
        self.cgst = cgst
        self.sgst = sgst
        self.igst = igst
    }

    /// Each head is at most the whole-rate tax on a bounded value, so the sum cannot overflow.
    public var total: Int64 { cgst + sgst + igst }
}
