import HearthCore
import HearthStore

/// What ends when a person's place in a household changes or ends (removed, role changed,
/// guest period over): their sign-in sessions there, and every OAuth grant and token they hold
/// there. Revoking moves the access-change revision, so every process's broker cuts their apps'
/// MQTT sessions at once.
package enum AccessRemoval {
    package struct Ended: Sendable {
        package let sessions: Int
        package let tokens: Int

        package var details: [String: String] { ["sessions_ended": String(sessions), "tokens_revoked": String(tokens)] }
    }

    /// Runs inside the caller's transaction, with the change that caused it.
    package static func endAccess(
        of person: PersonID, in household: HouseholdID, reason: String, db: StoreSession
    ) async throws -> Ended {
        let sessions = try await db.sessions.deleteAll(of: person, in: household)
        let tokens = try await db.oauthGrants.revokeAll(person: person, in: household, reason: reason, at: db.clock.now)
        return Ended(sessions: sessions, tokens: tokens)
    }
}
