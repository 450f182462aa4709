import HearthCore
import Logging

/// Brings a database to ``Schema/latestVersion`` and refuses one that is newer.
///
/// All pending migrations and their rows in `schema_migrations` commit in one transaction, so a
/// crash mid-way leaves the previous version intact. Several hub processes starting together on
/// one PostgreSQL take the dialect's lock first, so exactly one applies each version.
struct Migrator {
    let migrations: [Migration]
    let logger: Logger

    static let bookkeeping = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        )
        """

    /// Applies what is missing; returns the schema version now in force.
    @discardableResult
    func migrate(_ engine: some DatabaseEngine, clock: some HearthClock) async throws -> Int {
        let migrations = self.migrations
        let logger = self.logger
        let now = clock.now.unixMilliseconds
        return try await engine.transaction { db in
            if let lock = db.dialect.migrationLock { try await db.execute(lock) }
            try await db.execute(Migrator.bookkeeping)
            let current = try await Migrator.currentVersion(db)
            let known = migrations.last?.version ?? 0
            guard current <= known else {
                throw HearthError(
                    .schemaTooNew,
                    "the database has schema version \(current) but this hearth knows only up to \(known); "
                        + "run a newer hearth (or restore a backup made by this version)")
            }
            for migration in migrations where migration.version > current {
                logger.info("applying schema migration", metadata: [
                    "version": "\(migration.version)", "name": "\(migration.name)",
                ])
                for statement in migration.statements {
                    try await db.execute(db.dialect.render(statement))
                }
                try await db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    migration.version, migration.name, now)
            }
            return max(current, known)
        }
    }

    static func currentVersion(_ db: any SQLExecutor) async throws -> Int {
        let row = try await db.first("SELECT MAX(version) AS version FROM schema_migrations")
        guard let row, case .integer(let version) = row["version"] else { return 0 }
        return Int(version)
    }
}
