import Foundation

/// Durations for delays and approval timeouts: "90s", "10m", "2h", "1d", "1h30m".
///
/// Not named `Duration`: that would shadow the standard library's type in every file importing this module.
public enum WDuration {
    public static let maxSeconds = 365 * 86_400

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            if case .invalid(let m) = self { return m }
            return ""
        }
    }

    /// Seconds in `text`. Units s, m, h, d (and w); parts may repeat in any order ("1h30m", "1d 2h").
    /// Zero and more than 365 days are rejected: a zero wait is a mistake, a longer one belongs to a schedule.
    public static func parse(_ text: String) throws -> Int {
        let s = text.lowercased().filter { !$0.isWhitespace }
        guard !s.isEmpty else { throw ParseError.invalid("The duration is empty; write it like 10m, 2h or 1d.") }
        var total = 0
        var number = ""
        var sawUnit = false
        for ch in s {
            if ch.isASCII, ch.isNumber {
                number.append(ch)
                continue
            }
            let unit: Int
            switch ch {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            case "w": unit = 7 * 86_400
            default: throw ParseError.invalid("“\(text)” is not a duration; write it like 90s, 10m, 2h, 1d or 1h30m.")
            }
            guard let n = Int(number), number.count <= 7 else {
                throw ParseError.invalid("“\(text)” is not a duration; write it like 90s, 10m, 2h, 1d or 1h30m.")
            }
            total += n * unit
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit else {
            throw ParseError.invalid("“\(text)” needs a unit: s, m, h or d (for example 10m).")
        }
        guard total > 0 else { throw ParseError.invalid("A duration must be longer than zero.") }
        guard total <= maxSeconds else { throw ParseError.invalid("A duration can be at most 365 days.") }
        return total
    }

    /// `parse` without the reason.
    public static func seconds(_ text: String) -> Int? { try? parse(text) }
}

/// ISO-8601 dates and timestamps as people and APIs write them: "2025-01-31", "2025-01-31T10:00",
/// "2025-01-31 10:00:05", "2025-01-31T10:00:00.250Z", "2025-01-31T10:00:00+05:30".
public enum ISODate {
    /// The instant `text` names. Text without an offset is wall-clock time in `timeZone`; a bare date is
    /// its midnight there.
    public static func parse(_ text: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> Date? {
        let b = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard b[k] >= 48, b[k] <= 57 else { return nil }
                v = v * 10 + Int(b[k] - 48)
            }
            i += n
            return v
        }
        func eat(_ c: UInt8) -> Bool {
            if i < b.count, b[i] == c { i += 1; return true }
            return false
        }
        guard let y = digits(4), eat(45), let mo = digits(2), eat(45), let d = digits(2),
              (1...12).contains(mo), (1...CivilDate.daysIn(year: y, month: mo)).contains(d) else { return nil }
        var h = 0, mi = 0, sec = 0
        var fraction = 0.0
        var offset: Int?
        if i < b.count {
            guard eat(84) || eat(116) || eat(32) else { return nil } // T, t or space
            guard let hh = digits(2), eat(58), let mm = digits(2), hh < 24, mm < 60 else { return nil }
            h = hh; mi = mm
            if eat(58) {
                guard let ss = digits(2), ss < 60 else { return nil }
                sec = ss
                if eat(46) || eat(44) {
                    let start = i
                    while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
                    guard i > start, let f = Double("0." + String(decoding: b[start..<i], as: UTF8.self)) else { return nil }
                    fraction = f
                }
            }
            if eat(90) || eat(122) { // Z
                offset = 0
            } else if i < b.count, b[i] == 43 || b[i] == 45 { // + or -
                let sign = b[i] == 45 ? -1 : 1
                i += 1
                guard let oh = digits(2) else { return nil }
                _ = eat(58)
                let om = digits(2) ?? 0
                guard oh < 24, om < 60 else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            }
            guard i == b.count else { return nil }
        }
        let local = CivilDate.seconds(year: y, month: mo, day: d, hour: h, minute: mi) + Int64(sec)
        let instant: Int64
        if let offset {
            instant = local - Int64(offset)
        } else {
            instant = CivilDate.instant(forLocal: local, in: timeZone)
        }
        return Date(timeIntervalSince1970: Double(instant) + fraction)
    }

    /// "2025-01-31T04:30:00Z": how the engine writes instants into outputs.
    public static func string(_ date: Date) -> String {
        let t = Int64(date.timeIntervalSince1970.rounded(.down))
        let c = CivilDate(seconds: t)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute)):\(two(c.second))Z"
    }
}

/// Proleptic Gregorian calendar arithmetic on "local seconds" (wall-clock time counted as if it were
/// UTC). Cron and ISO parsing use it instead of `Calendar` so results do not depend on the platform's
/// handling of skipped or repeated local times; the DST rule lives in one place, `instant(forLocal:in:)`.
struct CivilDate: Equatable {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    init(seconds: Int64) {
        let days = Int(CivilDate.floorDiv(seconds, 86_400))
        let rem = Int(seconds - Int64(days) * 86_400)
        (year, month, day) = CivilDate.civil(fromDays: days)
        hour = rem / 3600
        minute = rem % 3600 / 60
        second = rem % 60
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// 0 = Sunday … 6 = Saturday.
    static func weekday(year: Int, month: Int, day: Int) -> Int {
        let d = days(year: year, month: month, day: day)
        return ((d % 7) + 7 + 4) % 7 // 1970-01-01 was a Thursday
    }

    static func seconds(year: Int, month: Int, day: Int, hour: Int, minute: Int) -> Int64 {
        Int64(days(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60)
    }

    /// Local seconds of an instant in `tz`.
    static func local(_ instant: Int64, in tz: TimeZone) -> Int64 {
        instant + Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
    }

    /// The instant a wall-clock time means in `tz`. A time that happens twice (clocks going back)
    /// means its first occurrence; a time that never happens (clocks going forward) is moved forward
    /// by the gap (02:30 on a spring-forward night → 03:30), so a daily job is neither doubled nor lost.
    static func instant(forLocal local: Int64, in tz: TimeZone) -> Int64 {
        func offset(_ t: Int64) -> Int64 { Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t)))) }
        let before = offset(local - 86_400), after = offset(local + 86_400)
        var valid: [Int64] = []
        for o in Set([before, after]) {
            let t = local - o
            if offset(t) == o { valid.append(t) }
        }
        if let earliest = valid.min() { return earliest }
        return local - before // in the gap: the pre-transition offset lands after the jump
    }
}
