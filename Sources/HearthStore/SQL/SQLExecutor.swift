/// Runs statements on one connection (inside a transaction, or a read-only view).
///
/// Statements use `?` placeholders and bound values only — never values spliced into the text —
/// and the portable subset of SQL both engines share. Each engine translates placeholders and
/// maps its constraint violations to `HearthError(.conflict, …)`.
public protocol SQLExecutor: Sendable {
    var dialect: SQLDialect { get }

    /// Runs one statement and returns its rows (none for statements without a result).
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
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
