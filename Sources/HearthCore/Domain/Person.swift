import struct Foundation.Date

/// A person of a household who signs in: an owner administers it, a member uses it.
public struct Person: Hashable, Sendable, Codable {
    public enum Role: String, Hashable, Sendable, Codable, CaseIterable {
        case owner
        case member
    }

    public let id: PersonID
    public let householdID: HouseholdID
    public var email: EmailAddress
    public var role: Role
    /// Set while the password is one the hub generated (at init or reset); the person should
    /// replace it at first sign-in.
    public var mustChangePassword: Bool
    public let createdAt: Date

    public init(
        id: PersonID = PersonID(), householdID: HouseholdID, email: EmailAddress, role: Role,
        mustChangePassword: Bool, createdAt: Date
    ) {
        self.id = id
        self.householdID = householdID
        self.email = email
        self.role = role
        self.mustChangePassword = mustChangePassword
        self.createdAt = createdAt
    }
}
