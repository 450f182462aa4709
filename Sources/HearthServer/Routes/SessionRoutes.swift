import HearthHub
import Logging
import Foundation
import HearthAudit
import HearthCore
import HearthStore
import Hummingbird

/// Owner and member sign-in: `POST /v1/session`, `DELETE /v1/session`, `GET /v1/me`,
/// `POST /v1/me/password`.
struct SessionRoutes: Sendable {
    let store: Store
    let hasher: PasswordHasher
    let signIn: PasswordSignIn
    /// Wrong current passwords in a password change, per process: the caller already holds a
    /// session, which an owner can end, so this back-off need not cross nodes.
    let throttle: SignInThrottle
    let sessionLifetime: Duration
    let bodyLimit: Int

    let authenticator: SessionAuthenticator

    struct SignIn: Decodable {
        let email: String
        let password: String
        /// The authenticator's code or a recovery code, for an account with a second factor.
        let totp: String?
        /// What an earlier sign-in from this client returned: it spares the client the account's
        /// back-off (`docs/oauth.md`, "Sign-in throttling").
        let deviceCookie: String?

        enum CodingKeys: String, CodingKey {
            case email, password, totp
            case deviceCookie = "device_cookie"
        }
    }

    struct PasswordChange: Decodable {
        let currentPassword: String
        let newPassword: String

        enum CodingKeys: String, CodingKey {
            case currentPassword = "current_password"
            case newPassword = "new_password"
        }
    }

    struct SessionCreated: Encodable {
        let token: String
        let tokenType = "Bearer"
        let expiresAt: Date
        let expiresIn: Int
        let person: PersonView
        let deviceCookie: String

        enum CodingKeys: String, CodingKey {
            case token, person
            case tokenType = "token_type"
            case expiresAt = "expires_at"
            case expiresIn = "expires_in"
            case deviceCookie = "device_cookie"
        }
    }

    struct PersonView: Encodable {
        let id: String
        let email: String
        let role: String
        let householdID: String
        let mustChangePassword: Bool

        init(_ person: Person) {
            id = person.id.rawValue
            email = person.email.rawValue
            role = person.role.rawValue
            householdID = person.householdID.rawValue
            mustChangePassword = person.mustChangePassword
        }

        enum CodingKeys: String, CodingKey {
            case id, email, role
            case householdID = "household_id"
            case mustChangePassword = "must_change_password"
        }
    }

    struct ThrottledAccount: Encodable {
        let email: String
        let failures: Int
        let retryAfter: Int

        enum CodingKeys: String, CodingKey {
            case email, failures
            case retryAfter = "retry_after"
        }
    }

    struct MeView: Encodable {
        let person: PersonView
        let household: HouseholdView
    }

