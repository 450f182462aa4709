import struct Foundation.Date
import HearthCore

/// An owner's one-time account-recovery codes, by digest: each lets a locked-out owner set a new
/// password once.
public struct AccountRecoveryRecords: Sendable {
    let db: any SQLExecutor

    /// Replaces every code of the person with a new set.
    public func replace(person: PersonID, digests: [String], at time: Date) async throws {
        try await db.execute("DELETE FROM account_recovery_codes WHERE person_id = ?", person.rawValue)
        for digest in digests {
            try await db.execute(
                "INSERT INTO account_recovery_codes (person_id, digest, created_at) VALUES (?, ?, ?)",
                person.rawValue, digest, time.unixMilliseconds)
        }
    }

    /// Spends a code; false when it is not one of the person's unused codes.
    public func use(person: PersonID, digest: String, at time: Date) async throws -> Bool {
        !(try await db.query(
            """
            UPDATE account_recovery_codes SET used_at = ?
            WHERE person_id = ? AND digest = ? AND used_at IS NULL RETURNING digest
            """, time.unixMilliseconds, person.rawValue, digest)).isEmpty
    }

    public func remaining(person: PersonID) async throws -> Int {
        Int(try await db.first(
            "SELECT COUNT(*) AS n FROM account_recovery_codes WHERE person_id = ? AND used_at IS NULL", person.rawValue
        )?.integer("n") ?? 0)
    }
}
