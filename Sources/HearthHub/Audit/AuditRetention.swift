import Foundation
import HearthAudit
import HearthCore
import HearthStore

/// Redacts the details of entries older than the retention period, keeping their leaf hashes,
/// and records that it did (one entry per sweep that redacted anything).
public enum AuditRetention {
    @discardableResult
    public static func redact(store: Store, olderThan age: Duration, actor: AuditActor) async throws -> Int {
        let cutoff = store.clock.now.addingTimeInterval(-age.seconds)
        return try await store.write { db in
            let count = try await db.audit.redact(olderThan: cutoff)
            if count > 0 {
                try await db.audit.append(AuditEvent(
                    .auditRedacted, actor: actor, subject: "audit:details", household: nil,
                    reason: "retention period ended",
                    details: ["count": String(count), "older_than": String(cutoff.unixMilliseconds)]))
            }
            return count
        }
    }

    /// Redacts the details of entries holding personal data (source addresses) older than `age`,
    /// the shorter retention of docs/privacy.md; one entry records each sweep that redacted any.
    @discardableResult
    public static func redactPersonal(store: Store, olderThan age: Duration, actor: AuditActor) async throws -> Int {
        let cutoff = store.clock.now.addingTimeInterval(-age.seconds)
        return try await store.write { db in
            let count = try await db.audit.redactPersonal(olderThan: cutoff)
            if count > 0 {
                try await db.audit.append(AuditEvent(
                    .auditRedacted, actor: actor, subject: "audit:personal-details", household: nil,
                    reason: "personal-data retention period ended",
                    details: ["count": String(count), "older_than": String(cutoff.unixMilliseconds)]))
            }
            return count
        }
    }
}
