import Foundation

/// A standard five-field cron expression: minute hour day-of-month month day-of-week.
///
/// Supports `*`, lists, ranges, steps (`*/15`, `1-5/2`, `5/10`), month and weekday names (JAN, MON),
/// 0 and 7 for Sunday, and the @hourly/@daily/@weekly/@monthly/@yearly shorthands. When both
/// day-of-month and day-of-week are restricted, a day matching either one fires (the classic cron
/// rule); a field counts as restricted when it does not start with `*`.
///
/// Times are wall-clock times in the schedule's timezone. Across DST changes each wall-clock time
/// fires once: a repeated hour fires on its first occurrence, a skipped time moves forward by the gap
/// (see `CivilDate.instant(forLocal:in:)`).
public struct CronExpression: Sendable, Equatable {
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            if case .invalid(let m) = self { return m }
            return ""
        }
    }

    public let text: String
    let minutes: [Int]
    let hours: [Int]
    let daysOfMonth: Set<Int>
    let months: [Int]
    let daysOfWeek: Set<Int>
    let domRestricted: Bool
    let dowRestricted: Bool

    /// How far ahead `next` looks before deciding an expression never fires again.
    static let horizonYears = 30

    public init(_ text: String) throws {
        self.text = text
        var fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if fields.count == 1, let macro = CronExpression.macros[fields[0].lowercased()] {
            fields = macro.split(separator: " ").map(String.init)
        }
        guard fields.count == 5 else {
            throw ParseError.invalid(
                "A cron expression has 5 fields (minute hour day month weekday), like “0 10 * * *”; this one has \(fields.count).")
        }
        minutes = try CronExpression.field(fields[0], name: "minute", range: 0...59, names: [:]).sorted()
        hours = try CronExpression.field(fields[1], name: "hour", range: 0...23, names: [:]).sorted()
        daysOfMonth = try CronExpression.field(fields[2], name: "day of month", range: 1...31, names: [:])
        months = try CronExpression.field(fields[3], name: "month", range: 1...12, names: CronExpression.monthNames).sorted()
        let dow = try CronExpression.field(fields[4], name: "weekday", range: 0...7, names: CronExpression.dayNames)
        daysOfWeek = Set(dow.map { $0 % 7 })
        domRestricted = !fields[2].hasPrefix("*")
        dowRestricted = !fields[4].hasPrefix("*")
        // "0 0 30 2 *" parses but can never fire; say so now rather than scheduling nothing forever.
        if !dowRestricted || !domRestricted {
            let possible = months.contains { m in daysOfMonth.contains { $0 <= CivilDate.daysIn(year: 2000, month: m) } }
            if !possible { throw ParseError.invalid("“\(text)” never fires: no month in it has that day.") }
        }
    }

    static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                             "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]
    static let dayNames = ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]

    static func field(_ text: String, name: String, range: ClosedRange<Int>, names: [String: Int]) throws -> Set<Int> {
        func bad(_ why: String) -> ParseError { .invalid("The \(name) field “\(text)” \(why)") }
        func value(_ s: Substring) throws -> Int {
            if let n = Int(s) {
                guard range.contains(n) else { throw bad("has \(n); use \(range.lowerBound)–\(range.upperBound).") }
                return n
            }
            if let n = names[s.lowercased()] { return n }
            throw bad("has “\(s)”, which is not a number\(names.isEmpty ? "" : " or a name").")
        }
        var result = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw bad("has an empty list item.") }
            let stepSplit = part.split(separator: "/", omittingEmptySubsequences: false)
            guard stepSplit.count <= 2 else { throw bad("has more than one “/”.") }
            var step = 1
            if stepSplit.count == 2 {
                guard let s = Int(stepSplit[1]), s > 0, s <= range.upperBound else { throw bad("has a bad step “\(stepSplit[1])”.") }
                step = s
            }
            let base = stepSplit[0]
            var lo: Int, hi: Int
            if base == "*" {
                lo = range.lowerBound; hi = range.upperBound
                if name == "weekday" { hi = 6 } // 7 is only an alias of Sunday
            } else if let dash = base.firstIndex(of: "-") {
                lo = try value(base[..<dash])
                hi = try value(base[base.index(after: dash)...])
                guard lo <= hi else { throw bad("has a range that runs backwards.") }
            } else {
                lo = try value(base)
                // "5/10" means from 5 to the end in steps of 10.
                hi = stepSplit.count == 2 ? (name == "weekday" ? 6 : range.upperBound) : lo
            }
            for v in stride(from: lo, through: hi, by: step) { result.insert(v) }
        }
        return result
    }

    func dayMatches(year: Int, month: Int, day: Int) -> Bool {
        let dom = daysOfMonth.contains(day)
        let dow = daysOfWeek.contains(CivilDate.weekday(year: year, month: month, day: day))
        switch (domRestricted, dowRestricted) {
        case (true, true): return dom || dow
        case (true, false): return dom
        case (false, true): return dow
        case (false, false): return true
        }
    }

    // MARK: Wall-clock search (no timezone)

    /// The first matching wall-clock minute strictly after `local` (local seconds), skipping whole
    /// months, days and hours that cannot match.
    func nextLocal(after local: Int64) -> Int64? {
        let start = CivilDate(seconds: (CivilDate.floorDiv(local, 60) + 1) * 60)
        var y = start.year, mo = start.month, d = start.day, h = start.hour, mi = start.minute
        let lastYear = y + CronExpression.horizonYears
        while y <= lastYear {
            guard let m2 = months.first(where: { $0 >= mo }) else {
                y += 1; mo = 1; d = 1; h = 0; mi = 0
                continue
            }
            if m2 != mo { mo = m2; d = 1; h = 0; mi = 0 }
            let dim = CivilDate.daysIn(year: y, month: mo)
            while d <= dim, !dayMatches(year: y, month: mo, day: d) { d += 1; h = 0; mi = 0 }
            if d > dim {
                mo += 1; d = 1; h = 0; mi = 0
                if mo > 12 { y += 1; mo = 1 }
                continue
            }
            guard let h2 = hours.first(where: { $0 >= h }) else {
                d += 1; h = 0; mi = 0
                if d > dim { mo += 1; d = 1; if mo > 12 { y += 1; mo = 1 } }
                continue
            }
            if h2 != h { h = h2; mi = 0 }
            guard let m = minutes.first(where: { $0 >= mi }) else {
                h += 1; mi = 0
                if h > 23 { h = 0; d += 1; if d > dim { mo += 1; d = 1; if mo > 12 { y += 1; mo = 1 } } }
                continue
            }
            return CivilDate.seconds(year: y, month: mo, day: d, hour: h, minute: m)
        }
        return nil
    }

    /// The last matching wall-clock minute strictly before `local` (local seconds).
    func previousLocal(before local: Int64) -> Int64? {
        let start = CivilDate(seconds: (CivilDate.floorDiv(local - 1, 60)) * 60)
        var y = start.year, mo = start.month, d = start.day, h = start.hour, mi = start.minute
        let firstYear = y - CronExpression.horizonYears
        func previousMonth() {
            mo -= 1
            if mo < 1 { y -= 1; mo = 12 }
            d = CivilDate.daysIn(year: y, month: mo); h = 23; mi = 59
        }
        while y >= firstYear {
            guard let m2 = months.last(where: { $0 <= mo }) else {
                y -= 1; mo = 12; d = 31; h = 23; mi = 59
                continue
            }
            if m2 != mo { mo = m2; d = CivilDate.daysIn(year: y, month: mo); h = 23; mi = 59 }
            d = min(d, CivilDate.daysIn(year: y, month: mo))
            while d >= 1, !dayMatches(year: y, month: mo, day: d) { d -= 1; h = 23; mi = 59 }
            if d < 1 { previousMonth(); continue }
            guard let h2 = hours.last(where: { $0 <= h }) else {
                d -= 1; h = 23; mi = 59
                if d < 1 { previousMonth() }
                continue
            }
            if h2 != h { h = h2; mi = 59 }
            guard let m = minutes.last(where: { $0 <= mi }) else {
                h -= 1; mi = 59
                if h < 0 { h = 23; d -= 1; if d < 1 { previousMonth() } }
                continue
            }
            return CivilDate.seconds(year: y, month: mo, day: d, hour: h, minute: m)
        }
        return nil
    }

    // MARK: Instants

    /// Wall-clock candidates are scanned this far around the answer: DST shifts are at most two hours,
    /// so mapping candidates to instants can only reorder them within that window.
    static let dstWindow: Int64 = 3 * 3600

    /// True when `timeZone` keeps one UTC offset across `t ± dstWindow`: wall-clock order and instant
    /// order agree there, so the search can stop at the first candidate (the common case).
    static func steady(_ timeZone: TimeZone, around t: Int64) -> Bool {
        func offset(_ x: Int64) -> Int { timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(x))) }
        return offset(t - dstWindow) == offset(t + dstWindow)
    }

    /// The first tick strictly after `date`, or nil if none within 30 years.
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        let t = Int64(date.timeIntervalSince1970.rounded(.down))
        let local = CivilDate.local(t, in: timeZone)
        var cursor = CronExpression.steady(timeZone, around: t) ? local - 60 : local - CronExpression.dstWindow
        var best: Int64?
        var firstHit: Int64?
        while let candidate = nextLocal(after: cursor) {
            if let firstHit, candidate > firstHit + CronExpression.dstWindow { break }
            let instant = CivilDate.instant(forLocal: candidate, in: timeZone)
            if Double(instant) > date.timeIntervalSince1970 {
                best = min(best ?? instant, instant)
                if firstHit == nil {
                    firstHit = candidate
                    if CronExpression.steady(timeZone, around: instant) { break }
                }
            }
            cursor = candidate
        }
        return best.map { Date(timeIntervalSince1970: Double($0)) }
    }

    /// The most recent tick `t` with `after < t <= upTo`, or nil. After downtime the scheduler runs this
    /// one tick instead of every missed one.
    public func latest(in range: (after: Date, upTo: Date), timeZone: TimeZone) -> Date? {
        let after = range.after.timeIntervalSince1970, upTo = range.upTo.timeIntervalSince1970
        guard upTo > after else { return nil }
        let top = Int64(upTo.rounded(.down))
        let local = CivilDate.local(top, in: timeZone)
        var cursor = CronExpression.steady(timeZone, around: top) ? local + 60 : local + CronExpression.dstWindow + 60
        var best: Int64?
        var firstHit: Int64?
        while let candidate = previousLocal(before: cursor) {
            if let firstHit, candidate < firstHit - CronExpression.dstWindow { break }
            let instant = CivilDate.instant(forLocal: candidate, in: timeZone)
            if firstHit == nil, Double(instant) < after - Double(CronExpression.dstWindow) {
                break // well before the range: nothing earlier in wall-clock time can be inside it
            }
            if Double(instant) <= upTo, Double(instant) > after {
                best = max(best ?? instant, instant)
                if firstHit == nil {
                    firstHit = candidate
                    if CronExpression.steady(timeZone, around: instant) { break }
                }
            }
            cursor = candidate
        }
        return best.map { Date(timeIntervalSince1970: Double($0)) }
    }
}
