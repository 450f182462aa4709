import Foundation
import HearthCore
import HearthStore

/// Which devices and when, as the API and `--json` output show it (and as requests send it).
public struct AccessView: Codable, Sendable {
    /// nil: every zone.
    public var zones: [String]?
    public var devices: [String]?
    public var startsAt: String?
    public var until: String?
    /// Weekly hours: days such as `mon-fri`, hours such as `09:00-12:00`, an IANA time zone.
    public var days: String?
    public var hours: String?
    public var timeZone: String?

    enum CodingKeys: String, CodingKey {
        case zones, devices, until, days, hours
        case startsAt = "starts_at"
        case timeZone = "time_zone"
    }

    public init(
        zones: [String]? = nil, devices: [String]? = nil, startsAt: String? = nil, until: String? = nil,
        days: String? = nil, hours: String? = nil, timeZone: String? = nil
    ) {
        self.zones = zones
        self.devices = devices
        self.startsAt = startsAt
        self.until = until
        self.days = days
        self.hours = hours
        self.timeZone = timeZone
    }

    public init(_ access: DeviceAccess) {
        zones = access.zones.map { $0.map(\.name).sorted() }
        devices = access.devices.isEmpty ? nil : access.devices.map(\.rawValue).sorted()
        startsAt = access.startsAt.map(RFC3339.format)
        until = access.endsAt.map(RFC3339.format)
        days = access.hours?.daysText
        hours = access.hours?.hoursText
        timeZone = access.hours?.timeZone
    }

    /// The access these fields describe, each checked (the role's rules are checked by the
    /// operation that uses it).
    public func access() throws -> DeviceAccess {
        let zones = try self.zones.map { Set(try $0.map(Zone.init)) }
        let devices = try (self.devices ?? []).map { text in
            guard let id = DeviceID(text) else { throw HearthError(.invalidInput, code: "invalid-device", "'\(text.prefix(40))' is not a device id") }
            return id
        }
        let hours: WeeklyHours?
        switch (days, self.hours) {
        case (nil, nil): hours = nil
        case (let days?, let text?): hours = try WeeklyHours(days: days, hours: text, timeZone: timeZone ?? "UTC")
        default: throw HearthError(.invalidInput, "weekly hours need both 'days' and 'hours'")
        }
        return DeviceAccess(
            zones: zones, devices: Set(devices), startsAt: try Self.time(startsAt, "starts_at"), endsAt: try Self.time(until, "until"),
            hours: hours)
    }

    private static func time(_ text: String?, _ field: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = RFC3339.parse(text) else {
            throw HearthError(.invalidInput, code: "invalid-time", "'\(field)' is not an RFC 3339 time such as 2027-03-31T00:00:00Z")
        }
        return date
    }
}

/// A person as the API shows them to themselves or to an owner.
public struct PersonView: Encodable, Sendable {
    public let id: String
    public let email: String
    /// The role in the household of the session; nil in a hub-operator session.
    public let role: String?
    public let householdID: String?
    public let access: AccessView?
    public let mustChangePassword: Bool
    public let hubOperator: Bool

    public init(_ person: Person, member: Member?, isOperator: Bool) {
        id = person.id.rawValue
        email = person.email.rawValue
        role = member?.role.rawValue
        householdID = member?.householdID.rawValue
        access = member.flatMap { $0.role == .owner ? nil : AccessView($0.access) }
        mustChangePassword = person.mustChangePassword
        hubOperator = isOperator
    }

    public init(_ member: Member) {
        self.init(member.person, member: member, isOperator: false)
    }

    enum CodingKeys: String, CodingKey {
        case id, email, role, access
        case householdID = "household_id"
        case mustChangePassword = "must_change_password"
        case hubOperator = "hub_operator"
    }
}

/// One of the households a person belongs to.
public struct MembershipView: Encodable, Sendable {
    public let householdID: String
    public let householdName: String
    public let role: String

    public init(_ membership: Membership, householdName: String) {
        householdID = membership.householdID.rawValue
        self.householdName = householdName
        role = membership.role.rawValue
    }

    enum CodingKeys: String, CodingKey {
        case role
        case householdID = "household_id"
        case householdName = "household_name"
    }
}

/// An invitation as its household's owners see it (never its code, which only its creator saw).
public struct InvitationView: Encodable, Sendable {
    public let id: String
    public let email: String?
    public let role: String
    public let access: AccessView?
    public let status: String
    public let invitedBy: String
    public let createdAt: String
    public let expiresAt: String
    /// Only in the answer that creates it.
    public let code: String?

    public init(_ invitation: Invitation, status: Invitation.Status, code: String? = nil) {
        id = invitation.id.rawValue
        email = invitation.email?.rawValue
        role = invitation.role.rawValue
        access = invitation.role == .owner ? nil : AccessView(invitation.access)
        self.status = status.rawValue
        invitedBy = invitation.invitedBy
        createdAt = RFC3339.format(invitation.createdAt)
        expiresAt = RFC3339.format(invitation.expiresAt)
        self.code = code
    }

    public init(_ stored: InvitationRecords.Stored, now: Date) {
        self.init(stored.invitation, status: stored.status(at: now))
    }

    enum CodingKeys: String, CodingKey {
        case id, email, role, access, status, code
        case invitedBy = "invited_by"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
    }
}

/// A household as its hub operator sees it: no people, devices or audit details, only counts
/// (absent where an answer is about one change, not a listing).
public struct HouseholdSummaryView: Encodable, Sendable {
    public let id: String
    public let name: String
    public let state: String
    public let createdAt: String
    public let people: Int?
    public let devices: Int?

    public init(_ summary: HouseholdAdministration.Summary) {
        self.init(summary.household, people: summary.people, devices: summary.devices)
    }

    public init(_ household: Household, people: Int? = nil, devices: Int? = nil) {
        id = household.id.rawValue
        name = household.name
        state = household.state.rawValue
        createdAt = RFC3339.format(household.createdAt)
        self.people = people
        self.devices = devices
    }

    enum CodingKeys: String, CodingKey {
        case id, name, state, people, devices
        case createdAt = "created_at"
    }
}
