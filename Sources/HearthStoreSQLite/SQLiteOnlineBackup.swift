import HearthCore
import VaporCSQLite

/// A consistent copy of a SQLite database file taken while a hub keeps using it: SQLite's online
/// backup API (https://sqlite.org/backup.html), all pages in one step, inside one read transaction
/// of a connection of its own, so writers in WAL mode go on meanwhile.
public enum SQLiteOnlineBackup {
    /// Copies `source` to a new file at `destination` and returns the copy's schema version (the
    /// newest row of `schema_migrations`; 0 for a database never migrated).
    public static func copy(from source: String, to destination: String) throws -> Int {
        let from = try open(source, flags: SQLITE_OPEN_READONLY)
        defer { sqlite_nio_sqlite3_close_v2(from) }
        let to = try open(destination, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        defer { sqlite_nio_sqlite3_close_v2(to) }
        // A writer holding the lock a moment is waited for rather than failed.
        sqlite_nio_sqlite3_busy_timeout(from, 5_000)
        guard let backup = sqlite_nio_sqlite3_backup_init(to, "main", from, "main") else {
            throw SQLiteDatabase.failure(sqlite_nio_sqlite3_errcode(to), to)
        }
        let stepped = sqlite_nio_sqlite3_backup_step(backup, -1)
        let finished = sqlite_nio_sqlite3_backup_finish(backup)
        guard stepped == SQLITE_DONE, finished == SQLITE_OK else {
            throw SQLiteDatabase.failure(stepped == SQLITE_DONE ? finished : stepped, to)
        }
        return try schemaVersion(to)
    }

    private static func open(_ path: String, flags: Int32) throws -> OpaquePointer {
        var handle: OpaquePointer?
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags | SQLITE_OPEN_EXRESCODE, nil)
        guard status == SQLITE_OK, let handle else {
            let error = SQLiteDatabase.failure(status, handle)
            sqlite_nio_sqlite3_close_v2(handle)
            throw error
        }
        return handle
    }

    private static func schemaVersion(_ handle: OpaquePointer) throws -> Int {
        var statement: OpaquePointer?
        let sql = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"
        guard sqlite_nio_sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            return 0  // no schema_migrations table: nothing was ever migrated
        }
        defer { sqlite_nio_sqlite3_finalize(statement) }
        guard sqlite_nio_sqlite3_step(statement) == SQLITE_ROW else {
            throw SQLiteDatabase.failure(sqlite_nio_sqlite3_errcode(handle), handle)
        }
        return Int(sqlite_nio_sqlite3_column_int64(statement, 0))
    }
}
