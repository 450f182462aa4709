import Foundation
import HearthCore
import HearthStore

/// The grant an integration's certificate stands for: the one live grant of its OAuth client.
/// Revoking it (or the client, or the certificate) is what takes the integration's access away.
package enum IntegrationGrants {
    /// The client's live grant, when the client is an active client of `household`.
    package static func live(client: String, household: HouseholdID, at now: Date, in db: StoreSession) async throws -> OAuthGrantRecord? {
        guard try await isActive(client: client, household: household, in: db) else { return nil }
        return try await db.oauthGrants.all(in: household).first { $0.clientID == client && $0.expiresAt > now }
    }

    /// Whether `grant` still stands: not revoked, not ended, its client active.
    package static func isLive(_ grant: OAuthGrantRecord, at now: Date, in db: StoreSession) async throws -> Bool {
        guard grant.revokedAt == nil, grant.expiresAt > now else { return false }
        return try await isActive(client: grant.clientID, household: grant.householdID, in: db)
    }

    private static func isActive(client: String, household: HouseholdID, in db: StoreSession) async throws -> Bool {
        guard let record = try await db.oauthClients.find(client) else { return false }
        return record.householdID == household && record.revokedAt == nil
    }
}

extension OAuthGrantRecord {
    /// The person who granted it, when a person did (`person:<id>`).
    package var person: PersonID? {
        subject.hasPrefix("person:") ? PersonID(String(subject.dropFirst("person:".count))) : nil
    }
}
