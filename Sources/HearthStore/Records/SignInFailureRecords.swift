import struct Foundation.Date
import HearthCore

/// Password sign-in's failure counts per throttle key (`account:…`, `source:…`, a device
/// cookie's client), shared by every node on the database. Only counts are kept: what the
/// back-off makes of them is ``FailureBackOff``'s.
public struct SignInFailureRecords: Sendable {
    let db: any SQLExecutor

    /// The counts stored for `keys`; a key without failures is absent.
    public func counts(_ keys: [String]) async throws -> [String: FailureCount] {
        var found: [String: FailureCount] = [:]
        for chunk in Array(Set(keys)).chunked(100) {
            let rows = try await db.query(
                "SELECT throttle_key, failures, last_failure FROM sign_in_failures WHERE throttle_key IN ("
                    + Array(repeating: "?", count: chunk.count).joined(separator: ", ") + ")",
                chunk.map(SQLValue.text))
            for row in rows {
                found[try row.text("throttle_key")] = FailureCount(
                    failures: Int(try row.integer("failures")), lastFailure: try row.date("last_failure"))
            }
        }
        return found
    }

    /// Counts one failure at `time` against each of `keys`, in one statement: the increment
    /// happens in the database, so failures made at once on two nodes both count.
    public func recordFailure(_ keys: [String], at time: Date) async throws {
        // Sorted and without repeats: PostgreSQL refuses to update a row twice in one upsert,
        // and taking the rows' locks in one order keeps two nodes' upserts from deadlocking.
        let keys = Set(keys).sorted()
        guard !keys.isEmpty else { return }
        _ = try await db.query(
            "INSERT INTO sign_in_failures (throttle_key, failures, last_failure) VALUES "
                + Array(repeating: "(?, 1, ?)", count: keys.count).joined(separator: ", ")
                + " ON CONFLICT (throttle_key) DO UPDATE SET failures = sign_in_failures.failures + 1,"
                + " last_failure = excluded.last_failure",
            keys.flatMap { [SQLValue.text($0), .integer(time.unixMilliseconds)] })
    }

    /// Forgets `key`'s failures (a successful sign-in).
    public func clear(_ key: String) async throws {
        try await db.execute("DELETE FROM sign_in_failures WHERE throttle_key = ?", key)
    }

    /// Forgets counts whose newest failure is before `time`; returns how many.
    @discardableResult
    public func deleteStale(before time: Date) async throws -> Int {
        try await db.query(
            "DELETE FROM sign_in_failures WHERE last_failure < ? RETURNING throttle_key", time.unixMilliseconds
        ).count
    }
}
