import Foundation
import HearthAudit
import HearthCore
import HearthDetection
import HearthOAuth
import HearthStore

/// The OAuth 2.x authorization server (RFC 6749 and its extensions): what the `/oauth` endpoints
/// share — the store, the signing keys, the issuer, DPoP state and the throttle.
package struct AuthorizationServer: Sendable {
    package let store: Store
    package let keyring: OAuthKeyring
    package let issuer: OAuthIssuer
    /// Password and second-factor checks for the sign-in and verification pages.
    package let signIn: PasswordSignIn
    /// Failures (wrong passwords, bad codes, bad client credentials) per source and per account.
    package let throttle: FailureThrottle
    /// Device authorization requests per source: each one is stored until it expires.
    package let deviceRequests: RequestRateLimiter
    package let dpop = DPoPVerifier()
    /// Proofs this process saw, refused at once when replayed here; every proof is also recorded in
    /// the store, which refuses one replayed on another node (``refuseReplay(_:now:)``).
    package let dpopReplay = DPoPReplayCache()
    package let nonces: DPoPNonces
    package let bodyLimit: Int
    package let lifetimes: Lifetimes
    /// Token records and their audit entries, committed together with other requests' (group commit).
    package let tokenCommits: GroupCommit<TokenRecords, Void>
    /// Where each issuance is signalled to detection (a token storm); nil when detection is off.
    package let signals: SignalInbox?
    /// Token requests past a number at once are shed (``LoadShedding``).
    package let tokenGate: LoadGate

    package struct Lifetimes: Sendable {
        /// Access tokens (RFC 9068 tokens here never live longer than 10 minutes).
        package var accessToken = 600
        /// Tokens minted by token exchange for a device behind a gateway.
        package var exchangedToken = 300
        /// A refresh-token family's absolute lifetime.
        package var refreshFamily: TimeInterval = 30 * 86_400
        package var authorizationCode: TimeInterval = 60
        package var deviceCode: TimeInterval = 600
        package var devicePollInterval = 5
    }

    package var now: Date { store.clock.now }

    /// Counts a failure against the throttle keys and, unless it was already throttled, audits it.
    package func refuse(
        _ error: OAuthError, keys: [String], source: String?, subject: String, household: HouseholdID? = nil,
        details: [String: String] = [:]
    ) async throws -> OAuthError {
        let details = details.merging(["error": error.code.rawValue]) { _, new in new }
        try await store.write { db in
            try await throttle.recordFailure(keys, in: db)
            try await db.audit.append(AuditEvent(
                .oauthTokenRefused, actor: .anonymous(address: source), subject: subject, household: household,
                reason: error.description, details: details))
        }
        return error
    }


    package static func sourceKey(_ call: CallContext) -> String { "oauth-source:" + (call.source ?? "unknown") }
}
