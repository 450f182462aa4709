import HearthCore
import HearthStore
import Logging
import SQLiteNIO

/// The embedded engine: one SQLite file in write-ahead-log mode.
///
/// One writer connection carries every transaction, one at a time (SQLite allows a single
/// writer anyway); a second connection serves reads, one at a time, which WAL lets run beside a
/// write. Other
/// processes — `hearth` admin commands while the server runs — share the file through SQLite's
/// own locking, waiting up to the busy timeout.
public final class SQLiteEngine: DatabaseEngine {
    public static let dialect = SQLDialect(
        name: "sqlite", blobType: "BLOB", migrationLock: nil,
        tableExistsQuery: "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")

    public var dialect: SQLDialect { Self.dialect }
    public let path: String
    private let writer: SQLiteConnection
    private let reader: SQLiteConnection
    private let gate = ConnectionGate()
    private let readerGate = ConnectionGate()
    private let logger: Logger

    /// How long a statement waits for another process's lock before failing with "busy".
    public static let busyTimeoutMilliseconds = 5_000

    private init(path: String, writer: SQLiteConnection, reader: SQLiteConnection, logger: Logger) {
        self.path = path
        self.writer = writer
        self.reader = reader
        self.logger = logger
    }

    /// Opens (creating if needed) the database file at `path` with WAL, foreign keys and a busy timeout.
    public static func open(path: String, logger: Logger) async throws -> SQLiteEngine {
        let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        do {
            try await configure(writer, readOnly: false)
            let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            do {
                try await configure(reader, readOnly: true)
            } catch {
                try? await reader.close()
                throw error
            }
            return SQLiteEngine(path: path, writer: writer, reader: reader, logger: logger)
        } catch {
            try? await writer.close()
            throw error
        }
    }

    private static func configure(_ connection: SQLiteConnection, readOnly: Bool) async throws {
        // busy_timeout first: the WAL switch itself may wait for another process's lock.
        _ = try await connection.query("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)", [])
        if !readOnly {
            let mode = try await connection.query("PRAGMA journal_mode = WAL", [])
            guard mode.first?.column("journal_mode")?.string == "wal" else {
                throw HearthError(.storageUnavailable, "SQLite refused write-ahead-log mode for the database file")
            }
        }
        // FULL: a commit is on disk before it is acknowledged, across power loss as well as crashes.
        _ = try await connection.query("PRAGMA synchronous = FULL", [])
        _ = try await connection.query("PRAGMA foreign_keys = ON", [])
        if readOnly { _ = try await connection.query("PRAGMA query_only = ON", []) }
    }

    public func run() async throws {
        await waitUntilCancelled()
        // Wait for the transaction in progress, then close; the last connection to close
        // checkpoints the WAL into the main file.
        await gate.acquire()
        await readerGate.acquire()
        // This task is cancelled by now, and sqlite-nio refuses to start work (even a close) from a
        // cancelled task; an unstructured task, awaited at once, is not cancelled.
        let (reader, writer) = (self.reader, self.writer)
        await Task {
            try? await reader.close()
            try? await writer.close()
        }.value
        // Released so that a late caller fails on the closed connection instead of waiting forever.
        await gate.release()
        await readerGate.release()
        logger.debug("closed SQLite database", metadata: ["path": "\(path)"])
    }

    public func read<Result: Sendable>(
        _ body: @Sendable (any SQLExecutor) async throws -> Result
    ) async throws -> Result {
        let reader = self.reader
        return try await readerGate.withHeld { try await body(SQLiteExecutor(connection: reader)) }
    }

    public func transaction<Result: Sendable>(
        _ body: @Sendable (any SQLExecutor) async throws -> Result
    ) async throws -> Result {
        let writer = self.writer
        return try await gate.withHeld {
            // IMMEDIATE takes the write lock now, so a concurrent writer in another process makes
            // us wait (busy timeout) at BEGIN instead of failing at the first write.
            _ = try await writer.query("BEGIN IMMEDIATE", [])
            do {
                let result = try await body(SQLiteExecutor(connection: writer))
                _ = try await writer.query("COMMIT", [])
                return result
            } catch {
                _ = try? await writer.query("ROLLBACK", [])
                throw error
            }
        }
    }

    public func ping() async throws {
        _ = try await read { try await $0.query("SELECT 1", []) }
    }
}
