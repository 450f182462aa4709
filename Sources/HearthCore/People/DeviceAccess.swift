import struct Foundation.Date

/// Which of a household's devices a member or guest may use, and when. An owner's access is
/// always ``everything``.
///
/// A device is within reach when its id is one of ``devices`` or its zone one of ``zones`` (nil:
/// every zone, unless devices are named — then only those); and now is within the period (`startsAt ..< endsAt`) and the weekly ``hours``.
public struct DeviceAccess: Hashable, Sendable {
    /// nil: every zone of the household, unless ``devices`` names some (then only those).
    public let zones: Set<Zone>?
    public let devices: Set<DeviceID>
    public let startsAt: Date?
    public let endsAt: Date?
    public let hours: WeeklyHours?

    public static let everything = DeviceAccess(zones: nil, devices: [], startsAt: nil, endsAt: nil, hours: nil)

    public init(zones: Set<Zone>?, devices: Set<DeviceID>, startsAt: Date?, endsAt: Date?, hours: WeeklyHours?) {
        self.zones = zones
        self.devices = devices
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.hours = hours
    }

    /// The longest a guest's period may run: a guest who needs more is a member.
    public static let longestGuestPeriod: Double = 366 * 86_400

    /// Checks that `access` suits `role`: an owner has everything; a member may be limited to
    /// zones; a guest names zones or devices and has a period that ends.
    public static func validated(_ access: DeviceAccess, for role: Role, at now: Date) throws -> DeviceAccess {
        switch role {
        case .owner:
            guard access == .everything else {
                throw HearthError(.invalidInput, "an owner has every device at all times; zones, devices and windows are for members and guests")
            }
        case .member:
            guard access.devices.isEmpty, access.startsAt == nil, access.endsAt == nil, access.hours == nil else {
                throw HearthError(.invalidInput, "a member is limited by zones only; name devices or a time window for a guest")
            }
            if let zones = access.zones, zones.isEmpty {
                throw HearthError(.invalidInput, "name at least one zone, or none for every zone")
            }
        case .guest:
            guard access.zones?.isEmpty == false || !access.devices.isEmpty else {
                throw HearthError(.invalidInput, "a guest needs the zones or devices they may use")
            }
            guard let endsAt = access.endsAt else {
                throw HearthError(.invalidInput, "a guest's access needs an end ('until')")
            }
            let startsAt = access.startsAt ?? now
            guard endsAt > startsAt, endsAt > now else {
                throw HearthError(.invalidInput, "a guest's access must end after it starts, in the future")
            }
            guard endsAt.timeIntervalSince(startsAt) <= longestGuestPeriod else {
                throw HearthError(.invalidInput, "a guest's access lasts at most a year; make a longer stay a member")
            }
        }
        if access.zones?.contains(.quarantine) == true {
            throw HearthError(.invalidInput, "the quarantine zone cannot be granted: its devices may not act")
        }
        return access
    }

    /// Whether the period and hours are open at `date`.
    public func isOpen(at date: Date) -> Bool {
        if let startsAt, date < startsAt { return false }
        if let endsAt, date >= endsAt { return false }
        return hours?.contains(date) ?? true
    }

    /// Whether the period has ended for good at `date`.
    public func hasEnded(at date: Date) -> Bool {
        endsAt.map { date >= $0 } ?? false
    }

    /// Whether `device` is among the devices this access reaches (regardless of time).
    public func reaches(_ device: DeviceID, zone: Zone) -> Bool {
        devices.contains(device) || (zones?.contains(zone) ?? devices.isEmpty)
    }

    /// Whether a device of the zone may be within reach: the zone is given, or every zone is, or
    /// named devices are (each is checked when it is used).
    public func mayReach(zoneNamed name: String) -> Bool {
        !devices.isEmpty || (zones.map { $0.contains { $0.name == name } } ?? true)
    }

    /// Whether every device of the household is reachable (no zone or device limit), so that
    /// wildcard subscriptions reveal nothing beyond the access.
    public var reachesEveryDevice: Bool { zones == nil && devices.isEmpty }

    /// When access open at `date` closes next (the end of today's hours or of the period); nil
    /// when it stays open.
    public func closing(after date: Date) -> Date? {
        [endsAt, hours?.closing(after: date)].compactMap { $0 }.min()
    }
}
