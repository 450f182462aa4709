import HearthAudit
import HearthCore
import HearthStore
import Logging

/// Deletes expired sessions, so the table holds only live ones, and records each sweep that
/// removed any as one hub-wide audit entry (not one per session). Run by a `PeriodicService`.
package enum SessionSweeper {
    package static func sweep(_ store: Store, logger: Logger) async throws {
        let now = store.clock.now
        let removed = try await store.write { db in
            let removed = try await db.sessions.deleteExpired(before: now)
            if removed > 0 {
                try await db.audit.append(AuditEvent(
                    .sessionsExpired, actor: .system("hub"), subject: "sessions:expired", household: nil,
                    reason: "lifetime ended", details: ["count": String(removed)]))
            }
            return removed
        }
        if removed > 0 { logger.debug("swept expired sessions", metadata: ["count": "\(removed)"]) }
    }
}
