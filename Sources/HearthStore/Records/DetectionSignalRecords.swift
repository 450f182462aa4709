import struct Foundation.Date
import HearthCore

/// Hub-wide detection signals on their way from the node that saw them to the node that judges
/// them, the holder of the `detection` lease (docs/scale-out.md): one row per node and round (its
/// signals, encoded together), so a node writes per window, never per event. A queue: the judge
/// takes every committed row at once and removes it in the same statement, so none is judged
/// twice or, once committed, skipped.
public struct DetectionSignalRecords: Sendable {
    let db: any SQLExecutor

    /// Queues one round's signals from `node`, encoded as `batch`, as of `time`.
    public func post(_ batch: String, at time: Date, from node: String) async throws {
        try await db.execute("INSERT INTO detection_signals (node, at, body) VALUES (?, ?, ?)", node, time.unixMilliseconds, batch)
    }

    /// How many rounds wait: read every round, so the judge writes only when there is something to take.
    public func waiting() async throws -> Int64 {
        try await db.first("SELECT COUNT(*) AS waiting FROM detection_signals")?.integer("waiting") ?? 0
    }

    /// Removes and returns every queued round, oldest first.
    public func take() async throws -> [(node: String, at: Date, body: String)] {
        try await db.query("DELETE FROM detection_signals RETURNING node, at, body").map {
            (try $0.text("node"), Date(unixMilliseconds: try $0.integer("at")), try $0.text("body"))
        }.sorted { $0.at < $1.at }
    }
}

/// Sources refused at connection (docs/detection.md, brute force), each until a time and under
/// the alert that blocked it: every node's listeners refuse what is here, and acknowledging the
/// alert removes it.
public struct SourceBlockRecords: Sendable {
    let db: any SQLExecutor

    /// Blocks `address` until `until` (or later, if already blocked longer).
    public func block(_ address: String, until: Date, alert: String) async throws {
        try await db.execute(
            """
            INSERT INTO source_blocks (address, blocked_until, alert_id) VALUES (?, ?, ?)
            ON CONFLICT (address) DO UPDATE SET alert_id = excluded.alert_id, blocked_until =
            CASE WHEN excluded.blocked_until > source_blocks.blocked_until THEN excluded.blocked_until ELSE source_blocks.blocked_until END
            """,
            address, until.unixMilliseconds, alert)
    }

    /// The blocks in force at `time`.
    public func active(at time: Date) async throws -> [String: Date] {
        var blocks: [String: Date] = [:]
        for row in try await db.query("SELECT address, blocked_until FROM source_blocks WHERE blocked_until > ?", time.unixMilliseconds) {
            blocks[try row.text("address")] = Date(unixMilliseconds: try row.integer("blocked_until"))
        }
        return blocks
    }

    /// Lifts what `alert` blocked (it was acknowledged).
    public func lift(alert: String) async throws {
        try await db.execute("DELETE FROM source_blocks WHERE alert_id = ?", alert)
    }

    /// Forgets the blocks that ended before `time`.
    public func deleteEnded(before time: Date) async throws {
        try await db.execute("DELETE FROM source_blocks WHERE blocked_until <= ?", time.unixMilliseconds)
    }
}
