import Foundation

/// A quantity in thousandths of the product's unit (DESIGN §3: 2.5 kg = 2500).
/// On the wire it is a JSON number with at most three decimals.
public struct Quantity: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var thousandths: Int64

    public init(thousandths: Int64) { self.thousandths = thousandths }
    public init(units: Int64) { self.thousandths = units * 1000 }

    public static let zero = Quantity(thousandths: 0)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        // Decimal keeps "2.345" exact, where Double would not.
        let d = try c.decode(Decimal.self)
        var scaled = d * 1000
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must have at most 3 decimals")
        }
        guard let v = Int64(exactly: NSDecimalNumber(decimal: rounded).doubleValue), abs(v) < 1_000_000_000_000_000 else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "is too large")
        }
        self.thousandths = v
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
        let frac = abs(thousandths % 1000)
        if frac == 0 { return "\(whole)" }
        var f = String(format: "%03d", frac)
        while f.hasSuffix("0") { f.removeLast() }
        return "\(thousandths < 0 && whole == 0 ? "-" : "")\(whole).\(f)"
    }

    public static func < (a: Quantity, b: Quantity) -> Bool { a.thousandths < b.thousandths }
}

/// Money arithmetic on integer paise (never Double).
public enum Money {
    /// quantity (thousandths) × unit price (paise) → paise, rounded half away from zero.
    public static func lineAmount(quantity: Quantity, unitPrice: Int64) -> Int64 {
        divideRounded(quantity.thousandths * unitPrice, by: 1000)
    }

    /// amount × rate (basis points: 1800 = 18%) → paise, rounded half away from zero.
    public static func tax(on amount: Int64, basisPoints: Int64) -> Int64 {
        divideRounded(amount * basisPoints, by: 10_000)
    }

    public static func divideRounded(_ n: Int64, by d: Int64) -> Int64 {
        let q = n / d, r = n % d
        if abs(r) * 2 >= d { return q + (n >= 0 ? 1 : -1) }
        return q
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

/// A GST rate carried as basis points (1800 = 18%); on the wire a percent number (18, 0.25).
public struct GSTRate: Codable, Sendable, Hashable {
    public var basisPoints: Int64
    public init(basisPoints: Int64) { self.basisPoints = basisPoints }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let d = try c.decode(Decimal.self)
        var scaled = d * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled, let bp = Int64(exactly: NSDecimalNumber(decimal: rounded).doubleValue), (0...10_000).contains(bp) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be a percentage between 0 and 100 with at most 2 decimals")
        }
        basisPoints = bp
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if basisPoints % 100 == 0 { try c.encode(basisPoints / 100) } else { try c.encode(Decimal(basisPoints) / 100) }
    }
}
