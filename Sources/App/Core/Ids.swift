import Foundation

extension UUID {
    /// A time-ordered UUID (RFC 9562 version 7): 48 bits of Unix milliseconds, then 74 random bits.
    ///
    /// For rows written at high rates (jobs, runs, run steps): ids that grow with time land at the
    /// end of the primary-key index, so a group commit of many rows dirties one or two index pages
    /// instead of one random page per row (on SQLite every dirty page is written to the WAL and
    /// later checkpointed). Still a UUID everywhere, and still unguessable (74 random bits);
    /// what it reveals is its creation time, which the rows carry anyway.
    static func timeOrdered(at date: Date = Date()) -> UUID {
        let ms = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var g = SystemRandomNumberGenerator()
        let r1 = g.next() as UInt64, r2 = g.next() as UInt64
        func byte(_ v: UInt64, _ shift: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: v >> shift) }
        return UUID(uuid: (byte(ms, 40), byte(ms, 32), byte(ms, 24), byte(ms, 16), byte(ms, 8), byte(ms, 0),
                           0x70 | (byte(r1, 0) & 0x0F), byte(r1, 8),
                           0x80 | (byte(r1, 16) & 0x3F), byte(r1, 24), byte(r1, 32), byte(r1, 40), byte(r1, 48), byte(r1, 56),
                           byte(r2, 0), byte(r2, 8)))
    }
}
