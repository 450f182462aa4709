import Foundation
import HearthCore
import PostgresNIO

/// Reads a `postgres://user:password@host:port/database?sslmode=…` URL into a client configuration.
///
/// `sslmode` accepts `disable`, `prefer` (the default) and `require`; `pool_size` is the most
/// connections one hub process opens (default 20), which with the number of processes must stay
/// under the server's `max_connections`. The password never appears in an error or log line:
/// errors name only the part of the URL that is wrong.
public enum PostgresURL {
    public static func configuration(from text: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: text),
              components.scheme == "postgres" || components.scheme == "postgresql"
        else {
            throw HearthError(.configuration, "the database URL must look like postgres://user:password@host:port/database")
        }
        guard let user = components.user, !user.isEmpty else {
            throw HearthError(.configuration, "the database URL names no user")
        }
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        let database = String(components.path.drop(while: { $0 == "/" }))
        let sslmode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        default: throw HearthError(.configuration, "the database URL's sslmode must be disable, prefer or require")
        }
        let poolSize = components.queryItems?.first(where: { $0.name == "pool_size" })?.value
        guard let maximumConnections = poolSize.map({ Int($0) }) ?? defaultPoolSize,
              (1...1000).contains(maximumConnections)
        else { throw HearthError(.configuration, "the database URL's pool_size must be a number of connections from 1 to 1000") }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.isEmpty ? nil : database, tls: tls)
        // No keep-alive pings. A ping still running when the pool shuts down (postgres-nio 1.33)
        // can leave `PostgresClient.run()` waiting for ever after every connection has closed:
        // a hub then never finished stopping. With no minimum of connections, an idle one is
        // closed after a minute anyway; one that died meanwhile (a database restart) fails the
        // transaction that finds it, and the pool drops it.
        configuration.options.keepAliveBehavior = nil
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }

    /// postgres-nio's own default.
    public static let defaultPoolSize = 20

    /// The URL with its password replaced by `***`, for logs and status output.
    public static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return "postgres://(unparseable)" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "postgres://(unparseable)"
    }
}
