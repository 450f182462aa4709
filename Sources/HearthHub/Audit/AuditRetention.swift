import Foundation
import HearthAudit
import HearthCore
import HearthStore

/// Redacts the details of entries older than their retention period, keeping their leaf hashes,
/// and records that it did (one entry per sweep that redacted anything). Entries holding personal
/// data (source addresses) have a shorter period of their own (docs/privacy.md).
public enum AuditRetention {
    @discardableResult
    public static func redact(store: Store, olderThan age: Duration, actor: AuditActor) async throws -> Int {
        try await sweep(store, olderThan: age, actor: actor, subject: "audit:details", reason: "retention period ended") { db, cutoff in
            try await db.audit.redact(olderThan: cutoff)
        }
    }

    @discardableResult
    public static func redactPersonal(store: Store, olderThan age: Duration, actor: AuditActor) async throws -> Int {
        try await sweep(
            store, olderThan: age, actor: actor, subject: "audit:personal-details", reason: "personal-data retention period ended"
        ) { db, cutoff in
            try await db.audit.redactPersonal(olderThan: cutoff)
        }
    }

    private static func sweep(
        _ store: Store, olderThan age: Duration, actor: AuditActor, subject: String, reason: String,
        _ redact: @Sendable (StoreSession, Date) async throws -> Int
    ) async throws -> Int {
        let cutoff = store.clock.now.addingTimeInterval(-age.seconds)
        return try await store.write { db in
            let count = try await redact(db, cutoff)
            if count > 0 {
                try await db.audit.append(AuditEvent(
                    .auditRedacted, actor: actor, subject: subject, household: nil, reason: reason,
                    details: ["count": String(count), "older_than": String(cutoff.unixMilliseconds)]))
            }
            return count
        }
    }
}
