import Foundation

/// What `{{…}}` placeholders can see while one step runs (DESIGN §7 "Variables").
public struct VariableContext: Sendable, Equatable {
    /// The trigger's payload (webhook body, message fields, ledger event fields…).
    public var trigger: JSONValue
    /// Outputs of finished steps by node id: only the running node's ancestors (see `Planner`).
    public var steps: [String: JSONValue]
    /// The business profile: name, phone, whatsapp_number, address, gstin, upi_id, timezone, hours.
    public var business: JSONValue
    /// The business's timezone: date-only values ("2025-01-31") in conditions mean midnight here.
    public var timeZone: TimeZone

    public init(trigger: JSONValue = [:], steps: [String: JSONValue] = [:], business: JSONValue = [:],
                timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.trigger = trigger
        self.steps = steps
        self.business = business
        self.timeZone = timeZone
    }

    /// The value at a variable path ("trigger.amount", "steps.link.short_url", "business.name").
    /// Null counts as absent, so a message never says "null" where a phone number should be.
    public func lookup(_ path: String) -> JSONValue? {
        guard let ref = VariableRef(path) else { return nil }
        let found: JSONValue?
        switch ref.root {
        case .trigger: found = trigger.path(ref.rest)
        case .business: found = business.path(ref.rest)
        case .steps:
            guard let id = ref.stepID, let out = steps[id] else { return nil }
            found = out.path(ref.rest)
        }
        return found == .null ? nil : found
    }
}

public enum TemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A referenced value does not exist at run time; the step fails with the variable's name.
    case missing(variable: String)
    /// `{{` without `}}`, or `{{ }}` with nothing inside.
    case malformed(String)
    /// `{{x | foo}}` with a filter we do not have.
    case unknownFilter(String)
    /// `{{x | rupees}}` where x is not a whole number of paise.
    case notAnAmount(variable: String)

    public var description: String {
        switch self {
        case .missing(let v): return "The value {{\(v)}} is missing."
        case .malformed(let s): return "A placeholder is not closed or is empty: “\(s)”."
        case .unknownFilter(let f): return "“\(f)” is not a template filter; the only one is “rupees”."
        case .notAnAmount(let v): return "{{\(v)}} is not a whole number of paise, so it can't be shown in rupees."
        }
    }
}

/// The parts of a variable path. Roots are fixed so a typo ("{{trigerr.x}}") is caught at validation.
public struct VariableRef: Sendable, Equatable {
    public enum Root: String, Sendable { case trigger, steps, business }
    public var root: Root
    /// For `steps.<id>.…`, the node id.
    public var stepID: String?
    /// The path under the root (or under the step): "amount", "short_url", "contact.name"; "" for all of it.
    public var rest: String

    public init?(_ path: String) {
        var parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let root = Root(rawValue: first) else { return nil }
        parts.removeFirst()
        if parts.contains(where: \.isEmpty) { return nil }
        self.root = root
        if root == .steps {
            guard !parts.isEmpty else { return nil }
            stepID = parts.removeFirst()
        }
        rest = parts.joined(separator: ".")
    }

    /// The first path segment under the root/step ("contact" for "trigger.contact.name"), nil when empty.
    public var firstSegment: String? {
        rest.isEmpty ? nil : String(rest.split(separator: ".", maxSplits: 1)[0])
    }
}

/// Names templates can use under `business.`.
public enum Variables {
    public static let businessFields = ["name", "phone", "whatsapp_number", "address", "gstin", "upi_id", "timezone", "hours"]
    /// Filters after a `|`: `rupees` formats paise as Indian rupees ("{{trigger.amount | rupees}}" → "₹1,23,456.50").
    public static let filters = ["rupees"]
}

/// `{{…}}` placeholders in params: parsing, resolving, listing.
public enum Template {
    /// One piece of a template string.
    enum Segment: Equatable {
        case text(String)
        case placeholder(path: String, filter: String?)
    }

