import HearthCore
/// One counter that moves, in the same transaction, with every change that can take access
/// away from a live session: a certificate or CA revoked, a device quarantined, decommissioned
/// or moved, an OAuth token, grant or client revoked, a membership changed or ended, a household
/// suspended or deleted. Every process (the hub, another node on
/// the same PostgreSQL) watches it and re-checks its live sessions when it moves; the CLI
/// changing the data folder moves it too, because it writes through these same records.
public struct AccessChangeRecords: Sendable {
    let db: any SQLExecutor

    public func revision() async throws -> Int64 {
        try await revisions().access
    }

    /// The access-change revision and the privacy revision (``bumpPrivacy()``), read at once.
    public func revisions() async throws -> (access: Int64, privacy: Int64) {
        guard let row = try await db.first("SELECT revision, privacy_revision FROM access_changes WHERE singleton = 1")
        else { return (0, 0) }
        return (try row.integer("revision"), try row.integer("privacy_revision"))
    }

    /// The PostgreSQL notification channel: every hub process on the database LISTENs on it.
    public static let channel = "hearth_access_changes"

    public func bump() async throws {
        try await db.execute("UPDATE access_changes SET revision = revision + 1 WHERE singleton = 1")
        // This process's listeners too: on SQLite the change reaches the hub's own broker at the
        // commit, not at the next poll.
        try await db.notify(Self.channel)
    }

    /// Moves the privacy revision, with every change to declared flows, device models, consents
    /// or bridge destinations: every process reloads what its broker enforces. It takes no access
    /// away from a session (each telemetry copy asks the rules), so live sessions are not re-checked.
    /// Returns the new privacy revision.
    @discardableResult
    public func bumpPrivacy() async throws -> Int64 {
        guard let row = try await db.first(
            "UPDATE access_changes SET privacy_revision = privacy_revision + 1 WHERE singleton = 1 RETURNING privacy_revision")
        else { throw HearthError(.notInitialized, "the hub's revisions are missing; start the hub once") }
        try await notifyOtherProcesses()
        return try row.integer("privacy_revision")
    }

    /// Wakes the other processes on PostgreSQL (they poll the revisions on SQLite). Not this
    /// process's listeners on SQLite, for what moves a revision without an access change: a
    /// privacy change is enforced by the process that made it, and a renewal's superseded
    /// certificate can wait for the poll — a renewal storm would wake the watch at every commit.
    func notifyOtherProcesses() async throws {
        if db.dialect.name == "postgres" { try await db.notify(Self.channel) }
    }
}
