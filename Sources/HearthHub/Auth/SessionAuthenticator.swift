import HearthCore
import HearthOAuth
import HearthStore

/// Resolves `Authorization` to a person: a sign-in session (`Bearer hst_…`, full rights of the
/// person's role) or an OAuth access token (`Bearer …` or `DPoP …`), limited to its scopes.
package struct SessionAuthenticator: Sendable {
    package let store: Store
    /// Verifies OAuth access tokens; nil where only sessions are accepted.
    package var tokens: AccessTokenVerifier? = nil

    package struct Authenticated: Sendable {
        package let person: Person
        /// The session's token digest; nil for an OAuth access token.
        package let tokenDigest: String?
        /// An access token's scopes; nil for a session.
        package let scopes: ScopeSet?
    }

    package static let sessionPrefix = "hst_"

    /// The caller, who must hold `scope` when calling with an access token.
    package func authenticate(_ call: CallContext, scope: String? = nil) async throws -> Authenticated {
        let (scheme, token) = try Self.credentials(call.authorization)
        if scheme == "bearer", token.hasPrefix(Self.sessionPrefix) {
            let caller = try await session(token)
            return Authenticated(person: caller.person, tokenDigest: caller.tokenDigest, scopes: nil)
        }
        guard let tokens else {
            throw HearthError.unauthenticated("sign in first: send Authorization: Bearer <session token>", invalidToken: true)
        }
        let verified = try await tokens.verify(scheme: scheme, token: token, call)
        if let scope, !verified.scopes.tokens.contains(scope) {
            throw HearthError(
                .forbidden, code: "insufficient-scope", "this call needs the scope '\(scope)'",
                challenge: .init(scheme: "Bearer", error: "insufficient_scope", scope: scope))
        }
        let at = store.clock.now
        let person = try await store.read { db -> Person? in
            guard let id = PersonID(verified.claims.sub), let person = try await db.people.find(id),
                  let stored = try await db.oauthGrants.accessToken(jti: verified.claims.jti),
                  stored.householdID == person.householdID, stored.expiresAt > at
            else { return nil }
            return person
        }
        guard let person else { throw AccessTokenVerifier.invalid("the token does not name a person of this hub", dpop: scheme == "dpop") }
        return Authenticated(person: person, tokenDigest: nil, scopes: verified.scopes)
    }

    /// The signed-in person, who must be a household owner (and hold `scope` when calling with
    /// an access token); 403 naming `purpose` otherwise.
    package func owner(_ call: CallContext, toDo purpose: String, scope: String) async throws -> Person {
        let caller = try await authenticate(call, scope: scope)
        guard caller.person.role == .owner else {
            throw HearthError(.forbidden, code: "forbidden", "only a household owner may \(purpose)")
        }
        return caller.person
    }

    /// A sign-in session only (signing out, changing the password): an access token cannot.
    package func session(_ call: CallContext) async throws -> SessionCaller {
        let (scheme, token) = try Self.credentials(call.authorization)
        guard scheme == "bearer", token.hasPrefix(Self.sessionPrefix) else {
            throw HearthError(.forbidden, code: "session-required", "this call needs a sign-in session, not an access token")
        }
        return try await session(token)
    }

    package struct SessionCaller: Sendable {
        package let person: Person
        package let tokenDigest: String
    }

    private func session(_ token: String) async throws -> SessionCaller {
        let digest = SecretToken.digest(of: token)
        let now = store.clock.now
        let person = try await store.read { db in try await db.people.withLiveSession(tokenDigest: digest, at: now) }
        guard let person else {
            throw HearthError.unauthenticated("the session token is unknown or expired; sign in again", invalidToken: true)
        }
        return SessionCaller(person: person, tokenDigest: digest)
    }

    private static func credentials(_ header: String?) throws -> (scheme: String, token: String) {
        guard let header else {
            throw HearthError.unauthenticated("sign in first: send Authorization: Bearer <session token>", invalidToken: false)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        let scheme = parts.first.map { $0.lowercased() } ?? ""
        guard parts.count == 2, scheme == "bearer" || scheme == "dpop", !parts[1].isEmpty, parts[1].utf8.count <= 8192 else {
            throw HearthError.unauthenticated("the Authorization header is not a bearer token", invalidToken: true)
        }
        return (scheme, String(parts[1]))
    }
}
