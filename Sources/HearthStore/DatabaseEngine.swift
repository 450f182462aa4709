/// One storage engine (SQLite or PostgreSQL) behind the store.
///
/// The engine owns its connections. ``run()`` keeps it operating until graceful shutdown or
/// cancellation and then closes every connection cleanly; reads and transactions are valid only
/// while it runs (``Store/withRunning(_:_:)`` does that for commands and tests).
public protocol DatabaseEngine: Sendable {
    var dialect: SQLDialect { get }

    /// Operates the engine until the task is cancelled or graceful shutdown is triggered, then
    /// closes the connections (after the transaction in progress, if any, ends).
    func run() async throws

    /// Runs `body` on a connection for reading; writes made through it are refused.
    func read<Result: Sendable>(
        _ body: @Sendable (any SQLExecutor) async throws -> Result
    ) async throws -> Result

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    /// Transactions from concurrent callers are serialized where the engine requires it.
    func transaction<Result: Sendable>(
        _ body: @Sendable (any SQLExecutor) async throws -> Result
    ) async throws -> Result

    /// Round-trips a trivial statement; throws if the database cannot be reached.
    func ping() async throws

    /// Calls `onNotification` for every notification on `channel` (``SQLExecutor/notify(_:)``,
    /// at the commit of the transaction that sent it) until cancelled: from any process on
    /// PostgreSQL, from this process's own transactions on SQLite (others poll).
    func listen(_ channel: String, _ onNotification: @escaping @Sendable () async -> Void) async throws
}
