import struct Foundation.Date

/// Where Hearth reads the time of day. Injected everywhere (never `Date()` in a library) so tests
/// can move time forward to expire sessions, certificates and codes without sleeping.
public protocol HearthClock: Sendable {
    var now: Date { get }
}

/// The wall clock, to the millisecond — the precision times are stored with, so a value read
/// back from the database equals the one written.
public struct SystemClock: HearthClock {
    public init() {}
    public var now: Date { Date(unixMilliseconds: Date().unixMilliseconds) }
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
