import Foundation

/// Calendar periods as business-local `YYYY-MM-DD` dates (DESIGN §3: "today", reports and
/// schedules use the business's timezone). Date strings compare correctly as text.
struct Periods {
    let today: String
    private static let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        c.firstWeekday = 2  // weeks start on Monday
        return c
    }()

    init(now: Date, timezone: String) {
        today = Validate.localDate(now, timezone: timezone)
    }

    /// The start of the business-local day `date` (YYYY-MM-DD) as an instant; nil for a malformed date.
    static func startOfDay(_ date: String, timezone: String) -> Date? {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: timezone) ?? TimeZone(identifier: "Asia/Kolkata")!
        let p = date.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3 else { return nil }
        return cal.date(from: DateComponents(year: p[0], month: p[1], day: p[2]))
    }

    init(today: String) { self.today = today }

    static func date(_ s: String) -> Date? {
        let p = s.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3 else { return nil }
        return utc.date(from: DateComponents(year: p[0], month: p[1], day: p[2]))
    }

    static func string(_ d: Date) -> String {
        let c = utc.dateComponents([.year, .month, .day], from: d)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    static func add(days: Int, to s: String) -> String {
        guard let d = date(s), let r = utc.date(byAdding: .day, value: days, to: d) else { return s }
        return string(r)
    }

    static func daysBetween(_ a: String, _ b: String) -> Int {
        guard let x = date(a), let y = date(b) else { return 0 }
        return utc.dateComponents([.day], from: x, to: y).day ?? 0
    }

    /// (from, to) of "today", "this_week", "this_month", "last_month", "this_year".
    func range(_ period: String) -> (String, String) {
        guard let t = Self.date(today) else { return (today, today) }
        let cal = Self.utc
        switch period {
        case "this_week":
            return (Self.string(cal.dateInterval(of: .weekOfYear, for: t)!.start), today)
        case "this_month":
            return (Self.string(cal.dateInterval(of: .month, for: t)!.start), today)
        case "last_month":
            let start = cal.dateInterval(of: .month, for: t)!.start
            let lastStart = cal.date(byAdding: .month, value: -1, to: start)!
            return (Self.string(lastStart), Self.string(cal.date(byAdding: .day, value: -1, to: start)!))
        case "this_year":
            return (Self.string(cal.dateInterval(of: .year, for: t)!.start), today)
        default:
            return (today, today)
        }
    }

    /// The same span one period earlier: yesterday; last week up to the same weekday; last month up
    /// to the same day (clipped to that month's length).
    func previous(_ period: String) -> (String, String) {
        let (from, to) = range(period)
        let cal = Self.utc
        switch period {
        case "this_week":
            return (Self.add(days: -7, to: from), Self.add(days: -7, to: to))
        case "this_month":
            guard let f = Self.date(from), let t = Self.date(to),
                  let pf = cal.date(byAdding: .month, value: -1, to: f) else { return (from, to) }
            let monthEnd = cal.date(byAdding: .day, value: -1, to: f)!
            let pt = min(cal.date(byAdding: .month, value: -1, to: t) ?? monthEnd, monthEnd)
            return (Self.string(pf), Self.string(pt))
        default:
            return (Self.add(days: -1, to: from), Self.add(days: -1, to: to))
        }
    }
}
