import Foundation
import HearthCore

/// Detection's learned baselines (docs/detection.md): a rate per subject, `device:<id>` or
/// `client:<id>`, kept in thousandths so both engines store it as an integer.
public struct BaselineRecords: Sendable {
    let db: any SQLExecutor

    /// Writes each subject's rate as of `time`.
    public func save(_ rates: [String: Double], at time: Date) async throws {
        for (subject, rate) in rates.sorted(by: { $0.key < $1.key }) where rate.isFinite && rate >= 0 {
            try await db.execute(
                """
                INSERT INTO detection_baselines (subject, rate_millis, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (subject) DO UPDATE SET rate_millis = excluded.rate_millis, updated_at = excluded.updated_at
                """,
                subject, Int64((min(rate, 1e12) * 1000).rounded()), time.unixMilliseconds)
        }
    }

    /// The rates written at or after `time`.
    public func rates(since time: Date) async throws -> [String: Double] {
        var rates: [String: Double] = [:]
        for row in try await db.query("SELECT * FROM detection_baselines WHERE updated_at >= ?", time.unixMilliseconds) {
            rates[try row.text("subject")] = Double(try row.integer("rate_millis")) / 1000
        }
        return rates
    }

    /// Forgets the rates not written since `time` (devices and clients gone quiet for good).
    public func delete(before time: Date) async throws {
        try await db.execute("DELETE FROM detection_baselines WHERE updated_at < ?", time.unixMilliseconds)
    }
}