    /// Splits a string into text and placeholders. Whitespace inside the braces is ignored.
    static func parse(_ s: String) throws -> [Segment] {
        guard s.contains("{{") else { return [.text(s)] }
        var segments: [Segment] = []
        var rest = Substring(s)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw TemplateError.malformed(String(rest[open.lowerBound...].prefix(40)))
            }
            // "{{{x}}}" and "{ {{x}}": the placeholder is the innermost "{{" before the "}}"; braces before it are text.
            let start = rest[open.lowerBound..<close.lowerBound].range(of: "{{", options: .backwards)!
            if rest[open.lowerBound..<start.lowerBound].contains("{{") {
                throw TemplateError.malformed(String(rest[open.lowerBound..<close.upperBound].prefix(40)))
            }
            if start.lowerBound > rest.startIndex { segments.append(.text(String(rest[..<start.lowerBound]))) }
            let inner = rest[start.upperBound..<close.lowerBound]
            var pieces = inner.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let path = pieces.removeFirst()
            let filter = pieces.first
            guard !path.isEmpty, !path.contains("{"), filter.map({ !$0.isEmpty }) ?? true else {
                throw TemplateError.malformed("{{\(inner)}}")
            }
            if let filter, !Variables.filters.contains(filter) { throw TemplateError.unknownFilter(filter) }
            segments.append(.placeholder(path: path, filter: filter))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { segments.append(.text(String(rest))) }
        return segments
    }

    /// Resolves every placeholder in `value`, walking arrays and objects. A string that is exactly one
    /// placeholder takes the referenced value's JSON type (so `"amount": "{{trigger.amount}}"` stays a
    /// number); placeholders inside longer text are rendered with `JSONValue.text`. A missing value throws
    /// `TemplateError.missing` — literal placeholder text never reaches an outgoing message.
    public static func resolve(_ value: JSONValue, context: VariableContext) throws -> JSONValue {
        switch value {
        case .string(let s): return try resolve(string: s, context: context)
        case .array(let a): return .array(try a.map { try resolve($0, context: context) })
        case .object(let o): return .object(try o.mapValues { try resolve($0, context: context) })
        default: return value
        }
    }

    /// Resolves placeholders in one string (see `resolve(_:context:)`).
    public static func resolve(string s: String, context: VariableContext) throws -> JSONValue {
        let segments = try parse(s)
        if segments.count == 1, case .placeholder(let path, let filter) = segments[0] {
            return try value(path: path, filter: filter, context: context)
        }
        var out = ""
        for segment in segments {
            switch segment {
            case .text(let t): out += t
            case .placeholder(let path, let filter): out += try value(path: path, filter: filter, context: context).text
            }
        }
        return .string(out)
    }

    /// Text form of `resolve(string:)`, for message bodies.
    public static func interpolate(_ s: String, context: VariableContext) throws -> String {
        try resolve(string: s, context: context).text
    }

    private static func value(path: String, filter: String?, context: VariableContext) throws -> JSONValue {
        guard let v = context.lookup(path) else { throw TemplateError.missing(variable: path) }
        switch filter {
        case nil: return v
        case "rupees":
            guard let paise = v.intValue else { throw TemplateError.notAnAmount(variable: path) }
            return .string(Money.rupees(paise))
        default: throw TemplateError.unknownFilter(filter!)
        }
    }

    /// Every placeholder path in `value` (filters stripped), in order of first appearance, once each.
    /// Malformed placeholders are skipped here; `problems(in:)` reports them.
    public static func references(in value: JSONValue) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        walkStrings(value) { s in
            guard let segments = try? parse(s) else { return }
            for case .placeholder(let path, _) in segments where seen.insert(path).inserted { out.append(path) }
        }
        return out
    }

    /// Template syntax problems in `value` (unclosed or empty placeholders, unknown filters).
    public static func problems(in value: JSONValue) -> [TemplateError] {
        var out: [TemplateError] = []
        walkStrings(value) { s in
            do { _ = try parse(s) } catch let e as TemplateError { out.append(e) } catch {}
        }
        return out
    }

    /// Whether a string contains a placeholder, i.e. its real value is only known at run time.
    public static func isTemplate(_ s: String) -> Bool { s.contains("{{") }

    static func walkStrings(_ value: JSONValue, _ body: (String) -> Void) {
        switch value {
        case .string(let s): body(s)
        case .array(let a): a.forEach { walkStrings($0, body) }
        case .object(let o): o.keys.sorted().forEach { walkStrings(o[$0]!, body) }
        default: break
        }
    }
}

/// Money display for templates (DESIGN §3: paise in data, Indian grouping on screen).
public enum Money {
    /// 12345650 → "₹1,23,456.50"; whole rupees drop the paise ("₹500").
    public static func rupees(_ paise: Int64) -> String {
        let negative = paise < 0
        let magnitude = paise.magnitude
        let whole = magnitude / 100, fraction = magnitude % 100
        var digits = String(whole)
        var grouped = ""
        if digits.count > 3 {
            grouped = "," + String(digits.suffix(3))
            digits.removeLast(3)
            while digits.count > 2 {
                grouped = "," + String(digits.suffix(2)) + grouped
                digits.removeLast(2)
            }
        }
        grouped = digits + grouped
        let paisePart = fraction == 0 ? "" : "." + (fraction < 10 ? "0" : "") + String(fraction)
        return (negative ? "-" : "") + "₹" + grouped + paisePart
    }
}
