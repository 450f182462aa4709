import HearthCore
import HearthStore
import Synchronization
import VaporCSQLite

/// One SQLite connection and the statements it has compiled, each compiled once and reused.
///
/// Its calls run on the caller's thread. Callers take turns by `TurnGate`; the lock only
/// makes the hand-over between threads safe (SQLite's own mutexes are off for this connection).
final class SQLiteDatabase: Sendable {
    private struct State: ~Copyable {
        var handle: OpaquePointer?
        var statements: [String: PreparedStatement] = [:]
    }

    private let state: Mutex<State>
    let path: String

    private init(path: String, handle: sending OpaquePointer) {
        self.path = path
        self.state = Mutex(State(handle: handle))
    }

    private static let initialized: Int32 = sqlite_nio_sqlite3_initialize()

    /// Opens (creating if needed) the database file at `path`.
    static func open(path: String) throws -> SQLiteDatabase {
        guard initialized == SQLITE_OK else { throw HearthError(.storageUnavailable, "SQLite failed to initialize") }
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let error = failure(status, handle)
            sqlite_nio_sqlite3_close_v2(handle)
            throw error
        }
        return SQLiteDatabase(path: path, handle: handle)
    }

    /// Runs one statement; its rows by column name.
    func query(_ sql: String, _ binds: [SQLValue]) throws -> [SQLRow] {
        try state.withLock { state in
            guard let handle = state.handle else {
                throw HearthError(.storageUnavailable, "the SQLite database \(path) is closed")
            }
            let statement: PreparedStatement
            if let cached = state.statements[sql] {
                statement = cached
            } else {
                statement = try PreparedStatement(sql, on: handle)
                if state.statements.count >= SQLiteEngine.statementCacheLimit { state.statements.removeAll() }
                state.statements[sql] = statement
            }
            return try statement.run(binds, on: handle)
        }
    }

    /// `BEGIN IMMEDIATE` without SQLite's busy wait: false at once while another connection holds
    /// the write lock, so the caller waits without holding a thread (``SQLiteEngine``).
    func beginImmediateIfFree() throws -> Bool {
        try state.withLock { state in
            guard let handle = state.handle else {
                throw HearthError(.storageUnavailable, "the SQLite database \(path) is closed")
            }
            sqlite_nio_sqlite3_busy_timeout(handle, 0)
            defer { sqlite_nio_sqlite3_busy_timeout(handle, Int32(SQLiteEngine.busyTimeoutMilliseconds)) }
            let status = sqlite_nio_sqlite3_exec(handle, "BEGIN IMMEDIATE", nil, nil, nil)
            if status == SQLITE_OK { return true }
            if status & 0xFF == SQLITE_BUSY { return false }
            throw Self.failure(status, handle)
        }
    }

    /// Finalizes every statement and closes; the last connection to the file checkpoints the WAL.
    func close() {
        state.withLock { state in
            state.statements.removeAll()
            sqlite_nio_sqlite3_close_v2(state.handle)
            state.handle = nil
        }
    }

    /// The error for a failed call: a constraint violation is a conflict; anything else means
    /// the store cannot serve. SQLite's message names tables and columns, never a bound value.
    static func failure(_ status: Int32, _ handle: OpaquePointer?) -> HearthError {
        let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite_nio_sqlite3_errstr(status))
        if status & 0xFF == SQLITE_CONSTRAINT {
            return HearthError(.conflict, "constraint violated: \(message)")
        }
        return HearthError(.storageUnavailable, "SQLite: \(message)")
    }
}
