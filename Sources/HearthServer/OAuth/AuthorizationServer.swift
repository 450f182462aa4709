import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore
import Hummingbird

/// The OAuth 2.x authorization server (RFC 6749 and its extensions): what the `/oauth` endpoints
/// share — the store, the signing keys, the issuer, DPoP state and the throttle.
struct AuthorizationServer: Sendable {
    let store: Store
    let keyring: OAuthKeyring
    let issuer: OAuthIssuer
    /// Password and second-factor checks for the sign-in and verification pages.
    let signIn: PasswordSignIn
    /// Failures (wrong passwords, bad codes, bad client credentials) per source and per account.
    let throttle: SignInThrottle
    /// Device authorization requests per source: each one is stored until it expires.
    let deviceRequests: RequestRateLimiter
    let dpop = DPoPVerifier()
    let dpopReplay = DPoPReplayCache()
    let nonces = DPoPNonces()
    let bodyLimit: Int
    let lifetimes: Lifetimes
    /// Token records and their audit entries, committed together with other requests' (group commit).
    let tokenCommits: GroupCommit<TokenRecords, Void>

    struct Lifetimes: Sendable {
        /// Access tokens (RFC 9068 tokens here never live longer than 10 minutes).
        var accessToken = 600
        /// Tokens minted by token exchange for a device behind a gateway.
        var exchangedToken = 300
        /// A refresh-token family's absolute lifetime.
        var refreshFamily: TimeInterval = 30 * 86_400
        var authorizationCode: TimeInterval = 60
        var deviceCode: TimeInterval = 600
        var devicePollInterval = 5
    }

    var now: Date { store.clock.now }

    /// Counts a failure against the throttle keys and, unless it was already throttled, audits it.
    func refuse(
        _ error: OAuthError, keys: [String], source: String?, subject: String, household: HouseholdID? = nil,
        details: [String: String] = [:]
    ) async throws -> OAuthError {
        await throttle.recordFailure(keys)
        let details = details.merging(["error": error.code.rawValue]) { _, new in new }
        try await store.write { db in
            try await db.audit.append(AuditEvent(
                .oauthTokenRefused, actor: .anonymous(address: source), subject: subject, household: household,
                reason: error.description, details: details))
        }
        return error
    }


    static func sourceKey(_ context: HearthRequestContext) -> String { "oauth-source:" + (context.remoteIP ?? "unknown") }
}
