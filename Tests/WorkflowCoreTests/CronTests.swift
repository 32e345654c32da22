import Foundation
import Testing
@testable import WorkflowCore

@Suite("Cron")
struct CronTests {
    static let invalid: [(String, String)] = [
        ("* * * *", "5 fields"),
        ("* * * * * *", "5 fields"),
        ("60 * * * *", "use 0–59"),
        ("* 24 * * *", "use 0–23"),
        ("* * 0 * *", "use 1–31"),
        ("* * * 13 *", "use 1–12"),
        ("* * * * 8", "use 0–7"),
        ("5-1 * * * *", "backwards"),
        ("*/0 * * * *", "bad step"),
        ("a * * * *", "not a number"),
        ("1,,2 * * * *", "empty list item"),
        ("0 0 30 2 *", "never fires"),
        ("0 0 31 4,6 *", "never fires"),
        ("1/2/3 * * * *", "more than one"),
    ]

    @Test("Invalid expressions are rejected with a reason", arguments: invalid)
    func rejects(_ text: String, _ fragment: String) {
        do {
            _ = try CronExpression(text)
            Issue.record("\(text) should not parse")
        } catch {
            #expect("\(error)".contains(fragment), "\(text): \(error)")
        }
    }

    static let nextUTC: [(String, String, String)] = [
        ("*/15 * * * *", "2024-01-01T10:07:00Z", "2024-01-01T10:15:00Z"),
        ("*/15 * * * *", "2024-01-01T10:45:00Z", "2024-01-01T11:00:00Z"),
        ("0 10 * * *", "2024-01-01T10:00:00Z", "2024-01-02T10:00:00Z"), // strictly after
        ("0 10 * * *", "2024-01-01T09:59:59Z", "2024-01-01T10:00:00Z"),
        ("0 9 * * MON-FRI", "2024-01-05T10:00:00Z", "2024-01-08T09:00:00Z"), // Friday → Monday
        ("0 9 * * 1-5", "2024-01-06T08:00:00Z", "2024-01-08T09:00:00Z"),
        ("0 0 * * 7", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00Z"), // 7 is Sunday
        ("0 0 * * 0", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00Z"),
        ("1-5/2 * * * *", "2024-01-01T10:01:00Z", "2024-01-01T10:03:00Z"),
        ("5/20 * * * *", "2024-01-01T10:26:00Z", "2024-01-01T10:45:00Z"),
        ("0 12 * JAN,jul SUN", "2024-02-01T00:00:00Z", "2024-07-07T12:00:00Z"),
        ("0 0 13 * FRI", "2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z"), // either the 13th or a Friday
        ("0 0 13 * *", "2024-01-01T00:00:00Z", "2024-01-13T00:00:00Z"),
        ("0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("0 0 29 2 *", "2097-03-01T00:00:00Z", "2104-02-29T00:00:00Z"), // 2100 is not a leap year
        ("0 0 31 * *", "2024-04-01T00:00:00Z", "2024-05-31T00:00:00Z"),
        ("59 23 31 12 *", "2024-01-01T00:00:00Z", "2024-12-31T23:59:00Z"),
        ("@hourly", "2024-01-01T10:30:00Z", "2024-01-01T11:00:00Z"),
        ("@daily", "2024-12-31T10:30:00Z", "2025-01-01T00:00:00Z"),
        ("@weekly", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00Z"),
        ("* * * * *", "2024-01-01T10:30:30Z", "2024-01-01T10:31:00Z"),
    ]

    @Test("next(after:) in UTC", arguments: nextUTC)
    func nextInUTC(_ text: String, _ after: String, _ expected: String) throws {
        let cron = try CronExpression(text)
        #expect(cron.next(after: instant(after), in: utc) == instant(expected))
    }

    @Test("Asia/Kolkata: 10:00 local is 04:30 UTC")
    func kolkataOffset() throws {
        let cron = try CronExpression("0 10 * * *")
        #expect(cron.next(after: instant("2024-06-01T00:00:00Z"), in: kolkata) == instant("2024-06-01T04:30:00Z"))
        #expect(cron.next(after: instant("2024-06-01T04:30:00Z"), in: kolkata) == instant("2024-06-02T04:30:00Z"))
    }

    static let newYorkCases: [(String, String, String, String)] = [
        // Spring forward, 2024-03-10: 02:00 EST jumps to 03:00 EDT (07:00Z).
        ("daily 02:30 does not exist: runs at 03:30 EDT", "30 2 * * *", "2024-03-09T12:00:00Z", "2024-03-10T07:30:00Z"),
        ("and the next day at 02:30 EDT", "30 2 * * *", "2024-03-10T07:30:00Z", "2024-03-11T06:30:00Z"),
        ("hourly: skipped 02:00 lands on 03:00, once", "0 * * * *", "2024-03-10T06:30:00Z", "2024-03-10T07:00:00Z"),
        ("hourly after the jump", "0 * * * *", "2024-03-10T07:00:00Z", "2024-03-10T08:00:00Z"),
        ("09:00 before and after the change", "0 9 * * *", "2024-03-09T14:00:00Z", "2024-03-10T13:00:00Z"),
        // Fall back, 2024-11-03: 02:00 EDT goes back to 01:00 EST (06:00Z); 01:30 happens twice.
        ("repeated 01:30 runs on its first occurrence", "30 1 * * *", "2024-11-03T04:00:00Z", "2024-11-03T05:30:00Z"),
        ("and not again an hour later", "30 1 * * *", "2024-11-03T05:30:00Z", "2024-11-04T06:30:00Z"),
        ("every 30 min skips the repeated hour", "*/30 * * * *", "2024-11-03T05:30:00Z", "2024-11-03T07:00:00Z"),
        ("09:00 after the change is 14:00Z", "0 9 * * *", "2024-11-02T14:00:00Z", "2024-11-03T14:00:00Z"),
    ]

    @Test("America/New_York across DST", arguments: newYorkCases)
    func newYorkDST(_ name: String, _ text: String, _ after: String, _ expected: String) throws {
        let cron = try CronExpression(text)
        #expect(cron.next(after: instant(after), in: newYork) == instant(expected), "\(name)")
    }

    static let latestCases: [(String, String, String, String?)] = [
        ("0 10 * * *", "2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "2024-01-07T10:00:00Z"),
        ("0 10 * * *", "2024-01-01T10:00:00Z", "2024-01-01T12:00:00Z", nil), // after is exclusive
        ("0 10 * * *", "2024-01-01T09:00:00Z", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"), // upTo inclusive
        ("0 10 * * *", "2024-01-01T10:01:00Z", "2024-01-02T09:59:00Z", nil),
        ("*/15 * * * *", "2024-01-01T00:00:00Z", "2024-01-01T10:07:00Z", "2024-01-01T10:00:00Z"),
        ("0 0 29 2 *", "2020-01-01T00:00:00Z", "2027-12-31T00:00:00Z", "2024-02-29T00:00:00Z"),
        ("0 9 * * MON", "2024-01-01T00:00:00Z", "2024-03-31T00:00:00Z", "2024-03-25T09:00:00Z"),
    ]

    @Test("latest(in:) picks the one most recent missed tick", arguments: latestCases)
    func latest(_ text: String, _ after: String, _ upTo: String, _ expected: String?) throws {
        let cron = try CronExpression(text)
        #expect(cron.latest(in: (after: instant(after), upTo: instant(upTo)), timeZone: utc) == expected.map(instant))
    }

    @Test("latest across the New York DST changes")
    func latestDST() throws {
        let daily230 = try CronExpression("30 2 * * *")
        #expect(daily230.latest(in: (after: instant("2024-03-09T12:00:00Z"), upTo: instant("2024-03-10T12:00:00Z")),
                                timeZone: newYork) == instant("2024-03-10T07:30:00Z"))
        let daily130 = try CronExpression("30 1 * * *")
        #expect(daily130.latest(in: (after: instant("2024-11-03T00:00:00Z"), upTo: instant("2024-11-03T12:00:00Z")),
                                timeZone: newYork) == instant("2024-11-03T05:30:00Z"))
    }

    /// next and latest search in opposite directions with separate code; they must agree:
    /// the tick `next(after: t)` is the latest tick in (t, next], and there is none in (t, next).
    @Test("next and latest agree (generated cases)",
          arguments: ["*/7 * * * *", "0 9 * * 1-5", "30 2 * * *", "0 * * * *", "15 1,2,3 * * *", "0 0 1 * *", "0 12 13 * FRI"])
    func agreement(_ text: String) throws {
        let cron = try CronExpression(text)
        var rng = SeededRandom(seed: UInt64(text.utf8.count))
        let zones = [utc, newYork, kolkata, TimeZone(identifier: "Europe/London")!, TimeZone(identifier: "Australia/Sydney")!]
        for _ in 0..<60 {
            let zone = zones.randomElement(using: &rng)!
            // random instants across 2024, which has DST changes in every zone above but Kolkata/UTC
            let t = Date(timeIntervalSince1970: Double(Int.random(in: 1_704_067_200...1_735_689_600, using: &rng)))
            guard let n = cron.next(after: t, in: zone) else { Issue.record("no next for \(text)"); continue }
            #expect(n > t)
            #expect(cron.latest(in: (after: t, upTo: n), timeZone: zone) == n, "\(text) \(zone.identifier) \(t)")
            #expect(cron.latest(in: (after: t, upTo: n.addingTimeInterval(-1)), timeZone: zone) == nil,
                    "\(text) \(zone.identifier) \(t)")
        }
    }

    /// Around real DST changes, compare `next` and `latest` with a brute-force scan of every wall-clock
    /// minute (each matching minute fires once, at `CivilDate.instant(forLocal:in:)`).
    @Test("Matches a brute-force scan around DST changes",
          arguments: [("America/New_York", "2024-03-10"), ("America/New_York", "2024-11-03"), ("Europe/London", "2024-03-31"),
                      ("Europe/London", "2024-10-27"), ("Australia/Sydney", "2024-04-07"), ("Australia/Sydney", "2024-10-06"),
                      ("Asia/Kolkata", "2024-06-01")])
    func bruteForce(_ zoneID: String, _ day: String) throws {
        let zone = try #require(TimeZone(identifier: zoneID))
        let midnight = CivilDate.seconds(year: Int(day.prefix(4))!, month: Int(day.dropFirst(5).prefix(2))!,
                                         day: Int(day.suffix(2))!, hour: 0, minute: 0)
        for text in ["*/20 * * * *", "30 2 * * *", "0 1,2,3 * * *", "15 * * * *", "10,40 1-3 * * *"] {
            let cron = try CronExpression(text)
            // every matching wall-clock minute from a day before to three days after
            var ticks = Set<Int64>()
            var local = midnight - 86_400
            while local < midnight + 3 * 86_400 {
                let c = CivilDate(seconds: local)
                if cron.minutes.contains(c.minute), cron.hours.contains(c.hour), cron.months.contains(c.month),
                   cron.dayMatches(year: c.year, month: c.month, day: c.day) {
                    ticks.insert(CivilDate.instant(forLocal: local, in: zone))
                }
                local += 60
            }
            let sorted = ticks.sorted()
            // from every 7 minutes across the changeover day
            var t = midnight - 14 * 3600
            while t < midnight + 30 * 3600 {
                let expectedNext = sorted.first { $0 > t }
                #expect(cron.next(after: Date(timeIntervalSince1970: Double(t)), in: zone).map { Int64($0.timeIntervalSince1970) }
                        == expectedNext, "\(text) \(zoneID) next after \(t)")
                let expectedLatest = sorted.last { $0 <= t && $0 > t - 5 * 3600 }
                #expect(cron.latest(in: (after: Date(timeIntervalSince1970: Double(t - 5 * 3600)), upTo: Date(timeIntervalSince1970: Double(t))),
                                    timeZone: zone).map { Int64($0.timeIntervalSince1970) } == expectedLatest,
                        "\(text) \(zoneID) latest up to \(t)")
                t += 7 * 60
            }
        }
    }

    @Test("Searching skips by fields: thousands of far-away ticks stay fast")
    func efficiency() throws {
        // setup: ticks years apart, and a once-a-year tick, from many starting points
        let leap = try CronExpression("0 0 29 2 *")
        let yearly = try CronExpression("59 23 31 12 *")
        let clock = ContinuousClock()
        let start = clock.now
        // act
        var t = instant("2024-03-01T00:00:00Z")
        for _ in 0..<200 {
            t = leap.next(after: t, in: newYork) ?? t
            _ = yearly.next(after: t, in: kolkata)
        }
        // verify: a minute-by-minute search would take minutes here; field skipping takes milliseconds.
        #expect(clock.now - start < .seconds(5))
        #expect(t > instant("2800-01-01T00:00:00Z"))
    }
}

