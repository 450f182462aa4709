/// One versioned change of the schema. Versions are consecutive from 1; a migration is never
/// edited once released — a later one changes what an earlier one made.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    /// Statements in the portable SQL both engines accept, with `{blob}` for the byte-string type.
    public let statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}
