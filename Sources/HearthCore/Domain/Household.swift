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

    /// A household name is a label for people, 1 to 100 printable characters.
    public static func validatedName(_ name: String) throws -> String {
        let trimmed = name.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.count <= 100,
              !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw HearthError(.invalidInput, "a household name must be 1 to 100 printable characters")
        }
        return trimmed
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
