import struct Foundation.Date

/// A home: the unit of ownership. People, zones and devices belong to exactly one household, and
/// nothing of one household is visible to another.
public struct Household: Hashable, Sendable, Codable {
    public let id: HouseholdID
    public var name: String
    public let createdAt: Date

    public init(id: HouseholdID = HouseholdID(), name: String, createdAt: Date) throws {
        self.id = id
        self.name = try Household.validatedName(name)
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
