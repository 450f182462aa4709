import HearthCore
import HearthOAuth
import HearthStore
import Hummingbird

/// Resolves `Authorization` to a person: a sign-in session (`Bearer hst_…`, full rights of the
/// person's role) or an OAuth access token (`Bearer …` or `DPoP …`), limited to its scopes.
struct SessionAuthenticator: Sendable {
    let store: Store
    /// Verifies OAuth access tokens; nil where only sessions are accepted.
    var tokens: AccessTokenVerifier? = nil

    struct Authenticated: Sendable {
        let person: Person
        /// The session's token digest; nil for an OAuth access token.
        let tokenDigest: String?
        /// An access token's scopes; nil for a session.
        let scopes: ScopeSet?
    }

    static let sessionPrefix = "hst_"

    /// The caller, who must hold `scope` when calling with an access token.
    func authenticate(_ request: Request, _ context: HearthRequestContext, scope: String? = nil) async throws -> Authenticated {
        let (scheme, token) = try Self.credentials(request)
        if scheme == "bearer", token.hasPrefix(Self.sessionPrefix) {
            let caller = try await session(token)
            return Authenticated(person: caller.person, tokenDigest: caller.tokenDigest, scopes: nil)
        }
        guard let tokens else {
            throw Problem.unauthenticated("sign in first: send Authorization: Bearer <session token>", invalidToken: true)
        }
        let verified = try await tokens.verify(scheme: scheme, token: token, request, context)
        if let scope, !verified.scopes.tokens.contains(scope) {
            throw Problem(
                .forbidden, code: "insufficient-scope", detail: "this call needs the scope '\(scope)'",
                headers: [.wwwAuthenticate: #"Bearer error="insufficient_scope", scope="\#(scope)""#])
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
    func owner(_ request: Request, _ context: HearthRequestContext, toDo purpose: String, scope: String) async throws -> Person {
        let caller = try await authenticate(request, context, scope: scope)
        guard caller.person.role == .owner else {
            throw Problem(.forbidden, code: "forbidden", detail: "only a household owner may \(purpose)")
        }
        return caller.person
    }

    /// A sign-in session only (signing out, changing the password): an access token cannot.
    func session(_ request: Request) async throws -> SessionCaller {
        let (scheme, token) = try Self.credentials(request)
        guard scheme == "bearer", token.hasPrefix(Self.sessionPrefix) else {
            throw Problem(.forbidden, code: "session-required", detail: "this call needs a sign-in session, not an access token")
        }
        return try await session(token)
    }

    struct SessionCaller: Sendable {
        let person: Person
        let tokenDigest: String
    }

    private func session(_ token: String) async throws -> SessionCaller {
        let digest = SecretToken.digest(of: token)
        let now = store.clock.now
        let person = try await store.read { db in try await db.people.withLiveSession(tokenDigest: digest, at: now) }
        guard let person else {
            throw Problem.unauthenticated("the session token is unknown or expired; sign in again", invalidToken: true)
        }
        return SessionCaller(person: person, tokenDigest: digest)
    }

    private static func credentials(_ request: Request) throws -> (scheme: String, token: String) {
        guard let header = request.headers[.authorization] else {
            throw Problem.unauthenticated("sign in first: send Authorization: Bearer <session token>", invalidToken: false)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        let scheme = parts.first.map { $0.lowercased() } ?? ""
        guard parts.count == 2, scheme == "bearer" || scheme == "dpop", !parts[1].isEmpty, parts[1].utf8.count <= 8192 else {
            throw Problem.unauthenticated("the Authorization header is not a bearer token", invalidToken: true)
        }
        return (scheme, String(parts[1]))
    }
}
