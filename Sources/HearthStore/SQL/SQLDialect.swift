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
    /// Statements that bound, for the rest of a transaction, how long it may hold a lease's row
    /// while its client is silent, and how long it waits for a row another holds (``LeaseRecords``):
    /// a node cut off from PostgreSQL mid-transaction must not keep a lease locked until TCP gives
    /// up. None for SQLite, whose writers are one process's.
    public let leaseLockLimits: [String]

    public init(name: String, blobType: String, migrationLock: String?, tableExistsQuery: String, leaseLockLimits: [String] = []) {
        self.name = name
        self.blobType = blobType
        self.migrationLock = migrationLock
        self.tableExistsQuery = tableExistsQuery
        self.leaseLockLimits = leaseLockLimits
    }

    /// Schema text is written once with `{blob}` where the byte-string type goes.
    public func render(_ schemaSQL: String) -> String {
        schemaSQL.replacingOccurrences(of: "{blob}", with: blobType)
    }
}
