import struct Foundation.Date

/// Someone who signs in: an account, known by email. What a person may do comes from their
/// memberships (``Membership``), one per household they belong to; the account itself belongs
/// to no household, so one person can be an owner at home and a guest at a neighbour's.
public struct Person: Hashable, Sendable, Codable {
    public let id: PersonID
    public var email: EmailAddress
    /// Set while the password is one the hub generated (at init or reset); the person should
    /// replace it at first sign-in.
    public var mustChangePassword: Bool
    public let createdAt: Date

    public init(id: PersonID = PersonID(), email: EmailAddress, mustChangePassword: Bool, createdAt: Date) {
        self.id = id
        self.email = email
        self.mustChangePassword = mustChangePassword
        self.createdAt = createdAt
    }
}
