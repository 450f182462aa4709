import struct Foundation.Date
import HearthCore

/// Leases: which node does what only one node may do (docs/scale-out.md). A lease names its
/// holder, when it expires, and a fence — a number that grows every time the lease changes
/// holder, so a write made under a lease can be refused once someone else has held it.
///
/// Expiry is judged by the times the nodes pass in (their clocks): nodes must keep their clocks
/// within a fraction of a lease's duration of each other (NTP does), and the fence, checked in
/// the transaction of each write (``confirm(_:holder:fence:at:)``), covers what clocks cannot.
public struct LeaseRecords: Sendable {
    let db: any SQLExecutor

    public struct LeaseRow: Sendable, Hashable {
        public let name: String
        public let holder: String
        public let fence: Int64
        public let expiresAt: Date
    }

    /// Takes each of `names` for `holder` until `until` when it is free, expired at `time`, or
    /// already `holder`'s (a renewal): the fences of those taken; one held by another holder is
    /// absent. One statement a lease, so two nodes asking at once cannot both get it; in the
    /// order given (every node asks in the same order, so two renewals cannot deadlock).
    public func acquire(_ names: [String], holder: String, until: Date, at time: Date) async throws -> [String: Int64] {
        try await limitLocks()
        var fences: [String: Int64] = [:]
        for name in names {
            fences[name] = try await db.query(
                "INSERT INTO leases (name, holder, fence, expires_at) VALUES (?, ?, 1, ?) ON CONFLICT (name) DO UPDATE SET"
                    + " fence = CASE WHEN leases.holder = excluded.holder THEN leases.fence ELSE leases.fence + 1 END,"
                    + " holder = excluded.holder, expires_at = excluded.expires_at"
                    + " WHERE leases.holder = excluded.holder OR leases.expires_at <= ? RETURNING fence",
                [.text(name), .text(holder), .integer(until.unixMilliseconds), .integer(time.unixMilliseconds)]
            ).first?.integer("fence")
        }
        return fences
    }

    /// Whether `holder` still holds `name` under `fence` at `time`. On PostgreSQL it locks the
    /// lease's row until the transaction ends, so no one can take the lease over between this
    /// check and the commit of the writes made under it — for at most 2 s of the client's silence
    /// (``SQLDialect/leaseLockLimits``).
    public func confirm(_ name: String, holder: String, fence: Int64, at time: Date) async throws -> Bool {
        try await limitLocks()
        return !(try await db.query(
            "UPDATE leases SET fence = fence WHERE name = ? AND holder = ? AND fence = ? AND expires_at > ? RETURNING fence",
            [.text(name), .text(holder), .integer(fence), .integer(time.unixMilliseconds)]
        ).isEmpty)
    }

    /// Gives `name` up at once if `holder` has it (a node stopping), keeping its fence.
    public func release(_ name: String, holder: String, at time: Date) async throws {
        try await db.execute(
            "UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?", time.unixMilliseconds, name, holder)
    }

    private func limitLocks() async throws {
        for statement in db.dialect.leaseLockLimits { try await db.execute(statement) }
    }

    /// Every lease, by name.
    public func all() async throws -> [LeaseRow] {
        try await db.query("SELECT name, holder, fence, expires_at FROM leases ORDER BY name").map {
            LeaseRow(
                name: try $0.text("name"), holder: try $0.text("holder"), fence: try $0.integer("fence"),
                expiresAt: try $0.date("expires_at"))
        }
    }
}
