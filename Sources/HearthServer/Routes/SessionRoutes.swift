import Foundation
import HearthCore
import HearthHub
import HearthStore
import Hummingbird

/// Sign-in and the signed-in person: `POST /v1/session`, `DELETE /v1/session`, `GET /v1/me`,
/// `POST /v1/me/password`, `POST /v1/me/recovery-codes`, `POST /v1/recovery`,
/// `GET /v1/people/throttled`.
struct SessionRoutes: Sendable {
    let store: Store
    let sessions: PersonSessions
    let recovery: AccountRecovery
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
        /// The household the session is for; needed when the person belongs to several.
        let household: String?
        /// A hub-operator session instead of a household's.
        let asOperator: Bool?

        enum CodingKeys: String, CodingKey {
            case email, password, totp, household
            case deviceCookie = "device_cookie"
            case asOperator = "operator"
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

    struct Recovery: Decodable {
        let email: String
        let code: String
        let newPassword: String

        enum CodingKeys: String, CodingKey {
            case email, code
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
        /// nil in a hub-operator session.
        let household: HouseholdView?
        /// Every household the person belongs to, to pick one at the next sign-in.
        let households: [MembershipView]
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
                try await sessions.end(try await authenticator.session(context.call(request)))
                return Response(status: .noContent)
            },
            Endpoint(.get, "/v1/me") { request, context in
                let caller = try await authenticator.identify(context.call(request))
                let view = try await store.read { db -> MeView in
                    var household: HouseholdView?
                    if let member = caller.member, let found = try await db.households.find(member.householdID) {
                        let zones = try await db.households.zones(of: found.id)
                        household = HouseholdView(id: found.id.rawValue, name: found.name, zones: zones.map(\.name))
                    }
                    var memberships: [MembershipView] = []
                    for membership in try await db.memberships.memberships(of: caller.person.id) {
                        let name = try await db.households.find(membership.householdID)?.name ?? ""
                        memberships.append(MembershipView(membership, householdName: name))
                    }
                    return MeView(
                        person: PersonView(caller.person, member: caller.member, isOperator: caller.isOperator),
                        household: household, households: memberships)
                }
                return try JSONBody.response(view)
            },
            Endpoint(.post, "/v1/me/password") { request, context in
                let caller = try await authenticator.session(context.call(request))
                let body = try await JSONBody.decode(PasswordChange.self, from: request, limit: bodyLimit)
                try await sessions.changePassword(
                    caller, current: body.currentPassword, new: body.newPassword, source: context.remoteIP)
                return Response(status: .noContent)
            },
            Endpoint(.post, "/v1/me/recovery-codes") { request, context in
                let caller = try await authenticator.session(context.call(request))
                guard let member = caller.member else {
                    throw Problem(.forbidden, code: "forbidden", detail: "recovery codes are for household owners; sign in to your household")
                }
                let codes = try await recovery.issueCodes(for: member)
                return try JSONBody.response(["recovery_codes": codes], status: .created)
            },
            Endpoint(.post, "/v1/recovery") { request, context in
                let body = try await JSONBody.decode(Recovery.self, from: request, limit: bodyLimit)
                try await recovery.recover(
                    email: body.email, code: body.code, newPassword: body.newPassword, source: context.remoteIP,
                    logger: context.logger)
                return Response(status: .noContent)
            },
            // Which of the household's accounts are backed off right now, on any node: someone is
            // guessing their passwords.
            Endpoint(.get, "/v1/people/throttled") { request, context in
                let owner = try await authenticator.owner(context.call(request), toDo: "see throttled accounts", scope: "hub:admin")
                let people = try await store.read { db in try await db.memberships.members(of: owner.householdID) }
                let throttled = try await sessions.signIn.throttledAccounts(people.map(\.email))
                return try JSONBody.response(["accounts": throttled.map {
                    ThrottledAccount(email: $0.email.rawValue, failures: $0.failures, retryAfter: $0.retryAfter)
                }])
            },
        ]
    }

    private func createSession(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(SignIn.self, from: request, limit: bodyLimit)
        let choice: PersonSessions.Choice = if body.asOperator == true {
            .hubOperator
        } else if let household = body.household {
            .household(household)
        } else {
            .onlyHousehold
        }
        let started = try await sessions.start(
            email: body.email, password: body.password, secondFactor: body.totp, deviceCookie: body.deviceCookie,
            choice: choice, source: context.remoteIP, logger: context.logger)
        return try JSONBody.response(
            SessionCreated(
                token: started.token, expiresAt: started.expiresAt, expiresIn: Int(sessions.lifetime.seconds),
                person: PersonView(started.person, member: started.member, isOperator: started.member == nil),
                deviceCookie: started.deviceCookie),
            status: .created)
    }
}
