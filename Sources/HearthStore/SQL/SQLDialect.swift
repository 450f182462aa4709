import Foundation

/// The few places where SQLite and PostgreSQL need different text.
public struct SQLDialect: Sendable, Hashable {
    /// A short name for logs and metrics: `sqlite` or `postgres`.
    public let name: String
    /// The column type for byte strings (`BLOB`, `BYTEA`).
    public let blobType: String
    /// A statement that serializes schema changes across processes, run first in a migration
    /// transaction (SQLite's `BEGIN IMMEDIATE` already holds the write lock, so none there).
    public let migrationLock: String?
    /// A query with one `?` (a table name) that returns a row if the table exists.
    public let tableExistsQuery: String

    public init(name: String, blobType: String, migrationLock: String?, tableExistsQuery: String) {
        self.name = name
        self.blobType = blobType
        self.migrationLock = migrationLock
        self.tableExistsQuery = tableExistsQuery
    }

    /// Schema text is written once with `{blob}` where the byte-string type goes.
    public func render(_ schemaSQL: String) -> String {
        schemaSQL.replacingOccurrences(of: "{blob}", with: blobType)
    }
}
