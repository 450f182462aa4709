import HearthCore
import HearthStore
import HearthStorePostgres
import HearthStoreSQLite
import Logging

/// Which engine holds the hub's records: the SQLite file in the data folder, or a PostgreSQL URL.
public enum DatabaseLocation: Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// `--database URL` if given, otherwise the data folder's SQLite file.
    public init(url: String?, dataFolder: DataFolder) throws {
        guard let url, !url.isEmpty else {
            self = .sqlite(path: dataFolder.databasePath)
            return
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(url: url)
        } else if url.hasPrefix("sqlite://") {
            self = .sqlite(path: String(url.dropFirst("sqlite://".count)))
        } else {
            throw HearthError(.configuration, "the database URL must start with postgres:// or sqlite://")
        }
    }

    public func makeEngine(logger: Logger) async throws -> any DatabaseEngine {
        switch self {
        case .sqlite(let path): try await SQLiteEngine.open(path: path, logger: logger)
        case .postgres(let url): try PostgresEngine(url: url, logger: logger)
        }
    }

    /// Safe to print: a PostgreSQL password is masked.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite://\(path)"
        case .postgres(let url): PostgresURL.redacted(url)
        }
    }
}
