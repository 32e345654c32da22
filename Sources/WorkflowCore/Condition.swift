import Foundation

public enum ConditionOperator: String, Sendable, CaseIterable {
    case equal = "==", notEqual = "!=", greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<="
    case contains, startsWith = "starts_with", matches, exists, isEmpty = "is_empty", `in`

    /// `exists` and `is_empty` look at the left side only.
    public var needsRight: Bool { self != .exists && self != .isEmpty }
}

public enum ConditionError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        if case .invalid(let m) = self { return m }
        return ""
    }
}

/// A router condition: `{"all": [...]}`, `{"any": [...]}` (groups nest) or a comparison
/// `{"left": …, "op": "==", "right": …}`.
///
/// Built from JSON without ever failing: a malformed shape becomes `.invalid` so `validate()` can
/// explain it and `evaluate` refuses it, instead of a decoding error without a location.
///
/// Comparisons are type-aware. Both sides numbers (or numeric text) → numeric. Both ISO-8601 dates or
/// timestamps → chronological (a bare date is midnight in the context's timezone). Otherwise text:
/// `==`/`!=` are exact and case-sensitive (an order id "A1" is not "a1"); `contains` and `starts_with`
/// ignore case, because they are for searching what people typed; use `matches` with `(?i)` or without
/// it for anything finer.
public indirect enum Condition: Sendable, Equatable {
    case all([Condition])
    case any([Condition])
    case compare(left: JSONValue, op: String, right: JSONValue?)
    case invalid(String)

    static let maxDepth = 16

    public init(_ value: JSONValue) {
        self.init(value, depth: 0)
    }

    init(_ value: JSONValue, depth: Int) {
        guard depth < Condition.maxDepth else {
            self = .invalid("Conditions are nested more than \(Condition.maxDepth) levels deep.")
            return
        }
        guard case .object(let o) = value else {
            self = .invalid("A condition must be an object like {\"left\": …, \"op\": \"==\", \"right\": …}.")
            return
        }
        let groupKeys = ["all", "any"].filter { o[$0] != nil }
        if groupKeys.count == 1, o.count == 1 {
            let key = groupKeys[0]
            guard case .array(let items) = o[key]! else {
                self = .invalid("“\(key)” must be a list of conditions.")
                return
            }
            let children = items.map { Condition($0, depth: depth + 1) }
            self = key == "all" ? .all(children) : .any(children)
            return
        }
        if !groupKeys.isEmpty {
            self = .invalid("A group has either “all” or “any” and nothing else.")
            return
        }
        guard let left = o["left"], case .string(let op)? = o["op"] else {
            self = .invalid("A comparison needs “left” and “op” (and “right” for most operators).")
            return
        }
        let extra = Set(o.keys).subtracting(["left", "op", "right"])
        guard extra.isEmpty else {
            self = .invalid("A comparison has only “left”, “op” and “right”; remove \(extra.sorted().joined(separator: ", ")).")
            return
        }
        self = .compare(left: left, op: op, right: o["right"])
    }

    public var asJSON: JSONValue {
        switch self {
        case .all(let c): return ["all": .array(c.map(\.asJSON))]
        case .any(let c): return ["any": .array(c.map(\.asJSON))]
        case .compare(let l, let op, let r):
            var o: [String: JSONValue] = ["left": l, "op": .string(op)]
            if let r { o["right"] = r }
            return .object(o)
        case .invalid: return .null
        }
    }

    /// Problems in sentences; empty when the condition is well formed.
    public func validate() -> [String] {
        switch self {
        case .invalid(let reason): return [reason]
        case .all(let c), .any(let c):
            if c.isEmpty {
                let name = if case .all = self { "all" } else { "any" }
                return ["An “\(name)” group needs at least one condition."]
            }
            return c.flatMap { $0.validate() }
        case .compare(_, let opText, let right):
            guard let op = ConditionOperator(rawValue: opText) else {
                let ops = ConditionOperator.allCases.map(\.rawValue).joined(separator: ", ")
                return ["“\(opText)” is not an operator; use one of \(ops)."]
            }
            if op.needsRight, right == nil || right == .null {
                return ["“\(opText)” needs a value on the right."]
            }
            if !op.needsRight, let right, right != .null {
                return ["“\(opText)” looks only at the left side; remove “right”."]
            }
            if op == .in, let right, !right.isTemplate, right.arrayValue == nil {
                return ["“in” needs a list on the right, like [\"upi\", \"cash\"]."]
            }
            if op == .matches, let right {
                guard case .string(let pattern) = right else { return ["“matches” needs a regular expression as text."] }
                if !right.isTemplate {
                    do { _ = try SafeRegex(pattern) } catch { return ["\(error)"] }
                }
            }
            return []
        }
    }

    /// Whether the condition holds. Templates are resolved first; a missing variable fails the
    /// evaluation (`TemplateError.missing`) except under `exists` (false) and `is_empty` (true).
    public func evaluate(context: VariableContext) throws -> Bool {
        switch self {
        case .invalid(let reason): throw ConditionError.invalid(reason)
        case .all(let c):
            for x in c where try !x.evaluate(context: context) { return false }
            return true
        case .any(let c):
            for x in c where try x.evaluate(context: context) { return true }
            return false
        case .compare(let leftRaw, let opText, let rightRaw):
            guard let op = ConditionOperator(rawValue: opText) else {
                throw ConditionError.invalid("“\(opText)” is not an operator.")
            }
            if !op.needsRight {
                let left: JSONValue
                do {
                    left = try Template.resolve(leftRaw, context: context)
                } catch TemplateError.missing {
                    return op == .isEmpty
                }
                return op == .exists ? left != .null : left.isEmpty
            }
            guard let rightRaw else { throw ConditionError.invalid("“\(opText)” needs a value on the right.") }
            let left = try Template.resolve(leftRaw, context: context)
            let right = try Template.resolve(rightRaw, context: context)
            return try Comparison.apply(op, left, right, timeZone: context.timeZone)
        }
    }
}

