import HearthCore
import HearthStore

/// Runs portable statements on one connection, on the caller's thread: a statement on a warm
/// page cache takes microseconds, less than a hop to another thread and back.
struct SQLiteExecutor: SQLExecutor {
    let database: SQLiteDatabase
    /// The commit group of the transaction, where its notifications wait; nil on the reader.
    var group: CommitGroup? = nil
    var dialect: SQLDialect { SQLiteEngine.dialect }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try database.query(sql, binds)
    }

    func notify(_ channel: String) async throws {
        guard let group else { throw HearthError.notificationInARead }
        group.notify(channel)
    }
}
