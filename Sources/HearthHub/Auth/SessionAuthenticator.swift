import struct Foundation.Date
import HearthCore
import HearthOAuth
import HearthStore

/// Resolves `Authorization` to a person acting in one household: a sign-in session (`Bearer
/// hst_…`, the rights of the person's role there) or an OAuth access token (`Bearer …` or
/// `DPoP …`, for the household its client belongs to, limited to its scopes). Every answer is
/// the policy engine's: a suspended household, a removed membership or a guest outside their
/// window is refused here, before any route runs.
package struct SessionAuthenticator: Sendable {
    package let store: Store
    /// Verifies OAuth access tokens; nil where only sessions are accepted.
    package var tokens: AccessTokenVerifier? = nil
    /// Where a call's access token notes the scope it was used for.
    package var scopeUse: ScopeUseLedger? = nil

    package struct Authenticated: Sendable {
        package let member: Member
        /// The session's token digest; nil for an OAuth access token.
        package let tokenDigest: String?
        /// An access token's scopes; nil for a session.
        package let scopes: ScopeSet?
    }

    package static let sessionPrefix = "hst_"

    /// The caller, who must hold `scope` when calling with an access token.
    package func authenticate(_ call: CallContext, scope: String? = nil) async throws -> Authenticated {
        try await authorize(call, .useHousehold, scope: scope)
    }

    /// The signed-in person, who must be a household owner (and hold `scope` when calling with
    /// an access token); 403 naming `purpose` otherwise.
    package func owner(_ call: CallContext, toDo purpose: String, scope: String) async throws -> Member {
        do {
            return try await authorize(call, .administerHousehold, scope: scope).member
        } catch let error as HearthError where error.code.rawValue == "owner-only" {
            throw HearthError(.forbidden, code: "forbidden", "only a household owner may \(purpose)")
        }
    }

    /// The caller, if the policy lets them take `action` on their household.
    private func authorize(_ call: CallContext, _ action: PolicyAction, scope: String?) async throws -> Authenticated {
        let (scheme, token) = try Self.credentials(call.authorization)
        let caller: Authenticated
        if scheme == "bearer", token.hasPrefix(Self.sessionPrefix) {
            let session = try await session(token)
            guard let member = session.member else {
                throw HearthError(.forbidden, code: "operator-session", "a hub-operator session manages households, not what is in them; sign in to a household")
            }
            caller = Authenticated(member: member, tokenDigest: session.tokenDigest, scopes: nil)
        } else {
            caller = try await accessToken(scheme: scheme, token: token, call, scope: scope)
        }
        try Self.check(caller.member, action, at: store.clock.now)
        return caller
    }

    private func accessToken(scheme: String, token: String, _ call: CallContext, scope: String?) async throws -> Authenticated {
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
        let member = try await store.read { db -> Member? in
            guard let id = PersonID(verified.claims.sub),
                  let stored = try await db.oauthGrants.accessToken(jti: verified.claims.jti), stored.expiresAt > at,
                  try await db.households.find(stored.householdID)?.state == .active
            else { return nil }
            return try await db.memberships.member(id, in: stored.householdID)
        }
        guard let member else {
            throw AccessTokenVerifier.invalid("the token does not name a person of an active household", dpop: scheme == "dpop")
        }
        if let scope { scopeUse?.note(.token(verified.claims.jti), scope: scope) }
        return Authenticated(member: member, tokenDigest: nil, scopes: verified.scopes)
    }

    /// Refuses unless the policy engine allows `action` for `member` on their household now.
    package static func check(_ member: Member, _ action: PolicyAction, at now: Date) throws {
        let decision = PolicyEngine.decide(
            .person(member.membership), action, .household(member.householdID), PolicyContext(now: now))
        guard decision.allowed else { throw HearthError(.forbidden, code: decision.code, decision.reason) }
    }

    /// Whoever calls, for `GET /v1/me`: a person in a household (by session or access token), or
    /// a hub operator in an operator session.
    package func identify(_ call: CallContext) async throws -> (person: Person, member: Member?, isOperator: Bool) {
        let (scheme, token) = try Self.credentials(call.authorization)
        if scheme == "bearer", token.hasPrefix(Self.sessionPrefix) {
            let caller = try await session(token)
            if let member = caller.member { try Self.check(member, .useHousehold, at: store.clock.now) }
            return (caller.person, caller.member, caller.isOperator)
        }
        let member = try await authenticate(call).member
        return (member.person, member, false)
    }

    /// A sign-in session only (signing out, changing the password): an access token cannot.
    package func session(_ call: CallContext) async throws -> SessionCaller {
        let (scheme, token) = try Self.credentials(call.authorization)
        guard scheme == "bearer", token.hasPrefix(Self.sessionPrefix) else {
            throw HearthError(.forbidden, code: "session-required", "this call needs a sign-in session, not an access token")
        }
        return try await session(token)
    }

    /// A hub-operator session, which the policy must let operate the hub.
    package func hubOperator(_ call: CallContext) async throws -> SessionCaller {
        let caller = try await session(call)
        guard caller.member == nil, caller.isOperator else {
            throw HearthError(.forbidden, code: "operator-session-required", "this needs a hub-operator session (sign in with \"operator\": true)")
        }
        let decision = PolicyEngine.decide(.hubOperator(caller.person.id), .operateHub, .hub, PolicyContext(now: store.clock.now))
        guard decision.allowed else { throw HearthError(.forbidden, code: decision.code, decision.reason) }
        return caller
    }

    package struct SessionCaller: Sendable {
        package let person: Person
        /// The household the session is for; nil in an operator session.
        package let member: Member?
        package let isOperator: Bool
        package let tokenDigest: String
        /// When an idle-limited (console) session ends unless used.
        package var idleUntil: Date? = nil

        /// The household the session is for, if any, for audit entries.
        package var householdID: HouseholdID? { member?.householdID }
    }

    private func session(_ token: String) async throws -> SessionCaller {
        let digest = SecretToken.digest(of: token)
        let now = store.clock.now
        let found = try await store.read { db in try await db.sessions.caller(tokenDigest: digest, at: now) }
        guard let found else {
            throw HearthError.unauthenticated("the session token is unknown or expired; sign in again", invalidToken: true)
        }
        if found.householdID != nil {
            // A membership that ended or a household that is not active ends the session's use
            // at once (its row is removed with the change; this covers every other process).
            guard let membership = found.membership, found.householdState == .active else {
                throw HearthError.unauthenticated("the session's household is no longer open to you; sign in again", invalidToken: true)
            }
            return SessionCaller(
                person: found.person, member: Member(person: found.person, membership: membership),
                isOperator: found.isOperator, tokenDigest: digest, idleUntil: found.idleUntil)
        }
        guard found.isOperator else {
            throw HearthError.unauthenticated("the session is no longer an operator's; sign in again", invalidToken: true)
        }
        return SessionCaller(person: found.person, member: nil, isOperator: true, tokenDigest: digest, idleUntil: found.idleUntil)
    }

    /// The household member behind a console session's token, if the policy lets them take
    /// `action` on their household now. An idle-limited session's end moves `idle` ahead of now
    /// (written at most once a minute, so browsing costs no write per page); nil leaves it, for
    /// what is not the person's doing (a page's live updates).
    package func member(sessionToken token: String, _ action: PolicyAction, idle: Duration?) async throws -> (Member, SessionCaller) {
        guard token.hasPrefix(Self.sessionPrefix), token.utf8.count <= 128 else {
            throw HearthError.unauthenticated("sign in first", invalidToken: true)
        }
        let caller = try await session(token)
        guard let member = caller.member else {
            throw HearthError(.forbidden, code: "operator-session", "a hub-operator session manages households, not what is in them; sign in to a household")
        }
        let now = store.clock.now
        try Self.check(member, action, at: now)
        if let idle, let idleUntil = caller.idleUntil, idleUntil.timeIntervalSince(now) < idle.seconds - 60 {
            let digest = caller.tokenDigest
            try await store.write { db in try await db.sessions.touch(tokenDigest: digest, idleUntil: now.addingTimeInterval(idle.seconds)) }
        }
        return (member, caller)
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
