import HearthCore

/// Runs statements on one connection (inside a transaction, or a read-only view).
///
/// Statements use `?` placeholders and bound values only — never values spliced into the text —
/// and the portable subset of SQL both engines share. Each engine translates placeholders and
/// maps its constraint violations to `HearthError(.conflict, …)`.
public protocol SQLExecutor: Sendable {
    var dialect: SQLDialect { get }

    /// Runs one statement and returns its rows (none for statements without a result).
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]

    /// Notifies `channel`'s listeners (``DatabaseEngine/listen(_:_:)``) when this transaction
    /// commits, and not if it does not: PostgreSQL's NOTIFY reaches every process on the database;
    /// SQLite has none, so the listeners of this process are all it reaches (others poll).
    func notify(_ channel: String) async throws
}

extension HearthError {
    /// ``SQLExecutor/notify(_:)`` on a read: there is no commit to send the notification at.
    public static let notificationInARead = HearthError(
        Code("read-only"), "a notification is sent from a transaction, not from a read")
}

extension SQLExecutor {
    public func query(_ sql: String, _ binds: any SQLBindable...) async throws -> [SQLRow] {
        try await query(sql, binds.map(\.sqlValue))
    }

    public func execute(_ sql: String, _ binds: any SQLBindable...) async throws {
        _ = try await query(sql, binds.map(\.sqlValue))
    }

    public func first(_ sql: String, _ binds: any SQLBindable...) async throws -> SQLRow? {
        try await query(sql, binds.map(\.sqlValue)).first
    }
}
