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
    public var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    public init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }
}
