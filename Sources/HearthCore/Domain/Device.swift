import struct Foundation.Date

/// A thing in the home with its own identity: a sensor, lock, camera, hub or gateway.
public struct Device: Hashable, Sendable, Codable {
    public let id: DeviceID
    public let householdID: HouseholdID
    public var zone: Zone
    public var name: String
    public private(set) var state: DeviceState
    public let createdAt: Date
    public private(set) var updatedAt: Date
    /// When the device last authenticated to the hub (to within a minute), if ever.
    public var lastSeenAt: Date?

    public init(
        id: DeviceID = DeviceID(), householdID: HouseholdID, zone: Zone, name: String,
        state: DeviceState = .pending, createdAt: Date, updatedAt: Date? = nil, lastSeenAt: Date? = nil
    ) throws {
        self.id = id
        self.householdID = householdID
        self.zone = zone
        self.name = try Device.validatedName(name)
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.lastSeenAt = lastSeenAt
    }

    /// Moves the device along its lifecycle, refusing what ``DeviceState/transition(to:)`` refuses.
    public mutating func transition(to next: DeviceState, at time: Date) throws {
        state = try state.transition(to: next)
        updatedAt = time
    }

    /// Puts the device in another zone of its household; its next certificate comes from that
    /// zone's CA. A decommissioned device stays where it was.
    public mutating func move(to zone: Zone, at time: Date) throws {
        guard state != .decommissioned else {
            throw HearthError(.illegalTransition, "device \(id) is decommissioned; it cannot move")
        }
        self.zone = zone
        updatedAt = time
    }

    public static func validatedName(_ name: String) throws -> String {
        try Label.validated(name, what: "device")
    }
}
