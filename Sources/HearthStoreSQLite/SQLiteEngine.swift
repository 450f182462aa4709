import HearthCore
import HearthStore
import Logging
import NIOPosix
import Synchronization

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
///
/// Group commit: a transaction that finishes while others wait for the writer does not commit;
/// the next one continues the same SQLite transaction, each in its own savepoint (so one that
/// fails undoes only itself), and the last of the group — no one waiting, or
/// ``maximumCommitGroup`` reached — commits for all. Every member returns only after that commit
/// (``CommitGroup``): one disk write and sync for many transactions, and nothing acknowledged
/// before it is durable.
public final class SQLiteEngine: DatabaseEngine {
    public static let dialect = SQLDialect(
        name: "sqlite", blobType: "BLOB", migrationLock: nil,
        tableExistsQuery: "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")

    public var dialect: SQLDialect { Self.dialect }
    public let path: String
    private let writer: SQLiteDatabase
    private let reader: SQLiteDatabase
    private let gate = TurnGate()
    /// The SQLite transaction being continued by the next holder of `gate`, with its member count.
    /// Only the holder of `gate` touches it; open exactly while the gate is held.
    private let openGroup = Mutex<(group: CommitGroup, members: Int)?>(nil)
    /// Commits made, for tests and diagnostics.
    private let commits = Atomic<Int>(0)
    var commitCount: Int { commits.load(ordering: .relaxed) }
    private let readerGate = TurnGate()
    private let notifications = LocalNotifications()
    private let logger: Logger

    /// How long a statement waits for another process's lock before failing with "busy". Long
    /// enough for a busy process's transaction to finish: the holder's task may wait for a
    /// thread between its statements (5 s was exceeded by a second hub node on a loaded 2-core
    /// machine). A write transaction's `BEGIN IMMEDIATE` waits as long, but asleep, not in
    /// SQLite's busy wait on a blocking-work thread (``joinGroup(_:)``).
    public static let busyTimeoutMilliseconds = 15_000
    /// Compiled statements kept per connection; more distinct texts than this (batched inserts
    /// vary in their row count) empty the cache, which then fills again.
    public static let statementCacheLimit = 512
    /// Transactions committed together at most.
    public static let maximumCommitGroup = 64

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
        // The gate may have been handed over with a group still open: it commits first.
        if let open = openGroup.withLock({ $0?.group }) { await settle(open, writer: writer, broken: false) }
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
        await gate.acquire()
        let group: CommitGroup
        do {
            group = try await joinGroup(writer)
        } catch {
            await gate.release()
            throw error
        }
        let outcome: Swift.Result<Result, any Error>
        var broken = false
        do {
            _ = try writer.query("SAVEPOINT member", [])
            let value = try await body(SQLiteExecutor(database: writer, group: group))
            _ = try writer.query("RELEASE member", [])
            group.memberEnded(released: true)
            outcome = .success(value)
        } catch {
            outcome = .failure(error)
            group.memberEnded(released: false)
            // Undo this member only; if SQLite already rolled the whole transaction back (an
            // I/O error, a full disk), the group is lost and every member fails.
            do {
                _ = try writer.query("ROLLBACK TO member", [])
                _ = try writer.query("RELEASE member", [])
            } catch {
                broken = true
            }
        }
        await endTurn(of: group, writer: writer, broken: broken)
        let value = try outcome.get()
        try await group.committed()
        return value
    }

    /// The open SQLite transaction to continue, or a new one. Called by the holder of the gate.
    private func joinGroup(_ writer: SQLiteDatabase) async throws -> CommitGroup {
        if let open = openGroup.withLock({ $0?.group }) { return open }
        // IMMEDIATE takes the write lock now, so a concurrent writer in another process makes
        // us wait at BEGIN instead of failing at the first write. The wait is this task's, not a
        // blocking-work thread's: SQLite's own busy wait would hold one of the few shared threads
        // for as long as the other process keeps the lock — and if that process is a second node
        // in this one (tests), its COMMIT could not get a thread to finish, and both would stall
        // for the whole busy timeout.
        let deadline = ContinuousClock.now + .milliseconds(Self.busyTimeoutMilliseconds)
        var pause = Duration.milliseconds(1)
        while !(try await NIOThreadPool.singleton.runIfActive { try writer.beginImmediateIfFree() }) {
            guard ContinuousClock.now < deadline else {
                throw HearthError(.storageUnavailable, "SQLite: another process kept the database locked for \(Self.busyTimeoutMilliseconds / 1000) s")
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(20))
        }
        let group = CommitGroup()
        openGroup.withLock { $0 = (group, 0) }
        return group
    }

    /// Ends the gate holder's turn: hands the open transaction to the next waiting one, or
    /// commits it (rolls it back when broken) for the whole group, then releases the gate.
    private func endTurn(of group: CommitGroup, writer: SQLiteDatabase, broken: Bool) async {
        if !broken {
            let members = openGroup.withLock { open -> Int in
                open?.members += 1
                return open?.members ?? 0
            }
            if members < Self.maximumCommitGroup, await gate.handOffIfWaiting() { return }
        }
        await settle(group, writer: writer, broken: broken)
        await gate.release()
    }

    /// Commits the open transaction for its whole group (rolls it back when broken).
    private func settle(_ group: CommitGroup, writer: SQLiteDatabase, broken: Bool) async {
        openGroup.withLock { $0 = nil }
        if broken {
            _ = try? writer.query("ROLLBACK", [])
            group.finish(.failure(HearthError(
                .storageUnavailable, "the database rolled back a transaction this one was committed with; try again")))
        } else {
            do {
                try await NIOThreadPool.singleton.runIfActive { _ = try writer.query("COMMIT", []) }
                commits.add(1, ordering: .relaxed)
                group.finish(.success(()))
                notifications.deliver(group.takeNotifications())
            } catch {
                // A failed COMMIT may have rolled back already; then this fails too, harmlessly.
                _ = try? writer.query("ROLLBACK", [])
                group.finish(.failure(error))
            }
        }
    }

    public func ping() async throws {
        _ = try await read { try await $0.query("SELECT 1", []) }
    }

    /// This process's notifications only (``LocalNotifications``).
    public func listen(_ channel: String, _ onNotification: @escaping @Sendable () async -> Void) async throws {
        await notifications.listen(channel, onNotification)
    }
}
