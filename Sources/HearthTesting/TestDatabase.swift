import Foundation
import HearthCore
import HearthStore
import HearthStorePostgres
import HearthStoreSQLite
import Logging
import PostgresNIO

/// The engines every storage and hub test runs against.
public enum TestEngine: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// The PostgreSQL server the test command started (`scripts/test` sets this variable).
    public static let postgresAdminURLVariable = "HEARTH_TEST_POSTGRES_URL"
}

/// A fresh, empty database for one test: a SQLite file in its own temporary folder, or a new
/// database created on the test PostgreSQL server. Dropped or deleted afterwards.
public struct TestDatabase: Sendable {
    public let engine: TestEngine
    /// The value for `--database` (PostgreSQL) or the SQLite file path.
    public let url: String
    public let folder: URL
    private let postgresName: String?

    public static func make(_ engine: TestEngine) async throws -> TestDatabase {
        let folder = try TemporaryFolder.make(prefix: "hearth-test")
        switch engine {
        case .sqlite:
            return TestDatabase(engine: .sqlite, url: "sqlite://" + folder.appendingPathComponent("hearth.sqlite").path,
                                folder: folder, postgresName: nil)
        case .postgres:
            let admin = try adminURL()
            let name = "hearth_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            // Retried: under a full parallel run PostgreSQL has refused a CREATE DATABASE now and then.
            var attempt = 0
            while true {
                do {
                    try await adminExecute(admin, "CREATE DATABASE \(name)")
                    break
                } catch {
                    attempt += 1
                    guard attempt < 3 else { throw CurlClient.CurlError(message: "CREATE DATABASE: \(String(reflecting: error))") }
                    try await Task.sleep(for: .milliseconds(200 * attempt))
                }
            }
            var components = URLComponents(string: admin)!
            components.path = "/" + name
            // The suite runs a hundred tests at once, many with a hub process and a store of their
            // own: at postgres-nio's 20 connections each they once took all of the server's 1,000.
            components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "pool_size", value: "6")]
            return TestDatabase(engine: .postgres, url: components.string!, folder: folder, postgresName: name)
        }
    }

    public func makeEngine(logger: Logger = Logger(label: "test")) async throws -> any DatabaseEngine {
        switch engine {
        case .sqlite: try await SQLiteEngine.open(path: String(url.dropFirst("sqlite://".count)), logger: logger)
        case .postgres: try PostgresEngine(url: url, logger: logger)
        }
    }

    /// Removes the database and the folder.
    public func drop() async {
        if let postgresName, let admin = try? Self.adminURL() {
            try? await Self.adminExecute(admin, "DROP DATABASE IF EXISTS \(postgresName) WITH (FORCE)")
        }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs `body` with a fresh database, dropped afterwards whatever happens.
    public static func with<Result: Sendable>(
        _ engine: TestEngine, _ body: (TestDatabase) async throws -> Result
    ) async throws -> Result {
        let database = try await make(engine)
        do {
            let result = try await body(database)
            await database.drop()
            return result
        } catch {
            await database.drop()
            throw error
        }
    }

    /// Opens the database with a migrated store for `body`.
    public func withStore<Result: Sendable>(
        clock: any HearthClock = SystemClock(), migrate: Bool = true, _ body: (Store) async throws -> Result
    ) async throws -> Result {
        try await Store.withRunning(
            try await makeEngine(), clock: clock, logger: Logger(label: "test"), migrate: migrate, body)
    }

    static func adminURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment[TestEngine.postgresAdminURLVariable], !url.isEmpty else {
            throw HearthError(
                .configuration,
                "\(TestEngine.postgresAdminURLVariable) is not set: run the suite with scripts/test, which starts PostgreSQL")
        }
        return url
    }

    static func adminExecute(_ url: String, _ sql: String) async throws {
        let configuration = try PostgresURL.configuration(from: url)
        let connectionConfiguration = PostgresConnection.Configuration(
            host: configuration.host ?? "127.0.0.1", port: configuration.port ?? 5432,
            username: configuration.username, password: configuration.password,
            database: configuration.database, tls: .disable)
        let connection = try await PostgresConnection.connect(
            configuration: connectionConfiguration, id: 1, logger: Logger(label: "test-admin"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-admin"))
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

public enum TemporaryFolder {
    public static func make(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