@Suite("Durations and dates")
struct TimeTests {
    static let durations: [(String, Int?)] = [
        ("90s", 90), ("10m", 600), ("2h", 7200), ("1d", 86_400), ("1h30m", 5400), ("1d 2h", 93_600),
        ("2W", 1_209_600), ("365d", 31_536_000),
        ("0s", nil), ("0m", nil), ("366d", nil), ("10", nil), ("", nil), ("h", nil), ("1.5h", nil), ("10 minutes", nil),
        ("-5m", nil), ("99999999999d", nil),
    ]

    @Test("WDuration.parse", arguments: durations)
    func duration(_ text: String, _ expected: Int?) {
        #expect(WDuration.seconds(text) == expected)
    }

    static let dates: [(String, String?)] = [
        ("2025-01-31", "2025-01-31T00:00:00Z"),
        ("2025-01-31T10:00", "2025-01-31T10:00:00Z"),
        ("2025-01-31 10:00:05", "2025-01-31T10:00:05Z"),
        ("2025-01-31T10:00:00Z", "2025-01-31T10:00:00Z"),
        ("2025-01-31T10:00:00+05:30", "2025-01-31T04:30:00Z"),
        ("2025-01-31T10:00:00-0500", "2025-01-31T15:00:00Z"),
        ("2024-02-29", "2024-02-29T00:00:00Z"),
        ("2023-02-29", nil), ("2025-13-01", nil), ("2025-01-31T25:00", nil), ("31/01/2025", nil), ("tomorrow", nil),
        ("2025-01-31T10:00:00Zjunk", nil),
    ]

    @Test("ISODate.parse in UTC", arguments: dates)
    func isoDate(_ text: String, _ expected: String?) {
        #expect(ISODate.parse(text).map(ISODate.string) == expected)
    }

    @Test("A date without an offset is wall-clock time in the given zone")
    func localDate() {
        #expect(ISODate.parse("2025-01-31", timeZone: kolkata) == instant("2025-01-30T18:30:00Z"))
        #expect(ISODate.parse("2025-01-31T10:00:00.500Z")?.timeIntervalSince1970 == instant("2025-01-31T10:00:00Z").timeIntervalSince1970 + 0.5)
    }
}
