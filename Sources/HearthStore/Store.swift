import HearthCore
import Logging

/// The one storage API of Hearth, the same over SQLite and PostgreSQL.
///
/// Reads go through ``read(_:)``; every state change goes through ``write(_:)``, which commits
/// the whole closure or nothing — the place where later features record a change together with
/// its audit entry.
public struct Store: Sendable {
    public let engine: any DatabaseEngine
    public let clock: any HearthClock
    let logger: Logger

    public init(engine: any DatabaseEngine, clock: any HearthClock, logger: Logger) {
        self.engine = engine
        self.clock = clock
        self.logger = logger
    }

    /// Applies missing migrations; throws `schema-too-new` on a database from a newer hearth.
    @discardableResult
    public func migrate(_ migrations: [Migration] = Schema.migrations) async throws -> Int {
        try await Migrator(migrations: migrations, logger: logger).migrate(engine, clock: clock)
    }

    public func schemaVersion() async throws -> Int {
        try await engine.read { db in
            // The bookkeeping table is absent on a database nothing has touched yet.
            guard try await db.first(db.dialect.tableExistsQuery, "schema_migrations") != nil else { return 0 }
            return try await Migrator.currentVersion(db)
        }
    }

    public func read<Result: Sendable>(
        _ body: @Sendable (StoreSession) async throws -> Result
    ) async throws -> Result {
        try await engine.read { db in try await body(StoreSession(db: db, clock: clock)) }
    }

    @discardableResult
    public func write<Result: Sendable>(
        _ body: @Sendable (StoreSession) async throws -> Result
    ) async throws -> Result {
        try await engine.transaction { db in try await body(StoreSession(db: db, clock: clock)) }
    }

    public func ping() async throws { try await engine.ping() }

    /// Runs the engine for the duration of `body` with the schema migrated — the way commands,
    /// tests and `hearth serve` hold a database open — and closes it cleanly afterwards.
    public static func withRunning<Result: Sendable>(
        _ engine: any DatabaseEngine, clock: any HearthClock = SystemClock(), logger: Logger,
        migrate: Bool = true,
        _ body: (Store) async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Started at once, up to its first wait: PostgresNIO warns on standard error about a
            // lease before its run() was entered, which a separate task could not guarantee.
            group.addImmediateTask { try await engine.run() }
            defer { group.cancelAll() }
            let store = Store(engine: engine, clock: clock, logger: logger)
            if migrate { try await store.migrate() }
            let result = try await body(store)
            group.cancelAll()
            try await group.waitForAll()
            return result
        }
    }
}
