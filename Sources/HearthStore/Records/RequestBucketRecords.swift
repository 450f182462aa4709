import struct Foundation.Date
import HearthCore

/// Token buckets per key (`<purpose>|<source>`), shared by every node on the database: a request
/// on any node takes from the same bucket. Only the bucket's level (in thousandths, so two nodes compare it exactly) and when it was last taken
/// from are kept; the arithmetic is ``TokenBucket``'s.
public struct RequestBucketRecords: Sendable {
    let db: any SQLExecutor

    /// Takes one from `key`'s bucket at `time`: 0 when taken, else the whole seconds until one is
    /// there (and nothing is written).
    ///
    /// Written only if the bucket is still as it was read, and read again if it was not: on
    /// PostgreSQL two nodes may take from one bucket at once, and neither take may be lost.
    public func take(_ key: String, capacity: Double, perSecond: Double, at time: Date) async throws -> Int {
        while true {
            let stored = try await db.query(
                "SELECT millitokens, updated FROM request_buckets WHERE bucket_key = ?", key
            ).first.map { (millitokens: try $0.integer("millitokens"), updated: try $0.integer("updated")) }
            var bucket = stored.map {
                TokenBucket(
                    capacity: capacity, perSecond: perSecond, tokens: Double($0.millitokens) / 1000,
                    updated: Date(unixMilliseconds: $0.updated))
            } ?? TokenBucket(capacity: capacity, perSecond: perSecond, at: time)
            guard bucket.take(at: time) else { return bucket.secondsUntilNext }
            let millitokens = Int64((bucket.tokens * 1000).rounded(.down))
            let written: [SQLRow]
            if let stored {
                written = try await db.query(
                    "UPDATE request_buckets SET millitokens = ?, updated = ? WHERE bucket_key = ? AND millitokens = ? AND updated = ?"
                        + " RETURNING bucket_key",
                    [.integer(millitokens), .integer(time.unixMilliseconds), .text(key), .integer(stored.millitokens), .integer(stored.updated)])
            } else {
                written = try await db.query(
                    "INSERT INTO request_buckets (bucket_key, millitokens, updated) VALUES (?, ?, ?) ON CONFLICT (bucket_key) DO NOTHING"
                        + " RETURNING bucket_key",
                    [.text(key), .integer(millitokens), .integer(time.unixMilliseconds)])
            }
            if !written.isEmpty { return 0 }
        }
    }

    /// Forgets the buckets of `namespace` last taken from before `time`; returns how many.
    @discardableResult
    public func deleteStale(before time: Date, namespace: String) async throws -> Int {
        try await db.query(
            "DELETE FROM request_buckets WHERE updated < ? AND bucket_key LIKE ? RETURNING bucket_key",
            [.integer(time.unixMilliseconds), .text(namespace + "%")]
        ).count
    }
}
