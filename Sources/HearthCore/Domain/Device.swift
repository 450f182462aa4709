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

    public init(
        id: DeviceID = DeviceID(), householdID: HouseholdID, zone: Zone, name: String,
        state: DeviceState = .pending, createdAt: Date, updatedAt: Date? = nil
    ) throws {
        self.id = id
        self.householdID = householdID
        self.zone = zone
        self.name = try Device.validatedName(name)
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    /// Moves the device along its lifecycle, refusing what ``DeviceState/transition(to:)`` refuses.
    public mutating func transition(to next: DeviceState, at time: Date) throws {
        state = try state.transition(to: next)
        updatedAt = time
    }

    public static func validatedName(_ name: String) throws -> String {
        try Label.validated(name, what: "device")
    }
}
