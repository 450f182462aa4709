import HearthCore
import HearthStore
import Logging
import PostgresNIO

/// The scale-out engine: a postgres-nio connection pool, shared by any number of hub processes.
public struct PostgresEngine: DatabaseEngine {
    public static let dialect = SQLDialect(
        name: "postgres", blobType: "BYTEA",
        // A transaction-scoped advisory lock: only one process migrates at a time.
        migrationLock: "SELECT COUNT(*) AS locked FROM (SELECT pg_advisory_xact_lock(7208451173)) AS lock",
        tableExistsQuery: """
            SELECT table_name::text AS name FROM information_schema.tables
            WHERE table_schema = current_schema() AND table_name = ?
            """,
        // PostgreSQL ends a session idle in its transaction for 2 s (releasing its locks), and a
        // statement gives up after waiting 3 s for a lock: one silent node cannot stall the others.
        leaseLockLimits: ["SET LOCAL idle_in_transaction_session_timeout = 2000", "SET LOCAL lock_timeout = 3000"])

    public var dialect: SQLDialect { Self.dialect }
    private let client: PostgresClient
    private let logger: Logger

    public init(configuration: PostgresClient.Configuration, logger: Logger) {
        // PostgresNIO's trace level is every wire message with its bytes: rows hold digests and
        // sealed keys, which no log may show, and a hub at trace spent much of its time writing
        // them. Hearth's trace is Hearth's own events; the driver stops at debug.
        var driverLogger = logger
        driverLogger.logLevel = max(logger.logLevel, .debug)
        self.client = PostgresClient(configuration: configuration, backgroundLogger: driverLogger)
        self.logger = driverLogger
    }

    public init(url: String, logger: Logger) throws {
        self.init(configuration: try PostgresURL.configuration(from: url), logger: logger)
    }

    public func run() async throws {
        // The pool runs until this task is cancelled, then closes its connections.
        await client.run()
    }

    public func read<Result: Sendable>(
        _ body: @Sendable (any SQLExecutor) async throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        return try await client.withConnection { connection in
            try await body(PostgresExecutor(connection: connection, logger: logger, reading: true))
        }
    }

    /// Attempts of a transaction that PostgreSQL aborted to break a deadlock (or a serialization
    /// conflict): two transactions that take the same rows in opposite orders (an audit append and
    /// an access-change bump, say) are both correct, and one of them is chosen to be run again.
    static let attempts = 4

    public func transaction<Result: Sendable>(
        _ body: @Sendable (any SQLExecutor) async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await transactionOnce(body)
            } catch let error as PSQLError where attempt < Self.attempts && Self.isRetriable(error) {
                logger.notice(
                    "transaction aborted by PostgreSQL, running it again",
                    metadata: ["sqlstate": "\(error.serverInfo?[.sqlState] ?? "")", "attempt": "\(attempt)"])
                attempt += 1
                // A few milliseconds, varied, so the two do not collide again in step.
                try await Task.sleep(for: .milliseconds(Int.random(in: 2...20) * attempt))
            }
        }
    }

    /// Deadlock detected, or a serialization failure: the transaction was rolled back whole.
    static func isRetriable(_ error: PSQLError) -> Bool {
        let state = error.serverInfo?[.sqlState]
        return state == "40P01" || state == "40001"
    }

    private func transactionOnce<Result: Sendable>(
        _ body: @Sendable (any SQLExecutor) async throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await body(PostgresExecutor(connection: connection, logger: logger))
            }
        } catch let error as PostgresTransactionError {
            // Callers expect the error their closure threw (a typed HearthError), as on SQLite;
            // a failure to begin, roll back or commit is the engine's own and is passed on as such.
            if let closureError = error.closureError, error.rollbackError == nil { throw closureError }
            throw error
        }
    }

    /// LISTEN on a connection of the pool, held for as long as this runs.
    public func listen(_ channel: String, _ onNotification: @escaping @Sendable () async -> Void) async throws {
        try await client.withConnection { connection in
            try await connection.listen(on: channel) { notifications in
                for try await _ in notifications { await onNotification() }
            }
        }
    }

    public func ping() async throws {
        try await client.query("SELECT 1", logger: logger)
    }
}
