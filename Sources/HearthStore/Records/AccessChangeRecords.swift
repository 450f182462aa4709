/// One counter that moves, in the same transaction, with every change that can take access
/// away from a live session: a certificate or CA revoked, a device quarantined, decommissioned
/// or moved, an OAuth token, grant or client revoked, a membership changed or ended, a household
/// suspended or deleted. Every process (the hub, another node on
/// the same PostgreSQL) watches it and re-checks its live sessions when it moves; the CLI
/// changing the data folder moves it too, because it writes through these same records.
public struct AccessChangeRecords: Sendable {
    let db: any SQLExecutor

    public func revision() async throws -> Int64 {
        try await db.first("SELECT revision FROM access_changes WHERE singleton = 1")?.integer("revision") ?? 0
    }

    /// The PostgreSQL notification channel: every hub process on the database LISTENs on it.
    public static let channel = "hearth_access_changes"

    public func bump() async throws {
        try await db.execute("UPDATE access_changes SET revision = revision + 1 WHERE singleton = 1")
        // Delivered at commit, to every listening process; SQLite's processes poll the revision.
        if db.dialect.name == "postgres" { try await db.execute("NOTIFY \(Self.channel)") }
    }
}
