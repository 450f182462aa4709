import Foundation
import HearthCore
import HearthStore

/// Writes what the ``ScopeUseLedger`` noted: for each access token (or integration certificate)
/// used, the scopes with the time, on its grant. A token without a grant (client credentials) is left out: there is no grant to
/// narrow. Losing a minute of notes to a crash costs the checkup nothing it cannot learn again.
package struct GrantScopeUse: Sendable {
    let store: Store
    let ledger: ScopeUseLedger

    package func flush() async throws {
        let noted = ledger.drain()
        guard !noted.isEmpty else { return }
        try await store.write { db in
            let now = db.clock.now
            for (user, scopes) in noted {
                switch user {
                case .token(let jti):
                    guard let token = try await db.oauthGrants.accessToken(jti: jti), let grant = token.grantID else { continue }
                    try await db.oauthGrants.noteScopeUse(grant: grant, household: token.householdID, scopes: scopes, at: now)
                case .grant(let id):
                    guard let grant = try await db.oauthGrants.find(id) else { continue }
                    try await db.oauthGrants.noteScopeUse(grant: id, household: grant.householdID, scopes: scopes, at: now)
                }
            }
        }
    }
}

extension HubServices {
    package var grantScopeUse: GrantScopeUse { GrantScopeUse(store: store, ledger: scopeUse) }
}
