import struct Foundation.Date
import typealias Foundation.TimeInterval

/// An owner's offer of a place in their household: a role (and, for a guest, the devices and
/// window), optionally for one email address. The code handed over is a ``SecretToken``; only its
/// digest is stored. It can be accepted once, before it expires.
public struct Invitation: Hashable, Sendable {
    public let id: InvitationID
    public let householdID: HouseholdID
    /// Only this address may accept; nil: whoever holds the code.
    public let email: EmailAddress?
    public let role: Role
    public let access: DeviceAccess
    /// Who invited: `person:<id>`, or `system:cli` for an invitation made on the hub's shell.
    public let invitedBy: String
    public let createdAt: Date
    public let expiresAt: Date

    /// The longest an invitation stays open.
    public static let longestLifetime: TimeInterval = 7 * 86_400
    public static let codePrefix = "hinv_"

    public init(
        id: InvitationID = InvitationID(), householdID: HouseholdID, email: EmailAddress?, role: Role,
        access: DeviceAccess, invitedBy: String, createdAt: Date, expiresAt: Date
    ) throws {
        guard expiresAt > createdAt, expiresAt.timeIntervalSince(createdAt) <= Self.longestLifetime else {
            throw HearthError(.invalidInput, "an invitation expires within 7 days")
        }
        self.id = id
        self.householdID = householdID
        self.email = email
        self.role = role
        self.access = try DeviceAccess.validated(access, for: role, at: createdAt)
        self.invitedBy = invitedBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// An invitation as it was stored, without checking it against today's rules again.
    public init(
        stored id: InvitationID, householdID: HouseholdID, email: EmailAddress?, role: Role, access: DeviceAccess,
        invitedBy: String, createdAt: Date, expiresAt: Date
    ) {
        self.id = id
        self.householdID = householdID
        self.email = email
        self.role = role
        self.access = access
        self.invitedBy = invitedBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// How an invitation stands, for listings.
    public enum Status: String, Sendable {
        case open, accepted, revoked, expired
    }
}
