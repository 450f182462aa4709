import Foundation
import HearthCore

/// A command the policy held for an owner's approval: what the app sent, kept until an owner
/// approves it (it is then delivered) or refuses it, or it expires.
public struct HeldCommand: Sendable, Hashable {
    public let id: String
    public let household: HouseholdID
    /// `person:<id>`: the person whose app sent it.
    public let commander: String
    public let device: DeviceID
    public let zone: String
    /// Relative to the household, as the app published it.
    public let topic: String
    public let payload: [UInt8]
    /// Why it was held (the policy's reason).
    public let reason: String
    public let heldAt: Date
    public let expiresAt: Date

    /// Commands are small; a larger one is refused rather than kept.
    public static let maximumPayload = 4096

    public init(
        id: String, household: HouseholdID, commander: String, device: DeviceID, zone: String, topic: String,
        payload: [UInt8], reason: String, heldAt: Date, expiresAt: Date
    ) {
        self.id = id
        self.household = household
        self.commander = commander
        self.device = device
        self.zone = zone
        self.topic = topic
        self.payload = payload
        self.reason = reason
        self.heldAt = heldAt
        self.expiresAt = expiresAt
    }
}
