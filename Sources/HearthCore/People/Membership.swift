import struct Foundation.Date

/// A person's place in one household: their role there and, for members and guests, which
/// devices they may use and when.
public struct Membership: Hashable, Sendable {
    public let personID: PersonID
    public let householdID: HouseholdID
    public var role: Role
    public var access: DeviceAccess
    public let createdAt: Date

    public init(personID: PersonID, householdID: HouseholdID, role: Role, access: DeviceAccess = .everything, createdAt: Date) {
        self.personID = personID
        self.householdID = householdID
        self.role = role
        self.access = access
        self.createdAt = createdAt
    }
}

/// A person acting in one household: who signed in, and the membership their session or token
/// picked. Every call a person makes is decided on this, never on the person alone.
public struct Member: Hashable, Sendable {
    public let person: Person
    public let membership: Membership

    public init(person: Person, membership: Membership) {
        precondition(person.id == membership.personID, "a member is a person with one of their own memberships")
        self.person = person
        self.membership = membership
    }

    public var id: PersonID { person.id }
    public var email: EmailAddress { person.email }
    public var householdID: HouseholdID { membership.householdID }
    public var role: Role { membership.role }
    public var access: DeviceAccess { membership.access }
}
