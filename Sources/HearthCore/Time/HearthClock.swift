import struct Foundation.Date
#if canImport(Glibc)
import Glibc
#endif

/// Where Hearth reads the time of day. Injected everywhere (never `Date()` in a library) so tests
/// can move time forward to expire sessions, certificates and codes without sleeping.
public protocol HearthClock: Sendable {
    var now: Date { get }
    /// The time to within a few milliseconds, for what the broker reads per message and counts
    /// in seconds or more (a message's expiry, a flow's declared rate, its aggregation window).
    /// As `now` unless a clock has a cheaper way.
    var coarseNow: Date { get }
}

extension HearthClock {
    public var coarseNow: Date { now }
}

/// The wall clock, to the millisecond — the precision times are stored with, so a value read
/// back from the database equals the one written.
public struct SystemClock: HearthClock {
    public init() {}
    public var now: Date { Date(unixMilliseconds: Date().unixMilliseconds) }

    /// The kernel's time as of its last tick (up to 4 ms behind `now` here): about 5 ns to read
    /// against `now`'s 25–50 ns on this machine's virtual clock, for what telemetry messages
    /// expire by (once per read of a connection, `MQTTConnection.readTime`).
    public var coarseNow: Date {
        #if os(Linux)
        var time = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &time)
        return Date(unixMilliseconds: Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000)
        #else
        now
        #endif
    }
}

extension Date {
    /// Milliseconds since 1970, the form times take in the database on both engines.
    /// Saturates beyond Int64's range (some 292 million years) instead of trapping: a date a
    /// caller computed from a huge offset is a refusal for the caller's check, never a crash.
    public var unixMilliseconds: Int64 {
        let milliseconds = (timeIntervalSince1970 * 1000).rounded(.down)
        return Int64(exactly: milliseconds) ?? (milliseconds > 0 ? .max : .min)
    }

    public init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }
}
