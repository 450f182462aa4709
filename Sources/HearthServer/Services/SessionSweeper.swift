import HearthAudit
import HearthCore
import HearthStore
import Logging
import ServiceLifecycle

/// Deletes expired sessions every `interval`, so the table holds only live ones, and records
/// each sweep that removed any as one hub-wide audit entry (not one per session).
struct SessionSweeper: Service {
    let store: Store
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
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
            } catch {
                logger.warning("session sweep failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
