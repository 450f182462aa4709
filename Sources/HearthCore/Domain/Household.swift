import struct Foundation.Date

/// A home: the unit of ownership. People, zones and devices belong to exactly one household, and
/// nothing of one household is visible to another.
public struct Household: Hashable, Sendable, Codable {
    /// Whether the household may act. A suspended one is refused everywhere (its people, apps
    /// and devices) until resumed; a deleted one is a tombstone: its data is erased and every
    /// credential it had is revoked, and the id stays only so the audit log can name it.
    public enum State: String, Hashable, Sendable, Codable, CaseIterable {
        case active
        case suspended
        case deleted
    }

    public let id: HouseholdID
    public var name: String
    public var state: State
    public let createdAt: Date

    public init(id: HouseholdID = HouseholdID(), name: String, state: State = .active, createdAt: Date) throws {
        self.id = id
        self.name = try Household.validatedName(name)
        self.state = state
        self.createdAt = createdAt
    }

    public static func validatedName(_ name: String) throws -> String {
        try Label.validated(name, what: "household")
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