extension Condition: Codable {
    public init(from decoder: Decoder) throws {
        self.init(try JSONValue(from: decoder))
    }

    public func encode(to encoder: Encoder) throws {
        try asJSON.encode(to: encoder)
    }
}

extension JSONValue {
    /// A string holding a placeholder: its real value is only known at run time.
    var isTemplate: Bool {
        if case .string(let s) = self { return Template.isTemplate(s) }
        return false
    }
}

/// The type-aware comparison rules documented on `Condition`.
enum Comparison {
    static func apply(_ op: ConditionOperator, _ left: JSONValue, _ right: JSONValue, timeZone: TimeZone) throws -> Bool {
        switch op {
        case .equal: return equal(left, right, timeZone)
        case .notEqual: return !equal(left, right, timeZone)
        case .greater: return order(left, right, timeZone) == .orderedDescending
        case .greaterOrEqual: return [.orderedDescending, .orderedSame].contains(order(left, right, timeZone))
        case .less: return order(left, right, timeZone) == .orderedAscending
        case .lessOrEqual: return [.orderedAscending, .orderedSame].contains(order(left, right, timeZone))
        case .contains:
            switch left {
            case .array(let items): return items.contains { equal($0, right, timeZone) }
            case .object(let o): return o[right.text] != nil
            case .null: return false
            default: return left.text.lowercased().contains(right.text.lowercased())
            }
        case .startsWith:
            return left.text.lowercased().hasPrefix(right.text.lowercased())
        case .matches:
            guard case .string(let pattern) = right else { throw ConditionError.invalid("“matches” needs a regular expression as text.") }
            return try SafeRegex(pattern).matches(left.text)
        case .in:
            guard case .array(let items) = right else { throw ConditionError.invalid("“in” needs a list on the right.") }
            return items.contains { equal(left, $0, timeZone) }
        case .exists: return left != .null
        case .isEmpty: return left.isEmpty
        }
    }

    static func equal(_ a: JSONValue, _ b: JSONValue, _ tz: TimeZone) -> Bool {
        if isScalar(a), isScalar(b) {
            if let r = numericOrDate(a, b, tz) { return r == .orderedSame }
            return a.text == b.text
        }
        return a == b
    }

    /// Ordering for <, >: numbers, then dates, then text. Lists and objects are not ordered (→ nil, false).
    static func order(_ a: JSONValue, _ b: JSONValue, _ tz: TimeZone) -> ComparisonResult? {
        guard isScalar(a), isScalar(b), a != .null, b != .null else { return nil }
        if let r = numericOrDate(a, b, tz) { return r }
        let x = a.text, y = b.text
        return x == y ? .orderedSame : (x < y ? .orderedAscending : .orderedDescending)
    }

    static func numericOrDate(_ a: JSONValue, _ b: JSONValue, _ tz: TimeZone) -> ComparisonResult? {
        if case .bool = a { return nil }
        if case .bool = b { return nil }
        if let x = a.intValue, let y = b.intValue, a.isIntegral, b.isIntegral {
            return x == y ? .orderedSame : (x < y ? .orderedAscending : .orderedDescending)
        }
        if let x = a.numberValue, let y = b.numberValue {
            return x == y ? .orderedSame : (x < y ? .orderedAscending : .orderedDescending)
        }
        if case .string(let s) = a, case .string(let t) = b, looksLikeDate(s), looksLikeDate(t),
           let x = ISODate.parse(s, timeZone: tz), let y = ISODate.parse(t, timeZone: tz) {
            return x == y ? .orderedSame : (x < y ? .orderedAscending : .orderedDescending)
        }
        return nil
    }

    static func isScalar(_ v: JSONValue) -> Bool {
        switch v {
        case .array, .object: return false
        default: return true
        }
    }

