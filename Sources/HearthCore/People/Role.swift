/// What a person is in one household.
public enum Role: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    /// Everything in the household: people, pairing, the PKI, apps, the audit log.
    case owner
    /// Uses and controls the devices of the zones granted to them.
    case member
    /// Like a member, but for named zones or devices and within a time window.
    case guest

    /// Owners first, guests last: the order listings use.
    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
