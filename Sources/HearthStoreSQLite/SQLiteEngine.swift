import HearthCore
import HearthStore
import Logging
import NIOPosix

/// The embedded engine: one SQLite file in write-ahead-log mode.
///
/// One writer connection carries every transaction, one at a time (SQLite allows a single
/// writer anyway); a second connection serves reads, one at a time, which WAL lets run beside a
/// write. Other processes — `hearth` admin commands while the server runs — share the file
/// through SQLite's own locking, waiting up to the busy timeout.
///
/// Statements run on the caller's thread, except those that may wait: `BEGIN IMMEDIATE` (for
/// another process's write lock) and `COMMIT` (for the disk) run on a blocking-work thread, so
/// no task thread sleeps in them. Reads take turns on the reader, so a long one (an audit
/// search over a large log) holds at most one task thread.
public final class SQLiteEngine: DatabaseEngine {
    public static let dialect = SQLDialect(
        name: "sqlite", blobType: "BLOB", migrationLock: nil,
        tableExistsQuery: "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")

    public var dialect: SQLDialect { Self.dialect }
    public let path: String
    private let writer: SQLiteDatabase
    private let reader: SQLiteDatabase
    private let gate = ConnectionGate()
    private let readerGate = ConnectionGate()
    private let logger: Logger

    /// How long a statement waits for another process's lock before failing with "busy".
    public static let busyTimeoutMilliseconds = 5_000
    /// Compiled statements kept per connection; more distinct texts than this (batched inserts
    /// vary in their row count) empty the cache, which then fills again.
    public static let statementCacheLimit = 512

    private init(path: String, writer: SQLiteDatabase, reader: SQLiteDatabase, logger: Logger) {
        self.path = path
        self.writer = writer
        self.reader = reader
        self.logger = logger
    }

    /// Opens (creating if needed) the database file at `path` with WAL, foreign keys and a busy timeout.
    public static func open(path: String, logger: Logger) async throws -> SQLiteEngine {
        // Opening may wait for another process's lock (the WAL switch): a blocking-work thread.
        try await NIOThreadPool.singleton.runIfActive {
            let writer = try SQLiteDatabase.open(path: path)
            do {
                try configure(writer, readOnly: false)
                let reader = try SQLiteDatabase.open(path: path)
                do {
                    try configure(reader, readOnly: true)
                } catch {
                    reader.close()
                    throw error
                }
                return SQLiteEngine(path: path, writer: writer, reader: reader, logger: logger)
            } catch {
                writer.close()
                throw error
            }
        }
    }

    private static func configure(_ connection: SQLiteDatabase, readOnly: Bool) throws {
        // busy_timeout first: the WAL switch itself may wait for another process's lock.
        _ = try connection.query("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)", [])
        if !readOnly {
            let mode = try connection.query("PRAGMA journal_mode = WAL", [])
            guard mode.first?["journal_mode"] == .text("wal") else {
                throw HearthError(.storageUnavailable, "SQLite refused write-ahead-log mode for the database file")
            }
        }
        // FULL: a commit is on disk before it is acknowledged, across power loss as well as crashes.
        _ = try connection.query("PRAGMA synchronous = FULL", [])
        _ = try connection.query("PRAGMA foreign_keys = ON", [])
        // A statement's own undo journal (kept while a multi-row statement runs inside a
        // transaction) stays in memory instead of spilling to a temporary file: it is never
        // needed after the statement, let alone after a crash.
        _ = try connection.query("PRAGMA temp_store = MEMORY", [])
        if readOnly { _ = try connection.query("PRAGMA query_only = ON", []) }
    }

    public func run() async throws {
        await waitUntilCancelled()
        // Wait for the transaction in progress, then close; the last connection to close
        // checkpoints the WAL into the main file.
        await gate.acquire()
        await readerGate.acquire()
        reader.close()
        writer.close()
        // Released so that a late caller fails on the closed connection instead of waiting forever.
        await gate.release()
        await readerGate.release()
        logger.debug("closed SQLite database", metadata: ["path": "\(path)"])
    }

    public func read<Result: Sendable>(
        _ body: @Sendable (any SQLExecutor) async throws -> Result
    ) async throws -> Result {
        let reader = self.reader
        return try await readerGate.withHeld { try await body(SQLiteExecutor(database: reader)) }
    }

    public func transaction<Result: Sendable>(
        _ body: @Sendable (any SQLExecutor) async throws -> Result
    ) async throws -> Result {
        let writer = self.writer
        return try await gate.withHeld {
            // IMMEDIATE takes the write lock now, so a concurrent writer in another process makes
            // us wait (busy timeout) at BEGIN instead of failing at the first write.
            try await NIOThreadPool.singleton.runIfActive { _ = try writer.query("BEGIN IMMEDIATE", []) }
            do {
                let result = try await body(SQLiteExecutor(database: writer))
                try await NIOThreadPool.singleton.runIfActive { _ = try writer.query("COMMIT", []) }
                return result
            } catch {
                // A failed COMMIT may have rolled back already; then this fails too, harmlessly.
                _ = try? writer.query("ROLLBACK", [])
                throw error
            }
        }
    }

    public func ping() async throws {
        _ = try await read { try await $0.query("SELECT 1", []) }
    }
}