    struct HouseholdView: Encodable {
        let id: String
        let name: String
        let zones: [String]
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1/session") { request, context in try await createSession(request, context) },
            Endpoint(.delete, "/v1/session") { request, context in
                let caller = try await authenticator.session(context.call(request))
                try await store.write { db in
                    try await db.sessions.delete(tokenDigest: caller.tokenDigest)
                    try await db.audit.append(AuditEvent(
                        .sessionEnded, actor: .person(caller.person.id), subject: sessionSubject(caller.tokenDigest),
                        household: caller.person.householdID, reason: "signed out"))
                }
                return Response(status: .noContent)
            },
            Endpoint(.get, "/v1/me") { request, context in
                let caller = try await authenticator.authenticate(context.call(request))
                let view = try await store.read { db -> MeView in
                    guard let household = try await db.households.find(caller.person.householdID) else {
                        throw HearthError(.notFound, "the household no longer exists")
                    }
                    let zones = try await db.households.zones(of: household.id)
                    return MeView(
                        person: PersonView(caller.person),
                        household: HouseholdView(id: household.id.rawValue, name: household.name, zones: zones.map(\.name)))
                }
                return try JSONBody.response(view)
            },
            Endpoint(.post, "/v1/me/password") { request, context in try await changePassword(request, context) },
            // Which of the household's accounts are backed off right now, on any node: someone is
            // guessing their passwords.
            Endpoint(.get, "/v1/people/throttled") { request, context in
                let owner = try await authenticator.owner(context.call(request), toDo: "see throttled accounts", scope: "hub:admin")
                let people = try await store.read { db in try await db.people.all(in: owner.householdID) }
                let throttled = try await signIn.throttledAccounts(people.map(\.email))
                return try JSONBody.response(["accounts": throttled.map {
                    ThrottledAccount(email: $0.email.rawValue, failures: $0.failures, retryAfter: $0.retryAfter)
                }])
            },
        ]
    }

    private func createSession(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(SignIn.self, from: request, limit: bodyLimit)
        let signedIn = try await signIn.check(
            email: body.email, password: body.password, code: body.totp, deviceCookie: body.deviceCookie,
            source: context.remoteIP, logger: context.logger)
        let person = signedIn.person
        let token = SecretToken(prefix: "hst_")
        let now = store.clock.now
        let expiresAt = now.addingTimeInterval(sessionLifetime.seconds)
        let session = SessionRecords.Session(
            tokenDigest: token.digest, personID: person.id, createdAt: now, expiresAt: expiresAt)
        // Committed with its audit entry before the token is handed out: an acknowledged
        // session survives a crash, and no session exists that the log does not show.
        try await store.write { db in
            try await db.sessions.insert(session)
            try await db.audit.append(AuditEvent(
                .loginSucceeded, actor: .person(person.id), subject: sessionSubject(token.digest),
                household: person.householdID, reason: signedIn.acr == nil ? "password" : "password and second factor",
                details: ["source": context.remoteIP ?? "unknown", "expires_at": String(expiresAt.unixMilliseconds)]))
        }
        context.logger.info("signed in", metadata: ["person": "\(person.id)"])
        return try JSONBody.response(
            SessionCreated(
                token: token.value, expiresAt: expiresAt, expiresIn: Int(sessionLifetime.seconds),
                person: PersonView(person), deviceCookie: signedIn.deviceCookie),
            status: .created)
    }

    private func changePassword(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let caller = try await authenticator.session(context.call(request))
        let body = try await JSONBody.decode(PasswordChange.self, from: request, limit: bodyLimit)
        guard (12...1024).contains(body.newPassword.count) else {
            throw Problem(
                .unprocessableContent, code: "weak-password", detail: "the new password must be 12 to 1024 characters")
        }
        let keys = [PasswordSignIn.accountKey(caller.person.email), PasswordSignIn.sourceKey(context.remoteIP)]
        try await throttle.enforce(keys)
        guard let credential = try await store.read({ db in try await db.people.credential(id: caller.person.id) }),
              try await hasher.verify(body.currentPassword, against: credential.passwordHash)
        else {
            await throttle.recordFailure(keys)
            throw Problem(.forbidden, code: "wrong-password", detail: "the current password is wrong")
        }
        let newHash = try await hasher.hash(body.newPassword)
        try await store.write { db in
            try await db.people.setPassword(caller.person.id, hash: newHash, mustChange: false)
            // Every other session of the person ends; the one making the change stays.
            let ended = try await db.sessions.deleteAll(of: caller.person.id, except: caller.tokenDigest)
            try await db.audit.append(AuditEvent(
                .passwordChanged, actor: .person(caller.person.id), subject: "person:\(caller.person.id)",
                household: caller.person.householdID, reason: "changed by the person",
                details: ["other_sessions_ended": String(ended)]))
        }
        return Response(status: .noContent)
    }

    /// Sessions are named in the log by a prefix of their token digest: enough to tell them
    /// apart, useless for finding the token.
    private func sessionSubject(_ digest: String) -> String { "session:" + digest.prefix(16) }
}