    /// Cheap pre-check ("dddd-dd-dd…") so ordinary text never goes through the date parser.
    static func looksLikeDate(_ s: String) -> Bool {
        let u = Array(s.utf8.prefix(10))
        guard u.count == 10, u[4] == 45, u[7] == 45 else { return false }
        return [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { u[$0] >= 48 && u[$0] <= 57 }
    }
}

extension JSONValue {
    /// An int, or integer text: compared exactly (Int64) rather than through Double.
    var isIntegral: Bool {
        switch self {
        case .int: return true
        case .string(let s): return Int64(s.trimmingCharacters(in: .whitespaces)) != nil
        default: return false
        }
    }
}

/// A regular expression that cannot hang a worker.
///
/// Backtracking engines (ICU behind NSRegularExpression) take exponential time on patterns like
/// `(a+)+$`. On Linux swift-corelibs-foundation, `.reportProgress` does call the block periodically
/// during a long match and setting `stop` ends it (verified; see the catastrophic-pattern test), so
/// matching runs under a deadline and throws when it passes. Patterns are capped at 200 characters
/// and only the first 10,000 characters of the input are searched.
public struct SafeRegex: @unchecked Sendable { // NSRegularExpression is immutable and documented thread-safe.
    public static let maxPatternLength = 200
    public static let maxInputLength = 10_000
    public static let defaultTimeLimit: Swift.Duration = .milliseconds(100)

    public enum RegexError: Error, Equatable, CustomStringConvertible {
        case tooLong
        case invalid(String)
        case timedOut(String)

        public var description: String {
            switch self {
            case .tooLong: return "A regular expression can be at most \(SafeRegex.maxPatternLength) characters."
            case .invalid(let p): return "“\(p)” is not a valid regular expression."
            case .timedOut(let p): return "The regular expression “\(p)” took too long; simplify it (avoid nested repeats like (a+)+)."
            }
        }
    }

    public let pattern: String
    private let regex: NSRegularExpression

    public init(_ pattern: String) throws {
        guard pattern.count <= SafeRegex.maxPatternLength else { throw RegexError.tooLong }
        do {
            regex = try NSRegularExpression(pattern: pattern)
        } catch {
            throw RegexError.invalid(pattern)
        }
        self.pattern = pattern
    }

    /// Whether the pattern occurs in `text` (searched, not anchored). Throws `.timedOut` past `timeLimit`.
    public func matches(_ text: String, timeLimit: Swift.Duration = SafeRegex.defaultTimeLimit) throws -> Bool {
        let input = text.count > SafeRegex.maxInputLength ? String(text.prefix(SafeRegex.maxInputLength)) : text
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeLimit)
        var found = false
        var timedOut = false
        regex.enumerateMatches(in: input, options: [.reportProgress],
                               range: NSRange(location: 0, length: (input as NSString).length)) { result, _, stop in
            if result != nil {
                found = true
                stop.pointee = true
            } else if clock.now > deadline {
                timedOut = true
                stop.pointee = true
            }
        }
        if timedOut, !found { throw RegexError.timedOut(pattern) }
        return found
    }
}

/// A router branch: the port taken when `when` holds.
public struct Branch: Sendable, Equatable {
    public var port: String
    public var when: Condition

    public init(port: String, when: Condition) {
        self.port = port
        self.when = when
    }
}

/// Picks a router's port. In App code, Vapor's `Router` protocol clashes with this name; write
/// `WorkflowCore.Router` or use the `BranchRouter` alias.
public enum Router {
    /// The branches in a router's params; entries without a text port are skipped (the validator reports them).
    public static func branches(params: JSONValue) -> [Branch] {
        guard case .array(let items)? = params["branches"] else { return [] }
        return items.compactMap { item in
            guard case .string(let port)? = item["port"] else { return nil }
            return Branch(port: port, when: Condition(item["when"] ?? .null))
        }
    }

    static func branchPorts(params: JSONValue) -> [String] {
        branches(params: params).map(\.port)
    }

    /// The first branch whose condition holds wins; otherwise "else". A condition that cannot be
    /// evaluated (missing variable, regex timeout) throws, so the step fails and can take its error port.
    public static func choosePort(branches: [Branch], context: VariableContext) throws -> String {
        for b in branches where try b.when.evaluate(context: context) { return b.port }
        return "else"
    }

    public static func choosePort(params: JSONValue, context: VariableContext) throws -> String {
        try choosePort(branches: branches(params: params), context: context)
    }
}

public typealias BranchRouter = Router

/// The text filters of a `message/received` trigger.
public enum MessageTriggerFilter {
    /// True when `text` passes the trigger's `contains` (case-insensitive) and `regex` params; absent
    /// filters pass. Throws only for a regex that is invalid or too slow.
    public static func matches(text: String, params: JSONValue) throws -> Bool {
        if case .string(let needle)? = params["contains"], !needle.isEmpty,
           !text.lowercased().contains(needle.lowercased()) {
            return false
        }
        if case .string(let pattern)? = params["regex"], !pattern.isEmpty {
            return try SafeRegex(pattern).matches(text)
        }
        return true
    }
}
